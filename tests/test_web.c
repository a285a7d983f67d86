/*
 * The daemon's HTTP face against a real redis-server (replytimed(8),
 * HTTP): the API equals what Redis holds, /metrics passes promtool, /readyz
 * follows Redis, /events carries live snapshots and alerts, and the
 * wallboard page renders every agent in a headless chromium.
 */

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cdp.h"
#include "fixture.h"

/* The suite's fixture and timeout: TestSuite(web) in lib/fixture.c. */

#define WEB_LISTEN	"\"http\": {\"listen\": \"127.0.0.1:0\"}"

/* The port the daemon says it serves on, or 0 while it has not said. */
static int
web_port(const struct rdaemon *d)
{
	const char	*p;
	char		*log;
	int		 port = 0;

	if ((log = files_read(d->log)) == NULL)
		return (0);
	if ((p = strstr(log, "http: serving on http://127.0.0.1:")) != NULL)
		port = atoi(p + strlen("http: serving on http://127.0.0.1:"));
	free(log);
	return (port);
}

static int
cond_port(void *arg)
{
	struct rdaemon	*d = arg;

	if (!rdaemon_alive(d))
		return (-1);
	return (web_port(d) > 0);
}

static int
web_connect(int port)
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

/* GET over HTTP/1.0: the status, and the body in *body (malloc'd). */
static int
web_get(int port, const char *path, char **body)
{
	char	 req[512], chunk[65536], *buf = NULL;
	size_t	 len = 0;
	ssize_t	 n;
	int	 fd, code = 0;

	fd = web_connect(port);
	snprintf(req, sizeof(req), "GET %s HTTP/1.0\r\n\r\n", path);
	cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		buf = realloc(buf, len + (size_t)n + 1);
		cr_assert_not_null(buf);
		memcpy(buf + len, chunk, (size_t)n);
		len += (size_t)n;
	}
	close(fd);
	cr_assert_not_null(buf, "no answer to GET %s", path);
	buf[len] = '\0';
	sscanf(buf, "HTTP/1.%*d %d", &code);
	if (body != NULL) {
		cr_assert_not_null(strstr(buf, "\r\n\r\n"));
		*body = strdup(strstr(buf, "\r\n\r\n") + 4);
	}
	free(buf);
	return (code);
}

static int
start_web(struct rdaemon *d, const char *extra)
{
	char	 conf[2048];

	snprintf(conf, sizeof(conf), "%s%s%s", WEB_LISTEN,
	    extra != NULL ? ", " : "", extra != NULL ? extra : "");
	fx_start_daemon(d, "cs.json", conf, NULL);
	FX_WAIT(cond_port, d, 10000, "the daemon to listen");
	return (web_port(d));
}

/* A small trace: ann answers c1 in 12 s, bob c2 in 50 s, c3 waits. */
static void
web_trace(int64_t base)
{
	static const struct {
		const char	*conv, *role, *agent;
		int64_t		 at;
	} tr[] = {
		{ "c1", "customer", "ann", 0 },
		{ "c1", "agent", "ann", 12 },
		{ "c2", "customer", "bob", 20 },
		{ "c2", "agent", "bob", 70 },
		{ "c3", "customer", "cid", 80 },
	};
	char	 ts[32];
	size_t	 i;

	for (i = 0; i < sizeof(tr) / sizeof(tr[0]); i++) {
		snprintf(ts, sizeof(ts), "%lld", (long long)(base +
		    tr[i].at * S));
		cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
		    "conversation", tr[i].conv, "role", tr[i].role, "agent",
		    tr[i].agent, "team", "sales", "ts", ts, (char *)NULL), 0);
	}
}

