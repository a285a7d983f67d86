/* Tests for rolling windows: edges, ring reuse, metrics, memory. */

#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "prng.h"
#include "sketch.h"
#include "window.h"

#define W5M	300000		/* 5 minutes, bucket 5000 ms */
#define EPOCH	INT64_C(1700000000000)

/* The contract's percentile tolerance: 1 s or 3 %, whichever is larger. */
static double
tolerance_s(double exact)
{
	double	 t = exact * 0.03;

	return (t > 1 ? t : 1);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return ((x > y) - (x < y));
}

/* Asserts a metric equals a value, exactly up to rounding. */
static void
expect(const double *m, enum metric_id id, double want)
{
	cr_assert(fabs(m[id] - want) < 1e-9, "%s: got %g want %g",
	    metric_defs[id].name, m[id], want);
}

/* Asserts that a metric has no sample. */
static void
expect_null(const double *m, enum metric_id id)
{
	cr_assert(isnan(m[id]), "%s: got %g want null", metric_defs[id].name,
	    m[id]);
}

Test(window, geometry)
{
	struct window	 w;

	window_init(&w, W5M);
	cr_assert_eq(w.bucket, 5000);
	cr_assert_eq(w.nslots, 61);
	cr_assert_null(w.ring);
	cr_assert_eq(w.last, -1);
	cr_assert_eq(window_memory(&w), 0);
	window_clear(&w);
	window_init(&w, 86400000);
	cr_assert_eq(w.bucket, 1440000);
	cr_assert_eq(w.nslots, 61);
	window_init(&w, 100000);	/* 100 s: 60 * 1666 = 99960 */
	cr_assert_eq(w.bucket, 1666);
	cr_assert_eq(w.nslots, 62);
	window_init(&w, 119);
	cr_assert_eq(w.bucket, 1);
	cr_assert_eq(w.nslots, 120);
	window_init(&w, 60);
	cr_assert_eq(w.bucket, 1);
	cr_assert_eq(w.nslots, 61);
	window_count(&w, 5, TALLY_WITHIN);
	cr_assert_not_null(w.ring);
	cr_assert_eq(window_memory(&w), 61 * sizeof(struct bucket));
	window_clear(&w);
	cr_assert_null(w.ring);
}

Test(window, empty_is_null)
{
	struct window	 w;
	double		 m[METRIC_COUNT];
	int		 i;

	window_init(&w, W5M);
	for (i = 0; i < 2; i++) {
		/* Before any add, then with only old outcomes. */
		window_query(&w, EPOCH, m);
		cr_assert(window_empty(&w, EPOCH));
		for (enum metric_id id = 0; id < METRIC_COUNT; id++) {
			if (metric_defs[id].kind == METRIC_KIND_COUNT)
				expect(m, id, 0);
			else
				expect_null(m, id);
		}
		window_response(&w, EPOCH - W5M, 12000, 1);
		window_count(&w, EPOCH - W5M, TALLY_MISSED);
	}
	window_clear(&w);
}

