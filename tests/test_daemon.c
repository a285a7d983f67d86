/*
 * The daemon against a real redis-server (CONTRACT sections 1, 2, 4, 5
 * and 7): dead letters, outcomes and the snapshot of a hand-built trace,
 * crash and Redis restarts, SIGHUP, SIGTERM and systemd notifications.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <math.h>
#include <poll.h>

#include <criterion/criterion.h>

#include "daemon_fixture.h"

TestSuite(daemon, .init = setup, .fini = teardown, .timeout = 300);

static long long
xlen(const char *key)
{
	return (stream_len(rc, key));
}

/* "id {name=value, ...}" for messages. */
static const char *
entry_str(const struct sentry *e, char *buf, size_t len)
{
	size_t	 i, n;

	n = (size_t)snprintf(buf, len, "%s {", e->id);
	for (i = 0; i + 1 < e->nfv && n < len; i += 2)
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s",
		    i > 0 ? ", " : "", e->fv[i], e->fv[i + 1]);
	if (n < len)
		snprintf(buf + n, len - n, "}");
	return (buf);
}

static int
entry_eq(const struct sentry *a, const struct sentry *b)
{
	size_t	 i;

	if (strcmp(a->id, b->id) != 0 || a->nfv != b->nfv)
		return (0);
	for (i = 0; i < a->nfv; i++)
		if (strcmp(a->fv[i], b->fv[i]) != 0)
			return (0);
	return (1);
}

/* Two streams hold the same entries: IDs, fields and their order. */
static void
expect_streams_equal(const char *ka, const char *kb)
{
	struct slist	 a = { 0 }, b = { 0 };
	char		 sa[512], sb[512];
	size_t		 i, bad = 0;

	cr_assert_eq(read_stream(rc, ka, &a), 0);
	cr_assert_eq(read_stream(rc, kb, &b), 0);
	cr_expect_eq(a.n, b.n, "%s has %zu entries, %s has %zu", ka, a.n,
	    kb, b.n);
	for (i = 0; i < a.n && i < b.n && bad < 3; i++) {
		if (entry_eq(&a.e[i], &b.e[i]))
			continue;
		cr_expect_fail("entry %zu differs: %s %s, %s %s", i, ka,
		    entry_str(&a.e[i], sa, sizeof(sa)), kb,
		    entry_str(&b.e[i], sb, sizeof(sb)));
		bad++;
	}
	slist_free(&a);
	slist_free(&b);
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

	a = get_snapshot(rc, pa);
	b = get_snapshot(rc, pb);
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
 * Runs `replytimed -c path --check-config`: its exit status, and the
 * first line it printed in msg.
 */
static int
run_check(const char *path, char *msg, size_t len)
{
	struct rh_argv	 a = { .n = 0 };
	char		 out[PATH_MAX], *buf;
	pid_t		 pid;
	int		 st;

	snprintf(out, sizeof(out), "%s/check.out", srv.dir);
	unlink(out);
	rh_arg(&a, rh_daemon_bin());
	rh_arg(&a, "-c");
	rh_arg(&a, path);
	rh_arg(&a, "--check-config");
	pid = rh_spawn(a.v[0], a.v, NULL, 0, out);
	rh_argv_free(&a);
	cr_assert_neq(pid, -1, "cannot run %s", rh_daemon_bin());
	if (rh_reap(pid, 5000, &st) != 1) {
		kill(pid, SIGKILL);
		rh_reap(pid, 5000, NULL);
		cr_assert_fail("--check-config did not exit");
	}
	msg[0] = '\0';
	if ((buf = rh_read_file(out)) != NULL) {
		snprintf(msg, len, "%.*s", (int)strcspn(buf, "\n"), buf);
		free(buf);
	}
	return (rh_exit_code(st));
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

static uint32_t
lcg(uint64_t *x, uint32_t n)
{
	*x = *x * 6364136223846793005ULL + 1442695040888963407ULL;
	return ((uint32_t)((*x >> 33) % n));
}

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
gen_trace(struct slist *out, uint64_t seed, int64_t start, int64_t end,
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
		hasteam = lcg(&x, 6) < 5;
		snprintf(team, sizeof(team), "t%u", lcg(&x, 5));
		hasagent = lcg(&x, 3) == 0;
		snprintf(agent, sizeof(agent), "a%02u", lcg(&x, 40));
		m = 0;
		t = start + lcg(&x, (uint32_t)((end - start) * 3 / 5));
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
		rounds = 1 + (int)lcg(&x, 4);
		for (r = 0; r < rounds; r++) {
			if (lcg(&x, 3) == 0) {		/* one more line */
				t += 1000 + lcg(&x, 20000);
				snprintf(mid, sizeof(mid), "m%d", m++);
				n = 0;
				F("conversation", conv);
				F("role", "customer");
				F("message_id", mid);
				gen_push(&g, t, end, fv, n);
			}
			if (lcg(&x, 30) == 0) {		/* a resend */
				t += 1 + lcg(&x, 3000);
				n = 0;
				F("conversation", conv);
				F("role", "customer");
				F("message_id", mid);
				gen_push(&g, t, end, fv, n);
			}
			k = lcg(&x, 5) == 0 ? (int)lcg(&x, 8) : -1;
			if (k >= 0) {			/* the bot answers */
				t += 500 + lcg(&x, 5000);
				n = 0;
				F("conversation", conv);
				F("role", "bot");
				gen_push(&g, t, end, fv, n);
				if (k == 0)		/* and settles it */
					break;
				if (k > 1) {		/* a handoff */
					t += lcg(&x, gap);
					snprintf(agent, sizeof(agent), "a%02u",
					    lcg(&x, 40));
					hasagent = 1;
					n = 0;
					F("conversation", conv);
					F("type", "assign");
					F("agent", agent);
					gen_push(&g, t, end, fv, n);
				}
			}
			if (lcg(&x, 10) == 0) {		/* reassigned */
				t += lcg(&x, gap / 2);
				snprintf(agent, sizeof(agent), "a%02u",
				    lcg(&x, 40));
				hasagent = 1;
				n = 0;
				F("conversation", conv);
				F("type", "assign");
				F("agent", agent);
				gen_push(&g, t, end, fv, n);
			}
			if (lcg(&x, 20) == 0) {		/* moved to a team */
				t += lcg(&x, 5000);
				snprintf(team, sizeof(team), "t%u",
				    lcg(&x, 5));
				hasteam = 1;
				n = 0;
				F("conversation", conv);
				F("role", "system");
				F("team", team);
				gen_push(&g, t, end, fv, n);
			}
			if (lcg(&x, 8) != 0) {		/* a reply */
				t += lcg(&x, gap);
				snprintf(other, sizeof(other), "a%02u",
				    lcg(&x, 40));
				snprintf(mid, sizeof(mid), "m%d", m++);
				n = 0;
				F("conversation", conv);
				F("role", "agent");
				F("agent", hasagent && lcg(&x, 4) != 0 ?
				    agent : other);
				F("message_id", mid);
				gen_push(&g, t, end, fv, n);
				if (lcg(&x, 4) == 0) {	/* and a follow-up */
					t += lcg(&x, 10000);
					snprintf(mid, sizeof(mid), "m%d", m++);
					fv[7] = mid;
					gen_push(&g, t, end, fv, n);
				}
			}
			if (lcg(&x, 100) == 0) {	/* a broken entry */
				t += 1;
				n = 0;
				F("conversation", conv);
				F("role", "robot");
				gen_push(&g, t, end, fv, n);
			}
			if (t > end - 3 * (int64_t)gap)
				break;
			t += 5000 + lcg(&x, gap);
			snprintf(mid, sizeof(mid), "m%d", m++);
			n = 0;
			F("conversation", conv);
			F("role", "customer");
			F("message_id", mid);
			gen_push(&g, t, end, fv, n);
		}
		t += lcg(&x, 60000);
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
		slist_add(out, id, g.v[i].nfv, (const char *const *)g.v[i].fv);
		for (j = 0; j < g.v[i].nfv; j++)
			free(g.v[i].fv[j]);
	}
	free(g.v);
}

#undef F

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

/* The METRICS fields in CONTRACT order; NIL expects null. */
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

	w = json_object_get(json_path(json_path(snap, path), "windows"), win);
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
build_trace(struct slist *l, const struct tdef *t, size_t n, int64_t base)
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
		slist_add(l, id, k, fv);
	}
}

