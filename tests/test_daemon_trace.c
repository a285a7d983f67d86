/*
 * The daemon against a real redis-server, to the field (replytimed(8),
 * Input stream, METRIC DEFINITIONS, OUTPUTS): the dead letters, outcomes
 * and snapshot of a hand-built trace, and the dead letters of the
 * generator's traffic.
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"

/* The suite's fixture and timeout: TestSuite(daemon) in lib/fixture.c. */

/*
 * Test 1's trace.  base is 30 minutes ago, so once the daemon has
 * caught up its clock (the wall clock minus 2 s) has passed every
 * threshold.  Each entry's ID is base + off, "-0"; ts = ID unless noted.
 */
struct tdef {
	int64_t		 off;
	int		 ts;		/* 1: add a ts field */
	const char	*bad;		/* its dead-letter error, or NULL */
	const char	*fv[12];
};

static const struct tdef trace1[] = {
	{ 0, 1, NULL, { "conversation", "c1", "role", "customer",
	    "agent", "ann", "team", "sales", "message_id", "m1" } },
	{ 10 * S, 1, NULL, { "conversation", "c2", "role", "customer",
	    "team", "sales" } },
	{ 20 * S, 1, NULL, { "conversation", "c1", "role", "agent",
	    "agent", "ann" } },
	{ 21 * S, 1, NULL, { "conversation", "c3", "role", "customer",
	    "agent", "carl", "team", "support" } },
	/* a resent customer message: ignored, so no new wait */
	{ 25 * S, 1, NULL, { "conversation", "c1", "role", "customer",
	    "message_id", "m1" } },
	/* so this is no response */
	{ 26 * S, 1, NULL, { "conversation", "c1", "role", "agent",
	    "agent", "ann" } },
	{ 30 * S, 1, NULL, { "conversation", "c4", "role", "customer",
	    "team", "support" } },
	{ 31 * S, 1, NULL, { "conversation", "c4", "role", "bot" } },
	{ 35 * S, 1, "missing_conversation", { "role", "customer",
	    "team", "sales" } },
	{ 40 * S, 1, NULL, { "conversation", "c5", "role", "customer",
	    "agent", "ann", "team", "billing" } },
	{ 50 * S, 1, NULL, { "conversation", "c5", "role", "agent",
	    "agent", "ann" } },
	{ 55 * S, 1, NULL, { "conversation", "c2", "role", "agent",
	    "agent", "bob" } },
	{ 57 * S, 1, "bad_role", { "conversation", "c9x", "role",
	    "manager" } },
	{ 60 * S, 1, NULL, { "conversation", "c5", "role", "customer" } },
	{ 75 * S, 1, NULL, { "conversation", "c6", "role", "customer" } },
	{ 80 * S, 1, NULL, { "conversation", "c7", "role", "customer",
	    "agent", "bob", "team", "sales" } },
	{ 85 * S, 1, NULL, { "conversation", "c7", "role", "system",
	    "team", "billing" } },
	{ 90 * S, 1, NULL, { "conversation", "c7", "type", "assign",
	    "agent", "erin" } },
	{ 95 * S, 0, "bad_ts", { "conversation", "c9x", "role", "customer",
	    "ts", "soon" } },
	{ 100 * S, 1, NULL, { "conversation", "c4", "type", "assign",
	    "agent", "dana" } },
	{ 101 * S, 1, NULL, { "conversation", "c5", "type", "close" } },
	{ 112 * S, 1, NULL, { "conversation", "c4", "role", "agent",
	    "agent", "dana" } },
	{ 130 * S, 1, NULL, { "conversation", "c7", "role", "agent",
	    "agent", "erin" } },
	{ 135 * S, 0, "bad_json", { "json",
	    "{\"conversation\": \"c8\", \"role\":" } },
	/* no ts: the entry ID's milliseconds */
	{ 140 * S, 0, NULL, { "json", "{\"conversation\": \"c8\", "
	    "\"role\": \"customer\", \"team\": \"support\"}" } },
	{ 150 * S, 0, NULL, { "conversation", "c8", "role", "agent",
	    "agent", "carl" } },
	{ 221 * S, 1, NULL, { "conversation", "c3", "role", "agent",
	    "agent", "carl" } },
	{ 300 * S, 1, NULL, { "conversation", "c1", "type", "close" } },
	{ 301 * S, 1, NULL, { "conversation", "c2", "type", "close" } },
	{ 302 * S, 1, NULL, { "conversation", "c3", "type", "close" } },
	{ 303 * S, 1, NULL, { "conversation", "c4", "type", "close" } },
	{ 304 * S, 1, NULL, { "conversation", "c7", "type", "close" } },
	{ 305 * S, 1, NULL, { "conversation", "c8", "type", "close" } },
	{ 400 * S, 1, NULL, { "conversation", "c6", "type", "close" } },
	/* left waiting */
	{ 500 * S, 1, NULL, { "conversation", "c9", "role", "customer",
	    "agent", "dana", "team", "support" } },
};

