/*
 * The engine: chat events in, response-time outcomes and windows out
 * (CONTRACT sections 1 to 4).  It never reads a clock or does I/O: the
 * caller passes the wall clock with every call.
 */
#ifndef ENGINE_H
#define ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "conv.h"
#include "entry.h"
#include "reorder.h"
#include "scope.h"

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
	X(closed, "conversations closed")

struct engine_stats {
#define STAT_FIELD(name, help) uint64_t name;
	ENGINE_STATS(STAT_FIELD)
#undef STAT_FIELD
	uint64_t	 reasons[REASON_COUNT];
	uint64_t	 outcomes[OUTCOME_COUNT];
};

/* A wait threshold the clock watches: the targets, later alert rules. */
enum threshold_kind {
	THRESHOLD_FRT,		/* first-response target */
	THRESHOLD_WITHIN,	/* response-within target */
	THRESHOLD_ALERT		/* a conversation alert rule */
};

/* The targets' thresholds come first; their bits in conv->passed: */
#define THR_FRT		0
#define THR_WITHIN	1

#define ENGINE_MAX_THRESHOLDS	30
/* conv->passed bits of the built-in overdue alerts, past the thresholds */
#define BIT_FRT_OVERDUE		30
#define BIT_WITHIN_OVERDUE	31

struct threshold {
	enum threshold_kind	 kind;
	int64_t			 after;		/* ms after the wait starts */
	int			 first_only;
	struct conv		*cursor;	/* first wait not yet passed */
	char			*rule;		/* alerts: name, severity, */
	char			*severity;	/* the engine's own copies */
};

struct engine {
	/* Parameters, from the config. */
	int64_t			 lateness;
	int64_t			 max_future;
	int64_t			 ttl;
	size_t			 max_convs;
	int			 exclude_bot;
	int64_t			 frt_ms;
	int64_t			 within_ms;

	/* Time. */
	int64_t			 clock;		/* ENGINE_NO_CLOCK at first */
	int64_t			 stamp;		/* of the last thing applied */
	int64_t			 max_ts;	/* largest ts accepted */
	int64_t			 gc_at;
	uint64_t		 seq;

	struct reorder		 reorder;
	struct convs		 convs;
	struct scopes		 scopes;
	struct conv		*wait_head;	/* open waits by start */
	struct conv		*wait_tail;
	struct threshold	 thr[ENGINE_MAX_THRESHOLDS];
	struct threshold	 overdue[2];	/* built in: ride on the targets */
	int			 nthr;
	int64_t			 thr_lb;	/* no threshold falls before */

	struct alerts		*alerts;
	int64_t			 eval_at;	/* next alert evaluation */

	engine_sink		 sink;
	void			*sink_arg;
	struct engine_stats	 stats;
};

#define ENGINE_NO_CLOCK	INT64_MIN

/* Conversation alert rules of the config follow the two targets. */
#define THR_ALERTS	2

struct engine	*engine_new(const struct conf *);
void		 engine_free(struct engine *);
void		 engine_set_sink(struct engine *, engine_sink, void *);
void		 engine_set_targets(struct engine *, const struct conf *);
void		 engine_set_rules(struct engine *, const struct conf *);
enum reason	 engine_read(struct engine *, const char *,
		    const struct entry_field *, size_t, int64_t);
void		 engine_advance(struct engine *, int64_t, int);
struct json_t;
struct json_t	*engine_alerts_firing(const struct engine *);

#endif
