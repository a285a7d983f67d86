/*
 * The reader's state machine.  Each phase sends one command on the reader
 * link and moves on from its reply:
 *
 *	GROUP	XGROUP CREATE ... 0 MKSTREAM (BUSYGROUP is fine)
 *	INFO	XINFO GROUPS: where the group has read up to
 *	TOPS	XREVRANGE of the outcome, alert and dead-letter streams,
 *		one after the other (enum ingest_top says which)
 *	DEAD	XRANGE of the dead-letter stream over the rebuild range
 *	REBUILD	XRANGE of the events stream up to the group's position
 *	PENDING	XREADGROUP ... 0: this consumer's unacknowledged entries
 *	LIVE	XREADGROUP ... BLOCK ... >
 *
 * The first four and REBUILD run once per process; a reconnection goes
 * from GROUP straight to PENDING.  Every entry goes through ingest_entry,
 * which hands it to the engine or to the dead-letter stream.
 */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "engine.h"
#include "ingest.h"
#include "log.h"
#include "now.h"
#include "outbox.h"
#include "output.h"
#include "redis.h"
#include "sid.h"
#include "xmalloc.h"

#define INGEST_RANGE_TIMEOUT	60000	/* ms for a range read */
#define INGEST_BLOCK_MARGIN	5000	/* ms past BLOCK before "silent" */
#define INGEST_DEAD_PAGE	"1000"	/* dead letters per XRANGE */
#define INGEST_MAX_ARGS		16	/* of a command the reader sends */
#define INGEST_NUMLEN		24	/* a formatted long long, and NUL */
#define INGEST_LIST_MIN		256	/* first size of the ack, dead lists */
#define INGEST_NITEMS(a)	((int)(sizeof(a) / sizeof((a)[0])))

enum ingest_phase {
	PHASE_IDLE,
	PHASE_GROUP,
	PHASE_INFO,
	PHASE_TOPS,
	PHASE_DEAD,
	PHASE_REBUILD,
	PHASE_PENDING,
	PHASE_LIVE
};

/* The stream whose top PHASE_TOPS reads, in this order. */
enum ingest_top {
	TOP_OUTCOMES,
	TOP_ALERTS,
	TOP_DEAD
};

struct ingest {
	struct engine		*e;
	struct redis		*r;
	struct outbox		*ob;
	struct output		*out;
	char			*stream;
	char			*group;
	char			*consumer;
	char			 count[INGEST_NUMLEN];
	char			 block[INGEST_NUMLEN];
	int64_t			 nread;
	int64_t			 block_ms;
	int64_t			 retention_ms;

	enum ingest_phase	 phase;
	enum ingest_phase	 resume;	/* after GROUP, when not IDLE */
	enum ingest_top		 top;		/* in PHASE_TOPS */
	int			 reading;	/* a reply is awaited */
	int			 rebuilt;
	int			 caught_up;
	int			 paused;
	int			 stopping;
	void			(*stopped)(void *);
	void			*stopped_arg;

	struct sid		 last;		/* the last entry handled */
	struct sid		 upto;		/* the rebuild's end */
	char			 cursor[SID_MAX + 1];
	struct sid		*deadset;	/* sorted, for the rebuild */
	size_t			 ndead;
	size_t			 deadcap;
	size_t			 deadpos;

	struct entry_field	*fields;
	size_t			 fieldcap;
	const char		**acks;
	size_t			*acklens;
	size_t			 ackcap;

	struct ingest_stats	 stats;
	int64_t			 started_ms;
	struct redis_warn	 warn;		/* the reader's failures */
};

static void	ingest_next(struct ingest *);
static void	ingest_reply_cb(redisReply *, void *);

struct ingest *
ingest_new(struct engine *e, const struct conf *cf, struct redis *r,
    struct outbox *ob, struct output *out, const char *consumer)
{
	struct ingest	*ig;

	ig = xcalloc(1, sizeof(*ig));
	ig->e = e;
	ig->r = r;
	ig->ob = ob;
	ig->out = out;
	xasprintf(&ig->stream, "%s:events", cf->redis.prefix);
	ig->group = xstrdup(cf->redis.group);
	ig->consumer = xstrdup(consumer);
	ig->nread = cf->ingest.read_count;
	ig->block_ms = cf->ingest.block_ms;
	ig->retention_ms = cf->ingest.retention_s * 1000;
	snprintf(ig->count, sizeof(ig->count), "%lld",
	    (long long)cf->ingest.read_count);
	snprintf(ig->block, sizeof(ig->block), "%lld",
	    (long long)cf->ingest.block_ms);
	return (ig);
}