Test(window, hand_computed)
{
	struct window	 w;
	double		 m[METRIC_COUNT];

	window_init(&w, W5M);
	window_response(&w, 10000, 10000, 1);
	window_count(&w, 10000, TALLY_WITHIN);
	window_count(&w, 10000, TALLY_FRT_WITHIN);
	window_response(&w, 20000, 20000, 1);
	window_count(&w, 20000, TALLY_WITHIN);
	window_count(&w, 20000, TALLY_FRT_BREACHED);
	window_response(&w, 60000, 60000, 0);
	window_count(&w, 60000, TALLY_WITHIN);
	window_count(&w, 100000, TALLY_UNANSWERED);
	window_count(&w, 190000, TALLY_MISSED);
	window_response(&w, 250000, 200000, 0);
	window_count(&w, 299999, TALLY_UNANSWERED);

	window_query(&w, 300000, m);
	cr_assert_not(window_empty(&w, 300000));
	expect(m, METRIC_RESPONSES, 4);
	expect(m, METRIC_FIRST_RESPONSES, 2);
	expect(m, METRIC_FRT_AVG, 15.0);
	expect(m, METRIC_FRT_P50, 10.5);	/* rank 1: bin [10 s, 11 s) */
	expect(m, METRIC_FRT_P90, 20.0);	/* rank 2: 20.5 clamped */
	expect(m, METRIC_FRT_MAX, 20.0);
	expect(m, METRIC_FRT_WITHIN, 1);
	expect(m, METRIC_FRT_BREACHED, 1);
	expect(m, METRIC_FRT_RATE, 0.5);
	expect(m, METRIC_ART_AVG, 72.5);	/* 290 s / 4 */
	expect(m, METRIC_ART_P50, 20.5);	/* rank 2 */
	expect(m, METRIC_ART_P90, 200.0);	/* rank 4: 203.009 clamped */
	expect(m, METRIC_ART_P99, 200.0);
	expect(m, METRIC_ART_MAX, 200.0);
	expect(m, METRIC_WITHIN, 3);
	expect(m, METRIC_MISSED, 1);
	expect(m, METRIC_RATE, 0.75);
	expect(m, METRIC_UNANSWERED, 2);

	/* At 310000 the window is (10000, 310000]: the first outcomes go. */
	window_query(&w, 310000, m);
	expect(m, METRIC_RESPONSES, 3);
	expect(m, METRIC_FIRST_RESPONSES, 1);
	expect(m, METRIC_FRT_AVG, 20.0);
	expect(m, METRIC_FRT_P50, 20.0);
	expect(m, METRIC_FRT_RATE, 0.0);
	expect(m, METRIC_ART_AVG, 280.0 / 3);
	expect(m, METRIC_ART_P50, 59.253);	/* [57667, 60839) */
	expect(m, METRIC_RATE, 2.0 / 3);

	/* At 400000, (100000, 400000]: one response and no first one. */
	window_query(&w, 400000, m);
	expect(m, METRIC_RESPONSES, 1);
	expect(m, METRIC_FIRST_RESPONSES, 0);
	expect_null(m, METRIC_FRT_AVG);
	expect_null(m, METRIC_FRT_P50);
	expect_null(m, METRIC_FRT_MAX);
	expect_null(m, METRIC_FRT_RATE);
	expect(m, METRIC_ART_MAX, 200.0);
	expect(m, METRIC_RATE, 0.0);
	expect(m, METRIC_UNANSWERED, 1);
	window_clear(&w);
}

Test(window, percentile_clamped_to_max)
{
	struct window	 w;
	double		 m[METRIC_COUNT];

	window_init(&w, W5M);
	/* 32100 ms is in bin [32000, 33760), representative 32880. */
	window_response(&w, 1000, 32100, 1);
	window_query(&w, 5000, m);
	expect(m, METRIC_ART_P50, 32.1);
	expect(m, METRIC_ART_P99, 32.1);
	expect(m, METRIC_FRT_P90, 32.1);
	window_clear(&w);

	window_init(&w, W5M);
	window_response(&w, 1000, 33000, 0);
	window_query(&w, 5000, m);
	expect(m, METRIC_ART_P50, 32.88);	/* below the max: kept */
	expect(m, METRIC_ART_MAX, 33.0);
	expect(m, METRIC_FIRST_RESPONSES, 0);
	expect_null(m, METRIC_FRT_P50);
	window_clear(&w);
}

Test(window, tallies_map_to_metrics)
{
	static const struct {
		enum tally	 t;
		enum metric_id	 id;
	} map[] = {
		{ TALLY_RESPONSES, METRIC_RESPONSES },
		{ TALLY_FIRST_RESPONSES, METRIC_FIRST_RESPONSES },
		{ TALLY_FRT_WITHIN, METRIC_FRT_WITHIN },
		{ TALLY_FRT_BREACHED, METRIC_FRT_BREACHED },
		{ TALLY_WITHIN, METRIC_WITHIN },
		{ TALLY_MISSED, METRIC_MISSED },
		{ TALLY_UNANSWERED, METRIC_UNANSWERED },
	};
	struct window	 w;
	double		 m[METRIC_COUNT];
	size_t		 i, j;
	unsigned int	 n;

	cr_assert_eq(sizeof(map) / sizeof(map[0]), TALLY_COUNT);
	window_init(&w, 3600000);
	for (i = 0; i < TALLY_COUNT; i++)
		for (n = 0; n <= i; n++)
			window_count(&w, EPOCH, map[i].t);
	window_query(&w, EPOCH, m);
	for (i = 0; i < TALLY_COUNT; i++)
		expect(m, map[i].id, i + 1);
	/* Counts alone give no time samples. */
	expect_null(m, METRIC_ART_P50);
	expect_null(m, METRIC_ART_MAX);
	for (j = 0; j < TALLY_COUNT; j++)
		cr_assert_eq(w.ring[(EPOCH - 1) / w.bucket % w.nslots].tally[j],
		    j + 1);
	window_clear(&w);
}

