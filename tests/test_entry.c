/*
 * Tests for entry.c, by hand: stream entry fields -> event, and every
 * refusal.  The randomized cases are in test_entry_random.c.
 */

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "entry.h"
#include "evcheck.h"

#define WALL	1700000000000LL		/* the wall clock in every test */
#define FUT	300000LL		/* ingest.max_future_ms */
#define ID	"1700000000000-0"	/* its ms part is WALL */
#define MAXF	64

/* A hand-built entry; the strings are borrowed. */
struct tent {
	struct entry_field	 f[MAXF];
	size_t			 n;
};

static void
addn(struct tent *t, const char *name, const char *value, size_t len)
{
	cr_assert_lt(t->n, MAXF);
	t->f[t->n].name = name;
	t->f[t->n].namelen = strlen(name);
	t->f[t->n].value = value;
	t->f[t->n].valuelen = len;
	t->n++;
}

static void
add(struct tent *t, const char *name, const char *value)
{
	addn(t, name, value, strlen(value));
}

static struct chat_event *
parse(const struct tent *t, const char *id, enum reason *r)
{
	*r = (enum reason)-42;
	return (entry_parse(id, t->f, t->n, WALL, FUT, r));
}

/* Asserts that the entry is refused with exactly this reason. */
static void
want(const struct tent *t, const char *id, enum reason w)
{
	struct chat_event	*ev;
	enum reason	 r;

	ev = parse(t, id, &r);
	if (ev != NULL) {
		chat_event_free(ev);
		cr_assert_fail("accepted, wanted %s", evcheck_reason(w));
	}
	cr_assert_eq(r, w, "got %s, wanted %s", evcheck_reason(r), evcheck_reason(w));
}

/* Asserts that the entry is accepted and returns the event. */
static struct chat_event *
ok(const struct tent *t, const char *id)
{
	struct chat_event	*ev;
	enum reason	 r;

	ev = parse(t, id, &r);
	cr_assert_not_null(ev, "refused: %s", evcheck_reason(r));
	cr_assert_eq(r, REASON_NONE);
	return (ev);
}

/* Checks every field of an event; NULL strings mean absent. */
static void
check_ev(const struct chat_event *ev, int64_t ts, enum event_type type,
    enum event_role role, const char *conv, const char *agent,
    const char *team, const char *msgid)
{
	cr_assert_eq(ev->ts, ts, "ts %" PRId64 ", wanted %" PRId64,
	    ev->ts, ts);
	cr_assert_eq(ev->seq, 0);
	cr_assert_eq(ev->type, type, "type %d, wanted %d", ev->type, type);
	cr_assert_eq(ev->role, role, "role %d, wanted %d", ev->role, role);
	evcheck_str("conversation", ev->conv, ev->convlen, conv,
	    conv ? strlen(conv) : 0);
	evcheck_str("agent", ev->agent, ev->agentlen, agent,
	    agent ? strlen(agent) : 0);
	evcheck_str("team", ev->team, ev->teamlen, team,
	    team ? strlen(team) : 0);
	evcheck_str("message_id", ev->msgid, ev->msgidlen, msgid,
	    msgid ? strlen(msgid) : 0);
}

/* A json entry holding text. */
static void
json1(struct tent *t, const char *text)
{
	t->n = 0;
	add(t, "json", text);
}

Test(entry, reason_names)
{
	int	 i, j;

	cr_assert_str_eq(reason_names[REASON_BAD_ID], "bad_id");
	cr_assert_str_eq(reason_names[REASON_MISSING_CONVERSATION],
	    "missing_conversation");
	cr_assert_str_eq(reason_names[REASON_OVERSIZE_MESSAGE_ID],
	    "oversize_message_id");
	cr_assert_str_eq(reason_names[REASON_BAD_TS], "bad_ts");
	cr_assert_str_eq(reason_names[REASON_FUTURE_TS], "future_ts");
	cr_assert_str_eq(reason_names[REASON_LATE], "late");
	cr_assert_str_eq(reason_names[REASON_TOO_LARGE], "too_large");
	cr_assert_str_eq(reason_names[REASON_REORDER_FULL], "reorder_full");
	cr_assert_eq(REASON_BAD_ID, 0);
	for (i = 0; i < REASON_COUNT; i++) {
		cr_assert_not_null(reason_names[i]);
		cr_assert_gt(strlen(reason_names[i]), 0);
		for (j = 0; j < i; j++)
			cr_assert_str_neq(reason_names[i], reason_names[j]);
	}
}

/* The bytes ingest.max_entry_kb counts: every name and value. */
Test(entry, size_counts_names_and_values)
{
	struct entry_field	 f[3] = {
		{ "conversation", 12, "c1", 2 },
		{ "json", 4, "{}", 2 },
		{ "", 0, "", 0 }
	};

	cr_expect_eq(entry_size(f, 0), 0);
	cr_expect_eq(entry_size(f, 1), 14);
	cr_expect_eq(entry_size(f, 3), 20);
	f[2].valuelen = SIZE_MAX - 5;
	cr_expect_eq(entry_size(f, 3), SIZE_MAX, "saturated");
}

