/* Tests for the response-time sketch: bins, sparse/dense, quantiles. */

#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "prng.h"
#include "sketch.h"

/* The contract's percentile tolerance: 1 s or 3 %, whichever is larger. */
static double
tolerance(double exact)
{
	double	 t = exact * 0.03;

	return (t > 1000 ? t : 1000);
}

/* The bin layout's own bound: 0.5 s or 2.75 % (plus edge rounding). */
static double
bin_tolerance(double ms)
{
	double	 t = ms * 0.0276;

	return (t > 500 ? t : 500);
}

static int
cmp_u32(const void *a, const void *b)
{
	uint32_t	 x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return ((x > y) - (x < y));
}

/* Nearest-rank ceil(q * n) of sorted samples, rank at least 1. */
static uint32_t
exact_rank(const uint32_t *sorted, size_t n, double q)
{
	double	 r = ceil(q * (double)n);
	size_t	 rank = r < 1 ? 1 : (size_t)r;

	if (rank > n)
		rank = n;
	return (sorted[rank - 1]);
}

Test(sketch, linear_codes)
{
	cr_assert_eq(sketch_code(0), 0);
	cr_assert_eq(sketch_code(999), 0);
	cr_assert_eq(sketch_code(1000), 1);
	cr_assert_eq(sketch_code(1999), 1);
	cr_assert_eq(sketch_code(30999), 30);
	cr_assert_eq(sketch_code(31000), 31);
	cr_assert_eq(sketch_code(31999), 31);
	cr_assert_eq(sketch_value(0), 500);
	cr_assert_eq(sketch_value(1), 1500);
	cr_assert_eq(sketch_value(31), 31500);
}

Test(sketch, geometric_edges)
{
	/* 32000 * 1.055 = 33760, 32000 * 1.055^2 = 35616.8 -> 35617 */
	cr_assert_eq(sketch_code(32000), 32);
	cr_assert_eq(sketch_code(33759), 32);
	cr_assert_eq(sketch_code(33760), 33);
	cr_assert_eq(sketch_code(35616), 33);
	cr_assert_eq(sketch_code(35617), 34);
	cr_assert_eq(sketch_value(32), (32000 + 33760) / 2);
	cr_assert_eq(sketch_value(33), (33760 + 35617) / 2);
	/* 200000 ms falls in code 66, [197576, 208442): midpoint 203009. */
	cr_assert_eq(sketch_code(200000), 66);
	cr_assert_eq(sketch_value(66), 203009);
}

Test(sketch, extremes)
{
	uint32_t	 v;

	cr_assert_eq(sketch_code(UINT32_MAX), SKETCH_BINS - 1);
	cr_assert_eq(sketch_code(UINT32_MAX - 1), SKETCH_BINS - 1);
	v = sketch_value(SKETCH_BINS - 1);
	cr_assert_lt(v, UINT32_MAX);
	cr_assert_leq(UINT32_MAX - (double)v, bin_tolerance(UINT32_MAX));
	/* The last bin's lower edge is round(32000 * 1.055^220). */
	cr_assert_eq(sketch_code(4175332805U), SKETCH_BINS - 1);
	cr_assert_eq(sketch_code(4175332804U), SKETCH_BINS - 2);
	/* Out-of-range codes clamp to the last bin. */
	cr_assert_eq(sketch_value(255), v);
}

Test(sketch, monotonic_and_within_tolerance)
{
	uint64_t	 ms;
	uint32_t	 v;
	uint8_t		 c, prev = 0;

	for (ms = 0; ms <= UINT32_MAX;
	    ms += ms < 200000 ? 1 : 1 + ms / 4096) {
		c = sketch_code(ms);
		cr_assert_geq(c, prev, "code fell at %llu ms",
		    (unsigned long long)ms);
		cr_assert_lt(c, SKETCH_BINS);
		v = sketch_value(c);
		cr_assert_leq(fabs((double)v - (double)ms), bin_tolerance(ms),
		    "%llu ms -> code %u -> %u ms", (unsigned long long)ms,
		    c, v);
		prev = c;
	}
	cr_assert_eq(prev, SKETCH_BINS - 1);
}