/* A dead letter: the source's fields in order, error, source_id. */
static void
expect_dead(const struct sentry *d, const struct sentry *src,
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
	    entry_str(d, sd, sizeof(sd)), entry_str(src, ss, sizeof(ss)),
	    error, src->id);
}

static void
expect_outcome(const struct sentry *e, int64_t base, const struct wout *w)
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
	    entry_str(e, s, sizeof(s)), id, vals[0], vals[1], vals[2],
	    vals[3], vals[4], vals[5], vals[6]);
}

struct trace_done {
	long long	 dead;
	struct settle	 s;
};

static int
cond_trace_done(void *arg)
{
	struct trace_done	*a = arg;

	if (xlen("cs:events:dead") < a->dead)
		return (daemon_alive(a->s.d) ? 0 : -1);
	return (settled(&a->s));
}

Test(daemon, trace)
{
	struct slist	 in = { 0 }, dead = { 0 }, out = { 0 };
	struct cu	 cu = { "cs", &dm[0] };
	struct trace_done td;
	const struct sentry *src;
	json_t		*snap, *sc, *t;
	char		 late_id[64], lts[32];
	int64_t		 base, clock;
	size_t		 i, j, k;

	base = (rh_now_ms() / 1000 - 1800) * 1000;
	start_redis(0);
	build_trace(&in, trace1, NTRACE1, base);
	cr_assert_eq(xadd_list(rc, "cs:events", &in, 0, in.n), 0);
	start_daemon(&dm[0], "cs.json", NULL, NULL);
	WAIT(cond_caught_up, &cu, 10000, "reading the trace");

	/* caught up, the clock is the wall clock: 10 minutes ago is late */
	snprintf(lts, sizeof(lts), "%lld", (long long)(rh_now_ms() - 10 * MIN));
	cr_assert_eq(xadd(rc, "cs:events", "*", late_id, sizeof(late_id),
	    "conversation", "c10", "role", "customer", "ts", lts,
	    (char *)NULL), 0);
	slist_add(&in, late_id, 6, (const char *const []){ "conversation",
	    "c10", "role", "customer", "ts", lts });
	td.dead = 5;
	td.s = (struct settle){ rc, "cs", base + 680 * S, (long long)NOUT1,
	    &dm[0] };
	WAIT(cond_trace_done, &td, 10000, "5 dead letters and %zu outcomes",
	    NOUT1);

	/* dead letters, in stream order, once each */
	cr_assert_eq(read_stream(rc, "cs:events:dead", &dead), 0);
	cr_expect_eq(dead.n, 5, "%zu dead letters", dead.n);
	for (i = j = 0; i < NTRACE1 && j < dead.n; i++)
		if (trace1[i].bad != NULL)
			expect_dead(&dead.e[j++], &in.e[i], trace1[i].bad);
	src = &in.e[in.n - 1];
	if (dead.n == 5)
		expect_dead(&dead.e[4], src, "late");

	/* outcomes, in stamp order, IDs <ts_ms>-<n> */
	cr_assert_eq(read_stream(rc, "cs:outcomes", &out), 0);
	cr_expect_eq(out.n, NOUT1, "%zu outcomes, want %zu", out.n, NOUT1);
	for (i = 0; i < out.n && i < NOUT1; i++)
		expect_outcome(&out.e[i], base, &outcomes1[i]);

	/* the snapshot */
	snap = get_snapshot(rc, "cs");
	cr_assert_not_null(snap);
	cr_expect_eq(json_integer_value(json_object_get(snap, "version")), 1);
	t = json_pack("[i, i, i]", 300, 3600, 86400);
	cr_expect(json_equal(json_object_get(snap, "windows_s"), t));
	json_decref(t);
	cr_expect_float_eq(json_number_value(json_path(snap,
	    "targets.first_response_s")), 30, 1e-9);
	cr_expect_float_eq(json_number_value(json_path(snap,
	    "targets.average_response_s")), 90, 1e-9);
	cr_expect_float_eq(json_number_value(json_path(snap,
	    "targets.response_within_s")), 180, 1e-9);
	cr_expect_float_eq(json_number_value(json_path(snap,
	    "targets.response_rate")), 0.95, 1e-9);
	cr_expect(json_is_number(json_object_get(snap, "generated_ms")));
	clock = (int64_t)json_number_value(json_object_get(snap, "clock_ms"));
	cr_expect_geq(clock, rh_now_ms() - 10 * S, "clock %lld is not the "
	    "wall clock minus 2 s", (long long)clock);
	cr_expect_eq(json_object_size(json_object_get(snap, "teams")), 3);
	cr_expect_eq(json_object_size(json_object_get(snap, "agents")), 5);
	for (k = 0; k < sizeof(scopes1) / sizeof(scopes1[0]); k++) {
		sc = json_path(snap, scopes1[k].path);
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
	slist_free(&in);
	slist_free(&dead);
	slist_free(&out);
	done = 1;
}

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
	int64_t		 end = rh_mono_ms() + rh_scaled(20000);
	long long	 n;
	int		 mid;

	while ((n = xlen("cs:outcomes")) < at) {
		cr_assert(daemon_alive(d), "the daemon exited (status %d) "
		    "with %lld outcomes written", d->status, n);
		cr_assert_lt(rh_mono_ms(), end, "only %lld outcomes after "
		    "20 s, waiting for %lld", n, at);
		rh_sleep_ms(1);
	}
	daemon_kill9(d);
	n = xlen("cs:outcomes");
	mid = n < total && !caught_up(rc, "cs");
	cr_log_info("killed at %lld of %lld outcomes, %s", n, total,
	    mid ? "mid-backlog" : "after the backlog was read");
	return (mid);
}

