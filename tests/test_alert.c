/* Tests for metric alert rules: pending, firing, repeats, resolves, reloads. */

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "clock.h"
#include "conf.h"
#include "metrics.h"
#include "scope.h"
#include "window.h"
#include "xmalloc.h"

#define EPOCH	INT64_C(1700000000000)	/* a multiple of 10 s */
#define S1	(EPOCH + 1000)		/* a stamp for outcomes */
#define T0	(EPOCH + 10000)		/* the first evaluation */
#define SEC	INT64_C(1000)
#define STORM	10000

/* One transition as the sink saw it, strings copied. */
struct rec {
	char			*id;
	char			*rule;
	char			*severity;
	char			*scope;
	char			*subject;
	char			*metric;
	enum alert_status	 status;
	int64_t			 window_s;
	double			 value;
	double			 threshold;
	int64_t			 started_ms;
	int64_t			 ts_ms;
};

static struct conf	*cf;
static struct conf	*cf2;
static struct scopes	 ss;
static struct alerts	*al;
static struct rec	*recs;
static size_t		 nrecs;
static size_t		 caprecs;
static int		 sink_arg;	/* the sink's argument, checked */

static void
rec_sink(const struct alert_event *ev, void *arg)
{
	struct rec	*r;

	cr_assert_eq(arg, &sink_arg, "the sink got another argument");
	if (nrecs == caprecs) {
		caprecs = caprecs ? caprecs * 2 : 64;
		recs = xreallocarray(recs, caprecs, sizeof(*recs));
	}
	r = &recs[nrecs++];
	r->id = xstrdup(ev->id);
	r->rule = xstrdup(ev->rule);
	r->severity = xstrdup(ev->severity);
	r->scope = xstrdup(ev->scope);
	r->subject = xstrdup(ev->subject);
	r->metric = xstrdup(ev->metric);
	r->status = ev->status;
	r->window_s = ev->window_s;
	r->value = ev->value;
	r->threshold = ev->threshold;
	r->started_ms = ev->started_ms;
	r->ts_ms = ev->ts_ms;
}

static void
setup(void)
{
	int64_t	 widths[CONF_MAX_WINDOWS];
	int	 i;

	cf = conf_default();
	cr_assert_eq(cf->metrics.nwindows, 3);
	cr_assert_eq(cf->metrics.windows_s[0], 300);
	cr_assert_eq(cf->metrics.windows_s[1], 3600);
	cr_assert_eq(cf->metrics.windows_s[2], 86400);
	cr_assert_eq(cf->alerts.interval_s, 10);
	cr_assert_eq(cf->alerts.nrules, 0);
	for (i = 0; i < cf->metrics.nwindows; i++)
		widths[i] = cf->metrics.windows_s[i] * SEC;
	scopes_init(&ss, widths, cf->metrics.nwindows);
	cf2 = NULL;
	al = NULL;
	recs = NULL;
	nrecs = caprecs = 0;
}

static void
teardown(void)
{
	size_t	 i;

	alerts_free(al);
	scopes_clear(&ss);
	conf_free(cf);
	conf_free(cf2);
	for (i = 0; i < nrecs; i++) {
		free(recs[i].id);
		free(recs[i].rule);
		free(recs[i].severity);
		free(recs[i].scope);
		free(recs[i].subject);
		free(recs[i].metric);
	}
	free(recs);
}

/*
 * Appends a metric rule to c, held to at least one sample, firing at
 * once, never repeating; returns its index.
 */
static size_t
rule_add(struct conf *c, const char *name, enum rule_scope scope,
    const char *metric, int64_t window_s, enum rule_op op, double threshold)
{
	struct alert_rule	*r;

	c->alerts.rules = xreallocarray(c->alerts.rules, c->alerts.nrules + 1,
	    sizeof(*c->alerts.rules));
	r = &c->alerts.rules[c->alerts.nrules];
	memset(r, 0, sizeof(*r));
	r->name = xstrdup(name);
	r->severity = xstrdup("warning");
	r->scope = scope;
	r->metric = metric_find(metric);
	cr_assert_geq(r->metric, 0, "unknown metric %s", metric);
	r->window_s = window_s;
	r->op = op;
	r->threshold = threshold;
	r->min_samples = 1;
	return (c->alerts.nrules++);
}

static struct alert_rule *
rule(struct conf *c, size_t i)
{
	return (&c->alerts.rules[i]);
}

/* Starts the alerts on cf with the recording sink. */
static void
start(void)
{
	al = alerts_new(cf);
	alerts_set_sink(al, rec_sink, &sink_arg);
}

static struct scope *
agent(const char *name)
{
	return (scope_get(&ss, SCOPE_AGENT, name, strlen(name)));
}

static struct scope *
team(const char *name)
{
	return (scope_get(&ss, SCOPE_TEAM, name, strlen(name)));
}

