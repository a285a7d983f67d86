/* Tests for scopes: interning by kind and name, the kind lists, GC. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "prng.h"
#include "scope.h"

#define SEC	INT64_C(1000)
#define T0	INT64_C(1700000000000)
#define NNAMES	500

static struct scopes	 ss;
static const int64_t	 widths[] = { 300 * SEC, 3600 * SEC };

static void
setup(void)
{
	scopes_init(&ss, widths, 2);
}

static void
teardown(void)
{
	scopes_clear(&ss);
}

TestSuite(scope, .init = setup, .fini = teardown);

static struct scope *
get(enum scope_kind kind, const char *name)
{
	return (scope_get(&ss, kind, name, strlen(name)));
}

static struct scope *
find(enum scope_kind kind, const char *name)
{
	return (scope_find(&ss, kind, name, strlen(name)));
}

Test(scope, interned_by_kind_and_name)
{
	struct scope	*ann = get(SCOPE_AGENT, "ann");

	cr_assert_eq(get(SCOPE_AGENT, "ann"), ann);
	cr_assert_neq(get(SCOPE_TEAM, "ann"), ann, "a team may share a name");
	cr_expect_str_eq(ann->name, "ann");
	cr_expect_eq(ann->kind, SCOPE_AGENT);
	cr_expect_eq(find(SCOPE_AGENT, "ann"), ann);
	cr_expect_null(find(SCOPE_AGENT, "an"));
	cr_expect_null(find(SCOPE_AGENT, "bob"));
	cr_expect_eq(find(SCOPE_GLOBAL, "anything"), ss.global);
	cr_expect_eq(scopes_count(&ss, SCOPE_AGENT), 1);
	cr_expect_eq(scopes_count(&ss, SCOPE_TEAM), 1);
	cr_expect_eq(scopes_count(&ss, SCOPE_GLOBAL), 1);
}

/* A scope goes when nothing refers to it, no wait is open, windows empty. */
Test(scope, gc_frees_only_what_nothing_needs)
{
	struct scope	*ann = get(SCOPE_AGENT, "ann");
	struct scope	*bob = get(SCOPE_AGENT, "bob");
	struct scope	*cat = get(SCOPE_AGENT, "cat");

	get(SCOPE_AGENT, "dan");
	ann->refs = 1;
	bob->waiting = 1;
	scope_count(cat, T0, TALLY_MISSED);
	cr_expect_eq(scopes_gc(&ss, T0 + SEC), 1, "dan alone goes");
	cr_expect_null(find(SCOPE_AGENT, "dan"));
	cr_expect_eq(find(SCOPE_AGENT, "cat"), cat);
	/* the outcome keeps cat while a window still holds it */
	cr_expect_eq(scopes_gc(&ss, T0 + 3000 * SEC), 0);
	cr_expect_eq(find(SCOPE_AGENT, "cat"), cat);
	/* well past the longest window, it is gone, and cat with it */
	cr_expect_eq(scopes_gc(&ss, T0 + 7200 * SEC), 1);
	cr_expect_null(find(SCOPE_AGENT, "cat"));
	ann->refs = 0;
	bob->waiting = 0;
	cr_expect_eq(scopes_gc(&ss, T0 + 7200 * SEC), 2);
	cr_expect_eq(scopes_count(&ss, SCOPE_AGENT), 0);
	cr_expect_eq(scopes_gc(&ss, T0 + 9000 * SEC), 0, "global stays");
	cr_expect_eq(scopes_count(&ss, SCOPE_GLOBAL), 1);
}

/* Many names, some collected, against a table of which are live. */
Test(scope, randomized_against_a_model)
{
	static int	 live[2][NNAMES];
	struct scope	*s;
	char		 name[16];
	uint64_t	 rng = 5;
	size_t		 n[2] = { 0, 0 };
	int		 i, k, kind, step;

	for (step = 0; step < 20000; step++) {
		kind = (int)prng_below(&rng, 2);
		k = (int)prng_below(&rng, NNAMES);
		snprintf(name, sizeof(name), "n%d", k);
		s = find(SCOPE_TEAM + kind, name);
		cr_assert_eq(s != NULL, live[kind][k], "%s", name);
		if (s == NULL) {
			s = get(SCOPE_TEAM + kind, name);
			live[kind][k] = 1;
			n[kind]++;
		}
		/* a held scope survives a collection; a free one does not */
		s->refs = prng_below(&rng, 2);
		if (prng_below(&rng, 50) == 0) {
			for (i = 0; i < NNAMES; i++) {
				snprintf(name, sizeof(name), "n%d", i);
				for (kind = 0; kind < 2; kind++) {
					s = find(SCOPE_TEAM + kind, name);
					if (s != NULL && s->refs == 0) {
						live[kind][i] = 0;
						n[kind]--;
					}
				}
			}
			scopes_gc(&ss, T0);
		}
		cr_assert_eq(scopes_count(&ss, SCOPE_TEAM), n[0]);
		cr_assert_eq(scopes_count(&ss, SCOPE_AGENT), n[1]);
	}
	/* the lists hold exactly the live names, each once */
	for (kind = 0; kind < 2; kind++)
		LIST_FOREACH(s, &ss.kinds[SCOPE_TEAM + kind], link) {
			cr_assert_eq(sscanf(s->name, "n%d", &k), 1);
			cr_assert_eq(live[kind][k], 1, "%s", s->name);
			live[kind][k] = 2;
		}
}

/*
 * scopes_set_max: a new name past the cap gets no scope, one already
 * there still does, and a collected scope makes room; kinds apart.
 */
Test(scope, capped_by_kind)
{
	struct scope	*ann;

	scopes_set_max(&ss, SCOPE_AGENT, 2);
	ann = get(SCOPE_AGENT, "ann");
	cr_assert_not_null(get(SCOPE_AGENT, "bob"));
	cr_expect_null(get(SCOPE_AGENT, "cat"));
	cr_expect_null(find(SCOPE_AGENT, "cat"));
	cr_expect_eq(get(SCOPE_AGENT, "ann"), ann);
	cr_expect_not_null(get(SCOPE_TEAM, "cat"), "teams apart");
	cr_expect_eq(scopes_count(&ss, SCOPE_AGENT), 2);
	ann->refs = 1;
	cr_expect_eq(scopes_gc(&ss, T0), 2, "bob and the team go");
	cr_expect_eq(scopes_count(&ss, SCOPE_AGENT), 1);
	cr_expect_not_null(get(SCOPE_AGENT, "cat"));
	cr_expect_null(get(SCOPE_AGENT, "dan"));
	ann->refs = 0;
}
