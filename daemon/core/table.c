/* The chained hash table of the engine's conversations, scopes and alerts. */

#include <stdlib.h>

#include "table.h"
#include "xmalloc.h"

static void **
table_link(const struct table *t, void *e)
{
	return ((void **)(void *)((char *)e + t->next_off));
}

static uint32_t
table_hash(const struct table *t, const void *e)
{
	return (*(const uint32_t *)(const void *)((const char *)e +
	    t->hash_off));
}

/* An empty table of nslots chains (a power of two). */
void
table_init(struct table *t, size_t nslots, size_t next_off, size_t hash_off)
{
	t->slots = xcalloc(nslots, sizeof(*t->slots));
	t->mask = nslots - 1;
	t->count = 0;
	t->next_off = next_off;
	t->hash_off = hash_off;
}

/* Frees the chains; the entries are their owner's. */
void
table_clear(struct table *t)
{
	free(t->slots);
	t->slots = NULL;
	t->count = 0;
}

/* Doubles the chains once there are more entries than chains. */
static void
table_grow(struct table *t)
{
	void	**slots, *e, *next;
	size_t	  mask = t->mask * 2 + 1, i, j;

	slots = xcalloc(mask + 1, sizeof(*slots));
	for (i = 0; i <= t->mask; i++) {
		for (e = t->slots[i]; e != NULL; e = next) {
			next = *table_link(t, e);
			j = table_hash(t, e) & mask;
			*table_link(t, e) = slots[j];
			slots[j] = e;
		}
	}
	free(t->slots);
	t->slots = slots;
	t->mask = mask;
}

/* Adds e, whose hash is set, at the head of its chain. */
void
table_insert(struct table *t, void *e)
{
	void	**slot = &t->slots[table_hash(t, e) & t->mask];

	*table_link(t, e) = *slot;
	*slot = e;
	if (++t->count > t->mask + 1)
		table_grow(t);
}

/* Takes e, which is in the table, out of its chain. */
void
table_remove(struct table *t, void *e)
{
	void	**pp;

	for (pp = &t->slots[table_hash(t, e) & t->mask]; *pp != e;
	    pp = table_link(t, *pp))
		;
	*pp = *table_link(t, e);
	t->count--;
}
