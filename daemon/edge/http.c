/*
 * The HTTP server on libevent's evhttp.  Requests are decided by
 * route.c; the snapshot is kept as published, and /events streams get
 * each snapshot and alert transition as Server-Sent Events, with a
 * heartbeat comment when idle.  A stream whose unsent bytes pass
 * http.client_buffer_kb is dropped rather than allowed to grow.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "conf.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "xmalloc.h"

#define HTTP_TIMEOUT_S		60	/* a silent or stuck connection */
#define HTTP_MAX_HEADERS	8192	/* bytes of request headers */
#define HTTP_MAX_BODY		1024	/* we take no bodies */
#define HTTP_RETRY_MS		3000	/* EventSource's reconnection delay */
#define HTTP_NUM_MAX		32	/* a formatted number, with text */
#define HTTP_PEER_MAX		64	/* "address:port" of a peer */
#define HTTP_ERROR_MAX		256	/* an error's JSON body */
#define HTTP_EVENT_HEAD_MAX	64	/* "event: NAME\ndata: " */
#define HTTP_SSE_SNAPSHOT	"event: snapshot\ndata: "
#define HTTP_SSE_ALERTS		"event: alerts\ndata: "
#define HTTP_SSE_END		"\n\n"
/* A string constant and its length, for the sends that take both. */
#define HTTP_LIT(s)		(s), sizeof(s) - 1

/*
 * The page may run its inline code and talk to us (the stream, and its
 * first data through hidden frames), nothing else.
 */
#define HTTP_PAGE_CSP							\
	"default-src 'none'; script-src 'unsafe-inline'; "		\
	"style-src 'unsafe-inline'; connect-src 'self'; "		\
	"frame-src 'self'; img-src data:; base-uri 'none'; "		\
	"form-action 'none'; frame-ancestors 'self'"

/* The wallboard page, embedded by wallboard.S. */
extern const char	 wallboard_html[];
extern const char	 wallboard_html_end[];

struct http_client {
	TAILQ_ENTRY(http_client)	 entry;
	struct http			*h;
	struct evhttp_request		*req;
	struct evhttp_connection	*evcon;
	int				 live;	/* in h->clients */
	char				 peer[HTTP_PEER_MAX];
};

TAILQ_HEAD(http_clients, http_client);

struct http {
	struct evhttp		*eh;
	struct event		*ev_beat;
	struct http_hooks	 hooks;
	char			*token;
	size_t			 max_clients;
	size_t			 max_buffer;
	int			 port;
	struct http_clients	 clients;
	char			*snap;		/* NULL until the first */
	size_t			 snaplen;
	struct http_stats	 stats;
};

static const struct {
	const char	*name, *value;
} http_common[] = {
	{ "Cache-Control", "no-store" },
	{ "X-Content-Type-Options", "nosniff" },
	{ "Referrer-Policy", "no-referrer" }
};

static void
http_headers(struct evhttp_request *req, const char *type)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	size_t			 i;

	for (i = 0; i < sizeof(http_common) / sizeof(http_common[0]); i++)
		evhttp_add_header(out, http_common[i].name,
		    http_common[i].value);
	evhttp_add_header(out, "Content-Type", type);
}

