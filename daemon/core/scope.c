/* Scopes: interned teams and agents, and the global floor. */

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "scope.h"
#include "xmalloc.h"

static struct scope *
scope_new(const struct scopes *ss, enum scope_kind kind, const char *name,
    size_t len, uint32_t hash)
{
	struct scope	*s;
	int		 i;

	s = xcalloc(1, sizeof(*s) + len + 1);
	s->kind = kind;
	s->hash = hash;
	s->namelen = (uint16_t)len;
	memcpy(s->name, name, len);
	s->name[len] = '\0';
	for (i = 0; i < ss->nwindows; i++)
		window_init(&s->win[i], ss->width[i]);
	return (s);
}

static void
scope_free(const struct scopes *ss, struct scope *s)
{
	int	 i;

	for (i = 0; i < ss->nwindows; i++)
		window_clear(&s->win[i]);
	free(s);
}

/* Chains to start with. */
#define SCOPES_SLOTS	64

void
scopes_init(struct scopes *ss, const int64_t *widths_ms, int nwindows)
{
	int	 kind;

	memset(ss, 0, sizeof(*ss));
	ss->nwindows = nwindows;
	memcpy(ss->width, widths_ms, nwindows * sizeof(*widths_ms));
	TABLE_INIT(&ss->table, SCOPES_SLOTS, struct scope, hnext, hash);
	for (kind = SCOPE_GLOBAL; kind < SCOPE_NKINDS; kind++)
		LIST_INIT(&ss->kinds[kind]);
	ss->global = scope_new(ss, SCOPE_GLOBAL, "global", 6, 0);
	ss->n[SCOPE_GLOBAL] = 1;
	LIST_INSERT_HEAD(&ss->kinds[SCOPE_GLOBAL], ss->global, link);
}

void
scopes_clear(struct scopes *ss)
{
	struct scope	*s;
	int		 kind;

	for (kind = SCOPE_GLOBAL; kind < SCOPE_NKINDS; kind++) {
		while ((s = LIST_FIRST(&ss->kinds[kind])) != NULL) {
			LIST_REMOVE(s, link);
			scope_free(ss, s);
		}
	}
	table_clear(&ss->table);
	memset(ss, 0, sizeof(*ss));
}

static uint32_t
scope_hash(enum scope_kind kind, const char *name, size_t len)
{
	return ((uint32_t)(hash_bytes(name, len) ^ (uint64_t)kind));
}

struct scope *
scope_find(const struct scopes *ss, enum scope_kind kind, const char *name,
    size_t len)
{
	struct scope	*s;
	uint32_t	 h;

	if (kind == SCOPE_GLOBAL)
		return (ss->global);
	h = scope_hash(kind, name, len);
	for (s = table_head(&ss->table, h); s != NULL; s = s->hnext) {
		if (s->hash == h && s->kind == kind && s->namelen == len &&
		    memcmp(s->name, name, len) == 0)
			return (s);
	}
	return (NULL);
}

/*
 * Finds or creates the named team or agent; NULL when it would be new
 * and its kind already has its most (scopes_set_max).
 */
struct scope *
scope_get(struct scopes *ss, enum scope_kind kind, const char *name,
    size_t len)
{
	struct scope	*s;

	if ((s = scope_find(ss, kind, name, len)) != NULL)
		return (s);
	if (ss->max[kind] != 0 && ss->n[kind] >= ss->max[kind])
		return (NULL);
	ss->n[kind]++;
	s = scope_new(ss, kind, name, len, scope_hash(kind, name, len));
	table_insert(&ss->table, s);
	LIST_INSERT_HEAD(&ss->kinds[kind], s, link);
	return (s);
}

/* Caps how many teams or agents there are at once (0: no cap). */
void
scopes_set_max(struct scopes *ss, enum scope_kind kind, size_t max)
{
	ss->max[kind] = max;
}

/* Frees the teams and agents that nothing needs any more at clock now. */
size_t
scopes_gc(struct scopes *ss, int64_t now)
{
	struct scope	*s, *next;
	size_t		 freed = 0;
	int		 kind;

	for (kind = SCOPE_TEAM; kind <= SCOPE_AGENT; kind++) {
		for (s = LIST_FIRST(&ss->kinds[kind]); s != NULL; s = next) {
			next = LIST_NEXT(s, link);
			if (s->refs != 0 || s->waiting != 0 ||
			    !scope_idle(s, now))
				continue;
			table_remove(&ss->table, s);
			LIST_REMOVE(s, link);
			scope_free(ss, s);
			ss->n[kind]--;
			freed++;
		}
	}
	return (freed);
}

size_t
scopes_count(const struct scopes *ss, enum scope_kind kind)
{
	return (ss->n[kind]);
}

void
scope_count(struct scope *s, int64_t stamp, enum tally t)
{
	int	 i;

	for (i = 0; i < CONF_MAX_WINDOWS && s->win[i].width != 0; i++)
		window_count(&s->win[i], stamp, t);
}

/* A response, with the WINDOW_* flags of what it counts as. */
void
scope_response(struct scope *s, int64_t stamp, uint32_t ms, int flags)
{
	uint8_t	 code = sketch_code(ms);
	int	 i;

	for (i = 0; i < CONF_MAX_WINDOWS && s->win[i].width != 0; i++)
		window_response_code(&s->win[i], stamp, ms, code, flags);
}

/* Warms the buckets a response at stamp will land in. */
void
scope_prefetch(const struct scope *s, int64_t stamp)
{
	int	 i;

	for (i = 0; i < CONF_MAX_WINDOWS && s->win[i].width != 0; i++)
		window_prefetch(&s->win[i], stamp);
}

/* True when every window of the scope is empty at clock now. */
int
scope_idle(const struct scope *s, int64_t now)
{
	int	 i;

	for (i = 0; i < CONF_MAX_WINDOWS && s->win[i].width != 0; i++)
		if (!window_empty(&s->win[i], now))
			return (0);
	return (1);
}

