/* Outcomes, alerts, dead letters, acks and the snapshot, as Redis commands. */

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alert.h"
#include "conf.h"
#include "engine.h"
#include "outbox.h"
#include "output.h"
#include "snapshot.h"
#include "xmalloc.h"

/*
 * A dead letter keeps this many fields of its entry at most: the script
 * unpacks them onto Lua's stack, which takes about 8,000 values.
 */
#define OUTPUT_MAX_FIELDS	1000

/*
 * One batch of writes as one command: the outcomes and dead letters a
 * read (or a tick) produced, then the acknowledgement of that read.  The
 * script runs atomically, so entries are acknowledged together with their
 * effects.  An XADD refused because its ID is already there (a restart,
 * a resend) is skipped, which makes the whole call safe to send again;
 * any other refusal (out of memory, say) ends the call there with that
 * error, before anything later is written, and the outbox decides.
 *
 * The fence: a batch carries the key and ID of the last XADD of the
 * batch before it that had one, and writes nothing (FENCE) unless that
 * entry is there.  Batches are pipelined, so one sent behind a batch that
 * Redis refuses would otherwise land first, and its higher IDs would shut
 * the refused one out when it is sent again.  The outbox turns the check
 * off (ARGV[6] '0') for a batch with nothing older unanswered.  The entry
 * checked is the newest of its stream when the batch is sent, and MAXLEN
 * ~ (outcomes, alerts, at least 1000 kept) trims the oldest only; the
 * dead-letter stream is not trimmed.  The first batch after a start has
 * no fence: whatever came before was answered.
 */
static const char output_script[] =
    "local function add(key, id, ...)\n"
    "  local r = redis.pcall('XADD', key, id, ...)\n"
    "  if type(r) == 'table' and r.err then\n"
    "    if string.find(r.err, 'equal or smaller', 1, true) then\n"
    "      return false\n"
    "    end\n"
    "    error(r)\n"
    "  end\n"
    "  return true\n"
    "end\n"
    "if ARGV[6] == '1' and ARGV[7] ~= '0' then\n"
    "  local k = KEYS[tonumber(ARGV[7])]\n"
    "  if #redis.call('XRANGE', k, ARGV[8], ARGV[8]) == 0 then\n"
    "    return redis.error_reply('FENCE previous batch not written')\n"
    "  end\n"
    "end\n"
    "local i, ops, alerts = 9, tonumber(ARGV[3]), false\n"
    "for _ = 1, ops do\n"
    "  local op, id = ARGV[i], ARGV[i + 1]\n"
    "  if op == 'o' then\n"
    "    add(KEYS[1], id,\n"
    "      'conversation', ARGV[i + 2], 'kind', ARGV[i + 3],\n"
    "      'agent', ARGV[i + 4], 'team', ARGV[i + 5],\n"
    "      'first', ARGV[i + 6], 'wait_ms', ARGV[i + 7],\n"
    "      'ts_ms', ARGV[i + 8])\n"
    "    i = i + 9\n"
    "  elseif op == 'd' then\n"
    "    local n = tonumber(ARGV[i + 2])\n"
    "    add(KEYS[2], id, unpack(ARGV, i + 3, i + 2 + n))\n"
    "    i = i + 3 + n\n"
    "  else\n"
    "    local n = tonumber(ARGV[i + 2])\n"
    "    alerts = true\n"
    "    if add(KEYS[4], id, unpack(ARGV, i + 3, i + 2 + n)) then\n"
    "      redis.call('PUBLISH', ARGV[5], ARGV[i + 2 + n])\n"
    "    end\n"
    "    i = i + 3 + n\n"
    "  end\n"
    "end\n"
    "if ops > 0 then\n"
    "  redis.call('XTRIM', KEYS[1], 'MAXLEN', '~', ARGV[1])\n"
    "end\n"
    "if alerts then\n"
    "  redis.call('XTRIM', KEYS[4], 'MAXLEN', '~', ARGV[4])\n"
    "end\n"
    "local acks = tonumber(ARGV[i])\n"
    "if acks > 0 then\n"
    "  redis.call('XACK', KEYS[3], ARGV[2], unpack(ARGV, i + 1, i + acks))\n"
    "end\n"
    "return ops\n";

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
	xasprintf(&o->alerts, "%s:alerts", p);
	snprintf(o->alerts_maxlen, sizeof(o->alerts_maxlen), "%lld",
	    (long long)cf->alerts.alerts_maxlen);
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
	free(o->alerts);
	free(o->group);
	resp_clear(&o->batch);
	free(o);
}