Test(daemon, kill_and_restart)
{
	struct slist	 trace = { 0 };
	int64_t		 start, end;
	long long	 nref;
	int		 mid = 0, r;

	/* 45 minutes of chat ending 10 minutes ago */
	start = (rh_now_ms() / 1000 - 55 * 60) * 1000;
	end = start + 45 * MIN;
	gen_trace(&trace, 0x5eedULL, start, end, 5000, 240000);
	cr_log_info("kill_and_restart: %zu events", trace.n);
	start_redis(0);
	cr_assert_eq(xadd_list(rc, "ref:events", &trace, 0, trace.n), 0);
	cr_assert_eq(xadd_list(rc, "cs:events", &trace, 0, trace.n), 0);
	slist_free(&trace);

	/* the reference: one run that never stops */
	start_daemon(&dm[0], "ref.json", "\"redis\": {\"prefix\": \"ref\"}, "
	    KILL_RULES, NULL);
	r = wait_settled("ref", end, 1, &dm[0], 30000);
	cr_assert_eq(r, 1, "the reference run did not settle (daemon %s)",
	    dstate(&dm[0]));
	nref = xlen("ref:outcomes");
	cr_log_info("reference: %lld outcomes", nref);
	daemon_signal(&dm[0], SIGTERM);
	cr_expect_eq(daemon_wait_exit(&dm[0], 5000), 0, "SIGTERM: %s",
	    dstate(&dm[0]));

	/* the same backlog in small reads, killed twice on the way */
	start_daemon(&dm[1], "cs.json", "\"ingest\": {\"read_count\": 50}, "
	    KILL_RULES, NULL);
	mid += kill_at(&dm[1], nref / 4, nref);
	cr_assert_eq(daemon_restart(&dm[1]), 0);
	mid += kill_at(&dm[1], nref * 2 / 3, nref);
	cr_assert_eq(daemon_restart(&dm[1]), 0);
	r = wait_settled("cs", end, nref, &dm[1], 30000);
	cr_expect_eq(r, 1, "the restarted run did not settle (daemon %s): "
	    "%lld outcomes, want %lld", dstate(&dm[1]), xlen("cs:outcomes"),
	    nref);
	rh_sleep_ms(300);		/* time for a stray duplicate */
	expect_streams_equal("cs:outcomes", "ref:outcomes");
	expect_streams_equal("cs:events:dead", "ref:events:dead");
	/* overdue alerts fire and resolve along the backlog */
	cr_expect_gt(xlen("ref:alerts"), 100, "the reference wrote %lld "
	    "alert transitions", xlen("ref:alerts"));
	expect_streams_equal("cs:alerts", "ref:alerts");
	expect_snapshots_equal("cs", "ref");
	cr_expect_gt(mid, 0, "both kills came after the backlog was read: "
	    "the restart was not tested mid-backlog");
	done = 1;
}