/* n responses of ms each, stamped at stamp, with the WINDOW_* flags. */
static void
respond(struct scope *s, int64_t stamp, int n, uint32_t ms, int flags)
{
	while (n-- > 0)
		scope_response(s, stamp, ms, flags);
}

static void
tally(struct scope *s, int64_t stamp, int n, enum tally t)
{
	while (n-- > 0)
		scope_count(s, stamp, t);
}

/* Evaluates at t and returns the number of transitions it emitted. */
static size_t
eval(int64_t t)
{
	size_t	 before = nrecs;

	alerts_eval(al, &ss, t);
	return (nrecs - before);
}

/* Evaluates at t and asserts that nothing came out. */
static void
quiet(int64_t t)
{
	size_t	 n = eval(t);

	cr_assert_eq(n, 0, "at T0%+lld ms: %zu transitions, want none%s%s",
	    (long long)(t - T0), n, n ? ", first " : "",
	    n ? recs[nrecs - n].id : "");
}

/* Asserts record i: its status, rule, scope, subject, start and stamp. */
static void
expect_ev(size_t i, enum alert_status status, const char *rulename,
    const char *scope, const char *subject, int64_t started, int64_t ts)
{
	const struct rec	*r;
	char			 id[512];

	cr_assert_lt(i, nrecs, "transition %zu missing (%zu in all)", i,
	    nrecs);
	r = &recs[i];
	snprintf(id, sizeof(id), "%s:%s:%s:%lld", rulename, scope, subject,
	    (long long)started);
	cr_assert_eq(r->status, status, "%s: status %s, want %s", r->id,
	    alert_status_name(r->status), alert_status_name(status));
	cr_assert_str_eq(r->rule, rulename);
	cr_assert_str_eq(r->scope, scope);
	cr_assert_str_eq(r->subject, subject);
	cr_assert_eq(r->started_ms, started, "%s: started_ms %lld, want %lld",
	    r->id, (long long)r->started_ms, (long long)started);
	cr_assert_eq(r->ts_ms, ts, "%s: ts_ms %lld, want %lld", r->id,
	    (long long)r->ts_ms, (long long)ts);
	cr_assert_str_eq(r->id, id);
}

static int
cmp_str(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

TestSuite(alert, .init = setup, .fini = teardown);

/* Pending while held for less than for_s, firing at for_s exactly. */
Test(alert, fires_after_for_s)
{
	const struct rec	*r;
	size_t			 ri;

	ri = rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300,
	    RULE_OP_GT, 60);
	rule(cf, ri)->for_s = 30;
	free(rule(cf, ri)->severity);
	rule(cf, ri)->severity = xstrdup("critical");
	start();
	respond(agent("ann"), S1, 1, 120000, 0);

	quiet(T0);			/* pending */
	cr_assert_eq(alerts_firing(al), 0);
	quiet(T0 + 10 * SEC);
	quiet(T0 + 20 * SEC);		/* t + for_s - interval */
	cr_assert_eq(alerts_firing(al), 0);
	cr_assert_eq(eval(T0 + 30 * SEC), 1, "no firing at t + for_s");
	expect_ev(0, ALERT_FIRING, "slow", "agent", "ann", T0 + 30 * SEC,
	    T0 + 30 * SEC);
	r = &recs[0];
	cr_assert_str_eq(r->severity, "critical");
	cr_assert_str_eq(r->metric, "art_avg_s");
	cr_assert_eq(r->window_s, 300);
	cr_assert_float_eq(r->value, 120.0, 1e-9);
	cr_assert_float_eq(r->threshold, 60.0, 1e-9);
	cr_assert_eq(alerts_firing(al), 1);
	cr_assert_eq(alerts_transitions(al), 1);
	quiet(T0 + 40 * SEC);		/* repeat_s 0: never again */
	quiet(T0 + 200 * SEC);
	cr_assert_eq(alerts_firing(al), 1);
}

/* for_s 0 fires at the first evaluation that holds. */
Test(alert, for_zero_fires_at_once)
{
	rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_GT,
	    60);
	start();
	respond(agent("ann"), S1, 1, 120000, 0);
	cr_assert_eq(eval(T0), 1);
	expect_ev(0, ALERT_FIRING, "slow", "agent", "ann", T0, T0);
	cr_assert_eq(alerts_firing(al), 1);
}

/*
 * A pending state that stops holding disappears without an event; when
 * the rule holds again, for_s counts from then.
 */