/* Reads GET snapshot and the key until both come from one publish. */
static void
web_same_snapshot(int port)
{
	redisReply	*r1, *r2;
	char		*body;
	int		 try, same = 0;

	for (try = 0; try < 50 && !same; try++) {
		r1 = redisCommand(fx.rc, "GET cs:snapshot");
		cr_assert_eq(web_get(port, "/api/v1/snapshot", &body), 200);
		r2 = redisCommand(fx.rc, "GET cs:snapshot");
		cr_assert(r1 != NULL && r1->type == REDIS_REPLY_STRING);
		cr_assert(r2 != NULL && r2->type == REDIS_REPLY_STRING);
		same = strcmp(r1->str, r2->str) == 0 &&
		    strcmp(r1->str, body) == 0;
		freeReplyObject(r1);
		freeReplyObject(r2);
		free(body);
	}
	cr_expect(same, "GET /api/v1/snapshot never equalled cs:snapshot");
}

Test(web, api_matches_redis)
{
	json_t		*j, *a;
	json_error_t	 jerr;
	char		*body;
	int64_t		 base = (now_wall_ms() / 1000 - 600) * 1000;
	size_t		 i;
	int		 port, found = 0;

	fx_start_redis(0);
	web_trace(base);
	port = start_web(&fx.dm[0], NULL);
	cr_assert_eq(fx_wait_settled("cs", base + 300 * S, 4, &fx.dm[0],
	    10000), 1);
	web_same_snapshot(port);

	cr_expect_eq(web_get(port, "/healthz", &body), 200);
	cr_expect_str_eq(body, "ok\n");
	free(body);
	cr_expect_eq(web_get(port, "/readyz", &body), 200);
	cr_expect_str_eq(body, "ready\n");
	free(body);
	cr_expect_eq(web_get(port, "/nope", NULL), 404);

	/* c3 is overdue for its first response, and nothing else */
	cr_assert_eq(web_get(port, "/api/v1/alerts", &body), 200);
	j = json_loads(body, 0, &jerr);
	cr_assert_not_null(j, "%s: %s", jerr.text, body);
	a = json_object_get(j, "alerts");
	cr_assert(json_is_array(a));
	for (i = 0; i < json_array_size(a); i++) {
		const char *id = json_string_value(json_object_get(
		    json_array_get(a, i), "id"));

		cr_assert_not_null(id);
		if (strncmp(id, "first_response_overdue:conversation:c3:",
		    39) == 0)
			found++;
		else
			cr_expect(strncmp(id, "response_overdue:conversation:"
			    "c3:", 31) == 0, "unexpected alert %s", id);
	}
	cr_expect_eq(found, 1, "%s", body);
	json_decref(j);
	free(body);
	fx.done = 1;
}

/* One sample's value from an exposition, or NAN. */
static double
web_sample(const char *text, const char *series)
{
	const char	*p = text;
	size_t		 n = strlen(series);

	while ((p = strstr(p, series)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == ' ')
			return (strtod(p + n + 1, NULL));
		p += n;
	}
	return (NAN);
}

