/* Rolling windows of outcomes: a ring of W/60-wide buckets. */

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"
#include "sketch.h"
#include "window.h"
#include "xmalloc.h"

/* Rounds a quotient towards minus infinity (b > 0). */
static int64_t
window_floordiv(int64_t a, int64_t b)
{
	int64_t	 q = a / b;

	if (a % b != 0 && a < 0)
		q--;
	return (q);
}

void
window_init(struct window *w, int64_t width)
{
	if (width < WINDOW_SLICES)
		xabort("window_init: width %lld ms is under %d ms",
		    (long long)width, WINDOW_SLICES);
	w->width = width;
	w->bucket = width / WINDOW_SLICES;
	w->nslots = (width + w->bucket - 1) / w->bucket + 1;
	w->inv_bucket = 1.0 / (double)w->bucket;
	w->inv_nslots = 1.0 / (double)w->nslots;
	w->ring = NULL;
	w->last = -1;
	w->cur = NULL;
}

/* Empties a bucket and frees its sketches. */
static void
window_reset(struct bucket *bk)
{
	sketch_clear(&bk->art);
	sketch_clear(&bk->frt);
	memset(bk, 0, sizeof(*bk));
	bk->index = -1;
}

/*
 * Trims the sketches of a bucket that the clock has left: in-order stamps
 * add nothing more to it, and full windows are mostly such buckets.
 */
static void
window_seal(struct bucket *bk, int64_t k)
{
	if (bk->index != k)
		return;
	sketch_trim(&bk->art);
	sketch_trim(&bk->frt);
}

void
window_clear(struct window *w)
{
	uint32_t	 i;

	if (w->ring != NULL) {
		for (i = 0; i < w->nslots; i++)
			window_reset(&w->ring[i]);
		free(w->ring);
	}
	w->ring = NULL;
	w->last = -1;
	w->cur = NULL;
}

/*
 * a / b for a >= 0, by multiplying with 1/b: the double product is off by
 * at most one for any a below 2^53, and the correction makes it exact.
 * A 64-bit division costs tens of cycles, and every response needs two
 * per window.
 */
static inline int64_t
window_div(int64_t a, int64_t b, double inv)
{
	int64_t	 q = (int64_t)((double)a * inv);

	if (q * b > a)
		q--;
	else if ((q + 1) * b <= a)
		q++;
	return (q);
}

/* The ring slot of bucket k. */
static inline uint32_t
window_slot(const struct window *w, int64_t k)
{
	return ((uint32_t)(k - window_div(k, w->nslots, w->inv_nslots) *
	    w->nslots));
}

/* Asks for the cache line of the bucket a stamp falls in. */
void
window_prefetch(const struct window *w, int64_t stamp)
{
	if (w->ring == NULL || stamp < 1 || (w->cur != NULL &&
	    stamp <= w->cur_hi && stamp > w->cur_hi - w->bucket))
		return;
	__builtin_prefetch(&w->ring[window_slot(w,
	    window_div(stamp - 1, w->bucket, w->inv_bucket))], 1);
}

/*
 * Returns the bucket a stamp falls in, first reusing its slot if that
 * holds an older bucket, or NULL for a stamp before 1 or older than the
 * slot's bucket (stamps arrive in order, so that would be a caller bug).
 */
static struct bucket *
window_bucket(struct window *w, int64_t stamp)
{
	struct bucket	*bk;
	int64_t		 k;
	uint32_t	 i;

	/* Stamps come in order: mostly into the newest bucket. */
	if (w->cur != NULL && stamp <= w->cur_hi &&
	    stamp > w->cur_hi - w->bucket)
		return (w->cur);
	if (stamp < 1)
		return (NULL);
	if (w->ring == NULL) {
		w->ring = xcalloc(w->nslots, sizeof(*w->ring));
		for (i = 0; i < w->nslots; i++)
			w->ring[i].index = -1;
	}
	k = window_div(stamp - 1, w->bucket, w->inv_bucket);
	bk = &w->ring[window_slot(w, k)];
	if (bk->index != k) {
		if (bk->index > k)
			return (NULL);
		window_reset(bk);
		bk->index = k;
	}
	if (k > w->last) {
		if (w->last >= 0)
			window_seal(&w->ring[w->last % w->nslots], w->last);
		w->last = k;
	}
	if (k == w->last) {
		w->cur = bk;
		w->cur_hi = (k + 1) * w->bucket;
	}
	return (bk);
}