Test(alert, pending_clears_silently)
{
	struct scope	*ann;
	size_t		 ri;
	int64_t		 t;

	ri = rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300,
	    RULE_OP_GT, 60);
	rule(cf, ri)->for_s = 60;
	start();
	ann = agent("ann");
	respond(ann, S1, 1, 120000, 0);		/* avg 120 s */
	quiet(T0);
	quiet(T0 + 10 * SEC);
	respond(ann, T0 + 15 * SEC, 3, 0, 0);	/* avg 30 s */
	quiet(T0 + 20 * SEC);
	quiet(T0 + 30 * SEC);
	respond(ann, T0 + 35 * SEC, 4, 200000, 0);	/* 920 s / 8 */
	/* Held again from T0+40 s: the run from T0 does not count. */
	for (t = T0 + 40 * SEC; t <= T0 + 90 * SEC; t += 10 * SEC)
		quiet(t);
	cr_assert_eq(alerts_transitions(al), 0);
	cr_assert_eq(alerts_firing(al), 0);
	cr_assert_eq(eval(T0 + 100 * SEC), 1, "no firing at T0+100 s");
	expect_ev(0, ALERT_FIRING, "slow", "agent", "ann", T0 + 100 * SEC,
	    T0 + 100 * SEC);
	cr_assert_float_eq(recs[0].value, 115.0, 1e-9);
}

/* A for_s that is never reached: no event at all, ever. */
Test(alert, for_not_reached)
{
	struct scope	*ann;
	size_t		 ri;
	int64_t		 t;

	ri = rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300,
	    RULE_OP_GT, 60);
	rule(cf, ri)->for_s = 30;
	start();
	ann = agent("ann");
	respond(ann, S1, 1, 120000, 0);
	quiet(T0);
	quiet(T0 + 10 * SEC);
	quiet(T0 + 20 * SEC);
	respond(ann, T0 + 25 * SEC, 1, 0, 0);	/* avg 60 s: no longer > */
	for (t = T0 + 30 * SEC; t <= T0 + 400 * SEC; t += 10 * SEC)
		quiet(t);
	cr_assert_eq(alerts_transitions(al), 0);
	cr_assert_eq(alerts_firing(al), 0);
}

/* Repeats carry the first id and come every repeat_s only. */
Test(alert, repeat_same_id)
{
	size_t	 ri, i;
	int64_t	 t;

	ri = rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300,
	    RULE_OP_GT, 60);
	rule(cf, ri)->repeat_s = 30;
	start();
	respond(agent("ann"), S1, 1, 120000, 0);
	for (t = T0; t <= T0 + 100 * SEC; t += 10 * SEC) {
		if ((t - T0) % (30 * SEC) == 0)
			cr_assert_eq(eval(t), 1, "at T0%+lld ms",
			    (long long)(t - T0));
		else
			quiet(t);
	}
	cr_assert_eq(nrecs, 4);
	for (i = 0; i < 4; i++)
		expect_ev(i, ALERT_FIRING, "slow", "agent", "ann", T0,
		    T0 + (int64_t)i * 30 * SEC);
	cr_assert_eq(alerts_firing(al), 1);	/* a repeat is no new one */
	cr_assert_eq(alerts_transitions(al), 4);

	/* Evaluations off the repeat grid: the next send once 30 s passed. */
	quiet(T0 + 110 * SEC);
	cr_assert_eq(eval(T0 + 125 * SEC), 1);
	expect_ev(4, ALERT_FIRING, "slow", "agent", "ann", T0, T0 + 125 * SEC);
	quiet(T0 + 150 * SEC);
	cr_assert_eq(eval(T0 + 155 * SEC), 1);
	expect_ev(5, ALERT_FIRING, "slow", "agent", "ann", T0, T0 + 155 * SEC);
}

/* for_s and repeat_s together: repeats count from the firing. */
Test(alert, lifecycle)
{
	struct scope	*ann;
	size_t		 ri;

	ri = rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300,
	    RULE_OP_GT, 60);
	rule(cf, ri)->for_s = 20;
	rule(cf, ri)->repeat_s = 20;
	start();
	ann = agent("ann");
	respond(ann, S1, 1, 120000, 0);
	quiet(T0);
	quiet(T0 + 10 * SEC);
	cr_assert_eq(eval(T0 + 20 * SEC), 1, "no firing at T0+20 s");
	quiet(T0 + 30 * SEC);
	cr_assert_eq(eval(T0 + 40 * SEC), 1);
	quiet(T0 + 50 * SEC);
	cr_assert_eq(eval(T0 + 60 * SEC), 1);
	respond(ann, T0 + 65 * SEC, 1, 0, 0);	/* avg 60 s */
	cr_assert_eq(eval(T0 + 70 * SEC), 1);
	cr_assert_eq(nrecs, 4);
	expect_ev(0, ALERT_FIRING, "slow", "agent", "ann", T0 + 20 * SEC,
	    T0 + 20 * SEC);
	expect_ev(1, ALERT_FIRING, "slow", "agent", "ann", T0 + 20 * SEC,
	    T0 + 40 * SEC);
	expect_ev(2, ALERT_FIRING, "slow", "agent", "ann", T0 + 20 * SEC,
	    T0 + 60 * SEC);
	expect_ev(3, ALERT_RESOLVED, "slow", "agent", "ann", T0 + 20 * SEC,
	    T0 + 70 * SEC);
	cr_assert_eq(alerts_firing(al), 0);
	quiet(T0 + 80 * SEC);
}

