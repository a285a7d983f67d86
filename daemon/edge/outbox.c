/* The writer's queue: ordered, answered, re-sent, and held when refused. */

#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "log.h"
#include "now.h"
#include "outbox.h"
#include "redis.h"
#include "xmalloc.h"

#define OUTBOX_TIMEOUT	10000	/* ms for Redis to answer a write */
#define OUTBOX_WHY_MAX	256	/* bytes of a refusal kept for /readyz */
#define OUTBOX_FENCE_ON	'1'	/* the fence flag's byte: check it */
#define OUTBOX_FENCE_OFF '0'	/* ... nothing older is unanswered */

/* A write, kept in the protocol's format, ready to send again. */
struct obcmd {
	struct obcmd	*next;
	int		 retain;
	int		 sent;
	size_t		 fence;		/* offset of the fence flag, or 0 */
	size_t		 len;
	char		 raw[];
};

/*
 * The queue runs from head to tail; the commands before next have been
 * sent on the current connection and await their answers, in order.
 */
struct outbox {
	struct redis		*r;
	struct event		*retry;
	struct obcmd		*head;
	struct obcmd		*tail;
	struct obcmd		*next;		/* the first unsent */
	size_t			 len;
	size_t			 bytes;
	size_t			 max_bytes;
	size_t			 inflight;	/* answers still to come */
	size_t			 stale;		/* ... of them, to ignore */
	size_t			 sent_retained;	/* retained, unanswered */
	int			 full;		/* over max_bytes */
	int			 held;		/* a refused write is held */
	int			 retrying;	/* ... and sent again */
	int64_t			 held_since;	/* monotonic ms */
	uint64_t		 tries;		/* of this incident */
	int64_t			 backoff;
	uint64_t		 seed;
	char			 why[OUTBOX_WHY_MAX];
	void			(*drained)(void *);
	void			*arg;
	struct outbox_stats	 stats;
	struct redis_warn	 warn;
	int			 deferring;	/* since a write was refused */
};

static void	outbox_reply_cb(redisReply *, void *);
static void	outbox_retry_cb(int, short, void *);

/*
 * A queue on the links r; the reader is told to pause while unanswered
 * writes hold more than max_bytes, and drained() runs when it may go on
 * and when the queue is empty.
 */
struct outbox *
outbox_new(struct event_base *base, struct redis *r, size_t max_bytes,
    void (*drained)(void *), void *arg)
{
	struct outbox	*ob;

	ob = xcalloc(1, sizeof(*ob));
	ob->r = r;
	ob->retry = evtimer_new(base, outbox_retry_cb, ob);
	ob->max_bytes = max_bytes;
	ob->drained = drained;
	ob->arg = arg;
	ob->backoff = OUTBOX_BACKOFF_MIN;
	ob->seed = redis_seed();
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
	if (ob->retry != NULL)
		event_free(ob->retry);
	free(ob);
}

/*
 * Sends one write.  Its fence (see output.c) is checked only while an
 * older retained write is unanswered: one that is first in line has
 * nothing before it that could still be refused.
 */
static int
outbox_send(struct outbox *ob, struct obcmd *c)
{
	if (c->fence != 0)
		c->raw[c->fence] = ob->sent_retained > 0 ? OUTBOX_FENCE_ON :
		    OUTBOX_FENCE_OFF;
	if (redis_command_raw(ob->r, REDIS_WRITER, OUTBOX_TIMEOUT,
	    outbox_reply_cb, ob, c->raw, c->len) != 0)
		return (-1);
	c->sent = 1;
	ob->inflight++;
	if (c->retain)
		ob->sent_retained++;
	return (0);
}

/*
 * Sends what waits, in order, as far as the link takes it (it bounds the
 * calls in flight, redis.c); nothing while a refused write is held.
 */
static void
outbox_pump(struct outbox *ob)
{
	struct obcmd	*c;

	if (ob->held)
		return;
	while ((c = ob->next) != NULL) {
		if (outbox_send(ob, c) == -1)
			return;
		ob->next = c->next;
	}
}