static void
output_bulk(struct output *o, const char *s, size_t len)
{
	resp_add(&o->batch, s, len);
}

static void
output_str(struct output *o, const char *s)
{
	resp_addstr(&o->batch, s);
}

/* Notes the batch's latest XADD: the next batch's fence. */
static void
output_last(struct output *o, int key, const char *id)
{
	o->batch_key = key;
	snprintf(o->batch_id, sizeof(o->batch_id), "%s", id);
}

/*
 * The engine's outcome sink.  The ID is the stamp and a counter among
 * outcomes of the same stamp, so a rebuild gives every outcome the ID it
 * had; those at or below what the stream held at start are not written.
 */
void
output_outcome(const struct outcome *oc, void *arg)
{
	struct output	*o = arg;
	char		 id[SID_MAX], num[24];
	struct sid	 sid;

	sid.ms = (uint64_t)oc->ts;
	sid.seq = o->last.ms == sid.ms ? o->last.seq + 1 : 0;
	o->last = sid;
	if (sid_cmp(&sid, &o->outcomes_top) <= 0) {
		o->skipped++;
		return;
	}
	sid_format(&sid, id, sizeof(id));
	output_last(o, OUTPUT_KEY_OUTCOMES, id);
	output_str(o, "o");
	output_str(o, id);
	output_str(o, oc->conv);
	output_str(o, outcome_names[oc->kind]);
	output_str(o, oc->agent != NULL ? oc->agent : "");
	output_str(o, oc->team != NULL ? oc->team : "");
	output_str(o, oc->first ? "1" : "0");
	snprintf(num, sizeof(num), "%" PRId64, oc->wait_ms);
	output_str(o, num);
	snprintf(num, sizeof(num), "%" PRId64, oc->ts);
	output_str(o, num);
	o->ops++;
	o->written++;
}

/* A stream entry's field count: its fields' names and values. */
#define OUTPUT_PAIR	2

/*
 * The alert sink: the transition as stream fields and as one JSON
 * object, under an ID made like outcomes' (its stamp and a counter).
 */
void
output_alert(const struct alert_event *ev, void *arg)
{
	struct output			*o = arg;
	const struct alert_field	*f;
	json_t				*j;
	char				 id[SID_MAX], count[32];
	char				 num[ALERT_NFIELDS][32];
	const char			*v[ALERT_NFIELDS];
	char				*text;
	struct sid			 sid;
	size_t				 i, n = OUTPUT_PAIR;	/* json */

	sid.ms = (uint64_t)ev->ts_ms;
	sid.seq = o->alast.ms == sid.ms ? o->alast.seq + 1 : 0;
	o->alast = sid;
	o->alert_transitions++;
	if (sid_cmp(&sid, &o->alerts_top) <= 0)
		return;
	j = snapshot_alert(ev, ALERT_IN_EVENT);
	text = json_dumps(j, SNAPSHOT_DUMP_FLAGS);
	json_decref(j);
	if (text == NULL)
		return;

	for (i = 0; i < ALERT_NFIELDS; i++) {
		f = &alert_fields[i];
		v[i] = (f->in & ALERT_IN_EVENT) ? alert_field_text(ev, f,
		    num[i], sizeof(num[i])) : NULL;
		if (v[i] != NULL)
			n += OUTPUT_PAIR;
	}
	sid_format(&sid, id, sizeof(id));
	output_last(o, OUTPUT_KEY_ALERTS, id);
	output_str(o, "a");
	output_str(o, id);
	snprintf(count, sizeof(count), "%zu", n);
	output_str(o, count);
	for (i = 0; i < ALERT_NFIELDS; i++) {
		if (v[i] == NULL)
			continue;
		output_str(o, alert_fields[i].name);
		output_str(o, v[i]);
	}
	output_str(o, "json");
	output_str(o, text);
	if (o->alert_cb != NULL)
		o->alert_cb(text, strlen(text), o->alert_arg);
	free(text);
	o->ops++;
}

/*
 * A refused entry goes to the dead-letter stream under its own ID, with
 * its fields (the first OUTPUT_MAX_FIELDS, then `truncated`, how many
 * were left out), the reason and its ID.
 */
