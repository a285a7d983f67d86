/*
 * Tests of the HTTP server against real sockets: the server listens on
 * 127.0.0.1, port 0, and each test drives its event loop while talking
 * to it as a client would.
 */

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <event2/event.h>

#include "clock.h"
#include "conf.h"
#include "http.h"
#include "route.h"
#include "xmalloc.h"

#define HT_DEADLINE_MS	5000

static struct event_base	*ht_base;
static struct conf		*ht_conf;
static struct http		*ht;
static int			 ht_ready;
static int			 ht_metrics_calls;

static char *
ht_metrics_cb(void *arg)
{
	(void)arg;
	ht_metrics_calls++;
	return (xstrdup("# TYPE m gauge\nm 1\n"));
}

static int	ht_alerts_calls;

static char *
ht_alerts_cb(void *arg)
{
	(void)arg;
	ht_alerts_calls++;
	return (xstrdup("{\"alerts\":[{\"id\":\"a1\"}]}"));
}

static int
ht_ready_cb(void *arg, const char **why)
{
	(void)arg;
	*why = "catching up";
	return (ht_ready);
}

/* Tokens as file_tokens_load gives them: "name=secret", NULL-ended. */
static struct route_token *
ht_tokens(const char *const *spec, size_t *n)
{
	struct route_token	*t;
	const char		*eq;
	size_t			 i;

	for (*n = 0; spec[*n] != NULL; (*n)++)
		;
	t = xcalloc(*n + 1, sizeof(*t));
	for (i = 0; i < *n; i++) {
		eq = strchr(spec[i], '=');
		snprintf(t[i].name, sizeof(t[i].name), "%.*s",
		    (int)(eq - spec[i]), spec[i]);
		t[i].len = strlen(eq + 1);
		memcpy(t[i].secret, eq + 1, t[i].len);
	}
	return (t);
}

/* Gives the server these tokens ("name=secret", NULL-ended), as a reload. */
static void
ht_set_tokens(const char *const *spec)
{
	struct route_token	*t;
	size_t			 n;

	t = ht_tokens(spec, &n);
	http_set_access(ht, ht_conf, t, n);
}

/*
 * Starts a server with the given token ("" for none), stream limit and
 * buffer bound, and the connection cap and timeout of ht_conf's
 * defaults unless ht_max_conns or ht_timeout_s say otherwise.
 */
static int			 ht_max_conns;
static int			 ht_timeout_s;

static void
ht_start(const char *token, int max_clients, int buffer_kb)
{
	struct http_hooks	 hooks = { ht_metrics_cb, ht_alerts_cb,
				     ht_ready_cb, NULL };
	const char		*errstr = NULL;
	char			 spec[512];
	const char		*specs[2] = { spec, NULL };

	signal(SIGPIPE, SIG_IGN);	/* as the daemon does */
	ht_base = event_base_new();
	ht_conf = conf_default();
	free(ht_conf->http.listen_host);
	ht_conf->http.listen_host = xstrdup("127.0.0.1");
	ht_conf->http.listen_port = 0;
	if (ht_max_conns > 0)
		ht_conf->http.max_connections = ht_max_conns;
	if (ht_timeout_s > 0)
		ht_conf->http.timeout_s = ht_timeout_s;
	ht_conf->http.max_clients = max_clients;
	ht_conf->http.client_buffer_kb = buffer_kb;
	ht_conf->http.heartbeat_s = 1;
	ht_ready = 0;
	ht_metrics_calls = 0;
	ht_alerts_calls = 0;
	ht = http_new(ht_base, ht_conf, &hooks, &errstr);
	cr_assert_not_null(ht, "http_new: %s", errstr);
	cr_assert_gt(http_port(ht), 0);
	snprintf(spec, sizeof(spec), "t=%s", token);
	if (*token != '\0')
		ht_set_tokens(specs);
}

static void
ht_stop(void)
{
	http_free(ht);
	ht = NULL;
	event_base_free(ht_base);
	conf_free(ht_conf);
}

static void
ht_fini(void)
{
	if (ht != NULL)
		ht_stop();
}

static int
ht_connect(int rcvbuf)
{
	struct sockaddr_in	 sin;
	int			 fd;

	cr_assert_geq(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	if (rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)http_port(ht));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return (fd);
}

static void
ht_send(int fd, const char *req)
{
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
}