Test(entry, id_ms)
{
	static const char *const bad[] = {
		"", "-", "-0", "0-", "1700000000000", "1700000000000-",
		"+1-0", "-1-0", " 1-0", "1 -0", "1- 0", "1-0 ", "1-+0",
		"1-0-0", "1.0-0", "1-0.0", "0x10-0", "a-0", "1-a",
		"9223372036854775808-0",
		"99999999999999999999-0",
		"1-18446744073709551616",
		"1-99999999999999999999"
	};
	int64_t	 ms;
	size_t	 i;

	cr_assert_eq(entry_id_ms("1700000000000-3", &ms), 0);
	cr_assert_eq(ms, 1700000000000LL);
	cr_assert_eq(entry_id_ms("0-0", &ms), 0);
	cr_assert_eq(ms, 0);
	cr_assert_eq(entry_id_ms("0001-02", &ms), 0);
	cr_assert_eq(ms, 1);
	cr_assert_eq(entry_id_ms(
	    "9223372036854775807-18446744073709551615", &ms), 0);
	cr_assert_eq(ms, INT64_MAX);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 77;
		cr_assert_eq(entry_id_ms(bad[i], &ms), -1, "\"%s\"", bad[i]);
		cr_assert_eq(ms, 77, "\"%s\" wrote ms", bad[i]);
	}
	cr_assert_eq(entry_id_ms(NULL, &ms), -1);
}

Test(entry, bad_id)
{
	struct tent	 t = { .n = 0 };

	add(&t, "conversation", "c1");
	add(&t, "role", "customer");
	want(&t, "1700000000000", REASON_BAD_ID);
	want(&t, "x-1", REASON_BAD_ID);
	want(&t, NULL, REASON_BAD_ID);
	/* The id comes first, even before a broken json field. */
	add(&t, "json", "[");
	want(&t, "-1", REASON_BAD_ID);
}

Test(entry, flat_customer_message)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	add(&t, "conversation", "conv-42");
	add(&t, "role", "customer");
	add(&t, "agent", "alice");
	add(&t, "team", "billing");
	add(&t, "type", "message");
	add(&t, "message_id", "m-1");
	add(&t, "ts", "1699999999000");
	ev = ok(&t, "1700000000000-5");
	check_ev(ev, 1699999999000LL, TYPE_MESSAGE, ROLE_CUSTOMER,
	    "conv-42", "alice", "billing", "m-1");
	chat_event_free(ev);
}

Test(entry, flat_agent_bot_system)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	add(&t, "conversation", "c");
	add(&t, "role", "agent");
	add(&t, "agent", "bob");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_AGENT, "c", "bob", NULL, NULL);
	chat_event_free(ev);

	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "role", "bot");
	add(&t, "team", "t");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_BOT, "c", NULL, "t", NULL);
	chat_event_free(ev);

	t.n = 0;
	add(&t, "role", "system");
	add(&t, "conversation", "c2");
	add(&t, "message_id", "x");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_SYSTEM, "c2", NULL, NULL, "x");
	chat_event_free(ev);
}

Test(entry, flat_assign_close)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	add(&t, "conversation", "c");
	add(&t, "type", "assign");
	add(&t, "agent", "carol");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_ASSIGN, ROLE_NONE, "c", "carol", NULL, NULL);
	chat_event_free(ev);

	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "type", "close");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_CLOSE, ROLE_NONE, "c", NULL, NULL, NULL);
	chat_event_free(ev);

	/* A role on a close is kept. */
	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "type", "close");
	add(&t, "role", "system");
	add(&t, "team", "sales");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_CLOSE, ROLE_SYSTEM, "c", NULL, "sales", NULL);
	chat_event_free(ev);
}

Test(entry, json_all_kinds)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	json1(&t, "{\"conversation\":\"conv-42\",\"role\":\"customer\","
	    "\"agent\":\"alice\",\"team\":\"billing\",\"type\":\"message\","
	    "\"message_id\":\"m-1\",\"ts\":1699999999000}");
	ev = ok(&t, "1700000000000-5");
	check_ev(ev, 1699999999000LL, TYPE_MESSAGE, ROLE_CUSTOMER,
	    "conv-42", "alice", "billing", "m-1");
	chat_event_free(ev);

	json1(&t, "{\"role\":\"agent\",\"agent\":\"bob\","
	    "\"conversation\":\"c\"}");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_AGENT, "c", "bob", NULL, NULL);
	chat_event_free(ev);

	json1(&t, " {\"conversation\":\"c\",\"role\":\"bot\","
	    "\"team\":\"t\"}\n");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_BOT, "c", NULL, "t", NULL);
	chat_event_free(ev);

	json1(&t, "{\"conversation\":\"c2\",\"role\":\"system\","
	    "\"message_id\":\"x\"}");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_SYSTEM, "c2", NULL, NULL, "x");
	chat_event_free(ev);

	json1(&t, "{\"conversation\":\"c\",\"type\":\"assign\","
	    "\"agent\":\"carol\"}");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_ASSIGN, ROLE_NONE, "c", "carol", NULL, NULL);
	chat_event_free(ev);

	json1(&t, "{\"conversation\":\"c\",\"type\":\"close\"}");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_CLOSE, ROLE_NONE, "c", NULL, NULL, NULL);
	chat_event_free(ev);

	/* Escapes decode before the checks: "\u00e9" is 2 bytes. */
	json1(&t, "{\"conversation\":\"caf\\u00e9\",\"role\":\"customer\","
	    "\"team\":\"a\\\"b\"}");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_CUSTOMER, "caf\xc3\xa9", NULL,
	    "a\"b", NULL);
	chat_event_free(ev);
}

