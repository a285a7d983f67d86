/*
 * The daemon against faults (replytimed(8)): SIGKILLs
 * mid-backlog, redis-server killed, paused, out of memory or dropping
 * its clients, a SIGTERM during the rebuild, hostile entries.  A run
 * through the fault must write what a run without it writes.
 */

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <criterion/logging.h>

#include "fixture.h"
#include "prng.h"

/* The suite's fixture and timeout: TestSuite(daemon) in lib/fixture.c. */

/* Two streams hold the same entries: IDs, fields and their order. */
static void
expect_streams_equal(const char *ka, const char *kb)
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

/* Describes the first difference between a and b at path at. */
static void
json_diff(json_t *a, json_t *b, const char *at, char *out, size_t len)
{
	const char	*k;
	json_t		*v, *w;
	char		 sub[256], *da, *db;
	size_t		 i;

	if (json_equal(a, b))
		return;
	if (json_is_object(a) && json_is_object(b)) {
		json_object_foreach(a, k, v) {
			snprintf(sub, sizeof(sub), "%s.%s", at, k);
			if ((w = json_object_get(b, k)) == NULL) {
				snprintf(out, len, "%s: only in the first",
				    sub);
				return;
			}
			if (!json_equal(v, w)) {
				json_diff(v, w, sub, out, len);
				return;
			}
		}
		json_object_foreach(b, k, v) {
			if (json_object_get(a, k) == NULL) {
				snprintf(out, len, "%s.%s: only in the second",
				    at, k);
				return;
			}
		}
	}
	if (json_is_array(a) && json_is_array(b) &&
	    json_array_size(a) == json_array_size(b)) {
		for (i = 0; i < json_array_size(a); i++) {
			v = json_array_get(a, i);
			w = json_array_get(b, i);
			if (!json_equal(v, w)) {
				snprintf(sub, sizeof(sub), "%s[%zu]", at, i);
				json_diff(v, w, sub, out, len);
				return;
			}
		}
	}
	da = json_dumps(a, JSON_ENCODE_ANY | JSON_COMPACT);
	db = json_dumps(b, JSON_ENCODE_ANY | JSON_COMPACT);
	snprintf(out, len, "%s: %.200s vs %.200s", at, da ? da : "?",
	    db ? db : "?");
	free(da);
	free(db);
}

/* The two snapshots are equal apart from clock_ms and generated_ms. */
static void
expect_snapshots_equal(const char *pa, const char *pb)
{
	json_t	*a, *b;
	char	 diff[1024] = "";

	a = snap_get(fx.rc, pa);
	b = snap_get(fx.rc, pb);
	cr_assert_not_null(a, "no %s:snapshot", pa);
	cr_assert_not_null(b, "no %s:snapshot", pb);
	json_object_del(a, "clock_ms");
	json_object_del(a, "generated_ms");
	json_object_del(b, "clock_ms");
	json_object_del(b, "generated_ms");
	json_diff(a, b, "", diff, sizeof(diff));
	cr_expect(json_equal(a, b), "%s:snapshot and %s:snapshot differ at %s",
	    pa, pb, diff);
	json_decref(a);
	json_decref(b);
}

/*
 * A generated trace, deterministic for a seed: nconv conversations
 * starting in the first 3/5 of [start, end], with follow-ups, resent
 * messages (duplicates), bots and handoffs, reassignments, team changes,
 * replies up to gap ms late, some bad entries, all closed by end.
 */
struct gent {
	int64_t	 ts;
	size_t	 seq;
	size_t	 nfv;
	char	*fv[16];
};

struct gvec {
	struct gent	*v;
	size_t		 n;
	size_t		 cap;
};

static void
gen_push(struct gvec *g, int64_t ts, int64_t end, const char *const *fv,
    size_t nfv)
{
	struct gent	*e;
	char		 buf[32];
	size_t		 i;

	if (g->n == g->cap) {
		g->cap = g->cap != 0 ? g->cap * 2 : 1024;
		g->v = realloc(g->v, g->cap * sizeof(*g->v));
		cr_assert_not_null(g->v);
	}
	e = &g->v[g->n];
	e->ts = ts < end ? ts : end;
	e->seq = g->n++;
	for (i = 0; i < nfv && i < 14; i++)
		e->fv[i] = strdup(fv[i]);
	e->fv[i++] = strdup("ts");
	snprintf(buf, sizeof(buf), "%lld", (long long)e->ts);
	e->fv[i++] = strdup(buf);
	e->nfv = i;
}

