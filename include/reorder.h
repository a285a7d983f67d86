/* The reorder buffer: a min-heap of events by (ts, read order). */
#ifndef REORDER_H
#define REORDER_H

#include <stddef.h>

struct event;

struct reorder {
	struct event	**heap;
	size_t		  n;
	size_t		  cap;
};

void		 reorder_init(struct reorder *);
void		 reorder_clear(struct reorder *);
void		 reorder_push(struct reorder *, struct event *);
struct event	*reorder_peek(const struct reorder *);
struct event	*reorder_pop(struct reorder *);

#endif
