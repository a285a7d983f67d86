/*
 * Metric alert rules: at each evaluation instant, every subject of a
 * rule's scope with enough outcomes in the rule's window is compared with
 * the threshold.  A (rule, subject) that holds is pending until it has
 * held for_s, then fires, is sent again every repeat_s while it holds,
 * and is resolved at the first evaluation where it does not.  The
 * transitions of one instant are emitted sorted by rule and subject, so
 * a replay writes them in the same order, under the same stream IDs.
 */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alert.h"
#include "conf.h"
#include "hash.h"
#include "metrics.h"
#include "scope.h"
#include "window.h"
#include "xmalloc.h"

/* One (rule, subject) that is pending or firing. */
struct astate {
	struct astate	*next;
	uint64_t	 hash;
	size_t		 rule;
	int		 firing;
	int		 seen;		/* held at this evaluation */
	int64_t		 since;		/* pending since */
	int64_t		 started;	/* firing since */
	int64_t		 sent;		/* last firing sent */
	double		 value;
	char		 subject[];
};

/* A transition waiting to be emitted, in order, at this instant. */
struct atrans {
	struct astate	*st;
	enum alert_status status;
};

struct alerts {
	const struct conf	*cf;
	int64_t			 interval;	/* ms */
	struct astate		**table;
	size_t			  mask;
	size_t			  count;
	size_t			  firing;
	uint64_t		  transitions;
	alert_sink		  sink;
	void			 *arg;
	struct atrans		 *tr;
	size_t			  ntr;
	size_t			  trcap;
};

static const char *const alert_scopes[] = { "agent", "team", "global",
    "conversation" };

const char *
alert_status_name(enum alert_status s)
{
	return (s == ALERT_FIRING ? "firing" : "resolved");
}

const char *
alert_scope_name(int scope)
{
	if (scope < 0 || scope > RULE_SCOPE_CONVERSATION)
		return ("?");
	return (alert_scopes[scope]);
}

struct alerts *
alerts_new(const struct conf *cf)
{
	struct alerts	*a;

	a = xcalloc(1, sizeof(*a));
	a->cf = cf;
	a->interval = cf->alerts.interval_s * 1000;
	a->mask = 255;
	a->table = xcalloc(a->mask + 1, sizeof(*a->table));
	return (a);
}

void
alerts_free(struct alerts *a)
{
	struct astate	*st, *next;
	size_t		 i;

	if (a == NULL)
		return;
	for (i = 0; i <= a->mask; i++)
		for (st = a->table[i]; st != NULL; st = next) {
			next = st->next;
			free(st);
		}
	free(a->table);
	free(a->tr);
	free(a);
}

void
alerts_set_sink(struct alerts *a, alert_sink sink, void *arg)
{
	a->sink = sink;
	a->arg = arg;
}

/* The first evaluation instant after t. */
int64_t
alerts_next(const struct alerts *a, int64_t t)
{
	return ((t / a->interval + 1) * a->interval);
}

static json_t *
alerts_number(double v)
{
	return (isnan(v) ? json_null() : json_real(v));
}

/* One firing alert as the JSON object of the contract. */
json_t *
alerts_object(const char *id, const char *rule, const char *severity,
    const char *scope, const char *subject, const char *metric,
    int64_t window_s, double value, double threshold, int64_t started)
{
	json_t	*o = json_object();

	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "rule", json_string(rule));
	json_object_set_new(o, "status", json_string("firing"));
	json_object_set_new(o, "severity", json_string(severity));
	json_object_set_new(o, "scope", json_string(scope));
	json_object_set_new(o, "subject", json_string(subject));
	json_object_set_new(o, "metric", json_string(metric));
	json_object_set_new(o, "window_s", json_integer(window_s));
	json_object_set_new(o, "value", alerts_number(value));
	json_object_set_new(o, "threshold", alerts_number(threshold));
	json_object_set_new(o, "started_ms", json_integer(started));
	return (o);
}