void
ingest_free(struct ingest *ig)
{
	if (ig == NULL)
		return;
	free(ig->stream);
	free(ig->group);
	free(ig->consumer);
	free(ig->deadset);
	free(ig->fields);
	free(ig->acks);
	free(ig->acklens);
	free(ig);
}

/* Sends the phase's command on the reader link. */
static void
ingest_send(struct ingest *ig, int64_t timeout, int argc, const char **argv)
{
	size_t	 argvlen[INGEST_MAX_ARGS];
	int	 i;

	for (i = 0; i < argc; i++)
		argvlen[i] = strlen(argv[i]);
	if (redis_command(ig->r, REDIS_READER, timeout, ingest_reply_cb, ig,
	    argc, argv, argvlen) == 0)
		ig->reading = 1;
}

static void
ingest_range(struct ingest *ig, const char *key, const char *from,
    const char *to, int count)
{
	const char	*argv[] = { "XRANGE", key, from, to, "COUNT",
			    count ? ig->count : INGEST_DEAD_PAGE };

	ingest_send(ig, INGEST_RANGE_TIMEOUT, INGEST_NITEMS(argv), argv);
}

static void
ingest_top(struct ingest *ig, const char *key)
{
	const char	*argv[] = { "XREVRANGE", key, "+", "-", "COUNT", "1" };

	ingest_send(ig, INGEST_RANGE_TIMEOUT, INGEST_NITEMS(argv), argv);
}

/*
 * Whether reading waits for the writer: a write is held, or unanswered
 * writes hold more than publish.outbox_max_mb (outbox.c).  Not caught up
 * meanwhile, so the clock does not run ahead of what is left to read.
 */
static int
ingest_pause(struct ingest *ig)
{
	if (ig->phase != PHASE_REBUILD && ig->phase != PHASE_PENDING &&
	    ig->phase != PHASE_LIVE)
		return (0);
	if (!outbox_paused(ig->ob)) {
		ig->paused = 0;
		return (0);
	}
	if (!ig->paused) {
		ig->paused = 1;
		ig->stats.pauses++;
	}
	ig->caught_up = 0;
	return (1);
}

/* Issues the next command of the current phase. */
static void
ingest_next(struct ingest *ig)
{
	char	 to[SID_MAX];

	if (ig->reading || !redis_up(ig->r))
		return;
	if (ingest_pause(ig))
		return;
	switch (ig->phase) {
	case PHASE_IDLE:
		return;
	case PHASE_GROUP: {
		const char *argv[] = { "XGROUP", "CREATE", ig->stream,
		    ig->group, "0", "MKSTREAM" };

		ingest_send(ig, INGEST_RANGE_TIMEOUT, INGEST_NITEMS(argv),
		    argv);
		return;
	}
	case PHASE_INFO: {
		const char *argv[] = { "XINFO", "GROUPS", ig->stream };

		ingest_send(ig, INGEST_RANGE_TIMEOUT, INGEST_NITEMS(argv),
		    argv);
		return;
	}
	case PHASE_TOPS:
		ingest_top(ig, ig->top == TOP_OUTCOMES ? ig->out->outcomes :
		    ig->top == TOP_ALERTS ? ig->out->alerts : ig->out->dead);
		return;
	case PHASE_DEAD:
		sid_format(&ig->upto, to, sizeof(to));
		ingest_range(ig, ig->out->dead, ig->cursor, to, 0);
		return;
	case PHASE_REBUILD:
		sid_format(&ig->upto, to, sizeof(to));
		ingest_range(ig, ig->stream, ig->cursor, to, 1);
		return;
	case PHASE_PENDING: {
		const char *argv[] = { "XREADGROUP", "GROUP", ig->group,
		    ig->consumer, "COUNT", ig->count, "STREAMS", ig->stream,
		    ig->cursor };

		ingest_send(ig, INGEST_RANGE_TIMEOUT, INGEST_NITEMS(argv),
		    argv);
		return;
	}
	case PHASE_LIVE: {
		const char *argv[] = { "XREADGROUP", "GROUP", ig->group,
		    ig->consumer, "COUNT", ig->count, "BLOCK", ig->block,
		    "STREAMS", ig->stream, ">" };

		if (ig->stopping)
			return;
		ingest_send(ig, ig->block_ms + INGEST_BLOCK_MARGIN,
		    INGEST_NITEMS(argv), argv);
		return;
	}
	}
}

