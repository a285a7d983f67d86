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

static char *
ht_alerts_cb(void *arg)
{
	(void)arg;
	return (xstrdup("{\"alerts\":[{\"id\":\"a1\"}]}"));
}

static int
ht_ready_cb(void *arg, const char **why)
{
	(void)arg;
	*why = "catching up";
	return (ht_ready);
}

/* Starts a server with the given token, stream limit and buffer bound. */
static void
ht_start(const char *token, int max_clients, int buffer_kb)
{
	struct http_hooks	 hooks = { ht_metrics_cb, ht_alerts_cb,
				     ht_ready_cb, NULL };
	const char		*errstr = NULL;

	signal(SIGPIPE, SIG_IGN);	/* as the daemon does */
	ht_base = event_base_new();
	ht_conf = conf_default();
	free(ht_conf->http.listen_host);
	ht_conf->http.listen_host = xstrdup("127.0.0.1");
	ht_conf->http.listen_port = 0;
	free(ht_conf->http.token);
	ht_conf->http.token = xstrdup(token);
	ht_conf->http.max_clients = max_clients;
	ht_conf->http.client_buffer_kb = buffer_kb;
	ht_conf->http.heartbeat_s = 1;
	ht_ready = 0;
	ht_metrics_calls = 0;
	ht = http_new(ht_base, ht_conf, &hooks, &errstr);
	cr_assert_not_null(ht, "http_new: %s", errstr);
	cr_assert_gt(http_port(ht), 0);
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

	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n"
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
	resp = ht_request("POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: "
	    "close\r\nContent-Length: 2\r\n\r\nhi", NULL);
	cr_expect_eq(ht_status(resp), 405, "%s", resp);
	allow = ht_header(resp, "Allow");
	cr_expect(allow != NULL && strcmp(allow, "GET, HEAD") == 0);
	free(allow);
	free(resp);
	resp = ht_request("DELETE / HTTP/1.1\r\nHost: x\r\nConnection: "
	    "close\r\n\r\n", NULL);
	cr_expect_eq(ht_status(resp), 405, "%s", resp);
	free(resp);

	/* HEAD: the headers of a GET, no body */
	resp = ht_request("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: "
	    "close\r\n\r\n", NULL);
	cr_expect_eq(ht_status(resp), 200);
	cr_expect_str_eq(ht_body(resp), "");
	free(resp);

	/* a body over the bound, headers over the bound */
	resp = ht_request("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: "
	    "close\r\nContent-Length: 100000\r\n\r\n", NULL);
	cr_expect_eq(ht_status(resp), 413, "%s", resp);
	free(resp);
	{
		char	*big = xmalloc(20000), *req;

		memset(big, 'a', 19999);
		big[19999] = '\0';
		xasprintf(&req, "GET /healthz HTTP/1.1\r\nHost: x\r\n"
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

Test(http, token, .fini = ht_fini)
{
	char	*resp, *www;

	ht_start("s3cret", 4, 1024);
	ht_ready = 1;
	resp = ht_get("/metrics", NULL);
	cr_expect_eq(ht_status(resp), 401);
	www = ht_header(resp, "WWW-Authenticate");
	cr_expect(www != NULL && strncmp(www, "Bearer", 6) == 0);
	free(www);
	free(resp);
	ht_expect("/metrics", "Authorization: Bearer wrong\r\n", 401, NULL,
	    NULL);
	ht_expect("/metrics", "Authorization: Bearer s3cret\r\n", 200, NULL,
	    "# TYPE m gauge\nm 1\n");
	ht_expect("/?token=s3cret", NULL, 200, "text/html; charset=utf-8",
	    NULL);
	ht_expect("/", NULL, 401, NULL, NULL);
	ht_expect("/api/v1/snapshot", NULL, 401, NULL, NULL);
	ht_expect("/readyz?token=s3cret", NULL, 200, NULL, "ready\n");
	ht_expect("/healthz", NULL, 200, NULL, "ok\n");
	/* a refused client never reached the hooks */
	cr_expect_eq(ht_metrics_calls, 1);
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
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: x\r\n"
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
 * A client that stops reading: once more than client_buffer_kb waits
 * for it, it is dropped, and a reading client next to it is not.
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
	ht_send(slow, "GET /events HTTP/1.1\r\nHost: x\r\n\r\n");
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
		http_snapshot(ht, big, n);
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
