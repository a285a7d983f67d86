/*
 * The daemon's HTTP access against a real redis-server (replytimed(8),
 * HTTP): tokens read from files and rotated by SIGHUP, the Host check,
 * the health checks without a token, "?token=" only where no header can
 * be sent, the connection cap next to a Redis redial, a snapshot larger
 * than a stream's buffer, and the alerts answer built once per publish.
 */

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fixture.h"

/* The suite's fixture and timeout: TestSuite(daemon) in lib/fixture.c. */

#define DH_TOK_A	"wall-token-0123456789abcdef"
#define DH_TOK_A2	"wall-token-rotated-987654321"
#define DH_TOK_B	"tv-token-abcdefghijklmnop"
#define DH_SERVING	"http: serving on http://127.0.0.1:"

/* The port the daemon says it serves on, or 0 while it has not said. */
static int
dh_port(const struct rdaemon *d)
{
	const char	*p;
	char		*log;
	int		 port = 0;

	if ((log = files_read(d->log)) == NULL)
		return (0);
	if ((p = strstr(log, DH_SERVING)) != NULL)
		port = atoi(p + strlen(DH_SERVING));
	free(log);
	return (port);
}

static int
dh_cond_port(void *arg)
{
	struct rdaemon	*d = arg;

	if (!rdaemon_alive(d))
		return (-1);
	return (dh_port(d) > 0);
}

static int
dh_connect(int port)
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { 5, 0 };
	int			 fd;

	cr_assert_geq(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0,
	    "connect to port %d: %s", port, strerror(errno));
	return (fd);
}

/*
 * GET path with Host host (NULL: "localhost:port") and the extra header
 * lines: the status (0 if the connection closed unanswered), the body
 * in *body if asked for.
 */
static int
dh_get(int port, const char *path, const char *host, const char *extra,
    char **body)
{
	char	 req[1024], hbuf[64], chunk[65536], *buf = NULL;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd, code = 0;
	int64_t	 deadline = now_mono_ms() + clk_scaled(10000);

	if (host == NULL) {
		snprintf(hbuf, sizeof(hbuf), "localhost:%d", port);
		host = hbuf;
	}
	fd = dh_connect(port);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: %s\r\n"
	    "Connection: close\r\n%s\r\n", path, host,
	    extra != NULL ? extra : "");
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	/* a stream never ends: what came within the deadline is its answer */
	while (now_mono_ms() < deadline &&
	    (n = read(fd, chunk, sizeof(chunk))) > 0) {
		buf = realloc(buf, len + (size_t)n + 1);
		cr_assert_not_null(buf);
		memcpy(buf + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	close(fd);
	if (buf == NULL) {
		if (body != NULL)
			*body = strdup("");
		return (0);
	}
	buf[len] = '\0';
	sscanf(buf, "HTTP/1.%*d %d", &code);
	if (body != NULL)
		*body = strdup(strstr(buf, "\r\n\r\n") != NULL ?
		    strstr(buf, "\r\n\r\n") + 4 : "");
	free(buf);
	return (code);
}

/* GET with "Authorization: Bearer token". */
static int
dh_get_bearer(int port, const char *path, const char *token)
{
	char	 h[512];

	snprintf(h, sizeof(h), "Authorization: Bearer %s\r\n", token);
	return (dh_get(port, path, NULL, h, NULL));
}

struct dh_ready {
	int	 port;
	struct rdaemon	*d;
};

/* /readyz, without a token, from a fresh connection, answers 200. */
static int
dh_cond_ready(void *arg)
{
	struct dh_ready	*w = arg;

	if (!rdaemon_alive(w->d))
		return (-1);
	return (dh_get(w->port, "/readyz", NULL, NULL, NULL) == 200);
}

/* Writes a token file (mode 600) in the server's directory. */
static void
dh_token_file(const char *name, const char *token, char *path, size_t len)
{
	char	 text[512];

	snprintf(path, len, "%s/%s", fx.srv.dir, name);
	snprintf(text, sizeof(text), "%s\n", token);
	cr_assert_eq(files_write(path, text), 0);
	cr_assert_eq(chmod(path, 0600), 0);
}

/* The http section with the tokens wall (file a) and, if b, tv (file b). */
static void
dh_http(char *buf, size_t len, const char *a, const char *b,
    const char *more)
{
	char	 tv[PATH_MAX + 100] = "";

	if (b != NULL)
		snprintf(tv, sizeof(tv), ", {\"name\": \"tv\", \"role\": "
		    "\"viewer\", \"token_file\": \"%s\"}", b);
	snprintf(buf, len, "\"http\": {\"listen\": \"127.0.0.1:0\", "
	    "\"heartbeat_s\": 1, \"tokens\": [{\"name\": \"wall\", \"role\": "
	    "\"admin\", \"token_file\": \"%s\"}%s]%s%s}", a, tv,
	    more != NULL ? ", " : "", more != NULL ? more : "");
}

/* Starts redis and the daemon with the http section given; its port. */
static int
dh_start(const char *http, const char *extra)
{
	char	 conf[4096];

	snprintf(conf, sizeof(conf), "%s%s%s", http, extra != NULL ? ", " : "",
	    extra != NULL ? extra : "");
	fx_start_daemon(&fx.dm[0], "cs.json", conf, NULL);
	FX_WAIT(dh_cond_port, &fx.dm[0], 10000, "the daemon to listen");
	return (dh_port(&fx.dm[0]));
}

/* Opens an event stream on path, its headers sent. */
static int
dh_stream(int port, const char *path)
{
	char	 req[512];
	int	 fd;

	fd = dh_connect(port);
	snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: localhost:%d\r\n"
	    "Accept: text/event-stream\r\n\r\n", path, port);
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	return (fd);
}

