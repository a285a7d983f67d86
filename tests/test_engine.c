/* The engine's rules (replytimed(8), METRIC DEFINITIONS), one test per rule. */

#include <criterion/criterion.h>

#include "alert.h"
#include "harness.h"
#include "hash.h"
#include "snapshot.h"

static struct harness h;

static void
setup(void)
{
	harness_start(&h, NULL);
}

static void
teardown(void)
{
	harness_stop(&h);
}

#define W5	0	/* the 300 s window */
#define W60	1	/* the 3600 s window */
#define W24	2	/* the 86400 s window */

static void
expect(size_t i, enum outcome_kind kind, const char *conv, const char *agent,
    int first, int64_t wait_ms, int64_t ts)
{
	cr_assert_lt(i, h.n, "outcome %zu missing (have %zu)", i, h.n);
	cr_expect_eq(h.out[i].kind, kind, "outcome %zu kind %s, want %s", i,
	    outcome_names[h.out[i].kind], outcome_names[kind]);
	cr_expect_str_eq(h.out[i].conv, conv);
	cr_expect_str_eq(h.out[i].agent, agent);
	cr_expect_eq(h.out[i].first, first, "outcome %zu first", i);
	cr_expect_eq(h.out[i].wait_ms, wait_ms, "outcome %zu wait %lld", i,
	    (long long)h.out[i].wait_ms);
	cr_expect_eq(h.out[i].ts, ts, "outcome %zu ts %lld", i,
	    (long long)h.out[i].ts);
}

TestSuite(engine, .init = setup, .fini = teardown);

Test(engine, several_customer_messages_one_wait)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", NULL, "sales");
	CUST(&h, T0 + 5 * SEC, "c1", NULL, NULL);
	CUST(&h, T0 + 12 * SEC, "c1", NULL, NULL);
	AGENT(&h, T0 + 20 * SEC, "c1", "ann");
	harness_at(&h, T0 + 60 * SEC);
	cr_assert_eq(h.n, 1);
	expect(0, OUTCOME_RESPONSE, "c1", "ann", 1, 20 * SEC, T0 + 20 * SEC);
	cr_expect_str_eq(h.out[0].team, "sales");
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W5, m);
	cr_expect_eq(m[METRIC_RESPONSES], 1);
	cr_expect_eq(m[METRIC_FIRST_RESPONSES], 1);
	cr_expect_float_eq(m[METRIC_ART_AVG], 20.0, 1e-9);
	cr_expect_float_eq(m[METRIC_FRT_MAX], 20.0, 1e-9);
	cr_expect_eq(m[METRIC_WITHIN], 1);
	cr_expect_eq(m[METRIC_FRT_WITHIN], 1);
	cr_expect_float_eq(m[METRIC_RATE], 1.0, 1e-12);
}

Test(engine, agent_followup_is_not_a_response)
{
	CUST(&h, T0, "c1", NULL, NULL);
	AGENT(&h, T0 + 10 * SEC, "c1", "ann");
	AGENT(&h, T0 + 15 * SEC, "c1", "ann");
	AGENT(&h, T0 + 400 * SEC, "c1", "ann");
	harness_at(&h, T0 + 500 * SEC);
	cr_assert_eq(h.n, 1);
	expect(0, OUTCOME_RESPONSE, "c1", "ann", 1, 10 * SEC, T0 + 10 * SEC);
}

Test(engine, second_wait_is_not_first)
{
	CUST(&h, T0, "c1", NULL, NULL);
	AGENT(&h, T0 + 10 * SEC, "c1", "ann");
	CUST(&h, T0 + 20 * SEC, "c1", NULL, NULL);
	AGENT(&h, T0 + 70 * SEC, "c1", "bob");
	harness_at(&h, T0 + 100 * SEC);
	cr_assert_eq(h.n, 2);
	expect(0, OUTCOME_RESPONSE, "c1", "ann", 1, 10 * SEC, T0 + 10 * SEC);
	/* 50 s is past the 30 s first-response target but not a first wait */
	expect(1, OUTCOME_RESPONSE, "c1", "bob", 0, 50 * SEC, T0 + 70 * SEC);
	cr_expect_eq(harness_count(&h, OUTCOME_FRT_BREACHED), 0);
}

Test(engine, bot_greeting_then_handoff)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", NULL, NULL);
	BOT(&h, T0 + 1 * SEC, "c1");
	CUST(&h, T0 + 100 * SEC, "c1", NULL, NULL);	/* still with bot */
	ASSIGN(&h, T0 + 250 * SEC, "c1", "ann");
	AGENT(&h, T0 + 262 * SEC, "c1", "ann");
	harness_at(&h, T0 + 300 * SEC);
	/* bot time left out: 250 s with the bot, 12 s with ann, no miss */
	cr_assert_eq(h.n, 1);
	expect(0, OUTCOME_RESPONSE, "c1", "ann", 1, 12 * SEC, T0 + 262 * SEC);
	harness_metrics(&h, SCOPE_AGENT, "ann", W5, m);
	cr_expect_eq(m[METRIC_FRT_WITHIN], 1);
	cr_expect_eq(m[METRIC_WITHIN], 1);
	cr_expect_float_eq(m[METRIC_FRT_AVG], 12.0, 1e-9);
}

Test(engine, handoff_restarts_the_clock_for_misses)
{
	CUST(&h, T0, "c1", NULL, NULL);
	BOT(&h, T0 + 1 * SEC, "c1");
	ASSIGN(&h, T0 + 100 * SEC, "c1", "ann");
	harness_at(&h, T0 + 1000 * SEC);
	/* from the assign: breach at +30 s, miss at +180 s */
	cr_assert_eq(h.n, 2);
	expect(0, OUTCOME_FRT_BREACHED, "c1", "ann", 1, 30 * SEC,
	    T0 + 130 * SEC);
	expect(1, OUTCOME_MISSED, "c1", "ann", 1, 180 * SEC, T0 + 280 * SEC);
}

