/*
 * The METRICS fields of a window (replytimed(8)), described once.
 * Adding a metric is one line here plus its computation in window.c.
 */
#ifndef METRICS_H
#define METRICS_H

enum metric_kind {
	METRIC_KIND_COUNT,	/* integer count */
	METRIC_KIND_SECONDS,	/* seconds, null without samples */
	METRIC_KIND_RATIO	/* 0..1, null without samples */
};

/* X(enum suffix, JSON name, kind, help text) */
#define METRICS_TABLE(X)						\
	X(RESPONSES, "responses", COUNT,				\
	    "Responses to customer waits")				\
	X(FIRST_RESPONSES, "first_responses", COUNT,			\
	    "Responses that closed a conversation's first wait")	\
	X(FRT_AVG, "frt_avg_s", SECONDS,				\
	    "Average first-response time")				\
	X(FRT_P50, "frt_p50_s", SECONDS,				\
	    "Median first-response time")				\
	X(FRT_P90, "frt_p90_s", SECONDS,				\
	    "90th percentile first-response time")			\
	X(FRT_MAX, "frt_max_s", SECONDS,				\
	    "Longest first-response time")				\
	X(FRT_WITHIN, "frt_within", COUNT,				\
	    "First waits answered within the first-response target")	\
	X(FRT_BREACHED, "frt_breached", COUNT,				\
	    "First waits that passed the first-response target")	\
	X(FRT_RATE, "frt_rate", RATIO,					\
	    "Share of first waits answered within target")		\
	X(ART_AVG, "art_avg_s", SECONDS,				\
	    "Average response time")					\
	X(ART_P50, "art_p50_s", SECONDS,				\
	    "Median response time")					\
	X(ART_P90, "art_p90_s", SECONDS,				\
	    "90th percentile response time")				\
	X(ART_P99, "art_p99_s", SECONDS,				\
	    "99th percentile response time")				\
	X(ART_MAX, "art_max_s", SECONDS,				\
	    "Longest response time")					\
	X(WITHIN, "within", COUNT,					\
	    "Waits answered within the response target")		\
	X(MISSED, "missed", COUNT,					\
	    "Waits that passed the response target unanswered")		\
	X(RATE, "rate", RATIO,						\
	    "Share of waits answered within the response target")	\
	X(UNANSWERED, "unanswered", COUNT,				\
	    "Waits that ended with no response")

enum metric_id {
#define METRIC_ENUM(id, name, kind, help) METRIC_##id,
	METRICS_TABLE(METRIC_ENUM)
#undef METRIC_ENUM
	METRIC_COUNT
};

struct metric_def {
	const char		*name;
	enum metric_kind	 kind;
	const char		*help;
};

extern const struct metric_def metric_defs[METRIC_COUNT];

/* Returns the metric's id, or -1 for an unknown name. */
int	metric_find(const char *);

#endif