Test(sketch, representatives_in_their_bins)
{
	unsigned int	 c;

	for (c = 0; c < SKETCH_BINS; c++) {
		cr_assert_eq(sketch_code(sketch_value(c)), c, "code %u", c);
		if (c > 0)
			cr_assert_gt(sketch_value(c), sketch_value(c - 1));
	}
}

Test(sketch, sparse_growth)
{
	struct sketch	 s;
	uint32_t	 counts[SKETCH_BINS];
	unsigned int	 i;

	sketch_init(&s);
	cr_assert_eq(sketch_memory(&s), 0);
	cr_assert_null(s.data);
	/* the first SKETCH_INLINE samples take no heap */
	sketch_add(&s, 1500);
	sketch_add(&s, 1700);
	sketch_add(&s, 40000);
	sketch_add(&s, 0);
	for (i = 4; i < SKETCH_INLINE; i++)
		sketch_add(&s, 7000);
	cr_assert_eq(s.cap, 0);
	cr_assert_eq(sketch_memory(&s), 0);
	sketch_add(&s, 2500);
	cr_assert_eq(s.cap, 2 * SKETCH_INLINE);
	cr_assert_eq(sketch_memory(&s), 2 * SKETCH_INLINE);
	cr_assert_eq(s.n, SKETCH_INLINE + 1);
	cr_assert_eq(s.dense, 0);
	memset(counts, 0, sizeof(counts));
	sketch_merge(&s, counts);
	cr_assert_eq(counts[0], 1);
	cr_assert_eq(counts[1], 2);
	cr_assert_eq(counts[2], 1);
	cr_assert_eq(counts[7], SKETCH_INLINE - 4);
	cr_assert_eq(counts[sketch_code(40000)], 1);
	sketch_clear(&s);
	cr_assert_eq(s.n, 0);
	cr_assert_null(s.data);
	cr_assert_eq(sketch_memory(&s), 0);
}

Test(sketch, inline_codes_merge)
{
	struct sketch	 s;
	uint32_t	 counts[SKETCH_BINS];

	sketch_init(&s);
	sketch_add(&s, 3000);
	sketch_add(&s, 3999);
	sketch_add(&s, 100000);
	memset(counts, 0, sizeof(counts));
	sketch_merge(&s, counts);
	cr_assert_eq(counts[3], 2);
	cr_assert_eq(counts[sketch_code(100000)], 1);
	cr_assert_eq(sketch_quantile(counts, 3, 0.5), 3500);
	sketch_clear(&s);
}

Test(sketch, sparse_to_dense_keeps_counts)
{
	struct sketch	 s;
	uint32_t	 counts[SKETCH_BINS], expect[SKETCH_BINS], ms;
	uint64_t	 rng = 7;
	unsigned int	 i;

	sketch_init(&s);
	memset(expect, 0, sizeof(expect));
	for (i = 0; i < 2000; i++) {
		ms = prng_below(&rng, 900000);
		expect[sketch_code(ms)]++;
		sketch_add(&s, ms);
		if (i + 1 == 512) {
			/* 512 one-byte codes are still under 253 * 4. */
			cr_assert_eq(s.dense, 0);
			cr_assert_eq(s.cap, 512);
			cr_assert_eq(sketch_memory(&s), 512);
		}
		if (i + 1 == 513) {
			cr_assert_eq(s.dense, 1);
			cr_assert_eq(s.cap, 0);
			cr_assert_eq(sketch_memory(&s),
			    SKETCH_BINS * sizeof(uint32_t));
			memset(counts, 0, sizeof(counts));
			sketch_merge(&s, counts);
			cr_assert_arr_eq(counts, expect, sizeof(counts));
		}
	}
	cr_assert_eq(s.n, 2000);
	memset(counts, 0, sizeof(counts));
	sketch_merge(&s, counts);
	cr_assert_arr_eq(counts, expect, sizeof(counts));
	sketch_clear(&s);
	cr_assert_eq(sketch_memory(&s), 0);
	cr_assert_eq(s.dense, 0);
	sketch_add(&s, 5);
	cr_assert_eq(s.n, 1);
	cr_assert_eq(s.cap, 0);
	cr_assert_eq(sketch_memory(&s), 0);
	sketch_clear(&s);
}