Test(entry, ts_from_id)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	add(&t, "conversation", "c");
	add(&t, "role", "customer");
	ev = ok(&t, "1699999999123-7");
	cr_assert_eq(ev->ts, 1699999999123LL);
	chat_event_free(ev);

	/* A given ts wins over the id, even an id before 2000. */
	add(&t, "ts", "1699999999999");
	ev = ok(&t, "5-0");
	cr_assert_eq(ev->ts, 1699999999999LL);
	chat_event_free(ev);

	/* The id's ts goes through the same range checks. */
	t.n = 2;
	ev = ok(&t, "946684800000-0");
	cr_assert_eq(ev->ts, ENTRY_MIN_TS);
	chat_event_free(ev);
	want(&t, "946684799999-9", REASON_OLD_TS);
	want(&t, "0-1", REASON_OLD_TS);
	ev = ok(&t, "1700000300000-0");
	cr_assert_eq(ev->ts, WALL + FUT);
	chat_event_free(ev);
	want(&t, "1700000300001-0", REASON_FUTURE_TS);
	want(&t, "9223372036854775807-0", REASON_FUTURE_TS);

	/* JSON null is absent. */
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\",\"ts\":null}");
	ev = ok(&t, "1699999999124-0");
	cr_assert_eq(ev->ts, 1699999999124LL);
	chat_event_free(ev);
}

Test(entry, json_ts_forms)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":1699999999001}");
	ev = ok(&t, ID);
	cr_assert_eq(ev->ts, 1699999999001LL);
	chat_event_free(ev);

	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":1.7e12}");
	ev = ok(&t, ID);
	cr_assert_eq(ev->ts, 1700000000000LL);
	chat_event_free(ev);

	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":1699999999002.0}");
	ev = ok(&t, ID);
	cr_assert_eq(ev->ts, 1699999999002LL);
	chat_event_free(ev);

	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":\"1699999999003\"}");
	ev = ok(&t, ID);
	cr_assert_eq(ev->ts, 1699999999003LL);
	chat_event_free(ev);

	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":1699999999000.5}");
	want(&t, ID, REASON_BAD_TS);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":1.7e300}");
	want(&t, ID, REASON_BAD_TS);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":true}");
	want(&t, ID, REASON_BAD_TS);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":[1699999999000]}");
	want(&t, ID, REASON_BAD_TS);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":{}}");
	want(&t, ID, REASON_BAD_TS);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":\"1.7e12\"}");
	want(&t, ID, REASON_BAD_TS);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":\"\"}");
	want(&t, ID, REASON_BAD_TS);
	/* Integers: negative ones are merely old, huge ones not integers. */
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":-1}");
	want(&t, ID, REASON_OLD_TS);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":-1.0}");
	want(&t, ID, REASON_OLD_TS);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":9223372036854775807}");
	want(&t, ID, REASON_FUTURE_TS);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":99999999999999999999999}");
	want(&t, ID, REASON_BAD_TS);
}

Test(entry, flat_ts_strings)
{
	static const char *const bad[] = {
		"", " 1699999999000", "1699999999000 ", "+1699999999000",
		"-1699999999000", "1699999999000.0", "1.7e12", "0x18bcfe56800",
		"1699999999000ms", "abc", "1 699 999 999 000",
		"00000001699999999000",			/* 20 digits */
		"9223372036854775808",			/* 19, > INT64_MAX */
		"9999999999999999999"
	};
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;
	size_t		 i;

	add(&t, "conversation", "c");
	add(&t, "role", "customer");
	add(&t, "ts", "");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		t.f[2].value = bad[i];
		t.f[2].valuelen = strlen(bad[i]);
		want(&t, ID, REASON_BAD_TS);
	}
	/* A NUL after the digits is not a terminator. */
	addn(&t, "ts", "1699999999000\0", 14);
	want(&t, ID, REASON_BAD_TS);

	/* The digits are read by length, not up to a NUL. */
	t.n = 2;
	addn(&t, "ts", "16999999990009", 13);
	ev = ok(&t, ID);
	cr_assert_eq(ev->ts, 1699999999000LL);
	chat_event_free(ev);

	t.n = 2;
	add(&t, "ts", "0001699999999000");
	ev = ok(&t, ID);
	cr_assert_eq(ev->ts, 1699999999000LL);
	chat_event_free(ev);

	t.n = 2;
	add(&t, "ts", "9223372036854775807");
	want(&t, ID, REASON_FUTURE_TS);
	t.n = 2;
	add(&t, "ts", "0");
	want(&t, ID, REASON_OLD_TS);
}