/* A transition from outside the metric rules: conversation alerts. */
void
alerts_send(struct alerts *a, const struct alert_event *ev)
{
	if (ev->status == ALERT_FIRING)
		a->firing++;
	else if (a->firing > 0)
		a->firing--;
	a->transitions++;
	if (a->sink != NULL)
		a->sink(ev, a->arg);
}

static int
alerts_list_cmp(const void *x, const void *y)
{
	json_t *const	*p = x, *const *q = y;
	json_int_t	 a, b;

	a = json_integer_value(json_object_get(*p, "started_ms"));
	b = json_integer_value(json_object_get(*q, "started_ms"));
	if (a != b)
		return (a < b ? -1 : 1);
	return (strcmp(json_string_value(json_object_get(*p, "id")),
	    json_string_value(json_object_get(*q, "id"))));
}

/* Sorts a list of alerts oldest first (then by id), in place. */
void
alerts_sort(json_t *list)
{
	json_t	**v;
	size_t	  i, n = json_array_size(list);

	if (n < 2)
		return;
	v = xreallocarray(NULL, n, sizeof(*v));
	for (i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(list, i));
	qsort(v, n, sizeof(*v), alerts_list_cmp);
	json_array_clear(list);
	for (i = 0; i < n; i++)
		json_array_append_new(list, v[i]);
	free(v);
}

/*
 * Appends the metric alerts firing now to list.  The conversation alerts
 * firing are the engine's to add: a wait that passed a rule is one.
 */
void
alerts_firing_list(const struct alerts *a, json_t *list)
{
	const struct alert_rule	*r;
	const struct astate	*st;
	char			 id[512];
	size_t			 i;

	for (i = 0; i <= a->mask; i++) {
		for (st = a->table[i]; st != NULL; st = st->next) {
			if (!st->firing)
				continue;
			r = &a->cf->alerts.rules[st->rule];
			snprintf(id, sizeof(id), "%s:%s:%s:%lld", r->name,
			    alert_scopes[r->scope], st->subject,
			    (long long)st->started);
			json_array_append_new(list, alerts_object(id, r->name,
			    r->severity, alert_scopes[r->scope], st->subject,
			    metric_defs[r->metric].name, r->window_s,
			    st->value, r->threshold, st->started));
		}
	}
}

/* Whether anyone listens: without, transitions are only counted. */
int
alerts_listened(const struct alerts *a)
{
	return (a->sink != NULL);
}

size_t
alerts_firing(const struct alerts *a)
{
	return (a->firing);
}

/* Whether no (rule, subject) is pending or firing. */
int
alerts_idle(const struct alerts *a)
{
	return (a->count == 0);
}

uint64_t
alerts_transitions(const struct alerts *a)
{
	return (a->transitions);
}

/* By subject only: a reload renumbers the rules. */
static uint64_t
alerts_hash(const char *subject)
{
	return (hash_bytes(subject, strlen(subject)));
}

static void
alerts_grow(struct alerts *a)
{
	struct astate	**table, *st, *next;
	size_t		  mask = a->mask * 2 + 1, i;

	table = xcalloc(mask + 1, sizeof(*table));
	for (i = 0; i <= a->mask; i++)
		for (st = a->table[i]; st != NULL; st = next) {
			next = st->next;
			st->next = table[st->hash & mask];
			table[st->hash & mask] = st;
		}
	free(a->table);
	a->table = table;
	a->mask = mask;
}

static struct astate *
alerts_find(struct alerts *a, size_t rule, const char *subject, int create)
{
	struct astate	*st;
	uint64_t	 h = alerts_hash(subject);
	size_t		 len;

	for (st = a->table[h & a->mask]; st != NULL; st = st->next)
		if (st->hash == h && st->rule == rule &&
		    strcmp(st->subject, subject) == 0)
			return (st);
	if (!create)
		return (NULL);
	len = strlen(subject);
	st = xcalloc(1, sizeof(*st) + len + 1);
	memcpy(st->subject, subject, len);
	st->hash = h;
	st->rule = rule;
	st->next = a->table[h & a->mask];
	a->table[h & a->mask] = st;
	if (++a->count > a->mask + 1)
		alerts_grow(a);
	return (st);
}