Test(sketch, merge_adds)
{
	struct sketch	 a, b;
	uint32_t	 counts[SKETCH_BINS];
	unsigned int	 i;

	sketch_init(&a);
	sketch_init(&b);
	for (i = 0; i < 3; i++)
		sketch_add(&a, 5000);
	for (i = 0; i < 600; i++)	/* dense */
		sketch_add(&b, 5100);
	memset(counts, 0, sizeof(counts));
	counts[5] = 10;
	sketch_merge(&a, counts);
	sketch_merge(&b, counts);
	cr_assert_eq(counts[5], 613);
	sketch_merge(&b, counts);
	cr_assert_eq(counts[5], 1213);
	for (i = 0; i < SKETCH_BINS; i++)
		if (i != 5)
			cr_assert_eq(counts[i], 0);
	sketch_clear(&a);
	sketch_clear(&b);
}

Test(sketch, quantile_hand_computed)
{
	uint32_t	 counts[SKETCH_BINS];
	unsigned int	 i;

	memset(counts, 0, sizeof(counts));
	cr_assert_eq(sketch_quantile(counts, 0, 0.5), 0);
	/* One sample in each of the bins 0 .. 9 s. */
	for (i = 0; i < 10; i++)
		counts[i] = 1;
	cr_assert_eq(sketch_quantile(counts, 10, 0.5), 4500);	/* rank 5 */
	cr_assert_eq(sketch_quantile(counts, 10, 0.9), 8500);	/* rank 9 */
	cr_assert_eq(sketch_quantile(counts, 10, 0.91), 9500);	/* rank 10 */
	cr_assert_eq(sketch_quantile(counts, 10, 0.99), 9500);
	cr_assert_eq(sketch_quantile(counts, 10, 1.0), 9500);
	cr_assert_eq(sketch_quantile(counts, 10, 0.0), 500);	/* rank 1 */
	cr_assert_eq(sketch_quantile(counts, 10, 0.01), 500);
	cr_assert_eq(sketch_quantile(counts, 10, 0.11), 1500);	/* rank 2 */
	/* 99 fast samples and one slow: p99 is fast, p100 slow. */
	memset(counts, 0, sizeof(counts));
	counts[2] = 99;
	counts[sketch_code(600000)] = 1;
	cr_assert_eq(sketch_quantile(counts, 100, 0.99), 2500);
	cr_assert_eq(sketch_quantile(counts, 100, 0.999),
	    sketch_value(sketch_code(600000)));
}

/* Checks sketch quantiles against exact nearest ranks for one sample set. */
static void
check_random(unsigned int seed, size_t n, int shape)
{
	static const double	 qs[] = { 0.01, 0.25, 0.5, 0.9, 0.99, 1.0 };
	struct sketch		 s;
	uint32_t		*v, counts[SKETCH_BINS], got, want;
	uint64_t		 rng = seed;
	size_t			 i, j;
	double			 u;

	v = calloc(n, sizeof(*v));
	cr_assert_not_null(v);
	sketch_init(&s);
	for (i = 0; i < n; i++) {
		u = 1.0 - prng_unit(&rng);	/* in (0, 1] */
		switch (shape) {
		case 0:		/* uniform over 10 minutes */
			v[i] = (uint32_t)(u * 600000);
			break;
		case 1:		/* exponential, mean 45 s */
			v[i] = (uint32_t)(-log(u) * 45000);
			break;
		default:	/* heavy tail up to UINT32_MAX */
			v[i] = (uint32_t)(pow(u, 8) * UINT32_MAX);
			break;
		}
		sketch_add(&s, v[i]);
	}
	qsort(v, n, sizeof(*v), cmp_u32);
	memset(counts, 0, sizeof(counts));
	sketch_merge(&s, counts);
	for (j = 0; j < sizeof(qs) / sizeof(qs[0]); j++) {
		got = sketch_quantile(counts, n, qs[j]);
		want = exact_rank(v, n, qs[j]);
		cr_assert_leq(fabs((double)got - want), tolerance(want),
		    "seed %u n %zu shape %d q %g: got %u want %u", seed, n,
		    shape, qs[j], got, want);
	}
	sketch_clear(&s);
	free(v);
}