/* Resolved at the first evaluation under the threshold, same id. */
Test(alert, resolve_first_clear)
{
	struct scope	*ann;

	rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_GT,
	    60);
	start();
	ann = agent("ann");
	respond(ann, S1, 1, 120000, 0);
	cr_assert_eq(eval(T0), 1);
	quiet(T0 + 10 * SEC);
	respond(ann, T0 + 15 * SEC, 3, 0, 0);	/* avg 30 s */
	cr_assert_eq(eval(T0 + 20 * SEC), 1);
	expect_ev(0, ALERT_FIRING, "slow", "agent", "ann", T0, T0);
	expect_ev(1, ALERT_RESOLVED, "slow", "agent", "ann", T0,
	    T0 + 20 * SEC);
	cr_assert_str_eq(recs[0].id, recs[1].id);
	cr_assert_eq(recs[1].window_s, 300);
	cr_assert_float_eq(recs[1].threshold, 60.0, 1e-9);
	/* firing says the value that broke the rule, resolved the one now */
	cr_assert_float_eq(recs[0].value, 120.0, 1e-9);
	cr_assert_float_eq(recs[1].value, 30.0, 1e-9);
	cr_assert_eq(alerts_firing(al), 0);
	quiet(T0 + 30 * SEC);
	quiet(T0 + 40 * SEC);

	/* Holding again is a new firing with a new id. */
	respond(ann, T0 + 45 * SEC, 4, 200000, 0);	/* 920 s / 8 */
	cr_assert_eq(eval(T0 + 50 * SEC), 1);
	expect_ev(2, ALERT_FIRING, "slow", "agent", "ann", T0 + 50 * SEC,
	    T0 + 50 * SEC);
	cr_assert_str_neq(recs[2].id, recs[0].id);
	cr_assert_eq(alerts_firing(al), 1);
	cr_assert_eq(alerts_transitions(al), 3);
}

/* min_samples counts responses, misses and unanswered waits. */
Test(alert, min_samples)
{
	struct scope	*ann;
	size_t		 ri;

	ri = rule_add(cf, "low_rate", RULE_SCOPE_AGENT, "rate", 300,
	    RULE_OP_LT, 0.95);
	rule(cf, ri)->min_samples = 10;
	start();
	ann = agent("ann");
	respond(ann, S1, 4, 10000, WINDOW_WITHIN);
	tally(ann, S1, 4, TALLY_MISSED);
	tally(ann, S1, 1, TALLY_UNANSWERED);
	quiet(T0);				/* 9 samples, rate 0.5 */
	quiet(T0 + 10 * SEC);
	tally(ann, T0 + 15 * SEC, 1, TALLY_UNANSWERED);
	cr_assert_eq(eval(T0 + 20 * SEC), 1, "10 samples: no firing");
	expect_ev(0, ALERT_FIRING, "low_rate", "agent", "ann", T0 + 20 * SEC,
	    T0 + 20 * SEC);
	cr_assert_float_eq(recs[0].value, 0.5, 1e-12);
}

/* frt_* rules count first responses and breaches only. */
Test(alert, min_samples_frt)
{
	struct scope	*ann;
	size_t		 ri;

	ri = rule_add(cf, "slow_first", RULE_SCOPE_AGENT, "frt_avg_s", 300,
	    RULE_OP_GT, 30);
	rule(cf, ri)->min_samples = 3;
	start();
	ann = agent("ann");
	respond(ann, S1, 2, 60000, WINDOW_FIRST);
	respond(ann, S1, 5, 1000, WINDOW_WITHIN);
	tally(ann, S1, 5, TALLY_MISSED);
	quiet(T0);			/* 2 first-wait outcomes of 12 */
	tally(ann, T0 + 5 * SEC, 1, TALLY_FRT_BREACHED);
	cr_assert_eq(eval(T0 + 10 * SEC), 1);
	expect_ev(0, ALERT_FIRING, "slow_first", "agent", "ann",
	    T0 + 10 * SEC, T0 + 10 * SEC);
	cr_assert_float_eq(recs[0].value, 60.0, 1e-9);
}

/*
 * The brief: frt_* metrics count first_responses + frt_breached, all
 * other metrics responses + missed + unanswered, first_responses too.
 */
