/*
 * Conversations: a hash table by id, a list from the longest idle to the
 * most recent (events are applied in time order, so appending keeps it
 * sorted), and the message ids seen, for duplicates.
 */
#ifndef CONV_H
#define CONV_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "table.h"

struct scope;

#define CONV_WAITING	0x01	/* a wait is open */
#define CONV_BOT	0x02	/* ... and it is with the bot */
#define CONV_FIRST	0x04	/* ... and it is the first wait */
#define CONV_HADWAIT	0x08	/* the conversation has had a wait */

#define CONV_MAX_MSGIDS	65536	/* message ids remembered per conversation */

/* What conv_seen found. */
enum conv_seen {
	CONV_SEEN_NEW,		/* not seen before: now remembered */
	CONV_SEEN_DUP,		/* seen before */
	CONV_SEEN_FULL		/* not seen before, and not remembered: a cap */
};

struct conv {
	struct conv	*hnext;		/* the table's chain */
	TAILQ_ENTRY(conv) idle;
	TAILQ_ENTRY(conv) wait;		/* the engine's wait list */
	struct scope	*agent;		/* assigned agent, or NULL */
	struct scope	*team;
	int64_t		 last;		/* ts of the last event */
	int64_t		 start;		/* when the wait's clock started */
	char		*xagent;	/* the agent's name without a scope */
	char		*xteam;		/* the team's, likewise (the caps) */
	uint64_t	*msgids;	/* set, then the ids' bytes (conv.c) */
	uint32_t	 nmsgids;
	uint32_t	 passed;	/* thresholds the wait has passed */
#define CONV_PASSED_BITS 32	/* bits in passed */
	uint32_t	 hash;
	uint8_t		 flags;
	uint8_t		 msgbits;	/* set capacity is 1 << msgbits */
	uint16_t	 idlen;
	char		 id[];
};

TAILQ_HEAD(conv_list, conv);

struct convs {
	struct table	 table;
	size_t		 count;
	size_t		 nmsgids;	/* message ids held, all conversations */
	size_t		 max_msgids;	/* at most; 0: no cap but each one's */
	struct conv_list idle;		/* longest idle first */
};

void		 convs_init(struct convs *);
void		 convs_clear(struct convs *);
uint32_t	 conv_hash(const char *, size_t);
struct conv	*conv_find(const struct convs *, const char *, size_t,
		    uint32_t);
struct conv	*conv_new(struct convs *, const char *, size_t, uint32_t);
const struct conv *conv_prefetch(const struct convs *, uint32_t, int);
void		 conv_free(struct convs *, struct conv *);
void		 conv_touch(struct convs *, struct conv *, int64_t);
enum conv_seen	 conv_seen(struct convs *, struct conv *, const char *,
		    size_t);
void		 conv_name_set(char **, const char *, size_t);

/* The message ids' hash: hash_bytes, or a test's (to force collisions). */
extern uint64_t	(*conv_msgid_hash)(const void *, size_t);

#endif