Test(sketch, quantile_versus_brute_force)
{
	unsigned int	 seed;
	int		 shape;

	for (seed = 1; seed <= 20; seed++)
		for (shape = 0; shape < 3; shape++) {
			/* Up to 141 samples stay sparse, 5000 go dense. */
			check_random(seed, 1 + seed * 7, shape);
			check_random(seed, 5000, shape);
		}
}

Test(sketch, trim)
{
	struct sketch	 s;
	uint32_t	 counts[SKETCH_BINS];
	unsigned int	 i;

	sketch_init(&s);
	sketch_trim(&s);		/* empty: nothing to do */
	cr_assert_null(s.data);
	for (i = 0; i < 10; i++)
		sketch_add(&s, i * 1000);
	cr_assert_eq(sketch_memory(&s), 16);
	sketch_trim(&s);
	cr_assert_eq(s.cap, 10);
	cr_assert_eq(sketch_memory(&s), 10);
	/* It grows again from there and keeps every sample. */
	sketch_add(&s, 10000);
	cr_assert_eq(s.cap, 20);
	cr_assert_eq(s.n, 11);
	memset(counts, 0, sizeof(counts));
	sketch_merge(&s, counts);
	for (i = 0; i < 11; i++)
		cr_assert_eq(counts[i], 1);
	/* Trimmed caps double too (20, 40, .. 640) until dense is smaller. */
	for (i = 0; i < 629; i++)
		sketch_add(&s, 1000);
	cr_assert_eq(s.dense, 0);
	cr_assert_eq(s.cap, 640);
	for (i = 0; i < 600; i++)
		sketch_add(&s, 1000);
	cr_assert_eq(s.dense, 1);
	sketch_trim(&s);		/* dense: unchanged */
	cr_assert_eq(sketch_memory(&s), SKETCH_BINS * sizeof(uint32_t));
	memset(counts, 0, sizeof(counts));
	sketch_merge(&s, counts);
	cr_assert_eq(counts[1], 1230);
	sketch_clear(&s);
}

Test(sketch, trim_back_inline)
{
	struct sketch	 s;
	uint32_t	 counts[SKETCH_BINS];
	unsigned int	 i;

	sketch_init(&s);
	for (i = 0; i < SKETCH_INLINE + 1; i++)
		sketch_add(&s, 2000);
	cr_assert_neq(sketch_memory(&s), 0);
	/* a trim keeps heap codes above SKETCH_INLINE ... */
	sketch_trim(&s);
	cr_assert_eq(s.cap, SKETCH_INLINE + 1);
	sketch_clear(&s);
	/* ... and brings a smaller array back in place */
	for (i = 0; i < SKETCH_INLINE + 1; i++)
		sketch_add(&s, 2000);
	s.n = 3;			/* as if trimmed from a larger count */
	sketch_trim(&s);
	cr_assert_eq(s.cap, 0);
	cr_assert_eq(sketch_memory(&s), 0);
	memset(counts, 0, sizeof(counts));
	sketch_merge(&s, counts);
	cr_assert_eq(counts[2], 3);
	sketch_clear(&s);
}
