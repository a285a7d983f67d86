/* Response-time sketch: byte-sized bin codes, sparse or dense counts. */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sketch.h"
#include "xmalloc.h"

#define LIN_WIDTH	1000		/* ms per linear bin */
#define GEO_CODE	32		/* first geometric code */
#define GEO_START	32000		/* its lower edge, ms */
#define GEO_RATIO	1.055
#define LAST_CODE	(SKETCH_BINS - 1)
#define SPARSE_START	(SKETCH_INLINE * 2)	/* first code array */
#define DENSE_BYTES	(SKETCH_BINS * sizeof(uint32_t))
#define LUT_BITS	3		/* bits below the leading one */

static uint32_t	 sketch_edges[SKETCH_BINS];	/* lower edge of each code */
static uint32_t	 sketch_reps[SKETCH_BINS];	/* representative values */
static uint8_t	 sketch_lut[32 << LUT_BITS];	/* first code of a slice */
static int	 sketch_ready;

/* Finds the code of a value by binary search over the edges. */
static uint8_t
sketch_search(uint32_t ms)
{
	unsigned int	 lo = 0, hi = LAST_CODE, mid;

	while (lo < hi) {
		mid = (lo + hi + 1) / 2;
		if (sketch_edges[mid] <= ms)
			lo = mid;
		else
			hi = mid - 1;
	}
	return (lo);
}

/*
 * Builds the edge and representative tables once.  The geometric edges
 * use repeated IEEE multiplication, not pow(), so that they do not depend
 * on the C library.  The lookup table maps a value's leading bit and the
 * LUT_BITS bits below it to the code of the slice's smallest value; a
 * slice spans a ratio of at most 9/8, so at most three edges lie in it.
 */
static void
sketch_tables(void)
{
	double		 x = GEO_START;
	uint64_t	 hi;
	uint32_t	 start;
	unsigned int	 c, lg, m;

	for (c = 0; c < GEO_CODE; c++)
		sketch_edges[c] = c * LIN_WIDTH;
	for (c = GEO_CODE; c < SKETCH_BINS; c++) {
		if (x + 0.5 >= (double)UINT32_MAX)
			xabort("sketch_tables: edge %u overflows", c);
		sketch_edges[c] = (uint32_t)floor(x + 0.5);
		x *= GEO_RATIO;
	}
	for (c = 0; c < SKETCH_BINS; c++) {
		hi = c < LAST_CODE ? sketch_edges[c + 1] :
		    (uint64_t)UINT32_MAX + 1;
		sketch_reps[c] = (uint32_t)((sketch_edges[c] + hi) / 2);
	}
	for (lg = 0; lg < 32; lg++) {
		for (m = 0; m < (1U << LUT_BITS); m++) {
			if (lg < LUT_BITS)
				start = 0;
			else
				start = ((1U << LUT_BITS) | m) <<
				    (lg - LUT_BITS);
			if (start < GEO_START)
				start = GEO_START;
			sketch_lut[lg << LUT_BITS | m] = sketch_search(start);
		}
	}
	sketch_ready = 1;
}

/* Returns the bin code of a value in ms. */
uint8_t
sketch_code(uint32_t ms)
{
	unsigned int	 c, lg;

	if (ms < GEO_START)
		return (ms / LIN_WIDTH);
	if (!sketch_ready)
		sketch_tables();
	lg = 31 - __builtin_clz(ms);
	c = sketch_lut[lg << LUT_BITS |
	    ((ms >> (lg - LUT_BITS)) & ((1U << LUT_BITS) - 1))];
	while (c < LAST_CODE && ms >= sketch_edges[c + 1])
		c++;
	return (c);
}

/* Returns the representative value in ms of a bin code. */
uint32_t
sketch_value(uint8_t code)
{
	if (!sketch_ready)
		sketch_tables();
	if (code > LAST_CODE)
		code = LAST_CODE;
	return (sketch_reps[code]);
}

void
sketch_init(struct sketch *s)
{
	memset(s, 0, sizeof(*s));
}

/* True when the sketch owns heap memory. */
static int
sketch_heap(const struct sketch *s)
{
	return (s->dense || s->cap != 0);
}