/* The links are up: start (or resume) from creating the group. */
void
ingest_up(struct ingest *ig)
{
	ig->reading = 0;
	ig->phase = PHASE_GROUP;
	ig->caught_up = 0;
	if (ig->started_ms == 0)
		ig->started_ms = now_wall_ms();
	ingest_next(ig);
}

void
ingest_down(struct ingest *ig)
{
	ig->reading = 0;
	ig->caught_up = 0;
	/* a rebuild cut short resumes where it was, after the group */
	ig->resume = ig->phase == PHASE_DEAD || ig->phase == PHASE_REBUILD ?
	    ig->phase : PHASE_IDLE;
	ig->phase = PHASE_IDLE;
	if (ig->stopping && ig->stopped != NULL) {
		ig->stopped(ig->stopped_arg);
		ig->stopped = NULL;
	}
}

/* The outbox has room again: a paused reader goes on. */
void
ingest_drained(struct ingest *ig)
{
	if (ig->paused && !outbox_paused(ig->ob))
		ingest_next(ig);
}

/* Stops reading; stopped() runs once no read is in flight. */
void
ingest_stop(struct ingest *ig, void (*stopped)(void *), void *arg)
{
	ig->stopping = 1;
	if (!ig->reading || ig->phase != PHASE_LIVE) {
		ig->reading = 0;
		stopped(arg);
		return;
	}
	ig->stopped = stopped;
	ig->stopped_arg = arg;
}

int
ingest_caught_up(const struct ingest *ig)
{
	return (ig->phase == PHASE_LIVE && ig->caught_up);
}

int
ingest_rebuilt(const struct ingest *ig)
{
	return (ig->rebuilt);
}

const struct ingest_stats *
ingest_stats(const struct ingest *ig)
{
	return (&ig->stats);
}

/* True when the rebuild must skip the entry: it was dead-lettered. */
static int
ingest_was_dead(struct ingest *ig, const struct sid *id)
{
	while (ig->deadpos < ig->ndead &&
	    sid_cmp(&ig->deadset[ig->deadpos], id) < 0)
		ig->deadpos++;
	return (ig->deadpos < ig->ndead &&
	    sid_cmp(&ig->deadset[ig->deadpos], id) == 0);
}

static void
ingest_ack_add(struct ingest *ig, size_t n, const char *id, size_t len)
{
	if (n == ig->ackcap) {
		ig->ackcap = ig->ackcap ? ig->ackcap * 2 : INGEST_LIST_MIN;
		ig->acks = xreallocarray(ig->acks, ig->ackcap,
		    sizeof(*ig->acks));
		ig->acklens = xreallocarray(ig->acklens, ig->ackcap,
		    sizeof(*ig->acklens));
	}
	ig->acks[n] = id;
	ig->acklens[n] = len;
}

/*
 * One entry: [id, [field, value, ...]] (the fields nil once trimmed).
 * Returns -1 for a reply that is not an entry.
 */
static int
ingest_entry(struct ingest *ig, const redisReply *en, int64_t wall,
    struct sid *id)
{
	const redisReply	*kv;
	size_t			 i, nf;
	enum reason		 why;

	if (en->type != REDIS_REPLY_ARRAY || en->elements != 2 ||
	    en->element[0]->type != REDIS_REPLY_STRING ||
	    sid_parse(en->element[0]->str, en->element[0]->len, id) == -1)
		return (-1);
	ig->stats.entries++;
	if (sid_cmp(id, &ig->last) <= 0) {
		ig->stats.skipped++;		/* handled before */
		return (0);
	}
	ig->last = *id;
	ig->stats.last_ms = id->ms;
	kv = en->element[1];
	if (kv->type != REDIS_REPLY_ARRAY) {
		ig->stats.emptied++;		/* trimmed while pending */
		return (0);
	}
	if (ig->phase == PHASE_REBUILD) {
		ig->stats.rebuilt++;
		if (ingest_was_dead(ig, id)) {
			ig->stats.skipped++;
			return (0);
		}
	}
	nf = kv->elements / 2;
	if (nf > ig->fieldcap) {
		ig->fieldcap = nf;
		ig->fields = xreallocarray(ig->fields, nf, sizeof(*ig->fields));
	}
	for (i = 0; i < nf; i++) {
		const redisReply *k = kv->element[2 * i];
		const redisReply *v = kv->element[2 * i + 1];

		if (k->type != REDIS_REPLY_STRING ||
		    v->type != REDIS_REPLY_STRING)
			return (-1);
		ig->fields[i].name = k->str;
		ig->fields[i].namelen = k->len;
		ig->fields[i].value = v->str;
		ig->fields[i].valuelen = v->len;
	}
	why = engine_read(ig->e, en->element[0]->str, ig->fields, nf, wall);
	if (why != REASON_NONE)
		output_dead(ig->out, en->element[0]->str, ig->fields, nf, why);
	return (0);
}