Test(alert, min_samples_first_responses)
{
	size_t	 ri;

	ri = rule_add(cf, "no_first", RULE_SCOPE_AGENT, "first_responses",
	    300, RULE_OP_LT, 1);
	rule(cf, ri)->min_samples = 3;
	start();
	respond(agent("ann"), S1, 3, 10000, WINDOW_WITHIN);
	cr_assert_eq(eval(T0), 1, "3 responses, none first: no firing");
	expect_ev(0, ALERT_FIRING, "no_first", "agent", "ann", T0, T0);
	cr_assert_float_eq(recs[0].value, 0.0, 1e-12);
}

/* Each op exactly at, just over and just under the threshold. */
Test(alert, threshold_ops)
{
	struct scope	*ann;

	rule_add(cf, "gt", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_GT, 60);
	rule_add(cf, "ge", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_GE, 60);
	rule_add(cf, "lt", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_LT, 60);
	rule_add(cf, "le", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_LE, 60);
	start();
	ann = agent("ann");

	respond(ann, S1, 1, 60000, 0);			/* avg 60 s */
	cr_assert_eq(eval(T0), 2);
	expect_ev(0, ALERT_FIRING, "ge", "agent", "ann", T0, T0);
	expect_ev(1, ALERT_FIRING, "le", "agent", "ann", T0, T0);
	cr_assert_float_eq(recs[0].value, 60.0, 1e-12);
	cr_assert_eq(alerts_firing(al), 2);

	respond(ann, T0 + 5 * SEC, 1, 61000, 0);	/* avg 60.5 s */
	cr_assert_eq(eval(T0 + 10 * SEC), 2);
	expect_ev(2, ALERT_FIRING, "gt", "agent", "ann", T0 + 10 * SEC,
	    T0 + 10 * SEC);
	expect_ev(3, ALERT_RESOLVED, "le", "agent", "ann", T0, T0 + 10 * SEC);
	cr_assert_eq(alerts_firing(al), 2);

	respond(ann, T0 + 15 * SEC, 1, 58000, 0);
	respond(ann, T0 + 15 * SEC, 1, 59000, 0);	/* 238 s / 4 */
	cr_assert_eq(eval(T0 + 20 * SEC), 4);
	expect_ev(4, ALERT_RESOLVED, "gt", "agent", "ann", T0 + 10 * SEC,
	    T0 + 20 * SEC);
	expect_ev(5, ALERT_RESOLVED, "ge", "agent", "ann", T0, T0 + 20 * SEC);
	expect_ev(6, ALERT_FIRING, "lt", "agent", "ann", T0 + 20 * SEC,
	    T0 + 20 * SEC);
	expect_ev(7, ALERT_FIRING, "le", "agent", "ann", T0 + 20 * SEC,
	    T0 + 20 * SEC);
	cr_assert_float_eq(recs[6].value, 59.5, 1e-12);
	cr_assert_eq(alerts_firing(al), 2);
}

/* A ratio exactly at the threshold: 19 / 20 is 0.95. */
Test(alert, ratio_at_threshold)
{
	struct scope	*ann;

	rule_add(cf, "rate_lt", RULE_SCOPE_AGENT, "rate", 300, RULE_OP_LT,
	    0.95);
	rule_add(cf, "rate_le", RULE_SCOPE_AGENT, "rate", 300, RULE_OP_LE,
	    0.95);
	start();
	ann = agent("ann");
	respond(ann, S1, 19, 1000, WINDOW_WITHIN);
	tally(ann, S1, 1, TALLY_MISSED);
	cr_assert_eq(eval(T0), 1);
	expect_ev(0, ALERT_FIRING, "rate_le", "agent", "ann", T0, T0);
	cr_assert_float_eq(recs[0].value, 0.95, 1e-15);
}

/*
 * Outcomes age out of the window: the alert resolves at the first
 * evaluation that no longer sees them; a NAN metric never holds.
 */
Test(alert, window_empties)
{
	size_t	 ri;
	int64_t	 t;

	rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_GT,
	    60);
	ri = rule_add(cf, "slow0", RULE_SCOPE_AGENT, "art_avg_s", 300,
	    RULE_OP_GT, 60);
	rule(cf, ri)->min_samples = 0;
	ri = rule_add(cf, "frt_nan", RULE_SCOPE_AGENT, "frt_avg_s", 300,
	    RULE_OP_LT, 1e9);
	rule(cf, ri)->min_samples = 0;
	ri = rule_add(cf, "max_nan", RULE_SCOPE_AGENT, "frt_max_s", 300,
	    RULE_OP_GE, -1e9);
	rule(cf, ri)->min_samples = 0;
	start();
	respond(agent("ann"), S1, 1, 120000, 0);	/* no first response */
	cr_assert_eq(eval(T0), 2);
	expect_ev(0, ALERT_FIRING, "slow", "agent", "ann", T0, T0);
	expect_ev(1, ALERT_FIRING, "slow0", "agent", "ann", T0, T0);
	/* S1 is in (t - 300 s, t] up to t = EPOCH + 300 s. */
	for (t = T0 + 10 * SEC; t <= EPOCH + 300 * SEC; t += 10 * SEC)
		quiet(t);
	cr_assert_eq(alerts_firing(al), 2);
	cr_assert_eq(eval(EPOCH + 310 * SEC), 2);
	expect_ev(2, ALERT_RESOLVED, "slow", "agent", "ann", T0,
	    EPOCH + 310 * SEC);
	expect_ev(3, ALERT_RESOLVED, "slow0", "agent", "ann", T0,
	    EPOCH + 310 * SEC);
	cr_assert_eq(alerts_firing(al), 0);
	quiet(EPOCH + 320 * SEC);
	quiet(EPOCH + 4000 * SEC);
}