#define NTRACE1	(sizeof(trace1) / sizeof(trace1[0]))

/*
 * The outcomes, by hand:
 *   c1: waits at 0 (ann, sales), ann answers at 20: 20 s, first.  The
 *	resend at 25 is a duplicate, so ann's line at 26 answers nothing.
 *   c2: waits at 10 (sales, nobody): breached at 40 with no agent; bob
 *	answers at 55: 45 s, within 180 s.
 *   c3: waits at 21 (carl, support): breached at 51, missed at 201, carl
 *	answers at 221: 200 s.
 *   c4: waits at 30, the bot holds it from 31; dana takes it at 100 and
 *	answers at 112: 12 s from the handoff, no breach.
 *   c5: waits at 40 (ann, billing), ann answers at 50: 10 s.  Waits
 *	again at 60 and closes at 101: missed and unanswered at the close,
 *	41 s, not a first wait.
 *   c6: waits at 75 (no team, no agent): breached at 105, missed at 255,
 *	unanswered at the close at 400 (325 s).
 *   c7: waits at 80 (bob, sales), moves to billing at 85 and to erin at
 *	90: breached at 110 for erin and billing; erin answers at 130, 50 s.
 *   c8: json entry at 140 (support), carl answers at 150: 10 s.
 *   c9: waits at 500 (dana, support), never answered: breached at 530,
 *	missed at 680, still waiting.
 */
struct wout {
	int64_t		 off;
	int		 n;		/* the ID's sequence number */
	const char	*conv;
	const char	*kind;
	const char	*agent;
	const char	*team;
	int		 first;
	int64_t		 wait_ms;
};

static const struct wout outcomes1[] = {
	{ 20 * S, 0, "c1", "response", "ann", "sales", 1, 20 * S },
	{ 40 * S, 0, "c2", "frt_breached", "", "sales", 1, 30 * S },
	{ 50 * S, 0, "c5", "response", "ann", "billing", 1, 10 * S },
	{ 51 * S, 0, "c3", "frt_breached", "carl", "support", 1, 30 * S },
	{ 55 * S, 0, "c2", "response", "bob", "sales", 1, 45 * S },
	{ 101 * S, 0, "c5", "missed", "ann", "billing", 0, 41 * S },
	{ 101 * S, 1, "c5", "unanswered", "ann", "billing", 0, 41 * S },
	{ 105 * S, 0, "c6", "frt_breached", "", "", 1, 30 * S },
	{ 110 * S, 0, "c7", "frt_breached", "erin", "billing", 1, 30 * S },
	{ 112 * S, 0, "c4", "response", "dana", "support", 1, 12 * S },
	{ 130 * S, 0, "c7", "response", "erin", "billing", 1, 50 * S },
	{ 150 * S, 0, "c8", "response", "carl", "support", 1, 10 * S },
	{ 201 * S, 0, "c3", "missed", "carl", "support", 1, 180 * S },
	{ 221 * S, 0, "c3", "response", "carl", "support", 1, 200 * S },
	{ 255 * S, 0, "c6", "missed", "", "", 1, 180 * S },
	{ 400 * S, 0, "c6", "unanswered", "", "", 1, 325 * S },
	{ 530 * S, 0, "c9", "frt_breached", "dana", "support", 1, 30 * S },
	{ 680 * S, 0, "c9", "missed", "dana", "support", 1, 180 * S },
};

