/* Outcomes, dead letters, acks and the snapshot, as Redis commands. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "engine.h"
#include "outbox.h"
#include "output.h"
#include "xmalloc.h"

#define OUTPUT_MAX_ARGS	64

struct output *
output_new(struct outbox *ob, const struct conf *cf)
{
	struct output	*o;
	const char	*p = cf->redis.prefix;

	o = xcalloc(1, sizeof(*o));
	o->ob = ob;
	xasprintf(&o->events, "%s:events", p);
	xasprintf(&o->dead, "%s:events:dead", p);
	xasprintf(&o->outcomes, "%s:outcomes", p);
	xasprintf(&o->snapshot, "%s:snapshot", p);
	o->group = xstrdup(cf->redis.group);
	snprintf(o->maxlen, sizeof(o->maxlen), "%lld",
	    (long long)cf->publish.outcomes_maxlen);
	return (o);
}

void
output_free(struct output *o)
{
	if (o == NULL)
		return;
	free(o->events);
	free(o->dead);
	free(o->outcomes);
	free(o->snapshot);
	free(o->group);
	free(o);
}

/* argv helpers: a string, or a formatted number into scratch space. */
#define ARG(s, n) do {							\
	argv[argc] = (s);						\
	argvlen[argc++] = (n);						\
} while (0)
#define ARGS(s) ARG((s), strlen(s))

/*
 * The engine's outcome sink.  The ID is the stamp and a counter among
 * outcomes of the same stamp, so a rebuild gives every outcome the ID it
 * had; those at or below what the stream held at start are not written.
 */
void
output_outcome(const struct outcome *oc, void *arg)
{
	struct output	*o = arg;
	const char	*argv[20];
	size_t		 argvlen[20];
	char		 id[SID_MAX], wait[24], ts[24];
	struct sid	 sid;
	int		 argc = 0;

	sid.ms = (uint64_t)oc->ts;
	sid.seq = o->last.ms == sid.ms ? o->last.seq + 1 : 0;
	o->last = sid;
	if (sid_cmp(&sid, &o->outcomes_top) <= 0) {
		o->skipped++;
		return;
	}
	sid_format(&sid, id, sizeof(id));
	snprintf(wait, sizeof(wait), "%" PRId64, oc->wait_ms);
	snprintf(ts, sizeof(ts), "%" PRId64, oc->ts);
	ARGS("XADD");
	ARGS(o->outcomes);
	ARGS("MAXLEN");
	ARGS("~");
	ARGS(o->maxlen);
	ARGS(id);
	ARGS("conversation");
	ARGS(oc->conv);
	ARGS("kind");
	ARGS(outcome_names[oc->kind]);
	ARGS("agent");
	ARGS(oc->agent != NULL ? oc->agent : "");
	ARGS("team");
	ARGS(oc->team != NULL ? oc->team : "");
	ARGS("first");
	ARGS(oc->first ? "1" : "0");
	ARGS("wait_ms");
	ARGS(wait);
	ARGS("ts_ms");
	ARGS(ts);
	outbox_push(o->ob, 1, argc, argv, argvlen);
	o->written++;
}

/*
 * A refused entry goes to the dead-letter stream under its own ID, with
 * its fields, the reason and its ID.
 */
void
output_dead(struct output *o, const char *id, const struct entry_field *f,
    size_t nf, enum reason why)
{
	const char	*argv[OUTPUT_MAX_ARGS + 8];
	size_t		 argvlen[OUTPUT_MAX_ARGS + 8], i;
	struct sid	 sid;
	int		 argc = 0;

	if (sid_parse(id, strlen(id), &sid) == 0 &&
	    sid_cmp(&sid, &o->dead_top) <= 0)
		return;
	ARGS("XADD");
	ARGS(o->dead);
	ARGS(id);
	for (i = 0; i < nf && argc < OUTPUT_MAX_ARGS; i++) {
		ARG(f[i].name, f[i].namelen);
		ARG(f[i].value, f[i].valuelen);
	}
	ARGS("error");
	ARGS(reason_names[why]);
	ARGS("source_id");
	ARGS(id);
	outbox_push(o->ob, 1, argc, argv, argvlen);
	o->dead_letters++;
}

/* Acknowledges entries read through the group, in one command. */
void
output_ack(struct output *o, const char **ids, const size_t *lens, size_t n)
{
	const char	**argv;
	size_t		 *argvlen, i;

	if (n == 0)
		return;
	argv = xreallocarray(NULL, n + 3, sizeof(*argv));
	argvlen = xreallocarray(NULL, n + 3, sizeof(*argvlen));
	argv[0] = "XACK";
	argvlen[0] = 4;
	argv[1] = o->events;
	argvlen[1] = strlen(o->events);
	argv[2] = o->group;
	argvlen[2] = strlen(o->group);
	for (i = 0; i < n; i++) {
		argv[i + 3] = ids[i];
		argvlen[i + 3] = lens[i];
	}
	outbox_push(o->ob, 1, (int)n + 3, argv, argvlen);
	free(argv);
	free(argvlen);
}

/* The snapshot: the key and the channel.  Not kept if the link is down. */
void
output_snapshot(struct output *o, const char *json, size_t len)
{
	const char	*argv[3];
	size_t		 argvlen[3];
	int		 argc = 0;

	ARGS("SET");
	ARGS(o->snapshot);
	ARG(json, len);
	outbox_push(o->ob, 0, argc, argv, argvlen);
	argv[0] = "PUBLISH";
	argvlen[0] = 7;
	outbox_push(o->ob, 0, argc, argv, argvlen);
}

/* Trims the events stream to what a rebuild needs. */
void
output_trim(struct output *o, int64_t min_ms)
{
	const char	*argv[5];
	size_t		 argvlen[5];
	char		 id[24];
	int		 argc = 0;

	snprintf(id, sizeof(id), "%" PRId64, min_ms);
	ARGS("XTRIM");
	ARGS(o->events);
	ARGS("MINID");
	ARGS("~");
	ARGS(id);
	outbox_push(o->ob, 0, argc, argv, argvlen);
}