/* Appends a write and sends what the link takes. */
static void
outbox_queue(struct outbox *ob, struct obcmd *c)
{
	if (ob->tail != NULL)
		ob->tail->next = c;
	else
		ob->head = c;
	ob->tail = c;
	if (ob->next == NULL)
		ob->next = c;
	ob->len++;
	ob->bytes += c->len;
	if (!ob->full && ob->bytes > ob->max_bytes) {
		ob->full = 1;
		ob->stats.full++;
	}
	outbox_pump(ob);
}

static struct obcmd *
outbox_cmd_new(int retain, const struct resp *head, const struct resp *tail)
{
	struct obcmd	*c;
	size_t		 nargs = head->nargs, len = head->len;

	if (tail != NULL) {
		nargs += tail->nargs;
		len += tail->len;
	}
	c = xmalloc(sizeof(*c) + RESP_PREFIX_MAX + len);
	c->next = NULL;
	c->retain = retain;
	c->sent = 0;
	c->fence = 0;
	c->len = resp_header(c->raw, nargs);
	memcpy(c->raw + c->len, head->buf, head->len);
	c->len += head->len;
	if (tail != NULL) {
		memcpy(c->raw + c->len, tail->buf, tail->len);
		c->len += tail->len;
	}
	return (c);
}

/*
 * Queues a write: the arguments of head, then those of tail (NULL for
 * none), as one command, and sends it at once when the links are up.
 * An unretained write (a snapshot) is not queued while they are down or
 * while a write is held.
 */
void
outbox_push(struct outbox *ob, int retain, const struct resp *head,
    const struct resp *tail)
{
	if (!retain && (!redis_up(ob->r) || ob->held)) {
		ob->stats.dropped++;
		return;
	}
	outbox_queue(ob, outbox_cmd_new(retain, head, tail));
}

/*
 * Queues a retained write whose head holds, at offset at, the one byte
 * that turns its fence on or off.
 */
