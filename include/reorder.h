/*
 * The reorder buffer: events wait here, in (ts, read order), until the
 * clock passes them.  Most arrive in order and go to a FIFO ring in
 * constant time; the rest go to a min-heap.
 */
#ifndef REORDER_H
#define REORDER_H

#include <stddef.h>

struct event;

struct reorder {
	struct event	**heap;		/* out-of-order events */
	size_t		  n;
	size_t		  cap;
	struct event	**ring;		/* in-order events */
	size_t		  head;
	size_t		  count;
	size_t		  rcap;		/* a power of two */
};

void		 reorder_init(struct reorder *);
void		 reorder_clear(struct reorder *);
void		 reorder_push(struct reorder *, struct event *);
struct event	*reorder_peek(const struct reorder *);
struct event	*reorder_pop(struct reorder *);
struct event	*reorder_ahead(const struct reorder *, size_t);
size_t		 reorder_len(const struct reorder *);
size_t		 reorder_memory(const struct reorder *);

#endif