#define NOUT1	(sizeof(outcomes1) / sizeof(outcomes1[0]))

/* The METRICS fields in the snapshot's order; NIL expects null. */
#define NMETRIC	18
#define NIL	NAN

static const char *const mnames[NMETRIC] = {
	"responses", "first_responses", "frt_avg_s", "frt_p50_s",
	"frt_p90_s", "frt_max_s", "frt_within", "frt_breached", "frt_rate",
	"art_avg_s", "art_p50_s", "art_p90_s", "art_p99_s", "art_max_s",
	"within", "missed", "rate", "unanswered"
};

/* Percentiles: within 3 % or 1 s (nearest rank: ceil(q n)-th sample). */
static int
is_pct(int i)
{
	return (i == 3 || i == 4 || i == 10 || i == 11 || i == 12);
}

struct wscope {
	const char	*path;		/* in the snapshot */
	int		 waiting;
	double		 m[NMETRIC];
};

/*
 * Every outcome is within the last hour, so the "3600" and "86400"
 * windows agree; the "300" window is empty.
 *
 * global: responses 20, 10, 45, 12, 50, 10, 200 s, all first: 7, sum
 *	347, p50 the 4th (20), p90 and p99 the 7th (200).  First waits:
 *	within 30 s c1 c5 c4 c8, breached c2 c3 c6 c7 c9: 4/9.  Within
 *	180 s: c1 c5 c2 c4 c7 c8 = 6; missed c3, c5's second, c6, c9 = 4:
 *	0.6.  Unanswered c5 c6.  Waiting: c9.
 * sales: c1 (ann 20), c2 (bob 45, breached).
 * billing: c5 (ann 10, then missed and unanswered), c7 (erin 50,
 *	breached).
 * support: c3 (carl 200, breached, missed), c4 (dana 12), c8 (carl 10),
 *	c9 (dana: breached, missed, waiting).
 * ann: c1 20, c5 10, c5's miss and unanswered.  bob: c2 45 (the breach
 *	went to nobody).  carl: c8 10, c3 200, c3's breach and miss.
 *	dana: c4 12, c9's breach and miss.  erin: c7 50 and its breach.
 */
static const struct wscope scopes1[] = {
	{ "global", 1, { 7, 7, 347.0 / 7, 20, 200, 200, 4, 5, 4.0 / 9,
	    347.0 / 7, 20, 200, 200, 200, 6, 4, 0.6, 2 } },
	{ "teams.sales", 0, { 2, 2, 32.5, 20, 45, 45, 1, 1, 0.5,
	    32.5, 20, 45, 45, 45, 2, 0, 1, 0 } },
	{ "teams.billing", 0, { 2, 2, 30, 10, 50, 50, 1, 1, 0.5,
	    30, 10, 50, 50, 50, 2, 1, 2.0 / 3, 1 } },
	{ "teams.support", 1, { 3, 3, 74, 12, 200, 200, 2, 2, 0.5,
	    74, 12, 200, 200, 200, 2, 2, 0.5, 0 } },
	{ "agents.ann", 0, { 2, 2, 15, 10, 20, 20, 2, 0, 1,
	    15, 10, 20, 20, 20, 2, 1, 2.0 / 3, 1 } },
	{ "agents.bob", 0, { 1, 1, 45, 45, 45, 45, 0, 0, NIL,
	    45, 45, 45, 45, 45, 1, 0, 1, 0 } },
	{ "agents.carl", 0, { 2, 2, 105, 10, 200, 200, 1, 1, 0.5,
	    105, 10, 200, 200, 200, 1, 1, 0.5, 0 } },
	{ "agents.dana", 1, { 1, 1, 12, 12, 12, 12, 1, 1, 0.5,
	    12, 12, 12, 12, 12, 1, 1, 0.5, 0 } },
	{ "agents.erin", 0, { 1, 1, 50, 50, 50, 50, 0, 1, 0,
	    50, 50, 50, 50, 50, 1, 0, 1, 0 } },
};