void
outbox_push_fenced(struct outbox *ob, const struct resp *head,
    const struct resp *tail, size_t at)
{
	struct obcmd	*c;

	c = outbox_cmd_new(1, head, tail);
	c->fence = c->len - head->len - (tail != NULL ? tail->len : 0) + at;
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

/* The timer for the next try of the held write, with jitter. */
static void
outbox_arm(struct outbox *ob)
{
	struct timeval	 tv;
	int64_t		 ms;

	ms = redis_jitter(&ob->seed, ob->backoff);
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(ob->retry, &tv);
	ob->backoff *= 2;
	if (ob->backoff > OUTBOX_BACKOFF_MAX)
		ob->backoff = OUTBOX_BACKOFF_MAX;
}

/*
 * The first write in line was refused for good.  Keep it and all after
 * it; the answers still to come are those of writes sent after it, to be
 * ignored (they are sent again after it).  One line per incident.
 */
static void
outbox_hold(struct outbox *ob, const redisReply *reply)
{
	struct obcmd	*c;

	ob->stats.errors++;
	ob->stale = ob->inflight;
	for (c = ob->head; c != ob->next; c = c->next)
		c->sent = 0;
	ob->next = ob->head;
	ob->sent_retained = 0;
	ob->retrying = 0;
	snprintf(ob->why, sizeof(ob->why), "%.*s", (int)reply->len,
	    reply->str);
	if (!ob->held) {
		ob->held = 1;
		ob->stats.holds++;
		ob->held_since = now_mono_ms();
		ob->tries = 0;
		ob->backoff = OUTBOX_BACKOFF_MIN;
		log_warnx("redis: writes held: %s; reading paused, %zu writes "
		    "kept, retrying", ob->why, ob->len);
	}
	outbox_arm(ob);
}

/* Sends the held write again, alone: the rest follow once it is taken. */
static void
outbox_retry_cb(int fd, short events, void *arg)
{
	struct outbox	*ob = arg;
	struct obcmd	*c = ob->head;

	(void)fd;
	(void)events;
	if (!ob->held || ob->retrying || c == NULL || !redis_up(ob->r))
		return;		/* outbox_up tries again */
	if (outbox_send(ob, c) == -1) {
		outbox_arm(ob);
		return;
	}
	ob->next = c->next;
	ob->retrying = 1;
	ob->tries++;
	ob->stats.retries++;
}

/* Removes the answered head. */
static void
outbox_pop(struct outbox *ob)
{
	struct obcmd	*c = ob->head;

	if (c->retain && ob->sent_retained > 0)
		ob->sent_retained--;
	if ((ob->head = c->next) == NULL)
		ob->tail = NULL;
	ob->len--;
	ob->bytes -= c->len;
	outbox_cmd_free(c);
}

static void
outbox_refused(struct outbox *ob, const redisReply *reply)
{
	uint64_t	 more;

	ob->stats.errors++;
	if (redis_warn_due(&ob->warn, now_mono_ms(), &more))
		log_warnx("redis: a write was refused: %.*s (%llu more since "
		    "the last such line)", (int)reply->len, reply->str,
		    (unsigned long long)more);
}

/*
 * Answers come in order: each one settles the oldest write sent, but
 * for those still to come from before a hold.
 */
static void
outbox_reply_cb(redisReply *reply, void *arg)
{
	struct outbox	*ob = arg;
	struct obcmd	*c = ob->head;
	int		 was_paused = ob->held || ob->full;

	if (reply == NULL)
		return;		/* the links went: outbox_down follows */
	if (ob->inflight > 0)
		ob->inflight--;
	if (ob->stale > 0) {
		ob->stale--;
		ob->stats.stale++;
		return;
	}
	if (c == NULL || !c->sent)
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
	if (reply->type == REDIS_REPLY_ERROR && c->retain &&
	    strstr(reply->str, "equal or smaller") == NULL) {
		outbox_hold(ob, reply);
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
	else
		outbox_refused(ob, reply);
	if (ob->held && c->retain) {
		log_info("redis: writes accepted again after %.1f s held "
		    "(%llu tries); reading goes on", (now_mono_ms() -
		    ob->held_since) / 1000.0,
		    (unsigned long long)ob->tries);
		ob->held = 0;
		ob->retrying = 0;
		ob->why[0] = '\0';
	}
	outbox_pop(ob);
	if (ob->full && ob->bytes < ob->max_bytes / 2)
		ob->full = 0;
	outbox_pump(ob);
	if (ob->drained != NULL && ((was_paused && !ob->held && !ob->full) ||
	    ob->len == 0))
		ob->drained(ob->arg);
}

/* The links are back: send again everything not yet answered. */
void
outbox_up(struct outbox *ob)
{
	if (ob->held) {
		evtimer_del(ob->retry);
		outbox_retry_cb(-1, 0, ob);
		return;
	}
	outbox_pump(ob);
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
		c->sent = 0;
		if (!c->retain) {
			*pp = c->next;
			ob->len--;
			ob->bytes -= c->len;
			ob->stats.dropped++;
			outbox_cmd_free(c);
			continue;
		}
		ob->tail = c;
		pp = &c->next;
	}
	ob->next = ob->head;
	ob->inflight = 0;
	ob->stale = 0;
	ob->sent_retained = 0;
	ob->retrying = 0;
	if (ob->full && ob->bytes < ob->max_bytes / 2)
		ob->full = 0;
}

size_t
outbox_len(const struct outbox *ob)
{
	return (ob->len);
}

size_t
outbox_bytes(const struct outbox *ob)
{
	return (ob->bytes);
}

/* Writes sent and not yet answered, stale answers included. */
size_t
outbox_inflight(const struct outbox *ob)
{
	return (ob->inflight);
}

/* Whether the reader should pause: a write held, or the queue full. */
int
outbox_paused(const struct outbox *ob)
{
	return (ob->held || ob->full);
}

/* The refusal a held write got, or NULL when none is held. */
const char *
outbox_held(const struct outbox *ob)
{
	return (ob->held ? ob->why : NULL);
}

const struct outbox_stats *
outbox_stats(const struct outbox *ob)
{
	return (&ob->stats);
}
