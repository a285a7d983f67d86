/*
 * The HTTP server on libevent's evhttp.  Connections are counted and
 * capped; requests are decided by route.c (Host, path, token); the
 * snapshot is kept as published and the alerts answer built once per
 * publish, and /events streams get each snapshot (the newest, once the
 * one before has gone out) and alert transition as Server-Sent Events,
 * with a heartbeat comment when idle.  A stream whose unsent alerts pass
 * http.client_buffer_kb is dropped rather than allowed to grow.
 */

#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "conf.h"
#include "file.h"
#include "http.h"
#include "log.h"
#include "route.h"
#include "xmalloc.h"

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
/* What a connection over http.max_connections gets before it is closed. */
#define HTTP_BUSY	"HTTP/1.1 503 Service Unavailable\r\n"		\
			"Connection: close\r\nContent-Length: 0\r\n\r\n"
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
	int				 snap_due; /* a newer snapshot waits */
	size_t				 after;	/* queued since the snapshot */
	uint64_t			 token;	/* its id; 0: none needed */
	char				 peer[HTTP_PEER_MAX];
};

TAILQ_HEAD(http_clients, http_client);

/* One accepted connection, counted until evhttp closes it. */
struct http_conn {
	TAILQ_ENTRY(http_conn)		 entry;
	struct http			*h;
	struct evhttp_connection	*evcon;
	struct http_client		*client; /* its stream, or NULL */
	struct event			*ev_first; /* no request in time */
};

TAILQ_HEAD(http_conns, http_conn);

struct http {
	struct evhttp		*eh;
	struct event_base	*base;
	struct event		*ev_beat;
	struct event		*ev_accept;	/* takes in what was accepted */
	struct http_hooks	 hooks;
	struct route_token	*tokens;
	uint64_t		*token_ids;	/* same across a reload */
	size_t			 ntokens;
	uint64_t		 last_id;
	char			**hosts;	/* http.allowed_hosts */
	size_t			 nhosts;
	char			*listen_host;
	size_t			 max_clients;
	size_t			 max_conns;
	size_t			 max_buffer;
	struct timeval		 timeout;
	int			 port;
	struct http_clients	 clients;
	struct http_conns	 conns;
	struct bufferevent	**accepted;	/* not yet counted */
	size_t			 naccepted;
	char			*snap;		/* NULL until the first */
	size_t			 snaplen;
	char			*alerts;	/* NULL until asked this tick */
	size_t			 alertslen;
	uint64_t		 req_token;	/* the request's token id */
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
 * The stream's connection is going away.  evhttp keeps a stream's
 * request out of the connection's when it fails mid-reply (no longer
 * attached): ending the reply is then what frees it.
 */
static void
http_client_closed(struct http_client *c)
{
	http_client_unlink(c);
	if (evhttp_request_get_connection(c->req) == NULL)
		evhttp_send_reply_end(c->req);
	log_debug("http: %s: event stream closed", c->peer);
	free(c);
}

/*
 * Ends a stream: it leaves the list at once, and shutting its socket
 * down makes evhttp fail the connection, which frees it.
 */
static void
http_client_shut(struct http_client *c)
{
	struct bufferevent	*bev;

	http_client_unlink(c);
	bev = evhttp_connection_get_bufferevent(c->evcon);
	shutdown(bufferevent_getfd(bev), SHUT_RDWR);
}

static void	http_client_flushed_cb(struct evhttp_connection *, void *);

/* Queues one block of text on a stream. */
static void
http_client_queue(struct http_client *c, const char *a, size_t alen,
    const char *b, size_t blen, const char *z, size_t zlen)
{
	struct evbuffer	*buf;

	if ((buf = evbuffer_new()) == NULL)
		fatalx("evbuffer_new failed");
	evbuffer_add(buf, a, alen);
	evbuffer_add(buf, b, blen);
	evbuffer_add(buf, z, zlen);
	evhttp_send_reply_chunk_with_cb(c->req, buf, http_client_flushed_cb,
	    c);
	evbuffer_free(buf);
}

/*
 * Sends the latest snapshot to a stream once everything before it has
 * gone out; until then it only notes that one is due, so a slow reader
 * skips the snapshots in between and is never dropped for their size.
 */
static void
http_client_snapshot(struct http_client *c)
{
	struct http	*h = c->h;

	if (h->snap == NULL)
		return;
	if (http_client_backlog(c) > 0) {
		c->snap_due = 1;
		return;
	}
	c->snap_due = 0;
	c->after = 0;
	http_client_queue(c, HTTP_LIT(HTTP_SSE_SNAPSHOT), h->snap, h->snaplen,
	    HTTP_LIT(HTTP_SSE_END));
}