Test(engine, bot_settles_the_conversation_alone)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", NULL, "support");
	BOT(&h, T0 + 2 * SEC, "c1");
	CUST(&h, T0 + 30 * SEC, "c1", NULL, NULL);
	BOT(&h, T0 + 31 * SEC, "c1");
	CLOSE(&h, T0 + 600 * SEC, "c1");
	harness_at(&h, T0 + 900 * SEC);
	cr_expect_eq(h.n, 0, "a wait with the bot at close has no outcome");
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W60, m);
	cr_expect_eq(m[METRIC_UNANSWERED], 0);
	cr_expect_eq(m[METRIC_MISSED], 0);
	cr_expect_eq(h.e->scopes.global->waiting, 0);
}

Test(engine, agent_steps_in_while_bot_holds)
{
	CUST(&h, T0, "c1", NULL, NULL);
	BOT(&h, T0 + 1 * SEC, "c1");
	AGENT(&h, T0 + 400 * SEC, "c1", "ann");
	harness_at(&h, T0 + 500 * SEC);
	cr_assert_eq(h.n, 1);
	expect(0, OUTCOME_RESPONSE, "c1", "ann", 1, 0, T0 + 400 * SEC);
}

Test(engine, reassignment_mid_wait_moves_the_miss)
{
	CUST(&h, T0, "c1", "ann", "sales");
	harness_at(&h, T0 + 10 * SEC);
	cr_expect_eq(scope_find(&h.e->scopes, SCOPE_AGENT, "ann", 3)->waiting,
	    1);
	ASSIGN(&h, T0 + 20 * SEC, "c1", "bob");
	harness_at(&h, T0 + 25 * SEC);
	cr_expect_eq(scope_find(&h.e->scopes, SCOPE_AGENT, "ann", 3)->waiting,
	    0);
	cr_expect_eq(scope_find(&h.e->scopes, SCOPE_AGENT, "bob", 3)->waiting,
	    1);
	harness_at(&h, T0 + 200 * SEC);
	cr_assert_eq(h.n, 2);
	expect(0, OUTCOME_FRT_BREACHED, "c1", "bob", 1, 30 * SEC,
	    T0 + 30 * SEC);
	expect(1, OUTCOME_MISSED, "c1", "bob", 1, 180 * SEC, T0 + 180 * SEC);
	cr_expect_str_eq(h.out[1].team, "sales");
}

Test(engine, close_with_open_wait)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", "ann", NULL);
	CLOSE(&h, T0 + 12 * SEC, "c1");
	harness_at(&h, T0 + 400 * SEC);
	/* the pending outcomes are stamped at the close */
	cr_assert_eq(h.n, 3);
	expect(0, OUTCOME_FRT_BREACHED, "c1", "ann", 1, 12 * SEC,
	    T0 + 12 * SEC);
	expect(1, OUTCOME_MISSED, "c1", "ann", 1, 12 * SEC, T0 + 12 * SEC);
	expect(2, OUTCOME_UNANSWERED, "c1", "ann", 1, 12 * SEC,
	    T0 + 12 * SEC);
	harness_metrics(&h, SCOPE_AGENT, "ann", W60, m);
	cr_expect_eq(m[METRIC_UNANSWERED], 1);
	cr_expect_eq(m[METRIC_MISSED], 1);
	cr_expect_eq(m[METRIC_FRT_BREACHED], 1);
	cr_expect_float_eq(m[METRIC_RATE], 0.0, 1e-12);
	cr_expect(isnan(m[METRIC_ART_AVG]));
}

Test(engine, close_after_miss_adds_only_unanswered)
{
	CUST(&h, T0, "c1", NULL, NULL);
	CLOSE(&h, T0 + 300 * SEC, "c1");
	harness_at(&h, T0 + 400 * SEC);
	cr_assert_eq(h.n, 3);
	expect(0, OUTCOME_FRT_BREACHED, "c1", "", 1, 30 * SEC, T0 + 30 * SEC);
	expect(1, OUTCOME_MISSED, "c1", "", 1, 180 * SEC, T0 + 180 * SEC);
	expect(2, OUTCOME_UNANSWERED, "c1", "", 1, 300 * SEC,
	    T0 + 300 * SEC);
}

Test(engine, reply_at_exactly_30s_is_within)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", NULL, NULL);
	AGENT(&h, T0 + 30 * SEC, "c1", "ann");
	CUST(&h, T0 + 40 * SEC, "c2", NULL, NULL);
	AGENT(&h, T0 + 70 * SEC + 1, "c2", "ann");
	harness_at(&h, T0 + 100 * SEC);
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W5, m);
	cr_expect_eq(m[METRIC_FRT_WITHIN], 1);
	cr_expect_eq(m[METRIC_FRT_BREACHED], 1);
	cr_expect_float_eq(m[METRIC_FRT_RATE], 0.5, 1e-12);
	cr_expect_float_eq(m[METRIC_FRT_MAX], 30.001, 1e-9);
	/* the breach goes to the assignee (none), not the late replier */
	harness_metrics(&h, SCOPE_AGENT, "ann", W5, m);
	cr_expect_eq(m[METRIC_FRT_WITHIN], 1);
	cr_expect_eq(m[METRIC_FRT_BREACHED], 0);
	cr_expect_float_eq(m[METRIC_FRT_RATE], 1.0, 1e-12);
	/* the breach was stamped at 70 s, before the late reply */
	cr_assert_eq(h.n, 3);
	expect(1, OUTCOME_FRT_BREACHED, "c2", "", 1, 30 * SEC, T0 + 70 * SEC);
	expect(2, OUTCOME_RESPONSE, "c2", "ann", 1, 30 * SEC + 1,
	    T0 + 70 * SEC + 1);
}

Test(engine, reply_at_exactly_180s_is_within)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", NULL, NULL);
	CUST(&h, T0 + 10 * SEC, "c2", NULL, NULL);
	AGENT(&h, T0 + 180 * SEC, "c1", "ann");
	AGENT(&h, T0 + 190 * SEC + 1, "c2", "ann");
	harness_at(&h, T0 + 200 * SEC);
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W5, m);
	cr_expect_eq(m[METRIC_WITHIN], 1);
	cr_expect_eq(m[METRIC_MISSED], 1);
	cr_expect_eq(m[METRIC_RESPONSES], 2);
	cr_expect_float_eq(m[METRIC_RATE], 0.5, 1e-12);
	cr_expect_float_eq(m[METRIC_ART_AVG], (180.0 + 180.001) / 2, 1e-9);
}

