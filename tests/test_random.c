/*
 * Randomized traces checked against a brute-force recomputation: each
 * conversation is simulated on its own, straight from the rules of
 * replytimed(8), and the outcomes and every scope's windows must match
 * the engine's.
 */

#include <criterion/criterion.h>

#include "harness.h"
#include "prng.h"

#define NCONV	24
#define NAGENT	5
#define NTEAM	3
#define FRT	(30 * SEC)
#define WITHIN	(180 * SEC)
#define TTL	(600 * SEC)

struct gen_ev {
	int64_t	 ts;
	int	 seq;
	int	 type;		/* 0 message, 1 assign, 2 close */
	int	 role;		/* 1 customer, 2 agent, 3 bot, 4 system */
	int	 conv;
	int	 agent;		/* -1 none */
	int	 team;		/* -1 none */
	int	 msgid;		/* -1 none */
};

struct bf_out {
	struct harness_rec	 r;
	int			 within;	/* a response counted within */
	int			 frt_within;
};

struct bf {
	struct bf_out	*out;
	size_t		 n, cap;
};

struct bf_conv {
	int	 exists, waiting, bot, first, hadwait;
	int	 frt_done, within_done;
	int	 agent, team;
	int64_t	 start, last;
	char	 seen[16];
};

static uint64_t rng;

/* Uniform in [0, n), from the trace's seed. */
static uint32_t
rnd(uint32_t n)
{
	return (prng_below(&rng, n));
}

static void
bf_emit(struct bf *b, enum outcome_kind kind, int conv, int agent, int team,
    int first, int64_t wait, int64_t ts, int within, int frt_within)
{
	struct bf_out	*o;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 256;
		b->out = realloc(b->out, b->cap * sizeof(*b->out));
	}
	o = &b->out[b->n++];
	memset(o, 0, sizeof(*o));
	o->r.kind = kind;
	snprintf(o->r.conv, sizeof(o->r.conv), "c%d", conv);
	if (agent >= 0)
		snprintf(o->r.agent, sizeof(o->r.agent), "a%d", agent);
	if (team >= 0)
		snprintf(o->r.team, sizeof(o->r.team), "t%d", team);
	o->r.first = first;
	o->r.wait_ms = wait;
	o->r.ts = ts;
	o->within = within;
	o->frt_within = frt_within;
}

/* Ends the conversation at t: pending outcomes, then unanswered. */
static void
bf_finish(struct bf *b, struct bf_conv *c, int id, int64_t t)
{
	if (c->waiting && !c->bot) {
		if (c->first && !c->frt_done)
			bf_emit(b, OUTCOME_FRT_BREACHED, id, c->agent, c->team,
			    1, t - c->start, t, 0, 0);
		if (!c->within_done)
			bf_emit(b, OUTCOME_MISSED, id, c->agent, c->team,
			    c->first, t - c->start, t, 0, 0);
		bf_emit(b, OUTCOME_UNANSWERED, id, c->agent, c->team,
		    c->first, t - c->start, t, 0, 0);
	}
	memset(c, 0, sizeof(*c));
}

/* Fires what happens strictly before t: deadlines, then the TTL. */
static void
bf_settle(struct bf *b, struct bf_conv *c, int id, int64_t t)
{
	if (!c->exists)
		return;
	if (c->waiting && !c->bot) {
		if (c->first && !c->frt_done && c->start + FRT < t &&
		    c->start + FRT <= c->last + TTL) {
			c->frt_done = 1;
			bf_emit(b, OUTCOME_FRT_BREACHED, id, c->agent, c->team,
			    1, FRT, c->start + FRT, 0, 0);
		}
		if (!c->within_done && c->start + WITHIN < t &&
		    c->start + WITHIN <= c->last + TTL) {
			c->within_done = 1;
			bf_emit(b, OUTCOME_MISSED, id, c->agent, c->team,
			    c->first, WITHIN, c->start + WITHIN, 0, 0);
		}
	}
	if (c->last + TTL < t)
		bf_finish(b, c, id, c->last + TTL);
}

static void
bf_start_wait(struct bf_conv *c, int64_t ts)
{
	c->bot = 0;
	c->start = ts;
}

