/* The reorder buffer: a FIFO ring for in-order events, a heap for the rest. */

#include <stdlib.h>
#include <string.h>

#include "entry.h"
#include "reorder.h"
#include "xmalloc.h"

static inline int
reorder_less(const struct chat_event *a, const struct chat_event *b)
{
	if (a->ts != b->ts)
		return (a->ts < b->ts);
	return (a->seq < b->seq);
}

void
reorder_init(struct reorder *r)
{
	memset(r, 0, sizeof(*r));
}

/* Frees the buffered events too. */
void
reorder_clear(struct reorder *r)
{
	struct chat_event	*ev;

	while ((ev = reorder_pop(r)) != NULL)
		chat_event_free(ev);
	free(r->heap);
	free(r->ring);
	reorder_init(r);
}

static void
reorder_heap_push(struct reorder *r, struct chat_event *ev)
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

static struct chat_event *
reorder_heap_pop(struct reorder *r)
{
	struct chat_event	*top, *last;
	size_t		 i, child;

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

static void
reorder_ring_grow(struct reorder *r)
{
	struct chat_event	**ring;
	size_t		  i, cap = r->rcap == 0 ? 256 : r->rcap * 2;

	ring = xreallocarray(NULL, cap, sizeof(*ring));
	for (i = 0; i < r->count; i++)
		ring[i] = r->ring[(r->head + i) & (r->rcap - 1)];
	free(r->ring);
	r->ring = ring;
	r->rcap = cap;
	r->head = 0;
}

/* Buffers an event whose seq is above every buffered one. */
void
reorder_push(struct reorder *r, struct chat_event *ev)
{
	struct chat_event	*tail;

	if (r->count != 0) {
		tail = r->ring[(r->head + r->count - 1) & (r->rcap - 1)];
		if (ev->ts < tail->ts) {
			reorder_heap_push(r, ev);
			return;
		}
	}
	if (r->count == r->rcap)
		reorder_ring_grow(r);
	r->ring[(r->head + r->count++) & (r->rcap - 1)] = ev;
}

struct chat_event *
reorder_peek(const struct reorder *r)
{
	struct chat_event	*a, *b;

	a = r->count != 0 ? r->ring[r->head] : NULL;
	b = r->n != 0 ? r->heap[0] : NULL;
	if (a == NULL || (b != NULL && reorder_less(b, a)))
		return (b);
	return (a);
}

struct chat_event *
reorder_pop(struct reorder *r)
{
	struct chat_event	*ev;

	if ((ev = reorder_peek(r)) == NULL)
		return (NULL);
	if (r->n != 0 && ev == r->heap[0])
		return (reorder_heap_pop(r));
	r->head = (r->head + 1) & (r->rcap - 1);
	r->count--;
	return (ev);
}

/* The i-th in-order event from now, a hint of what comes, or NULL. */
struct chat_event *
reorder_ahead(const struct reorder *r, size_t i)
{
	if (i >= r->count)
		return (NULL);
	return (r->ring[(r->head + i) & (r->rcap - 1)]);
}