void
window_count(struct window *w, int64_t stamp, enum tally t)
{
	struct bucket	*bk;

	if ((unsigned int)t >= TALLY_COUNT)
		return;
	if ((bk = window_bucket(w, stamp)) != NULL)
		bk->tally[t]++;
}

/*
 * Records a response of ms; flags say whether it closed a first wait
 * and which targets it met, so one bucket lookup counts it all.
 */
void
window_response(struct window *w, int64_t stamp, uint32_t ms, int flags)
{
	window_response_code(w, stamp, ms, sketch_code(ms), flags);
}

/* The same, with the bin code of ms already known. */
void
window_response_code(struct window *w, int64_t stamp, uint32_t ms,
    uint8_t code, int flags)
{
	struct bucket	*bk;

	if ((bk = window_bucket(w, stamp)) == NULL)
		return;
	if (flags & WINDOW_WITHIN)
		bk->tally[TALLY_WITHIN]++;
	if (flags & WINDOW_FRT_WITHIN)
		bk->tally[TALLY_FRT_WITHIN]++;
	bk->tally[TALLY_RESPONSES]++;
	bk->art_sum += ms;
	if (ms > bk->art_max)
		bk->art_max = ms;
	sketch_add_code(&bk->art, code);
	if (!(flags & WINDOW_FIRST))
		return;
	bk->tally[TALLY_FIRST_RESPONSES]++;
	bk->frt_sum += ms;
	if (ms > bk->frt_max)
		bk->frt_max = ms;
	sketch_add_code(&bk->frt, code);
}

/*
 * Sets the range of bucket indices that reach into (now - W, now]: those
 * ending after now - W and starting before now.
 */
static void
window_range(const struct window *w, int64_t now, int64_t *kmin,
    int64_t *kmax)
{
	*kmin = window_floordiv(now - w->width, w->bucket);
	if (*kmin < 0)
		*kmin = 0;
	*kmax = window_floordiv(now - 1, w->bucket);
}

/* Returns sum / n in seconds, or NAN without samples. */
static double
window_avg(uint64_t sum, uint64_t n)
{
	if (n == 0)
		return (NAN);
	return ((double)sum / (double)n / 1000.0);
}

/* Returns num / den, or NAN when den is 0. */
static double
window_ratio(uint64_t num, uint64_t den)
{
	if (den == 0)
		return (NAN);
	return ((double)num / (double)den);
}

/* Returns a percentile in seconds, never above the exact maximum. */
static double
window_pct(const uint32_t *counts, uint64_t n, double q, uint32_t max)
{
	uint32_t	 v;

	if (n == 0)
		return (NAN);
	v = sketch_quantile(counts, n, q);
	if (v > max)
		v = max;
	return (v / 1000.0);
}

/* A response-time series of a window (first or all), summed. */
struct window_series {
	uint32_t	 counts[SKETCH_BINS];
	uint64_t	 sum;
	uint64_t	 n;
	uint32_t	 max;
};

/* Where a series' figures go in METRICS; -1: not published. */
struct window_figures {
	int		 avg, p50, p90, p99, max;
};

static const struct window_figures window_frt_figures = {
	METRIC_FRT_AVG, METRIC_FRT_P50, METRIC_FRT_P90, -1, METRIC_FRT_MAX
};
static const struct window_figures window_art_figures = {
	METRIC_ART_AVG, METRIC_ART_P50, METRIC_ART_P90, METRIC_ART_P99,
	METRIC_ART_MAX
};

static inline void
window_series_add(struct window_series *ws, const struct sketch *sk,
    uint64_t sum, uint32_t max)
{
	ws->sum += sum;
	if (max > ws->max)
		ws->max = max;
	ws->n += sk->n;
	sketch_merge(sk, ws->counts);
}