/* Runs the loop once, then takes what the socket has; 0 at EOF. */
static int
ht_pump(int fd, char **buf, size_t *len)
{
	char	 chunk[65536];
	ssize_t	 n;

	event_base_loop(ht_base, EVLOOP_NONBLOCK);
	n = read(fd, chunk, sizeof(chunk));
	if (n == 0 || (n == -1 && errno == ECONNRESET))
		return (0);
	if (n > 0) {
		*buf = xreallocarray(*buf, *len + (size_t)n + 1, 1);
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	} else
		usleep(1000);
	return (1);
}

/* A whole exchange on a connection the server closes: the response. */
static char *
ht_request(const char *req, size_t *lenp)
{
	char	*buf = xstrdup("");
	size_t	 len = 0;
	int64_t	 deadline = now_mono_ms() + HT_DEADLINE_MS;
	int	 fd;

	fd = ht_connect(0);
	ht_send(fd, req);
	while (ht_pump(fd, &buf, &len))
		cr_assert_lt(now_mono_ms(), deadline,
		    "no end to the response to %s; so far: %s", req, buf);
	close(fd);
	if (lenp != NULL)
		*lenp = len;
	return (buf);
}

static char *
ht_get(const char *path, const char *extra)
{
	char	 req[4096];

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\n%s\r\n", path, extra != NULL ? extra : "");
	return (ht_request(req, NULL));
}

static int
ht_status(const char *resp)
{
	int	 code = 0;

	sscanf(resp, "HTTP/1.%*d %d", &code);
	return (code);
}

static const char *
ht_body(const char *resp)
{
	const char	*p = strstr(resp, "\r\n\r\n");

	cr_assert_not_null(p, "no end of headers: %s", resp);
	return (p + 4);
}

/* The value of a header, copied, or NULL. */
static char *
ht_header(const char *resp, const char *name)
{
	char		 want[128];
	const char	*p, *end = strstr(resp, "\r\n\r\n");
	size_t		 n;

	snprintf(want, sizeof(want), "\r\n%s: ", name);
	if ((p = strcasestr(resp, want)) == NULL || p > end)
		return (NULL);
	p += strlen(want);
	n = strcspn(p, "\r");
	return (xstrndup(p, n));
}

static char	*ht_stream_until(int, char **, size_t *, const char *);
static int	 ht_stream(const char *);

static void
ht_expect(const char *path, const char *extra, int code, const char *type,
    const char *body)
{
	char	*resp, *ct;

	resp = ht_get(path, extra);
	cr_expect_eq(ht_status(resp), code, "%s: %s", path, resp);
	if (type != NULL) {
		ct = ht_header(resp, "Content-Type");
		cr_expect(ct != NULL && strcmp(ct, type) == 0,
		    "%s: Content-Type %s", path, ct != NULL ? ct : "none");
		free(ct);
	}
	if (body != NULL)
		cr_expect_str_eq(ht_body(resp), body, "%s", path);
	free(resp);
}

