/* libFuzzer target: HTTP requests, decided by route.c and served by http.c. */

/*
 * The first byte picks the mode by its low bits; the rest is the input.
 *
 * Bit 0 clear (e.g. 'r'): route_decide().  The rest is split at '\n'
 *	into the method ("GET", "HEAD", anything else), the request
 *	target, the Authorization header and the one configured token.  A
 *	missing target or header is NULL, a missing or empty token none.
 *	The answer is checked against the rules of route.c's header
 *	comment.
 *
 * Bit 0 set: the rest goes as raw bytes, one or more HTTP requests, to
 *	the real server (http_new() on 127.0.0.1, port 0, with stub hooks)
 *	over a loopback socket, and the event loop runs until the server
 *	closes the connection or has nothing more to do.  Bit 1 picks the
 *	server: set (e.g. 's') with the token FZ_TOKEN, clear (e.g. 'q')
 *	with none.
 */

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/event.h>

#include "conf.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "xmalloc.h"

#define FZ_TOKEN	"s3cret"
#define FZ_IDLE_LOOPS	4	/* loop turns without news: it is done */
#define FZ_MAX_LOOPS	10000	/* a bound on one exchange */

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The two servers, started on first use and kept for the whole run. */
static struct event_base	*fz_base;
static struct conf		*fz_conf[2];
static struct http		*fz_http[2];

/* What is left of the route mode's input; done once it is used up. */
struct fz_cursor {
	const char	*p;
	const char	*end;
	int		 done;
};

/* Copies the next '\n'-ended part to a new C string, NULL at the end. */
static char *
fz_part(struct fz_cursor *cur)
{
	const char	*nl;
	char		*s;
	size_t		 len;

	if (cur->done)
		return (NULL);
	nl = memchr(cur->p, '\n', (size_t)(cur->end - cur->p));
	len = nl != NULL ? (size_t)(nl - cur->p) : (size_t)(cur->end - cur->p);
	s = malloc(len + 1);
	memcpy(s, cur->p, len);
	s[len] = '\0';
	if (nl != NULL)
		cur->p = nl + 1;
	else
		cur->done = 1;
	return (s);
}

/* Whether a token is one a token file may hold: printable, no space. */
static int
fz_valid_token(const char *t)
{
	size_t	 i;

	for (i = 0; t[i] != '\0'; i++)
		if (t[i] <= ' ' || t[i] > '~')
			return (0);
	return (i >= 1 && i <= ROUTE_TOKEN_MAX);
}

/* The one configured token of route_decide's calls: n is 0 for none. */
static void
fz_token(const char *token, struct route_token *t, size_t *n)
{
	memset(t, 0, sizeof(*t));
	*n = 0;
	if (token == NULL || *token == '\0')
		return;
	t->len = strlen(token);
	if (t->len > ROUTE_TOKEN_MAX)
		t->len = ROUTE_TOKEN_MAX;
	memcpy(t->secret, token, t->len);
	*n = 1;
}

/* Whether the target's path is path. */
static int
fz_path_is(const char *uri, const char *path)
{
	return (strcspn(uri, "?") == strlen(path) &&
	    strncmp(uri, path, strlen(path)) == 0);
}

/* Whether the request target's path (before any '?') is a route's. */
static int
fz_known_path(const char *uri)
{
	size_t	 plen = strcspn(uri, "?");
	int	 i;

	for (i = 0; i < ROUTE_COUNT; i++)
		if (strlen(route_path(i)) == plen &&
		    strncmp(route_path(i), uri, plen) == 0)
			return (1);
	return (0);
}

/* Asks for the target's path with "?token=" and the token %-encoded. */
static void
fz_query_token(enum route_method m, const char *uri, const char *token)
{
	struct route_token	 t;
	enum route_id		 id;
	char			*q;
	size_t			 plen = strcspn(uri, "?"), n, i, nt;
	int			 tok, code;

	q = xmalloc(plen + sizeof("?token=") + 3 * strlen(token));
	memcpy(q, uri, plen);
	memcpy(q + plen, "?token=", 7);
	n = plen + 7;
	for (i = 0; token[i] != '\0'; i++) {
		snprintf(q + n, 4, "%%%02X", (unsigned char)token[i]);
		n += 3;
	}
	q[n] = '\0';
	fz_token(token, &t, &nt);
	if (n <= ROUTE_URI_MAX) {
		code = route_decide(m, q, NULL, &t, nt, &id, &tok);
		/* taken on the page and /events only */
		if (fz_path_is(q, "/") || fz_path_is(q, "/events"))
			assert(code == 200 && tok == 0);
		else if (!fz_path_is(q, "/healthz") && !fz_path_is(q,
		    "/readyz"))
			assert(code == 401);
	}
	free(q);
}