/*
 * Reads a stream until what it has read holds want: 1; 0 if it closed
 * first, -1 if ms passed.  What it read stays in *buf (malloc'd).
 */
static int
dh_read_until(int fd, char **buf, size_t *len, const char *want, int ms)
{
	char	 chunk[65536];
	ssize_t	 n;
	int64_t	 deadline = now_mono_ms() + clk_scaled(ms);

	for (;;) {
		if (*buf != NULL && want != NULL && strstr(*buf, want) != NULL)
			return (1);
		if (now_mono_ms() > deadline)
			return (-1);
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			return (0);
		if (n < 0)
			continue;	/* SO_RCVTIMEO */
		*buf = realloc(*buf, *len + (size_t)n + 1);
		cr_assert_not_null(*buf);
		memcpy(*buf + *len, chunk, (size_t)n);
		*len += (size_t)n;
		(*buf)[*len] = '\0';
	}
}

/* Reads a stream to its end within ms: 1 if it was closed. */
static int
dh_closed(int fd, int ms)
{
	char	*buf = NULL;
	size_t	 len = 0;
	int	 r;

	r = dh_read_until(fd, &buf, &len, NULL, ms);
	free(buf);
	return (r == 0);
}

/* One figure of /metrics (read with the token), or -1. */
static double
dh_metric(int port, const char *token, const char *name)
{
	char	 h[512], want[256], *body, *p;
	double	 v = -1;

	snprintf(h, sizeof(h), "Authorization: Bearer %s\r\n", token);
	cr_assert_eq(dh_get(port, "/metrics", NULL, h, &body), 200);
	snprintf(want, sizeof(want), "\n%s ", name);
	if ((p = strstr(body, want)) != NULL)
		v = strtod(p + strlen(want), NULL);
	free(body);
	return (v);
}

/*
 * Tokens come from files: each one opens what it should, the health
 * checks need none, the query carries one to the page and /events only,
 * and no token reaches the log.
 */
