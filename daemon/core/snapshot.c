/*
 * The JSON documents the daemon publishes, built with jansson: the
 * snapshot and the alerts (replytimed(8), OUTPUTS).
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "engine_impl.h"

#include "snapshot.h"
#include "xmalloc.h"

/* Whole numbers below this are written as integers. */
#define SNAPSHOT_INT_MAX	1e15

/* A real, or null without a value. */
static json_t *
snapshot_real(double v)
{
	return (isnan(v) ? json_null() : json_real(v));
}

/* A number: null without a sample, an integer when it is whole. */
static json_t *
snapshot_number(double v)
{
	if (!isnan(v) && v == floor(v) && fabs(v) < SNAPSHOT_INT_MAX)
		return (json_integer((json_int_t)v));
	return (snapshot_real(v));
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
snapshot_kind(const struct engine *e, enum scope_kind kind,
    const struct conf *cf, int64_t now)
{
	struct scope	*s, **v;
	json_t		*o;
	size_t		 n = 0, i;

	o = json_object();
	if ((i = scopes_count(&e->scopes, kind)) == 0)
		return (o);
	v = xreallocarray(NULL, i, sizeof(*v));
	LIST_FOREACH(s, &e->scopes.kinds[kind], link)
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
 * walk stops once every scope with a wait has been found.  The mark is
 * the snapshot's scratch in the scope, not the engine's state.
 */
static void
snapshot_oldest(const struct engine *e)
{
	struct scope		*s;
	const struct conv	*c;
	size_t			 need = 0;
	int		 kind;

	for (kind = SCOPE_GLOBAL; kind <= SCOPE_AGENT; kind++) {
		LIST_FOREACH(s, &e->scopes.kinds[kind], link) {
			s->oldest = -1;
			if (s->waiting != 0)
				need++;
		}
	}
	for (c = TAILQ_FIRST(&e->waits); c != NULL && need > 0;
	    c = TAILQ_NEXT(c, wait)) {
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
snapshot_build(const struct engine *e, const struct conf *cf, int64_t wall)
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

/* One alert as a JSON object, with the fields for where it goes. */
json_t *
snapshot_alert(const struct alert_event *ev, unsigned in)
{
	const struct alert_field	*f;
	const char			*p;
	json_t				*o, *v;

	o = json_object();
	for (f = alert_fields; f < alert_fields + ALERT_NFIELDS; f++) {
		if (!(f->in & in))
			continue;
		p = (const char *)ev + f->off;
		switch (f->type) {
		case ALERT_F_TEXT:
			v = json_string(p);
			break;
		case ALERT_F_STR:
		case ALERT_F_OPT:
			p = *(const char *const *)(const void *)p;
			if (p == NULL && f->type == ALERT_F_OPT)
				continue;
			v = json_string(p);
			break;
		case ALERT_F_STATUS:
			v = json_string(alert_status_name(
			    *(const enum alert_status *)(const void *)p));
			break;
		case ALERT_F_INT:
			v = json_integer(*(const int64_t *)(const void *)p);
			break;
		case ALERT_F_NUM:
		default:
			v = snapshot_real(*(const double *)(const void *)p);
			break;
		}
		json_object_set_new_nocheck(o, f->name, v);
	}
	return (o);
}

/* The alerts firing now: GET /api/v1/alerts and the start of /events. */
json_t *
snapshot_alerts(const struct engine *e, int64_t wall)
{
	struct alert_list	 l = { NULL, 0, 0 };
	json_t			*o, *a;
	size_t			 i;

	engine_alerts_firing(e, &l);
	a = json_array();
	for (i = 0; i < l.n; i++)
		json_array_append_new(a, snapshot_alert(&l.v[i],
		    ALERT_IN_LIST));
	alert_list_clear(&l);
	o = json_object();
	json_object_set_new_nocheck(o, "clock_ms", e->clock ==
	    ENGINE_NO_CLOCK ? json_null() : json_integer(e->clock));
	json_object_set_new_nocheck(o, "generated_ms", json_integer(wall));
	json_object_set_new_nocheck(o, "alerts", a);
	return (o);
}
