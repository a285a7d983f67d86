/*
 * Writes that Redis refuses for good (replytimed(8)): a key of the wrong
 * type, an ACL that forbids one stream.  The daemon holds the refused
 * batch and everything after it, stops reading, says so on /readyz and
 * /metrics, and once Redis takes the batch goes on where it stopped: the
 * run writes what a run without the refusal writes, IDs included.
 */

#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "fixture.h"

/* The suite's fixture and timeout: TestSuite(daemon) in lib/fixture.c. */

#define HD_LISTEN	"\"http\": {\"listen\": \"127.0.0.1:0\"}"
#define HD_SERVING	"http: serving on http://127.0.0.1:"
#define HD_RULES							\
	"\"alerts\": {\"rules\": [{\"name\": \"warn20\", "		\
	"\"scope\": \"conversation\", \"open_s\": 20, "			\
	"\"first_only\": true}]}"
#define HD_NFV		12		/* fields of an entry, at most */

/* One entry of the trace before it is given its ID. */
struct hd_ent {
	int64_t		 ts;
	int		 order;
	size_t		 nfv;
	char		*fv[HD_NFV];
};

static int
hd_ent_cmp(const void *pa, const void *pb)
{
	const struct hd_ent	*a = pa, *b = pb;

	if (a->ts != b->ts)
		return (a->ts < b->ts ? -1 : 1);
	return (a->order - b->order);
}

static void
hd_push(struct hd_ent *v, size_t *n, int64_t ts, const char *conv,
    const char *k1, const char *v1, const char *k2, const char *v2)
{
	struct hd_ent	*e = &v[*n];
	char		 num[32];

	e->ts = ts;
	e->order = (int)*n;
	e->nfv = 0;
	snprintf(num, sizeof(num), "%lld", (long long)ts);
	e->fv[e->nfv++] = strdup("conversation");
	e->fv[e->nfv++] = strdup(conv);
	e->fv[e->nfv++] = strdup(k1);
	e->fv[e->nfv++] = strdup(v1);
	if (k2 != NULL) {
		e->fv[e->nfv++] = strdup(k2);
		e->fv[e->nfv++] = strdup(v2);
	}
	e->fv[e->nfv++] = strdup("ts");
	e->fv[e->nfv++] = strdup(num);
	(*n)++;
}

/*
 * A trace, the same every time for a start: nconv conversations one a
 * second, each a customer message, an agent's answer 5 to 44 s later
 * (so some fire the 20 s rule) and a close; every fifth conversation has
 * an entry of an unknown role (a dead letter) before its answer.  Then a
 * close far ahead moves the clock past every wait.
 */
static void
hd_trace(struct stream_list *out, int64_t start, int nconv, int64_t *tick)
{
	struct hd_ent	*v;
	char		 conv[16], agent[8], mid[16], id[48];
	int64_t		 t, w, prev = -1;
	size_t		 n = 0, i, j;
	int		 c, seq = 0;

	v = calloc((size_t)nconv * 4 + 1, sizeof(*v));
	cr_assert_not_null(v);
	for (c = 0; c < nconv; c++) {
		snprintf(conv, sizeof(conv), "h%04d", c);
		snprintf(agent, sizeof(agent), "a%d", c % 7);
		snprintf(mid, sizeof(mid), "m%d", c);
		t = start + c * S;
		w = (5 + (c * 37) % 40) * S;
		hd_push(v, &n, t, conv, "role", "customer", "message_id", mid);
		if (c % 5 == 0)
			hd_push(v, &n, t + w / 2, conv, "role", "wizard",
			    NULL, NULL);
		hd_push(v, &n, t + w, conv, "role", "agent", "agent", agent);
		hd_push(v, &n, t + w + 2 * S, conv, "type", "close", NULL,
		    NULL);
	}
	*tick = start + (nconv + 60) * S;
	hd_push(v, &n, *tick, "zz-tick", "type", "close", NULL, NULL);
	qsort(v, n, sizeof(*v), hd_ent_cmp);
	for (i = 0; i < n; i++) {
		seq = v[i].ts == prev ? seq + 1 : 0;
		prev = v[i].ts;
		snprintf(id, sizeof(id), "%lld-%d", (long long)prev, seq);
		stream_list_add(out, id, v[i].nfv,
		    (const char *const *)v[i].fv);
		for (j = 0; j < v[i].nfv; j++)
			free(v[i].fv[j]);
	}
	free(v);
}