Test(daemon, http_tokens_from_files)
{
	struct dh_ready	 rw;
	char		 a[PATH_MAX], b[PATH_MAX], http[2 * PATH_MAX + 512];
	char		*body, *buf = NULL, *log;
	size_t		 len = 0;
	int		 port, fd;

	fx_start_redis(0);
	dh_token_file("wall.token", DH_TOK_A, a, sizeof(a));
	dh_token_file("tv.token", DH_TOK_B, b, sizeof(b));
	dh_http(http, sizeof(http), a, b, NULL);
	port = dh_start(http, NULL);
	rw.port = port;
	rw.d = &fx.dm[0];
	FX_WAIT(dh_cond_ready, &rw, 10000, "/readyz without a token");
	cr_expect_eq(dh_get(port, "/healthz", NULL, NULL, NULL), 200);

	cr_expect_eq(dh_get(port, "/metrics", NULL, NULL, NULL), 401);
	cr_expect_eq(dh_get(port, "/api/v1/snapshot", NULL, NULL, NULL), 401);
	cr_expect_eq(dh_get(port, "/", NULL, NULL, NULL), 401);
	cr_expect_eq(dh_get_bearer(port, "/metrics", "wrong-token-0123456789"),
	    401);
	cr_expect_eq(dh_get_bearer(port, "/metrics", DH_TOK_A), 200);
	cr_expect_eq(dh_get_bearer(port, "/metrics", DH_TOK_B), 200);
	cr_expect_eq(dh_get_bearer(port, "/api/v1/alerts", DH_TOK_B), 200);

	/* the query: the page and /events, nothing else */
	cr_expect_eq(dh_get(port, "/?token=" DH_TOK_A, NULL, NULL, NULL), 200);
	cr_expect_eq(dh_get(port, "/metrics?token=" DH_TOK_A, NULL, NULL,
	    NULL), 401);
	cr_expect_eq(dh_get(port, "/api/v1/alerts?token=" DH_TOK_A, NULL,
	    NULL, NULL), 401);
	cr_expect_eq(dh_get(port, "/events?token=" DH_TOK_B "x", NULL, NULL,
	    NULL), 401);
	fd = dh_stream(port, "/events?token=" DH_TOK_B);
	cr_expect_eq(dh_read_until(fd, &buf, &len, "event: alerts\n", 5000),
	    1, "no stream: %s", buf != NULL ? buf : "");
	free(buf);
	close(fd);

	/* a refusal never echoes the token, nor does the log hold one */
	cr_expect_eq(dh_get(port, "/metrics?token=" DH_TOK_A, NULL, NULL,
	    &body), 401);
	cr_expect(strstr(body, DH_TOK_A) == NULL);
	free(body);
	cr_assert_not_null(log = files_read(fx.dm[0].log));
	cr_expect(strstr(log, DH_TOK_A) == NULL && strstr(log, DH_TOK_B) ==
	    NULL, "a token in the log");
	cr_expect(strstr(log, "http: 2 tokens") != NULL);
	free(log);
	fx.done = 1;
}

/*
 * SIGHUP reads the token files again: a rotated token works at once, the
 * old one no longer, and its stream is closed; a bad file refuses the
 * reload and keeps the tokens; a token taken out of the config closes
 * its stream too.
 */
