/* Conversations: lookup by id, idle order, and duplicate message ids. */

#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "hash.h"
#include "xmalloc.h"

void
convs_init(struct convs *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->mask = 1023;
	cs->table = xcalloc(cs->mask + 1, sizeof(*cs->table));
}

void
convs_clear(struct convs *cs)
{
	struct conv	*c, *next;

	for (c = cs->idle_head; c != NULL; c = next) {
		next = c->idle_next;
		free(c->msgids);
		free(c);
	}
	free(cs->table);
	memset(cs, 0, sizeof(*cs));
}

uint32_t
conv_hash(const char *id, size_t len)
{
	return ((uint32_t)hash_bytes(id, len));
}

struct conv *
conv_find(const struct convs *cs, const char *id, size_t len, uint32_t h)
{
	struct conv	*c;

	for (c = cs->table[h & cs->mask]; c != NULL; c = c->hnext) {
		if (c->hash == h && c->idlen == len &&
		    memcmp(c->id, id, len) == 0)
			return (c);
	}
	return (NULL);
}

static void
convs_grow(struct convs *cs)
{
	struct conv	**table, *c, *next;
	size_t		  mask = cs->mask * 2 + 1, i;

	table = xcalloc(mask + 1, sizeof(*table));
	for (i = 0; i <= cs->mask; i++) {
		for (c = cs->table[i]; c != NULL; c = next) {
			next = c->hnext;
			c->hnext = table[c->hash & mask];
			table[c->hash & mask] = c;
		}
	}
	free(cs->table);
	cs->table = table;
	cs->mask = mask;
}

/* Creates a conversation, the most recently active one. */
struct conv *
conv_new(struct convs *cs, const char *id, size_t len, uint32_t h)
{
	struct conv	*c;

	c = xcalloc(1, sizeof(*c) + len + 1);
	c->hash = h;
	c->idlen = (uint16_t)len;
	memcpy(c->id, id, len);
	c->hnext = cs->table[c->hash & cs->mask];
	cs->table[c->hash & cs->mask] = c;
	c->idle_prev = cs->idle_tail;
	if (cs->idle_tail != NULL)
		cs->idle_tail->idle_next = c;
	else
		cs->idle_head = c;
	cs->idle_tail = c;
	if (++cs->count > cs->mask + 1)
		convs_grow(cs);
	return (c);
}

/*
 * Warms the cache for a conversation the engine will touch soon, in
 * three steps as the event draws near: the table slot, the conversation,
 * then what applying an event reaches through it.  The last step returns
 * the conversation, if it found it.
 */
const struct conv *
conv_prefetch(const struct convs *cs, uint32_t h, int step)
{
	struct conv *const	*slot = &cs->table[h & cs->mask];
	const struct conv	*c;

	if (step == 0) {
		__builtin_prefetch(slot);
		return (NULL);
	}
	if ((c = *slot) == NULL)
		return (NULL);
	if (step == 1) {
		__builtin_prefetch(c);
		return (NULL);
	}
	if (c->hash != h)
		return (NULL);
	__builtin_prefetch(c->msgids);
	__builtin_prefetch(c->idle_prev, 1);
	__builtin_prefetch(c->idle_next, 1);
	__builtin_prefetch(c->wait_prev, 1);
	__builtin_prefetch(c->wait_next, 1);
	return (c);
}

/* Unlinks and frees; the caller has already closed its wait. */
void
conv_free(struct convs *cs, struct conv *c)
{
	struct conv	**pp;

	for (pp = &cs->table[c->hash & cs->mask]; *pp != c;
	    pp = &(*pp)->hnext)
		;
	*pp = c->hnext;
	if (c->idle_prev != NULL)
		c->idle_prev->idle_next = c->idle_next;
	else
		cs->idle_head = c->idle_next;
	if (c->idle_next != NULL)
		c->idle_next->idle_prev = c->idle_prev;
	else
		cs->idle_tail = c->idle_prev;
	cs->count--;
	free(c->msgids);
	free(c);
}

/* Records activity at ts: the conversation becomes the most recent. */
void
conv_touch(struct convs *cs, struct conv *c, int64_t ts)
{
	c->last = ts;
	if (cs->idle_tail == c)
		return;
	if (c->idle_prev != NULL)
		c->idle_prev->idle_next = c->idle_next;
	else
		cs->idle_head = c->idle_next;
	c->idle_next->idle_prev = c->idle_prev;
	c->idle_prev = cs->idle_tail;
	c->idle_next = NULL;
	cs->idle_tail->idle_next = c;
	cs->idle_tail = c;
}

static void
conv_msgid_insert(uint64_t *set, uint32_t mask, uint64_t h)
{
	uint32_t	 i = (uint32_t)h & mask;

	while (set[i] != 0)
		i = (i + 1) & mask;
	set[i] = h;
}

/*
 * Returns 1 if the message id was seen before in this conversation,
 * otherwise remembers it and returns 0.  Ids are kept as 64-bit hashes
 * in a linear-probing set at most three quarters full.
 */
int
conv_seen(struct conv *c, const char *msgid, size_t len)
{
	uint64_t	 h = hash_bytes(msgid, len), *old;
	uint32_t	 mask, i, cap;

	if (h == 0)
		h = 1;
	if (c->msgids != NULL) {
		mask = (1U << c->msgbits) - 1;
		for (i = (uint32_t)h & mask; c->msgids[i] != 0;
		    i = (i + 1) & mask)
			if (c->msgids[i] == h)
				return (1);
	}
	if (c->nmsgids >= CONV_MAX_MSGIDS)
		return (0);
	cap = c->msgids == NULL ? 0 : 1U << c->msgbits;
	if ((c->nmsgids + 1) * 4 > cap * 3) {
		old = c->msgids;
		/* 4, then 16: most conversations stop within a dozen */
		c->msgbits = cap == 0 ? 2 : cap == 4 ? 4 : c->msgbits + 1;
		mask = (1U << c->msgbits) - 1;
		c->msgids = xcalloc(mask + 1, sizeof(*c->msgids));
		for (i = 0; i < cap; i++)
			if (old[i] != 0)
				conv_msgid_insert(c->msgids, mask, old[i]);
		free(old);
	}
	conv_msgid_insert(c->msgids, (1U << c->msgbits) - 1, h);
	c->nmsgids++;
	return (0);
}