Test(daemon, redis_restart)
{
	struct slist	 trace = { 0 };
	struct cu	 cu = { "cs", &dm[0] };
	char		 id[48], ts[32];
	int64_t		 l, end, tick, halfts;
	size_t		 half;
	int		 r;

	/*
	 * Live traffic: timestamps from 20 s ahead (within max_future_ms),
	 * so nothing is late when the daemon reads it as it arrives.  A
	 * last close of an unknown conversation moves the watermark past
	 * every wait of the trace.
	 */
	l = (rh_now_ms() / 1000 + 20) * 1000;
	end = l + 200 * S;
	tick = end + 5 * S;
	gen_trace(&trace, 0xfeedULL, l, end, 200, 60000);
	snprintf(ts, sizeof(ts), "%lld", (long long)tick);
	snprintf(id, sizeof(id), "%s-0", ts);
	slist_add(&trace, id, 6, (const char *const []){ "conversation",
	    "zz-tick", "type", "close", "ts", ts });
	half = trace.n / 2;
	halfts = atoll(sentry_get(&trace.e[half - 1], "ts"));

	start_redis(1);
	start_daemon(&dm[0], "cs.json", NULL, NULL);
	WAIT(cond_caught_up, &cu, 10000, "the group on an empty stream");
	cr_assert_eq(xadd_list(rc, "cs:events", &trace, 0, half), 0);
	r = wait_settled("cs", halfts - 2 * S, 1, &dm[0], 10000);
	cr_assert_eq(r, 1, "the first half did not settle (daemon %s)",
	    dstate(&dm[0]));
	cr_log_info("redis_restart: %zu events, %lld outcomes before the "
	    "restart", trace.n, xlen("cs:outcomes"));

	redisFree(rc);
	rc = NULL;
	rserver_stop(&srv);
	rh_sleep_ms(300);
	cr_assert_eq(rserver_restart(&srv), 0, "redis-server did not "
	    "restart");
	cr_assert_not_null(rc = rserver_connect(&srv));
	cr_assert_eq(xlen("cs:events"), (long long)half, "the AOF lost "
	    "events");
	cr_assert_eq(xadd_list(rc, "cs:events", &trace, half, trace.n), 0);
	r = wait_settled("cs", tick - 2 * S, 1, &dm[0], 20000);
	cr_expect_eq(r, 1, "the second half did not settle (daemon %s)",
	    dstate(&dm[0]));

	/* the reference: the whole trace, another prefix, one run */
	cr_assert_eq(xadd_list(rc, "ref:events", &trace, 0, trace.n), 0);
	start_daemon(&dm[1], "ref.json", "\"redis\": {\"prefix\": \"ref\"}",
	    NULL);
	r = wait_settled("ref", tick - 2 * S, 1, &dm[1], 20000);
	cr_assert_eq(r, 1, "the reference did not settle (daemon %s)",
	    dstate(&dm[1]));
	expect_streams_equal("cs:outcomes", "ref:outcomes");
	expect_streams_equal("cs:events:dead", "ref:events:dead");
	expect_streams_equal("cs:alerts", "ref:alerts");
	expect_snapshots_equal("cs", "ref");
	cr_expect(daemon_alive(&dm[0]), "daemon %s", dstate(&dm[0]));
	slist_free(&trace);
	done = 1;
}

struct logwait {
	struct rdaemon	*d;
	const char	*a;
	const char	*b;
};

static int
cond_log(void *arg)
{
	struct logwait	*w = arg;

	if (daemon_log_has(w->d, w->a, w->b, (char *)NULL))
		return (1);
	return (daemon_alive(w->d) ? 0 : -1);
}

struct lenwait {
	const char	*key;
	long long	 n;
};

static int
cond_len(void *arg)
{
	struct lenwait	*w = arg;

	return (xlen(w->key) >= w->n);
}

struct targetwait {
	double	 within;
	int64_t	 clock;
};

static int
cond_target(void *arg)
{
	struct targetwait	*w = arg;
	json_t			*snap;
	int			 ok;

	if ((snap = get_snapshot(rc, "cs")) == NULL)
		return (0);
	ok = json_number_value(json_path(snap, "targets.response_within_s"))
	    == w->within && json_number_value(json_object_get(snap,
	    "clock_ms")) >= (double)w->clock;
	json_decref(snap);
	return (ok);
}

Test(daemon, bad_sighup_refused)
{
	struct slist	 out = { 0 };
	struct cu	 cu = { "cs", &dm[0] };
	struct logwait	 lw;
	struct lenwait	 len = { "cs:outcomes", 0 };
	struct targetwait tw;
	char		 path[PATH_MAX], msg[512], t1[32], t2[32], t3[32];
	int64_t		 t;

	start_redis(0);
	start_daemon(&dm[0], "cs.json", NULL, NULL);
	WAIT(cond_caught_up, &cu, 10000, "the group on an empty stream");

	/* a broken file in its place; --check-config says why */
	cr_assert_eq(write_config(path, sizeof(path), srv.dir, "cs.json",
	    srv.port, "\"targets\": {\"response_within_s\": -5}"), 0);
	cr_assert_eq(run_check(path, msg, sizeof(msg)), 2, "%s", msg);
	cr_assert(strstr(msg, "targets.response_within_s") != NULL, "%s",
	    msg);
	daemon_signal(&dm[0], SIGHUP);
	lw = (struct logwait){ &dm[0], "reload refused", msg };
	WAIT(cond_log, &lw, 5000, "a log line \"reload refused\" with "
	    "\"%s\"", msg);

	/*
	 * It still reads: a 0.5 s response, slightly in the future, and a
	 * later close of another conversation to move the watermark.
	 */
	t = (rh_now_ms() / 1000 + 1) * 1000;
	snprintf(t1, sizeof(t1), "%lld", (long long)t);
	snprintf(t2, sizeof(t2), "%lld", (long long)(t + 500));
	snprintf(t3, sizeof(t3), "%lld", (long long)(t + 4 * S));
	cr_assert_eq(xadd(rc, "cs:events", "*", NULL, 0, "conversation",
	    "r1", "role", "customer", "ts", t1, (char *)NULL), 0);
	cr_assert_eq(xadd(rc, "cs:events", "*", NULL, 0, "conversation",
	    "r1", "role", "agent", "agent", "ann", "ts", t2, (char *)NULL), 0);
	cr_assert_eq(xadd(rc, "cs:events", "*", NULL, 0, "conversation",
	    "zz-1", "type", "close", "ts", t3, (char *)NULL), 0);
	len.n = 1;
	WAIT(cond_len, &len, 5000, "the response after the refused reload");
	tw = (struct targetwait){ 180, t + 2 * S };
	WAIT(cond_target, &tw, 5000, "a snapshot still with the old target");

	/* a good file: the new target holds for new waits */
	cr_assert_eq(write_config(path, sizeof(path), srv.dir, "cs.json",
	    srv.port, "\"targets\": {\"response_within_s\": 60}"), 0);
	cr_assert_eq(run_check(path, msg, sizeof(msg)), 0, "%s", msg);
	daemon_signal(&dm[0], SIGHUP);
	lw = (struct logwait){ &dm[0], "reloaded", NULL };
	WAIT(cond_log, &lw, 5000, "a log line \"reloaded\"");
	tw = (struct targetwait){ 60, 0 };
	WAIT(cond_target, &tw, 5000, "a snapshot with the new target");
	/* ahead of both the watermark (t + 2 s) and the wall clock */
	t = t + 5 * S > rh_now_ms() + S ? t + 5 * S : rh_now_ms() + S;
	snprintf(t1, sizeof(t1), "%lld", (long long)t);
	snprintf(t3, sizeof(t3), "%lld", (long long)(t + 64 * S));
	cr_assert_eq(xadd(rc, "cs:events", "*", NULL, 0, "conversation",
	    "r2", "role", "customer", "ts", t1, (char *)NULL), 0);
	cr_assert_eq(xadd(rc, "cs:events", "*", NULL, 0, "conversation",
	    "zz-2", "type", "close", "ts", t3, (char *)NULL), 0);
	len.n = 3;
	WAIT(cond_len, &len, 5000, "r2's breach and miss");
	cr_assert_eq(read_stream(rc, "cs:outcomes", &out), 0);
	cr_assert_eq(out.n, 3);
	cr_expect_str_eq(sentry_get(&out.e[0], "kind"), "response");
	cr_expect_str_eq(sentry_get(&out.e[0], "wait_ms"), "500");
	cr_expect_str_eq(sentry_get(&out.e[1], "conversation"), "r2");
	cr_expect_str_eq(sentry_get(&out.e[1], "kind"), "frt_breached");
	cr_expect_str_eq(sentry_get(&out.e[1], "wait_ms"), "30000");
	cr_expect_str_eq(sentry_get(&out.e[2], "conversation"), "r2");
	cr_expect_str_eq(sentry_get(&out.e[2], "kind"), "missed");
	cr_expect_str_eq(sentry_get(&out.e[2], "wait_ms"), "60000",
	    "missed after the reloaded 60 s");
	snprintf(t1, sizeof(t1), "%lld", (long long)(t + 60 * S));
	cr_expect_str_eq(sentry_get(&out.e[2], "ts_ms"), t1);
	cr_expect(daemon_alive(&dm[0]));
	slist_free(&out);
	done = 1;
}