Test(daemon, http_token_rotation)
{
	struct fx_logwait	 lw = { &fx.dm[0], "reload refused",
				     "tokens[1].token_file" };
	struct fx_logwait	 rl = { &fx.dm[0], "reloaded", NULL };
	struct dh_ready		 rw;
	char			 a[PATH_MAX], b[PATH_MAX];
	char			 http[2 * PATH_MAX + 512], path[PATH_MAX];
	char			*buf = NULL;
	size_t			 len = 0;
	int			 port, sa, sb;

	fx_start_redis(0);
	dh_token_file("wall.token", DH_TOK_A, a, sizeof(a));
	dh_token_file("tv.token", DH_TOK_B, b, sizeof(b));
	dh_http(http, sizeof(http), a, b, NULL);
	port = dh_start(http, NULL);
	rw.port = port;
	rw.d = &fx.dm[0];
	FX_WAIT(dh_cond_ready, &rw, 10000, "/readyz");
	sa = dh_stream(port, "/events?token=" DH_TOK_A);
	sb = dh_stream(port, "/events?token=" DH_TOK_B);
	cr_assert_eq(dh_read_until(sa, &buf, &len, "event: alerts\n", 5000), 1);
	free(buf);
	buf = NULL;
	len = 0;
	cr_assert_eq(dh_read_until(sb, &buf, &len, "event: alerts\n", 5000), 1);
	free(buf);
	buf = NULL;
	len = 0;

	/* rotate wall's token */
	dh_token_file("wall.token", DH_TOK_A2, a, sizeof(a));
	cr_assert_eq(rdaemon_signal(&fx.dm[0], SIGHUP), 0);
	cr_expect(dh_closed(sa, 5000), "the stream of the old token is open");
	close(sa);
	cr_expect_eq(dh_get_bearer(port, "/metrics", DH_TOK_A), 401);
	cr_expect_eq(dh_get_bearer(port, "/metrics", DH_TOK_A2), 200);
	cr_expect_eq(dh_get_bearer(port, "/metrics", DH_TOK_B), 200);
	/* tv's stream goes on: its heartbeat comes every second */
	cr_expect_eq(dh_read_until(sb, &buf, &len, ": heartbeat", 5000), 1);
	free(buf);
	buf = NULL;
	len = 0;

	/* a token file gone bad: the reload is refused, the tokens kept */
	dh_token_file("tv.token", "short", b, sizeof(b));
	cr_assert_eq(rdaemon_signal(&fx.dm[0], SIGHUP), 0);
	FX_WAIT(fx_cond_log, &lw, 5000, "the reload to be refused");
	cr_expect(rdaemon_log_has(&fx.dm[0], "reload refused",
	    "the token is 5 bytes: at least 16 are needed", (char *)NULL));
	cr_expect_eq(dh_get_bearer(port, "/metrics", DH_TOK_B), 200);
	cr_expect_eq(dh_get_bearer(port, "/metrics", DH_TOK_A2), 200);
	cr_expect_eq(dh_read_until(sb, &buf, &len, ": heartbeat", 5000), 1);
	free(buf);

	/* tv taken out of the config: its stream ends, its token fails */
	dh_http(http, sizeof(http), a, NULL, NULL);
	cr_assert_eq(rdaemon_write_config(path, sizeof(path), fx.srv.dir,
	    "cs.json", fx.srv.port, http), 0);
	cr_assert_eq(rdaemon_signal(&fx.dm[0], SIGHUP), 0);
	cr_expect(dh_closed(sb, 5000), "the stream of a removed token is "
	    "open");
	close(sb);
	FX_WAIT(fx_cond_log, &rl, 5000, "the reload");
	cr_expect_eq(dh_get_bearer(port, "/metrics", DH_TOK_B), 401);
	cr_expect_eq(dh_get_bearer(port, "/metrics", DH_TOK_A2), 200);
	cr_expect(rdaemon_alive(&fx.dm[0]));
	fx.done = 1;
}

/*
 * A request for another Host is refused, whatever its path; a reload
 * that adds the name to http.allowed_hosts lets it in.
 */
