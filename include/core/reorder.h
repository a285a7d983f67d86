/*
 * The reorder buffer: events wait here, in (ts, read order), until the
 * clock passes them.  Most arrive in order and go to a FIFO ring in
 * constant time; the rest go to a min-heap.
 */
#ifndef REORDER_H
#define REORDER_H

#include <stddef.h>

struct chat_event;

struct reorder {
	struct chat_event	**heap;		/* out-of-order events */
	size_t		  n;
	size_t		  cap;
	struct chat_event	**ring;		/* in-order events */
	size_t		  head;
	size_t		  count;
	size_t		  rcap;		/* a power of two */
};

void		 reorder_init(struct reorder *);
void		 reorder_clear(struct reorder *);
void		 reorder_push(struct reorder *, struct chat_event *);
struct chat_event	*reorder_peek(const struct reorder *);
struct chat_event	*reorder_pop(struct reorder *);
struct chat_event	*reorder_ahead(const struct reorder *, size_t);

/* The events waiting. */
static inline size_t
reorder_len(const struct reorder *r)
{
	return (r->count + r->n);
}

#endif
