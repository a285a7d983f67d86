/*
 * The engine: chat events in, response-time outcomes and windows out
 * (replytimed(8), METRIC DEFINITIONS).  It never reads a clock or does
 * I/O: the caller passes the wall clock with every call.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "entry.h"

#define OUTCOME_TABLE(X)						\
	X(RESPONSE, "response")						\
	X(MISSED, "missed")						\
	X(FRT_BREACHED, "frt_breached")					\
	X(UNANSWERED, "unanswered")

enum outcome_kind {
#define OUTCOME_ENUM(id, name) OUTCOME_##id,
	OUTCOME_TABLE(OUTCOME_ENUM)
#undef OUTCOME_ENUM
	OUTCOME_COUNT
};

extern const char *const outcome_names[OUTCOME_COUNT];

/* One outcome, valid only during the sink call. */
struct outcome {
	enum outcome_kind	 kind;
	const char		*conv;
	const char		*agent;		/* NULL: no agent */
	const char		*team;		/* NULL: no team */
	int			 first;
	int64_t			 wait_ms;
	int64_t			 ts;		/* its stamp */
};

typedef void (*engine_sink)(const struct outcome *, void *);

/* Counters, described once. */
#define ENGINE_STATS(X)							\
	X(read, "entries read")						\
	X(accepted, "entries accepted into the reorder buffer")		\
	X(refused, "entries refused (dead-lettered)")			\
	X(applied, "events applied")					\
	X(duplicates, "duplicate messages ignored")			\
	X(expired, "conversations forgotten after their TTL")		\
	X(evicted, "conversations evicted at max_conversations")	\
	X(closed, "conversations closed")				\
	X(agents_refused, "agents given no scope: metrics.max_agents")	\
	X(teams_refused, "teams given no scope: metrics.max_teams")	\
	X(message_ids_refused,						\
	    "message ids not remembered: metrics.max_message_ids")

struct engine_stats {
#define STAT_FIELD(name, help) uint64_t name;
	ENGINE_STATS(STAT_FIELD)
#undef STAT_FIELD
	uint64_t	 reasons[REASON_COUNT];
	uint64_t	 outcomes[OUTCOME_COUNT];
};

struct engine;
struct alert_list;

#define ENGINE_NO_CLOCK	INT64_MIN

struct engine	*engine_new(const struct conf *);
void		 engine_free(struct engine *);
void		 engine_set_sink(struct engine *, engine_sink, void *);
void		 engine_set_targets(struct engine *, const struct conf *);
void		 engine_set_rules(struct engine *, const struct conf *);
enum reason	 engine_read(struct engine *, const char *,
		    const struct entry_field *, size_t, int64_t);
void		 engine_advance(struct engine *, int64_t, int);
void		 engine_alerts_firing(const struct engine *,
		    struct alert_list *);

size_t		 engine_conversations(const struct engine *);
const struct engine_stats *engine_stats(const struct engine *);
struct alerts	*engine_alerts(const struct engine *);

#endif
