/*
 * /metrics: the Prometheus text format (0.0.4) of the latest snapshot
 * and of the daemon's counters.  Pure: it writes to a stdio stream.
 */
#ifndef PROM_H
#define PROM_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "engine.h"
#include "entry.h"

/* X(field, metric name, type, help): one number each, described once. */
#define PROM_SCALARS(X)							\
	X(read, "replytimed_entries_read_total", counter,		\
	    "Stream entries read, the rebuild included")		\
	X(applied, "replytimed_events_applied_total", counter,		\
	    "Events applied to the metrics")				\
	X(late, "replytimed_late_entries_total", counter,		\
	    "Entries dead-lettered because they arrived late")		\
	X(duplicates, "replytimed_duplicates_total", counter,		\
	    "Messages ignored as duplicates of a message_id")		\
	X(agents_refused, "replytimed_agents_refused_total", counter,	\
	    "Events whose new agent got no scope: metrics.max_agents")	\
	X(teams_refused, "replytimed_teams_refused_total", counter,	\
	    "Events whose new team got no scope: metrics.max_teams")	\
	X(message_ids_refused, "replytimed_message_ids_refused_total",	\
	    counter, "Message ids not remembered: metrics.max_message_ids")\
	X(alert_transitions, "replytimed_alert_transitions_total",	\
	    counter, "Alert transitions (firing or resolved)")		\
	X(reconnects, "replytimed_redis_reconnects_total", counter,	\
	    "Reconnections to Redis")					\
	X(write_errors, "replytimed_redis_write_errors_total", counter,\
	    "Writes to Redis answered with an error")			\
	X(writes_deferred, "replytimed_redis_writes_deferred_total",	\
	    counter, "Writes refused for now by Redis, and sent again")	\
	X(writes_held, "replytimed_writes_held", gauge,			\
	    "1 while a write Redis refused is held and reading paused")	\
	X(write_holds, "replytimed_writes_held_total", counter,		\
	    "Incidents of a write refused by Redis and held")		\
	X(outbox_bytes, "replytimed_outbox_bytes", gauge,		\
	    "Bytes of writes not yet answered by Redis")		\
	X(outbox_pauses, "replytimed_outbox_pauses_total", counter,	\
	    "Times reading paused for the writes not yet answered")	\
	X(lag_s, "replytimed_consumer_lag_seconds", gauge,		\
	    "How far reading trails the head of the stream")		\
	X(caught_up, "replytimed_caught_up", gauge,			\
	    "1 once reading has reached the head of the stream")	\
	X(redis_up, "replytimed_redis_up", gauge,			\
	    "1 while connected to Redis")				\
	X(conversations, "replytimed_conversations", gauge,		\
	    "Conversations held in memory")				\
	X(alerts_firing, "replytimed_alerts_firing", gauge,		\
	    "Alerts firing now")					\
	X(sse_clients, "replytimed_event_streams", gauge,		\
	    "Clients connected to /events")				\
	X(sse_dropped, "replytimed_event_streams_dropped_total", counter,	\
	    "Event streams dropped for falling behind")			\
	X(http_requests, "replytimed_http_requests_total", counter,	\
	    "HTTP requests served or refused")				\
	X(http_refused, "replytimed_http_refused_total", counter,	\
	    "HTTP requests refused (4xx, 503)")				\
	X(http_connections, "replytimed_http_connections", gauge,	\
	    "HTTP connections open")					\
	X(http_conns_refused, "replytimed_http_connections_refused_total",\
	    counter, "HTTP connections closed over http.max_connections")\
	X(http_cache_builds, "replytimed_http_cache_builds_total", counter,\
	    "Builds of the alerts answer, at most one per publish")	\
	X(loop_stall_max_s, "replytimed_loop_stall_max_seconds", gauge,	\
	    "The longest the event loop came late to its publish tick")	\
	X(start_time_s, "process_start_time_seconds", gauge,		\
	    "Start time of the process since the Unix epoch")

struct prom_stats {
#define PROM_FIELD(field, name, type, help) double field;
	PROM_SCALARS(PROM_FIELD)
#undef PROM_FIELD
	uint64_t	 dead[REASON_COUNT];
	uint64_t	 outcomes[OUTCOME_COUNT];
	const char	*version;
};

void	prom_write(FILE *, json_t *, const struct prom_stats *);

#endif