static void
bf_apply(struct bf *b, struct bf_conv *c, const struct gen_ev *ev)
{
	int64_t	 wait;
	int	 within, frtw;

	bf_settle(b, c, ev->conv, ev->ts);
	if (!c->exists) {
		if (ev->type == 2)
			return;
		memset(c, 0, sizeof(*c));
		c->exists = 1;
		c->agent = c->team = -1;
	}
	if (ev->msgid >= 0) {
		if (c->seen[ev->msgid])
			return;
		c->seen[ev->msgid] = 1;
	}
	c->last = ev->ts;
	if (ev->team >= 0)
		c->team = ev->team;
	if (ev->agent >= 0 && (ev->type == 1 || ev->role == 1))
		c->agent = ev->agent;
	if (ev->type == 2) {
		bf_finish(b, c, ev->conv, ev->ts);
		return;
	}
	if (ev->type == 1) {
		if (c->waiting && c->bot)
			bf_start_wait(c, ev->ts);
		return;
	}
	switch (ev->role) {
	case 1:
		if (c->waiting)
			break;
		c->waiting = 1;
		c->first = !c->hadwait;
		c->hadwait = 1;
		c->frt_done = c->within_done = 0;
		bf_start_wait(c, ev->ts);
		break;
	case 2:
		if (!c->waiting)
			break;
		wait = c->bot ? 0 : ev->ts - c->start;
		frtw = c->first && !c->frt_done;
		within = !c->within_done;
		bf_emit(b, OUTCOME_RESPONSE, ev->conv, ev->agent, c->team,
		    c->first, wait, ev->ts, within, frtw);
		c->waiting = c->bot = c->first = 0;
		break;
	case 3:
		if (c->waiting)
			c->bot = 1;
		break;
	}
}

static int
gen_cmp(const void *a, const void *b)
{
	const struct gen_ev *x = a, *y = b;

	if (x->ts != y->ts)
		return (x->ts < y->ts ? -1 : 1);
	return (x->seq - y->seq);
}

static int
rec_cmp(const void *a, const void *b)
{
	const struct harness_rec *x = a, *y = b;
	int		 d;

	if (x->ts != y->ts)
		return (x->ts < y->ts ? -1 : 1);
	if ((d = strcmp(x->conv, y->conv)) != 0)
		return (d);
	return ((int)x->kind - (int)y->kind);
}

static int
bf_cmp(const void *a, const void *b)
{
	return (rec_cmp(&((const struct bf_out *)a)->r,
	    &((const struct bf_out *)b)->r));
}

static void
gen_trace(struct gen_ev *v, int n)
{
	int64_t	 base = T0;
	int	 i;

	for (i = 0; i < n; i++) {
		/* whole seconds, so replies land exactly on deadlines */
		base += rnd(100) < 3 ? 600 * SEC : rnd(40) * SEC / 2;
		v[i].ts = base - rnd(4) * SEC / 2;
		v[i].seq = i;
		v[i].conv = rnd(NCONV);
		v[i].agent = -1;
		v[i].team = rnd(100) < 20 ? (int)rnd(NTEAM) : -1;
		v[i].msgid = rnd(100) < 15 ? (int)rnd(16) : -1;
		v[i].type = 0;
		v[i].role = 0;
		switch (rnd(20)) {
		case 0:
			v[i].type = 1;
			v[i].agent = rnd(NAGENT);
			break;
		case 1:
			v[i].type = 2;
			break;
		default:
			v[i].role = 1 + rnd(10) / 3;	/* 1..4 */
			if (v[i].role == 2)
				v[i].agent = rnd(NAGENT);
			else if (v[i].role == 1 && rnd(3) == 0)
				v[i].agent = rnd(NAGENT);
			break;
		}
	}
}

static void
feed(struct harness *hh, const struct gen_ev *g)
{
	char	 conv[16], agent[16], team[16], msgid[16];
	const char *roles[] = { NULL, "customer", "agent", "bot", "system" };
	const char *types[] = { NULL, "assign", "close" };
	enum reason why;

	snprintf(conv, sizeof(conv), "c%d", g->conv);
	snprintf(agent, sizeof(agent), "a%d", g->agent);
	snprintf(team, sizeof(team), "t%d", g->team);
	snprintf(msgid, sizeof(msgid), "m%d", g->msgid);
	why = harness_feed(hh, g->ts, types[g->type], roles[g->role], conv,
	    g->agent >= 0 ? agent : NULL, g->team >= 0 ? team : NULL,
	    g->msgid >= 0 ? msgid : NULL);
	cr_assert_eq(why, REASON_NONE, "event %d refused: %d", g->seq, why);
}

static int
i64_cmp(const void *a, const void *b)
{
	int64_t	 x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x < y ? -1 : x > y);
}

/* The exact nearest-rank percentile in seconds, NAN without samples. */
static double
rank(int64_t *v, size_t n, double q)
{
	size_t	 r;

	if (n == 0)
		return (NAN);
	qsort(v, n, sizeof(*v), i64_cmp);
	r = (size_t)ceil(q * n);
	if (r < 1)
		r = 1;
	return (v[r - 1] / 1000.0);
}