Test(window, exact_edges)
{
	struct window	 w;
	double		 m[METRIC_COUNT];

	window_init(&w, W5M);
	window_count(&w, 300000, TALLY_MISSED);
	window_count(&w, 300001, TALLY_WITHIN);
	window_query(&w, 300000, m);
	expect(m, METRIC_MISSED, 1);
	expect(m, METRIC_WITHIN, 0);	/* its bucket starts after T */
	window_query(&w, 599999, m);
	expect(m, METRIC_MISSED, 1);
	cr_assert_not(window_empty(&w, 599999));
	window_query(&w, 600000, m);	/* exactly (300000, 600000] */
	expect(m, METRIC_MISSED, 0);
	expect(m, METRIC_WITHIN, 1);
	expect(m, METRIC_RATE, 1.0);
	window_query(&w, 604999, m);
	expect(m, METRIC_WITHIN, 1);
	cr_assert_not(window_empty(&w, 604999));
	window_query(&w, 605000, m);
	expect(m, METRIC_WITHIN, 0);
	expect_null(m, METRIC_RATE);
	cr_assert(window_empty(&w, 605000));
	window_clear(&w);
}

Test(window, ring_reuse_after_wrap)
{
	struct window	 w;
	double		 m[METRIC_COUNT];
	size_t		 before;
	int		 i;

	window_init(&w, W5M);
	window_response(&w, 1000, 7000, 1);		/* k 0, slot 0 */
	for (i = 0; i < 9; i++)
		window_response(&w, 1000, 9000, 0);	/* 10 codes: cap 16 */
	before = window_memory(&w);
	/* the one first-response code stays inline */
	cr_assert_eq(before, 61 * sizeof(struct bucket) + 16);
	/* k 61 takes slot 0 again and frees bucket 0's sketches. */
	window_count(&w, 61 * 5000 + 1000, TALLY_UNANSWERED);
	cr_assert_eq(w.ring[0].index, 61);
	cr_assert_eq(w.last, 61);
	cr_assert_eq(window_memory(&w), 61 * sizeof(struct bucket));
	window_query(&w, 306000, m);
	expect(m, METRIC_RESPONSES, 0);
	expect(m, METRIC_UNANSWERED, 1);
	/* A stamp older than the slot's bucket is ignored. */
	window_response(&w, 1000, 5000, 1);
	window_count(&w, 1000, TALLY_WITHIN);
	cr_assert_eq(w.ring[0].index, 61);
	window_query(&w, 306000, m);
	expect(m, METRIC_RESPONSES, 0);
	expect(m, METRIC_WITHIN, 0);
	expect(m, METRIC_UNANSWERED, 1);
	/* So is a stamp before 1 ms. */
	window_count(&w, 0, TALLY_WITHIN);
	window_count(&w, -5000, TALLY_WITHIN);
	window_query(&w, 306000, m);
	expect(m, METRIC_WITHIN, 0);
	window_clear(&w);
}

Test(window, sealed_bucket_trimmed)
{
	struct window	 w;
	double		 m[METRIC_COUNT];
	int		 i;

	window_init(&w, W5M);
	for (i = 0; i < 12; i++)
		window_response(&w, 1000 + i, 10000 + i * 1000, i == 0);
	cr_assert_eq(window_memory(&w), 61 * sizeof(struct bucket) + 16);
	/* Moving on to bucket 1 trims bucket 0 to its 12 codes. */
	window_count(&w, 6000, TALLY_WITHIN);
	cr_assert_eq(window_memory(&w), 61 * sizeof(struct bucket) + 12);
	window_query(&w, 10000, m);
	expect(m, METRIC_RESPONSES, 12);
	expect(m, METRIC_ART_P50, 15.5);	/* rank 6: 15000 ms */
	expect(m, METRIC_ART_MAX, 21.0);
	expect(m, METRIC_FRT_P50, 10.0);	/* 10.5 clamped */
	window_clear(&w);
}