Test(daemon, http_host_check)
{
	struct fx_logwait	 rl = { &fx.dm[0], "reloaded", NULL };
	char			 host[64], path[PATH_MAX], *body;
	int			 port;

	fx_start_redis(0);
	port = dh_start("\"http\": {\"listen\": \"127.0.0.1:0\"}", NULL);
	cr_expect_eq(dh_get(port, "/healthz", NULL, NULL, NULL), 200);
	snprintf(host, sizeof(host), "127.0.0.1:%d", port);
	cr_expect_eq(dh_get(port, "/healthz", host, NULL, NULL), 200);
	snprintf(host, sizeof(host), "rebound.example.com:%d", port);
	cr_expect_eq(dh_get(port, "/api/v1/alerts", host, NULL, &body), 421);
	cr_expect(strstr(body, "allowed_hosts") != NULL, "%s", body);
	free(body);
	cr_expect_eq(dh_get(port, "/healthz", host, NULL, NULL), 421);
	cr_expect_eq(dh_get(port, "/events", host, NULL, NULL), 421);
	cr_expect_eq(dh_get(port, "/", host, NULL, NULL), 421);

	cr_assert_eq(rdaemon_write_config(path, sizeof(path), fx.srv.dir,
	    "cs.json", fx.srv.port, "\"http\": {\"listen\": "
	    "\"127.0.0.1:0\", \"allowed_hosts\": [\"wall.example.com\"]}"),
	    0);
	cr_assert_eq(rdaemon_signal(&fx.dm[0], SIGHUP), 0);
	FX_WAIT(fx_cond_log, &rl, 5000, "the reload");
	snprintf(host, sizeof(host), "wall.example.com:%d", port);
	cr_expect_eq(dh_get(port, "/api/v1/alerts", host, NULL, NULL), 200);
	cr_expect_eq(dh_get(port, "/api/v1/alerts", "wall.example.com", NULL,
	    NULL), 200);
	snprintf(host, sizeof(host), "rebound.example.com:%d", port);
	cr_expect_eq(dh_get(port, "/healthz", host, NULL, NULL), 421);
	fx.done = 1;
}

/* --check-config: status and first line of `replytimed -c path -n`. */
static int
dh_check(const char *http, char *msg, size_t len)
{
	struct proc_argv	 a = { .n = 0 };
	char			 path[PATH_MAX], out[PATH_MAX], *buf;
	pid_t			 pid;
	int			 st;

	cr_assert_eq(rdaemon_write_config(path, sizeof(path), fx.srv.dir,
	    "check.json", 6379, http), 0);
	snprintf(out, sizeof(out), "%s/check.out", fx.srv.dir);
	unlink(out);
	proc_arg(&a, rdaemon_bin());
	proc_arg(&a, "-c");
	proc_arg(&a, path);
	proc_arg(&a, "--check-config");
	pid = proc_spawn(a.v[0], a.v, NULL, 0, out);
	proc_argv_free(&a);
	cr_assert_neq(pid, -1);
	cr_assert_eq(proc_reap(pid, 5000, &st), 1);
	msg[0] = '\0';
	if ((buf = files_read(out)) != NULL) {
		snprintf(msg, len, "%.*s", (int)strcspn(buf, "\n"), buf);
		free(buf);
	}
	return (proc_exit_code(st));
}

/* What the daemon refuses to start with, and why it says so. */
Test(daemon, http_config_refusals)
{
	char	 a[PATH_MAX], http[2 * PATH_MAX + 512], msg[1024];
	char	 want[PATH_MAX + 256];

	fx_start_redis(0);
	cr_expect_eq(dh_check("\"http\": {\"listen\": \"127.0.0.1:0\", "
	    "\"token\": \"s3cret-0123456789\"}", msg, sizeof(msg)), 2);
	cr_expect(strstr(msg, "check.json: http.token: no longer read: put "
	    "the token in a file and name it in http.tokens") != NULL, "%s",
	    msg);
	cr_expect_eq(dh_check("\"http\": {\"listen\": \"0.0.0.0:0\"}", msg,
	    sizeof(msg)), 2);
	cr_expect(strstr(msg, "check.json: http.listen: \"0.0.0.0:0\" is not a "
	    "loopback address and http.tokens is empty") != NULL, "%s", msg);

	/* token files are checked with the config */
	snprintf(a, sizeof(a), "%s/none.token", fx.srv.dir);
	dh_http(http, sizeof(http), a, NULL, NULL);
	cr_expect_eq(dh_check(http, msg, sizeof(msg)), 2);
	snprintf(want, sizeof(want), "check.json: http.tokens[0].token_file: "
	    "%s: No such file or directory", a);
	cr_expect(strstr(msg, want) != NULL, "%s", msg);
	dh_token_file("wall.token", "too-short", a, sizeof(a));
	dh_http(http, sizeof(http), a, NULL, NULL);
	cr_expect_eq(dh_check(http, msg, sizeof(msg)), 2);
	cr_expect(strstr(msg, "the token is 9 bytes: at least 16 are needed") !=
	    NULL, "%s", msg);
	dh_token_file("wall.token", DH_TOK_A, a, sizeof(a));
	cr_assert_eq(chmod(a, 0644), 0);
	cr_expect_eq(dh_check(http, msg, sizeof(msg)), 2);
	cr_expect(strstr(msg, "group or others may read or write it") != NULL,
	    "%s", msg);
	cr_assert_eq(chmod(a, 0600), 0);
	cr_expect_eq(dh_check(http, msg, sizeof(msg)), 0, "%s", msg);
	cr_expect(strstr(msg, DH_TOK_A) == NULL);
	fx.done = 1;
}

