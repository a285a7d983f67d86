/* Scopes: interned teams and agents, and the global floor. */

#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "scope.h"
#include "xmalloc.h"

static struct scope *
scope_new(const struct scopes *ss, enum scope_kind kind, const char *name,
    size_t len, uint64_t hash)
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

void
scopes_init(struct scopes *ss, const int64_t *widths_ms, int nwindows)
{
	memset(ss, 0, sizeof(*ss));
	ss->nwindows = nwindows;
	memcpy(ss->width, widths_ms, nwindows * sizeof(*widths_ms));
	ss->mask = 63;
	ss->table = xcalloc(ss->mask + 1, sizeof(*ss->table));
	ss->global = scope_new(ss, SCOPE_GLOBAL, "global", 6, 0);
	ss->head[SCOPE_GLOBAL] = ss->global;
}

void
scopes_clear(struct scopes *ss)
{
	struct scope	*s, *next;
	int		 kind;

	for (kind = SCOPE_GLOBAL; kind <= SCOPE_AGENT; kind++) {
		for (s = ss->head[kind]; s != NULL; s = next) {
			next = s->next;
			scope_free(ss, s);
		}
	}
	free(ss->table);
	memset(ss, 0, sizeof(*ss));
}

static uint64_t
scope_hash(enum scope_kind kind, const char *name, size_t len)
{
	return (hash_bytes(name, len) ^ (uint64_t)kind);
}

struct scope *
scope_find(const struct scopes *ss, enum scope_kind kind, const char *name,
    size_t len)
{
	struct scope	*s;
	uint64_t	 h;

	if (kind == SCOPE_GLOBAL)
		return (ss->global);
	h = scope_hash(kind, name, len);
	for (s = ss->table[h & ss->mask]; s != NULL; s = s->hnext) {
		if (s->hash == h && s->kind == kind && s->namelen == len &&
		    memcmp(s->name, name, len) == 0)
			return (s);
	}
	return (NULL);
}

static void
scopes_grow(struct scopes *ss)
{
	struct scope	**table, *s, *next;
	size_t		  mask = ss->mask * 2 + 1, i;

	table = xcalloc(mask + 1, sizeof(*table));
	for (i = 0; i <= ss->mask; i++) {
		for (s = ss->table[i]; s != NULL; s = next) {
			next = s->hnext;
			s->hnext = table[s->hash & mask];
			table[s->hash & mask] = s;
		}
	}
	free(ss->table);
	ss->table = table;
	ss->mask = mask;
}

/* Finds or creates the named team or agent. */
struct scope *
scope_get(struct scopes *ss, enum scope_kind kind, const char *name,
    size_t len)
{
	struct scope	*s;
	uint64_t	 h;

	if ((s = scope_find(ss, kind, name, len)) != NULL)
		return (s);
	h = scope_hash(kind, name, len);
	s = scope_new(ss, kind, name, len, h);
	s->hnext = ss->table[h & ss->mask];
	ss->table[h & ss->mask] = s;
	s->next = ss->head[kind];
	if (s->next != NULL)
		s->next->prev = s;
	ss->head[kind] = s;
	if (++ss->count > ss->mask)
		scopes_grow(ss);
	return (s);
}

/* Frees the teams and agents that nothing needs any more at clock now. */
size_t
scopes_gc(struct scopes *ss, int64_t now)
{
	struct scope	*s, *next, **pp;
	size_t		 freed = 0;
	int		 kind;

	for (kind = SCOPE_TEAM; kind <= SCOPE_AGENT; kind++) {
		for (s = ss->head[kind]; s != NULL; s = next) {
			next = s->next;
			if (s->refs != 0 || s->waiting != 0 || !scope_idle(s, now))
				continue;
			for (pp = &ss->table[s->hash & ss->mask]; *pp != s;
			    pp = &(*pp)->hnext)
				;
			*pp = s->hnext;
			if (s->prev != NULL)
				s->prev->next = s->next;
			else
				ss->head[kind] = s->next;
			if (s->next != NULL)
				s->next->prev = s->prev;
			scope_free(ss, s);
			ss->count--;
			freed++;
		}
	}
	return (freed);
}

size_t
scopes_count(const struct scopes *ss, enum scope_kind kind)
{
	const struct scope	*s;
	size_t			 n = 0;

	for (s = ss->head[kind]; s != NULL; s = s->next)
		n++;
	return (n);
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

