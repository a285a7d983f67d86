/*
 * The writer's queue.  Every write waits here, in order, until Redis has
 * answered it.  Writes marked to retain (outcomes, dead letters, acks)
 * survive a lost connection and are sent again once it is back: their
 * explicit IDs make a second copy harmless, Redis refuses it.  A retained
 * write that Redis refuses for good (a key of the wrong type, an ACL) is
 * never dropped: the queue holds it and everything after it, retries it
 * with backoff, and goes on where it stopped once Redis takes it.
 */
#ifndef OUTBOX_H
#define OUTBOX_H

#include <stddef.h>
#include <stdint.h>

#include "resp.h"

struct event_base;
struct outbox;
struct redis;

struct outbox_stats {
	uint64_t	 written;	/* answered OK */
	uint64_t	 already;	/* refused as already there */
	uint64_t	 deferred;	/* refused for now, sent again */
	uint64_t	 errors;	/* refused for another reason */
	uint64_t	 dropped;	/* unretained, lost with a connection */
	uint64_t	 holds;		/* incidents: a retained write held */
	uint64_t	 retries;	/* a held write sent again */
	uint64_t	 stale;		/* answers ignored after a hold */
	uint64_t	 full;		/* times the queue passed its bound */
};

#define OUTBOX_BACKOFF_MIN	100	/* ms before a held write is retried */
#define OUTBOX_BACKOFF_MAX	5000	/* ... doubling up to this */

struct outbox	*outbox_new(struct event_base *, struct redis *, size_t,
		    void (*)(void *), void *);
void		 outbox_free(struct outbox *);
void		 outbox_push(struct outbox *, int, const struct resp *,
		    const struct resp *);
void		 outbox_push_fenced(struct outbox *, const struct resp *,
		    const struct resp *, size_t);
void		 outbox_up(struct outbox *);
void		 outbox_down(struct outbox *);
size_t		 outbox_len(const struct outbox *);
size_t		 outbox_bytes(const struct outbox *);
size_t		 outbox_inflight(const struct outbox *);
int		 outbox_paused(const struct outbox *);
const char	*outbox_held(const struct outbox *);
const struct outbox_stats *outbox_stats(const struct outbox *);

#endif
