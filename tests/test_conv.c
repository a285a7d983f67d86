/* Tests for conversations: the table, the idle order, duplicate ids. */

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "prng.h"

#define NIDS	3000

static struct convs	 cs;

static void
setup(void)
{
	convs_init(&cs);
}

static void
teardown(void)
{
	convs_clear(&cs);
}

TestSuite(conv, .init = setup, .fini = teardown);

static struct conv *
get(const char *id, int create)
{
	size_t		 len = strlen(id);
	uint32_t	 h = conv_hash(id, len);
	struct conv	*c = conv_find(&cs, id, len, h);

	if (c == NULL && create)
		c = conv_new(&cs, id, len, h);
	return (c);
}

Test(conv, idle_order_follows_touches)
{
	struct conv	*a = get("a", 1), *b = get("b", 1), *c = get("c", 1);

	cr_assert_eq(TAILQ_FIRST(&cs.idle), a);
	conv_touch(&cs, a, 10);
	cr_expect_eq(TAILQ_FIRST(&cs.idle), b);
	cr_expect_eq(TAILQ_LAST(&cs.idle, conv_list), a);
	conv_touch(&cs, a, 11);		/* already the most recent */
	cr_expect_eq(TAILQ_LAST(&cs.idle, conv_list), a);
	cr_expect_eq(a->last, 11);
	conv_free(&cs, b);
	cr_expect_eq(TAILQ_FIRST(&cs.idle), c);
	cr_expect_null(get("b", 0));
	cr_expect_eq(get("a", 0), a);
	cr_expect_eq(cs.count, 2);
}

Test(conv, duplicate_message_ids)
{
	struct conv	*c = get("c1", 1);
	char		 id[32];
	int		 i;

	cr_expect_eq(conv_seen(c, "m1", 2), 0);
	cr_expect_eq(conv_seen(c, "m1", 2), 1);
	cr_expect_eq(conv_seen(c, "m2", 2), 0);
	/* the set grows past its first sizes and forgets nothing */
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		cr_assert_eq(conv_seen(c, id, strlen(id)), 0, "%s", id);
	}
	for (i = 0; i < 1000; i++) {
		snprintf(id, sizeof(id), "x%d", i);
		cr_assert_eq(conv_seen(c, id, strlen(id)), 1, "%s", id);
	}
	cr_expect_eq(c->nmsgids, 1002);
	cr_expect_eq(conv_seen(get("c2", 1), "m1", 2), 0,
	    "ids are per conversation");
}

/* Past CONV_MAX_MSGIDS new ids are no longer remembered, old ones are. */
Test(conv, message_ids_bounded)
{
	struct conv	*c = get("c1", 1);
	char		 id[32];
	int		 i;

	for (i = 0; i < CONV_MAX_MSGIDS; i++) {
		snprintf(id, sizeof(id), "%d", i);
		cr_assert_eq(conv_seen(c, id, strlen(id)), 0);
	}
	cr_expect_eq(conv_seen(c, "new", 3), 0);
	cr_expect_eq(conv_seen(c, "new", 3), 0, "not remembered");
	cr_expect_eq(conv_seen(c, "0", 1), 1);
	cr_expect_eq(c->nmsgids, CONV_MAX_MSGIDS);
}

static const int64_t	*model_last;

static int
by_last(const void *x, const void *y)
{
	int64_t	 a = model_last[*(const int *)x], b = model_last[*(const int *)y];

	return (a < b ? -1 : a > b);
}

/*
 * Random creations, touches and frees against a model: an array of the
 * live ids with their last touch; the idle list must be the model sorted
 * by touch, and every id must be found or not as the model says.
 */
Test(conv, randomized_against_a_model)
{
	static int64_t	 last[NIDS];	/* 0: not live */
	static int	 order[NIDS];
	struct conv	*c;
	char		 id[16];
	uint64_t	 rng = 3;
	int64_t		 now = 1;
	size_t		 live = 0, n;
	int		 i, k, step;

	for (step = 0; step < 40000; step++) {
		k = (int)prng_below(&rng, NIDS);
		snprintf(id, sizeof(id), "conv-%d", k);
		c = get(id, 0);
		cr_assert_eq(c != NULL, last[k] != 0, "%s", id);
		if (c == NULL) {
			c = get(id, 1);
			c->last = last[k] = ++now;
			live++;
		} else if (prng_below(&rng, 4) == 0) {
			conv_free(&cs, c);
			last[k] = 0;
			live--;
		} else
			conv_touch(&cs, c, last[k] = ++now);
		cr_assert_eq(cs.count, live);
	}
	/* the model's order: by last touch */
	n = 0;
	for (i = 0; i < NIDS; i++)
		if (last[i] != 0)
			order[n++] = i;
	model_last = last;
	qsort(order, n, sizeof(*order), by_last);
	n = 0;
	TAILQ_FOREACH(c, &cs.idle, idle) {
		snprintf(id, sizeof(id), "conv-%d", order[n++]);
		cr_assert_str_eq(c->id, id);
	}
	cr_assert_eq(n, live);
}