static char *
ht_read_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf;
	long	 n;

	cr_assert_not_null(f = fopen(path, "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = xmalloc((size_t)n + 1);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return (buf);
}

Test(http, routes, .fini = ht_fini)
{
	char	*resp, *page, *csp;
	size_t	 len;

	ht_start("", 4, 1024);
	ht_expect("/healthz", NULL, 200, "text/plain; charset=utf-8", "ok\n");
	ht_expect("/readyz", NULL, 503, "text/plain; charset=utf-8",
	    "not ready: catching up\n");
	ht_ready = 1;
	ht_expect("/readyz", NULL, 200, NULL, "ready\n");
	ht_expect("/api/v1/snapshot", NULL, 503, "application/json", NULL);
	http_snapshot(ht, "{\"version\":1}", 13);
	ht_expect("/api/v1/snapshot", NULL, 200, "application/json",
	    "{\"version\":1}");
	ht_expect("/api/v1/alerts", NULL, 200, "application/json",
	    "{\"alerts\":[{\"id\":\"a1\"}]}");
	ht_expect("/metrics", NULL, 200,
	    "text/plain; version=0.0.4; charset=utf-8",
	    "# TYPE m gauge\nm 1\n");
	cr_expect_eq(ht_metrics_calls, 1);

	/* the page is the file, byte for byte, with a tight policy */
	page = ht_read_file("daemon/edge/wallboard.html", &len);
	resp = ht_get("/", NULL);
	cr_expect_eq(ht_status(resp), 200);
	cr_expect_str_eq(ht_body(resp), page);
	csp = ht_header(resp, "Content-Security-Policy");
	cr_expect(csp != NULL && strstr(csp, "default-src 'none'") != NULL);
	free(csp);
	free(resp);
	free(page);
}

Test(http, refusals, .fini = ht_fini)
{
	char	*resp, *allow;

	ht_start("", 4, 1024);
	ht_expect("/nope", NULL, 404, "application/json",
	    "{\"error\":\"no such path\"}\n");
	ht_expect("/metrics/extra", NULL, 404, NULL, NULL);
	resp = ht_request("POST /metrics HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\nContent-Length: 2\r\n\r\nhi", NULL);
	cr_expect_eq(ht_status(resp), 405, "%s", resp);
	allow = ht_header(resp, "Allow");
	cr_expect(allow != NULL && strcmp(allow, "GET, HEAD") == 0);
	free(allow);
	free(resp);
	resp = ht_request("DELETE / HTTP/1.1\r\nHost: localhost\r\nConnection: "
	    "close\r\n\r\n", NULL);
	cr_expect_eq(ht_status(resp), 405, "%s", resp);
	free(resp);

	/* HEAD: the headers of a GET, no body */
	resp = ht_request("HEAD /healthz HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\n\r\n", NULL);
	cr_expect_eq(ht_status(resp), 200);
	cr_expect_str_eq(ht_body(resp), "");
	free(resp);

	/* a body over the bound, headers over the bound */
	resp = ht_request("GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
	    "Connection: close\r\nContent-Length: 100000\r\n\r\n", NULL);
	cr_expect_eq(ht_status(resp), 413, "%s", resp);
	free(resp);
	{
		char	*big = xmalloc(20000), *req;

		memset(big, 'a', 19999);
		big[19999] = '\0';
		xasprintf(&req, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
		    "X-Big: %s\r\nConnection: close\r\n\r\n", big);
		resp = ht_request(req, NULL);
		cr_expect(ht_status(resp) == 0 || ht_status(resp) >= 400,
		    "%.200s", resp);
		free(resp);
		free(req);
		free(big);
	}
	/* and the server still answers */
	ht_expect("/healthz", NULL, 200, NULL, "ok\n");
}

#define HT_TOKEN	"s3cret-0123456789"

Test(http, token, .fini = ht_fini)
{
	char	*resp, *www;

	ht_start(HT_TOKEN, 4, 1024);
	ht_ready = 1;
	resp = ht_get("/metrics", NULL);
	cr_expect_eq(ht_status(resp), 401);
	www = ht_header(resp, "WWW-Authenticate");
	cr_expect(www != NULL && strncmp(www, "Bearer", 6) == 0);
	free(www);
	cr_expect(strstr(resp, HT_TOKEN) == NULL);
	free(resp);
	ht_expect("/metrics", "Authorization: Bearer wrong\r\n", 401, NULL,
	    NULL);
	ht_expect("/metrics", "Authorization: Bearer " HT_TOKEN "x\r\n", 401,
	    NULL, NULL);
	ht_expect("/metrics", "Authorization: Bearer " HT_TOKEN "\r\n", 200,
	    NULL, "# TYPE m gauge\nm 1\n");
	ht_expect("/?token=" HT_TOKEN, NULL, 200, "text/html; charset=utf-8",
	    NULL);
	ht_expect("/", NULL, 401, NULL, NULL);
	ht_expect("/api/v1/snapshot", NULL, 401, NULL, NULL);
	ht_expect("/healthz", NULL, 200, NULL, "ok\n");
	/* a refused client never reached the hooks */
	cr_expect_eq(ht_metrics_calls, 1);
}

/* The health checks are open, whatever the tokens. */
Test(http, health_without_token, .fini = ht_fini)
{
	ht_start(HT_TOKEN, 4, 1024);
	ht_expect("/readyz", NULL, 503, NULL, "not ready: catching up\n");
	ht_ready = 1;
	ht_expect("/readyz", NULL, 200, NULL, "ready\n");
	ht_expect("/healthz", NULL, 200, NULL, "ok\n");
}

/*
 * "?token=" only where a header cannot be sent (the page, /events);
 * elsewhere only the Authorization header.
 */
Test(http, query_token_where, .fini = ht_fini)
{
	char	*buf = NULL, *text;
	size_t	 len = 0;
	int	 fd;

	ht_start(HT_TOKEN, 4, 1024);
	ht_expect("/?token=" HT_TOKEN, NULL, 200, NULL, NULL);
	ht_expect("/metrics?token=" HT_TOKEN, NULL, 401, NULL, NULL);
	ht_expect("/api/v1/snapshot?token=" HT_TOKEN, NULL, 401, NULL, NULL);
	ht_expect("/api/v1/alerts?token=" HT_TOKEN, NULL, 401, NULL, NULL);
	ht_expect("/api/v1/alerts", "Authorization: Bearer " HT_TOKEN "\r\n",
	    200, NULL, NULL);
	ht_expect("/events?token=wrong-0123456789", NULL, 401, NULL, NULL);
	cr_expect_eq(ht_metrics_calls, 0);
	fd = ht_stream("/events?token=" HT_TOKEN);
	text = ht_stream_until(fd, &buf, &len, "event: alerts");
	cr_expect_eq(ht_status(buf), 200);
	free(text);
	free(buf);
	close(fd);
}

/* Any of several tokens will do; each is told from the others. */
Test(http, several_tokens, .fini = ht_fini)
{
	static const char *const two[] = { "wall=aaaaaaaaaaaaaaaa1",
	    "ops=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", NULL };

	ht_start("", 4, 1024);
	ht_set_tokens(two);
	ht_expect("/api/v1/alerts", "Authorization: Bearer "
	    "aaaaaaaaaaaaaaaa1\r\n", 200, NULL, NULL);
	ht_expect("/api/v1/alerts", "Authorization: Bearer "
	    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\r\n", 200, NULL, NULL);
	ht_expect("/api/v1/alerts", "Authorization: Bearer "
	    "aaaaaaaaaaaaaaaa\r\n", 401, NULL, NULL);
	ht_expect("/api/v1/alerts", NULL, 401, NULL, NULL);
}

/* A request for another Host is refused: DNS rebinding gets nothing. */
Test(http, host_check, .fini = ht_fini)
{
	char	 req[512], *resp;
	int	 port;
	size_t	 i;
	static const struct {
		const char	*host;	/* %d: the port */
		int		 code;
	} hc[] = {
		{ "localhost", 200 }, { "localhost:%d", 200 },
		{ "LocalHost:%d", 200 }, { "127.0.0.1:%d", 200 },
		{ "127.0.0.1", 200 }, { "[::1]:%d", 200 },
		{ "wall.example.com:%d", 200 }, { "wall.example.com", 200 },
		{ "tv.example.com:8443", 200 },
		{ "evil.example.com:%d", 421 }, { "evil.example.com", 421 },
		{ "127.0.0.1:1", 421 }, { "localhost:%d0", 421 },
		{ "tv.example.com:%d", 421 }, { "tv.example.com", 421 },
		{ "localhost.evil.com:%d", 421 }, { "::1", 421 },
		{ "", 421 }, { ":%d", 421 }, { "localhost:", 421 },
	};
	char		 host[128];
	const char	*pct;

	ht_start("", 4, 1024);
	ht_conf->http.nallowed_hosts = 2;
	ht_conf->http.allowed_hosts = xcalloc(2, sizeof(char *));
	ht_conf->http.allowed_hosts[0] = xstrdup("wall.example.com");
	ht_conf->http.allowed_hosts[1] = xstrdup("tv.example.com:8443");
	http_set_access(ht, ht_conf, NULL, 0);
	port = http_port(ht);
	for (i = 0; i < sizeof(hc) / sizeof(hc[0]); i++) {
		if ((pct = strstr(hc[i].host, "%d")) != NULL)
			snprintf(host, sizeof(host), "%.*s%d%s",
			    (int)(pct - hc[i].host), hc[i].host, port, pct + 2);
		else
			snprintf(host, sizeof(host), "%s", hc[i].host);
		snprintf(req, sizeof(req), "GET /healthz HTTP/1.1\r\n"
		    "Host: %s\r\nConnection: close\r\n\r\n", host);
		resp = ht_request(req, NULL);
		cr_expect_eq(ht_status(resp), hc[i].code, "Host: %s: %s",
		    host, resp);
		if (hc[i].code == 421)
			cr_expect(strstr(resp, "allowed_hosts") != NULL);
		free(resp);
	}
	/* no Host at all: from no browser, so taken */
	resp = ht_request("GET /healthz HTTP/1.0\r\n\r\n", NULL);
	cr_expect_eq(ht_status(resp), 200, "%s", resp);
	free(resp);
}

/* Undoes chunked transfer coding in place; returns the bytes so far. */
static size_t
ht_dechunk(const char *body, char *out)
{
	const char	*p = body;
	size_t		 n = 0, size;
	char		*end;

	for (;;) {
		size = strtoul(p, &end, 16);
		if (end == p || strncmp(end, "\r\n", 2) != 0)
			break;
		if (strlen(end + 2) < size + 2)
			break;
		memcpy(out + n, end + 2, size);
		n += size;
		p = end + 2 + size + 2;
		if (size == 0)
			break;
	}
	out[n] = '\0';
	return (n);
}

/* Reads an event stream until its decoded text holds want. */
static char *
ht_stream_until(int fd, char **buf, size_t *len, const char *want)
{
	char	*text;
	int64_t	 deadline = now_mono_ms() + HT_DEADLINE_MS;

	text = xmalloc(1);
	for (;;) {
		cr_assert(ht_pump(fd, buf, len), "stream closed");
		if (strstr(*buf, "\r\n\r\n") != NULL) {
			text = xreallocarray(text, *len + 1, 1);
			ht_dechunk(ht_body(*buf), text);
			if (strstr(text, want) != NULL)
				return (text);
		}
		cr_assert_lt(now_mono_ms(), deadline, "no \"%s\" in: %s", want,
		    text);
	}
}

static int
ht_stream(const char *path)
{
	char	 req[256];
	int	 fd;

	fd = ht_connect(0);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost\r\n"
	    "Accept: text/event-stream\r\n\r\n", path);
	ht_send(fd, req);
	return (fd);
}

Test(http, events_framing, .fini = ht_fini)
{
	char	*buf = NULL, *text, *ct;
	size_t	 len = 0;
	int	 fd;

	ht_start("", 4, 1024);
	http_snapshot(ht, "{\"n\":1}", 7);
	fd = ht_stream("/events");
	text = ht_stream_until(fd, &buf, &len, "event: alerts\n");
	cr_expect_eq(ht_status(buf), 200);
	ct = ht_header(buf, "Content-Type");
	cr_expect_str_eq(ct, "text/event-stream");
	free(ct);
	/* the retry delay, the latest snapshot, the firing alerts */
	free(text);
	text = ht_stream_until(fd, &buf, &len, "}]}\n\n");
	cr_expect_str_eq(text, "retry: 3000\n\n"
	    "event: snapshot\ndata: {\"n\":1}\n\n"
	    "event: alerts\ndata: {\"alerts\":[{\"id\":\"a1\"}]}\n\n");
	cr_expect_eq(http_stats(ht)->clients, 1);
	free(text);

	http_snapshot(ht, "{\"n\":2}", 7);
	http_alert(ht, "{\"id\":\"a2\",\"status\":\"firing\"}", 29);
	text = ht_stream_until(fd, &buf, &len, "a2");
	cr_expect(strstr(text, "\n\nevent: snapshot\ndata: {\"n\":2}\n\n"
	    "event: alert\ndata: {\"id\":\"a2\",\"status\":\"firing\"}\n\n")
	    != NULL, "%s", text);
	free(text);

	/* idle: a comment line within the heartbeat period (1 s) */
	text = ht_stream_until(fd, &buf, &len, "\n: heartbeat\n\n");
	free(text);
	free(buf);
	close(fd);
}

Test(http, max_clients, .fini = ht_fini)
{
	char	*buf = NULL, *text, *resp;
	size_t	 len = 0;
	int	 fd[2], i;
	int64_t	 deadline;

	ht_start("", 2, 1024);
	for (i = 0; i < 2; i++) {
		fd[i] = ht_stream("/events");
		text = ht_stream_until(fd[i], &buf, &len, "event: alerts");
		free(text);
		free(buf);
		buf = NULL;
		len = 0;
	}
	cr_assert_eq(http_stats(ht)->clients, 2);
	resp = ht_get("/events", NULL);
	cr_expect_eq(ht_status(resp), 503, "%s", resp);
	cr_expect(strstr(resp, "max_clients") != NULL);
	free(resp);

	/* a client that goes away frees its place */
	close(fd[0]);
	deadline = now_mono_ms() + HT_DEADLINE_MS;
	while (http_stats(ht)->clients != 1) {
		http_snapshot(ht, "{}", 2);
		event_base_loop(ht_base, EVLOOP_NONBLOCK);
		usleep(10000);
		cr_assert_lt(now_mono_ms(), deadline,
		    "closed stream still counted");
	}
	fd[0] = ht_stream("/events");
	text = ht_stream_until(fd[0], &buf, &len, "event: alerts");
	free(text);
	free(buf);
	cr_expect_eq(http_stats(ht)->clients, 2);
	close(fd[0]);
	close(fd[1]);
}

/*
 * A client that stops reading: once more than client_buffer_kb of alerts
 * waits for it, it is dropped, and a reading client next to it is not.
 */
Test(http, slow_client_dropped, .fini = ht_fini)
{
	char	*big, *buf = NULL, *text, chunk[65536];
	size_t	 len = 0, want = 0, got = 0, i, n = 32768;
	ssize_t	 r;
	int64_t	 deadline;
	int	 slow, good;

	ht_start("", 4, 64);
	slow = ht_connect(4096);
	ht_send(slow, "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
	good = ht_stream("/events");
	text = ht_stream_until(good, &buf, &len, "event: alerts");
	free(text);
	free(buf);
	deadline = now_mono_ms() + HT_DEADLINE_MS;
	while (http_stats(ht)->clients != 2) {
		event_base_loop(ht_base, EVLOOP_NONBLOCK);
		cr_assert_lt(now_mono_ms(), deadline);
	}

	big = xmalloc(n + 1);
	memset(big, 'x', n);
	big[n] = '\0';
	deadline = now_mono_ms() + 4 * HT_DEADLINE_MS;
	for (i = 0; http_stats(ht)->dropped == 0; i++) {
		cr_assert_lt(now_mono_ms(), deadline,
		    "not dropped after %zu", i);
		http_alert(ht, big, n);
		want += n;
		while (got < want) {	/* the good client keeps up */
			event_base_loop(ht_base, EVLOOP_NONBLOCK);
			if ((r = read(good, chunk, sizeof(chunk))) > 0)
				got += (size_t)r;
			cr_assert(r != 0, "the reading client was dropped");
			cr_assert_lt(now_mono_ms(), deadline);
		}
	}
	cr_expect_eq(http_stats(ht)->dropped, 1);
	cr_expect_eq(http_stats(ht)->clients, 1);
	cr_expect_geq(i, 2, "dropped before its buffer could fill");

	/* the good client goes on; the slow one reads to its end */
	buf = NULL;
	len = 0;
	http_snapshot(ht, "{\"after\":1}", 11);
	deadline = now_mono_ms() + HT_DEADLINE_MS;
	while (buf == NULL || strstr(buf, "{\"after\":1}") == NULL) {
		cr_assert(ht_pump(good, &buf, &len));
		cr_assert_lt(now_mono_ms(), deadline);
	}
	free(buf);
	buf = NULL;
	len = 0;
	while (ht_pump(slow, &buf, &len))
		cr_assert_lt(now_mono_ms(), deadline,
		    "the slow stream stays open");
	free(buf);
	free(big);
	close(slow);
	close(good);
}

Test(http, bind_conflict, .fini = ht_fini)
{
	struct http_hooks	 hooks = { ht_metrics_cb, ht_alerts_cb,
				     ht_ready_cb, NULL };
	const char		*errstr = NULL;

	ht_start("", 4, 1024);
	ht_conf->http.listen_port = http_port(ht);
	cr_expect_null(http_new(ht_base, ht_conf, &hooks, &errstr));
	cr_expect_not_null(errstr);
}

/* Runs the loop until cond holds, or fails saying what it waited for. */
#define HT_UNTIL(cond, what) do {					\
	int64_t	 until_ = now_mono_ms() + HT_DEADLINE_MS;		\
	while (!(cond)) {						\
		event_base_loop(ht_base, EVLOOP_NONBLOCK);		\
		usleep(1000);						\
		cr_assert_lt(now_mono_ms(), until_, "waiting for %s",	\
		    what);						\
	}								\
} while (0)

/* A snapshot of n bytes of JSON, its text marked with mark. */
static char *
ht_big(size_t n, int mark)
{
	char	*big = xmalloc(n + 1);
	int	 k;

	memset(big, 'x', n);
	k = snprintf(big, n, "{\"mark\":%d,\"pad\":\"", mark);
	big[k] = 'x';
	memcpy(big + n - 2, "\"}", 2);
	big[n] = '\0';
	return (big);
}

/*
 * A snapshot far larger than http.client_buffer_kb reaches a new stream
 * whole, with the alerts after it, and the stream stays.
 */
Test(http, sse_large_snapshot, .fini = ht_fini)
{
	char	*big, *buf = NULL, *text, *want;
	size_t	 len = 0, n = 100 * 1024;
	int	 fd;

	ht_start("", 4, 16);
	big = ht_big(n, 1);
	http_snapshot(ht, big, n);
	fd = ht_stream("/events");
	text = ht_stream_until(fd, &buf, &len, "event: alerts\n");
	xasprintf(&want, "event: snapshot\ndata: %s\n\nevent: alerts\n", big);
	cr_expect(strstr(text, want) != NULL, "the snapshot is not whole");
	free(want);
	free(text);
	cr_expect_eq(http_stats(ht)->dropped, 0);
	cr_expect_eq(http_stats(ht)->clients, 1);

	/* and the next ones, while alerts come between them */
	free(big);
	big = ht_big(n, 2);
	http_snapshot(ht, big, n);
	http_alert(ht, "{\"id\":\"a9\"}", 11);
	text = ht_stream_until(fd, &buf, &len, "{\"id\":\"a9\"}\n\n");
	cr_expect(strstr(text, "{\"mark\":2,") != NULL);
	free(text);
	cr_expect_eq(http_stats(ht)->dropped, 0);
	cr_expect_eq(http_stats(ht)->clients, 1);
	free(buf);
	free(big);
	close(fd);
}

/*
 * A reader that does not keep up skips snapshots: what waits for it
 * stays about one snapshot, it is not dropped, and once it reads it
 * gets the newest.
 */
Test(http, sse_coalesce, .fini = ht_fini)
{
	char	*big, *buf = NULL, chunk[65536], mark[32];
	size_t	 len = 0, n = 64 * 1024, got = 0, snaps = 0;
	const char *p;
	ssize_t	 r;
	int	 fd, i;
	int64_t	 deadline;

	ht_start("", 4, 16);
	fd = ht_connect(4096);
	ht_send(fd, "GET /events HTTP/1.1\r\nHost: localhost\r\n\r\n");
	HT_UNTIL(http_stats(ht)->clients == 1, "the stream");
	/* more than the kernel's buffers hold (tcp_wmem's most is 4 MiB) */
	for (i = 1; i <= 200; i++) {
		big = ht_big(n, i);
		http_snapshot(ht, big, n);
		free(big);
		event_base_loop(ht_base, EVLOOP_NONBLOCK);
	}
	cr_expect_eq(http_stats(ht)->dropped, 0);
	cr_expect_eq(http_stats(ht)->clients, 1);

	/* now read it all: the last one comes, most never did */
	snprintf(mark, sizeof(mark), "{\"mark\":200,");
	deadline = now_mono_ms() + HT_DEADLINE_MS;
	while (buf == NULL || strstr(buf, mark) == NULL ||
	    strstr(strstr(buf, mark), "\"}\n\n") == NULL) {
		event_base_loop(ht_base, EVLOOP_NONBLOCK);
		if ((r = read(fd, chunk, sizeof(chunk))) > 0) {
			buf = xreallocarray(buf, len + (size_t)r + 1, 1);
			memcpy(buf + len, chunk, (size_t)r);
			len += (size_t)r;
			buf[len] = '\0';
			got += (size_t)r;
		}
		cr_assert(r != 0, "the stream was closed");
		cr_assert_lt(now_mono_ms(), deadline, "no newest snapshot");
	}
	for (p = buf; (p = strstr(p, "event: snapshot")) != NULL; p++)
		snaps++;
	cr_expect_lt(snaps, 150, "%zu snapshots of 200 sent", snaps);
	cr_expect_eq(http_stats(ht)->dropped, 0);
	free(buf);
	close(fd);
}

/* The alerts answer is built once between two publishes, not per ask. */
Test(http, alerts_cached, .fini = ht_fini)
{
	char	*buf = NULL, *text;
	size_t	 len = 0;
	int	 i, fd[3];

	ht_start("", 4, 1024);
	for (i = 0; i < 100; i++)
		ht_expect("/api/v1/alerts", NULL, 200, "application/json",
		    "{\"alerts\":[{\"id\":\"a1\"}]}");
	cr_expect_eq(ht_alerts_calls, 1);
	for (i = 0; i < 3; i++) {
		fd[i] = ht_stream("/events");
		text = ht_stream_until(fd[i], &buf, &len, "event: alerts\n");
		free(text);
		free(buf);
		buf = NULL;
		len = 0;
	}
	cr_expect_eq(ht_alerts_calls, 1);
	cr_expect_eq(http_stats(ht)->cache_builds, 1);
	http_snapshot(ht, "{}", 2);	/* a publish */
	ht_expect("/api/v1/alerts", NULL, 200, NULL, NULL);
	ht_expect("/api/v1/alerts", NULL, 200, NULL, NULL);
	cr_expect_eq(ht_alerts_calls, 2);
	http_alert(ht, "{\"id\":\"a2\"}", 11);	/* a transition */
	ht_expect("/api/v1/alerts", NULL, 200, NULL, NULL);
	cr_expect_eq(ht_alerts_calls, 3);
	cr_expect_eq(http_stats(ht)->cache_builds, 3);
	for (i = 0; i < 3; i++)
		close(fd[i]);
}

/*
 * Connections are counted: over http.max_connections one is told 503
 * and closed at once, and a closed one frees its place.
 */
Test(http, connection_cap, .fini = ht_fini)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 fd[3], over, i;
	int64_t	 deadline;

	ht_max_conns = 3;
	ht_start("", 2, 1024);
	for (i = 0; i < 3; i++)
		fd[i] = ht_connect(0);
	HT_UNTIL(http_stats(ht)->conns == 3, "three connections");
	over = ht_connect(0);
	deadline = now_mono_ms() + HT_DEADLINE_MS;
	while (ht_pump(over, &buf, &len))
		cr_assert_lt(now_mono_ms(), deadline, "the fourth stays open");
	cr_expect(buf != NULL && ht_status(buf) == 503, "%s",
	    buf != NULL ? buf : "nothing");
	cr_expect_eq(http_stats(ht)->conns_refused, 1);
	cr_expect_eq(http_stats(ht)->conns, 3);
	free(buf);
	close(over);

	close(fd[0]);
	HT_UNTIL(http_stats(ht)->conns == 2, "a closed connection to go");
	ht_expect("/healthz", NULL, 200, NULL, "ok\n");
	close(fd[1]);
	close(fd[2]);
}