/* The systemd side: lines received on the socket, kept for messages. */
static char	 ntext[4096];

static int
notify_open(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	ntext[0] = '\0';
	return (fd);
}

/*
 * Reads datagrams for up to timeout_ms: returns at the first line equal
 * to want, or counts them all when count is not NULL.
 */
static int
notify_read(int fd, const char *want, int timeout_ms, int *count)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	int64_t		 end = rh_mono_ms() + timeout_ms, left;
	ssize_t		 n;
	char		 buf[1024], *line, *nl;
	size_t		 len;

	while ((left = end - rh_mono_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		for (line = buf; line != NULL; line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			if (*line == '\0')
				continue;
			len = strlen(ntext);
			if (len + strlen(line) + 3 < sizeof(ntext))
				snprintf(ntext + len, sizeof(ntext) - len,
				    "%s%s", len > 0 ? " " : "", line);
			if (strcmp(line, want) != 0)
				continue;
			if (count == NULL)
				return (1);
			(*count)++;
		}
	}
	return (count != NULL && *count > 0);
}

Test(daemon, notify)
{
	char	 sock[PATH_MAX], env0[PATH_MAX + 16];
	char	 env1[] = "WATCHDOG_USEC=200000";
	char	*env[] = { env0, env1, NULL };
	int	 n = 0;

	start_redis(0);
	snprintf(sock, sizeof(sock), "%s/notify.sock", srv.dir);
	cr_assert_neq(nfd = notify_open(sock), -1, "%s: %s", sock,
	    strerror(errno));
	snprintf(env0, sizeof(env0), "NOTIFY_SOCKET=%s", sock);
	start_daemon(&dm[0], "cs.json", NULL, env);
	cr_assert(notify_read(nfd, "READY=1", 10000, NULL),
	    "no READY=1; received: %s", ntext);

	/* WATCHDOG_USEC 200 ms: a ping every 100 ms */
	notify_read(nfd, "WATCHDOG=1", 1000, &n);
	cr_expect_geq(n, 2, "%d WATCHDOG=1 in a second; received: %s", n,
	    ntext);

	ntext[0] = '\0';
	daemon_signal(&dm[0], SIGHUP);
	cr_expect(notify_read(nfd, "RELOADING=1", 5000, NULL),
	    "no RELOADING=1 after SIGHUP; received: %s", ntext);
	cr_expect(notify_read(nfd, "READY=1", 5000, NULL),
	    "no READY=1 after RELOADING=1; received: %s", ntext);

	ntext[0] = '\0';
	daemon_signal(&dm[0], SIGTERM);
	cr_expect(notify_read(nfd, "STOPPING=1", 5000, NULL),
	    "no STOPPING=1 after SIGTERM; received: %s", ntext);
	cr_expect_eq(daemon_wait_exit(&dm[0], 5000), 0, "SIGTERM: %s",
	    dstate(&dm[0]));
	done = 1;
}

