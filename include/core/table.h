/*
 * A chained hash table of entries that carry their own chain pointer and
 * 32-bit hash: the table only knows where those two fields are, so an
 * entry costs nothing more than them.  Lookups walk a chain themselves
 * (table_head, table_next) and compare their own keys.
 */
#ifndef TABLE_H
#define TABLE_H

#include <stddef.h>
#include <stdint.h>

struct table {
	void		**slots;
	size_t		  mask;		/* slots - 1, a power of two less one */
	size_t		  count;
	size_t		  next_off;	/* of the entry's chain pointer */
	size_t		  hash_off;	/* of its uint32_t hash */
};

/* Sets up a table of struct type chained by its field next, hashed by hash. */
#define TABLE_INIT(t, slots, type, next, hash)				\
	table_init((t), (slots), offsetof(type, next), offsetof(type, hash))

void	table_init(struct table *, size_t, size_t, size_t);
void	table_clear(struct table *);
void	table_insert(struct table *, void *);
void	table_remove(struct table *, void *);

/* The first entry of the chain a hash falls in, or NULL. */
static inline void *
table_head(const struct table *t, uint32_t hash)
{
	return (t->slots[hash & t->mask]);
}

/* The entry after e in its chain, or NULL. */
static inline void *
table_next(const struct table *t, const void *e)
{
	return (*(void *const *)(const void *)((const char *)e +
	    t->next_off));
}

/* The slot a hash falls in, for a prefetch. */
static inline void *const *
table_slot(const struct table *t, uint32_t hash)
{
	return (&t->slots[hash & t->mask]);
}

#endif
