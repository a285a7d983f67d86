/*
 * The daemon at its caps (replytimed.json(5): ingest.max_entry_kb,
 * metrics.max_agents): an entry too large is dead-lettered unparsed,
 * whole or cut at 1000 fields with `truncated`, and the entries around
 * it are not lost; the cap is logged.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "fixture.h"

/* The suite's fixture and timeout: TestSuite(daemon) in lib/fixture.c. */

#define BIG_JSON	(100 * 1024)	/* bytes of the large json field */
#define MANY_FIELDS	2000		/* fields of the wide entry */

/* XADD of argc - 3 field names and values given in argv[3...]. */
static void
xadd_argv(int argc, const char **argv, char *id, size_t idlen)
{
	redisReply	*r;

	argv[0] = "XADD";
	argv[1] = "cs:events";
	argv[2] = "*";
	r = redisCommandArgv(fx.rc, argc, argv, NULL);
	cr_assert(r != NULL && r->type == REDIS_REPLY_STRING, "XADD: %s",
	    r != NULL && r->str != NULL ? r->str : "no reply");
	snprintf(id, idlen, "%s", r->str);
	freeReplyObject(r);
}

/* The number of the stream entry's fields (names and values: pairs). */
static size_t
npairs(const struct stream_entry *e)
{
	return (e->nfv / 2);
}

/* Waits until the snapshot shows n waits open on the floor. */
static int
cond_waiting(void *arg)
{
	json_t		*snap, *w;
	long long	 n = *(long long *)arg, got;

	if ((snap = snap_get(fx.rc, "cs")) == NULL)
		return (0);
	w = snap_path(snap, "global.waiting");
	got = json_is_integer(w) ? json_integer_value(w) : -1;
	json_decref(snap);
	return (got == n);
}

Test(daemon, too_large_entries_dead_lettered)
{
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct fx_logwait	 lw = { &fx.dm[0], "cap: 2 entries",
				    "ingest.max_entry_kb" };
	struct stream_list	 dead = { 0 };
	const char		**argv;
	char			 id1[48], idbig[48], idwide[48], id4[48];
	char			*json, (*names)[16], (*vals)[48];
	const char		*v;
	redisReply		*r, *f;
	long long		 waiting = 2;
	size_t			 i, n;
	int			 argc;

	fx_start_redis(0);
	fx_start_daemon(&fx.dm[0], "cs.json", NULL, NULL);
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", id1, sizeof(id1),
	    "conversation", "c1", "role", "customer", (char *)NULL), 0);

	/* a valid event, 100 KB in all: over the 64 KB default */
	json = malloc(BIG_JSON + 1);
	cr_assert_not_null(json);
	n = (size_t)snprintf(json, BIG_JSON, "{\"conversation\": \"c2\", "
	    "\"role\": \"customer\", \"pad\": \"");
	memset(json + n, 'x', BIG_JSON - n - 2);
	memcpy(json + BIG_JSON - 2, "\"}", 3);
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", idbig,
	    sizeof(idbig), "json", json, (char *)NULL), 0);

	/* 2000 fields, about 110 KB: kept to its first 1000 */
	argc = 3 + 2 * MANY_FIELDS;
	argv = calloc((size_t)argc, sizeof(*argv));
	names = calloc(MANY_FIELDS, sizeof(*names));
	vals = calloc(MANY_FIELDS, sizeof(*vals));
	cr_assert(argv != NULL && names != NULL && vals != NULL);
	argv[3] = "conversation";
	argv[4] = "c3";
	argv[5] = "role";
	argv[6] = "customer";
	for (i = 2; i < MANY_FIELDS; i++) {
		snprintf(names[i], sizeof(names[i]), "f%zu", i);
		snprintf(vals[i], sizeof(vals[i]), "%046zu", i);
		argv[3 + 2 * i] = names[i];
		argv[4 + 2 * i] = vals[i];
	}
	xadd_argv(argc, argv, idwide, sizeof(idwide));

	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", id4, sizeof(id4),
	    "conversation", "c4", "role", "customer", (char *)NULL), 0);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "reading %s", id4);
	FX_WAIT(cond_waiting, &waiting, 10000, "c1 and c4 waiting");
	FX_WAIT(fx_cond_log, &lw, 10000, "the cap logged");

	cr_assert_eq(stream_read(fx.rc, "cs:events:dead", &dead), 0);
	cr_assert_eq(dead.n, 2, "%zu dead letters", dead.n);

	/* the large one whole, its fields then error and source_id */
	cr_expect_str_eq(dead.e[0].id, idbig);
	cr_expect_eq(npairs(&dead.e[0]), 3);
	v = stream_field(&dead.e[0], "json");
	cr_assert_not_null(v);
	cr_expect_eq(strlen(v), BIG_JSON);
	cr_expect(memcmp(v, json, BIG_JSON) == 0);
	cr_expect_str_eq(stream_field(&dead.e[0], "error"), "too_large");
	cr_expect_str_eq(stream_field(&dead.e[0], "source_id"), idbig);
	cr_expect_null(stream_field(&dead.e[0], "truncated"));

	/* the wide one: 1000 fields, truncated, error, source_id */
	cr_expect_str_eq(dead.e[1].id, idwide);
	r = redisCommand(fx.rc, "XRANGE cs:events:dead %s %s", idwide,
	    idwide);
	cr_assert(r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    r->elements == 1);
	f = r->element[0]->element[1];
	cr_assert_eq(f->elements, 2 * 1003, "%zu fields", f->elements / 2);
	cr_expect_str_eq(f->element[0]->str, "conversation");
	cr_expect_str_eq(f->element[1]->str, "c3");
	cr_expect_str_eq(f->element[2 * 999]->str, "f999");
	cr_expect_str_eq(f->element[2 * 999 + 1]->str, vals[999]);
	cr_expect_str_eq(f->element[2 * 1000]->str, "truncated");
	cr_expect_str_eq(f->element[2 * 1000 + 1]->str, "1000");
	cr_expect_str_eq(f->element[2 * 1001]->str, "error");
	cr_expect_str_eq(f->element[2 * 1001 + 1]->str, "too_large");
	cr_expect_str_eq(f->element[2 * 1002]->str, "source_id");
	cr_expect_str_eq(f->element[2 * 1002 + 1]->str, idwide);
	freeReplyObject(r);

	cr_expect(rdaemon_alive(&fx.dm[0]));
	stream_list_free(&dead);
	free(json);
	free(argv);
	free(names);
	free(vals);
	fx.done = 1;
}

