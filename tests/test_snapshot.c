/* The snapshot document: exactly the shape replytimed(8) gives. */

#include <criterion/criterion.h>

#include "alert.h"
#include "harness.h"

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

TestSuite(snapshot, .init = setup, .fini = teardown);

static const char *const metrics_keys[] = {
	"responses", "first_responses", "frt_avg_s", "frt_p50_s", "frt_p90_s",
	"frt_max_s", "frt_within", "frt_breached", "frt_rate", "art_avg_s",
	"art_p50_s", "art_p90_s", "art_p99_s", "art_max_s", "within",
	"missed", "rate", "unanswered"
};

/* Asserts the object has exactly these keys, in this order. */
static void
keys_are(json_t *o, const char *const *keys, size_t n)
{
	const char	*k;
	json_t		*v;
	size_t		 i = 0;

	cr_assert(json_is_object(o));
	cr_assert_eq(json_object_size(o), n, "%zu keys, want %zu",
	    json_object_size(o), n);
	json_object_foreach(o, k, v) {
		(void)v;
		cr_assert_str_eq(k, keys[i], "key %zu is %s, want %s", i, k,
		    keys[i]);
		i++;
	}
}

static void
scope_shape(json_t *s)
{
	static const char *const scope_keys[] = { "waiting", "oldest_wait_s",
	    "windows" };
	static const char *const win_keys[] = { "300", "3600", "86400" };
	json_t		*w, *m;
	const char	*k;
	size_t		 i;

	keys_are(s, scope_keys, 3);
	cr_assert(json_is_integer(json_object_get(s, "waiting")));
	cr_assert(json_is_number(json_object_get(s, "oldest_wait_s")) ||
	    json_is_null(json_object_get(s, "oldest_wait_s")));
	w = json_object_get(s, "windows");
	keys_are(w, win_keys, 3);
	json_object_foreach(w, k, m) {
		keys_are(m, metrics_keys, METRIC_COUNT);
		for (i = 0; i < METRIC_COUNT; i++) {
			json_t *v = json_object_get(m, metrics_keys[i]);

			if (metric_defs[i].kind == METRIC_KIND_COUNT)
				cr_assert(json_is_integer(v), "%s", k);
			else
				cr_assert(json_is_number(v) || json_is_null(v));
		}
	}
}

Test(snapshot, shape_is_the_contract)
{
	static const char *const top[] = { "version", "clock_ms",
	    "generated_ms", "windows_s", "targets", "global", "teams",
	    "agents" };
	static const char *const targets[] = { "first_response_s",
	    "average_response_s", "response_within_s", "response_rate" };
	json_t		*o, *v;
	const char	*k;
	char		*text;

	CUST(&h, T0, "c1", "ann", "sales");
	AGENT(&h, T0 + 12345, "c1", "ann");
	CUST(&h, T0 + 20 * SEC, "c2", "bob", "billing");
	harness_at(&h, T0 + 60 * SEC);
	o = snapshot_build(h.e, h.cf, 1234567);
	keys_are(o, top, 8);
	cr_expect_eq(json_integer_value(json_object_get(o, "version")), 1);
	cr_expect_eq(json_integer_value(json_object_get(o, "clock_ms")),
	    T0 + 60 * SEC);
	cr_expect_eq(json_integer_value(json_object_get(o, "generated_ms")),
	    1234567);
	v = json_object_get(o, "windows_s");
	cr_assert_eq(json_array_size(v), 3);
	cr_expect_eq(json_integer_value(json_array_get(v, 0)), 300);
	cr_expect_eq(json_integer_value(json_array_get(v, 2)), 86400);
	v = json_object_get(o, "targets");
	keys_are(v, targets, 4);
	cr_expect_eq(json_integer_value(json_object_get(v,
	    "first_response_s")), 30);
	cr_expect_float_eq(json_number_value(json_object_get(v,
	    "response_rate")), 0.95, 1e-12);
	scope_shape(json_object_get(o, "global"));
	cr_assert_eq(json_object_size(json_object_get(o, "teams")), 2);
	json_object_foreach(json_object_get(o, "teams"), k, v)
		scope_shape(v);
	cr_assert_eq(json_object_size(json_object_get(o, "agents")), 2);
	json_object_foreach(json_object_get(o, "agents"), k, v)
		scope_shape(v);

	/* the dump carries milliseconds without float noise */
	text = snapshot_dump(o);
	cr_expect_neq(strstr(text, "\"art_avg_s\":12.345,"), NULL, "%s", text);
	cr_expect_neq(strstr(text, "\"oldest_wait_s\":40,"), NULL);
	free(text);
	json_decref(o);
}