/* A batch of entries; acknowledged when read through the group. */
static size_t
ingest_batch(struct ingest *ig, const redisReply *list, int ack,
    struct sid *lastid)
{
	const redisReply	*en;
	int64_t			 wall = now_wall_ms();
	size_t			 i, nack = 0;
	struct sid		 id;
	uint64_t		 more;

	if (list->type != REDIS_REPLY_ARRAY)
		return (0);
	for (i = 0; i < list->elements; i++) {
		en = list->element[i];
		if (ingest_entry(ig, en, wall, &id) == -1) {
			if (redis_warn_due(&ig->warn, now_mono_ms(), &more))
				log_warnx("ingest: %s: malformed entry in a "
				    "reply (%llu more since the last such "
				    "line)", ig->stream,
				    (unsigned long long)more);
			continue;
		}
		*lastid = id;
		if (ack)
			ingest_ack_add(ig, nack++, en->element[0]->str,
			    en->element[0]->len);
	}
	engine_advance(ig->e, wall, ig->caught_up);
	output_flush(ig->out, ig->acks, ig->acklens, nack);
	return (list->elements);
}

/* The group's entries in an XREADGROUP reply, or NULL. */
static const redisReply *
ingest_stream_entries(const redisReply *reply)
{
	const redisReply	*s;

	if (reply->type != REDIS_REPLY_ARRAY || reply->elements == 0)
		return (NULL);
	s = reply->element[0];
	if (s->type != REDIS_REPLY_ARRAY || s->elements != 2)
		return (NULL);
	return (s->element[1]);
}

/* XINFO GROUPS: the last-delivered-id of our group, "0-0" without. */
static void
ingest_info(struct ingest *ig, const redisReply *reply)
{
	const redisReply	*g, *k, *v;
	const char		*name;
	size_t			 i, j;

	ig->upto.ms = ig->upto.seq = 0;
	if (reply->type != REDIS_REPLY_ARRAY)
		return;
	for (i = 0; i < reply->elements; i++) {
		g = reply->element[i];
		if (g->type != REDIS_REPLY_ARRAY)
			continue;
		name = NULL;
		for (j = 0; j + 1 < g->elements; j += 2) {
			k = g->element[j];
			v = g->element[j + 1];
			if (k->type != REDIS_REPLY_STRING)
				continue;
			if (strcmp(k->str, "name") == 0 &&
			    v->type == REDIS_REPLY_STRING)
				name = v->str;
			if (strcmp(k->str, "last-delivered-id") == 0 &&
			    v->type == REDIS_REPLY_STRING && name != NULL &&
			    strcmp(name, ig->group) == 0)
				sid_parse(v->str, v->len, &ig->upto);
		}
	}
}

/* The top entry ID of an XREVRANGE ... COUNT 1 reply, 0-0 if empty. */
static struct sid
ingest_top_id(const redisReply *reply)
{
	struct sid	 id = { 0, 0 };
	const redisReply *en;

	if (reply->type == REDIS_REPLY_ARRAY && reply->elements > 0) {
		en = reply->element[0];
		if (en->type == REDIS_REPLY_ARRAY && en->elements > 0 &&
		    en->element[0]->type == REDIS_REPLY_STRING)
			sid_parse(en->element[0]->str, en->element[0]->len,
			    &id);
	}
	return (id);
}

/* Starts the rebuild range at the oldest entry a rebuild needs. */
static void
ingest_rebuild_start(struct ingest *ig)
{
	int64_t	 from = now_wall_ms() - ig->retention_ms;
	char	 to[SID_MAX];

	snprintf(ig->cursor, sizeof(ig->cursor), "%" PRId64 "-0",
	    from > 0 ? from : 0);
	if (ig->upto.ms != 0 || ig->upto.seq != 0) {
		sid_format(&ig->upto, to, sizeof(to));
		log_info("ingest: rebuilding the state from %s, %s to %s",
		    ig->stream, ig->cursor, to);
	}
}