Test(daemon, sigterm_exits_zero_with_final_snapshot)
{
	struct cu	 cu = { "cs", &dm[0] };
	struct lenwait	 len = { "cs:outcomes", 3 };
	json_t		*snap;
	redisReply	*r;
	char		 t[3][32], id[3][48], last[48];
	long long	 pending = -1;
	int64_t		 base, clock;
	int		 i;

	/* c1 answered in 20 s; c2 waiting since base + 100 s */
	base = (rh_now_ms() / 1000 - 1800) * 1000;
	for (i = 0; i < 3; i++) {
		snprintf(t[i], sizeof(t[i]), "%lld", (long long)(base +
		    (i == 0 ? 0 : i == 1 ? 20 * S : 100 * S)));
		snprintf(id[i], sizeof(id[i]), "%s-0", t[i]);
	}
	start_redis(0);
	cr_assert_eq(xadd(rc, "cs:events", id[0], NULL, 0, "conversation",
	    "c1", "role", "customer", "ts", t[0], (char *)NULL), 0);
	cr_assert_eq(xadd(rc, "cs:events", id[1], NULL, 0, "conversation",
	    "c1", "role", "agent", "agent", "ann", "ts", t[1],
	    (char *)NULL), 0);
	cr_assert_eq(xadd(rc, "cs:events", id[2], NULL, 0, "conversation",
	    "c2", "role", "customer", "team", "sales", "ts", t[2],
	    (char *)NULL), 0);

	/* snapshots once a minute: the one after SIGTERM is the final one */
	start_daemon(&dm[0], "cs.json", "\"publish\": {\"interval_ms\": 60000}",
	    NULL);
	WAIT(cond_caught_up, &cu, 10000, "reading");
	WAIT(cond_len, &len, 5000, "c1's response, c2's breach and miss");
	rh_sleep_ms(200);
	r = redisCommand(rc, "DEL cs:snapshot");
	cr_assert_not_null(r);
	freeReplyObject(r);
	daemon_signal(&dm[0], SIGTERM);
	cr_assert_eq(daemon_wait_exit(&dm[0], 5000), 0,
	    "no exit 0 within 5 s of SIGTERM (daemon %s)", dstate(&dm[0]));

	snap = get_snapshot(rc, "cs");
	cr_assert_not_null(snap, "no final snapshot");
	clock = (int64_t)json_number_value(json_object_get(snap, "clock_ms"));
	cr_expect_geq(clock, base + 280 * S);
	cr_expect_eq(json_integer_value(json_path(snap,
	    "global.windows.86400.responses")), 1);
	cr_expect_eq(json_integer_value(json_path(snap,
	    "global.windows.86400.frt_breached")), 1);
	cr_expect_eq(json_integer_value(json_path(snap,
	    "global.windows.86400.missed")), 1);
	cr_expect_eq(json_integer_value(json_path(snap, "global.waiting")),
	    1);
	cr_expect_eq(json_integer_value(json_path(snap,
	    "teams.sales.waiting")), 1);
	cr_expect_float_eq(json_number_value(json_path(snap,
	    "global.oldest_wait_s")), (double)(clock - base - 100 * S) / 1000,
	    1e-3);
	json_decref(snap);

	/* everything read was acknowledged */
	cr_expect_eq(group_info(rc, "cs:events", "replytimed", &pending, last,
	    sizeof(last)), 0);
	cr_expect_eq(pending, 0);
	cr_expect_str_eq(last, id[2]);
	done = 1;
}

static int
cond_group(void *arg)
{
	struct rdaemon	*d = arg;

	if (group_info(rc, "cs:events", "replytimed", NULL, NULL, 0) == 0)
		return (1);
	return (daemon_alive(d) ? 0 : -1);
}

static int
cond_consumer(void *arg)
{
	redisReply	*r;
	size_t		 i, j;
	int		 found = 0;

	(void)arg;
	r = redisCommand(rc, "XINFO CONSUMERS cs:events replytimed");
	for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    i < r->elements; i++)
		for (j = 0; j + 1 < r->element[i]->elements; j += 2)
			if (strcmp(r->element[i]->element[j]->str,
			    "name") == 0 && strcmp(r->element[i]->
			    element[j + 1]->str, "test") == 0)
				found = 1;
	if (r != NULL)
		freeReplyObject(r);
	return (found);
}