Test(entry, ts_boundaries)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;
	enum reason	 r;

	add(&t, "conversation", "c");
	add(&t, "role", "customer");
	add(&t, "ts", "946684800000");
	ev = ok(&t, ID);
	cr_assert_eq(ev->ts, 946684800000LL);
	chat_event_free(ev);
	t.f[2].value = "946684799999";
	want(&t, ID, REASON_OLD_TS);

	t.f[2].value = "1700000300000";
	t.f[2].valuelen = 13;
	ev = ok(&t, ID);
	cr_assert_eq(ev->ts, WALL + FUT);
	chat_event_free(ev);
	t.f[2].value = "1700000300001";
	want(&t, ID, REASON_FUTURE_TS);

	/* The limit saturates instead of overflowing. */
	t.f[2].value = "9223372036854775807";
	t.f[2].valuelen = 19;
	ev = entry_parse(ID, t.f, t.n, INT64_MAX - 5, 10, &r);
	cr_assert_not_null(ev);
	cr_assert_eq(ev->ts, INT64_MAX);
	chat_event_free(ev);
	ev = entry_parse(ID, t.f, t.n, WALL, INT64_MAX, &r);
	cr_assert_not_null(ev);
	chat_event_free(ev);
	t.f[2].value = "1700000000000";
	t.f[2].valuelen = 13;
	ev = entry_parse(ID, t.f, t.n, WALL, 0, &r);
	cr_assert_not_null(ev);
	chat_event_free(ev);
	ev = entry_parse(ID, t.f, t.n, WALL - 1, 0, &r);
	cr_assert_null(ev);
	cr_assert_eq(r, REASON_FUTURE_TS);
	ev = entry_parse(ID, t.f, t.n, INT64_MIN + 3, -10, &r);
	cr_assert_null(ev);
	cr_assert_eq(r, REASON_FUTURE_TS);
}

Test(entry, size_boundaries)
{
	static const char *const names[] = {
		"conversation", "agent", "team", "message_id"
	};
	static const enum reason over[] = {
		REASON_OVERSIZE_CONVERSATION, REASON_OVERSIZE_AGENT,
		REASON_OVERSIZE_TEAM, REASON_OVERSIZE_MESSAGE_ID
	};
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;
	char		 big[300], name[ENTRY_MAX_ID + 1];
	size_t		 i;

	memset(big, 'x', sizeof(big));
	/* 256 bytes of 2-byte characters is also fine. */
	for (i = 0; i < ENTRY_MAX_ID; i += 2)
		memcpy(name + i, "\xc3\xa9", 2);
	name[ENTRY_MAX_ID] = '\0';
	for (i = 0; i < 4; i++) {
		t.n = 0;
		add(&t, "role", "agent");
		add(&t, "conversation", "c");
		add(&t, "agent", "a");
		add(&t, names[i], "");
		t.f[3].value = big;
		t.f[3].valuelen = 256;
		ev = ok(&t, ID);
		switch (i) {
		case 0:
			cr_assert_eq(ev->convlen, 256);
			cr_assert_eq(strlen(ev->conv), 256);
			break;
		case 1:
			cr_assert_eq(ev->agentlen, 256);
			cr_assert_eq(strlen(ev->agent), 256);
			break;
		case 2:
			cr_assert_eq(ev->teamlen, 256);
			cr_assert_eq(strlen(ev->team), 256);
			break;
		case 3:
			cr_assert_eq(ev->msgidlen, 256);
			cr_assert_eq(strlen(ev->msgid), 256);
			break;
		}
		chat_event_free(ev);
		t.f[3].valuelen = 257;
		want(&t, ID, over[i]);
		t.f[3].valuelen = sizeof(big);
		want(&t, ID, over[i]);
		t.f[3].value = name;
		t.f[3].valuelen = ENTRY_MAX_ID;
		chat_event_free(ok(&t, ID));
	}
	/* 1 byte is the least. */
	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "role", "customer");
	ev = ok(&t, ID);
	cr_assert_eq(ev->convlen, 1);
	chat_event_free(ev);
}

Test(entry, missing_and_empty)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	add(&t, "role", "customer");
	want(&t, ID, REASON_MISSING_CONVERSATION);
	add(&t, "conversation", "");
	want(&t, ID, REASON_EMPTY_CONVERSATION);

	t.n = 0;
	add(&t, "conversation", "c");
	want(&t, ID, REASON_MISSING_ROLE);
	add(&t, "type", "message");
	want(&t, ID, REASON_MISSING_ROLE);

	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "role", "agent");
	want(&t, ID, REASON_MISSING_AGENT);
	add(&t, "agent", "");
	want(&t, ID, REASON_EMPTY_AGENT);

	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "type", "assign");
	want(&t, ID, REASON_MISSING_AGENT);
	add(&t, "role", "customer");
	want(&t, ID, REASON_MISSING_AGENT);

	/* An agent is optional on customer, bot, system and close. */
	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "role", "customer");
	add(&t, "team", "");
	want(&t, ID, REASON_EMPTY_TEAM);
	t.n = 2;
	add(&t, "message_id", "");
	want(&t, ID, REASON_EMPTY_MESSAGE_ID);
	t.n = 2;
	ev = ok(&t, ID);
	cr_assert_null(ev->agent);
	chat_event_free(ev);
}