static void
http_reply(struct evhttp_request *req, int code, const char *reason,
    const char *type, const char *body, size_t len)
{
	struct evbuffer	*buf;
	char		 clen[HTTP_NUM_MAX];

	if ((buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	http_headers(req, type);
	if (evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		/* evhttp would send the body: give its length only */
		snprintf(clen, sizeof(clen), "%zu", len);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Content-Length", clen);
	} else
		evbuffer_add(buf, body, len);
	evhttp_send_reply(req, code, reason, buf);
	evbuffer_free(buf);
}

/* An error as a small JSON document. */
static void
http_error(struct http *h, struct evhttp_request *req, int code,
    const char *reason, const char *message)
{
	struct evkeyvalq	*out = evhttp_request_get_output_headers(req);
	char			 body[HTTP_ERROR_MAX];
	int			 n;

	h->stats.refused++;
	if (code == 405)
		evhttp_add_header(out, "Allow", "GET, HEAD");
	if (code == 401)
		evhttp_add_header(out, "WWW-Authenticate",
		    "Bearer realm=\"replytimed\"");
	n = snprintf(body, sizeof(body), "{\"error\":\"%s\"}\n", message);
	http_reply(req, code, reason, "application/json", body, (size_t)n);
}

/* Takes over a malloc'd text as the body of a 200. */
static void
http_text(struct evhttp_request *req, const char *type, char *text)
{
	http_reply(req, 200, "OK", type, text, strlen(text));
	free(text);
}

/* Unsent bytes on a stream's connection. */
static size_t
http_client_backlog(const struct http_client *c)
{
	struct bufferevent	*bev;

	bev = evhttp_connection_get_bufferevent(c->evcon);
	return (evbuffer_get_length(bufferevent_get_output(bev)));
}

static void
http_client_unlink(struct http_client *c)
{
	if (!c->live)
		return;
	TAILQ_REMOVE(&c->h->clients, c, entry);
	c->h->stats.clients--;
	c->live = 0;
}

/*
 * The connection is going away.  evhttp keeps a stream's request out of
 * the connection's when it fails mid-reply (no longer attached): ending
 * the reply is then what frees it.
 */
static void
http_client_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_client	*c = arg;

	(void)evcon;
	http_client_unlink(c);
	if (evhttp_request_get_connection(c->req) == NULL)
		evhttp_send_reply_end(c->req);
	log_debug("http: %s: event stream closed", c->peer);
	free(c);
}

/*
 * Drops a stream: it leaves the list at once, and shutting its socket
 * down makes evhttp fail the connection, which calls the close callback.
 */
static void
http_client_drop(struct http_client *c, size_t backlog)
{
	struct bufferevent	*bev;

	log_warnx("http: %s: event stream dropped, %zu bytes unsent",
	    c->peer, backlog);
	c->h->stats.dropped++;
	http_client_unlink(c);
	bev = evhttp_connection_get_bufferevent(c->evcon);
	shutdown(bufferevent_getfd(bev), SHUT_RDWR);
}

/* Sends one block of text to a stream, unless it is too far behind. */
static void
http_client_send(struct http_client *c, const char *a, size_t alen,
    const char *b, size_t blen, const char *z, size_t zlen)
{
	struct evbuffer	*buf;
	size_t		 backlog;

	if ((backlog = http_client_backlog(c)) > c->h->max_buffer) {
		http_client_drop(c, backlog);
		return;
	}
	if ((buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	evbuffer_add(buf, a, alen);
	evbuffer_add(buf, b, blen);
	evbuffer_add(buf, z, zlen);
	evhttp_send_reply_chunk(c->req, buf);
	evbuffer_free(buf);
}

/* "event: NAME\ndata: TEXT\n\n" to every stream. */
static void
http_broadcast(struct http *h, const char *name, const char *text,
    size_t len)
{
	struct http_client	*c, *next;
	char			 head[HTTP_EVENT_HEAD_MAX];
	int			 n;

	n = snprintf(head, sizeof(head), "event: %s\ndata: ", name);
	for (c = TAILQ_FIRST(&h->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		http_client_send(c, head, (size_t)n, text, len,
		    HTTP_LIT(HTTP_SSE_END));
	}
}

static void
http_beat_cb(int fd, short events, void *arg)
{
	struct http		*h = arg;
	struct http_client	*c, *next;
	static const char	 beat[] = ": heartbeat\n\n";

	(void)fd;
	(void)events;
	for (c = TAILQ_FIRST(&h->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		http_client_send(c, beat, sizeof(beat) - 1, "", 0, "", 0);
	}
}

static void
http_peer(struct evhttp_request *req, char *buf, size_t size)
{
	struct evhttp_connection	*evcon;
	char				*addr = NULL;
	uint16_t			 port = 0;

	if ((evcon = evhttp_request_get_connection(req)) != NULL)
		evhttp_connection_get_peer(evcon, &addr, &port);
	snprintf(buf, size, "%s:%u", addr != NULL ? addr : "?", port);
}

/*
 * /events: the stream starts with its retry delay, the latest snapshot
 * and the alerts firing now, then follows the publishes.
 */
static void
http_events(struct http *h, struct evhttp_request *req, int head)
{
	struct http_client	*c;
	char			*alerts, retry[HTTP_NUM_MAX];
	int			 n;

	if (h->stats.clients >= h->max_clients) {
		http_error(h, req, 503, "Service Unavailable",
		    "too many event streams (http.max_clients)");
		return;
	}
	http_headers(req, "text/event-stream");
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "X-Accel-Buffering", "no");
	if (head) {
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->req = req;
	c->evcon = evhttp_request_get_connection(req);
	http_peer(req, c->peer, sizeof(c->peer));
	evhttp_connection_set_closecb(c->evcon, http_client_close_cb, c);
	TAILQ_INSERT_TAIL(&h->clients, c, entry);
	c->live = 1;
	h->stats.clients++;
	log_debug("http: %s: event stream opened", c->peer);

	evhttp_send_reply_start(req, 200, "OK");
	n = snprintf(retry, sizeof(retry), "retry: %d\n\n", HTTP_RETRY_MS);
	http_client_send(c, retry, (size_t)n, "", 0, "", 0);
	if (h->snap != NULL)
		http_client_send(c, HTTP_LIT(HTTP_SSE_SNAPSHOT), h->snap,
		    h->snaplen, HTTP_LIT(HTTP_SSE_END));
	if ((alerts = h->hooks.alerts(h->hooks.arg)) != NULL) {
		http_client_send(c, HTTP_LIT(HTTP_SSE_ALERTS), alerts,
		    strlen(alerts), HTTP_LIT(HTTP_SSE_END));
		free(alerts);
	}
}

/* The wallboard page, allowed to run only what the policy says. */
static void
http_page(struct http *h, struct evhttp_request *req, int head)
{
	(void)h;
	(void)head;
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Content-Security-Policy", HTTP_PAGE_CSP);
	http_reply(req, 200, "OK", "text/html; charset=utf-8",
	    wallboard_html, (size_t)(wallboard_html_end - wallboard_html));
}

static void
http_metrics(struct http *h, struct evhttp_request *req, int head)
{
	(void)head;
	http_text(req, "text/plain; version=0.0.4; charset=utf-8",
	    h->hooks.metrics(h->hooks.arg));
}

/* The snapshot as published; none yet while the state is rebuilt. */
static void
http_snapshot_get(struct http *h, struct evhttp_request *req, int head)
{
	(void)head;
	if (h->snap == NULL) {
		http_error(h, req, 503, "Service Unavailable",
		    "no snapshot yet: the state is being rebuilt");
		return;
	}
	http_reply(req, 200, "OK", "application/json", h->snap, h->snaplen);
}

static void
http_alerts(struct http *h, struct evhttp_request *req, int head)
{
	(void)head;
	http_text(req, "application/json", h->hooks.alerts(h->hooks.arg));
}

static void
http_healthz(struct http *h, struct evhttp_request *req, int head)
{
	(void)h;
	(void)head;
	http_reply(req, 200, "OK", "text/plain; charset=utf-8",
	    HTTP_LIT("ok\n"));
}

/* Ready, or a 503 that says why not. */
static void
http_readyz(struct http *h, struct evhttp_request *req, int head)
{
	const char	*why;
	char		*text;

	(void)head;
	if (h->hooks.ready(h->hooks.arg, &why)) {
		http_reply(req, 200, "OK", "text/plain; charset=utf-8",
		    HTTP_LIT("ready\n"));
		return;
	}
	h->stats.refused++;
	xasprintf(&text, "not ready: %s\n", why);
	http_reply(req, 503, "Service Unavailable", "text/plain; charset=utf-8",
	    text, strlen(text));
	free(text);
}

/* What serves each route; head is true for a HEAD request. */
static void (*const http_handlers[ROUTE_COUNT])(struct http *,
    struct evhttp_request *, int) = {
	[ROUTE_PAGE] = http_page,
	[ROUTE_METRICS] = http_metrics,
	[ROUTE_SNAPSHOT] = http_snapshot_get,
	[ROUTE_ALERTS] = http_alerts,
	[ROUTE_HEALTHZ] = http_healthz,
	[ROUTE_READYZ] = http_readyz,
	[ROUTE_EVENTS] = http_events
};

/* The refusals route_decide gives; the last stands for any other. */
static const struct {
	int		 code;
	const char	*reason;
	const char	*message;
} http_refusals[] = {
	{ 401, "Unauthorized", "token required" },
	{ 404, "Not Found", "no such path" },
	{ 405, "Method Not Allowed", "only GET and HEAD" },
	{ 414, "URI Too Long", "request target too long" },
	{ 400, "Bad Request", "bad request target" }
};

#define HTTP_NREFUSALS	(sizeof(http_refusals) / sizeof(http_refusals[0]))

static void
http_refuse(struct http *h, struct evhttp_request *req, int code)
{
	size_t	 i;

	for (i = 0; i < HTTP_NREFUSALS - 1; i++)
		if (http_refusals[i].code == code)
			break;
	http_error(h, req, http_refusals[i].code, http_refusals[i].reason,
	    http_refusals[i].message);
}

static enum route_method
http_method(struct evhttp_request *req)
{
	switch (evhttp_request_get_command(req)) {
	case EVHTTP_REQ_GET:
		return (ROUTE_GET);
	case EVHTTP_REQ_HEAD:
		return (ROUTE_HEAD);
	default:
		return (ROUTE_OTHER);
	}
}

/* Every request: route.c decides, then the route's handler serves. */
static void
http_request_cb(struct evhttp_request *req, void *arg)
{
	struct http		*h = arg;
	enum route_method	 m;
	enum route_id		 id;
	int			 code;

	h->stats.requests++;
	m = http_method(req);
	code = route_decide(m, evhttp_request_get_uri(req),
	    evhttp_find_header(evhttp_request_get_input_headers(req),
	    "Authorization"), h->token, &id);
	if (code != 200) {
		http_refuse(h, req, code);
		return;
	}
	if (id < ROUTE_COUNT && http_handlers[id] != NULL)
		http_handlers[id](h, req, m == ROUTE_HEAD);
}

/* Reads back the bound port, for "listen": "host:0". */
static int
http_bound_port(struct evhttp_bound_socket *bs)
{
	struct sockaddr_storage	 ss;
	socklen_t		 len = sizeof(ss);

	if (getsockname(evhttp_bound_socket_get_fd(bs),
	    (struct sockaddr *)&ss, &len) == -1)
		return (-1);
	if (ss.ss_family == AF_INET6)
		return (ntohs(((struct sockaddr_in6 *)&ss)->sin6_port));
	return (ntohs(((struct sockaddr_in *)&ss)->sin_port));
}

/*
 * Binds http.listen and starts serving; NULL with *errstr when it
 * cannot bind.
 */
struct http *
http_new(struct event_base *base, const struct conf *cf,
    const struct http_hooks *hooks, const char **errstr)
{
	struct http			*h;
	struct evhttp_bound_socket	*bs;
	struct timeval			 tv;

	h = xcalloc(1, sizeof(*h));
	TAILQ_INIT(&h->clients);
	h->hooks = *hooks;
	h->token = xstrdup(cf->http.token);
	h->max_clients = (size_t)cf->http.max_clients;
	h->max_buffer = (size_t)cf->http.client_buffer_kb * 1024;
	if ((h->eh = evhttp_new(base)) == NULL)
		fatalx("evhttp_new failed");
	evhttp_set_timeout(h->eh, HTTP_TIMEOUT_S);
	evhttp_set_max_headers_size(h->eh, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(h->eh, HTTP_MAX_BODY);
	/* every method reaches us, so that the others get a 405 */
	evhttp_set_allowed_methods(h->eh, EVHTTP_REQ_GET | EVHTTP_REQ_POST |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
	    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
	    EVHTTP_REQ_PATCH);
	evhttp_set_gencb(h->eh, http_request_cb, h);
	if ((bs = evhttp_bind_socket_with_handle(h->eh, cf->http.listen_host,
	    (uint16_t)cf->http.listen_port)) == NULL) {
		*errstr = "cannot bind (address in use or not local?)";
		http_free(h);
		return (NULL);
	}
	h->port = http_bound_port(bs);
	h->ev_beat = event_new(base, -1, EV_PERSIST, http_beat_cb, h);
	tv.tv_sec = cf->http.heartbeat_s;
	tv.tv_usec = 0;
	evtimer_add(h->ev_beat, &tv);
	return (h);
}

void
http_free(struct http *h)
{
	struct http_client	*c;

	if (h == NULL)
		return;
	if (h->ev_beat != NULL)
		event_free(h->ev_beat);
	/* evhttp_free closes every connection: their callbacks free c */
	while ((c = TAILQ_FIRST(&h->clients)) != NULL)
		http_client_unlink(c);
	evhttp_free(h->eh);
	free(h->snap);
	free(h->token);
	free(h);
}

int
http_port(const struct http *h)
{
	return (h->port);
}

/* Keeps the published snapshot for GET and sends it to every stream. */
void
http_snapshot(struct http *h, const char *text, size_t len)
{
	free(h->snap);
	h->snap = xmalloc(len + 1);
	memcpy(h->snap, text, len);
	h->snap[len] = '\0';
	h->snaplen = len;
	http_broadcast(h, "snapshot", text, len);
}

void
http_alert(struct http *h, const char *text, size_t len)
{
	http_broadcast(h, "alert", text, len);
}

const struct http_stats *
http_stats(const struct http *h)
{
	return (&h->stats);
}