static void
alerts_remove(struct alerts *a, struct astate *st)
{
	struct astate	**pp;

	for (pp = &a->table[st->hash & a->mask]; *pp != st; pp = &(*pp)->next)
		;
	*pp = st->next;
	a->count--;
	free(st);
}

/* The outcomes that make a rule's sample count in a window. */
static double
alerts_samples(int metric, const double *m)
{
	if (strncmp(metric_defs[metric].name, "frt_", 4) == 0)
		return (m[METRIC_FIRST_RESPONSES] + m[METRIC_FRT_BREACHED]);
	return (m[METRIC_RESPONSES] + m[METRIC_MISSED] +
	    m[METRIC_UNANSWERED]);
}

static int
alerts_holds(const struct alert_rule *r, double v)
{
	if (isnan(v))
		return (0);
	switch (r->op) {
	case RULE_OP_GT:
		return (v > r->threshold);
	case RULE_OP_GE:
		return (v >= r->threshold);
	case RULE_OP_LT:
		return (v < r->threshold);
	case RULE_OP_LE:
		return (v <= r->threshold);
	}
	return (0);
}

static void
alerts_queue(struct alerts *a, struct astate *st, enum alert_status s)
{
	if (a->ntr == a->trcap) {
		a->trcap = a->trcap ? a->trcap * 2 : 64;
		a->tr = xreallocarray(a->tr, a->trcap, sizeof(*a->tr));
	}
	a->tr[a->ntr].st = st;
	a->tr[a->ntr].status = s;
	a->ntr++;
}

static int
alerts_trans_cmp(const void *x, const void *y)
{
	const struct atrans	*p = x, *q = y;

	if (p->st->rule != q->st->rule)
		return (p->st->rule < q->st->rule ? -1 : 1);
	return (strcmp(p->st->subject, q->st->subject));
}

/* Emits the queued transitions of instant t, in order. */
static void
alerts_emit(struct alerts *a, int64_t t)
{
	const struct alert_rule	*r;
	struct alert_event	 ev;
	struct astate		*st;
	char			 id[512];
	size_t			 i;

	if (a->ntr == 0)
		return;
	qsort(a->tr, a->ntr, sizeof(*a->tr), alerts_trans_cmp);
	for (i = 0; i < a->ntr; i++) {
		st = a->tr[i].st;
		r = &a->cf->alerts.rules[st->rule];
		snprintf(id, sizeof(id), "%s:%s:%s:%lld", r->name,
		    alert_scopes[r->scope], st->subject,
		    (long long)st->started);
		memset(&ev, 0, sizeof(ev));
		ev.id = id;
		ev.rule = r->name;
		ev.status = a->tr[i].status;
		ev.severity = r->severity;
		ev.scope = alert_scopes[r->scope];
		ev.subject = st->subject;
		ev.metric = metric_defs[r->metric].name;
		ev.window_s = r->window_s;
		ev.value = st->value;
		ev.threshold = r->threshold;
		ev.started_ms = st->started;
		ev.ts_ms = t;
		a->transitions++;
		if (a->sink != NULL)
			a->sink(&ev, a->arg);
	}
	/* resolved states go only once their event is out */
	for (i = 0; i < a->ntr; i++)
		if (a->tr[i].status == ALERT_RESOLVED)
			alerts_remove(a, a->tr[i].st);
	a->ntr = 0;
}

/* A state that no longer holds: resolved if firing, else forgotten. */
static void
alerts_end(struct alerts *a, struct astate *st)
{
	if (!st->firing) {
		alerts_remove(a, st);
		return;
	}
	st->firing = 0;
	a->firing--;
	alerts_queue(a, st, ALERT_RESOLVED);
}

/* The window index of a rule, or -1. */
static int
alerts_window(const struct conf *cf, const struct alert_rule *r)
{
	int	 i;

	for (i = 0; i < cf->metrics.nwindows; i++)
		if (cf->metrics.windows_s[i] == r->window_s)
			return (i);
	return (-1);
}

