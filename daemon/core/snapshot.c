/* The snapshot document (CONTRACT section 4), built with jansson. */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"

#include "snapshot.h"
#include "xmalloc.h"

/* A number: null without a sample, an integer when it is whole. */
static json_t *
snapshot_number(double v)
{
	if (isnan(v))
		return (json_null());
	if (v == floor(v) && fabs(v) < 1e15)
		return (json_integer((json_int_t)v));
	return (json_real(v));
}

/* One METRICS object from window_query's values. */
json_t *
snapshot_metrics(const double *m)
{
	json_t	*o;
	int	 i;

	o = json_object();
	for (i = 0; i < METRIC_COUNT; i++) {
		if (metric_defs[i].kind == METRIC_KIND_COUNT)
			json_object_set_new_nocheck(o, metric_defs[i].name,
			    json_integer((json_int_t)m[i]));
		else
			json_object_set_new_nocheck(o, metric_defs[i].name,
			    snapshot_number(m[i]));
	}
	return (o);
}

static json_t *
snapshot_scope(const struct scope *s, const struct conf *cf, int64_t now)
{
	json_t	*o, *wins;
	double	 m[METRIC_COUNT];
	char	 key[32];
	int	 i;

	o = json_object();
	json_object_set_new_nocheck(o, "waiting", json_integer(s->waiting));
	json_object_set_new_nocheck(o, "oldest_wait_s", s->oldest < 0 ?
	    json_null() : snapshot_number((now - s->oldest) / 1000.0));
	wins = json_object();
	for (i = 0; i < cf->metrics.nwindows; i++) {
		window_query(&s->win[i], now, m);
		snprintf(key, sizeof(key), "%lld",
		    (long long)cf->metrics.windows_s[i]);
		json_object_set_new_nocheck(wins, key, snapshot_metrics(m));
	}
	json_object_set_new_nocheck(o, "windows", wins);
	return (o);
}

static int
snapshot_cmp(const void *a, const void *b)
{
	const struct scope	*sa = *(const struct scope *const *)a;
	const struct scope	*sb = *(const struct scope *const *)b;

	return (strcmp(sa->name, sb->name));
}

/*
 * The teams or agents worth showing, sorted by name: those with a wait
 * open now or an outcome in a window.
 */
static json_t *
snapshot_kind(struct engine *e, enum scope_kind kind, const struct conf *cf,
    int64_t now)
{
	struct scope	*s, **v;
	json_t		*o;
	size_t		 n = 0, i;

	o = json_object();
	if ((i = scopes_count(&e->scopes, kind)) == 0)
		return (o);
	v = xreallocarray(NULL, i, sizeof(*v));
	for (s = e->scopes.head[kind]; s != NULL; s = s->next)
		if (s->waiting != 0 || !scope_idle(s, now))
			v[n++] = s;
	qsort(v, n, sizeof(*v), snapshot_cmp);
	for (i = 0; i < n; i++)
		json_object_set_new(o, v[i]->name, snapshot_scope(v[i], cf,
		    now));
	free(v);
	return (o);
}

/*
 * Marks each scope's oldest open wait.  The wait list runs from the
 * oldest start, so the first wait met for a scope is its oldest; the
 * walk stops once every scope with a wait has been found.
 */
static void
snapshot_oldest(struct engine *e)
{
	struct scope	*s;
	struct conv	*c;
	size_t		 need = 0;
	int		 kind;

	for (kind = SCOPE_GLOBAL; kind <= SCOPE_AGENT; kind++) {
		for (s = e->scopes.head[kind]; s != NULL; s = s->next) {
			s->oldest = -1;
			if (s->waiting != 0)
				need++;
		}
	}
	for (c = e->wait_head; c != NULL && need > 0; c = c->wait_next) {
		if (e->scopes.global->oldest < 0) {
			e->scopes.global->oldest = c->start;
			need--;
		}
		if (c->agent != NULL && c->agent->oldest < 0) {
			c->agent->oldest = c->start;
			need--;
		}
		if (c->team != NULL && c->team->oldest < 0) {
			c->team->oldest = c->start;
			need--;
		}
	}
}

json_t *
snapshot_build(struct engine *e, const struct conf *cf, int64_t wall)
{
	json_t	*o, *a, *t;
	int64_t	 now = e->clock == ENGINE_NO_CLOCK ? 0 : e->clock;
	int	 i;

	snapshot_oldest(e);
	o = json_object();
	json_object_set_new_nocheck(o, "version", json_integer(1));
	json_object_set_new_nocheck(o, "clock_ms",
	    e->clock == ENGINE_NO_CLOCK ? json_null() : json_integer(now));
	json_object_set_new_nocheck(o, "generated_ms", json_integer(wall));
	a = json_array();
	for (i = 0; i < cf->metrics.nwindows; i++)
		json_array_append_new(a, json_integer(cf->metrics.windows_s[i]));
	json_object_set_new_nocheck(o, "windows_s", a);
	t = json_object();
	json_object_set_new_nocheck(t, "first_response_s",
	    snapshot_number(cf->targets.first_response_s));
	json_object_set_new_nocheck(t, "average_response_s",
	    snapshot_number(cf->targets.average_response_s));
	json_object_set_new_nocheck(t, "response_within_s",
	    snapshot_number(cf->targets.response_within_s));
	json_object_set_new_nocheck(t, "response_rate",
	    snapshot_number(cf->targets.response_rate));
	json_object_set_new_nocheck(o, "targets", t);
	json_object_set_new_nocheck(o, "global",
	    snapshot_scope(e->scopes.global, cf, now));
	json_object_set_new_nocheck(o, "teams",
	    snapshot_kind(e, SCOPE_TEAM, cf, now));
	json_object_set_new_nocheck(o, "agents",
	    snapshot_kind(e, SCOPE_AGENT, cf, now));
	return (o);
}

char *
snapshot_dump(const json_t *o)
{
	char	*s;

	if ((s = json_dumps(o, SNAPSHOT_DUMP_FLAGS)) == NULL)
		xabort("snapshot_dump: out of memory");
	return (s);
}