Test(engine, exact_threshold_reply_arriving_at_the_clock)
{
	/* the clock sits exactly on the deadline when the reply is read */
	CUST(&h, T0, "c1", NULL, NULL);
	harness_at(&h, T0 + 180 * SEC);
	cr_expect_eq(harness_count(&h, OUTCOME_MISSED), 0,
	    "a miss waits until the clock has passed the deadline");
	cr_assert_eq(AGENT(&h, T0 + 180 * SEC, "c1", "ann"), REASON_NONE);
	harness_at(&h, T0 + 181 * SEC);
	cr_expect_eq(harness_count(&h, OUTCOME_MISSED), 0);
	cr_expect_eq(harness_count(&h, OUTCOME_RESPONSE), 1);
}

Test(engine, reply_after_the_miss_counts_in_averages)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", "ann", NULL);
	AGENT(&h, T0 + 240 * SEC, "c1", "ann");
	harness_at(&h, T0 + 250 * SEC);
	cr_assert_eq(h.n, 3);
	expect(0, OUTCOME_FRT_BREACHED, "c1", "ann", 1, 30 * SEC,
	    T0 + 30 * SEC);
	expect(1, OUTCOME_MISSED, "c1", "ann", 1, 180 * SEC, T0 + 180 * SEC);
	expect(2, OUTCOME_RESPONSE, "c1", "ann", 1, 240 * SEC,
	    T0 + 240 * SEC);
	harness_metrics(&h, SCOPE_AGENT, "ann", W5, m);
	cr_expect_eq(m[METRIC_RESPONSES], 1);
	cr_expect_eq(m[METRIC_WITHIN], 0);
	cr_expect_eq(m[METRIC_MISSED], 1);
	cr_expect_float_eq(m[METRIC_ART_AVG], 240.0, 1e-9);
	cr_expect_float_eq(m[METRIC_ART_MAX], 240.0, 1e-9);
}

Test(engine, duplicate_message_id_is_ignored)
{
	harness_feed(&h, T0, NULL, "customer", "c1", NULL, NULL, "m1");
	harness_feed(&h, T0 + 5 * SEC, NULL, "agent", "c1", "ann", NULL,
	    "m2");
	/* a retried customer message would otherwise open a new wait */
	harness_feed(&h, T0 + 6 * SEC, NULL, "customer", "c1", NULL, NULL,
	    "m1");
	/* a retried reply would otherwise be nothing; also ignored */
	harness_feed(&h, T0 + 7 * SEC, NULL, "agent", "c1", "ann", NULL,
	    "m2");
	harness_at(&h, T0 + 400 * SEC);
	cr_expect_eq(h.n, 1);
	cr_expect_eq(h.e->stats.duplicates, 2);
	cr_expect_eq(h.e->scopes.global->waiting, 0);
}

Test(engine, same_message_id_in_another_conversation_is_new)
{
	harness_feed(&h, T0, NULL, "customer", "c1", NULL, NULL, "m1");
	harness_feed(&h, T0, NULL, "customer", "c2", NULL, NULL, "m1");
	harness_at(&h, T0 + 1 * SEC);
	cr_expect_eq(h.e->scopes.global->waiting, 2);
	cr_expect_eq(h.e->stats.duplicates, 0);
}

Test(engine, late_event_is_refused)
{
	CUST(&h, T0 + 10 * SEC, "c1", NULL, NULL);
	harness_at(&h, T0 + 10 * SEC);
	/* behind the clock */
	cr_expect_eq(CUST(&h, T0 + 10 * SEC - 1, "c2", NULL, NULL),
	    REASON_LATE);
	/* at the clock: not late */
	cr_expect_eq(CUST(&h, T0 + 10 * SEC, "c3", NULL, NULL), REASON_NONE);
	cr_expect_eq(h.e->stats.reasons[REASON_LATE], 1);
	cr_expect_eq(h.e->stats.refused, 1);
}

Test(engine, within_lateness_is_reordered)
{
	/* read out of order but within allowed_lateness_ms (2 s) */
	AGENT(&h, T0 + 10 * SEC, "c1", "ann");
	CUST(&h, T0 + 9 * SEC, "c1", NULL, NULL);
	engine_advance(h.e, 0, 0);		/* backlog: watermark only */
	cr_expect_eq(h.e->clock, T0 + 8 * SEC);
	harness_at(&h, T0 + 20 * SEC);
	cr_assert_eq(h.n, 1);
	expect(0, OUTCOME_RESPONSE, "c1", "ann", 1, 1 * SEC, T0 + 10 * SEC);
}

Test(engine, ties_keep_stream_order)
{
	/* same ts: customer then agent in stream order is a response */
	CUST(&h, T0, "c1", NULL, NULL);
	AGENT(&h, T0, "c1", "ann");
	/* agent then customer: no response, a wait stays open */
	AGENT(&h, T0, "c2", "ann");
	CUST(&h, T0, "c2", NULL, NULL);
	harness_at(&h, T0 + 1 * SEC);
	cr_assert_eq(h.n, 1);
	expect(0, OUTCOME_RESPONSE, "c1", "ann", 1, 0, T0);
	cr_expect_eq(h.e->scopes.global->waiting, 1);
}

Test(engine, future_ts_does_not_move_the_watermark)
{
	int64_t	 wall = T0 + 100 * SEC;
	char	 ts[32], id[32];
	struct entry_field f[3] = {
		{ "conversation", 12, "c1", 2 },
		{ "role", 4, "customer", 8 },
		{ "ts", 2, ts, 0 },
	};

	CUST(&h, T0, "c0", NULL, NULL);
	engine_advance(h.e, 0, 0);
	cr_expect_eq(h.e->clock, T0 - 2 * SEC);
	snprintf(id, sizeof(id), "%lld-0", (long long)wall);
	snprintf(ts, sizeof(ts), "%lld", (long long)(wall + 300 * SEC + 1));
	f[2].valuelen = strlen(ts);
	cr_expect_eq(engine_read(h.e, id, f, 3, wall), REASON_FUTURE_TS);
	engine_advance(h.e, 0, 0);
	cr_expect_eq(h.e->mark, T0);
	cr_expect_eq(h.e->clock, T0 - 2 * SEC);
	/*
	 * Just inside max_future_ms it is accepted, but Redis received it
	 * at `wall': the watermark goes no further than that.
	 */
	snprintf(ts, sizeof(ts), "%lld", (long long)(wall + 300 * SEC));
	cr_expect_eq(engine_read(h.e, id, f, 3, wall), REASON_NONE);
	engine_advance(h.e, 0, 0);
	cr_expect_eq(h.e->mark, wall);
	cr_expect_eq(h.e->clock, wall - 2 * SEC);
}