/* The port the daemon says it serves on, or 0 while it has not said. */
static int
hd_port(const struct rdaemon *d)
{
	const char	*p;
	char		*log;
	int		 port = 0;

	if ((log = files_read(d->log)) == NULL)
		return (0);
	if ((p = strstr(log, HD_SERVING)) != NULL)
		port = atoi(p + strlen(HD_SERVING));
	free(log);
	return (port);
}

static int
hd_cond_port(void *arg)
{
	struct rdaemon	*d = arg;

	if (!rdaemon_alive(d))
		return (-1);
	return (hd_port(d) > 0);
}

/* GET over HTTP/1.0: the status, and the body in *body (malloc'd). */
static int
hd_get(int port, const char *path, char **body)
{
	struct sockaddr_in	 sin;
	struct timeval		 tv = { 5, 0 };
	char			 req[256], chunk[65536], *buf = NULL;
	size_t			 len = 0;
	ssize_t			 n;
	int			 fd, code = 0;

	cr_assert_geq(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0,
	    "connect to port %d: %s", port, strerror(errno));
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

/* The value of a metric line "name value" in /metrics, or -1. */
static double
hd_metric(int port, const char *name)
{
	char	*body, *p, want[128];
	double	 v = -1;

	cr_assert_eq(hd_get(port, "/metrics", &body), 200);
	snprintf(want, sizeof(want), "\n%s ", name);
	if ((p = strstr(body, want)) != NULL)
		v = atof(p + strlen(want));
	free(body);
	return (v);
}

/* hd_cond_held: /readyz says 503 and names the refusal. */
struct hd_readyz {
	int		 port;
	const char	*want;
	char		 last[512];
};

static int
hd_cond_readyz(void *arg)
{
	struct hd_readyz	*r = arg;
	char			*body = NULL;
	int			 code;

	code = hd_get(r->port, "/readyz", &body);
	snprintf(r->last, sizeof(r->last), "%d %s", code, body ? body : "");
	free(body);
	return (code == 503 && strstr(r->last, r->want) != NULL);
}

/* A command on the test's connection that must not answer an error. */
static void
hd_ok(const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(fx.rc, fmt, ap);
	va_end(ap);
	cr_assert_not_null(r, "%s: %s", fmt, fx.rc->errstr);
	cr_assert_neq(r->type, REDIS_REPLY_ERROR, "%s: %s", fmt, r->str);
	freeReplyObject(r);
}

/* Two streams hold the same entries: IDs, fields and their order. */
static void
hd_streams_equal(const char *ka, const char *kb)
{
	struct stream_list	 a = { 0 }, b = { 0 };
	char			 sa[512], sb[512];
	size_t			 i, bad = 0;

	cr_assert_eq(stream_read(fx.rc, ka, &a), 0);
	cr_assert_eq(stream_read(fx.rc, kb, &b), 0);
	cr_expect_eq(a.n, b.n, "%s has %zu entries, %s has %zu", ka, a.n,
	    kb, b.n);
	for (i = 0; i < a.n && i < b.n && bad < 3; i++) {
		if (stream_entry_eq(&a.e[i], &b.e[i]))
			continue;
		cr_expect_fail("entry %zu differs: %s %s, %s %s", i, ka,
		    stream_entry_str(&a.e[i], sa, sizeof(sa)), kb,
		    stream_entry_str(&b.e[i], sb, sizeof(sb)));
		bad++;
	}
	stream_list_free(&a);
	stream_list_free(&b);
}

/* The two snapshots are equal apart from their timestamps. */
static void
hd_snapshots_equal(const char *pa, const char *pb)
{
	json_t	*a, *b;
	char	*da, *db;

	a = snap_get(fx.rc, pa);
	b = snap_get(fx.rc, pb);
	cr_assert_not_null(a, "no %s:snapshot", pa);
	cr_assert_not_null(b, "no %s:snapshot", pb);
	json_object_del(a, "clock_ms");
	json_object_del(a, "generated_ms");
	json_object_del(b, "clock_ms");
	json_object_del(b, "generated_ms");
	if (!json_equal(a, b)) {
		da = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
		db = json_dumps(b, JSON_COMPACT | JSON_SORT_KEYS);
		cr_expect_fail("%s:snapshot and %s:snapshot differ: %.600s "
		    "vs %.600s", pa, pb, da, db);
		free(da);
		free(db);
	}
	json_decref(a);
	json_decref(b);
}

/*
 * The reference: the whole trace under the prefix ref, read by a daemon
 * that nothing disturbs, up to its last entry; then stopped.
 */
static void
hd_reference(const struct stream_list *trace, int64_t tick,
    const char *extra)
{
	char	 conf[1024];
	int	 r;

	cr_assert_eq(stream_add_list(fx.rc, "ref:events", trace, 0,
	    trace->n), 0);
	snprintf(conf, sizeof(conf), "\"redis\": {\"prefix\": \"ref\"}, %s",
	    extra);
	fx_start_daemon(&fx.dm[1], "ref.json", conf, NULL);
	r = fx_wait_settled("ref", tick - 2 * S, 1, &fx.dm[1], 20000);
	cr_assert_eq(r, 1, "the reference did not settle (daemon %s)",
	    fx_dstate(&fx.dm[1]));
	rdaemon_signal(&fx.dm[1], SIGTERM);
	cr_expect_eq(rdaemon_wait_exit(&fx.dm[1], 5000), 0, "SIGTERM: %s",
	    fx_dstate(&fx.dm[1]));
}

/* The prefix's outputs equal the reference's, entry by entry. */
static void
hd_expect_as_reference(const char *p)
{
	char	 a[64], b[64];

	cr_expect_gt(fx_xlen("ref:alerts"), 0, "no alert in the reference");
	cr_expect_gt(fx_xlen("ref:events:dead"), 0, "no dead letter in the "
	    "reference");
	snprintf(a, sizeof(a), "%s:outcomes", p);
	hd_streams_equal(a, "ref:outcomes");
	snprintf(a, sizeof(a), "%s:events:dead", p);
	hd_streams_equal(a, "ref:events:dead");
	snprintf(a, sizeof(a), "%s:alerts", p);
	hd_streams_equal(a, "ref:alerts");
	snprintf(b, sizeof(b), "%s", p);
	hd_snapshots_equal(b, "ref");
}

/*
 * Live traffic from 20 s ahead (within max_future_ms): the daemon reads
 * the first half as it comes and is caught up with it; what follows is
 * not late whatever the wall clock did meanwhile, in either run.
 */
static int64_t
hd_start_ms(void)
{
	return ((now_wall_ms() / 1000 + 20) * 1000);
}

#define HD_INGEST	"\"ingest\": {\"read_count\": 20}"

/*
 * The outcome stream turned into a hash mid-backlog: the batch with the
 * next outcome is refused (WRONGTYPE) and held; reading stops; /readyz
 * and /metrics say so; once the stream is back the daemon goes on and
 * writes exactly what an undisturbed run writes.
 */
Test(daemon, permanent_write_error_holds)
{
	struct stream_list	 trace = { 0 };
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct hd_readyz	 rz;
	char			 conf[1024], last1[64], last2[64], top[64];
	int64_t			 start, tick, halfts;
	size_t			 half;
	int			 port, r;

	start = hd_start_ms();
	hd_trace(&trace, start, 120, &tick);
	half = trace.n / 2;
	halfts = atoll(stream_field(&trace.e[half - 1], "ts"));

	fx_start_redis(0);
	snprintf(conf, sizeof(conf), "%s, %s, %s", HD_LISTEN, HD_INGEST,
	    HD_RULES);
	fx_start_daemon(&fx.dm[0], "cs.json", conf, NULL);
	FX_WAIT(hd_cond_port, &fx.dm[0], 10000, "the daemon to listen");
	port = hd_port(&fx.dm[0]);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "the group on an empty stream");
	cr_assert_eq(stream_add_list(fx.rc, "cs:events", &trace, 0, half), 0);
	r = fx_wait_settled("cs", halfts - 2 * S, 1, &fx.dm[0], 10000);
	cr_assert_eq(r, 1, "the first half did not settle (daemon %s)",
	    fx_dstate(&fx.dm[0]));
	cr_assert_gt(fx_xlen("cs:outcomes"), 0);
	cr_expect_eq(hd_metric(port, "replytimed_writes_held"), 0);

	/* the stream put aside, a hash in its place */
	hd_ok("RENAME cs:outcomes aside:outcomes");
	hd_ok("HSET cs:outcomes x y");
	cr_assert_eq(stream_add_list(fx.rc, "cs:events", &trace, half,
	    trace.n), 0);
	rz.port = port;
	rz.want = "writes held: WRONGTYPE";
	FX_WAIT(hd_cond_readyz, &rz, 10000, "/readyz to say the writes are "
	    "held (last: %s)", rz.last);
	cr_expect_eq(hd_metric(port, "replytimed_writes_held"), 1);
	cr_expect_eq(hd_metric(port, "replytimed_writes_held_total"), 1);
	FX_WAIT(fx_cond_log, (&(struct fx_logwait){ &fx.dm[0],
	    "writes held: WRONGTYPE", NULL }), 5000, "the log line");

	/* reading has stopped short of the end, and stays stopped */
	cr_assert_eq(stream_group_info(fx.rc, "cs:events", "replytimed", NULL,
	    last1, sizeof(last1)), 0);
	clk_sleep_ms(800);
	cr_assert_eq(stream_group_info(fx.rc, "cs:events", "replytimed", NULL,
	    last2, sizeof(last2)), 0);
	snprintf(top, sizeof(top), "%s", trace.e[trace.n - 1].id);
	cr_expect_str_eq(last1, last2, "reading went on while held");
	cr_expect_str_neq(last2, top, "read to the end while held");
	cr_expect(rdaemon_alive(&fx.dm[0]));

	/* the stream back: the daemon goes on where it stopped */
	hd_ok("RENAME aside:outcomes cs:outcomes");
	r = fx_wait_settled("cs", tick - 2 * S, 1, &fx.dm[0], 20000);
	cr_assert_eq(r, 1, "the second half did not settle (daemon %s)",
	    fx_dstate(&fx.dm[0]));
	cr_expect_eq(hd_metric(port, "replytimed_writes_held"), 0);
	cr_expect_eq(hd_metric(port, "replytimed_writes_held_total"), 1);
	cr_expect(rdaemon_log_has(&fx.dm[0], "writes accepted again after",
	    (char *)NULL));

	hd_reference(&trace, tick, HD_INGEST ", " HD_RULES);
	hd_expect_as_reference("cs");
	stream_list_free(&trace);
	fx.done = 1;
}

