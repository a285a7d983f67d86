/* The daemon's counters: GET /metrics and the minutely log line. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "daemon.h"
#include "engine.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "now.h"
#include "outbox.h"
#include "output.h"
#include "prom.h"
#include "redis.h"

/* GET /metrics: the counters, then the latest snapshot's numbers. */
char *
stats_metrics(const struct daemon *d)
{
	const struct engine_stats	*es = engine_stats(d->e);
	const struct ingest_stats	*is = ingest_stats(d->ig);
	const struct http_stats		*hs = http_stats(d->http);
	struct prom_stats		 st;
	int64_t				 wall = now_wall_ms();
	size_t				 len;
	char				*text;
	FILE				*f;

	memset(&st, 0, sizeof(st));
	st.read = (double)es->read;
	st.applied = (double)es->applied;
	st.late = (double)es->reasons[REASON_LATE];
	st.duplicates = (double)es->duplicates;
	st.agents_refused = (double)es->agents_refused;
	st.teams_refused = (double)es->teams_refused;
	st.message_ids_refused = (double)es->message_ids_refused;
	st.alert_transitions = (double)d->out->alert_transitions;
	st.reconnects = (double)redis_reconnects(d->r);
	st.write_errors = (double)outbox_stats(d->ob)->errors;
	st.writes_deferred = (double)outbox_stats(d->ob)->deferred;
	st.writes_held = outbox_held(d->ob) != NULL;
	st.write_holds = (double)outbox_stats(d->ob)->holds;
	st.outbox_bytes = (double)outbox_bytes(d->ob);
	st.outbox_pauses = (double)is->pauses;
	st.caught_up = ingest_caught_up(d->ig);
	st.lag_s = st.caught_up || is->last_ms == 0 ||
	    (int64_t)is->last_ms > wall ? 0 :
	    (wall - (int64_t)is->last_ms) / 1000.0;
	st.redis_up = redis_up(d->r);
	st.conversations = (double)engine_conversations(d->e);
	st.alerts_firing = (double)alerts_firing(engine_alerts(d->e));
	st.sse_clients = (double)hs->clients;
	st.sse_dropped = (double)hs->dropped;
	st.http_requests = (double)hs->requests;
	st.http_refused = (double)hs->refused;
	st.http_connections = (double)hs->conns;
	st.http_conns_refused = (double)hs->conns_refused;
	st.http_cache_builds = (double)hs->cache_builds;
	st.start_time_s = d->started_ms / 1000.0;
	st.loop_stall_max_s = d->stall_max_ms / 1000.0;
	memcpy(st.dead, es->reasons, sizeof(st.dead));
	memcpy(st.outcomes, es->outcomes, sizeof(st.outcomes));
	st.version = VERSION;
	if ((f = open_memstream(&text, &len)) == NULL)
		fatal("open_memstream");
	prom_write(f, d->snap, &st);
	if (fclose(f) != 0)
		fatal("open_memstream");
	return (text);
}

/* The caps, each a counter that moves when an input meets it. */
static const struct {
	const char	*what;
	const char	*key;
} stats_caps[] = {
	{ "events named a new agent past", "metrics.max_agents" },
	{ "events named a new team past", "metrics.max_teams" },
	{ "message ids were not remembered past", "metrics.max_message_ids" },
	{ "entries were dead-lettered as too_large past",
	  "ingest.max_entry_kb" },
	{ "entries were dead-lettered as reorder_full past",
	  "ingest.max_reorder" }
};
#define STATS_NCAPS	(sizeof(stats_caps) / sizeof(stats_caps[0]))

#define STATS_CAPS_EVERY	60000	/* ms between two warnings of a cap */

/*
 * Called at each publish tick: one warning for each cap met since its
 * last warning, at most one a minute, saying how many times and in all.
 */
void
stats_caps_log(const struct daemon *d, int64_t mono)
{
	static uint64_t			 last[STATS_NCAPS];
	static int64_t			 said[STATS_NCAPS];
	const struct engine_stats	*st = engine_stats(d->e);
	uint64_t			 now[STATS_NCAPS];
	size_t				 i;

	now[0] = st->agents_refused;
	now[1] = st->teams_refused;
	now[2] = st->message_ids_refused;
	now[3] = st->reasons[REASON_TOO_LARGE];
	now[4] = st->reasons[REASON_REORDER_FULL];
	for (i = 0; i < STATS_NCAPS; i++) {
		if (now[i] == last[i] || (said[i] != 0 &&
		    mono - said[i] < STATS_CAPS_EVERY))
			continue;
		said[i] = mono;
		log_warnx("cap: %llu %s %s (%llu in all)",
		    (unsigned long long)(now[i] - last[i]), stats_caps[i].what,
		    stats_caps[i].key, (unsigned long long)now[i]);
		last[i] = now[i];
	}
}

/* One line of counters, when they moved-> */
void
stats_log(const struct daemon *d)
{
	static uint64_t			 last_read = UINT64_MAX;
	const struct engine_stats	*st = engine_stats(d->e);
	const struct outbox_stats	*os = outbox_stats(d->ob);

	if (st->read == last_read)
		return;
	last_read = st->read;
	log_info("counters: read %llu, applied %llu, dead-lettered %llu "
	    "(late %llu), duplicates %llu, outcomes %llu, conversations "
	    "%zu, writes %llu, write errors %llu, reconnects %llu",
	    (unsigned long long)st->read, (unsigned long long)st->applied,
	    (unsigned long long)st->refused,
	    (unsigned long long)st->reasons[REASON_LATE],
	    (unsigned long long)st->duplicates,
	    (unsigned long long)d->out->written, engine_conversations(d->e),
	    (unsigned long long)os->written, (unsigned long long)os->errors,
	    (unsigned long long)redis_reconnects(d->r));
}
