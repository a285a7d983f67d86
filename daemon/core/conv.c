/* Conversations: lookup by id, idle order, and duplicate message ids. */

#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "hash.h"
#include "xmalloc.h"

/* Chains to start with: a busy floor has thousands open. */
#define CONVS_SLOTS	1024

void
convs_init(struct convs *cs)
{
	memset(cs, 0, sizeof(*cs));
	TABLE_INIT(&cs->table, CONVS_SLOTS, struct conv, hnext, hash);
	TAILQ_INIT(&cs->idle);
}

void
convs_clear(struct convs *cs)
{
	struct conv	*c;

	while ((c = TAILQ_FIRST(&cs->idle)) != NULL) {
		TAILQ_REMOVE(&cs->idle, c, idle);
		free(c->msgids);
		free(c);
	}
	table_clear(&cs->table);
	cs->count = 0;
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

	for (c = table_head(&cs->table, h); c != NULL; c = c->hnext) {
		if (c->hash == h && c->idlen == len &&
		    memcmp(c->id, id, len) == 0)
			return (c);
	}
	return (NULL);
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
	table_insert(&cs->table, c);
	TAILQ_INSERT_TAIL(&cs->idle, c, idle);
	cs->count++;
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
	void *const		*slot = table_slot(&cs->table, h);
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
	__builtin_prefetch(c->idle.tqe_prev, 1);
	__builtin_prefetch(c->idle.tqe_next, 1);
	__builtin_prefetch(c->wait.tqe_prev, 1);
	__builtin_prefetch(c->wait.tqe_next, 1);
	return (c);
}

/* Unlinks and frees; the caller has already closed its wait. */
void
conv_free(struct convs *cs, struct conv *c)
{
	table_remove(&cs->table, c);
	TAILQ_REMOVE(&cs->idle, c, idle);
	cs->count--;
	free(c->msgids);
	free(c);
}

/* Records activity at ts: the conversation becomes the most recent. */
void
conv_touch(struct convs *cs, struct conv *c, int64_t ts)
{
	c->last = ts;
	if (TAILQ_NEXT(c, idle) == NULL)
		return;
	TAILQ_REMOVE(&cs->idle, c, idle);
	TAILQ_INSERT_TAIL(&cs->idle, c, idle);
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

