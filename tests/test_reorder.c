/* Tests for the reorder buffer: events come out in (ts, read order). */

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "prng.h"
#include "reorder.h"

#define NEV	5000

static struct chat_event	 evs[NEV];

static int
by_ts_seq(const void *x, const void *y)
{
	const struct chat_event	*const *p = x, *const *q = y;

	if ((*p)->ts != (*q)->ts)
		return ((*p)->ts < (*q)->ts ? -1 : 1);
	return ((*p)->seq < (*q)->seq ? -1 : (*p)->seq > (*q)->seq);
}

Test(reorder, hand_written)
{
	struct reorder	 r;
	int64_t		 ts[] = { 10, 20, 15, 20, 5, 30 };
	/* seq: 0..5; out by (ts, seq): 5/4, 10/0, 15/2, 20/1, 20/3, 30/5 */
	uint64_t	 want[] = { 4, 0, 2, 1, 3, 5 };
	size_t		 i;

	reorder_init(&r);
	cr_assert_null(reorder_peek(&r));
	cr_assert_null(reorder_pop(&r));
	for (i = 0; i < 6; i++) {
		memset(&evs[i], 0, sizeof(evs[i]));
		evs[i].ts = ts[i];
		evs[i].seq = i;
		reorder_push(&r, &evs[i]);
	}
	/* the ring holds 10, 20, 20, 30: the in-order ones */
	cr_expect_eq(reorder_ahead(&r, 0), &evs[0]);
	cr_expect_eq(reorder_ahead(&r, 1), &evs[1]);
	cr_expect_eq(reorder_ahead(&r, 3), &evs[5]);
	cr_expect_null(reorder_ahead(&r, 4));
	for (i = 0; i < 6; i++) {
		cr_assert_eq(reorder_peek(&r), &evs[want[i]]);
		cr_assert_eq(reorder_pop(&r), &evs[want[i]]);
	}
	cr_assert_null(reorder_pop(&r));
	reorder_clear(&r);
}

/*
 * Random pushes and pops, mostly in order with some late ones, against a
 * sorted copy of what is buffered.
 */
Test(reorder, randomized_against_sorting)
{
	struct chat_event	*model[NEV], *got;
	struct reorder		 r;
	uint64_t		 rng = 7;
	int64_t			 ts = 1000;
	size_t			 n = 0, pushed = 0, i;

	reorder_init(&r);
	while (pushed < NEV || n > 0) {
		if (pushed < NEV && (n == 0 || prng_below(&rng, 3) != 0)) {
			memset(&evs[pushed], 0, sizeof(evs[pushed]));
			ts += prng_below(&rng, 5);
			evs[pushed].ts = prng_below(&rng, 10) == 0 ?
			    ts - prng_below(&rng, 50) : ts;
			evs[pushed].seq = pushed;
			reorder_push(&r, &evs[pushed]);
			model[n++] = &evs[pushed++];
			continue;
		}
		qsort(model, n, sizeof(*model), by_ts_seq);
		got = reorder_pop(&r);
		cr_assert_eq(got, model[0], "popped ts %lld seq %llu, want "
		    "ts %lld seq %llu", (long long)got->ts,
		    (unsigned long long)got->seq, (long long)model[0]->ts,
		    (unsigned long long)model[0]->seq);
		for (i = 1; i < n; i++)
			model[i - 1] = model[i];
		n--;
	}
	cr_assert_null(reorder_peek(&r));
	reorder_clear(&r);
}