Test(entry, bad_type_and_role)
{
	static const char *const types[] = {
		"", "Message", "MESSAGE", "messages", "messag", "msg",
		" message", "message ", "assigned", "Close", "open"
	};
	static const char *const roles[] = {
		"", "Customer", "AGENT", "agents", "agen", "human", "user",
		" bot", "bot ", "systems", "none"
	};
	struct tent	 t = { .n = 0 };
	size_t		 i;

	add(&t, "conversation", "c");
	add(&t, "role", "customer");
	add(&t, "type", "");
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		t.f[2].value = types[i];
		t.f[2].valuelen = strlen(types[i]);
		want(&t, ID, REASON_BAD_TYPE);
	}
	t.f[2].value = "close\0";
	t.f[2].valuelen = 6;
	want(&t, ID, REASON_BAD_TYPE);

	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "role", "");
	add(&t, "agent", "a");
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		t.f[1].value = roles[i];
		t.f[1].valuelen = strlen(roles[i]);
		want(&t, ID, REASON_BAD_ROLE);
	}
	/* A bad role is bad on close too, where none would do. */
	add(&t, "type", "close");
	want(&t, ID, REASON_BAD_ROLE);
	t.f[1].value = "agent\0";
	t.f[1].valuelen = 6;
	want(&t, ID, REASON_BAD_ROLE);
}

Test(entry, check_order)
{
	struct tent	 t = { .n = 0 };

	/* Each step adds a later fault, then fixes the earlier one. */
	add(&t, "type", "bogus");
	add(&t, "role", "bogus");
	add(&t, "agent", "");
	add(&t, "team", "");
	add(&t, "message_id", "");
	add(&t, "ts", "x");
	want(&t, ID, REASON_MISSING_CONVERSATION);
	add(&t, "conversation", "\xff");
	want(&t, ID, REASON_BAD_CONVERSATION);
	add(&t, "conversation", "c");
	want(&t, ID, REASON_BAD_TYPE);
	add(&t, "type", "close");
	want(&t, ID, REASON_BAD_ROLE);
	add(&t, "role", "agent");
	want(&t, ID, REASON_EMPTY_AGENT);
	add(&t, "agent", "a");
	want(&t, ID, REASON_EMPTY_TEAM);
	add(&t, "team", "t");
	want(&t, ID, REASON_EMPTY_MESSAGE_ID);
	add(&t, "message_id", "m");
	want(&t, ID, REASON_BAD_TS);
	add(&t, "ts", "1");
	want(&t, ID, REASON_OLD_TS);
	add(&t, "ts", "1799999999999");
	want(&t, ID, REASON_FUTURE_TS);
	add(&t, "ts", "1699999999999");
	chat_event_free(ok(&t, ID));

	/* A missing role on a message comes before a bad team. */
	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "type", "message");
	add(&t, "team", "");
	want(&t, ID, REASON_MISSING_ROLE);
}

Test(entry, unknown_fields_ignored)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	add(&t, "Conversation", "");
	add(&t, "conversatio", "");
	add(&t, "conversation_", "");
	add(&t, "conversation", "c");
	add(&t, "tt", "x");
	add(&t, "tss", "x");
	add(&t, "t", "x");
	add(&t, "", "x");
	add(&t, "Role", "x");
	add(&t, "rolf", "x");
	add(&t, "tyqe", "x");
	add(&t, "teas", "x");
	add(&t, "jsoN", "[");
	add(&t, "json_", "[");
	add(&t, "agents", "");
	add(&t, "agenT", "");
	add(&t, "message_iD", "");
	add(&t, "role", "customer");
	add(&t, "text", "hello \xff\xfe");
	add(&t, "error", "bad_ts");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_CUSTOMER, "c", NULL, NULL, NULL);
	chat_event_free(ev);

	/* A name with a NUL is not the known name. */
	t.n = 0;
	add(&t, "conversation", "c");
	add(&t, "role", "customer");
	t.f[t.n].name = "ts\0";
	t.f[t.n].namelen = 3;
	t.f[t.n].value = "x";
	t.f[t.n].valuelen = 1;
	t.n++;
	chat_event_free(ok(&t, ID));

	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"Team\":5,\"text\":{\"ts\":\"x\"},\"json\":[],\"big\":"
	    "123456789012345678901234567890,\"n\":null}");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_CUSTOMER, "c", NULL, NULL, NULL);
	chat_event_free(ev);
}

Test(entry, repeated_field_last_wins)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	add(&t, "conversation", "first");
	add(&t, "role", "agent");
	add(&t, "conversation", "");
	add(&t, "role", "customer");
	add(&t, "conversation", "last");
	add(&t, "ts", "zzz");
	add(&t, "ts", "1699999999000");
	ev = ok(&t, ID);
	check_ev(ev, 1699999999000LL, TYPE_MESSAGE, ROLE_CUSTOMER, "last",
	    NULL, NULL, NULL);
	chat_event_free(ev);

	add(&t, "conversation", "");
	want(&t, ID, REASON_EMPTY_CONVERSATION);

	/* The last json field wins too. */
	t.n = 0;
	add(&t, "json", "{\"conversation\":\"a\",\"role\":\"bot\"}");
	add(&t, "json", "{\"conversation\":\"b\",\"role\":\"system\"}");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_SYSTEM, "b", NULL, NULL, NULL);
	chat_event_free(ev);
	add(&t, "json", "nope");
	want(&t, ID, REASON_BAD_JSON);

	/* And so does the last key in a JSON object. */
	json1(&t, "{\"conversation\":\"a\",\"role\":\"customer\","
	    "\"conversation\":\"z\"}");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_CUSTOMER, "z", NULL, NULL, NULL);
	chat_event_free(ev);
}

