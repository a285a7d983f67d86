/*
 * The HTTP routes (replytimed(8), HTTP) and the decision on a request:
 * which route it asks for, or the status that refuses it.  Pure, so
 * that it is tested and fuzzed without a socket.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>

/*
 * X(enum suffix, path, needs a token, takes it as "?token=" too): only
 * what EventSource and a browser's address bar open takes the query.
 */
#define ROUTE_TABLE(X)							\
	X(PAGE, "/", 1, 1)						\
	X(METRICS, "/metrics", 1, 0)					\
	X(SNAPSHOT, "/api/v1/snapshot", 1, 0)				\
	X(ALERTS, "/api/v1/alerts", 1, 0)				\
	X(HEALTHZ, "/healthz", 0, 0)					\
	X(READYZ, "/readyz", 0, 0)					\
	X(EVENTS, "/events", 1, 1)

enum route_id {
#define ROUTE_ENUM(id, path, auth, query) ROUTE_##id,
	ROUTE_TABLE(ROUTE_ENUM)
#undef ROUTE_ENUM
	ROUTE_COUNT
};

#define ROUTE_URI_MAX	2048	/* longer request targets: 414 */
#define ROUTE_TOKEN_MIN	16	/* bytes of a token, at least */
#define ROUTE_TOKEN_MAX	256	/* and at most */
#define ROUTE_NAME_MAX	64	/* a token's name */

enum route_method {
	ROUTE_GET,
	ROUTE_HEAD,
	ROUTE_OTHER
};

/*
 * One configured token: its secret zero-padded to a fixed size, so that
 * comparing it takes the same time whatever its length.
 */
struct route_token {
	char		 name[ROUTE_NAME_MAX + 1];
	int		 role;		/* enum http_role */
	size_t		 len;
	unsigned char	 secret[ROUTE_TOKEN_MAX];
};

int		 route_decide(enum route_method, const char *, const char *,
		    const struct route_token *, size_t, enum route_id *,
		    int *);
int		 route_host_allowed(const char *, const char *, int,
		    char *const *, size_t);
const char	*route_path(enum route_id);

#endif