/*
 * One producer with a clock 5 minutes fast, in live traffic: its event
 * waits for its time, every other conversation's wait keeps its true
 * age, and correctly stamped events read after it are not late.
 */
Test(engine, one_fast_producer_poisons_nothing)
{
	int64_t	 t = T0, fast = T0 + 290 * SEC;
	char	 ts[32], id[32];
	struct entry_field f[3] = {
		{ "conversation", 12, "cf", 2 },
		{ "role", 4, "customer", 8 },
		{ "ts", 2, ts, 0 },
	};

	harness_at(&h, t - 2 * SEC);
	CUST(&h, t, "c1", NULL, NULL);
	harness_at(&h, t + SEC);
	/* read at t + 1 s, stamped 290 s ahead */
	snprintf(id, sizeof(id), "%lld-0", (long long)(t + SEC));
	snprintf(ts, sizeof(ts), "%lld", (long long)fast);
	f[2].valuelen = strlen(ts);
	cr_assert_eq(engine_read(h.e, id, f, 3, t + SEC), REASON_NONE);
	engine_advance(h.e, t + SEC, 1);
	cr_expect_leq(h.e->clock, t + SEC, "the clock went to %lld",
	    (long long)(h.e->clock - t));
	/* an honest answer 20 s later is on time and not late */
	cr_expect_eq(AGENT(&h, t + 20 * SEC, "c1", "ann"), REASON_NONE);
	harness_at(&h, t + 60 * SEC);
	cr_expect_eq(h.n, 1, "one outcome, the response; got %zu", h.n);
	cr_expect_eq(harness_count(&h, OUTCOME_RESPONSE), 1);
	cr_expect_eq(h.out[0].wait_ms, 20 * SEC);
	cr_expect_eq(h.e->stats.reasons[REASON_LATE], 0);
	/* the fast event is applied at its stamp, and misses 180 s later */
	harness_at(&h, fast + 179 * SEC);
	cr_expect_eq(harness_count(&h, OUTCOME_MISSED), 0);
	harness_at(&h, fast + 181 * SEC);
	cr_expect_eq(harness_count(&h, OUTCOME_MISSED), 1);
}

Test(engine, backlog_clock_ignores_the_wall)
{
	CUST(&h, T0, "c1", NULL, NULL);
	engine_advance(h.e, T0 + 3600 * SEC, 0);
	cr_expect_eq(h.e->clock, T0 - 2 * SEC);
	cr_expect_eq(h.n, 0);
	engine_advance(h.e, T0 + 3600 * SEC, 1);
	cr_expect_eq(h.e->clock, T0 + 3598 * SEC);
	cr_expect_eq(h.n, 2, "a breach and a miss; the wait stays open");
}

Test(engine, clock_never_goes_backwards)
{
	harness_at(&h, T0 + 100 * SEC);
	CUST(&h, T0 + 100 * SEC, "c1", NULL, NULL);
	engine_advance(h.e, T0, 1);
	cr_expect_eq(h.e->clock, T0 + 100 * SEC);
	engine_advance(h.e, 0, 0);
	cr_expect_eq(h.e->clock, T0 + 100 * SEC);
}

Test(engine, team_and_unassigned_crediting)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", NULL, "sales");
	CUST(&h, T0, "c2", "ann", "sales");
	CUST(&h, T0, "c3", NULL, NULL);
	harness_at(&h, T0 + 200 * SEC);
	cr_expect_eq(harness_count(&h, OUTCOME_MISSED), 3);
	harness_metrics(&h, SCOPE_TEAM, "sales", W5, m);
	cr_expect_eq(m[METRIC_MISSED], 2);
	cr_expect_eq(m[METRIC_FRT_BREACHED], 2);
	harness_metrics(&h, SCOPE_AGENT, "ann", W5, m);
	cr_expect_eq(m[METRIC_MISSED], 1);
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W5, m);
	cr_expect_eq(m[METRIC_MISSED], 3);
	cr_expect_eq(h.e->scopes.global->waiting, 3);
	cr_expect_eq(scope_find(&h.e->scopes, SCOPE_TEAM, "sales", 5)->waiting,
	    2);
}

Test(engine, response_credited_to_replier_not_assignee)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", "ann", "sales");
	AGENT(&h, T0 + 8 * SEC, "c1", "bob");
	harness_at(&h, T0 + 10 * SEC);
	harness_metrics(&h, SCOPE_AGENT, "bob", W5, m);
	cr_expect_eq(m[METRIC_RESPONSES], 1);
	cr_expect_eq(m[METRIC_WITHIN], 1);
	harness_metrics(&h, SCOPE_AGENT, "ann", W5, m);
	cr_expect_eq(m[METRIC_RESPONSES], 0);
	harness_metrics(&h, SCOPE_TEAM, "sales", W5, m);
	cr_expect_eq(m[METRIC_RESPONSES], 1);
}

Test(engine, latest_team_holds)
{
	CUST(&h, T0, "c1", NULL, "sales");
	harness_feed(&h, T0 + 1 * SEC, NULL, "system", "c1", NULL, "billing",
	    NULL);
	harness_at(&h, T0 + 200 * SEC);
	cr_assert_eq(harness_count(&h, OUTCOME_MISSED), 1);
	cr_expect_str_eq(h.out[1].team, "billing");
	cr_expect_eq(scope_find(&h.e->scopes, SCOPE_TEAM, "billing", 7)->waiting,
	    1);
	cr_expect_eq(scope_find(&h.e->scopes, SCOPE_TEAM, "sales", 5), NULL,
	    "an unused team is forgotten");
}

