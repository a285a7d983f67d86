/* The writer's queue: ordered, answered, and re-sent after a reconnect. */

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "outbox.h"
#include "redis.h"
#include "xmalloc.h"

#define OUTBOX_TIMEOUT	10000	/* ms for Redis to answer a write */
#define OUTBOX_WARN_MAX	10	/* refused writes logged, then silence */

/* A write, kept in the protocol's format, ready to send again. */
struct obcmd {
	struct obcmd	*next;
	int		 retain;
	int		 sent;
	size_t		 len;
	char		 raw[];
};

struct outbox {
	struct redis		*r;
	struct obcmd		*head;
	struct obcmd		*tail;
	size_t			 len;
	size_t			 unsent;
	void			(*drained)(void *);
	void			*arg;
	struct outbox_stats	 stats;
	int			 warned;
	int			 deferring;	/* since a write was refused */
};

static void	outbox_reply_cb(redisReply *, void *);

struct outbox *
outbox_new(struct redis *r, void (*drained)(void *), void *arg)
{
	struct outbox	*ob;

	ob = xcalloc(1, sizeof(*ob));
	ob->r = r;
	ob->drained = drained;
	ob->arg = arg;
	return (ob);
}

static void
outbox_cmd_free(struct obcmd *c)
{
	free(c);
}

void
outbox_free(struct outbox *ob)
{
	struct obcmd	*c, *next;

	if (ob == NULL)
		return;
	for (c = ob->head; c != NULL; c = next) {
		next = c->next;
		outbox_cmd_free(c);
	}
	free(ob);
}

static void
outbox_send(struct outbox *ob, struct obcmd *c)
{
	if (redis_command_raw(ob->r, REDIS_WRITER, OUTBOX_TIMEOUT,
	    outbox_reply_cb, ob, c->raw, c->len) == 0) {
		c->sent = 1;
		ob->unsent--;
	}
}

/* Appends a write; sent at once only if nothing older is waiting. */
static void
outbox_queue(struct outbox *ob, struct obcmd *c)
{
	if (ob->tail != NULL)
		ob->tail->next = c;
	else
		ob->head = c;
	ob->tail = c;
	ob->len++;
	ob->unsent++;
	/* in order: at once only if nothing older is waiting */
	if (ob->unsent == 1)
		outbox_send(ob, c);
}

/*
 * Queues a write: the arguments of head, then those of tail (NULL for
 * none), as one command, and sends it at once when the links are up.
 * An unretained write (a snapshot) is not queued while they are down.
 */
void
outbox_push(struct outbox *ob, int retain, const struct resp *head,
    const struct resp *tail)
{
	struct obcmd	*c;
	size_t		 nargs = head->nargs, len = head->len;

	if (!retain && !redis_up(ob->r)) {
		ob->stats.dropped++;
		return;
	}
	if (tail != NULL) {
		nargs += tail->nargs;
		len += tail->len;
	}
	c = xmalloc(sizeof(*c) + RESP_PREFIX_MAX + len);
	c->next = NULL;
	c->retain = retain;
	c->sent = 0;
	c->len = resp_header(c->raw, nargs);
	memcpy(c->raw + c->len, head->buf, head->len);
	c->len += head->len;
	if (tail != NULL) {
		memcpy(c->raw + c->len, tail->buf, tail->len);
		c->len += tail->len;
	}
	outbox_queue(ob, c);
}

/*
 * Errors that a server gives while it cannot write for now: it is still
 * loading, a script of somebody else's runs, it is out of memory, its
 * disk failed, it is a replica.  A write refused so is sent again.
 */
static int
outbox_transient(const char *err)
{
	static const char *const codes[] = { "LOADING", "BUSY", "TRYAGAIN",
	    "MASTERDOWN", "CLUSTERDOWN", "MISCONF", "OOM", "NOREPLICAS",
	    "READONLY" };
	size_t	 i, n;

	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		n = strlen(codes[i]);
		if (strncmp(err, codes[i], n) == 0 &&
		    (err[n] == ' ' || err[n] == '\0'))
			return (1);
	}
	return (0);
}

/* Answers come in order: each one settles the oldest write sent. */
static void
outbox_reply_cb(redisReply *reply, void *arg)
{
	struct outbox	*ob = arg;
	struct obcmd	*c = ob->head;

	if (reply == NULL || c == NULL || !c->sent)
		return;
	if (reply->type == REDIS_REPLY_ERROR && c->retain &&
	    outbox_transient(reply->str)) {
		/* kept: the links are dialled again and it is resent */
		ob->stats.deferred++;
		if (!ob->deferring)
			log_warnx("redis: a write was refused for now, to be "
			    "sent again: %.*s", (int)reply->len, reply->str);
		ob->deferring = 1;
		redis_drop(ob->r, "a write was refused for now");
		return;
	}
	if (reply->type != REDIS_REPLY_ERROR) {
		ob->stats.written++;
		if (ob->deferring && c->retain) {
			log_info("redis: writes are accepted again");
			ob->deferring = 0;
		}
	} else if (strstr(reply->str, "equal or smaller") != NULL)
		ob->stats.already++;
	else {
		ob->stats.errors++;
		if (ob->warned++ < OUTBOX_WARN_MAX)
			log_warnx("redis: a write was refused: %.*s",
			    (int)reply->len, reply->str);
	}
	if ((ob->head = c->next) == NULL)
		ob->tail = NULL;
	ob->len--;
	outbox_cmd_free(c);
	if (ob->len == OUTBOX_LOW && ob->drained != NULL)
		ob->drained(ob->arg);
	if (ob->len == 0 && ob->drained != NULL)
		ob->drained(ob->arg);
}

/* The links are back: send again everything not yet answered. */
void
outbox_up(struct outbox *ob)
{
	struct obcmd	*c;

	for (c = ob->head; c != NULL; c = c->next)
		if (!c->sent)
			outbox_send(ob, c);
}

/*
 * The links are gone: what was sent may or may not have landed.  Keep the
 * retained writes, to send again; drop the rest.
 */
void
outbox_down(struct outbox *ob)
{
	struct obcmd	*c, **pp;

	ob->tail = NULL;
	for (pp = &ob->head; (c = *pp) != NULL; ) {
		if (!c->retain) {
			*pp = c->next;
			if (!c->sent)
				ob->unsent--;
			ob->len--;
			ob->stats.dropped++;
			outbox_cmd_free(c);
			continue;
		}
		if (c->sent) {
			c->sent = 0;
			ob->unsent++;
		}
		ob->tail = c;
		pp = &c->next;
	}
}

size_t
outbox_len(const struct outbox *ob)
{
	return (ob->len);
}

const struct outbox_stats *
outbox_stats(const struct outbox *ob)
{
	return (&ob->stats);
}
