/*
 * Metric alert rules: at each evaluation instant, every subject of a
 * rule's scope with enough outcomes in the rule's window is compared with
 * the threshold.  A (rule, subject) that holds is pending until it has
 * held for_s, then fires, is sent again every repeat_s while it holds,
 * and is resolved at the first evaluation where it does not.  The
 * transitions of one instant are emitted sorted by rule and subject, so
 * a replay writes them in the same order, under the same stream IDs.
 */

#include <sys/queue.h>

#include <inttypes.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "conf.h"
#include "hash.h"
#include "metrics.h"
#include "scope.h"
#include "table.h"
#include "window.h"
#include "xmalloc.h"

/* What the current evaluation found of a state so far. */
enum astate_seen {
	SEEN_NOT,		/* not looked at: its subject is gone */
	SEEN_LAPSED,		/* looked at, no longer holds */
	SEEN_HELD		/* holds */
};

/* One (rule, subject) that is pending or firing. */
struct astate {
	struct astate	*hnext;		/* the table's chain */
	LIST_ENTRY(astate) link;	/* all states */
	uint32_t	 hash;
	size_t		 rule;
	int		 firing;
	enum astate_seen seen;		/* at this evaluation */
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
	struct table		  table;
	LIST_HEAD(, astate)	  states;
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

const struct alert_field alert_fields[ALERT_NFIELDS] = {
#define ALERT_FIELD(n, t, w)						\
	{ #n, ALERT_F_##t, offsetof(struct alert_event, n), w },
	ALERT_FIELDS(ALERT_FIELD)
#undef ALERT_FIELD
};

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

/*
 * An alert's id, the same for its firing and its resolution and new each
 * time it fires again: rule, scope, subject and when it started.
 */
void
alert_id(struct alert_event *ev)
{
	snprintf(ev->id, sizeof(ev->id), "%s:%s:%s:%lld", ev->rule,
	    ev->scope, ev->subject, (long long)ev->started_ms);
}

/*
 * One field of an alert as stream text, in buf when it is a number, or
 * NULL when the alert leaves it out.  A number without a value is "".
 */
const char *
alert_field_text(const struct alert_event *ev, const struct alert_field *f,
    char *buf, size_t len)
{
	const char	*p = (const char *)ev + f->off;
	double		 v;

	switch (f->type) {
	case ALERT_F_TEXT:
		return (p);
	case ALERT_F_STR:
	case ALERT_F_OPT:
		return (*(const char *const *)(const void *)p);
	case ALERT_F_STATUS:
		return (alert_status_name(*(const enum alert_status *)
		    (const void *)p));
	case ALERT_F_INT:
		snprintf(buf, len, "%" PRId64, *(const int64_t *)
		    (const void *)p);
		return (buf);
	case ALERT_F_NUM:
		v = *(const double *)(const void *)p;
		if (isnan(v))
			return ("");
		snprintf(buf, len, "%.12g", v);
		return (buf);
	}
	return (NULL);
}

/* A new, zeroed alert at the end of the list. */
struct alert_event *
alert_list_add(struct alert_list *l)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 16;
		l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
	}
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	return (&l->v[l->n++]);
}

static int
alert_list_cmp(const void *x, const void *y)
{
	const struct alert_event	*p = x, *q = y;

	if (p->started_ms != q->started_ms)
		return (p->started_ms < q->started_ms ? -1 : 1);
	return (strcmp(p->id, q->id));
}

/* Oldest first, then by id: the order of the alerts list. */
void
alert_list_sort(struct alert_list *l)
{
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), alert_list_cmp);
}

void
alert_list_clear(struct alert_list *l)
{
	free(l->v);
	memset(l, 0, sizeof(*l));
}

/* Chains to start with. */
#define ALERTS_SLOTS	256

struct alerts *
alerts_new(const struct conf *cf)
{
	struct alerts	*a;

	a = xcalloc(1, sizeof(*a));
	a->cf = cf;
	a->interval = cf->alerts.interval_s * 1000;
	TABLE_INIT(&a->table, ALERTS_SLOTS, struct astate, hnext, hash);
	LIST_INIT(&a->states);
	return (a);
}

