/* The reorder buffer: events wait here until the clock passes them. */

#include <stdlib.h>

#include "entry.h"
#include "reorder.h"
#include "xmalloc.h"

static inline int
reorder_less(const struct event *a, const struct event *b)
{
	if (a->ts != b->ts)
		return (a->ts < b->ts);
	return (a->seq < b->seq);
}

void
reorder_init(struct reorder *r)
{
	r->heap = NULL;
	r->n = r->cap = 0;
}

/* Frees the buffered events too. */
void
reorder_clear(struct reorder *r)
{
	size_t	 i;

	for (i = 0; i < r->n; i++)
		event_free(r->heap[i]);
	free(r->heap);
	reorder_init(r);
}

void
reorder_push(struct reorder *r, struct event *ev)
{
	size_t	 i, parent;

	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		r->heap = xreallocarray(r->heap, r->cap, sizeof(*r->heap));
	}
	i = r->n++;
	while (i > 0) {
		parent = (i - 1) / 2;
		if (!reorder_less(ev, r->heap[parent]))
			break;
		r->heap[i] = r->heap[parent];
		i = parent;
	}
	r->heap[i] = ev;
}

struct event *
reorder_peek(const struct reorder *r)
{
	return (r->n == 0 ? NULL : r->heap[0]);
}

struct event *
reorder_pop(struct reorder *r)
{
	struct event	*top, *last;
	size_t		 i, child;

	if (r->n == 0)
		return (NULL);
	top = r->heap[0];
	last = r->heap[--r->n];
	i = 0;
	while ((child = 2 * i + 1) < r->n) {
		if (child + 1 < r->n &&
		    reorder_less(r->heap[child + 1], r->heap[child]))
			child++;
		if (!reorder_less(r->heap[child], last))
			break;
		r->heap[i] = r->heap[child];
		i = child;
	}
	r->heap[i] = last;
	return (top);
}