Test(entry, nul_inside_strings)
{
	struct tent	 t = { .n = 0 };

	add(&t, "role", "customer");
	addn(&t, "conversation", "ab\0cd", 5);
	want(&t, ID, REASON_BAD_CONVERSATION);
	t.f[1].valuelen = 1;		/* "a" */
	t.f[1].value = "\0";
	want(&t, ID, REASON_BAD_CONVERSATION);
	t.f[1].value = "c";
	addn(&t, "agent", "a\0", 2);
	want(&t, ID, REASON_BAD_AGENT);
	t.n = 2;
	addn(&t, "team", "\0t", 2);
	want(&t, ID, REASON_BAD_TEAM);
	t.n = 2;
	addn(&t, "message_id", "m\0m", 3);
	want(&t, ID, REASON_BAD_MESSAGE_ID);

	/* In JSON: \u0000 decodes to a NUL and is refused the same way. */
	json1(&t, "{\"conversation\":\"c\\u0000d\",\"role\":\"customer\"}");
	want(&t, ID, REASON_BAD_CONVERSATION);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"agent\":\"\\u0000\"}");
	want(&t, ID, REASON_BAD_AGENT);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\\u0000\"}");
	want(&t, ID, REASON_BAD_ROLE);
}

Test(entry, invalid_utf8)
{
	static const char *const bad[] = {
		"\xc3\x28",		/* bad continuation */
		"\xc0\xaf",		/* overlong '/' */
		"\xc1\xbf",		/* overlong */
		"\xe0\x80\xaf",		/* overlong */
		"\xe0\x9f\xbf",		/* overlong U+07FF */
		"\xf0\x80\x80\xaf",	/* overlong */
		"\xf0\x8f\xbf\xbf",	/* overlong U+FFFF */
		"\xed\xa0\x80",		/* U+D800 */
		"\xed\xbf\xbf",		/* U+DFFF */
		"\xed\xa0\xbd\xed\xb8\x80", /* CESU-8 pair */
		"\xf4\x90\x80\x80",	/* U+110000 */
		"\xf5\x80\x80\x80",
		"\xf8\x88\x80\x80\x80",
		"\x80", "\xbf", "\xfe", "\xff",
		"\xc3",			/* truncated */
		"\xe2\x82",		/* truncated */
		"\xf0\x9f\x98",		/* truncated */
		"ok\xe2\x82",		/* truncated at the end */
		"\xe2\x28\xa1",
		"\xf0\x9f\x28\x80"
	};
	static const char *const good[] = {
		"caf\xc3\xa9",		/* U+00E9 */
		"\xc2\x80",		/* U+0080 */
		"\xdf\xbf",		/* U+07FF */
		"\xe0\xa0\x80",		/* U+0800 */
		"\xed\x9f\xbf",		/* U+D7FF */
		"\xee\x80\x80",		/* U+E000 */
		"\xef\xbf\xbf",		/* U+FFFF */
		"\xf0\x90\x80\x80",	/* U+10000 */
		"\xf0\x9f\x98\x80",	/* U+1F600 */
		"\xf4\x8f\xbf\xbf",	/* U+10FFFF */
		"\xe6\x97\xa5\xe6\x9c\xac",
		"\x01\x7f \t\n"
	};
	static const char *const names[] = {
		"conversation", "agent", "team", "message_id"
	};
	static const enum reason reasons[] = {
		REASON_BAD_CONVERSATION, REASON_BAD_AGENT, REASON_BAD_TEAM,
		REASON_BAD_MESSAGE_ID
	};
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;
	size_t		 i, j;

	for (j = 0; j < 4; j++) {
		t.n = 0;
		add(&t, "conversation", "c");
		add(&t, "role", "customer");
		add(&t, names[j], "");
		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			t.f[2].value = bad[i];
			t.f[2].valuelen = strlen(bad[i]);
			want(&t, ID, reasons[j]);
		}
		for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
			t.f[2].value = good[i];
			t.f[2].valuelen = strlen(good[i]);
			ev = ok(&t, ID);
			chat_event_free(ev);
		}
	}
	/* Raw invalid UTF-8 inside a json field is a JSON error. */
	json1(&t, "{\"conversation\":\"\xc3\x28\",\"role\":\"customer\"}");
	want(&t, ID, REASON_BAD_JSON);
	json1(&t, "{\"conversation\":\"\\ud800\",\"role\":\"customer\"}");
	want(&t, ID, REASON_BAD_JSON);
	/* An escaped surrogate pair is one valid character. */
	json1(&t, "{\"conversation\":\"\\ud83d\\ude00\","
	    "\"role\":\"customer\"}");
	ev = ok(&t, ID);
	evcheck_str("conversation", ev->conv, ev->convlen, "\xf0\x9f\x98\x80",
	    4);
	chat_event_free(ev);
}