Test(web, metrics_pass_promtool)
{
	json_t	*snap;
	char	*body, path[PATH_MAX], cmd[PATH_MAX + 64], out[4096];
	int64_t	 base = (now_wall_ms() / 1000 - 600) * 1000;
	FILE	*p;
	size_t	 n;
	int	 port, st;

	fx_start_redis(0);
	web_trace(base);
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0, "role",
	    "customer", (char *)NULL), 0);	/* a dead letter */
	port = start_web(&fx.dm[0], NULL);
	cr_assert_eq(fx_wait_settled("cs", base + 300 * S, 4, &fx.dm[0],
	    10000), 1);
	clk_sleep_ms(300);	/* a publish after the last outcome */
	cr_assert_eq(web_get(port, "/metrics", &body), 200);
	snprintf(path, sizeof(path), "%s/metrics.txt", fx.srv.dir);
	cr_assert_eq(files_write(path, body), 0);

	/* promtool's checks, lint included, say nothing at all */
	snprintf(cmd, sizeof(cmd), "promtool check metrics < %s 2>&1", path);
	cr_assert_not_null(p = popen(cmd, "r"), "cannot run promtool");
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	st = pclose(p);
	cr_expect(WIFEXITED(st) && WEXITSTATUS(st) == 0,
	    "promtool: status %d: %s", st, out);
	cr_expect_str_eq(out, "", "promtool said: %s", out);

	cr_expect_eq(web_sample(body, "replytimed_entries_read_total"), 6);
	cr_expect_eq(web_sample(body,
	    "replytimed_dead_letters_total{reason=\"missing_conversation\"}"),
	    1);
	cr_expect_eq(web_sample(body,
	    "replytimed_outcomes_total{kind=\"response\"}"), 2);
	cr_expect_eq(web_sample(body, "replytimed_redis_up"), 1);
	cr_expect_eq(web_sample(body, "replytimed_caught_up"), 1);
	/* this scrape counts itself; nothing was refused */
	cr_expect_geq(web_sample(body, "replytimed_http_requests_total"), 1);
	cr_expect_eq(web_sample(body, "replytimed_http_refused_total"), 0);
	cr_expect_eq(web_sample(body,
	    "replytimed_waiting{scope=\"agent\",agent=\"cid\"}"), 1);
	cr_expect_eq(web_sample(body, "replytimed_art_max_seconds{"
	    "scope=\"team\",team=\"sales\",window=\"3600\"}"), 50);
	cr_expect_eq(web_sample(body, "replytimed_frt_avg_seconds{"
	    "scope=\"agent\",agent=\"ann\",window=\"86400\"}"), 12);
	cr_expect_eq(web_sample(body, "replytimed_rate_ratio{"
	    "scope=\"global\",window=\"3600\"}"), 2.0 / 3);

	/* the same numbers as the snapshot */
	snap = snap_get(fx.rc, "cs");
	cr_assert_not_null(snap);
	cr_expect_eq(web_sample(body, "replytimed_responses{"
	    "scope=\"global\",window=\"300\"}"), json_number_value(
	    snap_path(snap, "global.windows.300.responses")));
	json_decref(snap);
	free(body);
	fx.done = 1;
}

struct ready {
	int	 port;
	int	 want;
};

static int
cond_ready(void *arg)
{
	struct ready	*r = arg;

	return (web_get(r->port, "/readyz", NULL) == r->want);
}

Test(web, readyz_follows_redis)
{
	struct ready	 r;
	char		*body;

	fx_start_redis(0);
	rserver_stop(&fx.srv);
	r.port = start_web(&fx.dm[0], NULL);
	cr_expect_eq(web_get(r.port, "/healthz", NULL), 200);
	cr_expect_eq(web_get(r.port, "/readyz", &body), 503);
	cr_expect_str_eq(body, "not ready: not connected to Redis\n");
	free(body);
	cr_expect_eq(web_get(r.port, "/api/v1/snapshot", NULL), 503);

	cr_assert_eq(rserver_restart(&fx.srv), 0);
	r.want = 200;
	FX_WAIT(cond_ready, &r, 10000, "/readyz to answer 200");
	rserver_stop(&fx.srv);
	r.want = 503;
	FX_WAIT(cond_ready, &r, 10000, "/readyz to answer 503 again");
	cr_expect_eq(web_get(r.port, "/healthz", NULL), 200);
	fx.done = 1;
}

/* Reads an HTTP/1.0 event stream until it holds want; the text so far. */
static char *
web_stream_until(int fd, char *buf, size_t size, size_t *len,
    const char *want)
{
	int64_t	 end = now_mono_ms() + clk_scaled(10000);
	ssize_t	 n;

	while (strstr(buf, want) == NULL) {
		cr_assert_lt(now_mono_ms(), end, "no \"%s\" in the stream",
		    want);
		cr_assert_lt(*len + 1, size, "stream too long");
		n = read(fd, buf + *len, size - *len - 1);
		cr_assert_gt(n, 0, "stream ended");
		*len += (size_t)n;
		buf[*len] = '\0';
	}
	return (buf);
}

