/*
 * The HTTP routes (replytimed(8), HTTP) and the decision on a request:
 * which route it asks for, or the status that refuses it.  Pure, so
 * that it is tested and fuzzed without a socket.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>

/* X(enum suffix, path, needs the token) */
#define ROUTE_TABLE(X)							\
	X(PAGE, "/", 1)							\
	X(METRICS, "/metrics", 1)					\
	X(SNAPSHOT, "/api/v1/snapshot", 1)				\
	X(ALERTS, "/api/v1/alerts", 1)					\
	X(HEALTHZ, "/healthz", 0)					\
	X(READYZ, "/readyz", 1)						\
	X(EVENTS, "/events", 1)

enum route_id {
#define ROUTE_ENUM(id, path, auth) ROUTE_##id,
	ROUTE_TABLE(ROUTE_ENUM)
#undef ROUTE_ENUM
	ROUTE_COUNT
};

#define ROUTE_URI_MAX	2048	/* longer request targets: 414 */
#define ROUTE_TOKEN_MAX	512

enum route_method {
	ROUTE_GET,
	ROUTE_HEAD,
	ROUTE_OTHER
};

int		 route_decide(enum route_method, const char *, const char *,
		    const char *, enum route_id *);
const char	*route_path(enum route_id);

#endif