Test(engine, ttl_forgets_and_counts_unanswered)
{
	struct conf	*cf = conf_default();

	harness_stop(&h);
	cf->metrics.conversation_ttl_s = 600;
	harness_start(&h, cf);
	CUST(&h, T0, "c1", "ann", NULL);
	CUST(&h, T0 + 100 * SEC, "c1", NULL, NULL);
	harness_at(&h, T0 + 700 * SEC);
	cr_expect_eq(h.e->convs.count, 1, "forgotten only after 600 s idle");
	harness_at(&h, T0 + 701 * SEC);
	cr_expect_eq(h.e->convs.count, 0);
	cr_expect_eq(h.e->stats.expired, 1);
	cr_assert_eq(h.n, 3);
	expect(2, OUTCOME_UNANSWERED, "c1", "ann", 1, 700 * SEC,
	    T0 + 700 * SEC);
	/* the same id later is a new conversation with a new first wait */
	CUST(&h, T0 + 800 * SEC, "c1", NULL, NULL);
	harness_at(&h, T0 + 900 * SEC);
	cr_assert_eq(h.n, 4);
	expect(3, OUTCOME_FRT_BREACHED, "c1", "", 1, 30 * SEC,
	    T0 + 830 * SEC);
}

Test(engine, event_at_exactly_ttl_keeps_the_conversation)
{
	struct conf	*cf = conf_default();

	harness_stop(&h);
	cf->metrics.conversation_ttl_s = 600;
	harness_start(&h, cf);
	CUST(&h, T0, "c1", NULL, NULL);
	AGENT(&h, T0 + 5 * SEC, "c1", "ann");
	CUST(&h, T0 + 605 * SEC, "c1", NULL, NULL);
	harness_at(&h, T0 + 700 * SEC);
	cr_expect_eq(h.e->stats.expired, 0);
	cr_expect_eq(harness_count(&h, OUTCOME_FRT_BREACHED), 0,
	    "the second wait of a kept conversation is not first");
}

Test(engine, max_conversations_evicts_longest_idle)
{
	struct conf	*cf = conf_default();

	harness_stop(&h);
	cf->metrics.max_conversations = 2;
	harness_start(&h, cf);
	CUST(&h, T0, "c1", NULL, NULL);
	CUST(&h, T0 + 1 * SEC, "c2", NULL, NULL);
	CUST(&h, T0 + 2 * SEC, "c1", NULL, NULL);	/* c2 now idlest */
	CUST(&h, T0 + 3 * SEC, "c3", NULL, NULL);
	harness_at(&h, T0 + 4 * SEC);
	cr_expect_eq(h.e->convs.count, 2);
	cr_expect_eq(h.e->stats.evicted, 1);
	cr_expect_neq(conv_find(&h.e->convs, "c1", 2, conv_hash("c1", 2)), NULL);
	cr_expect_eq(conv_find(&h.e->convs, "c2", 2, conv_hash("c2", 2)), NULL);
	cr_assert_eq(h.n, 3);
	expect(2, OUTCOME_UNANSWERED, "c2", "", 1, 2 * SEC, T0 + 3 * SEC);
}

Test(engine, close_then_same_id_is_a_new_conversation)
{
	CUST(&h, T0, "c1", NULL, NULL);
	AGENT(&h, T0 + 5 * SEC, "c1", "ann");
	CLOSE(&h, T0 + 10 * SEC, "c1");
	CUST(&h, T0 + 20 * SEC, "c1", NULL, NULL);
	AGENT(&h, T0 + 27 * SEC, "c1", "ann");
	harness_at(&h, T0 + 30 * SEC);
	cr_assert_eq(h.n, 2);
	expect(1, OUTCOME_RESPONSE, "c1", "ann", 1, 7 * SEC, T0 + 27 * SEC);
	cr_expect_eq(h.e->stats.closed, 1);
}

Test(engine, bot_time_counted_when_option_off)
{
	struct conf	*cf = conf_default();

	harness_stop(&h);
	cf->metrics.exclude_bot_time = 0;
	harness_start(&h, cf);
	CUST(&h, T0, "c1", NULL, NULL);
	BOT(&h, T0 + 1 * SEC, "c1");
	ASSIGN(&h, T0 + 50 * SEC, "c1", "ann");
	AGENT(&h, T0 + 60 * SEC, "c1", "ann");
	harness_at(&h, T0 + 100 * SEC);
	cr_assert_eq(h.n, 2);
	expect(0, OUTCOME_FRT_BREACHED, "c1", "", 1, 30 * SEC, T0 + 30 * SEC);
	expect(1, OUTCOME_RESPONSE, "c1", "ann", 1, 60 * SEC, T0 + 60 * SEC);
}

Test(engine, waiting_and_oldest_exclude_bot_waits)
{
	json_t	*snap, *g;

	CUST(&h, T0, "c1", "ann", "sales");
	BOT(&h, T0 + 1 * SEC, "c1");
	CUST(&h, T0 + 10 * SEC, "c2", "ann", "sales");
	CUST(&h, T0 + 20 * SEC, "c3", NULL, "sales");
	harness_at(&h, T0 + 25 * SEC);
	snap = snapshot_build(h.e, h.cf, T0 + 26 * SEC);
	g = json_object_get(snap, "global");
	cr_expect_eq(json_integer_value(json_object_get(g, "waiting")), 2);
	cr_expect_float_eq(json_number_value(json_object_get(g,
	    "oldest_wait_s")), 15.0, 1e-9);
	g = json_object_get(json_object_get(snap, "agents"), "ann");
	cr_expect_eq(json_integer_value(json_object_get(g, "waiting")), 1);
	cr_expect_float_eq(json_number_value(json_object_get(g,
	    "oldest_wait_s")), 15.0, 1e-9);
	json_decref(snap);
}

Test(engine, outcome_leaves_the_window_after_its_width)
{
	double	 m[METRIC_COUNT];

	CUST(&h, T0, "c1", NULL, NULL);
	AGENT(&h, T0 + 10 * SEC, "c1", "ann");
	harness_at(&h, T0 + 310 * SEC - 1);
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W5, m);
	cr_expect_eq(m[METRIC_RESPONSES], 1, "in (T-300 s, T] until +310 s");
	harness_at(&h, T0 + 310 * SEC);
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W5, m);
	cr_expect_eq(m[METRIC_RESPONSES], 0);
	cr_expect(isnan(m[METRIC_ART_AVG]));
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W60, m);
	cr_expect_eq(m[METRIC_RESPONSES], 1);
}

