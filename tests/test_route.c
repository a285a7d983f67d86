/* Tests of the HTTP request decision: Host, paths, methods and tokens. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "prng.h"
#include "route.h"

/* route_decide with one token (token "" for none), as the tables give. */
static int
rt_decide(enum route_method m, const char *uri, const char *auth,
    const char *token, enum route_id *id)
{
	struct route_token	 t;
	int			 tok;

	memset(&t, 0, sizeof(t));
	snprintf(t.name, sizeof(t.name), "t");
	t.len = strlen(token);
	memcpy(t.secret, token, t.len);
	return (route_decide(m, uri, auth, &t, *token != '\0' ? 1 : 0, id,
	    &tok));
}

struct route_case {
	enum route_method	 method;
	const char		*uri;
	const char		*auth;
	const char		*token;
	int			 code;
	enum route_id		 id;
};

static const struct route_case route_cases[] = {
	{ ROUTE_GET, "/", NULL, "", 200, ROUTE_PAGE },
	{ ROUTE_GET, "/?window=300", NULL, "", 200, ROUTE_PAGE },
	{ ROUTE_HEAD, "/", NULL, "", 200, ROUTE_PAGE },
	{ ROUTE_GET, "/metrics", NULL, "", 200, ROUTE_METRICS },
	{ ROUTE_GET, "/api/v1/snapshot", NULL, "", 200, ROUTE_SNAPSHOT },
	{ ROUTE_GET, "/api/v1/alerts", NULL, "", 200, ROUTE_ALERTS },
	{ ROUTE_GET, "/healthz", NULL, "", 200, ROUTE_HEALTHZ },
	{ ROUTE_GET, "/readyz", NULL, "", 200, ROUTE_READYZ },
	{ ROUTE_GET, "/events", NULL, "", 200, ROUTE_EVENTS },
	{ ROUTE_HEAD, "/events", NULL, "", 200, ROUTE_EVENTS },

	{ ROUTE_GET, "/nope", NULL, "", 404, 0 },
	{ ROUTE_GET, "/metrics/", NULL, "", 404, 0 },
	{ ROUTE_GET, "/api/v1/snapshotx", NULL, "", 404, 0 },
	{ ROUTE_GET, "/api/v1", NULL, "", 404, 0 },
	{ ROUTE_GET, "//", NULL, "", 404, 0 },
	{ ROUTE_GET, "/../etc/passwd", NULL, "", 404, 0 },
	{ ROUTE_GET, "/%6detrics", NULL, "", 404, 0 },
	{ ROUTE_GET, "", NULL, "", 400, 0 },
	{ ROUTE_GET, "metrics", NULL, "", 400, 0 },
	{ ROUTE_GET, "http://x/metrics", NULL, "", 400, 0 },
	{ ROUTE_GET, NULL, NULL, "", 400, 0 },

	{ ROUTE_OTHER, "/metrics", NULL, "", 405, 0 },
	{ ROUTE_OTHER, "/", NULL, "", 405, 0 },
	{ ROUTE_OTHER, "/nope", NULL, "", 404, 0 },

	{ ROUTE_GET, "/metrics", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/events", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/healthz", NULL, "s3", 200, ROUTE_HEALTHZ },
	{ ROUTE_GET, "/readyz", NULL, "s3", 200, ROUTE_READYZ },
	{ ROUTE_HEAD, "/readyz", NULL, "s3", 200, ROUTE_READYZ },
	{ ROUTE_GET, "/api/v1/snapshot", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/api/v1/alerts", NULL, "s3", 401, 0 },
	/* the query carries a token to the page and /events only */
	{ ROUTE_GET, "/metrics?token=s3", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/api/v1/snapshot?token=s3", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/api/v1/alerts?token=s3", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/api/v1/alerts?token=s3", "Bearer s3", "s3", 200,
	    ROUTE_ALERTS },
	{ ROUTE_GET, "/metrics", "Bearer s3", "s3", 200, ROUTE_METRICS },
	{ ROUTE_GET, "/metrics", "bearer  s3", "s3", 200, ROUTE_METRICS },
	{ ROUTE_GET, "/metrics", "Bearer s4", "s3", 401, 0 },
	{ ROUTE_GET, "/metrics", "Bearer s", "s3", 401, 0 },
	{ ROUTE_GET, "/metrics", "Bearer s33", "s3", 401, 0 },
	{ ROUTE_GET, "/metrics", "Basic czM=", "s3", 401, 0 },
	{ ROUTE_GET, "/metrics", "s3", "s3", 401, 0 },
	{ ROUTE_GET, "/events?token=s3", NULL, "s3", 200, ROUTE_EVENTS },
	{ ROUTE_GET, "/?token=s3", NULL, "s3", 200, ROUTE_PAGE },
	{ ROUTE_GET, "/?window=3600&token=s3", NULL, "s3", 200, ROUTE_PAGE },
	{ ROUTE_GET, "/?token=s3&window=3600", NULL, "s3", 200, ROUTE_PAGE },
	{ ROUTE_GET, "/?token=s%33", NULL, "s3", 200, ROUTE_PAGE },
	{ ROUTE_GET, "/?token=a+b", NULL, "a b", 200, ROUTE_PAGE },
	{ ROUTE_GET, "/?token=a%2Bb%25", NULL, "a+b%", 200, ROUTE_PAGE },
	{ ROUTE_GET, "/?token=s3x", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/?token=", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/?token", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/?xtoken=s3", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/?token=%zz", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/?token=s%3", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/?token=%", NULL, "s3", 401, 0 },
	{ ROUTE_GET, "/metrics", "Bearer wrong", "s3", 401, 0 },
	{ ROUTE_GET, "/events?token=s3", "Bearer wrong", "s3", 200,
	    ROUTE_EVENTS },
	{ ROUTE_GET, "/metrics?token=s3", "Bearer wrong", "s3", 401, 0 },
	/* a method is judged before the token: no hint either way */
	{ ROUTE_OTHER, "/metrics", NULL, "s3", 405, 0 },
};

Test(route, table)
{
	const struct route_case	*c;
	enum route_id		 id;
	size_t			 i;
	int			 code;

	for (i = 0; i < sizeof(route_cases) / sizeof(route_cases[0]); i++) {
		c = &route_cases[i];
		id = ROUTE_COUNT;
		code = rt_decide(c->method, c->uri, c->auth, c->token, &id);
		cr_expect_eq(code, c->code, "case %zu (%s): %d, not %d", i,
		    c->uri != NULL ? c->uri : "NULL", code, c->code);
		if (c->code == 200)
			cr_expect_eq(id, c->id, "case %zu (%s): route %d, not %d",
			    i, c->uri, id, c->id);
	}
}

Test(route, uri_too_long)
{
	enum route_id	 id;
	char		*uri;

	uri = malloc(ROUTE_URI_MAX + 2);
	memset(uri, 'a', ROUTE_URI_MAX + 1);
	uri[0] = '/';
	uri[ROUTE_URI_MAX] = '\0';
	cr_assert_eq(rt_decide(ROUTE_GET, uri, NULL, "", &id), 404);
	uri[ROUTE_URI_MAX] = 'a';
	uri[ROUTE_URI_MAX + 1] = '\0';
	cr_assert_eq(rt_decide(ROUTE_GET, uri, NULL, "", &id), 414);
	free(uri);
}

/* Percent-encodes every byte of s, or none, at random. */
static void
route_encode(const char *s, char *out, uint64_t *seed)
{
	static const char	 hex[] = "0123456789ABCDEF";

	for (; *s != '\0'; s++) {
		if (prng_next(seed) % 2 == 0 && *s != '+' && *s != '%' &&
		    *s != '&')
			*out++ = *s;
		else {
			*out++ = '%';
			*out++ = hex[(unsigned char)*s >> 4];
			*out++ = hex[(unsigned char)*s & 15];
		}
	}
	*out = '\0';
}

/*
 * Random tokens, presented right, wrong or not at all, in the header or
 * the query, percent-encoded at random: a request passes exactly when it
 * carries the token somewhere, by direct comparison.
 */
Test(route, random_tokens)
{
	static const char	 alphabet[] = "abcXYZ019-_.~+%&=!$";
	char			 token[17], given[17], enc[64], uri[256];
	char			 auth[64];
	uint64_t		 seed = 42;
	enum route_id		 id;
	int			 i, r, n, header, query, want, code;

	for (i = 0; i < 20000; i++) {
		n = 1 + (int)(prng_next(&seed) % 16);
		for (r = 0; r < n; r++)
			token[r] = alphabet[prng_next(&seed) %
			    (sizeof(alphabet) - 1)];
		token[n] = '\0';
		strcpy(given, token);
		if (prng_next(&seed) % 3 == 0)
			given[prng_next(&seed) % (unsigned)n] ^= 1;
		header = prng_next(&seed) % 3 == 0;
		query = prng_next(&seed) % 2 == 0;
		route_encode(given, enc, &seed);
		snprintf(uri, sizeof(uri), "/events%s%s", query ? "?token=" :
		    "", query ? enc : "");
		snprintf(auth, sizeof(auth), "Bearer %s", given);
		want = (header || query) && strcmp(given, token) == 0 &&
		    strchr(given, ' ') == NULL;
		code = rt_decide(ROUTE_GET, uri, header ? auth : NULL,
		    token, &id);
		cr_assert_eq(code, want ? 200 : 401, "token \"%s\", given "
		    "\"%s\" in %s%s: %d", token, given, header ? "header " :
		    "", query ? uri : "", code);
	}
}

/* Random bytes as a request target: a sane status, never a crash. */
Test(route, random_targets)
{
	char		 uri[64];
	uint64_t	 seed = 7;
	enum route_id	 id;
	int		 i, n, k, code;

	for (i = 0; i < 100000; i++) {
		n = (int)(prng_next(&seed) % (sizeof(uri) - 1));
		for (k = 0; k < n; k++)
			uri[k] = (char)(1 + prng_next(&seed) % 255);
		uri[n] = '\0';
		if (n > 0 && prng_next(&seed) % 2 == 0)
			uri[0] = '/';
		code = rt_decide((enum route_method)(prng_next(&seed) % 3),
		    uri, NULL, prng_next(&seed) % 2 ? "t" : "", &id);
		cr_assert(code == 200 || code == 400 || code == 401 ||
		    code == 404 || code == 405, "%d", code);
		if (code == 200)
			cr_assert(id < ROUTE_COUNT);
	}
}

/*
 * Several tokens of random lengths: a request passes exactly when it
 * brings one of them whole, and is told which, by direct comparison.
 */
Test(route, several_tokens)
{
	static const char	 alphabet[] = "abAB01";
	struct route_token	 t[5];
	char			 given[ROUTE_TOKEN_MAX + 2], auth[300];
	uint64_t		 seed = 9;
	enum route_id		 id;
	size_t			 n, k, glen;
	int			 i, tok, want, code;

	for (i = 0; i < 20000; i++) {
		memset(t, 0, sizeof(t));
		n = prng_next(&seed) % 5;
		for (k = 0; k < n; k++) {
			snprintf(t[k].name, sizeof(t[k].name), "t%zu", k);
			t[k].len = 1 + prng_next(&seed) % 4;
			if (prng_next(&seed) % 8 == 0)
				t[k].len = ROUTE_TOKEN_MAX;
			memset(t[k].secret, 'a', t[k].len);
			for (glen = 0; glen < t[k].len && glen < 4; glen++)
				t[k].secret[glen] = (unsigned char)alphabet[
				    prng_next(&seed) % 6];
		}
		if (n > 0 && prng_next(&seed) % 2 == 0) {
			k = prng_next(&seed) % n;
			glen = t[k].len;
			memcpy(given, t[k].secret, glen);
			if (prng_next(&seed) % 3 == 0)
				given[glen++] = 'a';	/* one byte more */
			else if (prng_next(&seed) % 3 == 0)
				glen--;			/* one less */
		} else {
			glen = prng_next(&seed) % 5;
			for (k = 0; k < glen; k++)
				given[k] = alphabet[prng_next(&seed) % 6];
		}
		given[glen] = '\0';
		want = -1;
		for (k = 0; k < n && want == -1; k++)
			if (t[k].len == glen &&
			    memcmp(t[k].secret, given, glen) == 0)
				want = (int)k;
		/* equal secrets: the last one found counts */
		for (k = n; k-- > 0 && want != -1;)
			if (t[k].len == glen &&
			    memcmp(t[k].secret, given, glen) == 0) {
				want = (int)k;
				break;
			}
		snprintf(auth, sizeof(auth), "Bearer %s", given);
		code = route_decide(ROUTE_GET, "/metrics", auth, t, n, &id,
		    &tok);
		if (n == 0) {
			cr_assert_eq(code, 200);
			cr_assert_eq(tok, -1);
		} else if (want == -1 || glen == 0) {
			cr_assert_eq(code, 401, "given \"%s\"", given);
		} else {
			cr_assert_eq(code, 200, "given \"%s\"", given);
			cr_assert_eq(tok, want);
		}
	}
}

/* The Host header against the listen host, the port and allowed_hosts. */
Test(route, host)
{
	static char	 a0[] = "wall.example.com", a1[] = "tv:8443";
	static char	 a2[] = "[fd00::1]";
	char *const	 allowed[] = { a0, a1, a2 };
	static const struct {
		const char	*host, *listen;
		int		 ok;
	} hc[] = {
		{ NULL, "127.0.0.1", 1 },
		{ "127.0.0.1:9733", "127.0.0.1", 1 },
		{ "127.0.0.1", "127.0.0.1", 1 },
		{ "127.0.0.1:9734", "127.0.0.1", 0 },
		{ "localhost:9733", "127.0.0.1", 1 },
		{ "LOCALHOST", "127.0.0.1", 1 },
		{ "[::1]:9733", "127.0.0.1", 1 },
		{ "[::1]", "::1", 1 },
		{ "[::1]:9733", "::1", 1 },
		{ "::1", "::1", 0 },
		{ "::1:9733", "::1", 0 },
		{ "10.1.2.3:9733", "10.1.2.3", 1 },
		{ "10.1.2.3:9733", "0.0.0.0", 0 },
		{ "0.0.0.0:9733", "0.0.0.0", 1 },
		{ "[fd00::2]:9733", "fd00::2", 1 },
		{ "[FD00::2]:9733", "fd00::2", 1 },
		{ "fd00::2", "fd00::2", 0 },
		{ "wall.example.com", "127.0.0.1", 1 },
		{ "Wall.Example.com:9733", "127.0.0.1", 1 },
		{ "wall.example.com:80", "127.0.0.1", 0 },
		{ "tv:8443", "127.0.0.1", 1 },
		{ "tv", "127.0.0.1", 0 },
		{ "tv:9733", "127.0.0.1", 0 },
		{ "[fd00::1]:9733", "127.0.0.1", 1 },
		{ "[fd00::1]", "127.0.0.1", 1 },
		{ "evil.example.com:9733", "127.0.0.1", 0 },
		{ "localhost.evil.example.com", "127.0.0.1", 0 },
		{ "127.0.0.1.nip.io:9733", "127.0.0.1", 0 },
		{ "", "127.0.0.1", 0 },
		{ ":9733", "127.0.0.1", 0 },
		{ "localhost:", "127.0.0.1", 0 },
		{ "localhost:97330", "127.0.0.1", 0 },
		{ "localhost:+9733", "127.0.0.1", 0 },
		{ "localhost:9733 ", "127.0.0.1", 0 },
	};
	size_t		 i;

	for (i = 0; i < sizeof(hc) / sizeof(hc[0]); i++)
		cr_expect_eq(route_host_allowed(hc[i].host, hc[i].listen, 9733,
		    allowed, 3), hc[i].ok, "Host %s, listening on %s",
		    hc[i].host != NULL ? hc[i].host : "(none)", hc[i].listen);
	cr_expect_eq(route_host_allowed("wall.example.com", "127.0.0.1", 9733,
	    NULL, 0), 0);
}