static const double empty_window[NMETRIC] = {
	0, 0, NIL, NIL, NIL, NIL, 0, 0, NIL,
	NIL, NIL, NIL, NIL, NIL, 0, 0, NIL, 0
};

static void
expect_window(json_t *snap, const char *path, const char *win,
    const double *want)
{
	json_t	*w, *v;
	double	 got, tol;
	int	 i;

	w = json_object_get(snap_path(snap_path(snap, path), "windows"), win);
	cr_assert(json_is_object(w), "%s: no window %s", path, win);
	cr_expect_eq(json_object_size(w), NMETRIC, "%s %s: %zu fields",
	    path, win, json_object_size(w));
	for (i = 0; i < NMETRIC; i++) {
		v = json_object_get(w, mnames[i]);
		if (isnan(want[i])) {
			cr_expect(json_is_null(v), "%s %s %s: want null",
			    path, win, mnames[i]);
			continue;
		}
		if (!json_is_number(v)) {
			cr_expect_fail("%s %s %s: want %g, not a number",
			    path, win, mnames[i], want[i]);
			continue;
		}
		got = json_number_value(v);
		tol = is_pct(i) ? fmax(0.03 * want[i], 1.0) : 1e-6;
		cr_expect(fabs(got - want[i]) <= tol, "%s %s %s: %g, want %g",
		    path, win, mnames[i], got, want[i]);
	}
}

static void
build_trace(struct stream_list *l, const struct tdef *t, size_t n, int64_t base)
{
	const char	*fv[14];
	char		 id[48], ts[32];
	size_t		 i, k;

	for (i = 0; i < n; i++) {
		for (k = 0; k < 12 && t[i].fv[k] != NULL; k++)
			fv[k] = t[i].fv[k];
		snprintf(ts, sizeof(ts), "%lld", (long long)(base + t[i].off));
		if (t[i].ts) {
			fv[k++] = "ts";
			fv[k++] = ts;
		}
		snprintf(id, sizeof(id), "%s-0", ts);
		stream_list_add(l, id, k, fv);
	}
}

/* A dead letter: the source's fields in order, error, source_id. */
static void
expect_dead(const struct stream_entry *d, const struct stream_entry *src,
    const char *error)
{
	char	 sd[512], ss[512];
	size_t	 i;
	int	 ok;

	ok = strcmp(d->id, src->id) == 0 && d->nfv == src->nfv + 4;
	for (i = 0; ok && i < src->nfv; i++)
		ok = strcmp(d->fv[i], src->fv[i]) == 0;
	ok = ok && strcmp(d->fv[i], "error") == 0 &&
	    strcmp(d->fv[i + 1], error) == 0 &&
	    strcmp(d->fv[i + 2], "source_id") == 0 &&
	    strcmp(d->fv[i + 3], src->id) == 0;
	cr_expect(ok, "dead letter %s, want %s + error=%s source_id=%s",
	    stream_entry_str(d, sd, sizeof(sd)),
	    stream_entry_str(src, ss, sizeof(ss)), error, src->id);
}

static void
expect_outcome(const struct stream_entry *e, int64_t base, const struct wout *w)
{
	static const char *const names[] = { "conversation", "kind", "agent",
	    "team", "first", "wait_ms", "ts_ms" };
	const char	*vals[7];
	char		 id[48], first[4], wait[32], ts[32], s[512];
	size_t		 i;
	int		 ok;

	snprintf(id, sizeof(id), "%lld-%d", (long long)(base + w->off), w->n);
	snprintf(first, sizeof(first), "%d", w->first);
	snprintf(wait, sizeof(wait), "%lld", (long long)w->wait_ms);
	snprintf(ts, sizeof(ts), "%lld", (long long)(base + w->off));
	vals[0] = w->conv;
	vals[1] = w->kind;
	vals[2] = w->agent;
	vals[3] = w->team;
	vals[4] = first;
	vals[5] = wait;
	vals[6] = ts;
	ok = strcmp(e->id, id) == 0 && e->nfv == 14;
	for (i = 0; ok && i < 7; i++)
		ok = strcmp(e->fv[2 * i], names[i]) == 0 &&
		    strcmp(e->fv[2 * i + 1], vals[i]) == 0;
	cr_expect(ok, "outcome %s, want %s {conversation=%s, kind=%s, "
	    "agent=%s, team=%s, first=%s, wait_ms=%s, ts_ms=%s}",
	    stream_entry_str(e, s, sizeof(s)), id, vals[0], vals[1], vals[2],
	    vals[3], vals[4], vals[5], vals[6]);
}