void
alerts_free(struct alerts *a)
{
	struct astate	*st;

	if (a == NULL)
		return;
	while ((st = LIST_FIRST(&a->states)) != NULL) {
		LIST_REMOVE(st, link);
		free(st);
	}
	table_clear(&a->table);
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

/* A metric rule's alert for a state, as of instant t. */
static void
alerts_event(const struct alerts *a, const struct astate *st,
    enum alert_status status, int64_t t, struct alert_event *ev)
{
	const struct alert_rule	*r = &a->cf->alerts.rules[st->rule];

	memset(ev, 0, sizeof(*ev));
	ev->rule = r->name;
	ev->status = status;
	ev->severity = r->severity;
	ev->scope = alert_scopes[r->scope];
	ev->subject = st->subject;
	ev->metric = metric_defs[r->metric].name;
	ev->window_s = r->window_s;
	ev->value = st->value;
	ev->threshold = r->threshold;
	ev->started_ms = st->started;
	ev->ts_ms = t;
	alert_id(ev);
}

/*
 * Appends the metric alerts firing now to list.  The conversation alerts
 * firing are the engine's to add: a wait that passed a rule is one.
 */
void
alerts_firing_list(const struct alerts *a, struct alert_list *list)
{
	const struct astate	*st;

	LIST_FOREACH(st, &a->states, link)
		if (st->firing)
			alerts_event(a, st, ALERT_FIRING, st->started,
			    alert_list_add(list));
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
	return (LIST_EMPTY(&a->states));
}

uint64_t
alerts_transitions(const struct alerts *a)
{
	return (a->transitions);
}

/* By subject only: a reload renumbers the rules. */
static uint32_t
alerts_hash(const char *subject)
{
	return ((uint32_t)hash_bytes(subject, strlen(subject)));
}

static struct astate *
alerts_find(struct alerts *a, size_t rule, const char *subject, int create)
{
	struct astate	*st;
	uint32_t	 h = alerts_hash(subject);
	size_t		 len;

	for (st = table_head(&a->table, h); st != NULL; st = st->hnext)
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
	table_insert(&a->table, st);
	LIST_INSERT_HEAD(&a->states, st, link);
	return (st);
}

static void
alerts_remove(struct alerts *a, struct astate *st)
{
	table_remove(&a->table, st);
	LIST_REMOVE(st, link);
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
	struct alert_event	 ev;
	size_t			 i;

	if (a->ntr == 0)
		return;
	qsort(a->tr, a->ntr, sizeof(*a->tr), alerts_trans_cmp);
	for (i = 0; i < a->ntr; i++) {
		alerts_event(a, a->tr[i].st, a->tr[i].status, t, &ev);
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
	st->seen = SEEN_LAPSED;
	st->value = v;			/* a resolution tells the value now */
	if (!holds)
		return;			/* the sweep resolves it */
	if (!st->firing) {
		if (st->since == 0)
			st->since = t;
		st->seen = SEEN_HELD;	/* pending */
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
	st->seen = SEEN_HELD;
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
	size_t			 ri;
	int			 kind, w;

	for (ri = 0; ri < cf->alerts.nrules; ri++) {
		r = &cf->alerts.rules[ri];
		if (r->scope == RULE_SCOPE_CONVERSATION ||
		    (w = alerts_window(cf, r)) == -1)
			continue;
		kind = r->scope == RULE_SCOPE_AGENT ? SCOPE_AGENT :
		    r->scope == RULE_SCOPE_TEAM ? SCOPE_TEAM : SCOPE_GLOBAL;
		LIST_FOREACH(s, &ss->kinds[kind], link) {
			if (r->min_samples > 0 && window_empty(&s->win[w], t))
				continue;
			window_query(&s->win[w], t, m);
			alerts_rule(a, ri, s->name, m, t);
		}
	}
	for (st = LIST_FIRST(&a->states); st != NULL; st = next) {
		next = LIST_NEXT(st, link);
		if (st->seen == SEEN_HELD) {
			st->seen = SEEN_NOT;
			continue;
		}
		st->seen = SEEN_NOT;
		alerts_end(a, st);	/* may free st */
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
	size_t			 j;

	for (st = LIST_FIRST(&a->states); st != NULL; st = next) {
		next = LIST_NEXT(st, link);
		old = &a->cf->alerts.rules[st->rule];
		for (j = 0; j < cf->alerts.nrules; j++) {
			nr = &cf->alerts.rules[j];
			if (strcmp(nr->name, old->name) == 0 &&
			    nr->scope == old->scope &&
			    nr->metric == old->metric &&
			    nr->window_s == old->window_s)
				break;
		}
		if (j < cf->alerts.nrules)
			st->rule = j;
		else
			alerts_end(a, st);
	}
	/* emitted under the old rules' names, then switched */
	alerts_emit(a, t);
	a->cf = cf;
	a->interval = cf->alerts.interval_s * 1000;
}
