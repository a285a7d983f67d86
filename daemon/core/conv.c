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

uint64_t	(*conv_msgid_hash)(const void *, size_t) = hash_bytes;

/* Frees a conversation and what it holds. */
static void
conv_release(struct conv *c)
{
	free(c->msgids);
	free(c->xagent);
	free(c->xteam);
	free(c);
}

void
convs_clear(struct convs *cs)
{
	struct conv	*c;

	while ((c = TAILQ_FIRST(&cs->idle)) != NULL) {
		TAILQ_REMOVE(&cs->idle, c, idle);
		conv_release(c);
	}
	table_clear(&cs->table);
	cs->count = 0;
	cs->nmsgids = 0;
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
	cs->nmsgids -= c->nmsgids;
	conv_release(c);
}

/*
 * Sets a name held without a scope (beyond metrics.max_agents or
 * max_teams) to len bytes of name, or clears it when name is NULL.
 */
void
conv_name_set(char **slot, const char *name, size_t len)
{
	free(*slot);
	*slot = NULL;
	if (name == NULL)
		return;
	*slot = xstrndup(name, len);
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

/*
 * A conversation's message ids are one block: an open-addressed set of
 * 1 << msgbits slots (0 empty, else the id's hash tag << 32 and its
 * offset + 1), then how many bytes of ids follow (a uint32_t: kept
 * here, not in struct conv, which every conversation has), then the ids'
 * bytes, each its two length bytes and its bytes.  The bytes' room is a
 * power of two from MSG_BYTES_MIN, known from that count alone.
 */
#define MSG_LENBYTES	2
#define MSG_BYTES_MIN	32
#define MSG_USEDBYTES	sizeof(uint32_t)

/* The room for used bytes of ids. */
static uint32_t
conv_msgbytes_cap(uint32_t used)
{
	uint32_t	 cap = MSG_BYTES_MIN;

	while (cap < used)
		cap *= 2;
	return (cap);
}

/* The ids' bytes, after the set and their count. */
static inline unsigned char *
conv_msgbytes(const struct conv *c)
{
	return ((unsigned char *)(c->msgids + (1U << c->msgbits)) +
	    MSG_USEDBYTES);
}

/* How many bytes of ids the block holds. */
static uint32_t
conv_msgused(const struct conv *c)
{
	uint32_t	 used;

	if (c->msgids == NULL)
		return (0);
	memcpy(&used, conv_msgbytes(c) - MSG_USEDBYTES, sizeof(used));
	return (used);
}

/* Sets it, once the block has room for them. */
static void
conv_msgused_set(struct conv *c, uint32_t used)
{
	memcpy(conv_msgbytes(c) - MSG_USEDBYTES, &used, sizeof(used));
}

/* Whether the id at slot value v is the len bytes of msgid. */
static int
conv_msgid_is(const struct conv *c, uint64_t v, const char *msgid,
    size_t len)
{
	const unsigned char	*p = conv_msgbytes(c) + (uint32_t)v - 1;

	return ((size_t)(p[0] | p[1] << 8) == len &&
	    memcmp(p + MSG_LENBYTES, msgid, len) == 0);
}

/* Puts v in the first free slot from its hash's. */
static void
conv_msgid_insert(uint64_t *set, uint32_t mask, uint32_t h, uint64_t v)
{
	uint32_t	 i = h & mask;

	while (set[i] != 0)
		i = (i + 1) & mask;
	set[i] = v;
}

/*
 * A new block for the set, twice as many slots (4, then 16: most
 * conversations stop within a dozen) when grow is set, with room for
 * need bytes of ids; the old one's ids are moved over.
 */
static void
conv_msgid_block(struct conv *c, int grow, uint32_t need)
{
	uint64_t	*old = c->msgids, v;
	unsigned char	*oldbytes = old != NULL ? conv_msgbytes(c) : NULL;
	uint32_t	 cap, mask, i, used = conv_msgused(c);
	const unsigned char *p;

	cap = old == NULL ? 0 : 1U << c->msgbits;
	if (!grow) {
		c->msgids = xreallocarray(old, 1, cap * sizeof(*old) +
		    MSG_USEDBYTES + conv_msgbytes_cap(need));
		return;
	}
	c->msgbits = cap == 0 ? 2 : cap == 4 ? 4 : c->msgbits + 1;
	mask = (1U << c->msgbits) - 1;
	c->msgids = xcalloc(1, (mask + 1) * sizeof(*c->msgids) +
	    MSG_USEDBYTES + conv_msgbytes_cap(need));
	if (old == NULL)
		return;
	memcpy(conv_msgbytes(c), oldbytes, used);
	conv_msgused_set(c, used);
	for (i = 0; i < cap; i++) {
		if ((v = old[i]) == 0)
			continue;
		p = oldbytes + (uint32_t)v - 1;
		conv_msgid_insert(c->msgids, mask,
		    (uint32_t)conv_msgid_hash(p + MSG_LENBYTES,
		    (size_t)(p[0] | p[1] << 8)), v);
	}
	free(old);
}

/*
 * Whether the message id was seen before in this conversation: the ids
 * themselves are kept (a hash only finds them), so two ids are never
 * taken for each other.  A new id is remembered unless the conversation
 * holds CONV_MAX_MSGIDS or all of them cs->max_msgids: then it is not,
 * and a repeat of it will not be noticed.
 */
enum conv_seen
conv_seen(struct convs *cs, struct conv *c, const char *msgid, size_t len)
{
	uint64_t	 h = conv_msgid_hash(msgid, len), v;
	uint32_t	 mask, i, tag = (uint32_t)(h >> 32), need, used;
	unsigned char	*p;

	if (c->msgids != NULL) {
		mask = (1U << c->msgbits) - 1;
		for (i = (uint32_t)h & mask; (v = c->msgids[i]) != 0;
		    i = (i + 1) & mask)
			if ((uint32_t)(v >> 32) == tag &&
			    conv_msgid_is(c, v, msgid, len))
				return (CONV_SEEN_DUP);
	}
	if (c->nmsgids >= CONV_MAX_MSGIDS || len > UINT16_MAX ||
	    (cs->max_msgids != 0 && cs->nmsgids >= cs->max_msgids))
		return (CONV_SEEN_FULL);
	used = conv_msgused(c);
	need = used + MSG_LENBYTES + (uint32_t)len;
	if (c->msgids == NULL || (c->nmsgids + 1) * 4 > (3U << c->msgbits))
		conv_msgid_block(c, 1, need);
	else if (conv_msgbytes_cap(need) != conv_msgbytes_cap(used))
		conv_msgid_block(c, 0, need);
	p = conv_msgbytes(c) + used;
	p[0] = (unsigned char)(len & 0xff);
	p[1] = (unsigned char)(len >> 8);
	memcpy(p + MSG_LENBYTES, msgid, len);
	v = (uint64_t)tag << 32 | (used + 1);
	conv_msgid_insert(c->msgids, (1U << c->msgbits) - 1, (uint32_t)h, v);
	conv_msgused_set(c, need);
	c->nmsgids++;
	cs->nmsgids++;
	return (CONV_SEEN_NEW);
}
