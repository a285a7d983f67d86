/*
 * The writer's queue.  Every write waits here, in order, until Redis has
 * answered it.  Writes marked to retain (outcomes, dead letters, acks)
 * survive a lost connection and are sent again once it is back: their
 * explicit IDs make a second copy harmless, Redis refuses it.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "resp.h"

struct outbox;
struct redis;

struct outbox_stats {
	uint64_t	 written;	/* answered OK */
	uint64_t	 already;	/* refused as already there */
	uint64_t	 deferred;	/* refused for now, sent again */
	uint64_t	 errors;	/* refused for another reason */
	uint64_t	 dropped;	/* unretained, lost with a connection */
};

struct outbox	*outbox_new(struct redis *, void (*)(void *), void *);
void		 outbox_free(struct outbox *);
void		 outbox_push(struct outbox *, int, const struct resp *,
		    const struct resp *);
void		 outbox_up(struct outbox *);
void		 outbox_down(struct outbox *);
size_t		 outbox_len(const struct outbox *);
const struct outbox_stats *outbox_stats(const struct outbox *);

#define OUTBOX_HIGH	50000	/* the reader pauses above this */
#define OUTBOX_LOW	10000	/* ... and resumes below this */

#endif