Test(engine, idle_agent_leaves_the_snapshot)
{
	json_t	*snap;

	CUST(&h, T0, "c1", NULL, NULL);
	AGENT(&h, T0 + 10 * SEC, "c1", "ann");
	CLOSE(&h, T0 + 11 * SEC, "c1");
	harness_at(&h, T0 + 86400 * SEC);
	snap = snapshot_build(h.e, h.cf, 0);
	cr_expect_neq(json_object_get(json_object_get(snap, "agents"), "ann"),
	    NULL);
	json_decref(snap);
	harness_at(&h, T0 + 90000 * SEC);
	snap = snapshot_build(h.e, h.cf, 0);
	cr_expect_eq(json_object_size(json_object_get(snap, "agents")), 0);
	json_decref(snap);
	cr_expect_eq(scope_find(&h.e->scopes, SCOPE_AGENT, "ann", 3), NULL);
}

Test(engine, lowered_target_on_reload)
{
	struct conf	*cf = conf_default();

	CUST(&h, T0, "c1", NULL, NULL);
	harness_at(&h, T0 + 100 * SEC);
	cr_expect_eq(harness_count(&h, OUTCOME_MISSED), 0);
	cf->targets.response_within_s = 60;
	engine_set_targets(h.e, cf);
	harness_at(&h, T0 + 101 * SEC);
	cr_assert_eq(harness_count(&h, OUTCOME_MISSED), 1);
	/* stamped at the reload's clock, never in the past */
	expect(1, OUTCOME_MISSED, "c1", "", 1, 100 * SEC, T0 + 100 * SEC);
	conf_free(cf);
}

Test(engine, assign_without_wait_and_close_unknown)
{
	ASSIGN(&h, T0, "c1", "ann");
	CLOSE(&h, T0, "zz");
	CUST(&h, T0 + 1 * SEC, "c1", NULL, NULL);
	harness_at(&h, T0 + 2 * SEC);
	cr_expect_eq(scope_find(&h.e->scopes, SCOPE_AGENT, "ann", 3)->waiting,
	    1, "the assignment holds for the next wait");
	cr_expect_eq(h.e->convs.count, 1);
}

Test(engine, late_does_not_depend_on_read_batches)
{
	struct harness	 h2;
	int64_t		 ts[] = { 0, 5000, 2500, 3200, 9000, 6900, 7000 };
	enum reason	 a, b;
	size_t		 i;
	char		 conv[8];

	/* the same entries, one advance at the end vs one after each */
	harness_start(&h2, NULL);
	for (i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		snprintf(conv, sizeof(conv), "c%zu", i);
		a = CUST(&h, T0 + ts[i], conv, NULL, NULL);
		b = CUST(&h2, T0 + ts[i], conv, NULL, NULL);
		engine_advance(h2.e, 0, 0);
		cr_expect_eq(a, b, "entry %zu: %d in one read, %d alone", i,
		    a, b);
	}
	/* 2500 is behind 5000 - 2000, 6900 behind 9000 - 2000 */
	cr_expect_eq(h.e->stats.reasons[REASON_LATE], 2);
	cr_expect_eq(h2.e->stats.reasons[REASON_LATE], 2);
	harness_stop(&h2);
}

struct alert_rec {
	int	 firing;
	int	 resolved;
	char	 last_id[ALERT_ID_MAX];
	int64_t	 last_ts;
};

static void
alert_rec_sink(const struct alert_event *ev, void *arg)
{
	struct alert_rec	*r = arg;

	if (ev->status == ALERT_FIRING)
		r->firing++;
	else
		r->resolved++;
	snprintf(r->last_id, sizeof(r->last_id), "%s", ev->id);
	r->last_ts = ev->ts_ms;
}

Test(engine, overdue_alerts_fire_once_and_resolve_at_the_reply)
{
	struct alert_rec	 rec = { 0 };
	json_t			*doc, *l, *a;
	char			 id[128];

	alerts_set_sink(h.e->alerts, alert_rec_sink, &rec);
	CUST(&h, T0, "c1", "ann", "sales");
	harness_at(&h, T0 + 200 * SEC);
	cr_expect_eq(rec.firing, 2);
	doc = snapshot_alerts(h.e, 0);
	l = json_object_get(doc, "alerts");
	cr_assert_eq(json_array_size(l), 2);
	a = json_array_get(l, 0);
	snprintf(id, sizeof(id), "first_response_overdue:conversation:c1:%lld",
	    (long long)(T0 + 30 * SEC));
	cr_expect_str_eq(json_string_value(json_object_get(a, "id")), id);
	cr_expect_str_eq(json_string_value(json_object_get(a, "agent")),
	    "ann");
	cr_expect_str_eq(json_string_value(json_object_get(a, "team")),
	    "sales");
	cr_expect_float_eq(json_number_value(json_object_get(a, "threshold")),
	    30.0, 1e-9);
	cr_expect_str_eq(json_string_value(json_object_get(json_array_get(l,
	    1), "rule")), "response_overdue");
	cr_expect_eq(json_object_get(a, "ts_ms"), NULL);
	json_decref(doc);
	/* a second customer message does not fire them again */
	CUST(&h, T0 + 205 * SEC, "c1", NULL, NULL);
	harness_at(&h, T0 + 300 * SEC);
	cr_expect_eq(rec.firing, 2);
	AGENT(&h, T0 + 310 * SEC, "c1", "ann");
	harness_at(&h, T0 + 320 * SEC);
	cr_expect_eq(rec.resolved, 2);
	cr_expect_eq(rec.last_ts, T0 + 310 * SEC);
	doc = snapshot_alerts(h.e, 0);
	cr_expect_eq(json_array_size(json_object_get(doc, "alerts")), 0);
	json_decref(doc);
}

Test(engine, answered_in_time_no_alert)
{
	struct alert_rec	 rec = { 0 };

	alerts_set_sink(h.e->alerts, alert_rec_sink, &rec);
	CUST(&h, T0, "c1", NULL, NULL);
	AGENT(&h, T0 + 30 * SEC, "c1", "ann");
	CUST(&h, T0 + 40 * SEC, "c1", NULL, NULL);
	CLOSE(&h, T0 + 100 * SEC, "c1");
	harness_at(&h, T0 + 400 * SEC);
	cr_expect_eq(rec.firing, 0, "a close before the target is no alert");
	cr_expect_eq(alerts_firing(h.e->alerts), 0);
}

