/*
 * The daemon's snapshot read back from Redis, and whether a run has
 * settled: everything read, every outcome written.
 */
#ifndef LIB_SNAP_H
#define LIB_SNAP_H

#include <stdint.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

struct rdaemon;

/*
 * What snap_settled waits for: the group has read everything, the
 * snapshot clock has reached min_clock, and the outcome stream holds
 * exactly the outcomes the snapshot counts (so none is still on its
 * way), at least min_outcomes of them.  Gives up when the daemon d has
 * exited.
 */
struct snap_settle {
	redisContext	*c;
	const char	*prefix;
	int64_t		 min_clock;
	long long	 min_outcomes;
	struct rdaemon	*d;
};

json_t		*snap_get(redisContext *, const char *);
json_t		*snap_path(json_t *, const char *);
long long	 snap_outcomes(json_t *, const char *);
int		 snap_settled(void *);

#endif