/* Team and global rules, each on its own window. */
Test(alert, team_and_global)
{
	struct scope	*billing, *sales;
	int64_t		 t = EPOCH + 400 * SEC;

	rule_add(cf, "team_slow", RULE_SCOPE_TEAM, "art_avg_s", 300,
	    RULE_OP_GT, 60);
	rule_add(cf, "floor_rate", RULE_SCOPE_GLOBAL, "rate", 3600,
	    RULE_OP_LT, 0.95);
	start();
	billing = team("billing");
	sales = team("sales");
	/* Sales was slow over an hour but is fast in the last 5 minutes. */
	respond(sales, S1, 5, 300000, 0);
	respond(sales, t - 5 * SEC, 2, 5000, 0);
	respond(billing, t - 5 * SEC, 2, 90000, 0);
	/* The agents would hold too, but no rule looks at agents. */
	respond(agent("ann"), t - 5 * SEC, 2, 90000, 0);
	/* The floor's misses are out of 300 s and inside 3600 s. */
	tally(ss.global, S1, 3, TALLY_MISSED);
	respond(ss.global, S1, 1, 1000, WINDOW_WITHIN);

	cr_assert_eq(eval(t), 2);
	expect_ev(0, ALERT_FIRING, "team_slow", "team", "billing", t, t);
	expect_ev(1, ALERT_FIRING, "floor_rate", "global", "global", t, t);
	cr_assert_str_eq(recs[0].id, "team_slow:team:billing:1700000400000");
	cr_assert_str_eq(recs[1].id,
	    "floor_rate:global:global:1700000400000");
	cr_assert_float_eq(recs[0].value, 90.0, 1e-9);
	cr_assert_float_eq(recs[1].value, 0.25, 1e-12);
	cr_assert_eq(recs[1].window_s, 3600);
	cr_assert_eq(alerts_firing(al), 2);
}

/* Transitions of one instant: by rule index, then by subject. */
Test(alert, sorted_by_rule_then_subject)
{
	static const char *const names[] = { "zoe", "ann", "mia", "bob" };
	static const char *const sorted[] = { "ann", "bob", "mia", "zoe" };
	struct scope	*s;
	size_t		 i, j;

	rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_GT,
	    60);
	rule_add(cf, "low_rate", RULE_SCOPE_AGENT, "rate", 300, RULE_OP_LT,
	    0.95);
	start();
	for (i = 0; i < 4; i++) {
		s = agent(names[i]);
		respond(s, S1, 1, 120000, 0);
		tally(s, S1, 1, TALLY_MISSED);
	}
	cr_assert_eq(eval(T0), 8);
	for (j = 0; j < 2; j++)
		for (i = 0; i < 4; i++)
			expect_ev(j * 4 + i, ALERT_FIRING,
			    j == 0 ? "slow" : "low_rate", "agent", sorted[i],
			    T0, T0);
	cr_assert_eq(alerts_firing(al), 8);
	cr_assert_eq(eval(EPOCH + 310 * SEC), 8);
	for (j = 0; j < 2; j++)
		for (i = 0; i < 4; i++)
			expect_ev(8 + j * 4 + i, ALERT_RESOLVED,
			    j == 0 ? "slow" : "low_rate", "agent", sorted[i],
			    T0, EPOCH + 310 * SEC);
	cr_assert_eq(alerts_firing(al), 0);
}

/*
 * A reload keeps the states of rules with the same name, scope, metric
 * and window, under their new index; it resolves the others at once.
 */