Test(entry, json_with_flat_fields)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	/* Flat fields beside json are ignored, whatever they hold. */
	add(&t, "conversation", "flat");
	add(&t, "role", "bogus");
	add(&t, "json", "{\"conversation\":\"js\",\"role\":\"agent\","
	    "\"agent\":\"a\"}");
	add(&t, "ts", "nonsense");
	add(&t, "team", "");
	add(&t, "type", "close");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_MESSAGE, ROLE_AGENT, "js", "a", NULL, NULL);
	chat_event_free(ev);

	/* Nor do valid flat fields rescue a bad json field... */
	t.n = 0;
	add(&t, "conversation", "flat");
	add(&t, "role", "customer");
	add(&t, "json", "{\"role\":\"customer\"}");
	want(&t, ID, REASON_MISSING_CONVERSATION);
	t.f[2].value = "{";
	t.f[2].valuelen = 1;
	want(&t, ID, REASON_BAD_JSON);
	/* ...nor an empty one. */
	t.f[2].valuelen = 0;
	want(&t, ID, REASON_BAD_JSON);
}

Test(entry, json_not_object)
{
	static const char *const bad[] = {
		"", " ", "[]",
		"[{\"conversation\":\"c\",\"role\":\"customer\"}]",
		"\"x\"", "42", "1.5", "true", "null", "{", "}", "{\"a\"}",
		"{\"conversation\":\"c\",}", "{conversation:\"c\"}",
		"{'conversation':'c'}", "{} {}", "{} x",
		"{\"conversation\":\"c\",\"role\":\"customer\"",
		"{\"ts\":NaN}", "{\"ts\":01}", "{\"ts\":1e999}"
	};
	struct tent	 t = { .n = 0 };
	size_t		 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json1(&t, bad[i]);
		want(&t, ID, REASON_BAD_JSON);
	}
	/* The length is honoured: no NUL needed, none looked for. */
	t.n = 0;
	addn(&t, "json", "{\"conversation\":\"c\",\"role\":\"customer\"}xx",
	    38);
	chat_event_free(ok(&t, ID));
	t.f[0].valuelen = 37;
	want(&t, ID, REASON_BAD_JSON);
}

Test(entry, json_null_values)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;

	json1(&t, "{\"conversation\":null,\"role\":\"customer\"}");
	want(&t, ID, REASON_MISSING_CONVERSATION);
	json1(&t, "{\"conversation\":\"c\",\"role\":null}");
	want(&t, ID, REASON_MISSING_ROLE);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"agent\",\"agent\":null}");
	want(&t, ID, REASON_MISSING_AGENT);
	json1(&t, "{\"conversation\":\"c\",\"role\":null,\"type\":\"close\"}");
	ev = ok(&t, ID);
	check_ev(ev, WALL, TYPE_CLOSE, ROLE_NONE, "c", NULL, NULL, NULL);
	chat_event_free(ev);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\",\"type\":null,"
	    "\"agent\":null,\"team\":null,\"message_id\":null,\"ts\":null}");
	ev = ok(&t, "1699999999555-1");
	check_ev(ev, 1699999999555LL, TYPE_MESSAGE, ROLE_CUSTOMER, "c", NULL,
	    NULL, NULL);
	chat_event_free(ev);
}

Test(entry, json_wrong_types)
{
	struct tent	 t = { .n = 0 };

	json1(&t, "{\"conversation\":5,\"role\":\"customer\"}");
	want(&t, ID, REASON_BAD_CONVERSATION);
	json1(&t, "{\"conversation\":[\"c\"],\"role\":\"customer\"}");
	want(&t, ID, REASON_BAD_CONVERSATION);
	json1(&t, "{\"conversation\":\"c\",\"role\":true}");
	want(&t, ID, REASON_BAD_ROLE);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\",\"type\":[]}");
	want(&t, ID, REASON_BAD_TYPE);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"agent\":{}}");
	want(&t, ID, REASON_BAD_AGENT);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"team\":1.5}");
	want(&t, ID, REASON_BAD_TEAM);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"message_id\":7}");
	want(&t, ID, REASON_BAD_MESSAGE_ID);
	json1(&t, "{\"conversation\":\"c\",\"role\":\"customer\","
	    "\"ts\":false}");
	want(&t, ID, REASON_BAD_TS);
	/* The order holds across types: conversation before the rest. */
	json1(&t, "{\"role\":5,\"type\":5,\"agent\":5}");
	want(&t, ID, REASON_MISSING_CONVERSATION);
	json1(&t, "{\"conversation\":\"c\",\"role\":5,\"type\":5}");
	want(&t, ID, REASON_BAD_TYPE);
	/* The empty, oversize and missing rules apply in JSON too. */
	json1(&t, "{\"conversation\":\"\",\"role\":\"customer\"}");
	want(&t, ID, REASON_EMPTY_CONVERSATION);
	json1(&t, "{\"type\":\"assign\",\"conversation\":\"c\"}");
	want(&t, ID, REASON_MISSING_AGENT);
}