static void
ingest_cursor_after(struct ingest *ig, const struct sid *id)
{
	ig->cursor[0] = '(';
	sid_format(id, ig->cursor + 1, sizeof(ig->cursor) - 1);
}

static void
ingest_rebuilt_now(struct ingest *ig)
{
	ig->rebuilt = 1;
	if (sid_cmp(&ig->last, &ig->upto) < 0)
		ig->last = ig->upto;
	free(ig->deadset);
	ig->deadset = NULL;
	ig->ndead = ig->deadcap = ig->deadpos = 0;
	ig->stats.rebuild_ms = now_wall_ms() - ig->started_ms;
	log_info("ingest: rebuilt from %" PRIu64 " entries in %" PRId64
	    " ms (%" PRIu64 " dead-lettered before)", ig->stats.rebuilt,
	    ig->stats.rebuild_ms, ig->stats.skipped);
	ig->phase = PHASE_PENDING;
	snprintf(ig->cursor, sizeof(ig->cursor), "0");
}

/* True when an error reply starts with the code given. */
static int
ingest_error_is(const redisReply *reply, const char *code)
{
	return (strncmp(reply->str, code, strlen(code)) == 0);
}

/*
 * An error in any phase but GROUP: the group deleted with its stream
 * (NOGROUP, or UNBLOCKED for a read) is created again; anything else
 * drops the links.
 */
static void
ingest_on_error(struct ingest *ig, const redisReply *reply)
{
	uint64_t	 more;

	if (!ingest_error_is(reply, "NOGROUP") &&
	    !ingest_error_is(reply, "UNBLOCKED")) {
		if (redis_warn_due(&ig->warn, now_mono_ms(), &more))
			log_warnx("ingest: %s: %s (%llu more since the last "
			    "such line)", ig->stream, reply->str,
			    (unsigned long long)more);
		redis_drop(ig->r, "the reader's command failed");
		return;
	}
	ig->stats.group_recreated++;
	log_warnx("ingest: the group %s on %s is gone; creating it again",
	    ig->group, ig->stream);
	ig->phase = PHASE_GROUP;
	ingest_next(ig);
}

/*
 * The group exists (BUSYGROUP: it did already).  A rebuild cut short
 * resumes, the first connection reads the group's position, a later
 * one goes on to the pending entries.  Returns -1 when the links drop.
 */
static int
ingest_on_group(struct ingest *ig, const redisReply *reply)
{
	uint64_t	 more;

	if (reply->type == REDIS_REPLY_ERROR &&
	    !ingest_error_is(reply, "BUSYGROUP")) {
		if (redis_warn_due(&ig->warn, now_mono_ms(), &more))
			log_warnx("ingest: creating the group on %s: %s (%llu "
			    "more since the last such line)", ig->stream,
			    reply->str, (unsigned long long)more);
		redis_drop(ig->r, "the group could not be created");
		return (-1);
	}
	if (ig->resume != PHASE_IDLE) {
		ig->phase = ig->resume;		/* cursor kept */
		ig->resume = PHASE_IDLE;
		return (0);
	}
	if (ig->rebuilt) {
		ig->phase = PHASE_PENDING;
		snprintf(ig->cursor, sizeof(ig->cursor), "0");
	} else
		ig->phase = PHASE_INFO;
	return (0);
}

static void
ingest_on_info(struct ingest *ig, const redisReply *reply)
{
	ingest_info(ig, reply);
	ig->phase = PHASE_TOPS;
	ig->top = TOP_OUTCOMES;
}

/*
 * The top of the outcome, alert and dead-letter streams in turn; then
 * the rebuild starts, or is over at once when the group had read nothing.
 */
static void
ingest_on_top(struct ingest *ig, const redisReply *reply)
{
	switch (ig->top) {
	case TOP_OUTCOMES:
		ig->out->outcomes_top = ingest_top_id(reply);
		ig->top = TOP_ALERTS;
		return;
	case TOP_ALERTS:
		ig->out->alerts_top = ingest_top_id(reply);
		ig->top = TOP_DEAD;
		return;
	case TOP_DEAD:
		break;
	}
	ig->out->dead_top = ingest_top_id(reply);
	if (ig->upto.ms == 0 && ig->upto.seq == 0) {
		ingest_rebuilt_now(ig);
		return;
	}
	ig->phase = PHASE_DEAD;
	ingest_rebuild_start(ig);
}