Test(alert, set_conf)
{
	struct scope	*ann, *bob;
	size_t		 ri;

	rule_add(cf, "gone", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_GT,
	    60);
	rule_add(cf, "kept", RULE_SCOPE_AGENT, "rate", 300, RULE_OP_LT, 0.95);
	rule_add(cf, "rewindowed", RULE_SCOPE_AGENT, "rate", 300, RULE_OP_LT,
	    0.95);
	start();
	ann = agent("ann");
	bob = agent("bob");
	respond(ann, S1, 1, 120000, 0);
	tally(ann, S1, 1, TALLY_MISSED);		/* rate 0 */
	respond(bob, S1, 1, 120000, 0);
	tally(bob, S1, 1, TALLY_MISSED);
	cr_assert_eq(eval(T0), 6);
	cr_assert_eq(alerts_firing(al), 6);

	/* The new list: kept moves to 0 with another threshold. */
	cf2 = conf_default();
	ri = rule_add(cf2, "kept", RULE_SCOPE_AGENT, "rate", 300, RULE_OP_LT,
	    0.9);
	free(rule(cf2, ri)->severity);
	rule(cf2, ri)->severity = xstrdup("critical");
	rule_add(cf2, "rewindowed", RULE_SCOPE_AGENT, "rate", 3600,
	    RULE_OP_LT, 0.95);
	rule_add(cf2, "fresh", RULE_SCOPE_AGENT, "art_max_s", 300, RULE_OP_GE,
	    100);

	alerts_set_conf(al, cf2, T0 + 5 * SEC);
	conf_free(cf);		/* the alerts hold no part of it */
	cf = NULL;
	cr_assert_eq(nrecs, 10);
	expect_ev(6, ALERT_RESOLVED, "gone", "agent", "ann", T0, T0 + 5 * SEC);
	expect_ev(7, ALERT_RESOLVED, "gone", "agent", "bob", T0, T0 + 5 * SEC);
	expect_ev(8, ALERT_RESOLVED, "rewindowed", "agent", "ann", T0,
	    T0 + 5 * SEC);
	expect_ev(9, ALERT_RESOLVED, "rewindowed", "agent", "bob", T0,
	    T0 + 5 * SEC);
	cr_assert_eq(alerts_firing(al), 2);

	/* kept goes on without a new firing; the new rules fire. */
	cr_assert_eq(eval(T0 + 10 * SEC), 4);
	expect_ev(10, ALERT_FIRING, "rewindowed", "agent", "ann",
	    T0 + 10 * SEC, T0 + 10 * SEC);
	expect_ev(11, ALERT_FIRING, "rewindowed", "agent", "bob",
	    T0 + 10 * SEC, T0 + 10 * SEC);
	expect_ev(12, ALERT_FIRING, "fresh", "agent", "ann", T0 + 10 * SEC,
	    T0 + 10 * SEC);
	expect_ev(13, ALERT_FIRING, "fresh", "agent", "bob", T0 + 10 * SEC,
	    T0 + 10 * SEC);
	cr_assert_eq(recs[11].window_s, 3600);
	cr_assert_eq(alerts_firing(al), 6);

	/* ann's rate rises to 0.9: kept resolves under its first id. */
	respond(ann, T0 + 15 * SEC, 9, 1000, WINDOW_WITHIN);
	cr_assert_eq(eval(T0 + 20 * SEC), 1);
	expect_ev(14, ALERT_RESOLVED, "kept", "agent", "ann", T0,
	    T0 + 20 * SEC);
	cr_assert_str_eq(recs[14].severity, "critical");
	cr_assert_float_eq(recs[14].threshold, 0.9, 1e-12);
	cr_assert_eq(alerts_firing(al), 5);
}

/* A reload drops pending states of rules gone, silently. */
Test(alert, set_conf_pending)
{
	size_t	 ri;

	ri = rule_add(cf, "gone", RULE_SCOPE_AGENT, "art_avg_s", 300,
	    RULE_OP_GT, 60);
	rule(cf, ri)->for_s = 60;
	ri = rule_add(cf, "kept", RULE_SCOPE_AGENT, "art_avg_s", 3600,
	    RULE_OP_GT, 60);
	rule(cf, ri)->for_s = 30;
	start();
	respond(agent("ann"), S1, 1, 120000, 0);
	quiet(T0);
	quiet(T0 + 10 * SEC);

	cf2 = conf_default();
	ri = rule_add(cf2, "kept", RULE_SCOPE_AGENT, "art_avg_s", 3600,
	    RULE_OP_GT, 60);
	rule(cf2, ri)->for_s = 30;
	alerts_set_conf(al, cf2, T0 + 15 * SEC);
	cr_assert_eq(nrecs, 0);
	quiet(T0 + 20 * SEC);
	/* kept has been pending since T0. */
	cr_assert_eq(eval(T0 + 30 * SEC), 1, "pending state lost on reload");
	expect_ev(0, ALERT_FIRING, "kept", "agent", "ann", T0 + 30 * SEC,
	    T0 + 30 * SEC);
}

