/*
 * Rolling windows of outcomes.  A window of W ms is a ring of buckets at
 * most W/60 wide, bucket k covering stamps (k*b, (k+1)*b].  At clock T a
 * window holds the buckets that reach into (T-W, T]: exact when T is a
 * multiple of the bucket width, otherwise at most one bucket older.
 * Counts, sums and maxima are exact; percentiles come from sketches.
 */
#ifndef WINDOW_H
#define WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"
#include "sketch.h"

/* Counters kept per bucket. */
#define TALLY_TABLE(X)							\
	X(RESPONSES)							\
	X(FIRST_RESPONSES)						\
	X(FRT_WITHIN)							\
	X(FRT_BREACHED)							\
	X(WITHIN)							\
	X(MISSED)							\
	X(UNANSWERED)

enum tally {
#define TALLY_ENUM(id) TALLY_##id,
	TALLY_TABLE(TALLY_ENUM)
#undef TALLY_ENUM
	TALLY_COUNT
};

#define WINDOW_SLICES	60	/* buckets per window width */

/* Ordered so that it packs into 96 bytes on LP64. */
struct bucket {
	int64_t		 index;		/* k, or -1 when unused */
	uint64_t	 art_sum;	/* ms */
	uint64_t	 frt_sum;	/* ms */
	struct sketch	 art;
	struct sketch	 frt;
	uint32_t	 tally[TALLY_COUNT];
	uint32_t	 art_max;	/* ms */
	uint32_t	 frt_max;	/* ms */
};

struct window {
	int64_t		 width;		/* ms */
	int64_t		 bucket;	/* ms */
	struct bucket	*ring;		/* nslots, allocated on first add */
	uint32_t	 nslots;
	int64_t		 last;		/* newest bucket index added, or -1 */
	struct bucket	*cur;		/* that bucket, or NULL */
	int64_t		 cur_hi;	/* its last stamp: (last + 1) * bucket */
	double		 inv_bucket;	/* 1 / bucket, to divide by multiplying */
	double		 inv_nslots;
};

/* window_response flags: what else the response counts as. */
#define WINDOW_FIRST		0x1	/* it closed a first wait */
#define WINDOW_WITHIN		0x2	/* within the response target */
#define WINDOW_FRT_WITHIN	0x4	/* within the first-response target */

void	window_init(struct window *, int64_t);
void	window_clear(struct window *);
void	window_count(struct window *, int64_t, enum tally);
void	window_prefetch(const struct window *, int64_t);
void	window_response(struct window *, int64_t, uint32_t, int);
void	window_response_code(struct window *, int64_t, uint32_t, uint8_t,
	    int);
void	window_query(const struct window *, int64_t, double *);
int	window_empty(const struct window *, int64_t);
size_t	window_memory(const struct window *);

#endif