static int
gent_cmp(const void *pa, const void *pb)
{
	const struct gent	*a = pa, *b = pb;

	if (a->ts != b->ts)
		return (a->ts < b->ts ? -1 : 1);
	return (a->seq < b->seq ? -1 : a->seq > b->seq);
}

#define F(name, value) do {						\
	fv[n++] = (name);						\
	fv[n++] = (value);						\
} while (0)

static void
gen_trace(struct stream_list *out, uint64_t seed, int64_t start, int64_t end,
    int nconv, uint32_t gap)
{
	struct gvec	 g = { NULL, 0, 0 };
	const char	*fv[14];
	char		 conv[16], team[8], agent[8], other[8], mid[24];
	char		 id[48];
	uint64_t	 x = seed;
	int64_t		 t, prev = -1;
	size_t		 i, j, n;
	int		 c, r, rounds, m, k, seq = 0, hasteam, hasagent;

	for (c = 0; c < nconv; c++) {
		snprintf(conv, sizeof(conv), "k%05d", c);
		hasteam = prng_below(&x, 6) < 5;
		snprintf(team, sizeof(team), "t%u", prng_below(&x, 5));
		hasagent = prng_below(&x, 3) == 0;
		snprintf(agent, sizeof(agent), "a%02u", prng_below(&x, 40));
		m = 0;
		t = start + prng_below(&x, (uint32_t)((end - start) * 3 / 5));
		snprintf(mid, sizeof(mid), "m%d", m++);
		n = 0;
		F("conversation", conv);
		F("role", "customer");
		F("message_id", mid);
		if (hasteam)
			F("team", team);
		if (hasagent)
			F("agent", agent);
		gen_push(&g, t, end, fv, n);
		rounds = 1 + (int)prng_below(&x, 4);
		for (r = 0; r < rounds; r++) {
			if (prng_below(&x, 3) == 0) {	/* one more line */
				t += 1000 + prng_below(&x, 20000);
				snprintf(mid, sizeof(mid), "m%d", m++);
				n = 0;
				F("conversation", conv);
				F("role", "customer");
				F("message_id", mid);
				gen_push(&g, t, end, fv, n);
			}
			if (prng_below(&x, 30) == 0) {		/* a resend */
				t += 1 + prng_below(&x, 3000);
				n = 0;
				F("conversation", conv);
				F("role", "customer");
				F("message_id", mid);
				gen_push(&g, t, end, fv, n);
			}
			k = prng_below(&x, 5) == 0 ?
			    (int)prng_below(&x, 8) : -1;
			if (k >= 0) {			/* the bot answers */
				t += 500 + prng_below(&x, 5000);
				n = 0;
				F("conversation", conv);
				F("role", "bot");
				gen_push(&g, t, end, fv, n);
				if (k == 0)		/* and settles it */
					break;
				if (k > 1) {		/* a handoff */
					t += prng_below(&x, gap);
					snprintf(agent, sizeof(agent), "a%02u",
					    prng_below(&x, 40));
					hasagent = 1;
					n = 0;
					F("conversation", conv);
					F("type", "assign");
					F("agent", agent);
					gen_push(&g, t, end, fv, n);
				}
			}
			if (prng_below(&x, 10) == 0) {		/* reassigned */
				t += prng_below(&x, gap / 2);
				snprintf(agent, sizeof(agent), "a%02u",
				    prng_below(&x, 40));
				hasagent = 1;
				n = 0;
				F("conversation", conv);
				F("type", "assign");
				F("agent", agent);
				gen_push(&g, t, end, fv, n);
			}
			if (prng_below(&x, 20) == 0) {	/* moved to a team */
				t += prng_below(&x, 5000);
				snprintf(team, sizeof(team), "t%u",
				    prng_below(&x, 5));
				hasteam = 1;
				n = 0;
				F("conversation", conv);
				F("role", "system");
				F("team", team);
				gen_push(&g, t, end, fv, n);
			}
			if (prng_below(&x, 8) != 0) {		/* a reply */
				t += prng_below(&x, gap);
				snprintf(other, sizeof(other), "a%02u",
				    prng_below(&x, 40));
				snprintf(mid, sizeof(mid), "m%d", m++);
				n = 0;
				F("conversation", conv);
				F("role", "agent");
				F("agent", hasagent && prng_below(&x, 4) != 0 ?
				    agent : other);
				F("message_id", mid);
				gen_push(&g, t, end, fv, n);
				if (prng_below(&x, 4) == 0) {	/* follow-up */
					t += prng_below(&x, 10000);
					snprintf(mid, sizeof(mid), "m%d", m++);
					fv[7] = mid;
					gen_push(&g, t, end, fv, n);
				}
			}
			if (prng_below(&x, 100) == 0) {	/* a broken entry */
				t += 1;
				n = 0;
				F("conversation", conv);
				F("role", "robot");
				gen_push(&g, t, end, fv, n);
			}
			if (t > end - 3 * (int64_t)gap)
				break;
			t += 5000 + prng_below(&x, gap);
			snprintf(mid, sizeof(mid), "m%d", m++);
			n = 0;
			F("conversation", conv);
			F("role", "customer");
			F("message_id", mid);
			gen_push(&g, t, end, fv, n);
		}
		t += prng_below(&x, 60000);
		n = 0;
		F("conversation", conv);
		F("type", "close");
		gen_push(&g, t, end, fv, n);
	}

	/* In time order, ties in generation order; IDs ts-0, ts-1, ... */
	qsort(g.v, g.n, sizeof(*g.v), gent_cmp);
	for (i = 0; i < g.n; i++) {
		seq = g.v[i].ts == prev ? seq + 1 : 0;
		prev = g.v[i].ts;
		snprintf(id, sizeof(id), "%lld-%d", (long long)prev, seq);
		stream_list_add(out, id, g.v[i].nfv,
		    (const char *const *)g.v[i].fv);
		for (j = 0; j < g.v[i].nfv; j++)
			free(g.v[i].fv[j]);
	}
	free(g.v);
}