Test(window, idle_then_far_future)
{
	struct window	 w;
	double		 m[METRIC_COUNT];
	int64_t		 t = EPOCH;
	int		 i;

	window_init(&w, 3600000);
	for (i = 0; i <= SKETCH_INLINE; i++)
		window_response(&w, t, 45000, 1);
	window_query(&w, t + 3600000 - 1, m);
	expect(m, METRIC_RESPONSES, SKETCH_INLINE + 1);
	/* A day later nothing is in range although the ring still holds it. */
	window_query(&w, t + 86400000, m);
	expect(m, METRIC_RESPONSES, 0);
	expect_null(m, METRIC_ART_AVG);
	cr_assert(window_empty(&w, t + 86400000));
	cr_assert_gt(window_memory(&w), w.nslots * sizeof(struct bucket));
	/* A new add a day later lands in a fresh bucket. */
	window_response(&w, t + 86400000, 1000, 0);
	window_query(&w, t + 86400000, m);
	expect(m, METRIC_RESPONSES, 1);
	expect(m, METRIC_FIRST_RESPONSES, 0);
	expect(m, METRIC_ART_MAX, 1.0);
	window_clear(&w);
	cr_assert_eq(window_memory(&w), 0);
	cr_assert(window_empty(&w, t + 86400000));
	/* A cleared window can be used again. */
	window_count(&w, t, TALLY_MISSED);
	window_query(&w, t, m);
	expect(m, METRIC_MISSED, 1);
	window_clear(&w);
}

Test(window, dense_bucket)
{
	struct window	 w;
	double		 m[METRIC_COUNT];
	uint32_t	 i;

	window_init(&w, W5M);
	/* 1000 responses of 1..1000 s in one bucket: the sketch goes dense. */
	for (i = 1; i <= 1000; i++)
		window_response(&w, 2000, i * 1000, i % 2);
	cr_assert_eq(w.ring[0].art.dense, 1);
	cr_assert_eq(w.ring[0].frt.dense, 0);	/* 500 codes */
	window_query(&w, 5000, m);
	expect(m, METRIC_RESPONSES, 1000);
	expect(m, METRIC_FIRST_RESPONSES, 500);
	expect(m, METRIC_ART_AVG, 500.5);
	expect(m, METRIC_FRT_AVG, 500.0);	/* 1, 3, .., 999 s */
	expect(m, METRIC_ART_MAX, 1000.0);
	expect(m, METRIC_FRT_MAX, 999.0);
	cr_assert_leq(fabs(m[METRIC_ART_P50] - 500), tolerance_s(500));
	cr_assert_leq(fabs(m[METRIC_ART_P90] - 900), tolerance_s(900));
	cr_assert_leq(fabs(m[METRIC_ART_P99] - 990), tolerance_s(990));
	cr_assert_leq(fabs(m[METRIC_FRT_P90] - 899), tolerance_s(899));
	window_clear(&w);
}

/* One outcome for the brute-force tests. */
struct outcome {
	int64_t		 stamp;
	int		 tally;		/* TALLY_* or -1 for a response */
	uint32_t	 ms;
	int		 first;
};

/* The exact metrics over the outcomes stamped in (from, to]. */
struct exact {
	uint64_t	 tally[TALLY_COUNT];
	uint64_t	 art_sum, frt_sum;
	uint32_t	 art_max, frt_max;
	size_t		 nart, nfrt;
	uint32_t	*art, *frt;
};

/* Recomputes the metrics of (from, to] from the list of outcomes. */
static void
exact_count(const struct outcome *o, size_t n, int64_t from, int64_t to,
    struct exact *e)
{
	size_t	 i;

	memset(e->tally, 0, sizeof(e->tally));
	e->art_sum = e->frt_sum = 0;
	e->art_max = e->frt_max = 0;
	e->nart = e->nfrt = 0;
	for (i = 0; i < n; i++) {
		if (o[i].stamp <= from || o[i].stamp > to)
			continue;
		if (o[i].tally >= 0) {
			e->tally[o[i].tally]++;
			continue;
		}
		e->tally[TALLY_RESPONSES]++;
		e->art_sum += o[i].ms;
		if (o[i].ms > e->art_max)
			e->art_max = o[i].ms;
		if (e->art != NULL)
			e->art[e->nart] = o[i].ms;
		e->nart++;
		if (!o[i].first)
			continue;
		e->tally[TALLY_FIRST_RESPONSES]++;
		e->frt_sum += o[i].ms;
		if (o[i].ms > e->frt_max)
			e->frt_max = o[i].ms;
		if (e->frt != NULL)
			e->frt[e->nfrt] = o[i].ms;
		e->nfrt++;
	}
}