/*
 * The dead-letter stream turned into a hash mid-backlog: the batch with
 * the next dead letter is refused (WRONGTYPE) at that dead letter, and
 * the batches read after it, pipelined behind it, must not land first
 * (the fence, output.c), or their higher outcome IDs would shut out the
 * outcomes after the dead letter in the refused batch.  (An ACL cannot
 * stand in: Redis 7 checks a script's declared keys before it runs, so
 * every batch would be refused whole.)  Once the stream is back, every
 * stream equals an undisturbed run's, no dead letter missing.
 */
Test(daemon, fenced_pipeline)
{
	struct stream_list	 trace = { 0 };
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct hd_readyz	 rz;
	char			 conf[1024];
	int64_t			 start, tick, halfts;
	size_t			 half;
	int			 port, r;

	start = hd_start_ms();
	hd_trace(&trace, start, 120, &tick);
	half = trace.n / 2;
	halfts = atoll(stream_field(&trace.e[half - 1], "ts"));

	fx_start_redis(0);
	snprintf(conf, sizeof(conf), "%s, %s, %s", HD_LISTEN,
	    "\"ingest\": {\"read_count\": 4}", HD_RULES);
	fx_start_daemon(&fx.dm[0], "cs.json", conf, NULL);
	FX_WAIT(hd_cond_port, &fx.dm[0], 10000, "the daemon to listen");
	port = hd_port(&fx.dm[0]);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "the group on an empty stream");
	cr_assert_eq(stream_add_list(fx.rc, "cs:events", &trace, 0, half), 0);
	r = fx_wait_settled("cs", halfts - 2 * S, 1, &fx.dm[0], 10000);
	cr_assert_eq(r, 1, "the first half did not settle (daemon %s)",
	    fx_dstate(&fx.dm[0]));
	cr_assert_gt(fx_xlen("cs:events:dead"), 0);

	hd_ok("RENAME cs:events:dead aside:dead");
	hd_ok("HSET cs:events:dead x y");
	cr_assert_eq(stream_add_list(fx.rc, "cs:events", &trace, half,
	    trace.n), 0);
	rz.port = port;
	rz.want = "writes held: WRONGTYPE";
	FX_WAIT(hd_cond_readyz, &rz, 10000, "/readyz to say the writes are "
	    "held (last: %s)", rz.last);
	cr_expect_eq(hd_metric(port, "replytimed_writes_held"), 1);
	clk_sleep_ms(500);		/* retries, still refused */
	cr_expect_eq(hd_metric(port, "replytimed_writes_held"), 1);

	hd_ok("RENAME aside:dead cs:events:dead");
	r = fx_wait_settled("cs", tick - 2 * S, 1, &fx.dm[0], 20000);
	cr_assert_eq(r, 1, "the second half did not settle (daemon %s)",
	    fx_dstate(&fx.dm[0]));
	cr_expect_eq(hd_metric(port, "replytimed_writes_held"), 0);

	hd_reference(&trace, tick, HD_INGEST ", " HD_RULES);
	hd_expect_as_reference("cs");
	stream_list_free(&trace);
	fx.done = 1;
}