Test(daemon, group_created_with_mkstream)
{
	struct cu	 cu = { "cs", &dm[0] };
	redisReply	*r;
	char		 id[48];

	start_redis(0);
	r = redisCommand(rc, "EXISTS cs:events");
	cr_assert(r != NULL && r->type == REDIS_REPLY_INTEGER &&
	    r->integer == 0);
	freeReplyObject(r);
	start_daemon(&dm[0], "cs.json", NULL, NULL);
	WAIT(cond_group, &dm[0], 10000, "group replytimed on cs:events");
	r = redisCommand(rc, "TYPE cs:events");
	cr_assert_not_null(r);
	cr_expect_str_eq(r->str, "stream");
	freeReplyObject(r);
	cr_expect_eq(xlen("cs:events"), 0);
	WAIT(cond_consumer, NULL, 5000, "consumer \"test\" in the group");

	/* and it reads through it */
	cr_assert_eq(xadd(rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c1", "role", "customer", (char *)NULL), 0);
	WAIT(cond_caught_up, &cu, 5000, "reading %s", id);
	cr_expect(daemon_alive(&dm[0]));
	done = 1;
}

/* Writes a password file in the test directory; returns its path. */
static void
write_secret(char *path, size_t len, const char *name, const char *text)
{
	FILE	*f;

	snprintf(path, len, "%s/%s", srv.dir, name);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

Test(daemon, password_file_and_acl_user)
{
	struct cu	 cu = { "cs", &dm[0] };
	struct logwait	 lw = { &dm[0], "authentication refused", NULL };
	redisReply	*r;
	char		 bad[PATH_MAX], good[PATH_MAX], acl[PATH_MAX];
	char		 extra[PATH_MAX + 64], id[48], *log;

	start_redis(0);
	/* this connection stays authenticated; new ones need a password */
	r = redisCommand(rc, "CONFIG SET requirepass hunter2-secret");
	cr_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	r = redisCommand(rc, "ACL SETUSER board on >board-secret ~* &* +@all");
	cr_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	write_secret(bad, sizeof(bad), "bad", "not-the-secret\n");
	write_secret(good, sizeof(good), "good", "hunter2-secret\n");
	write_secret(acl, sizeof(acl), "acl", "board board-secret\n");

	/* refused: said once, retried, the secret never logged */
	snprintf(extra, sizeof(extra),
	    "\"redis\": {\"password_file\": \"%s\"}", bad);
	start_daemon(&dm[0], "bad.json", extra, NULL);
	WAIT(cond_log, &lw, 10000, "the refusal in the log");
	cr_expect(daemon_alive(&dm[0]), "a refused password is not fatal");
	daemon_signal(&dm[0], SIGTERM);
	cr_expect_eq(daemon_wait_exit(&dm[0], 10000), 0);
	log = rh_read_file(dm[0].log);
	cr_assert_not_null(log);
	cr_expect_null(strstr(log, "not-the-secret"), "the secret was logged");
	free(log);

	/* an ACL user and password */
	snprintf(extra, sizeof(extra),
	    "\"redis\": {\"password_file\": \"%s\"}", acl);
	start_daemon(&dm[1], "acl.json", extra, NULL);
	cu.d = &dm[1];
	cr_assert_eq(xadd(rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c1", "role", "customer", (char *)NULL), 0);
	WAIT(cond_caught_up, &cu, 10000, "reading %s as board", id);
	daemon_signal(&dm[1], SIGTERM);
	cr_expect_eq(daemon_wait_exit(&dm[1], 10000), 0);

	/* the default user's password */
	snprintf(extra, sizeof(extra),
	    "\"redis\": {\"password_file\": \"%s\"}", good);
	start_daemon(&dm[2], "good.json", extra, NULL);
	cu.d = &dm[2];
	cr_assert_eq(xadd(rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c2", "role", "customer", (char *)NULL), 0);
	WAIT(cond_caught_up, &cu, 10000, "reading %s", id);
	log = rh_read_file(dm[2].log);
	cr_assert_not_null(log);
	cr_expect_null(strstr(log, "hunter2"), "the secret was logged");
	free(log);
	done = 1;
}

Test(daemon, stream_deleted_group_recreated)
{
	struct cu	 cu = { "cs", &dm[0] };
	struct logwait	 lw = { &dm[0], "creating it again", NULL };
	redisReply	*r;
	char		 id[48], *log, *p;
	int		 n = 0;

	start_redis(0);
	start_daemon(&dm[0], "cs.json", NULL, NULL);
	cr_assert_eq(xadd(rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c1", "role", "customer", (char *)NULL), 0);
	WAIT(cond_caught_up, &cu, 10000, "reading %s", id);
	r = redisCommand(rc, "DEL cs:events");
	freeReplyObject(r);
	WAIT(cond_log, &lw, 10000, "the group recreated");
	cr_assert_eq(xadd(rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c2", "role", "customer", (char *)NULL), 0);
	WAIT(cond_caught_up, &cu, 10000, "reading %s after", id);
	rh_sleep_ms(1500);
	cr_expect(daemon_alive(&dm[0]));
	/* said once, not in a loop */
	log = rh_read_file(dm[0].log);
	cr_assert_not_null(log);
	for (p = log; (p = strstr(p, "creating it again")) != NULL; p++)
		n++;
	cr_expect_eq(n, 1, "said %d times", n);
	free(log);
	done = 1;
}

/* A bad entry with many fields is dead-lettered with every one of them. */
Test(daemon, dead_letter_keeps_every_field)
{
	struct lenwait	 len = { "cs:events:dead", 1 };
	const char	*argv[3 + 2 * 150];
	char		 names[150][16], vals[150][16];
	redisReply	*r, *f;
	int		 argc = 0, i;

	start_redis(0);
	start_daemon(&dm[0], "cs.json", NULL, NULL);
	argv[argc++] = "XADD";
	argv[argc++] = "cs:events";
	argv[argc++] = "*";
	for (i = 0; i < 150; i++) {
		snprintf(names[i], sizeof(names[i]), "f%d", i);
		snprintf(vals[i], sizeof(vals[i]), "v%d", i);
		argv[argc++] = names[i];
		argv[argc++] = vals[i];
	}
	r = redisCommandArgv(rc, argc, argv, NULL);
	cr_assert(r != NULL && r->type == REDIS_REPLY_STRING);
	freeReplyObject(r);
	WAIT(cond_len, &len, 10000, "the dead letter");
	r = redisCommand(rc, "XRANGE cs:events:dead - +");
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
	done = 1;
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
	struct lenwait	 lw = { "cs:outcomes", n };

	(void)d;
	WAIT(cond_len, &lw, 30000, "%lld outcomes", n);
}

static int
count_in_log(const struct rdaemon *d, const char *what)
{
	char		*log;
	const char	*p;
	int		 n = 0;

	if ((log = rh_read_file(d->log)) == NULL)
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

	if (!daemon_alive(d))
		return (-1);
	return (count_in_log(d, "rebuilding the state") >= 2);
}

static void
config_set_maxmemory(const char *bytes)
{
	redisReply	*rr;

	rr = redisCommand(rc, "CONFIG SET maxmemory %s", bytes);
	cr_assert(rr != NULL && rr->type == REDIS_REPLY_STATUS,
	    "CONFIG SET maxmemory %s failed", bytes);
	freeReplyObject(rr);
}

static void
fault_run(enum fault f, uint64_t seed, int minutes, int nconv)
{
	struct slist	 trace = { 0 };
	struct rdaemon	*d = &dm[1];
	uint64_t	 x = seed;
	int64_t		 start, end;
	long long	 nref, at[5];
	int		 i, r;

	start = (rh_now_ms() / 1000 - (minutes + 10) * 60) * 1000;
	end = start + minutes * MIN;
	gen_trace(&trace, seed, start, end, nconv, 240000);
	start_redis(f == FAULT_REDIS_KILL);
	cr_assert_eq(xadd_list(rc, "ref:events", &trace, 0, trace.n), 0);
	cr_assert_eq(xadd_list(rc, "cs:events", &trace, 0, trace.n), 0);
	cr_log_info("fault %d: %zu events", f, trace.n);
	slist_free(&trace);

	start_daemon(&dm[0], "ref.json", "\"redis\": {\"prefix\": \"ref\"}, "
	    KILL_RULES, NULL);
	r = wait_settled("ref", end, 1, &dm[0], 30000);
	cr_assert_eq(r, 1, "the reference run did not settle (daemon %s)",
	    dstate(&dm[0]));
	nref = xlen("ref:outcomes");
	daemon_signal(&dm[0], SIGTERM);
	cr_expect_eq(daemon_wait_exit(&dm[0], 5000), 0);

	start_daemon(d, "cs.json", "\"ingest\": {\"read_count\": 50}, "
	    KILL_RULES, NULL);
	switch (f) {
	case FAULT_DAEMON_KILLS:
		/* five kills at random points, in order, mid-backlog */
		for (i = 0; i < 5; i++)
			at[i] = nref * (i + 1) / 7 + lcg(&x,
			    (uint32_t)(nref / 7 + 1));
		for (i = 0; i < 5; i++) {
			kill_at(d, at[i], nref);
			cr_assert_eq(daemon_restart(d), 0);
		}
		break;
	case FAULT_REDIS_KILL:
		wait_outcomes(d, nref / 3);
		cr_expect_lt(xlen("cs:outcomes"), nref, "not mid-backlog");
		kill(srv.pid, SIGKILL);
		redisFree(rc);
		rc = NULL;
		rserver_stop(&srv);
		cr_assert_eq(rserver_restart(&srv), 0);
		cr_assert_not_null(rc = rserver_connect(&srv));
		break;
	case FAULT_REDIS_STOP:
		wait_outcomes(d, nref / 3);
		cr_expect_lt(xlen("cs:outcomes"), nref, "not mid-backlog");
		kill(srv.pid, SIGSTOP);
		rh_sleep_ms(10000);
		kill(srv.pid, SIGCONT);
		break;
	case FAULT_CLIENT_KILL:
		for (i = 1; i <= 3; i++) {
			redisReply	*rr;

			wait_outcomes(d, nref * i / 4);
			cr_expect_lt(xlen("cs:outcomes"), nref,
			    "not mid-backlog");
			rr = redisCommand(rc, "CLIENT KILL TYPE normal");
			cr_assert(rr != NULL && rr->type == REDIS_REPLY_INTEGER &&
			    rr->integer >= 2, "CLIENT KILL killed %lld",
			    rr != NULL ? rr->integer : -1);
			freeReplyObject(rr);
		}
		break;
	case FAULT_REDIS_OOM:
		wait_outcomes(d, nref / 3);
		cr_expect_lt(xlen("cs:outcomes"), nref, "not mid-backlog");
		config_set_maxmemory("1");
		WAIT(cond_log, (&(struct logwait){ d, "a write was refused for "
		    "now", NULL }), 10000, "a write refused for now");
		rh_sleep_ms(2000);
		config_set_maxmemory("0");
		break;
	case FAULT_TERM_REBUILD:
		r = wait_settled("cs", end, nref, d, 30000);
		cr_assert_eq(r, 1, "the first run did not settle");
		daemon_signal(d, SIGTERM);
		cr_assert_eq(daemon_wait_exit(d, 5000), 0);
		cr_assert_eq(daemon_restart(d), 0);
		WAIT(cond_rebuilding, d, 10000, "the rebuild to start");
		daemon_signal(d, SIGTERM);
		cr_expect_eq(daemon_wait_exit(d, 5000), 0, "SIGTERM during "
		    "the rebuild: %s", dstate(d));
		cr_expect_eq(count_in_log(d, "ingest: rebuilt from"), 1,
		    "the rebuild ended before the SIGTERM landed");
		cr_assert_eq(daemon_restart(d), 0);
		break;
	}
	r = wait_settled("cs", end, nref, d, 40000);
	cr_expect_eq(r, 1, "the faulted run did not settle (daemon %s): "
	    "%lld outcomes, want %lld", dstate(d), xlen("cs:outcomes"), nref);
	rh_sleep_ms(300);		/* time for a stray duplicate */
	expect_streams_equal("cs:outcomes", "ref:outcomes");
	expect_streams_equal("cs:events:dead", "ref:events:dead");
	expect_streams_equal("cs:alerts", "ref:alerts");
	expect_snapshots_equal("cs", "ref");
	cr_expect(daemon_alive(d), "daemon %s", dstate(d));
	done = 1;
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
	struct slist	 dead = { 0 };
	const char	*gen = getenv("REPLYTIME_GEN_BIN");
	char		 cmd[PATH_MAX + 256], line[1024] = "";
	long long	 bad, late, nlate = 0;
	int64_t		 t;
	size_t		 i;
	FILE		*p;

	start_redis(0);
	snprintf(cmd, sizeof(cmd), "%s -p %d --backlog 1 --count 30000 "
	    "--seed 11 --bad-share 0.01 --late-share 0.005 --agents 40 "
	    "--teams 4", gen != NULL && *gen != '\0' ? gen :
	    "build/replytime-gen", srv.port);
	cr_assert_not_null(p = popen(cmd, "r"));
	if (fgets(line, sizeof(line), p) == NULL)
		line[0] = '\0';
	cr_assert_eq(pclose(p), 0, "%s failed: %s", cmd, line);
	bad = summary_get(line, "bad");
	late = summary_get(line, "late");
	cr_assert(bad > 100 && late > 50, "summary: %s", line);
	t = rh_now_ms();

	start_daemon(&dm[0], "cs.json", NULL, NULL);
	cr_assert_eq(wait_settled("cs", t - 3 * S, 1000, &dm[0], 20000), 1,
	    "not settled (daemon %s)", dstate(&dm[0]));
	cr_assert_eq(read_stream(rc, "cs:events:dead", &dead), 0);
	cr_expect_eq((long long)dead.n, bad + late, "%zu dead letters for "
	    "%lld bad and %lld late entries", dead.n, bad, late);
	for (i = 0; i < dead.n; i++)
		if (strcmp(sentry_get(&dead.e[i], "error"), "late") == 0)
			nlate++;
	cr_expect_eq(nlate, late);
	slist_free(&dead);
	done = 1;
}