/*
 * More idle connections than http.max_connections: those over the cap
 * are closed at once and counted, Redis restarts meanwhile, and the
 * daemon reconnects and answers /readyz on a fresh connection once the
 * idle ones have timed out.
 */
Test(daemon, http_connection_cap_redial)
{
	struct dh_ready	 rw;
	char		 a[PATH_MAX], http[2 * PATH_MAX + 512];
	int		 port, fd[30], i;

	fx_start_redis(0);
	dh_token_file("wall.token", DH_TOK_A, a, sizeof(a));
	dh_http(http, sizeof(http), a, NULL, "\"max_connections\": 20, "
	    "\"max_clients\": 10, \"timeout_s\": 2");
	port = dh_start(http, NULL);
	rw.port = port;
	rw.d = &fx.dm[0];
	FX_WAIT(dh_cond_ready, &rw, 10000, "/readyz");

	for (i = 0; i < 30; i++)
		fd[i] = dh_connect(port);
	redisFree(fx.rc);
	fx.rc = NULL;
	rserver_stop(&fx.srv);
	clk_sleep_ms(300);
	cr_assert_eq(rserver_restart(&fx.srv), 0);
	cr_assert_not_null(fx.rc = rserver_connect(&fx.srv));
	FX_WAIT(dh_cond_ready, &rw, 20000, "/readyz after the redial");
	cr_expect_geq(dh_metric(port, DH_TOK_A,
	    "replytimed_http_connections_refused_total"), 10);
	cr_expect_geq(dh_metric(port, DH_TOK_A,
	    "replytimed_redis_reconnects_total"), 1);
	/* the idle ones were closed by the daemon */
	for (i = 0; i < 30; i++) {
		cr_expect(dh_closed(fd[i], 5000), "idle connection %d open",
		    i);
		close(fd[i]);
	}
	cr_expect(rdaemon_alive(&fx.dm[0]));
	fx.done = 1;
}

/*
 * Adds a conversation per agent, all the questions first, then the
 * answers, in time order: a snapshot of many agents.
 */
static void
dh_many_agents(int n)
{
	char	 conv[32], agent[48], ts[32];
	int64_t	 base = (now_wall_ms() / 1000 - 600) * 1000;
	int	 i, answer;

	for (answer = 0; answer < 2; answer++) {
		for (i = 0; i < n; i++) {
			snprintf(conv, sizeof(conv), "c%d", i);
			snprintf(agent, sizeof(agent),
			    "agent-with-a-long-name-%04d", i);
			snprintf(ts, sizeof(ts), "%lld", (long long)(base +
			    answer * 60 * S + i));
			cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL,
			    0, "conversation", conv, "role", answer ? "agent" :
			    "customer", "agent", agent, "team", "sales", "ts",
			    ts, (char *)NULL), 0);
		}
	}
}

struct dh_bigwait {
	int	 port;
	size_t	 min;
};

