/*
 * Routing and authorization of HTTP requests: the Host must be ours, the
 * path picks a route, only GET and HEAD are served, and with http.tokens
 * set every route but the health checks wants one of them, as
 * "Authorization: Bearer" or, on the page and /events, "?token=".
 */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "route.h"

static const struct {
	const char	*path;
	int		 auth;
	int		 query;
} route_defs[ROUTE_COUNT] = {
#define ROUTE_DEF(id, path, auth, query) { path, auth, query },
	ROUTE_TABLE(ROUTE_DEF)
#undef ROUTE_DEF
};

const char *
route_path(enum route_id id)
{
	return (route_defs[id].path);
}

/*
 * Finds a candidate among the tokens.  Every token is compared in full,
 * each over its whole padded size, with no early exit, so that the time
 * tells neither which bytes nor how many matched, nor the lengths.
 * Returns the index of the token, or -1.
 */
static int
route_token_find(const char *cand, size_t clen,
    const struct route_token *tokens, size_t ntokens)
{
	unsigned char	 pad[ROUTE_TOKEN_MAX], diff;
	size_t		 i, j, n;
	int		 found = -1;

	n = clen > ROUTE_TOKEN_MAX ? ROUTE_TOKEN_MAX : clen;
	memset(pad, 0, sizeof(pad));
	memcpy(pad, cand, n);
	for (i = 0; i < ntokens; i++) {
		diff = (unsigned char)(clen != tokens[i].len);
		for (j = 0; j < ROUTE_TOKEN_MAX; j++)
			diff |= pad[j] ^ tokens[i].secret[j];
		found = diff == 0 ? (int)i : found;
	}
	return (found);
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

/*
 * The token the request carries, in its Authorization header or, where
 * the route takes it, in its query: its index, or -1.
 */
static int
route_authorized(const char *query, int use_query,
    const char *authorization, const struct route_token *tokens,
    size_t ntokens)
{
	char	 buf[ROUTE_TOKEN_MAX + 2];
	int	 n, t = -1;

	if (authorization != NULL &&
	    strncasecmp(authorization, "Bearer ", 7) == 0) {
		authorization += 7;
		while (*authorization == ' ')
			authorization++;
		t = route_token_find(authorization, strlen(authorization),
		    tokens, ntokens);
	}
	if (t == -1 && use_query && query != NULL &&
	    (n = route_query_token(query, buf, sizeof(buf))) >= 0)
		t = route_token_find(buf, (size_t)n, tokens, ntokens);
	return (t);
}

/*
 * Decides a request from its method, its target ("/path?query"), its
 * Authorization header (or NULL) and the configured tokens (none: every
 * route is open).  Returns 200 with *id set and *tok the index of the
 * token it brought (-1: none needed), or the status to refuse it with:
 * 400, 401, 404, 405 or 414.
 */
int
route_decide(enum route_method method, const char *uri,
    const char *authorization, const struct route_token *tokens,
    size_t ntokens, enum route_id *id, int *tok)
{
	const char	*query;
	size_t		 plen, ulen;
	int		 i;

	*tok = -1;
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
	if (route_defs[i].auth && ntokens > 0 &&
	    (*tok = route_authorized(query, route_defs[i].query,
	    authorization, tokens, ntokens)) == -1)
		return (401);
	*id = (enum route_id)i;
	return (200);
}

/*
 * Whether name (length len) is one of the names a Host may give: ours,
 * localhost and the loopback addresses, none of which a DNS name can be
 * made to stand for.
 */
static int
route_host_ours(const char *name, size_t len, const char *listen_host)
{
	static const char *const loop[] = { "localhost", "127.0.0.1",
	    "[::1]" };
	size_t		 i, hlen;

	for (i = 0; i < sizeof(loop) / sizeof(loop[0]); i++)
		if (strlen(loop[i]) == len && strncasecmp(name, loop[i],
		    len) == 0)
			return (1);
	if (listen_host == NULL)
		return (0);
	hlen = strlen(listen_host);
	if (strchr(listen_host, ':') != NULL)	/* IPv6: in brackets */
		return (len == hlen + 2 && name[0] == '[' &&
		    name[len - 1] == ']' &&
		    strncasecmp(name + 1, listen_host, hlen) == 0);
	return (len == hlen && strncasecmp(name, listen_host, len) == 0);
}

/*
 * Decides a request's Host header (NULL: none was sent) against the
 * listen host, the port served and http.allowed_hosts.  A name of ours
 * is taken with our port or none; an allowed "host" likewise, and an
 * allowed "host:port" as written.  No Host at all comes from no
 * browser, and so from no DNS rebinding: it is taken.
 */
int
route_host_allowed(const char *host, const char *listen_host, int port,
    char *const *allowed, size_t nallowed)
{
	const char	*colon, *rbr;
	size_t		 nlen, i;
	int		 hport = -1;

	if (host == NULL)
		return (1);
	rbr = host[0] == '[' ? strchr(host, ']') : NULL;
	colon = strrchr(rbr != NULL ? rbr : host, ':');
	if (host[0] != '[' && colon != NULL && strchr(host, ':') != colon)
		return (0);	/* IPv6 without brackets */
	nlen = colon != NULL ? (size_t)(colon - host) : strlen(host);
	if (colon != NULL) {
		if (colon[1] == '\0' || strlen(colon + 1) > 5 ||
		    strspn(colon + 1, "0123456789") != strlen(colon + 1))
			return (0);
		hport = atoi(colon + 1);
	}
	if (nlen == 0)
		return (0);
	for (i = 0; i < nallowed; i++) {
		if (strcasecmp(host, allowed[i]) == 0)
			return (1);
		if (strlen(allowed[i]) == nlen &&
		    strncasecmp(host, allowed[i], nlen) == 0 &&
		    hport == port)
			return (1);
	}
	return (route_host_ours(host, nlen, listen_host) &&
	    (hport == -1 || hport == port));
}