/* Brute-force METRICS of one scope over (T-W, T] from the outcomes. */
static void
bf_window(const struct bf *b, int kind, const char *name, int64_t T,
    int64_t W, double *m)
{
	int64_t	*art, *frt, artsum = 0, frtsum = 0, artmax = 0, frtmax = 0;
	size_t	 i, na = 0, nf = 0;
	double	 c[TALLY_COUNT] = { 0 };

	art = calloc(b->n + 1, sizeof(*art));
	frt = calloc(b->n + 1, sizeof(*frt));
	for (i = 0; i < b->n; i++) {
		const struct bf_out *o = &b->out[i];

		if (o->r.ts <= T - W || o->r.ts > T)
			continue;
		if (kind == SCOPE_AGENT && strcmp(o->r.agent, name) != 0)
			continue;
		if (kind == SCOPE_TEAM && strcmp(o->r.team, name) != 0)
			continue;
		switch (o->r.kind) {
		case OUTCOME_RESPONSE:
			art[na++] = o->r.wait_ms;
			artsum += o->r.wait_ms;
			if (o->r.wait_ms > artmax)
				artmax = o->r.wait_ms;
			if (o->r.first) {
				frt[nf++] = o->r.wait_ms;
				frtsum += o->r.wait_ms;
				if (o->r.wait_ms > frtmax)
					frtmax = o->r.wait_ms;
			}
			c[TALLY_WITHIN] += o->within;
			c[TALLY_FRT_WITHIN] += o->frt_within;
			break;
		case OUTCOME_MISSED:
			c[TALLY_MISSED]++;
			break;
		case OUTCOME_FRT_BREACHED:
			c[TALLY_FRT_BREACHED]++;
			break;
		case OUTCOME_UNANSWERED:
			c[TALLY_UNANSWERED]++;
			break;
		default:
			break;
		}
	}
	m[METRIC_RESPONSES] = na;
	m[METRIC_FIRST_RESPONSES] = nf;
	m[METRIC_WITHIN] = c[TALLY_WITHIN];
	m[METRIC_MISSED] = c[TALLY_MISSED];
	m[METRIC_FRT_WITHIN] = c[TALLY_FRT_WITHIN];
	m[METRIC_FRT_BREACHED] = c[TALLY_FRT_BREACHED];
	m[METRIC_UNANSWERED] = c[TALLY_UNANSWERED];
	m[METRIC_ART_AVG] = na ? artsum / (double)na / 1000 : NAN;
	m[METRIC_ART_MAX] = na ? artmax / 1000.0 : NAN;
	m[METRIC_FRT_AVG] = nf ? frtsum / (double)nf / 1000 : NAN;
	m[METRIC_FRT_MAX] = nf ? frtmax / 1000.0 : NAN;
	m[METRIC_ART_P50] = rank(art, na, 0.50);
	m[METRIC_ART_P90] = rank(art, na, 0.90);
	m[METRIC_ART_P99] = rank(art, na, 0.99);
	m[METRIC_FRT_P50] = rank(frt, nf, 0.50);
	m[METRIC_FRT_P90] = rank(frt, nf, 0.90);
	m[METRIC_RATE] = c[TALLY_WITHIN] + c[TALLY_MISSED] > 0 ?
	    c[TALLY_WITHIN] / (c[TALLY_WITHIN] + c[TALLY_MISSED]) : NAN;
	m[METRIC_FRT_RATE] = c[TALLY_FRT_WITHIN] + c[TALLY_FRT_BREACHED] > 0 ?
	    c[TALLY_FRT_WITHIN] / (c[TALLY_FRT_WITHIN] +
	    c[TALLY_FRT_BREACHED]) : NAN;
	free(art);
	free(frt);
}

/* Compares one scope's windows with the brute force at T. */
static void
check_scope(struct harness *hh, const struct bf *b, int kind,
    const char *name, int64_t T)
{
	struct scope	*s;
	double		 got[METRIC_COUNT], want[METRIC_COUNT], tol;
	int		 w, i;

	s = scope_find(&hh->e->scopes, kind, name, name ? strlen(name) : 0);
	for (w = 0; w < hh->cf->metrics.nwindows; w++) {
		bf_window(b, kind, name, T, hh->cf->metrics.windows_s[w] * SEC,
		    want);
		if (s == NULL) {
			cr_assert_eq(want[METRIC_RESPONSES] +
			    want[METRIC_MISSED] + want[METRIC_UNANSWERED] +
			    want[METRIC_FRT_BREACHED], 0,
			    "scope %s missing", name);
			continue;
		}
		window_query(&s->win[w], T, got);
		for (i = 0; i < METRIC_COUNT; i++) {
			if (isnan(want[i])) {
				cr_assert(isnan(got[i]), "%s w%d %s: %g, want "
				    "null", name ? name : "global", w,
				    metric_defs[i].name, got[i]);
				continue;
			}
			tol = 1e-9;
			if (strstr(metric_defs[i].name, "_p") != NULL)
				tol = fmax(1.0, want[i] * 0.03);
			cr_assert(fabs(got[i] - want[i]) <= tol,
			    "%s w%d %s: %g, want %g", name ? name : "global",
			    w, metric_defs[i].name, got[i], want[i]);
		}
	}
}