struct trace_done {
	long long		 dead;
	struct snap_settle	 s;
};

static int
cond_trace_done(void *arg)
{
	struct trace_done	*a = arg;

	if (fx_xlen("cs:events:dead") < a->dead)
		return (rdaemon_alive(a->s.d) ? 0 : -1);
	return (snap_settled(&a->s));
}

Test(daemon, trace)
{
	struct stream_list	 in = { 0 }, dead = { 0 }, out = { 0 };
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct trace_done td;
	const struct stream_entry *src;
	json_t		*snap, *sc, *t;
	char		 late_id[64], lts[32];
	int64_t		 base, clock;
	size_t		 i, j, k;

	base = (now_wall_ms() / 1000 - 1800) * 1000;
	fx_start_redis(0);
	build_trace(&in, trace1, NTRACE1, base);
	cr_assert_eq(stream_add_list(fx.rc, "cs:events", &in, 0, in.n), 0);
	fx_start_daemon(&fx.dm[0], "cs.json", NULL, NULL);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "reading the trace");

	/* caught up, the clock is the wall clock: 10 minutes ago is late */
	snprintf(lts, sizeof(lts), "%lld",
	    (long long)(now_wall_ms() - 10 * MIN));
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", late_id,
	    sizeof(late_id), "conversation", "c10", "role", "customer", "ts",
	    lts, (char *)NULL), 0);
	stream_list_add(&in, late_id, 6, (const char *const []){ "conversation",
	    "c10", "role", "customer", "ts", lts });
	td.dead = 5;
	td.s = (struct snap_settle){ fx.rc, "cs", base + 680 * S,
	    (long long)NOUT1, &fx.dm[0] };
	FX_WAIT(cond_trace_done, &td, 10000, "5 dead letters and %zu outcomes",
	    NOUT1);

	/* dead letters, in stream order, once each */
	cr_assert_eq(stream_read(fx.rc, "cs:events:dead", &dead), 0);
	cr_expect_eq(dead.n, 5, "%zu dead letters", dead.n);
	for (i = j = 0; i < NTRACE1 && j < dead.n; i++)
		if (trace1[i].bad != NULL)
			expect_dead(&dead.e[j++], &in.e[i], trace1[i].bad);
	src = &in.e[in.n - 1];
	if (dead.n == 5)
		expect_dead(&dead.e[4], src, "late");

	/* outcomes, in stamp order, IDs <ts_ms>-<n> */
	cr_assert_eq(stream_read(fx.rc, "cs:outcomes", &out), 0);
	cr_expect_eq(out.n, NOUT1, "%zu outcomes, want %zu", out.n, NOUT1);
	for (i = 0; i < out.n && i < NOUT1; i++)
		expect_outcome(&out.e[i], base, &outcomes1[i]);

	/* the snapshot */
	snap = snap_get(fx.rc, "cs");
	cr_assert_not_null(snap);
	cr_expect_eq(json_integer_value(json_object_get(snap, "version")), 1);
	t = json_pack("[i, i, i]", 300, 3600, 86400);
	cr_expect(json_equal(json_object_get(snap, "windows_s"), t));
	json_decref(t);
	cr_expect_float_eq(json_number_value(snap_path(snap,
	    "targets.first_response_s")), 30, 1e-9);
	cr_expect_float_eq(json_number_value(snap_path(snap,
	    "targets.average_response_s")), 90, 1e-9);
	cr_expect_float_eq(json_number_value(snap_path(snap,
	    "targets.response_within_s")), 180, 1e-9);
	cr_expect_float_eq(json_number_value(snap_path(snap,
	    "targets.response_rate")), 0.95, 1e-9);
	cr_expect(json_is_number(json_object_get(snap, "generated_ms")));
	clock = (int64_t)json_number_value(json_object_get(snap, "clock_ms"));
	cr_expect_geq(clock, now_wall_ms() - 10 * S, "clock %lld is not the "
	    "wall clock minus 2 s", (long long)clock);
	cr_expect_eq(json_object_size(json_object_get(snap, "teams")), 3);
	cr_expect_eq(json_object_size(json_object_get(snap, "agents")), 5);
	for (k = 0; k < sizeof(scopes1) / sizeof(scopes1[0]); k++) {
		sc = snap_path(snap, scopes1[k].path);
		cr_expect_not_null(sc, "no %s in the snapshot",
		    scopes1[k].path);
		if (sc == NULL)
			continue;
		expect_window(snap, scopes1[k].path, "3600", scopes1[k].m);
		expect_window(snap, scopes1[k].path, "86400", scopes1[k].m);
		expect_window(snap, scopes1[k].path, "300", empty_window);
		cr_expect_eq(json_integer_value(json_object_get(sc,
		    "waiting")), scopes1[k].waiting, "%s waiting",
		    scopes1[k].path);
		if (scopes1[k].waiting == 0)
			cr_expect(json_is_null(json_object_get(sc,
			    "oldest_wait_s")), "%s oldest_wait_s",
			    scopes1[k].path);
		else	/* c9, waiting since base + 500 s */
			cr_expect_float_eq(json_number_value(
			    json_object_get(sc, "oldest_wait_s")),
			    (double)(clock - base - 500 * S) / 1000, 1e-3,
			    "%s oldest_wait_s", scopes1[k].path);
	}
	json_decref(snap);
	stream_list_free(&in);
	stream_list_free(&dead);
	stream_list_free(&out);
	fx.done = 1;
}