/*
 * A connection that sends no whole request within http.timeout_s is
 * closed, even one that drips a byte now and then; a stream is not.
 */
Test(http, timeouts, .fini = ht_fini)
{
	char	*buf = NULL, *text;
	size_t	 len = 0;
	int	 idle, drip, sfd;
	int64_t	 start, deadline;

	ht_timeout_s = 1;
	ht_start("", 2, 1024);
	sfd = ht_stream("/events");
	text = ht_stream_until(sfd, &buf, &len, "event: alerts\n");
	free(text);
	idle = ht_connect(0);
	drip = ht_connect(0);
	ht_send(drip, "GET /healthz HTTP/1.1\r\nHost: localhost\r\n");
	HT_UNTIL(http_stats(ht)->conns == 3, "three connections");
	start = now_mono_ms();
	deadline = start + HT_DEADLINE_MS;
	while (http_stats(ht)->conns > 1) {
		event_base_loop(ht_base, EVLOOP_NONBLOCK);
		usleep(1000);
		if ((now_mono_ms() - start) % 200 == 0)
			(void)write(drip, "X", 1);
		cr_assert_lt(now_mono_ms(), deadline, "%zu connections stay",
		    http_stats(ht)->conns);
	}
	/* the stream outlives the timeout twice over */
	while (now_mono_ms() < start + 2500) {
		cr_assert(ht_pump(sfd, &buf, &len), "the stream was closed");
	}
	http_snapshot(ht, "{\"late\":1}", 10);
	text = ht_stream_until(sfd, &buf, &len, "{\"late\":1}");
	free(text);
	cr_expect_eq(http_stats(ht)->clients, 1);
	free(buf);
	close(idle);
	close(drip);
	close(sfd);
}