/* One rule on one subject's window values. */
static void
alerts_rule(struct alerts *a, size_t ri, const char *subject,
    const double *m, int64_t t)
{
	const struct alert_rule	*r = &a->cf->alerts.rules[ri];
	struct astate		*st;
	double			 v = m[r->metric];
	int			 holds;

	holds = alerts_samples(r->metric, m) >= (double)r->min_samples &&
	    alerts_holds(r, v);
	st = alerts_find(a, ri, subject, holds);
	if (st == NULL)
		return;
	st->seen = 1;
	st->value = v;			/* a resolution tells the value now */
	if (!holds)
		return;			/* the sweep resolves it */
	if (!st->firing) {
		if (st->since == 0)
			st->since = t;
		st->seen = 2;		/* held, pending */
		if (t - st->since < r->for_s * 1000)
			return;
		st->firing = 1;
		st->started = st->sent = t;
		a->firing++;
		alerts_queue(a, st, ALERT_FIRING);
	} else if (r->repeat_s > 0 && t - st->sent >= r->repeat_s * 1000) {
		st->sent = t;
		alerts_queue(a, st, ALERT_FIRING);
	}
	st->seen = 2;			/* held */
}

/*
 * Evaluates every metric rule at clock t.  A state not found holding
 * this time is dropped if pending, resolved if firing.
 */
void
alerts_eval(struct alerts *a, struct scopes *ss, int64_t t)
{
	const struct conf	*cf = a->cf;
	const struct alert_rule	*r;
	struct astate		*st, *next;
	struct scope		*s;
	double			 m[METRIC_COUNT];
	size_t			 ri, i;
	int			 kind, w;

	for (ri = 0; ri < cf->alerts.nrules; ri++) {
		r = &cf->alerts.rules[ri];
		if (r->scope == RULE_SCOPE_CONVERSATION ||
		    (w = alerts_window(cf, r)) == -1)
			continue;
		kind = r->scope == RULE_SCOPE_AGENT ? SCOPE_AGENT :
		    r->scope == RULE_SCOPE_TEAM ? SCOPE_TEAM : SCOPE_GLOBAL;
		for (s = ss->head[kind]; s != NULL; s = s->next) {
			if (r->min_samples > 0 && window_empty(&s->win[w], t))
				continue;
			window_query(&s->win[w], t, m);
			alerts_rule(a, ri, s->name, m, t);
		}
	}
	for (i = 0; i <= a->mask; i++) {
		for (st = a->table[i]; st != NULL; st = next) {
			next = st->next;
			if (st->seen == 2) {
				st->seen = 0;
				continue;
			}
			st->seen = 0;
			alerts_end(a, st);
		}
	}
	alerts_emit(a, t);
}

/*
 * A reload: the rules may have changed.  Firing states of rules gone or
 * changed are resolved at t; the rest carry on under their new index.
 */
void
alerts_set_conf(struct alerts *a, const struct conf *cf, int64_t t)
{
	const struct alert_rule	*old, *nr;
	struct astate		*st, *next;
	size_t			 i, j;

	for (i = 0; i <= a->mask; i++) {
		for (st = a->table[i]; st != NULL; st = next) {
			next = st->next;
			old = &a->cf->alerts.rules[st->rule];
			for (j = 0; j < cf->alerts.nrules; j++) {
				nr = &cf->alerts.rules[j];
				if (strcmp(nr->name, old->name) == 0 &&
				    nr->scope == old->scope &&
				    nr->metric == old->metric &&
				    nr->window_s == old->window_s)
					break;
			}
			if (j < cf->alerts.nrules) {
				st->rule = j;
				continue;
			}
			alerts_end(a, st);
		}
	}
	/* emitted under the old rules' names, then switched */
	alerts_emit(a, t);
	a->cf = cf;
	a->interval = cf->alerts.interval_s * 1000;
}