void
output_dead(struct output *o, const char *id, const struct entry_field *f,
    size_t nf, enum reason why)
{
	struct sid	 sid;
	char		 num[24];
	size_t		 i, left = 0;

	if (sid_parse(id, strlen(id), &sid) == 0 &&
	    sid_cmp(&sid, &o->dead_top) <= 0)
		return;
	if (nf > OUTPUT_MAX_FIELDS) {
		left = nf - OUTPUT_MAX_FIELDS;
		nf = OUTPUT_MAX_FIELDS;
	}
	output_last(o, OUTPUT_KEY_DEAD, id);
	output_str(o, "d");
	output_str(o, id);
	snprintf(num, sizeof(num), "%zu", nf * 2 + 4 + (left ? 2 : 0));
	output_str(o, num);
	for (i = 0; i < nf; i++) {
		output_bulk(o, f[i].name, f[i].namelen);
		output_bulk(o, f[i].value, f[i].valuelen);
	}
	if (left) {
		snprintf(num, sizeof(num), "%zu", left);
		output_str(o, "truncated");
		output_str(o, num);
	}
	output_str(o, "error");
	output_str(o, reason_names[why]);
	output_str(o, "source_id");
	output_str(o, id);
	o->ops++;
	o->dead_letters++;
}

/*
 * Sends the batch: the outcomes and dead letters gathered since the last
 * flush, and the acknowledgement of the entries read (n may be 0).
 */
void
output_flush(struct output *o, const char **ids, const size_t *lens,
    size_t n)
{
	struct resp	 hdr = { 0 };
	char		 num[24];
	size_t		 i, at;

	if (o->ops == 0 && n == 0)
		return;
	resp_addstr(&hdr, "EVAL");
	resp_add(&hdr, output_script, sizeof(output_script) - 1);
	resp_addstr(&hdr, "4");
	resp_addstr(&hdr, o->outcomes);
	resp_addstr(&hdr, o->dead);
	resp_addstr(&hdr, o->events);
	resp_addstr(&hdr, o->alerts);
	resp_addstr(&hdr, o->maxlen);
	resp_addstr(&hdr, o->group);
	snprintf(num, sizeof(num), "%zu", o->ops);
	resp_addstr(&hdr, num);
	resp_addstr(&hdr, o->alerts_maxlen);
	resp_addstr(&hdr, o->alerts);
	at = hdr.len + 4;		/* "$1\r\n", then the flag */
	resp_addstr(&hdr, "1");
	snprintf(num, sizeof(num), "%d", o->fence_key);
	resp_addstr(&hdr, num);
	resp_addstr(&hdr, o->fence_key != 0 ? o->fence_id : "0");
	snprintf(num, sizeof(num), "%zu", n);
	output_str(o, num);
	for (i = 0; i < n; i++)
		output_bulk(o, ids[i], lens[i]);
	outbox_push_fenced(o->ob, &hdr, &o->batch, at);
	resp_clear(&hdr);
	resp_reset(&o->batch);
	o->ops = 0;
	if (o->batch_key != 0) {
		o->fence_key = o->batch_key;
		memcpy(o->fence_id, o->batch_id, sizeof(o->fence_id));
		o->batch_key = 0;
	}
}

/* The snapshot: the key and the channel.  Not kept if the link is down. */
void
output_snapshot(struct output *o, const char *json, size_t len)
{
	struct resp	 c = { 0 };

	resp_addstr(&c, "SET");
	resp_addstr(&c, o->snapshot);
	resp_add(&c, json, len);
	outbox_push(o->ob, 0, &c, NULL);
	resp_reset(&c);
	resp_addstr(&c, "PUBLISH");
	resp_addstr(&c, o->snapshot);
	resp_add(&c, json, len);
	outbox_push(o->ob, 0, &c, NULL);
	resp_clear(&c);
}

/* Trims the events stream to what a rebuild needs. */
void
output_trim(struct output *o, int64_t min_ms)
{
	struct resp	 c = { 0 };
	char		 id[24];

	snprintf(id, sizeof(id), "%" PRId64, min_ms);
	resp_addstr(&c, "XTRIM");
	resp_addstr(&c, o->events);
	resp_addstr(&c, "MINID");
	resp_addstr(&c, "~");
	resp_addstr(&c, id);
	outbox_push(o->ob, 0, &c, NULL);
	resp_clear(&c);
}