/* Checks one percentile against the exact nearest rank. */
static void
check_pct(const double *m, enum metric_id id, uint32_t *v, size_t n, double q)
{
	double	 r, want;
	size_t	 rank;

	if (n == 0) {
		expect_null(m, id);
		return;
	}
	qsort(v, n, sizeof(*v), cmp_u32);
	r = ceil(q * (double)n);
	rank = r < 1 ? 1 : (size_t)r;
	if (rank > n)
		rank = n;
	want = v[rank - 1] / 1000.0;
	cr_assert_leq(fabs(m[id] - want), tolerance_s(want),
	    "%s: got %g want %g", metric_defs[id].name, m[id], want);
	cr_assert_leq(m[id], v[n - 1] / 1000.0);
}

static const enum metric_id tally_metric[TALLY_COUNT] = {
	METRIC_RESPONSES, METRIC_FIRST_RESPONSES, METRIC_FRT_WITHIN,
	METRIC_FRT_BREACHED, METRIC_WITHIN, METRIC_MISSED, METRIC_UNANSWERED
};

/*
 * Feeds random outcomes into a window of the given width and, after each,
 * queries it at a clock at or after the outcome: at multiples of the bucket
 * width everything must match a brute-force recount of (T - W, T] (when W
 * is a multiple of the bucket), otherwise each count lies between the
 * recounts of (T - W, T] and (T - W - b, T].
 */
static void
check_brute_force(unsigned int seed, int64_t width, size_t n)
{
	struct window	 w;
	struct outcome	*o;
	struct exact	 lo, hi;
	double		 m[METRIC_COUNT];
	int64_t		 stamp = EPOCH, now, b;
	uint64_t	 rng = seed;
	size_t		 i, exact_checks = 0;
	int		 t, exact;

	window_init(&w, width);
	b = w.bucket;
	o = calloc(n, sizeof(*o));
	memset(&lo, 0, sizeof(lo));
	memset(&hi, 0, sizeof(hi));
	lo.art = calloc(n, sizeof(*lo.art));
	lo.frt = calloc(n, sizeof(*lo.frt));
	cr_assert(o != NULL && lo.art != NULL && lo.frt != NULL);
	for (i = 0; i < n; i++) {
		if (prng_below(&rng, 200) == 0)	/* idle: the ring wraps */
			stamp += prng_below(&rng, (uint32_t)(3 * width));
		else
			stamp += prng_below(&rng, (uint32_t)(b / 2 + 1));
		o[i].stamp = stamp;
		/* Responses come only through window_response. */
		o[i].tally = prng_below(&rng, 3) == 0 ? -1 : TALLY_FRT_WITHIN +
		    (int)prng_below(&rng, TALLY_COUNT - TALLY_FRT_WITHIN);
		o[i].ms = prng_below(&rng, 8) == 0 ?
		    prng_below(&rng, 4000000) : prng_below(&rng, 240000);
		o[i].first = prng_below(&rng, 3) == 0;
		if (o[i].tally < 0)
			window_response(&w, stamp, o[i].ms, o[i].first);
		else
			window_count(&w, stamp, o[i].tally);

		if (prng_below(&rng, 2) == 0)
			now = (stamp + b - 1) / b * b;
		else
			now = stamp + prng_below(&rng, (uint32_t)(2 * b));
		exact = now % b == 0 && width % b == 0;
		window_query(&w, now, m);
		exact_count(o, i + 1, now - width, now, &lo);
		if (exact) {
			exact_checks++;
			for (t = 0; t < TALLY_COUNT; t++)
				expect(m, tally_metric[t], lo.tally[t]);
			cr_assert_eq(window_empty(&w, now),
			    lo.tally[TALLY_RESPONSES] +
			    lo.tally[TALLY_FIRST_RESPONSES] +
			    lo.tally[TALLY_FRT_WITHIN] +
			    lo.tally[TALLY_FRT_BREACHED] +
			    lo.tally[TALLY_WITHIN] + lo.tally[TALLY_MISSED] +
			    lo.tally[TALLY_UNANSWERED] == 0);
			if (lo.nart == 0) {
				expect_null(m, METRIC_ART_AVG);
				expect_null(m, METRIC_ART_MAX);
			} else {
				expect(m, METRIC_ART_AVG,
				    (double)lo.art_sum / lo.nart / 1000.0);
				expect(m, METRIC_ART_MAX, lo.art_max / 1000.0);
			}
			if (lo.nfrt == 0)
				expect_null(m, METRIC_FRT_MAX);
			else {
				expect(m, METRIC_FRT_AVG,
				    (double)lo.frt_sum / lo.nfrt / 1000.0);
				expect(m, METRIC_FRT_MAX, lo.frt_max / 1000.0);
			}
			check_pct(m, METRIC_ART_P50, lo.art, lo.nart, 0.5);
			check_pct(m, METRIC_ART_P90, lo.art, lo.nart, 0.9);
			check_pct(m, METRIC_ART_P99, lo.art, lo.nart, 0.99);
			check_pct(m, METRIC_FRT_P50, lo.frt, lo.nfrt, 0.5);
			check_pct(m, METRIC_FRT_P90, lo.frt, lo.nfrt, 0.9);
			continue;
		}
		exact_count(o, i + 1, now - width - b, now, &hi);
		for (t = 0; t < TALLY_COUNT; t++) {
			cr_assert_geq(m[tally_metric[t]], lo.tally[t],
			    "seed %u T %lld", seed, (long long)now);
			cr_assert_leq(m[tally_metric[t]], hi.tally[t],
			    "seed %u T %lld", seed, (long long)now);
		}
	}
	if (width % b == 0)
		cr_assert_gt(exact_checks, n / 4);
	window_clear(&w);
	free(lo.art);
	free(lo.frt);
	free(o);
}