static const uint8_t *
sketch_codes(const struct sketch *s)
{
	return (s->cap == 0 ? s->inl : s->data);
}

void
sketch_clear(struct sketch *s)
{
	if (sketch_heap(s))
		free(s->data);
	sketch_init(s);
}

/* Replaces the code array by per-bin counts. */
static void
sketch_densify(struct sketch *s)
{
	const uint8_t	*codes = s->data;
	uint32_t	*bins;
	uint32_t	 i;

	bins = xcalloc(SKETCH_BINS, sizeof(*bins));
	for (i = 0; i < s->n; i++)
		bins[codes[i]]++;
	free(s->data);
	s->data = bins;
	s->cap = 0;
	s->dense = 1;
}

/*
 * Adds one sample.  The code array doubles when full; once doubling would
 * make it at least as large as the dense counts, the sketch turns dense.
 */
void
sketch_add(struct sketch *s, uint32_t ms)
{
	sketch_add_code(s, sketch_code(ms));
}

/* Adds one sample by its bin code, for callers that add it to many. */
void
sketch_add_code(struct sketch *s, uint8_t c)
{
	size_t		 cap;

	uint8_t		*codes;

	if (s->n == UINT32_MAX)
		return;
	if (!s->dense && s->cap == 0 && s->n < SKETCH_INLINE) {
		s->inl[s->n++] = c;
		return;
	}
	if (!s->dense && s->cap == 0) {
		codes = xmalloc(SPARSE_START);
		memcpy(codes, s->inl, s->n);
		s->data = codes;
		s->cap = SPARSE_START;
	} else if (!s->dense && s->n == s->cap) {
		cap = (size_t)s->cap * 2;
		if (cap >= DENSE_BYTES)
			sketch_densify(s);
		else {
			s->data = xreallocarray(s->data, cap, 1);
			s->cap = cap;
		}
	}
	if (s->dense)
		((uint32_t *)s->data)[c]++;
	else
		((uint8_t *)s->data)[s->n] = c;
	s->n++;
}

/*
 * Shrinks a sparse sketch's code array to its samples, for a sketch that
 * is not expected to grow any more; a later add simply grows it again.
 */
void
sketch_trim(struct sketch *s)
{
	uint8_t		*codes;

	if (s->dense || s->cap == 0 || s->n == s->cap)
		return;
	if (s->n <= SKETCH_INLINE) {
		codes = s->data;
		memcpy(s->inl, codes, s->n);
		free(codes);
		s->cap = 0;
		return;
	}
	s->data = xreallocarray(s->data, s->n, 1);
	s->cap = s->n;
}

/* Adds the sketch's per-bin counts into counts[SKETCH_BINS]. */
void
sketch_merge(const struct sketch *s, uint32_t *counts)
{
	const uint8_t	*codes;
	const uint32_t	*bins;
	uint32_t	 i;

	if (s->n == 0)
		return;
	if (s->dense) {
		bins = s->data;
		for (i = 0; i < SKETCH_BINS; i++)
			counts[i] += bins[i];
	} else {
		codes = sketch_codes(s);
		for (i = 0; i < s->n; i++)
			counts[codes[i]]++;
	}
}

/*
 * Returns the representative value of the bin holding the nearest-rank
 * sample ceil(q * n) (at least the first) of n merged counts, 0 for none.
 */
uint32_t
sketch_quantile(const uint32_t *counts, uint64_t n, double q)
{
	uint64_t	 rank, seen = 0;
	double		 r;
	unsigned int	 c, last = 0;

	if (n == 0)
		return (0);
	r = ceil(q * (double)n);
	if (!(r >= 1))
		rank = 1;
	else if (r >= (double)n)
		rank = n;
	else
		rank = (uint64_t)r;
	for (c = 0; c < SKETCH_BINS; c++) {
		if (counts[c] == 0)
			continue;
		last = c;
		seen += counts[c];
		if (seen >= rank)
			break;
	}
	return (sketch_value(last));
}

/* Returns the heap bytes the sketch holds. */
size_t
sketch_memory(const struct sketch *s)
{
	if (s->dense)
		return (DENSE_BYTES);
	return (s->cap);
}