static void
run_trace(uint64_t seed, int n)
{
	struct harness	 hh;
	struct conf	*cf = conf_default();
	struct gen_ev	*v, *sorted;
	struct bf	 b = { 0 };
	struct bf_conv	 convs[NCONV];
	char		 name[16];
	int64_t		 T;
	int		 i, waiting[NAGENT + 1];

	rng = seed;
	cf->metrics.conversation_ttl_s = TTL / SEC;
	harness_start(&hh, cf);
	v = calloc(n, sizeof(*v));
	sorted = calloc(n, sizeof(*v));
	gen_trace(v, n);

	/* the engine: read order, the clock trailing the watermark */
	for (i = 0; i < n; i++) {
		feed(&hh, &v[i]);
		if (rnd(4) == 0)
			engine_advance(hh.e, 0, 0);
	}
	T = (v[n - 1].ts / (1440 * SEC) + 2) * 1440 * SEC;
	harness_at(&hh, T);

	/* the brute force: ts order, one conversation at a time */
	memcpy(sorted, v, n * sizeof(*v));
	qsort(sorted, n, sizeof(*sorted), gen_cmp);
	memset(convs, 0, sizeof(convs));
	for (i = 0; i < n; i++)
		bf_apply(&b, &convs[sorted[i].conv], &sorted[i]);
	memset(waiting, 0, sizeof(waiting));
	for (i = 0; i < NCONV; i++) {
		bf_settle(&b, &convs[i], i, T);
		if (convs[i].exists && convs[i].waiting && !convs[i].bot)
			waiting[NAGENT]++;
	}

	/* outcomes: stamp order, then the same multiset */
	for (i = 1; i < (int)hh.n; i++)
		cr_assert_geq(hh.out[i].ts, hh.out[i - 1].ts,
		    "seed %llu: outcome %d out of stamp order",
		    (unsigned long long)seed, i);
	cr_assert_eq(hh.n, b.n, "seed %llu: %zu outcomes, want %zu",
	    (unsigned long long)seed, hh.n, b.n);
	qsort(hh.out, hh.n, sizeof(*hh.out), rec_cmp);
	qsort(b.out, b.n, sizeof(*b.out), bf_cmp);
	for (i = 0; i < (int)b.n; i++) {
		const struct harness_rec *x = &hh.out[i], *y = &b.out[i].r;

		cr_assert(x->kind == y->kind && strcmp(x->conv, y->conv) == 0 &&
		    strcmp(x->agent, y->agent) == 0 &&
		    strcmp(x->team, y->team) == 0 && x->first == y->first &&
		    x->wait_ms == y->wait_ms && x->ts == y->ts,
		    "seed %llu outcome %d: %s %s %s %s %d %lld @%lld, want "
		    "%s %s %s %s %d %lld @%lld", (unsigned long long)seed, i,
		    outcome_names[x->kind], x->conv, x->agent, x->team,
		    x->first, (long long)x->wait_ms, (long long)x->ts,
		    outcome_names[y->kind], y->conv, y->agent, y->team,
		    y->first, (long long)y->wait_ms, (long long)y->ts);
	}

	/* windows: global, every team, every agent */
	check_scope(&hh, &b, SCOPE_GLOBAL, NULL, T);
	for (i = 0; i < NTEAM; i++) {
		snprintf(name, sizeof(name), "t%d", i);
		check_scope(&hh, &b, SCOPE_TEAM, name, T);
	}
	for (i = 0; i < NAGENT; i++) {
		snprintf(name, sizeof(name), "a%d", i);
		check_scope(&hh, &b, SCOPE_AGENT, name, T);
	}
	cr_assert_eq(hh.e->scopes.global->waiting, (uint32_t)waiting[NAGENT]);

	free(b.out);
	free(v);
	free(sorted);
	harness_stop(&hh);
}

Test(random, traces_match_brute_force)
{
	uint64_t	 seed;

	for (seed = 1; seed <= 40; seed++)
		run_trace(seed * 0x9e3779b97f4a7c15ULL, 1500);
}

Test(random, long_trace_matches_brute_force)
{
	run_trace(0xfeedfacecafebeefULL, 20000);
}