/* The engine again, on the default config changed by the caller. */
static void
restart_with(struct conf *cf)
{
	harness_stop(&h);
	harness_start(&h, cf);
}

static size_t
snapshot_kind_size(const char *kind)
{
	json_t	*snap;
	size_t	 n;

	snap = snapshot_build(h.e, h.cf, 0);
	n = json_object_size(json_object_get(snap, kind));
	json_decref(snap);
	return (n);
}

/*
 * metrics.max_agents 3 and five agents answering: three get a scope,
 * the floor counts all five responses, the outcomes name all five.
 */
Test(engine, max_agents_caps_the_scopes_not_the_floor)
{
	struct conf	*cf = conf_default();
	double		 m[METRIC_COUNT];
	char		 conv[16], agent[16];
	int		 i;

	cf->metrics.max_agents = 3;
	restart_with(cf);
	for (i = 1; i <= 5; i++) {
		snprintf(conv, sizeof(conv), "c%d", i);
		snprintf(agent, sizeof(agent), "a%d", i);
		CUST(&h, T0 + i * SEC, conv, agent, "sales");
	}
	for (i = 1; i <= 5; i++) {
		snprintf(conv, sizeof(conv), "c%d", i);
		snprintf(agent, sizeof(agent), "a%d", i);
		AGENT(&h, T0 + (10 + i) * SEC, conv, agent);
	}
	harness_at(&h, T0 + 60 * SEC);
	cr_assert_eq(h.n, 5, "%zu outcomes", h.n);
	for (i = 1; i <= 5; i++) {
		snprintf(agent, sizeof(agent), "a%d", i);
		cr_expect_str_eq(h.out[i - 1].agent, agent);
		cr_expect_str_eq(h.out[i - 1].team, "sales");
	}
	cr_expect_eq(scopes_count(&h.e->scopes, SCOPE_AGENT), 3);
	cr_expect_not_null(scope_find(&h.e->scopes, SCOPE_AGENT, "a3", 2));
	cr_expect_null(scope_find(&h.e->scopes, SCOPE_AGENT, "a4", 2));
	cr_expect_eq(snapshot_kind_size("agents"), 3);
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W5, m);
	cr_expect_eq(m[METRIC_RESPONSES], 5);
	harness_metrics(&h, SCOPE_TEAM, "sales", W5, m);
	cr_expect_eq(m[METRIC_RESPONSES], 5);
	/* a4 and a5: at the customer message, then at the reply */
	cr_expect_eq(h.e->stats.agents_refused, 4);
}

/* Once an agent is collected, a new one takes its place. */
Test(engine, max_agents_room_after_collection)
{
	struct conf	*cf = conf_default();

	cf->metrics.max_agents = 1;
	restart_with(cf);
	CUST(&h, T0, "c1", "ann", NULL);
	AGENT(&h, T0 + 1 * SEC, "c1", "ann");
	CLOSE(&h, T0 + 2 * SEC, "c1");
	CUST(&h, T0 + 3 * SEC, "c2", "bob", NULL);
	/* ann's windows are empty a day on: bob gets her room */
	CUST(&h, T0 + 90000 * SEC, "c3", "bob", NULL);
	harness_at(&h, T0 + 90001 * SEC);
	cr_expect_eq(h.e->stats.agents_refused, 1);
	cr_expect_null(scope_find(&h.e->scopes, SCOPE_AGENT, "ann", 3));
	cr_expect_not_null(scope_find(&h.e->scopes, SCOPE_AGENT, "bob", 3));
}

/* metrics.max_teams 2 and four teams: the same, for teams. */
Test(engine, max_teams_caps_the_scopes_not_the_floor)
{
	struct conf	*cf = conf_default();
	double		 m[METRIC_COUNT];
	char		 conv[16], team[16];
	int		 i;

	cf->metrics.max_teams = 2;
	restart_with(cf);
	for (i = 1; i <= 4; i++) {
		snprintf(conv, sizeof(conv), "c%d", i);
		snprintf(team, sizeof(team), "t%d", i);
		CUST(&h, T0 + i * SEC, conv, NULL, team);
	}
	harness_at(&h, T0 + 1000 * SEC);
	/* each wait: frt_breached and missed */
	cr_assert_eq(h.n, 8);
	for (i = 0; i < 8; i++) {
		snprintf(team, sizeof(team), "t%d", 1 + i % 4);
		cr_expect_str_eq(h.out[i].team, team, "outcome %d", i);
	}
	cr_expect_eq(scopes_count(&h.e->scopes, SCOPE_TEAM), 2);
	cr_expect_eq(snapshot_kind_size("teams"), 2);
	harness_metrics(&h, SCOPE_GLOBAL, NULL, W60, m);
	cr_expect_eq(m[METRIC_MISSED], 4);
	harness_metrics(&h, SCOPE_TEAM, "t2", W60, m);
	cr_expect_eq(m[METRIC_MISSED], 1);
	cr_expect_eq(h.e->stats.teams_refused, 2);
}

