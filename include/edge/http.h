/*
 * The HTTP face (replytimed(8), HTTP): evhttp on http.listen serving the
 * snapshot, the firing alerts, /metrics, the health checks, the
 * wallboard page and its Server-Sent Events stream.
 */
#ifndef HTTP_H
#define HTTP_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct event_base;
struct http;
struct route_token;

/* What the server asks its owner for; texts are malloc'd, NUL-ended. */
struct http_hooks {
	char	*(*metrics)(void *);
	char	*(*alerts)(void *);
	int	 (*ready)(void *, const char **);
	void	*arg;
};

struct http_stats {
	uint64_t	 requests;
	uint64_t	 refused;	/* 4xx and 503 */
	uint64_t	 dropped;	/* of those, dropped as too slow */
	size_t		 clients;	/* /events streams now */
	size_t		 conns;		/* connections open now */
	uint64_t	 conns_refused;	/* over http.max_connections */
	uint64_t	 cache_builds;	/* of the alerts answer */
};

struct http	*http_new(struct event_base *, const struct conf *,
		    const struct http_hooks *, const char **);
void		 http_free(struct http *);
int		 http_port(const struct http *);
void		 http_snapshot(struct http *, const char *, size_t);
void		 http_alert(struct http *, const char *, size_t);
void		 http_set_access(struct http *, const struct conf *,
		    struct route_token *, size_t);
const struct http_stats *http_stats(const struct http *);

#endif