Test(web, events_live)
{
	static char	 buf[1 << 20];
	char		 ts[32], *p;
	size_t		 len = 0;
	int		 port, fd;

	fx_start_redis(0);
	port = start_web(&fx.dm[0], "\"targets\": {\"first_response_s\": 1}");
	fd = web_connect(port);
	cr_assert_eq(write(fd, "GET /events HTTP/1.0\r\n\r\n", 24), 24);
	buf[0] = '\0';
	web_stream_until(fd, buf, sizeof(buf), &len, "event: alerts\ndata: ");
	cr_expect(strncmp(buf, "HTTP/1.", 7) == 0);
	cr_expect_not_null(strstr(buf, "Content-Type: text/event-stream"));
	cr_expect_not_null(strstr(buf, "\r\n\r\nretry: "));

	/* a customer waits: a snapshot counts it, an alert fires at 1 s */
	snprintf(ts, sizeof(ts), "%lld", (long long)now_wall_ms());
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
	    "conversation", "w1", "role", "customer", "agent", "ann", "ts", ts,
	    (char *)NULL), 0);
	web_stream_until(fd, buf, sizeof(buf), &len, "\"waiting\":1");
	web_stream_until(fd, buf, sizeof(buf), &len, "event: alert\ndata: "
	    "{\"id\":\"first_response_overdue:conversation:w1:");
	p = strstr(buf, "event: alert\ndata: {\"id\":\"first_response_overdue");
	cr_expect_not_null(strstr(p, "\"status\":\"firing\""));

	/* ann answers: the alert resolves on the stream */
	snprintf(ts, sizeof(ts), "%lld", (long long)now_wall_ms());
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
	    "conversation", "w1", "role", "agent", "agent", "ann", "ts", ts,
	    (char *)NULL), 0);
	web_stream_until(fd, buf, sizeof(buf), &len, "\"status\":\"resolved\"");

	/* a stop with a stream open is still clean */
	rdaemon_signal(&fx.dm[0], SIGTERM);
	cr_expect_eq(rdaemon_wait_exit(&fx.dm[0], 5000), 0, "daemon %s",
	    fx_dstate(&fx.dm[0]));
	close(fd);
	fx.done = 1;
}

/*
 * The wallboard in Debian's headless chromium, from a daemon fed a trace
 * of 60 agents: the rendered DOM has a row for every one of them and
 * the overdue wait among the alerts.  --dump-dom prints the DOM at the
 * page's load event, which the page holds until its first data is shown.
 */
Test(web, wallboard_lists_every_agent)
{
	struct ready	 r;
	char		 conv[32], agent[32], ts[32], cmd[2 * PATH_MAX + 512];
	char		*dom, want[128], path[PATH_MAX];
	int64_t		 base = (now_wall_ms() / 1000 - 900) * 1000;
	FILE		*p;
	size_t		 len = 0, n;
	int		 i, rows = 0, st;
	const char	*q;

	fx_start_redis(0);
	/* customers in the first minute, then answers, in time order */
	for (i = 0; i < 60; i++) {
		snprintf(conv, sizeof(conv), "c%d", i);
		snprintf(agent, sizeof(agent), "agent-%02d", i);
		snprintf(ts, sizeof(ts), "%lld", (long long)(base + i * S));
		cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
		    "conversation", conv, "role", "customer", "agent", agent,
		    "team", i % 2 ? "sales" : "billing", "ts", ts,
		    (char *)NULL), 0);
	}
	for (i = 0; i < 59; i++) {	/* agent-59's customer still waits */
		snprintf(conv, sizeof(conv), "c%d", i);
		snprintf(agent, sizeof(agent), "agent-%02d", i);
		snprintf(ts, sizeof(ts), "%lld", (long long)(base + 60 * S +
		    i * 3 * S));
		cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
		    "conversation", conv, "role", "agent", "agent", agent, "ts",
		    ts, (char *)NULL), 0);
	}
	r.port = start_web(&fx.dm[0], NULL);
	r.want = 200;
	FX_WAIT(cond_ready, &r, 10000, "/readyz");
	if (fx_wait_settled("cs", base + 600 * S, 60, &fx.dm[0], 10000) != 1) {
		json_t	*snap = snap_get(fx.rc, "cs");

		cr_assert_fail("not settled: %lld outcomes, the snapshot "
		    "counts %lld, clock %lld (want %lld), caught up %d",
		    stream_len(fx.rc, "cs:outcomes"), snap_outcomes(snap,
		    "86400"), (long long)json_integer_value(json_object_get(
		    snap, "clock_ms")), (long long)(base + 600 * S),
		    stream_caught_up(fx.rc, "cs"));
	}

	snprintf(path, sizeof(path), "%s/chromium.log", fx.srv.dir);
	snprintf(cmd, sizeof(cmd), "timeout 60 chromium --headless "
	    "--no-sandbox --disable-gpu --no-first-run "
	    "--disable-background-networking --user-data-dir=%s/chromium "
	    "--timeout=15000 --dump-dom http://127.0.0.1:%d/ 2>%s",
	    fx.srv.dir, r.port, path);
	cr_assert_not_null(p = popen(cmd, "r"), "cannot run chromium");
	dom = malloc(1 << 22);
	cr_assert_not_null(dom);
	while ((n = fread(dom + len, 1, (1 << 22) - 1 - len, p)) > 0)
		len += n;
	dom[len] = '\0';
	st = pclose(p);
	cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "chromium: status "
	    "%d (is it installed? make deps); its log is %s", st, path);

	for (i = 0; i < 60; i++) {
		snprintf(want, sizeof(want), "data-agent=\"agent-%02d\"", i);
		cr_expect_not_null(strstr(dom, want), "no row for agent-%02d",
		    i);
	}
	for (q = dom; (q = strstr(q, "data-agent=\"")) != NULL; q++)
		rows++;
	cr_expect_eq(rows, 60, "%d agent rows", rows);
	cr_expect_not_null(strstr(dom, "data-alert-id=\""
	    "response_overdue:conversation:c59:"), "the overdue wait is not "
	    "among the alerts");
	cr_expect_not_null(strstr(dom, "id=\"conn\""));
	free(dom);
	fx.done = 1;
}

