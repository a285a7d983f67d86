/*
 * The engine's state, for the core modules that read it (the snapshot)
 * and for white-box tests.  The edge sees only engine.h: make layering
 * checks that no edge file includes this one.
 */
#ifndef ENGINE_IMPL_H
#define ENGINE_IMPL_H

#include "conv.h"
#include "engine.h"
#include "reorder.h"
#include "scope.h"

/* A wait threshold the clock watches: the targets, later alert rules. */
enum threshold_kind {
	THRESHOLD_FRT,		/* first-response target */
	THRESHOLD_WITHIN,	/* response-within target */
	THRESHOLD_ALERT		/* a conversation alert rule */
};

/* The targets' thresholds come first; their bits in conv->passed: */
#define THR_FRT		0
#define THR_WITHIN	1

/*
 * The built-in conversation alerts: name, severity, and the target whose
 * threshold each rides on.  Another is one line here.
 */
#define OVERDUE_TABLE(X)						\
	X(FRT, "first_response_overdue", "warning", THR_FRT)		\
	X(WITHIN, "response_overdue", "critical", THR_WITHIN)

enum overdue {
#define OVERDUE_ENUM(id, name, severity, target) OVERDUE_##id,
	OVERDUE_TABLE(OVERDUE_ENUM)
#undef OVERDUE_ENUM
	OVERDUE_COUNT
};

/* conv->passed: the thresholds' bits, then the built-in alerts' */
#define ENGINE_MAX_THRESHOLDS	(CONV_PASSED_BITS - OVERDUE_COUNT)
#define BIT_OVERDUE(i)		(ENGINE_MAX_THRESHOLDS + (i))

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
	size_t			 max_entry;	/* bytes of an entry's fields */
	size_t			 max_reorder;	/* events waiting */

	/* Time. */
	int64_t			 clock;		/* ENGINE_NO_CLOCK at first */
	int64_t			 stamp;		/* of the last thing applied */
	int64_t			 mark;		/* largest min(ts, ID ms) */
	int64_t			 gc_at;		/* stamps: see engine_gc */
	int64_t			 capgc_at;
	uint64_t		 seq;

	struct reorder		 reorder;
	struct convs		 convs;
	struct scopes		 scopes;
	struct conv_list	 waits;		/* open waits by start */
	struct threshold	 thr[ENGINE_MAX_THRESHOLDS];
	struct threshold	 overdue[OVERDUE_COUNT]; /* ride on targets */
	int			 nthr;
	int64_t			 thr_lb;	/* no threshold falls before */

	struct alerts		*alerts;
	int64_t			 eval_at;	/* next alert evaluation */

	engine_sink		 sink;
	void			*sink_arg;
	struct engine_stats	 stats;
};

/* Conversation alert rules of the config follow the two targets. */
#define THR_ALERTS	2

#endif