/* All that was queued on a stream has gone out: the snapshot due, if any. */
static void
http_client_flushed_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_client	*c = arg;

	(void)evcon;
	if (!c->live)
		return;
	c->after = 0;
	if (c->snap_due)
		http_client_snapshot(c);
}

/*
 * Sends what cannot be skipped (an alert) to a stream, unless more than
 * http.client_buffer_kb of such text already waits behind the snapshot
 * in flight: then the stream is dropped.
 */
static void
http_client_send(struct http_client *c, const char *a, size_t alen,
    const char *b, size_t blen, const char *z, size_t zlen)
{
	size_t	 backlog = http_client_backlog(c), behind;

	behind = backlog < c->after ? backlog : c->after;
	if (behind > c->h->max_buffer) {
		log_warnx("http: %s: event stream dropped, %zu bytes unsent",
		    c->peer, backlog);
		c->h->stats.dropped++;
		http_client_shut(c);
		return;
	}
	c->after += alen + blen + zlen;
	http_client_queue(c, a, alen, b, blen, z, zlen);
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

/* A comment line to each idle stream; a busy one needs none. */
static void
http_beat_cb(int fd, short events, void *arg)
{
	struct http		*h = arg;
	struct http_client	*c;
	static const char	 beat[] = ": heartbeat\n\n";

	(void)fd;
	(void)events;
	TAILQ_FOREACH(c, &h->clients, entry)
		if (http_client_backlog(c) == 0)
			http_client_queue(c, HTTP_LIT(beat), "", 0, "", 0);
}

/* The alerts answer, built at most once between two publishes. */
static const char *
http_alerts_text(struct http *h, size_t *len)
{
	if (h->alerts == NULL) {
		h->alerts = h->hooks.alerts(h->hooks.arg);
		h->alertslen = strlen(h->alerts);
		h->stats.cache_builds++;
	}
	*len = h->alertslen;
	return (h->alerts);
}

/* The counted connection of evcon, or NULL. */
static struct http_conn *
http_conn_find(struct http *h, struct evhttp_connection *evcon)
{
	struct http_conn	*conn;

	TAILQ_FOREACH(conn, &h->conns, entry)
		if (conn->evcon == evcon)
			return (conn);
	return (NULL);
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
	struct http_conn	*conn;
	struct bufferevent	*bev;
	const char		*alerts;
	char			 retry[HTTP_NUM_MAX];
	size_t			 alen;
	int			 n;

	conn = http_conn_find(h, evhttp_request_get_connection(req));
	if (h->stats.clients >= h->max_clients || conn == NULL) {
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
	c->evcon = conn->evcon;
	c->token = h->req_token;
	conn->client = c;
	http_peer(req, c->peer, sizeof(c->peer));
	TAILQ_INSERT_TAIL(&h->clients, c, entry);
	c->live = 1;
	h->stats.clients++;
	log_debug("http: %s: event stream opened", c->peer);

	evhttp_send_reply_start(req, 200, "OK");
	/* a stream is silent by nature: only a stuck write ends it */
	bev = evhttp_connection_get_bufferevent(c->evcon);
	bufferevent_set_timeouts(bev, NULL, &h->timeout);
	n = snprintf(retry, sizeof(retry), "retry: %d\n\n", HTTP_RETRY_MS);
	http_client_queue(c, retry, (size_t)n, "", 0, "", 0);
	if (h->snap != NULL)	/* whatever its size: it may be skipped */
		http_client_queue(c, HTTP_LIT(HTTP_SSE_SNAPSHOT), h->snap,
		    h->snaplen, HTTP_LIT(HTTP_SSE_END));
	alerts = http_alerts_text(h, &alen);
	c->after += sizeof(HTTP_SSE_ALERTS) - 1 + alen + 2;
	http_client_queue(c, HTTP_LIT(HTTP_SSE_ALERTS), alerts, alen,
	    HTTP_LIT(HTTP_SSE_END));
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
	const char	*text;
	size_t		 len;

	(void)head;
	text = http_alerts_text(h, &len);
	http_reply(req, 200, "OK", "application/json", text, len);
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
	{ 421, "Misdirected Request",
	  "Host not served here (http.allowed_hosts)" },
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

/*
 * Every request: its Host must be ours, then route.c decides, then the
 * route's handler serves.
 */
static void
http_request_cb(struct evhttp_request *req, void *arg)
{
	struct http		*h = arg;
	struct evkeyvalq	*in = evhttp_request_get_input_headers(req);
	struct http_conn	*conn;
	enum route_method	 m;
	enum route_id		 id;
	int			 code, tok;

	h->stats.requests++;
	conn = http_conn_find(h, evhttp_request_get_connection(req));
	if (conn != NULL && conn->ev_first != NULL)
		evtimer_del(conn->ev_first);
	if (!route_host_allowed(evhttp_find_header(in, "Host"),
	    h->listen_host, h->port, h->hosts, h->nhosts)) {
		http_refuse(h, req, 421);
		return;
	}
	m = http_method(req);
	code = route_decide(m, evhttp_request_get_uri(req),
	    evhttp_find_header(in, "Authorization"), h->tokens, h->ntokens,
	    &id, &tok);
	if (code != 200) {
		http_refuse(h, req, code);
		return;
	}
	h->req_token = tok >= 0 ? h->token_ids[tok] : 0;
	if (id < ROUTE_COUNT && http_handlers[id] != NULL)
		http_handlers[id](h, req, m == ROUTE_HEAD);
}

/* A counted connection is closed: its stream, if any, with it. */
static void
http_conn_close_cb(struct evhttp_connection *evcon, void *arg)
{
	struct http_conn	*conn = arg;

	(void)evcon;
	if (conn->client != NULL)
		http_client_closed(conn->client);
	TAILQ_REMOVE(&conn->h->conns, conn, entry);
	conn->h->stats.conns--;
	event_free(conn->ev_first);
	free(conn);
}

/* No request came on a connection within http.timeout_s: close it. */
static void
http_conn_first_cb(int fd, short events, void *arg)
{
	struct http_conn	*conn = arg;

	(void)fd;
	(void)events;
	log_debug("http: a connection sent no request in time");
	evhttp_connection_free(conn->evcon);	/* calls the close callback */
}

/*
 * evhttp asks for each accepted connection's bufferevent: make it, and
 * hold on to it until the loop comes back, when its connection is built
 * and can be counted.
 */
static struct bufferevent *
http_bev_cb(struct event_base *base, void *arg)
{
	struct http		*h = arg;
	struct bufferevent	*bev;

	if ((bev = bufferevent_socket_new(base, -1,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL)
		fatalx("bufferevent_socket_new failed");
	bufferevent_incref(bev);
	h->accepted = xreallocarray(h->accepted, h->naccepted + 1,
	    sizeof(*h->accepted));
	h->accepted[h->naccepted++] = bev;
	event_active(h->ev_accept, EV_TIMEOUT, 0);
	return (bev);
}

/*
 * Counts the connections accepted since the last time.  evhttp made each
 * one's bufferevent call back with the connection: that is how it is
 * found.  Over http.max_connections one is told 503 and closed at once;
 * the others get http.timeout_s to send a request.
 */
static void
http_accept_cb(int fd, short events, void *arg)
{
	struct http		*h = arg;
	struct bufferevent	*bev;
	struct http_conn	*conn;
	void			*cbarg;
	size_t			 i;

	(void)fd;
	(void)events;
	for (i = 0; i < h->naccepted; i++) {
		bev = h->accepted[i];
		bufferevent_getcb(bev, NULL, NULL, NULL, &cbarg);
		if (cbarg == NULL) {	/* already gone */
			bufferevent_decref(bev);
			continue;
		}
		if (h->stats.conns >= h->max_conns) {
			h->stats.conns_refused++;
			if (send(bufferevent_getfd(bev), HTTP_LIT(HTTP_BUSY),
			    MSG_DONTWAIT | MSG_NOSIGNAL) == -1)
				log_debug("http: busy: %s", strerror(errno));
			evhttp_connection_free(cbarg);
			bufferevent_decref(bev);
			continue;
		}
		conn = xcalloc(1, sizeof(*conn));
		conn->h = h;
		conn->evcon = cbarg;
		conn->ev_first = evtimer_new(h->base, http_conn_first_cb, conn);
		evtimer_add(conn->ev_first, &h->timeout);
		evhttp_connection_set_closecb(conn->evcon, http_conn_close_cb,
		    conn);
		TAILQ_INSERT_TAIL(&h->conns, conn, entry);
		h->stats.conns++;
		bufferevent_decref(bev);
	}
	h->naccepted = 0;
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
	TAILQ_INIT(&h->conns);
	h->base = base;
	h->hooks = *hooks;
	h->listen_host = xstrdup(cf->http.listen_host);
	h->max_clients = (size_t)cf->http.max_clients;
	h->max_conns = (size_t)cf->http.max_connections;
	h->max_buffer = (size_t)cf->http.client_buffer_kb * 1024;
	h->timeout.tv_sec = cf->http.timeout_s;
	h->timeout.tv_usec = 0;
	if ((h->eh = evhttp_new(base)) == NULL)
		fatalx("evhttp_new failed");
	h->ev_accept = event_new(base, -1, 0, http_accept_cb, h);
	evhttp_set_timeout_tv(h->eh, &h->timeout);
	evhttp_set_bevcb(h->eh, http_bev_cb, h);
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
	size_t			 i;

	if (h == NULL)
		return;
	if (h->ev_beat != NULL)
		event_free(h->ev_beat);
	/* evhttp_free closes every connection: their callbacks free them */
	while ((c = TAILQ_FIRST(&h->clients)) != NULL)
		http_client_unlink(c);
	evhttp_free(h->eh);
	for (i = 0; i < h->naccepted; i++)
		bufferevent_decref(h->accepted[i]);
	free(h->accepted);
	event_free(h->ev_accept);
	for (i = 0; i < h->nhosts; i++)
		free(h->hosts[i]);
	free(h->hosts);
	file_tokens_free(h->tokens, h->ntokens);
	free(h->token_ids);
	free(h->listen_host);
	free(h->snap);
	free(h->alerts);
	free(h);
}

int
http_port(const struct http *h)
{
	return (h->port);
}

/* A publish: the alerts answer is built afresh when next asked for. */
static void
http_tick(struct http *h)
{
	free(h->alerts);
	h->alerts = NULL;
}

/* Keeps the published snapshot for GET and sends it to every stream. */
void
http_snapshot(struct http *h, const char *text, size_t len)
{
	struct http_client	*c, *next;

	http_tick(h);
	free(h->snap);
	h->snap = xmalloc(len + 1);
	memcpy(h->snap, text, len);
	h->snap[len] = '\0';
	h->snaplen = len;
	for (c = TAILQ_FIRST(&h->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		http_client_snapshot(c);
	}
}

void
http_alert(struct http *h, const char *text, size_t len)
{
	http_tick(h);
	http_broadcast(h, "alert", text, len);
}

/*
 * Takes the tokens (file_tokens_load's, now the server's) and the
 * allowed hosts of a config, at start and at each reload.  A token
 * unchanged in name and secret keeps its id; every stream opened with a
 * token that is gone or changed, or with none while tokens are now
 * wanted, is closed at once.
 */
void
http_set_access(struct http *h, const struct conf *cf,
    struct route_token *tokens, size_t ntokens)
{
	struct http_client	*c, *next;
	uint64_t		*ids = NULL;
	size_t			 i, j;
	int			 keep;

	if (ntokens > 0)
		ids = xcalloc(ntokens, sizeof(*ids));
	for (i = 0; i < ntokens; i++) {
		for (j = 0; j < h->ntokens && ids[i] == 0; j++)
			if (strcmp(tokens[i].name, h->tokens[j].name) == 0 &&
			    tokens[i].len == h->tokens[j].len &&
			    memcmp(tokens[i].secret, h->tokens[j].secret,
			    sizeof(tokens[i].secret)) == 0)
				ids[i] = h->token_ids[j];
		if (ids[i] == 0)
			ids[i] = ++h->last_id;
	}
	for (c = TAILQ_FIRST(&h->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		keep = ntokens == 0;
		for (i = 0; i < ntokens && !keep; i++)
			keep = c->token == ids[i];
		if (!keep) {
			log_info("http: %s: event stream closed: its token is "
			    "no longer configured", c->peer);
			http_client_shut(c);
		}
	}
	file_tokens_free(h->tokens, h->ntokens);
	free(h->token_ids);
	h->tokens = tokens;
	h->token_ids = ids;
	h->ntokens = ntokens;

	for (i = 0; i < h->nhosts; i++)
		free(h->hosts[i]);
	free(h->hosts);
	h->hosts = NULL;
	h->nhosts = cf->http.nallowed_hosts;
	if (h->nhosts > 0)
		h->hosts = xcalloc(h->nhosts, sizeof(*h->hosts));
	for (i = 0; i < h->nhosts; i++)
		h->hosts[i] = xstrdup(cf->http.allowed_hosts[i]);
}

const struct http_stats *
http_stats(const struct http *h)
{
	return (&h->stats);
}