#undef F

/* Metric rules that fire and resolve along the generated backlog. */
#define KILL_RULES							\
	"\"alerts\": {\"rules\": ["					\
	"{\"name\": \"slow\", \"scope\": \"agent\", "			\
	"\"metric\": \"art_avg_s\", \"window_s\": 300, \"op\": \">\", "	\
	"\"threshold\": 60, \"min_samples\": 3, \"for_s\": 20, "	\
	"\"repeat_s\": 60}, "						\
	"{\"name\": \"rate\", \"scope\": \"team\", "			\
	"\"metric\": \"rate\", \"window_s\": 3600, \"op\": \"<\", "	\
	"\"threshold\": 0.9}, "						\
	"{\"name\": \"warn20\", \"scope\": \"conversation\", "		\
	"\"open_s\": 20, \"first_only\": true}]}"

/*
 * SIGKILLs d once prefix:outcomes holds at least at outcomes.  Returns
 * whether the kill landed mid-backlog: the stream not complete, the
 * events not all read.
 */
static int
kill_at(struct rdaemon *d, long long at, long long total)
{
	int64_t		 end = now_mono_ms() + clk_scaled(20000);
	long long	 n;
	int		 mid;

	while ((n = fx_xlen("cs:outcomes")) < at) {
		cr_assert(rdaemon_alive(d), "the daemon exited (status %d) "
		    "with %lld outcomes written", d->status, n);
		cr_assert_lt(now_mono_ms(), end, "only %lld outcomes after "
		    "20 s, waiting for %lld", n, at);
		clk_sleep_ms(1);
	}
	rdaemon_kill9(d);
	n = fx_xlen("cs:outcomes");
	mid = n < total && !stream_caught_up(fx.rc, "cs");
	cr_log_info("killed at %lld of %lld outcomes, %s", n, total,
	    mid ? "mid-backlog" : "after the backlog was read");
	return (mid);
}