Test(window, brute_force_5m)
{
	check_brute_force(1, W5M, 3000);
	check_brute_force(2, W5M, 3000);
}

Test(window, brute_force_1h)
{
	check_brute_force(3, 3600000, 3000);
}

Test(window, brute_force_uneven_width)
{
	/* 100 s is not a multiple of its 1666 ms buckets: never exact. */
	check_brute_force(4, 100000, 3000);
	check_brute_force(5, 60 * 7 + 59, 3000);
}

/*
 * An agent answering 180 times an hour for a day, every third a first
 * response, into the engine's three windows: their memory is the ring
 * plus the sketches, and must stay well under 32 KiB.
 */
Test(window, agent_memory)
{
	static const int64_t	 widths[] = { 300000, 3600000, 86400000 };
	struct window		 w[3];
	double			 m[METRIC_COUNT];
	int64_t			 t;
	size_t			 bytes, peak = 0;
	uint32_t		 ms;
	uint64_t		 rng = 11;
	unsigned int		 i, j;

	for (j = 0; j < 3; j++)
		window_init(&w[j], widths[j]);
	for (i = 0, t = EPOCH; i < 180 * 24; i++, t += 20000) {
		ms = 5000 + prng_below(&rng, 300000);
		for (j = 0; j < 3; j++) {
			window_response(&w[j], t, ms, i % 3 == 0);
			window_count(&w[j], t, ms <= 180000 ?
			    TALLY_WITHIN : TALLY_MISSED);
			if (i % 3 == 0)
				window_count(&w[j], t, ms <= 30000 ?
				    TALLY_FRT_WITHIN : TALLY_FRT_BREACHED);
			if (i % 60 == 0)
				window_count(&w[j], t, TALLY_UNANSWERED);
		}
		bytes = sizeof(w);
		for (j = 0; j < 3; j++)
			bytes += window_memory(&w[j]);
		if (bytes > peak)
			peak = bytes;
	}
	window_query(&w[2], t, m);
	expect(m, METRIC_RESPONSES, 180 * 24);
	window_query(&w[1], t, m);
	expect(m, METRIC_RESPONSES, 180);
	cr_log_info("agent memory: %zu bytes at the end, %zu peak "
	    "(struct bucket %zu, struct sketch %zu, ring %zu per window)",
	    bytes, peak, sizeof(struct bucket), sizeof(struct sketch),
	    w[0].nslots * sizeof(struct bucket));
	cr_assert_lt(peak, 32768);
	for (j = 0; j < 3; j++)
		window_clear(&w[j]);
}