/* Rules the evaluation does not own are left alone. */
Test(alert, rules_skipped)
{
	size_t	 ri;

	rule_add(cf, "odd_window", RULE_SCOPE_AGENT, "art_avg_s", 600,
	    RULE_OP_GT, 60);
	ri = rule_add(cf, "overdue", RULE_SCOPE_CONVERSATION, "art_avg_s", 0,
	    RULE_OP_GT, 60);
	rule(cf, ri)->metric = -1;	/* as conf_rule leaves it */
	rule(cf, ri)->window_s = 0;
	rule(cf, ri)->open_ms = 20000;
	start();
	respond(agent("ann"), S1, 1, 120000, 0);
	quiet(T0);
	quiet(T0 + 10 * SEC);
	cr_assert_eq(alerts_firing(al), 0);
}

/* alerts_firing and alerts_transitions also count conversation alerts. */
Test(alert, counts)
{
	struct alert_event	 ev;

	rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_GT,
	    60);
	start();
	cr_assert_eq(alerts_next(al, EPOCH), EPOCH + 10 * SEC);
	cr_assert_eq(alerts_next(al, EPOCH + 1), EPOCH + 10 * SEC);
	cr_assert_eq(alerts_next(al, EPOCH + 9999), EPOCH + 10 * SEC);
	respond(agent("ann"), S1, 1, 120000, 0);
	respond(agent("bob"), S1, 1, 120000, 0);
	cr_assert_eq(eval(T0), 2);
	cr_assert_eq(alerts_firing(al), 2);

	memset(&ev, 0, sizeof(ev));
	ev.rule = "response_overdue";
	ev.status = ALERT_FIRING;
	ev.severity = "warning";
	ev.scope = "conversation";
	ev.subject = "c1";
	ev.metric = "wait_s";
	ev.value = 180;
	ev.threshold = 180;
	ev.started_ms = EPOCH + 5 * SEC;
	ev.ts_ms = EPOCH + 185 * SEC;
	alert_id(&ev);
	cr_assert_str_eq(ev.id,
	    "response_overdue:conversation:c1:1700000005000");
	alerts_send(al, &ev);
	cr_assert_eq(alerts_firing(al), 3);
	cr_assert_eq(alerts_transitions(al), 3);
	cr_assert_eq(nrecs, 3);
	cr_assert_str_eq(recs[2].id, ev.id);
	ev.status = ALERT_RESOLVED;
	alerts_send(al, &ev);
	cr_assert_eq(alerts_firing(al), 2);
	cr_assert_eq(alerts_transitions(al), 4);
	cr_assert_str_eq(alert_scope_name(RULE_SCOPE_CONVERSATION),
	    "conversation");
	cr_assert_str_eq(alert_status_name(ALERT_RESOLVED), "resolved");

	cr_assert_eq(eval(EPOCH + 310 * SEC), 2);
	cr_assert_eq(alerts_firing(al), 0);
	cr_assert_eq(alerts_transitions(al), 6);
}

/* 10,000 agents fire in one evaluation and resolve in another. */
Test(alert, storm, .timeout = 60)
{
	double		 t;
	char		 name[32], **ids;
	size_t		 i;
	int		 k;

	rule_add(cf, "slow", RULE_SCOPE_AGENT, "art_avg_s", 300, RULE_OP_GT,
	    60);
	start();
	for (k = 0; k < STORM; k++) {
		/* Created out of order: 7919 is prime to STORM. */
		snprintf(name, sizeof(name), "agent%05d", k * 7919 % STORM);
		respond(agent(name), S1, 1, 120000, 0);
	}

	t = clk_mono_s();
	cr_assert_eq(eval(T0), STORM);
	t = clk_mono_s() - t;
	cr_log_info("storm: %d firing in %.2f ms", STORM, t * 1e3);
	cr_assert_eq(alerts_firing(al), STORM);
	ids = xcalloc(STORM, sizeof(*ids));
	for (i = 0; i < STORM; i++) {
		snprintf(name, sizeof(name), "agent%05zu", i);
		expect_ev(i, ALERT_FIRING, "slow", "agent", name, T0, T0);
		ids[i] = recs[i].id;
	}
	qsort(ids, STORM, sizeof(*ids), cmp_str);
	for (i = 1; i < STORM; i++)
		cr_assert_str_neq(ids[i - 1], ids[i]);
	free(ids);

	quiet(T0 + 10 * SEC);
	t = clk_mono_s();
	cr_assert_eq(eval(EPOCH + 310 * SEC), STORM);
	t = clk_mono_s() - t;
	cr_log_info("storm: %d resolved in %.2f ms", STORM, t * 1e3);
	for (i = 0; i < STORM; i++) {
		cr_assert_eq(recs[STORM + i].status, ALERT_RESOLVED);
		cr_assert_str_eq(recs[STORM + i].id, recs[i].id);
		cr_assert_eq(recs[STORM + i].ts_ms, EPOCH + 310 * SEC);
	}
	cr_assert_eq(alerts_firing(al), 0);
	cr_assert_eq(alerts_transitions(al), 2 * STORM);
	quiet(EPOCH + 320 * SEC);
}