/*
 * Writes the trace (then frees it) to the reference's stream and to the
 * one under test, runs the reference daemon, which nothing disturbs, to
 * the end of it, stops it, and returns the outcomes it wrote.
 */
static long long
fault_reference(struct stream_list *trace, int64_t end)
{
	long long	 nref;
	int		 r;

	cr_assert_eq(stream_add_list(fx.rc, "ref:events", trace, 0,
	    trace->n), 0);
	cr_assert_eq(stream_add_list(fx.rc, "cs:events", trace, 0,
	    trace->n), 0);
	stream_list_free(trace);
	fx_start_daemon(&fx.dm[0], "ref.json",
	    "\"redis\": {\"prefix\": \"ref\"}, " KILL_RULES, NULL);
	r = fx_wait_settled("ref", end, 1, &fx.dm[0], 30000);
	cr_assert_eq(r, 1, "the reference run did not settle (daemon %s)",
	    fx_dstate(&fx.dm[0]));
	nref = fx_xlen("ref:outcomes");
	cr_log_info("reference: %lld outcomes", nref);
	rdaemon_signal(&fx.dm[0], SIGTERM);
	cr_expect_eq(rdaemon_wait_exit(&fx.dm[0], 5000), 0, "SIGTERM: %s",
	    fx_dstate(&fx.dm[0]));
	return (nref);
}

Test(daemon, kill_and_restart)
{
	struct stream_list	 trace = { 0 };
	int64_t			 start, end;
	long long		 nref;
	int			 mid = 0, r;

	/* 45 minutes of chat ending 10 minutes ago */
	start = (now_wall_ms() / 1000 - 55 * 60) * 1000;
	end = start + 45 * MIN;
	gen_trace(&trace, 0x5eedULL, start, end, 5000, 240000);
	cr_log_info("kill_and_restart: %zu events", trace.n);
	fx_start_redis(0);
	nref = fault_reference(&trace, end);

	/* the same backlog in small reads, killed twice on the way */
	fx_start_daemon(&fx.dm[1], "cs.json",
	    "\"ingest\": {\"read_count\": 50}, " KILL_RULES, NULL);
	mid += kill_at(&fx.dm[1], nref / 4, nref);
	cr_assert_eq(rdaemon_restart(&fx.dm[1]), 0);
	mid += kill_at(&fx.dm[1], nref * 2 / 3, nref);
	cr_assert_eq(rdaemon_restart(&fx.dm[1]), 0);
	r = fx_wait_settled("cs", end, nref, &fx.dm[1], 30000);
	cr_expect_eq(r, 1, "the restarted run did not settle (daemon %s): "
	    "%lld outcomes, want %lld", fx_dstate(&fx.dm[1]),
	    fx_xlen("cs:outcomes"), nref);
	clk_sleep_ms(300);		/* time for a stray duplicate */
	expect_streams_equal("cs:outcomes", "ref:outcomes");
	expect_streams_equal("cs:events:dead", "ref:events:dead");
	/* overdue alerts fire and resolve along the backlog */
	cr_expect_gt(fx_xlen("ref:alerts"), 100, "the reference wrote %lld "
	    "alert transitions", fx_xlen("ref:alerts"));
	expect_streams_equal("cs:alerts", "ref:alerts");
	expect_snapshots_equal("cs", "ref");
	cr_expect_gt(mid, 0, "both kills came after the backlog was read: "
	    "the restart was not tested mid-backlog");
	fx.done = 1;
}