/* GET /api/v1/snapshot is at least min bytes. */
static int
dh_cond_big(void *arg)
{
	struct dh_bigwait	*w = arg;
	char			*body;
	int			 ok;

	ok = dh_get(w->port, "/api/v1/snapshot", NULL, NULL, &body) == 200 &&
	    strlen(body) >= w->min;
	free(body);
	return (ok);
}

/*
 * A snapshot four times http.client_buffer_kb reaches a new stream
 * whole, and the stream is not dropped.
 */
Test(daemon, http_sse_large_snapshot)
{
	struct dh_bigwait	 bw;
	struct fx_lenwait	 alen = { "cs:alerts", 0 };
	json_error_t		 jerr;
	json_t			*j;
	char			*buf = NULL, *data, *end;
	size_t			 len = 0;
	int			 port, fd;

	fx_start_redis(0);
	dh_many_agents(600);	/* before the start: the rebuild takes all */
	port = dh_start("\"http\": {\"listen\": \"127.0.0.1:0\", "
	    "\"client_buffer_kb\": 16}", NULL);
	bw.port = port;
	bw.min = 64 * 1024 + 1;
	FX_WAIT(dh_cond_big, &bw, 20000, "a snapshot over 64 KiB");
	/*
	 * Every wait passed its first-response target before its answer:
	 * once their 600 alerts fired and resolved, nothing more is to come,
	 * so no alert can pile up behind the snapshot and drop the stream
	 * (that is http_client_send's rule, tested on its own).
	 */
	alen.n = 1200;
	FX_WAIT(fx_cond_len, &alen, 20000,
	    "the 600 overdue alerts and their ends");

	fd = dh_stream(port, "/events");
	cr_assert_eq(dh_read_until(fd, &buf, &len, "event: alerts\n", 10000),
	    1, "the stream ended or stalled after %zu bytes", len);
	cr_assert_not_null(data = strstr(buf, "event: snapshot\ndata: "));
	data += strlen("event: snapshot\ndata: ");
	/* one event is one chunk of the chunked reply: whole here */
	cr_assert_not_null(end = strstr(data, "\n\n"));
	*end = '\0';
	cr_expect_gt(strlen(data), 64 * 1024);
	j = json_loads(data, 0, &jerr);
	cr_expect_not_null(j, "the snapshot is not whole: %s", jerr.text);
	json_decref(j);
	free(buf);
	buf = NULL;
	len = 0;
	/* and it stays: the next publishes come */
	cr_expect_eq(dh_read_until(fd, &buf, &len, "event: snapshot\n", 5000),
	    1);
	cr_expect_eq(dh_metric(port, "",
	    "replytimed_event_streams_dropped_total"), 0);
	free(buf);
	close(fd);
	fx.done = 1;
}

/*
 * GET /api/v1/alerts a hundred times between two publishes builds the
 * answer once (publish.interval_ms 10 s: at most one publish falls in).
 */
Test(daemon, http_alerts_cache)
{
	struct dh_ready	 rw;
	double		 before, after;
	int		 port, i;

	fx_start_redis(0);
	port = dh_start("\"http\": {\"listen\": \"127.0.0.1:0\"}",
	    "\"publish\": {\"interval_ms\": 10000}");
	rw.port = port;
	rw.d = &fx.dm[0];
	FX_WAIT(dh_cond_ready, &rw, 10000, "/readyz");
	before = dh_metric(port, "", "replytimed_http_cache_builds_total");
	cr_assert_geq(before, 0, "no replytimed_http_cache_builds_total");
	for (i = 0; i < 100; i++)
		cr_assert_eq(dh_get(port, "/api/v1/alerts", NULL, NULL, NULL),
		    200);
	after = dh_metric(port, "", "replytimed_http_cache_builds_total");
	cr_expect(after - before >= 1 && after - before <= 2,
	    "%g builds for 100 requests", after - before);
	fx.done = 1;
}