/*
 * metrics.max_agents 2: a third agent's conversation still counts for
 * the floor and its outcome carries the name; the snapshot holds two
 * agents and the cap is logged.
 */
Test(daemon, max_agents_in_the_snapshot)
{
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct fx_logwait	 lw = { &fx.dm[0], "cap: ",
				    "metrics.max_agents" };
	struct stream_list	 out = { 0 };
	json_t			*snap;
	char			 id[48], conv[16], agent[16];
	long long		 waiting = 2;
	int			 i;

	fx_start_redis(0);
	fx_start_daemon(&fx.dm[0], "cs.json",
	    "\"metrics\": {\"max_agents\": 2}", NULL);
	for (i = 1; i <= 3; i++) {
		snprintf(conv, sizeof(conv), "c%d", i);
		snprintf(agent, sizeof(agent), "a%d", i);
		cr_assert_eq(stream_add(fx.rc, "cs:events", "*", id,
		    sizeof(id), "conversation", conv, "role", "customer",
		    "agent", agent, (char *)NULL), 0);
	}
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c3", "role", "agent", "agent", "a3",
	    (char *)NULL), 0);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "reading %s", id);
	FX_WAIT(cond_waiting, &waiting, 10000, "two waits");
	snap = snap_get(fx.rc, "cs");
	cr_assert_not_null(snap);
	cr_expect_eq(json_object_size(json_object_get(snap, "agents")), 2);
	cr_expect_not_null(snap_path(snap, "agents.a1"));
	cr_expect_null(snap_path(snap, "agents.a3"));
	json_decref(snap);
	FX_WAIT(fx_cond_log, &lw, 10000, "the cap logged");
	cr_assert_eq(stream_read(fx.rc, "cs:outcomes", &out), 0);
	cr_assert_eq(out.n, 1);
	cr_expect_str_eq(stream_field(&out.e[0], "kind"), "response");
	cr_expect_str_eq(stream_field(&out.e[0], "agent"), "a3");
	stream_list_free(&out);
	cr_expect(rdaemon_alive(&fx.dm[0]));
	fx.done = 1;
}