Test(daemon, redis_restart)
{
	struct stream_list	 trace = { 0 };
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	char			 id[48], ts[32];
	int64_t			 l, end, tick, halfts;
	size_t			 half;
	int			 r;

	/*
	 * Live traffic: timestamps from 20 s ahead (within max_future_ms),
	 * so nothing is late when the daemon reads it as it arrives.  A
	 * last close of an unknown conversation moves the watermark past
	 * every wait of the trace.
	 */
	l = (now_wall_ms() / 1000 + 20) * 1000;
	end = l + 200 * S;
	tick = end + 5 * S;
	gen_trace(&trace, 0xfeedULL, l, end, 200, 60000);
	snprintf(ts, sizeof(ts), "%lld", (long long)tick);
	snprintf(id, sizeof(id), "%s-0", ts);
	stream_list_add(&trace, id, 6, (const char *const []){ "conversation",
	    "zz-tick", "type", "close", "ts", ts });
	half = trace.n / 2;
	halfts = atoll(stream_field(&trace.e[half - 1], "ts"));

	fx_start_redis(1);
	fx_start_daemon(&fx.dm[0], "cs.json", NULL, NULL);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "the group on an empty stream");
	cr_assert_eq(stream_add_list(fx.rc, "cs:events", &trace, 0, half), 0);
	r = fx_wait_settled("cs", halfts - 2 * S, 1, &fx.dm[0], 10000);
	cr_assert_eq(r, 1, "the first half did not settle (daemon %s)",
	    fx_dstate(&fx.dm[0]));
	cr_log_info("redis_restart: %zu events, %lld outcomes before the "
	    "restart", trace.n, fx_xlen("cs:outcomes"));

	redisFree(fx.rc);
	fx.rc = NULL;
	rserver_stop(&fx.srv);
	clk_sleep_ms(300);
	cr_assert_eq(rserver_restart(&fx.srv), 0, "redis-server did not "
	    "restart");
	cr_assert_not_null(fx.rc = rserver_connect(&fx.srv));
	cr_assert_eq(fx_xlen("cs:events"), (long long)half, "the AOF lost "
	    "events");
	cr_assert_eq(stream_add_list(fx.rc, "cs:events", &trace, half,
	    trace.n), 0);
	r = fx_wait_settled("cs", tick - 2 * S, 1, &fx.dm[0], 20000);
	cr_expect_eq(r, 1, "the second half did not settle (daemon %s)",
	    fx_dstate(&fx.dm[0]));

	/* the reference: the whole trace, another prefix, one run */
	cr_assert_eq(stream_add_list(fx.rc, "ref:events", &trace, 0,
	    trace.n), 0);
	fx_start_daemon(&fx.dm[1], "ref.json",
	    "\"redis\": {\"prefix\": \"ref\"}", NULL);
	r = fx_wait_settled("ref", tick - 2 * S, 1, &fx.dm[1], 20000);
	cr_assert_eq(r, 1, "the reference did not settle (daemon %s)",
	    fx_dstate(&fx.dm[1]));
	expect_streams_equal("cs:outcomes", "ref:outcomes");
	expect_streams_equal("cs:events:dead", "ref:events:dead");
	expect_streams_equal("cs:alerts", "ref:alerts");
	expect_snapshots_equal("cs", "ref");
	cr_expect(rdaemon_alive(&fx.dm[0]), "daemon %s", fx_dstate(&fx.dm[0]));
	stream_list_free(&trace);
	fx.done = 1;
}

/* A bad entry with many fields is dead-lettered with every one of them. */
Test(daemon, dead_letter_keeps_every_field)
{
	struct fx_lenwait	 len = { "cs:events:dead", 1 };
	const char		*argv[3 + 2 * 150];
	char			 names[150][16], vals[150][16];
	redisReply		*r, *f;
	int			 argc = 0, i;

	fx_start_redis(0);
	fx_start_daemon(&fx.dm[0], "cs.json", NULL, NULL);
	argv[argc++] = "XADD";
	argv[argc++] = "cs:events";
	argv[argc++] = "*";
	for (i = 0; i < 150; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		snprintf(vals[i], sizeof(vals[i]), "v%d", i);
		argv[argc++] = names[i];
		argv[argc++] = vals[i];
	}
	r = redisCommandArgv(fx.rc, argc, argv, NULL);
	cr_assert(r != NULL && r->type == REDIS_REPLY_STRING);
	freeReplyObject(r);
	FX_WAIT(fx_cond_len, &len, 10000, "the dead letter");
	r = redisCommand(fx.rc, "XRANGE cs:events:dead - +");
	cr_assert(r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements == 1);
	f = r->element[0]->element[1];
	/* 150 fields, then error and source_id */
	cr_assert_eq(f->elements, 2 * 152);
	cr_expect_str_eq(f->element[298]->str, "f149");
	cr_expect_str_eq(f->element[299]->str, "v149");
	cr_expect_str_eq(f->element[300]->str, "error");
	cr_expect_str_eq(f->element[301]->str, "missing_conversation");
	freeReplyObject(r);
	fx.done = 1;
}