/* Everything a run gave, as text: the outcomes, the snapshot, the stats. */
static char *
run_capped(const uint8_t key[HASH_KEYLEN], int advance_each)
{
	struct conf	*cf = conf_default();
	char		 conv[16], agent[16], team[16], *text, *snap;
	json_t		*o;
	size_t		 len, i;
	FILE		*f;
	int		 k;

	hash_key_set(key);
	cf->metrics.max_agents = 7;
	cf->metrics.max_teams = 3;
	cf->metrics.max_message_ids = 20;
	restart_with(cf);
	for (k = 0; k < 400; k++) {
		snprintf(conv, sizeof(conv), "c%d", k % 37);
		snprintf(agent, sizeof(agent), "a%d", (k * 7) % 23);
		snprintf(team, sizeof(team), "t%d", (k * 3) % 5);
		/* a day's gap now and then: scopes are collected */
		harness_feed(&h, T0 + k * 30 * SEC + (k / 100) * 86400 * SEC,
		    k % 5 == 4 ? "close" : NULL, k % 5 == 4 ? NULL :
		    k % 3 == 2 ? "agent" : "customer", conv, agent, team,
		    k % 4 == 0 ? conv : agent);
		if (advance_each)
			harness_at(&h, T0 + k * 30 * SEC +
			    (k / 100) * 86400 * SEC);
	}
	harness_at(&h, T0 + 5 * 86400 * SEC);
	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	for (i = 0; i < h.n; i++)
		fprintf(f, "%d %s %s %s %d %lld %lld\n", (int)h.out[i].kind,
		    h.out[i].conv, h.out[i].agent, h.out[i].team,
		    h.out[i].first, (long long)h.out[i].wait_ms,
		    (long long)h.out[i].ts);
	o = snapshot_build(h.e, h.cf, 0);
	snap = snapshot_dump(o);
	json_decref(o);
	fprintf(f, "%s\n%llu %llu %llu %llu\n", snap,
	    (unsigned long long)h.e->stats.agents_refused,
	    (unsigned long long)h.e->stats.teams_refused,
	    (unsigned long long)h.e->stats.message_ids_refused,
	    (unsigned long long)h.e->stats.duplicates);
	free(snap);
	fclose(f);
	return (text);
}

/*
 * The caps decide the same however the clock was moved and whatever the
 * hash key: a replay (read in one go, with another key) gives the same
 * outcomes, the same snapshot and the same counts.
 */
Test(engine, caps_are_deterministic)
{
	static const uint8_t	 k1[HASH_KEYLEN] = { 1, 2, 3 };
	static const uint8_t	 k2[HASH_KEYLEN] = { 9, 8, 7, 6, 5 };
	static const uint8_t	 k0[HASH_KEYLEN] = { 0 };
	char			*live, *replay;

	live = run_capped(k1, 1);
	replay = run_capped(k2, 0);
	hash_key_set(k0);
	cr_expect(strstr(live, "\n0 0 0 0\n") == NULL, "no cap was met");
	cr_expect_str_eq(live, replay);
	free(live);
	free(replay);
}

/*
 * ingest.max_reorder 3 with an hour's lateness: a fourth event that
 * would wait is refused; one whose watermark frees a place is taken.
 */
Test(engine, max_reorder_refuses_what_would_wait)
{
	struct conf	*cf = conf_default();

	cf->ingest.allowed_lateness_ms = 3600000;
	cf->ingest.max_reorder = 3;
	restart_with(cf);
	cr_expect_eq(CUST(&h, T0, "c1", NULL, NULL), REASON_NONE);
	cr_expect_eq(CUST(&h, T0 + 1 * SEC, "c2", NULL, NULL), REASON_NONE);
	cr_expect_eq(CUST(&h, T0 + 2 * SEC, "c3", NULL, NULL), REASON_NONE);
	cr_expect_eq(CUST(&h, T0 + 3 * SEC, "c4", NULL, NULL),
	    REASON_REORDER_FULL);
	cr_expect_eq(reorder_len(&h.e->reorder), 3);
	/* its watermark, T0 + 0.5 s, lets c1 go */
	cr_expect_eq(CUST(&h, T0 + 3600500, "c5", NULL, NULL), REASON_NONE);
	cr_expect_eq(reorder_len(&h.e->reorder), 3);
	cr_expect_eq(engine_conversations(h.e), 1);
	cr_expect_eq(h.e->stats.reasons[REASON_REORDER_FULL], 1);
	cr_expect_eq(h.e->stats.refused, 1);
	harness_at(&h, T0 + 86000 * SEC);
	/* c1, c2, c3 and c5 each breached and missed; c4 never was */
	cr_expect_eq(harness_count(&h, OUTCOME_MISSED), 4);
}

/* ingest.max_entry_kb: more is refused whole, unparsed; exactly is not. */
Test(engine, max_entry_kb_refuses_before_parsing)
{
	struct conf		*cf = conf_default();
	struct entry_field	 f[2];
	static char		 big[2048];

	cf->ingest.max_entry_kb = 1;
	restart_with(cf);
	memset(big, '{', sizeof(big));	/* not JSON: never parsed */
	f[0].name = "conversation";
	f[0].namelen = 12;
	f[0].value = "c1";
	f[0].valuelen = 2;
	f[1].name = "json";
	f[1].namelen = 4;
	f[1].value = big;
	f[1].valuelen = 1024 - 18 + 1;
	cr_expect_eq(engine_read(h.e, "1700000640000-0", f, 2, T0),
	    REASON_TOO_LARGE);
	f[1].valuelen = 1024 - 18;	/* 1024 bytes in all */
	cr_expect_eq(engine_read(h.e, "1700000640000-1", f, 2, T0),
	    REASON_BAD_JSON);
	cr_expect_eq(h.e->stats.reasons[REASON_TOO_LARGE], 1);
	cr_expect_eq(h.e->stats.reasons[REASON_BAD_JSON], 1);
}

/*
 * metrics.max_message_ids 2: the third id is not remembered (counted),
 * so its repeat is applied; a repeat of a remembered one is not.
 */
Test(engine, max_message_ids_in_all)
{
	struct conf	*cf = conf_default();

	cf->metrics.max_message_ids = 2;
	restart_with(cf);
	harness_feed(&h, T0, NULL, "customer", "c1", NULL, NULL, "m1");
	harness_feed(&h, T0 + 1 * SEC, NULL, "customer", "c1", NULL, NULL,
	    "m2");
	harness_feed(&h, T0 + 2 * SEC, NULL, "customer", "c2", NULL, NULL,
	    "m3");
	harness_feed(&h, T0 + 3 * SEC, NULL, "customer", "c2", NULL, NULL,
	    "m3");
	harness_feed(&h, T0 + 4 * SEC, NULL, "customer", "c1", NULL, NULL,
	    "m1");
	harness_at(&h, T0 + 10 * SEC);
	cr_expect_eq(h.e->stats.message_ids_refused, 2);
	cr_expect_eq(h.e->stats.duplicates, 1);
	cr_expect_eq(h.e->stats.applied, 5);
	cr_expect_eq(h.e->convs.nmsgids, 2);
}