/*
 * New tokens (a reload): a stream whose token is gone or changed is
 * closed at once, one whose token stays goes on.
 */
Test(http, token_rotation, .fini = ht_fini)
{
	static const char *const before[] = { "wall=aaaaaaaaaaaaaaaa",
	    "tv=bbbbbbbbbbbbbbbb", "old=cccccccccccccccc", NULL };
	static const char *const after[] = { "wall=aaaaaaaaaaaaaaaa",
	    "tv=dddddddddddddddd", NULL };
	char	*buf[3] = { NULL, NULL, NULL }, *text;
	size_t	 len[3] = { 0, 0, 0 };
	int	 fd[3], i;
	int64_t	 deadline;

	ht_start("", 4, 1024);
	ht_set_tokens(before);
	fd[0] = ht_stream("/events?token=aaaaaaaaaaaaaaaa");
	fd[1] = ht_stream("/events?token=bbbbbbbbbbbbbbbb");
	fd[2] = ht_stream("/events?token=cccccccccccccccc");
	for (i = 0; i < 3; i++) {
		text = ht_stream_until(fd[i], &buf[i], &len[i],
		    "event: alerts\n");
		free(text);
	}
	ht_set_tokens(after);
	cr_expect_eq(http_stats(ht)->clients, 1);
	deadline = now_mono_ms() + HT_DEADLINE_MS;
	for (i = 1; i < 3; i++)
		while (ht_pump(fd[i], &buf[i], &len[i]))
			cr_assert_lt(now_mono_ms(), deadline,
			    "stream %d stays open", i);
	http_snapshot(ht, "{\"n\":7}", 7);
	text = ht_stream_until(fd[0], &buf[0], &len[0], "{\"n\":7}");
	free(text);
	ht_expect("/api/v1/alerts", "Authorization: Bearer "
	    "bbbbbbbbbbbbbbbb\r\n", 401, NULL, NULL);
	ht_expect("/api/v1/alerts", "Authorization: Bearer "
	    "dddddddddddddddd\r\n", 200, NULL, NULL);
	for (i = 0; i < 3; i++) {
		free(buf[i]);
		close(fd[i]);
	}
}