Test(snapshot, values_hand_computed)
{
	json_t	*o, *m;

	/* ann: 10 s and 50 s replies, one first; bob: a miss */
	CUST(&h, T0, "c1", "ann", "sales");
	AGENT(&h, T0 + 10 * SEC, "c1", "ann");
	CUST(&h, T0 + 20 * SEC, "c1", NULL, NULL);
	CUST(&h, T0 + 30 * SEC, "c2", "bob", "sales");
	AGENT(&h, T0 + 70 * SEC, "c1", "ann");
	harness_at(&h, T0 + 240 * SEC);
	o = snapshot_build(h.e, h.cf, 0);
	m = json_object_get(json_object_get(json_object_get(json_object_get(o,
	    "agents"), "ann"), "windows"), "300");
	cr_expect_eq(json_integer_value(json_object_get(m, "responses")), 2);
	cr_expect_eq(json_integer_value(json_object_get(m,
	    "first_responses")), 1);
	cr_expect_float_eq(json_number_value(json_object_get(m, "art_avg_s")),
	    30.0, 1e-9);
	cr_expect_float_eq(json_number_value(json_object_get(m, "art_max_s")),
	    50.0, 1e-9);
	cr_expect_float_eq(json_number_value(json_object_get(m, "frt_avg_s")),
	    10.0, 1e-9);
	cr_expect_float_eq(json_number_value(json_object_get(m, "rate")), 1.0,
	    1e-12);
	m = json_object_get(json_object_get(json_object_get(json_object_get(o,
	    "teams"), "sales"), "windows"), "300");
	cr_expect_eq(json_integer_value(json_object_get(m, "within")), 2);
	cr_expect_eq(json_integer_value(json_object_get(m, "missed")), 1);
	cr_expect_float_eq(json_number_value(json_object_get(m, "rate")),
	    2.0 / 3, 1e-12);
	cr_expect_eq(json_integer_value(json_object_get(m, "frt_breached")),
	    1);
	cr_expect_float_eq(json_number_value(json_object_get(m, "frt_rate")),
	    0.5, 1e-12);
	m = json_object_get(json_object_get(json_object_get(json_object_get(o,
	    "agents"), "bob"), "windows"), "300");
	cr_expect(json_is_null(json_object_get(m, "art_avg_s")));
	cr_expect(json_is_null(json_object_get(m, "rate")) == 0);
	cr_expect_eq(json_integer_value(json_object_get(json_object_get(
	    json_object_get(o, "agents"), "bob"), "waiting")), 1);
	cr_expect_float_eq(json_number_value(json_object_get(json_object_get(
	    json_object_get(o, "agents"), "bob"), "oldest_wait_s")), 210.0,
	    1e-9);
	json_decref(o);
}

Test(snapshot, empty_engine)
{
	json_t	*o, *g;

	o = snapshot_build(h.e, h.cf, 5);
	cr_expect(json_is_null(json_object_get(o, "clock_ms")));
	g = json_object_get(o, "global");
	cr_expect_eq(json_integer_value(json_object_get(g, "waiting")), 0);
	cr_expect(json_is_null(json_object_get(g, "oldest_wait_s")));
	scope_shape(g);
	cr_expect_eq(json_object_size(json_object_get(o, "agents")), 0);
	json_decref(o);
}

/* One alert, hand-written: the fields of a transition, then of the list. */
Test(snapshot, alert_fields_in_order)
{
	struct alert_event	 ev;
	json_t			*o;
	char			*text, num[64];

	memset(&ev, 0, sizeof(ev));
	ev.rule = "slow";
	ev.status = ALERT_RESOLVED;
	ev.severity = "warning";
	ev.scope = "agent";
	ev.subject = "ann";
	ev.metric = "art_avg_s";
	ev.window_s = 300;
	ev.value = NAN;
	ev.threshold = 60.5;
	ev.started_ms = 1700000010000;
	ev.ts_ms = 1700000020000;
	ev.team = "sales";
	alert_id(&ev);
	cr_assert_str_eq(ev.id, "slow:agent:ann:1700000010000");

	o = snapshot_alert(&ev, ALERT_IN_EVENT);
	text = snapshot_dump(o);
	cr_assert_str_eq(text, "{\"id\":\"slow:agent:ann:1700000010000\","
	    "\"rule\":\"slow\",\"status\":\"resolved\",\"severity\":"
	    "\"warning\",\"scope\":\"agent\",\"subject\":\"ann\",\"metric\":"
	    "\"art_avg_s\",\"window_s\":300,\"value\":null,\"threshold\":60.5,"
	    "\"started_ms\":1700000010000,\"ts_ms\":1700000020000,\"team\":"
	    "\"sales\"}");
	free(text);
	json_decref(o);
	o = snapshot_alert(&ev, ALERT_IN_LIST);
	cr_assert_null(json_object_get(o, "ts_ms"));
	cr_assert_null(json_object_get(o, "agent"));
	cr_assert_eq(json_object_size(o), ALERT_NFIELDS - 2);
	json_decref(o);

	/* the stream's text: no value is "", an absent agent is NULL */
	cr_assert_str_eq(alert_field_text(&ev, &alert_fields[ALERT_FIELD_value],
	    num, sizeof(num)), "");
	cr_assert_str_eq(alert_field_text(&ev,
	    &alert_fields[ALERT_FIELD_threshold], num, sizeof(num)), "60.5");
	cr_assert_str_eq(alert_field_text(&ev,
	    &alert_fields[ALERT_FIELD_window_s], num, sizeof(num)), "300");
	cr_assert_null(alert_field_text(&ev, &alert_fields[ALERT_FIELD_agent],
	    num, sizeof(num)));
	cr_assert_str_eq(alert_field_text(&ev,
	    &alert_fields[ALERT_FIELD_status], num, sizeof(num)), "resolved");
}