/* A series' average, percentiles and maximum, over count responses. */
static void
window_series_out(const struct window_series *ws, uint64_t count,
    const struct window_figures *f, double *out)
{
	out[f->avg] = window_avg(ws->sum, count);
	out[f->p50] = window_pct(ws->counts, ws->n, 0.50, ws->max);
	out[f->p90] = window_pct(ws->counts, ws->n, 0.90, ws->max);
	if (f->p99 != -1)
		out[f->p99] = window_pct(ws->counts, ws->n, 0.99, ws->max);
	out[f->max] = ws->n == 0 ? NAN : ws->max / 1000.0;
}

/*
 * Fills out[METRIC_COUNT] from the buckets reaching into (now - W, now]:
 * counts, sums and maxima add up exactly, sketches merge into bin counts.
 */
void
window_query(const struct window *w, int64_t now, double *out)
{
	const struct bucket	*bk;
	struct window_series	 art, frt;
	uint64_t		 tally[TALLY_COUNT];
	int64_t			 kmin, kmax;
	uint32_t		 i;
	int			 t;

	window_range(w, now, &kmin, &kmax);
	memset(tally, 0, sizeof(tally));
	memset(&art, 0, sizeof(art));
	memset(&frt, 0, sizeof(frt));
	for (i = 0; w->ring != NULL && i < w->nslots; i++) {
		bk = &w->ring[i];
		if (bk->index < kmin || bk->index > kmax)
			continue;
		for (t = 0; t < TALLY_COUNT; t++)
			tally[t] += bk->tally[t];
		window_series_add(&art, &bk->art, bk->art_sum, bk->art_max);
		window_series_add(&frt, &bk->frt, bk->frt_sum, bk->frt_max);
	}

	for (t = 0; t < METRIC_COUNT; t++)
		out[t] = NAN;
	out[METRIC_RESPONSES] = tally[TALLY_RESPONSES];
	out[METRIC_FIRST_RESPONSES] = tally[TALLY_FIRST_RESPONSES];
	window_series_out(&frt, tally[TALLY_FIRST_RESPONSES],
	    &window_frt_figures, out);
	out[METRIC_FRT_WITHIN] = tally[TALLY_FRT_WITHIN];
	out[METRIC_FRT_BREACHED] = tally[TALLY_FRT_BREACHED];
	out[METRIC_FRT_RATE] = window_ratio(tally[TALLY_FRT_WITHIN],
	    tally[TALLY_FRT_WITHIN] + tally[TALLY_FRT_BREACHED]);
	window_series_out(&art, tally[TALLY_RESPONSES], &window_art_figures,
	    out);
	out[METRIC_WITHIN] = tally[TALLY_WITHIN];
	out[METRIC_MISSED] = tally[TALLY_MISSED];
	out[METRIC_RATE] = window_ratio(tally[TALLY_WITHIN],
	    tally[TALLY_WITHIN] + tally[TALLY_MISSED]);
	out[METRIC_UNANSWERED] = tally[TALLY_UNANSWERED];
}

/* Tells whether no bucket in the window at clock now has a count. */
int
window_empty(const struct window *w, int64_t now)
{
	const struct bucket	*bk;
	int64_t			 kmin, kmax;
	uint32_t		 i;
	int			 t;

	window_range(w, now, &kmin, &kmax);
	for (i = 0; w->ring != NULL && i < w->nslots; i++) {
		bk = &w->ring[i];
		if (bk->index < kmin || bk->index > kmax)
			continue;
		for (t = 0; t < TALLY_COUNT; t++)
			if (bk->tally[t] != 0)
				return (0);
	}
	return (1);
}

/* Returns the heap bytes held: the ring and every sketch in it. */
size_t
window_memory(const struct window *w)
{
	size_t		 bytes;
	uint32_t	 i;

	if (w->ring == NULL)
		return (0);
	bytes = w->nslots * sizeof(*w->ring);
	for (i = 0; i < w->nslots; i++)
		bytes += sketch_memory(&w->ring[i].art) +
		    sketch_memory(&w->ring[i].frt);
	return (bytes);
}