/* route_decide() on carved parts, against its documented rules. */
static void
fz_route(const char *p, const char *end)
{
	struct fz_cursor	 cur = { p, end, 0 };
	struct route_token	 t;
	enum route_method	 m;
	enum route_id		 id = ROUTE_COUNT;
	char			*method, *uri, *auth, *token, *bearer;
	size_t			 nt;
	int			 code, tok;

	method = fz_part(&cur);
	uri = fz_part(&cur);
	auth = fz_part(&cur);
	token = fz_part(&cur);
	if (strcmp(method, "GET") == 0)
		m = ROUTE_GET;
	else if (strcmp(method, "HEAD") == 0)
		m = ROUTE_HEAD;
	else
		m = ROUTE_OTHER;

	fz_token(token, &t, &nt);
	code = route_decide(m, uri, auth, &t, nt, &id, &tok);
	if (uri == NULL || uri[0] != '/') {
		assert(code == 400);
		goto done;
	}
	if (strlen(uri) > ROUTE_URI_MAX) {
		assert(code == 414);
		goto done;
	}
	if (!fz_known_path(uri)) {
		assert(code == 404);
		goto done;
	}
	if (m == ROUTE_OTHER) {
		assert(code == 405);
		goto done;
	}
	assert(code == 200 || code == 401);
	if (code == 200) {
		assert(id >= 0 && id < ROUTE_COUNT);
		assert(strncmp(route_path(id), uri,
		    strlen(route_path(id))) == 0);
	}
	/* no token configured, or a health check: always served */
	if (nt == 0 || fz_path_is(uri, "/healthz") ||
	    fz_path_is(uri, "/readyz"))
		assert(code == 200);
	/* the exact header is always enough for a token a file may hold */
	if (token != NULL && auth != NULL && fz_valid_token(token)) {
		xasprintf(&bearer, "Bearer %s", token);
		if (strcmp(auth, bearer) == 0)
			assert(code == 200);
		free(bearer);
	}
	/* and so is the token as the query's one parameter, %-encoded */
	if (token != NULL && fz_valid_token(token))
		fz_query_token(m, uri, token);
	/* neither a Bearer header nor a token parameter: refused */
	if (nt > 0 && code == 200 &&
	    (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) &&
	    strstr(uri, "token=") == NULL)
		assert(fz_path_is(uri, "/healthz") ||
		    fz_path_is(uri, "/readyz"));

done:
	free(method);
	free(uri);
	free(auth);
	free(token);
}

static char *
fz_metrics_cb(void *arg)
{
	(void)arg;
	return (xstrdup("# TYPE m gauge\nm 1\n"));
}

static char *
fz_alerts_cb(void *arg)
{
	(void)arg;
	return (xstrdup("[]"));
}

static int
fz_ready_cb(void *arg, const char **why)
{
	(void)arg;
	*why = "catching up";
	return (0);
}

/* Starts the two servers, with and without a token, and their snapshot. */
static void
fz_servers(void)
{
	static const struct http_hooks	 hooks = { fz_metrics_cb,
					     fz_alerts_cb, fz_ready_cb, NULL };
	static const char		 snap[] = "{\"version\":1}";
	const char			*errstr = NULL;
	struct route_token		*t;
	size_t				 nt;
	int				 i;

	signal(SIGPIPE, SIG_IGN);
	log_init(LOG_LEVEL_ERROR, NULL);
	if ((fz_base = event_base_new()) == NULL)
		abort();
	for (i = 0; i < 2; i++) {
		fz_conf[i] = conf_default();
		free(fz_conf[i]->http.listen_host);
		fz_conf[i]->http.listen_host = xstrdup("127.0.0.1");
		fz_conf[i]->http.listen_port = 0;
		fz_conf[i]->http.max_clients = 4;
		fz_http[i] = http_new(fz_base, fz_conf[i], &hooks, &errstr);
		if (fz_http[i] == NULL) {
			fprintf(stderr, "http_new: %s\n", errstr);
			abort();
		}
		if (i == 1) {
			t = xcalloc(1, sizeof(*t));
			fz_token(FZ_TOKEN, t, &nt);
			http_set_access(fz_http[i], fz_conf[i], t, nt);
		}
		http_snapshot(fz_http[i], snap, sizeof(snap) - 1);
	}
}

/*
 * Connects a non-blocking client that resets the connection at close,
 * so that neither end lingers in TIME_WAIT.  A failure is the machine's,
 * not the server's: it is told and the input skipped.
 */
static int
fz_connect(const struct http *h)
{
	struct sockaddr_in	 sin;
	struct linger		 lg = { 1, 0 };
	int			 fd, tries;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)http_port(h));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (tries = 0; tries < 3; tries++) {
		if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
			break;
		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0) {
			fcntl(fd, F_SETFL, O_NONBLOCK);
			return (fd);
		}
		close(fd);
		event_base_loop(fz_base, EVLOOP_NONBLOCK);
	}
	perror("fuzz_http: connect");
	return (-1);
}

/*
 * Sends the bytes as they are and runs the loop until the server closes
 * or a few turns pass with nothing sent or received.  Then the client
 * resets the connection and the loop runs until the server has let go
 * of every event stream.
 */
static void
fz_serve(int which, const uint8_t *data, size_t size)
{
	struct http	*h = fz_http[which];
	char		 buf[65536];
	size_t		 off = 0;
	ssize_t		 n;
	int		 fd, idle = 0, loops, news;

	if ((fd = fz_connect(h)) == -1)
		return;
	for (loops = 0; loops < FZ_MAX_LOOPS && idle < FZ_IDLE_LOOPS;
	    loops++) {
		news = 0;
		if (off < size) {
			n = write(fd, data + off, size - off);
			if (n > 0) {
				off += (size_t)n;
				news = 1;
			} else if (n == -1 && errno != EAGAIN)
				off = size;	/* reset: stop sending */
		}
		event_base_loop(fz_base, EVLOOP_NONBLOCK);
		while ((n = read(fd, buf, sizeof(buf))) > 0)
			news = 1;
		if (n == 0 || (n == -1 && errno != EAGAIN))
			break;
		idle = news ? 0 : idle + 1;
	}
	close(fd);
	for (loops = 0; loops < FZ_MAX_LOOPS &&
	    http_stats(h)->clients > 0; loops++)
		event_base_loop(fz_base, EVLOOP_NONBLOCK);
	assert(http_stats(h)->clients == 0);
	event_base_loop(fz_base, EVLOOP_NONBLOCK);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return (0);
	if ((data[0] & 1) == 0) {
		fz_route((const char *)data + 1, (const char *)data + size);
		return (0);
	}
	if (fz_base == NULL)
		fz_servers();
	fz_serve((data[0] & 2) != 0, data + 1, size - 1);
	return (0);
}