#define WB_LIVE		"document.getElementById('conn').textContent === " \
			"'live' && !document.body.classList.contains('down')"
#define WB_BANNER	"getComputedStyle(document.getElementById('banner'))" \
			".display !== 'none'"
#define WB_ROWS(n)	"document.querySelectorAll('[data-agent]')" \
			".length === " #n

/*
 * A browser that stays on the wallboard while the daemon goes away: the
 * page says so across the top and keeps its last numbers; once a daemon
 * serves on the same port again the page is live again by itself.
 */
Test(web, wallboard_shows_a_lost_connection)
{
	struct cdp	 b;
	struct ready	 r;
	char		 url[64], listen[128];
	int64_t		 base = (now_wall_ms() / 1000 - 900) * 1000;

	fx_start_redis(0);
	web_trace(base);
	r.port = start_web(&fx.dm[0], NULL);
	r.want = 200;
	FX_WAIT(cond_ready, &r, 10000, "/readyz");
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/", r.port);
	cr_assert_eq(cdp_open(&b, fx.srv.dir, url, 1366, 768), 0,
	    "chromium did not start (make deps); its log is in %s",
	    fx.srv.dir);

	cr_expect(cdp_wait(&b, WB_LIVE " && " WB_ROWS(3), 15000),
	    "the page did not go live with three agents");
	cr_expect(cdp_wait(&b, "!(" WB_BANNER ")", 1000),
	    "the lost-connection banner shows while live");

	rdaemon_signal(&fx.dm[0], SIGTERM);
	cr_assert_eq(rdaemon_wait_exit(&fx.dm[0], 5000), 0);
	cr_expect(cdp_wait(&b, WB_BANNER " && document.getElementById('banner')"
	    ".textContent.startsWith('Connection lost') && "
	    "document.getElementById('conn').textContent === 'reconnecting…'",
	    15000), "the page does not say that the connection is lost");
	cr_expect(cdp_wait(&b, WB_ROWS(3), 1000),
	    "the page dropped its last numbers");

	snprintf(listen, sizeof(listen), "\"http\": {\"listen\": "
	    "\"127.0.0.1:%d\"}", r.port);
	fx_start_daemon(&fx.dm[1], "cs2.json", listen, NULL);
	cr_expect(cdp_wait(&b, WB_LIVE " && !(" WB_BANNER ") && " WB_ROWS(3),
	    20000), "the page did not reconnect by itself");
	cdp_close(&b);
	fx.done = 1;
}