/* A "name=" value from a name=value line, or -1. */
static long long
summary_get(const char *line, const char *name)
{
	const char	*p = line;
	size_t		 n = strlen(name);

	while ((p = strstr(p, name)) != NULL) {
		if ((p == line || p[-1] == ' ') && p[n] == '=')
			return (atoll(p + n + 1));
		p += n;
	}
	return (-1);
}

/*
 * The traffic generator feeding the daemon: an hour of chat with bad and
 * late entries mixed in.  Exactly the entries the generator says it made
 * bad or late are dead-lettered, the late ones as late.
 */
Test(daemon, generator_traffic)
{
	struct stream_list	 dead = { 0 };
	const char		*gen = getenv("REPLYTIME_GEN_BIN");
	char			 cmd[PATH_MAX + 256], line[1024] = "";
	long long		 bad, late, nlate = 0;
	int64_t			 t;
	size_t			 i;
	FILE			*p;

	fx_start_redis(0);
	snprintf(cmd, sizeof(cmd), "%s -p %d --backlog 1 --count 30000 "
	    "--seed 11 --bad-share 0.01 --late-share 0.005 --agents 40 "
	    "--teams 4", gen != NULL && *gen != '\0' ? gen :
	    "build/replytime-gen", fx.srv.port);
	cr_assert_not_null(p = popen(cmd, "r"));
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	cr_assert_eq(pclose(p), 0, "%s failed: %s", cmd, line);
	bad = summary_get(line, "bad");
	late = summary_get(line, "late");
	cr_assert(bad > 100 && late > 50, "summary: %s", line);
	t = now_wall_ms();

	fx_start_daemon(&fx.dm[0], "cs.json", NULL, NULL);
	cr_assert_eq(fx_wait_settled("cs", t - 3 * S, 1000, &fx.dm[0], 20000),
	    1, "not settled (daemon %s)", fx_dstate(&fx.dm[0]));
	cr_assert_eq(stream_read(fx.rc, "cs:events:dead", &dead), 0);
	cr_expect_eq((long long)dead.n, bad + late, "%zu dead letters for "
	    "%lld bad and %lld late entries", dead.n, bad, late);
	for (i = 0; i < dead.n; i++)
		if (strcmp(stream_field(&dead.e[i], "error"), "late") == 0)
			nlate++;
	cr_expect_eq(nlate, late);
	stream_list_free(&dead);
	fx.done = 1;
}