Test(entry, json_oversize)
{
	struct tent	 t = { .n = 0 };
	struct chat_event	*ev;
	char		 buf[1024];
	size_t		 n, i, count;

	n = (size_t)snprintf(buf, sizeof(buf), "{\"conversation\":\"c\","
	    "\"role\":\"customer\",\"team\":\"%0256d\"}", 0);
	cr_assert_lt(n, sizeof(buf));
	json1(&t, buf);
	ev = ok(&t, ID);
	cr_assert_eq(ev->teamlen, 256);
	chat_event_free(ev);
	snprintf(buf, sizeof(buf), "{\"conversation\":\"c\",\"role\":"
	    "\"customer\",\"team\":\"%0257d\"}", 0);
	json1(&t, buf);
	want(&t, ID, REASON_OVERSIZE_TEAM);

	/* The limit is on decoded bytes: 128 "\u00e9" are 256, 129 are 258. */
	for (count = 128; count <= 129; count++) {
		n = (size_t)snprintf(buf, sizeof(buf),
		    "{\"role\":\"customer\",\"conversation\":\"");
		for (i = 0; i < count; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n,
			    "\\u00e9");
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\"}");
		cr_assert_lt(n, sizeof(buf));
		json1(&t, buf);
		if (count == 129) {
			want(&t, ID, REASON_OVERSIZE_CONVERSATION);
			break;
		}
		ev = ok(&t, ID);
		cr_assert_eq(ev->convlen, 256);
		cr_assert(memcmp(ev->conv, "\xc3\xa9", 2) == 0);
		chat_event_free(ev);
	}
}

/* One example for each reason the parser gives. */
struct example {
	enum reason	 reason;
	const char	*id;
	const char	*kv[14];
};

static const struct example examples[] = {
	{ REASON_BAD_ID, "1-", { "conversation", "c", "role", "bot" } },
	{ REASON_BAD_JSON, ID, { "json", "{]" } },
	{ REASON_MISSING_CONVERSATION, ID, { "role", "bot" } },
	{ REASON_EMPTY_CONVERSATION, ID, { "conversation", "",
	    "role", "bot" } },
	{ REASON_OVERSIZE_CONVERSATION, ID, { "role", "bot", "conversation",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "!" } },
	{ REASON_BAD_CONVERSATION, ID, { "conversation", "\xc0\xaf",
	    "role", "bot" } },
	{ REASON_MISSING_ROLE, ID, { "conversation", "c" } },
	{ REASON_BAD_ROLE, ID, { "conversation", "c", "role", "robot" } },
	{ REASON_BAD_TYPE, ID, { "conversation", "c", "type", "reopen" } },
	{ REASON_MISSING_AGENT, ID, { "conversation", "c", "role", "agent" } },
	{ REASON_EMPTY_AGENT, ID, { "conversation", "c", "role", "bot",
	    "agent", "" } },
	{ REASON_OVERSIZE_AGENT, ID, { "conversation", "c", "role", "bot",
	    "agent",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "\xc3\xa9" } },
	{ REASON_BAD_AGENT, ID, { "conversation", "c", "role", "bot",
	    "agent", "\xed\xa0\x80" } },
	{ REASON_EMPTY_TEAM, ID, { "conversation", "c", "role", "bot",
	    "team", "" } },
	{ REASON_OVERSIZE_TEAM, ID, { "conversation", "c", "role", "bot",
	    "team",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0" } },
	{ REASON_BAD_TEAM, ID, { "conversation", "c", "role", "bot",
	    "team", "\xc3\x28" } },
	{ REASON_EMPTY_MESSAGE_ID, ID, { "conversation", "c", "role", "bot",
	    "message_id", "" } },
	{ REASON_OVERSIZE_MESSAGE_ID, ID, { "conversation", "c", "role",
	    "bot", "message_id",
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0123456789012345678901234567890123456789012345678901234567890123"
	    "0" } },
	{ REASON_BAD_MESSAGE_ID, ID, { "conversation", "c", "role", "bot",
	    "message_id", "\xf4\x90\x80\x80" } },
	{ REASON_BAD_TS, ID, { "conversation", "c", "role", "bot",
	    "ts", "-1" } },
	{ REASON_OLD_TS, ID, { "conversation", "c", "role", "bot",
	    "ts", "946684799999" } },
	{ REASON_FUTURE_TS, ID, { "conversation", "c", "role", "bot",
	    "ts", "1700000300001" } }
};

Test(entry, every_reason)
{
	struct tent	 t;
	size_t		 i, k;
	int		 seen[REASON_COUNT] = { 0 };
	int		 r;

	for (i = 0; i < sizeof(examples) / sizeof(examples[0]); i++) {
		t.n = 0;
		for (k = 0; examples[i].kv[k] != NULL; k += 2)
			add(&t, examples[i].kv[k], examples[i].kv[k + 1]);
		want(&t, examples[i].id, examples[i].reason);
		seen[examples[i].reason] = 1;
	}
	/* the engine's reasons, not the parser's */
	for (r = 0; r < REASON_COUNT; r++)
		if (r != REASON_LATE && r != REASON_TOO_LARGE &&
		    r != REASON_REORDER_FULL)
			cr_assert(seen[r], "no example of %s", reason_names[r]);
}
