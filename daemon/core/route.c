/*
 * Routing and authorization of HTTP requests: the path picks a route,
 * only GET and HEAD are served, and with http.token set every route but
 * /healthz wants it, as "Authorization: Bearer" or "?token=".
 */

#include <string.h>
#include <strings.h>

#include "route.h"

static const struct {
	const char	*path;
	int		 auth;
} route_defs[ROUTE_COUNT] = {
#define ROUTE_DEF(id, path, auth) { path, auth },
	ROUTE_TABLE(ROUTE_DEF)
#undef ROUTE_DEF
};

const char *
route_path(enum route_id id)
{
	return (route_defs[id].path);
}

/* Compares in time that depends on the lengths only, not the bytes. */
static int
route_token_equal(const char *a, size_t alen, const char *b)
{
	size_t		 blen = strlen(b), i;
	unsigned char	 diff = 0;

	if (alen != blen)
		return (0);
	for (i = 0; i < alen; i++)
		diff |= (unsigned char)a[i] ^ (unsigned char)b[i];
	return (diff == 0);
}

static int
route_hex(int c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/*
 * Finds "token=" in a query string and percent-decodes its value into
 * buf.  Returns the length, or -1 if absent, too long or malformed.
 */
static int
route_query_token(const char *q, char *buf, size_t size)
{
	const char	*p, *end;
	size_t		 n = 0;
	int		 hi, lo;

	for (p = q; p != NULL && *p != '\0'; p = strchr(p, '&')) {
		if (*p == '&')
			p++;
		if (strncmp(p, "token=", 6) != 0)
			continue;
		p += 6;
		end = p + strcspn(p, "&#");
		for (; p < end; p++) {
			if (n + 1 >= size)
				return (-1);
			if (*p == '+')
				buf[n++] = ' ';
			else if (*p != '%')
				buf[n++] = *p;
			else {
				if (end - p < 3 || (hi = route_hex(p[1])) < 0 ||
				    (lo = route_hex(p[2])) < 0)
					return (-1);
				buf[n++] = (char)(hi << 4 | lo);
				p += 2;
			}
		}
		buf[n] = '\0';
		return ((int)n);
	}
	return (-1);
}

/* Whether the request carries the token, in its header or its query. */
static int
route_authorized(const char *query, const char *authorization,
    const char *token)
{
	char	 buf[ROUTE_TOKEN_MAX + 1];
	int	 n;

	if (authorization != NULL &&
	    strncasecmp(authorization, "Bearer ", 7) == 0) {
		authorization += 7;
		while (*authorization == ' ')
			authorization++;
		if (route_token_equal(authorization, strlen(authorization),
		    token))
			return (1);
	}
	if (query != NULL &&
	    (n = route_query_token(query, buf, sizeof(buf))) >= 0 &&
	    route_token_equal(buf, (size_t)n, token))
		return (1);
	return (0);
}

/*
 * Decides a request from its method, its target ("/path?query"), its
 * Authorization header (or NULL) and the configured token ("" for none).
 * Returns 200 with *id set, or the status to refuse it with: 400, 401,
 * 404, 405 or 414.
 */
int
route_decide(enum route_method method, const char *uri,
    const char *authorization, const char *token, enum route_id *id)
{
	const char	*query;
	size_t		 plen, ulen;
	int		 i;

	if (uri == NULL || *uri != '/')
		return (400);
	if ((ulen = strlen(uri)) > ROUTE_URI_MAX)
		return (414);
	query = strchr(uri, '?');
	plen = query != NULL ? (size_t)(query - uri) : ulen;
	if (query != NULL)
		query++;
	for (i = 0; i < ROUTE_COUNT; i++) {
		if (strlen(route_defs[i].path) == plen &&
		    memcmp(route_defs[i].path, uri, plen) == 0)
			break;
	}
	if (i == ROUTE_COUNT)
		return (404);
	if (method == ROUTE_OTHER)
		return (405);
	if (route_defs[i].auth && *token != '\0' &&
	    !route_authorized(query, authorization, token))
		return (401);
	*id = (enum route_id)i;
	return (200);
}