/* Adds a page of dead letters to the set; the rebuild follows the last. */
static void
ingest_on_dead(struct ingest *ig, const redisReply *reply)
{
	const redisReply	*en;
	struct sid		 id;
	size_t			 i, n;

	n = reply->type == REDIS_REPLY_ARRAY ? reply->elements : 0;
	for (i = 0; i < n; i++) {
		en = reply->element[i];
		if (en->type != REDIS_REPLY_ARRAY || en->elements < 1 ||
		    en->element[0]->type != REDIS_REPLY_STRING ||
		    sid_parse(en->element[0]->str, en->element[0]->len,
		    &id) == -1)
			continue;
		if (ig->ndead == ig->deadcap) {
			ig->deadcap = ig->deadcap ? ig->deadcap * 2 :
			    INGEST_LIST_MIN;
			ig->deadset = xreallocarray(ig->deadset, ig->deadcap,
			    sizeof(*ig->deadset));
		}
		ig->deadset[ig->ndead++] = id;
	}
	if (n > 0 && ig->ndead > 0) {
		ingest_cursor_after(ig, &ig->deadset[ig->ndead - 1]);
		return;
	}
	ig->phase = PHASE_REBUILD;
	ingest_rebuild_start(ig);
}

/* A page of the history; an empty one ends the rebuild. */
static void
ingest_on_rebuild(struct ingest *ig, const redisReply *reply)
{
	struct sid	 id;

	if (ingest_batch(ig, reply, 0, &id) == 0) {
		ingest_rebuilt_now(ig);
		return;
	}
	ingest_cursor_after(ig, &id);
}

/* This consumer's pending entries; none left, it reads live. */
static void
ingest_on_pending(struct ingest *ig, const redisReply *reply)
{
	const redisReply	*list;
	struct sid		 id;

	list = ingest_stream_entries(reply);
	if (list == NULL || ingest_batch(ig, list, 1, &id) == 0) {
		ig->phase = PHASE_LIVE;
		return;
	}
	sid_format(&id, ig->cursor, sizeof(ig->cursor));
}

/*
 * New entries, or none when BLOCK ran out.  Returns -1 when a stop was
 * waiting for this read: nothing more is sent.
 */
static int
ingest_on_live(struct ingest *ig, const redisReply *reply)
{
	const redisReply	*list;
	struct sid		 id;
	size_t			 n;

	list = ingest_stream_entries(reply);
	n = list != NULL && list->type == REDIS_REPLY_ARRAY ?
	    list->elements : 0;
	ig->caught_up = (int64_t)n < ig->nread;
	/* behind: ask for the next batch while this one is handled */
	if (!ig->caught_up)
		ingest_next(ig);
	if (list != NULL)
		ingest_batch(ig, list, 1, &id);
	else {
		engine_advance(ig->e, now_wall_ms(), 1);
		output_flush(ig->out, NULL, NULL, 0);
	}
	if (ig->stopping && ig->stopped != NULL) {
		ig->stopped(ig->stopped_arg);
		ig->stopped = NULL;
		return (-1);
	}
	return (0);
}

/* Every reply of the reader: the phase's handler, then the next command. */
static void
ingest_reply_cb(redisReply *reply, void *arg)
{
	struct ingest	*ig = arg;

	ig->reading = 0;
	if (reply == NULL)
		return;		/* the links went; ingest_down follows */
	if (reply->type == REDIS_REPLY_ERROR && ig->phase != PHASE_GROUP) {
		ingest_on_error(ig, reply);
		return;
	}
	switch (ig->phase) {
	case PHASE_IDLE:
		return;
	case PHASE_GROUP:
		if (ingest_on_group(ig, reply) == -1)
			return;
		break;
	case PHASE_INFO:
		ingest_on_info(ig, reply);
		break;
	case PHASE_TOPS:
		ingest_on_top(ig, reply);
		break;
	case PHASE_DEAD:
		ingest_on_dead(ig, reply);
		break;
	case PHASE_REBUILD:
		ingest_on_rebuild(ig, reply);
		break;
	case PHASE_PENDING:
		ingest_on_pending(ig, reply);
		break;
	case PHASE_LIVE:
		if (ingest_on_live(ig, reply) == -1)
			return;
		break;
	}
	ingest_next(ig);
}