/*
 * Faults (issue: faults and hostile input).  A backlog is drained once
 * by a run that nothing disturbs, under the prefix "ref", and once under
 * "cs" while something goes wrong; the outcome, dead-letter and alert
 * streams and the final snapshots must come out identical.
 */
enum fault {
	FAULT_DAEMON_KILLS,	/* SIGKILL the daemon at random moments */
	FAULT_REDIS_KILL,	/* SIGKILL redis-server (AOF, fsync always) */
	FAULT_REDIS_STOP,	/* SIGSTOP redis-server for 10 s */
	FAULT_CLIENT_KILL,	/* CLIENT KILL TYPE normal, three times */
	FAULT_REDIS_OOM,	/* writes refused (maxmemory) for 2 s */
	FAULT_TERM_REBUILD	/* SIGTERM while the state is rebuilt */
};

/* Waits until prefix:outcomes holds at least n entries. */
static void
wait_outcomes(struct rdaemon *d, long long n)
{
	struct fx_lenwait	 lw = { "cs:outcomes", n };

	(void)d;
	FX_WAIT(fx_cond_len, &lw, 30000, "%lld outcomes", n);
}

static int
count_in_log(const struct rdaemon *d, const char *what)
{
	char		*log;
	const char	*p;
	int		 n = 0;

	if ((log = files_read(d->log)) == NULL)
		return (0);
	for (p = log; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	free(log);
	return (n);
}

static int
cond_rebuilding(void *arg)
{
	struct rdaemon	*d = arg;

	if (!rdaemon_alive(d))
		return (-1);
	return (count_in_log(d, "rebuilding the state") >= 2);
}

static void
config_set_maxmemory(const char *bytes)
{
	redisReply	*rr;

	rr = redisCommand(fx.rc, "CONFIG SET maxmemory %s", bytes);
	cr_assert(rr != NULL && rr->type == REDIS_REPLY_STATUS,
	    "CONFIG SET maxmemory %s failed", bytes);
	freeReplyObject(rr);
}

static void
fault_run(enum fault f, uint64_t seed, int minutes, int nconv)
{
	struct stream_list	 trace = { 0 };
	struct rdaemon		*d = &fx.dm[1];
	uint64_t		 x = seed;
	int64_t			 start, end;
	long long		 nref, at[5];
	int			 i, r;

	start = (now_wall_ms() / 1000 - (minutes + 10) * 60) * 1000;
	end = start + minutes * MIN;
	gen_trace(&trace, seed, start, end, nconv, 240000);
	fx_start_redis(f == FAULT_REDIS_KILL);
	cr_log_info("fault %d: %zu events", f, trace.n);
	nref = fault_reference(&trace, end);

	fx_start_daemon(d, "cs.json", "\"ingest\": {\"read_count\": 50}, "
	    KILL_RULES, NULL);
	switch (f) {
	case FAULT_DAEMON_KILLS:
		/* five kills at random points, in order, mid-backlog */
		for (i = 0; i < 5; i++)
			at[i] = nref * (i + 1) / 7 + prng_below(&x,
			    (uint32_t)(nref / 7 + 1));
		for (i = 0; i < 5; i++) {
			kill_at(d, at[i], nref);
			cr_assert_eq(rdaemon_restart(d), 0);
		}
		break;
	case FAULT_REDIS_KILL:
		wait_outcomes(d, nref / 3);
		cr_expect_lt(fx_xlen("cs:outcomes"), nref, "not mid-backlog");
		kill(fx.srv.pid, SIGKILL);
		redisFree(fx.rc);
		fx.rc = NULL;
		rserver_stop(&fx.srv);
		cr_assert_eq(rserver_restart(&fx.srv), 0);
		cr_assert_not_null(fx.rc = rserver_connect(&fx.srv));
		break;
	case FAULT_REDIS_STOP:
		wait_outcomes(d, nref / 3);
		cr_expect_lt(fx_xlen("cs:outcomes"), nref, "not mid-backlog");
		kill(fx.srv.pid, SIGSTOP);
		clk_sleep_ms(10000);
		kill(fx.srv.pid, SIGCONT);
		break;
	case FAULT_CLIENT_KILL:
		for (i = 1; i <= 3; i++) {
			redisReply	*rr;

			wait_outcomes(d, nref * i / 4);
			cr_expect_lt(fx_xlen("cs:outcomes"), nref,
			    "not mid-backlog");
			rr = redisCommand(fx.rc, "CLIENT KILL TYPE normal");
			cr_assert(rr != NULL &&
			    rr->type == REDIS_REPLY_INTEGER &&
			    rr->integer >= 2, "CLIENT KILL killed %lld",
			    rr != NULL ? rr->integer : -1);
			freeReplyObject(rr);
		}
		break;
	case FAULT_REDIS_OOM:
		wait_outcomes(d, nref / 3);
		cr_expect_lt(fx_xlen("cs:outcomes"), nref, "not mid-backlog");
		config_set_maxmemory("1");
		FX_WAIT(fx_cond_log, (&(struct fx_logwait){ d,
		    "a write was refused for now", NULL }), 10000,
		    "a write refused for now");
		clk_sleep_ms(2000);
		config_set_maxmemory("0");
		break;
	case FAULT_TERM_REBUILD:
		r = fx_wait_settled("cs", end, nref, d, 30000);
		cr_assert_eq(r, 1, "the first run did not settle");
		rdaemon_signal(d, SIGTERM);
		cr_assert_eq(rdaemon_wait_exit(d, 5000), 0);
		cr_assert_eq(rdaemon_restart(d), 0);
		FX_WAIT(cond_rebuilding, d, 10000, "the rebuild to start");
		rdaemon_signal(d, SIGTERM);
		cr_expect_eq(rdaemon_wait_exit(d, 5000), 0, "SIGTERM during "
		    "the rebuild: %s", fx_dstate(d));
		cr_expect_eq(count_in_log(d, "ingest: rebuilt from"), 1,
		    "the rebuild ended before the SIGTERM landed");
		cr_assert_eq(rdaemon_restart(d), 0);
		break;
	}
	r = fx_wait_settled("cs", end, nref, d, 40000);
	cr_expect_eq(r, 1, "the faulted run did not settle (daemon %s): "
	    "%lld outcomes, want %lld", fx_dstate(d), fx_xlen("cs:outcomes"),
	    nref);
	clk_sleep_ms(300);		/* time for a stray duplicate */
	expect_streams_equal("cs:outcomes", "ref:outcomes");
	expect_streams_equal("cs:events:dead", "ref:events:dead");
	expect_streams_equal("cs:alerts", "ref:alerts");
	expect_snapshots_equal("cs", "ref");
	cr_expect(rdaemon_alive(d), "daemon %s", fx_dstate(d));
	fx.done = 1;
}

Test(daemon, killed_at_random_moments)
{
	fault_run(FAULT_DAEMON_KILLS, 0xc0ffeeULL, 30, 3000);
}

Test(daemon, redis_killed_mid_backlog)
{
	fault_run(FAULT_REDIS_KILL, 0xdeadULL, 30, 3000);
}

Test(daemon, client_killed_mid_backlog)
{
	fault_run(FAULT_CLIENT_KILL, 0xbeefULL, 30, 3000);
}

/* Redis out of memory: refused writes are sent again, none lost. */
Test(daemon, redis_out_of_memory)
{
	fault_run(FAULT_REDIS_OOM, 0xabbaULL, 30, 3000);
}

Test(daemon, sigterm_during_rebuild)
{
	fault_run(FAULT_TERM_REBUILD, 0xfaceULL, 45, 6000);
}

/* Ten seconds of a frozen Redis: in `make torture` only. */
Test(daemon, redis_paused)
{
	if (getenv("REPLYTIMED_TORTURE") == NULL)
		cr_skip_test("a 10 s pause: make torture runs it");
	fault_run(FAULT_REDIS_STOP, 0xf00dULL, 30, 3000);
}
