/*
 * The engine: the clock, the reorder buffer, waits and their outcomes
 * (replytimed(8), METRIC DEFINITIONS).  Everything happens in stamp
 * order: the events the clock has passed and the thresholds it has
 * crossed are merged by time, an event before a threshold at the same
 * millisecond, so a reply at exactly the target still counts as within
 * it.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "engine_impl.h"
#include "xmalloc.h"

const char *const outcome_names[OUTCOME_COUNT] = {
#define OUTCOME_NAME(id, name) name,
	OUTCOME_TABLE(OUTCOME_NAME)
#undef OUTCOME_NAME
};

#define BIT(k)		(1U << (k))

/* The built-in alerts, from OVERDUE_TABLE. */
static const struct {
	const char	*name;
	const char	*severity;
	int		 target;
} engine_overdue[OVERDUE_COUNT] = {
#define OVERDUE_DEF(id, name, severity, target) { name, severity, target },
	OVERDUE_TABLE(OVERDUE_DEF)
#undef OVERDUE_DEF
};
/* The targets' bits of conv->passed; the others are alerts'. */
#define TARGET_BITS	(BIT(THR_FRT) | BIT(THR_WITHIN))
/* How often scopes idle past every window are collected, in stamps. */
#define GC_INTERVAL_MS	60000
/* ... and at most how often again when a scope cap is reached. */
#define GC_CAP_INTERVAL_MS 1000

static void	engine_finish(struct engine *, struct conv *, int64_t);
static enum reason engine_push(struct engine *, struct chat_event *);
static void	engine_alert(struct engine *, struct conv *,
		    const struct threshold *, int64_t, enum alert_status);

struct engine *
engine_new(const struct conf *cf)
{
	struct engine	*e;
	int64_t		 widths[CONF_MAX_WINDOWS];
	int		 i;

	e = xcalloc(1, sizeof(*e));
	e->lateness = cf->ingest.allowed_lateness_ms;
	e->max_future = cf->ingest.max_future_ms;
	e->ttl = cf->metrics.conversation_ttl_s * 1000;
	e->max_convs = (size_t)cf->metrics.max_conversations;
	e->exclude_bot = cf->metrics.exclude_bot_time;
	e->max_entry = (size_t)cf->ingest.max_entry_kb * 1024;
	e->max_reorder = (size_t)cf->ingest.max_reorder;
	e->clock = e->stamp = e->mark = ENGINE_NO_CLOCK;
	e->gc_at = e->capgc_at = ENGINE_NO_CLOCK;
	for (i = 0; i < cf->metrics.nwindows; i++)
		widths[i] = cf->metrics.windows_s[i] * 1000;
	reorder_init(&e->reorder);
	convs_init(&e->convs);
	TAILQ_INIT(&e->waits);
	scopes_init(&e->scopes, widths, cf->metrics.nwindows);
	scopes_set_max(&e->scopes, SCOPE_AGENT,
	    (size_t)cf->metrics.max_agents);
	scopes_set_max(&e->scopes, SCOPE_TEAM, (size_t)cf->metrics.max_teams);
	e->convs.max_msgids = (size_t)cf->metrics.max_message_ids;
	e->thr[THR_FRT].kind = THRESHOLD_FRT;
	e->thr[THR_FRT].first_only = 1;
	e->thr[THR_WITHIN].kind = THRESHOLD_WITHIN;
	e->nthr = THR_ALERTS;
	e->alerts = alerts_new(cf);
	e->eval_at = ENGINE_NO_CLOCK;
	engine_set_rules(e, cf);
	engine_set_targets(e, cf);
	return (e);
}

void
engine_free(struct engine *e)
{
	int	 k;

	if (e == NULL)
		return;
	for (k = 0; k < ENGINE_MAX_THRESHOLDS; k++) {
		free(e->thr[k].rule);
		free(e->thr[k].severity);
	}
	for (k = 0; k < OVERDUE_COUNT; k++) {
		free(e->overdue[k].rule);
		free(e->overdue[k].severity);
	}
	reorder_clear(&e->reorder);
	alerts_free(e->alerts);
	convs_clear(&e->convs);
	scopes_clear(&e->scopes);
	free(e);
}

void
engine_set_sink(struct engine *e, engine_sink sink, void *arg)
{
	e->sink = sink;
	e->sink_arg = arg;
}

/*
 * Takes new targets (a reload).  Each threshold's cursor goes back to the
 * oldest wait that has not passed it; a wait already older than a lowered
 * target passes it at the next step, stamped at the present clock.
 */
void
engine_set_targets(struct engine *e, const struct conf *cf)
{
	struct conv	*c;
	int		 k;

	e->frt_ms = (int64_t)(cf->targets.first_response_s * 1000 + 0.5);
	e->within_ms = (int64_t)(cf->targets.response_within_s * 1000 + 0.5);
	e->thr[THR_FRT].after = e->frt_ms;
	e->thr[THR_WITHIN].after = e->within_ms;
	/* the built-in overdue alerts are the targets */
	for (k = 0; k < OVERDUE_COUNT; k++)
		e->overdue[k].after = e->thr[engine_overdue[k].target].after;
	if (e->clock > e->stamp)
		e->stamp = e->clock;
	e->thr_lb = INT64_MIN;
	for (k = 0; k < e->nthr; k++) {
		TAILQ_FOREACH(c, &e->waits, wait)
			if (!(c->passed & BIT(k)))
				break;
		e->thr[k].cursor = c;
	}
}

/* Replaces a string the engine owns with a copy of s. */
static void
engine_strset(char **dst, const char *s)
{
	free(*dst);
	*dst = xstrdup(s);
}

/*
 * Sets the conversation alert rules: the built-in ones (OVERDUE_TABLE),
 * then those of the config.  A reload may
 * change their seconds and severities, not their number or order (those
 * take a restart: the wait's bits of what it passed follow the order).
 * Names are copied: the caller frees a config once the next one is in,
 * and a reload with fewer rules leaves the rest running as they were.
 */
void
engine_set_rules(struct engine *e, const struct conf *cf)
{
	const struct alert_rule	*r;
	struct threshold	*th;
	size_t			 i;
	int			 n = THR_ALERTS, k;

	for (i = 0; i < cf->alerts.nrules && n < ENGINE_MAX_THRESHOLDS;
	    i++) {
		r = &cf->alerts.rules[i];
		if (r->scope != RULE_SCOPE_CONVERSATION)
			continue;
		th = &e->thr[n++];
		th->kind = THRESHOLD_ALERT;
		th->after = r->open_ms;
		th->first_only = r->first_only;
		engine_strset(&th->rule, r->name);
		engine_strset(&th->severity, r->severity);
	}
	if (e->nthr == THR_ALERTS && n != e->nthr) {
		e->nthr = n;
		e->thr_lb = INT64_MIN;
	}
	for (k = 0; k < OVERDUE_COUNT; k++) {
		engine_strset(&e->overdue[k].rule, engine_overdue[k].name);
		engine_strset(&e->overdue[k].severity,
		    engine_overdue[k].severity);
	}
	if (e->alerts != NULL && e->clock != ENGINE_NO_CLOCK)
		alerts_set_conf(e->alerts, cf, e->clock);
}

/* The time the clock may move to after a read. */
static int64_t
engine_target(const struct engine *e, int64_t wall, int caught_up)
{
	int64_t	 t = e->clock;

	if (e->mark != ENGINE_NO_CLOCK && e->mark - e->lateness > t)
		t = e->mark - e->lateness;
	if (caught_up && wall - e->lateness > t)
		t = wall - e->lateness;
	return (t);
}

/*
 * Parses one stream entry and buffers it; returns why it was refused.
 * An entry over ingest.max_entry_kb is refused before anything parses it.
 */
enum reason
engine_read(struct engine *e, const char *id, const struct entry_field *f,
    size_t nf, int64_t wall)
{
	struct chat_event	*ev;
	enum reason	 why;

	e->stats.read++;
	if (entry_size(f, nf) > e->max_entry) {
		e->stats.refused++;
		e->stats.reasons[REASON_TOO_LARGE]++;
		return (REASON_TOO_LARGE);
	}
	if ((ev = entry_parse(id, f, nf, wall, e->max_future, &why)) == NULL) {
		e->stats.refused++;
		e->stats.reasons[why]++;
		return (why);
	}
	return (engine_push(e, ev));
}

/*
 * Buffers a parsed event, or refuses it as late; takes ownership.  Late
 * means behind the clock, which is at least the watermark of everything
 * read before, also within one read: so how the stream was cut into
 * reads (live, or the pages of a rebuild) never changes the verdict.
 * The watermark moves with min(ts, the ID's milliseconds): an event
 * stamped ahead of its arrival in Redis waits in the buffer like any
 * other but cannot drag the clock past the time Redis received it.
 * With ingest.max_reorder events waiting, an event is refused as
 * reorder_full unless the watermark it brings lets the first of them
 * go: then the clock moves there at once (as the read's end would).
 */
static enum reason
engine_push(struct engine *e, struct chat_event *ev)
{
	if ((e->clock != ENGINE_NO_CLOCK && ev->ts < e->clock) ||
	    (e->mark != ENGINE_NO_CLOCK && ev->ts < e->mark - e->lateness)) {
		chat_event_free(ev);
		e->stats.refused++;
		e->stats.reasons[REASON_LATE]++;
		return (REASON_LATE);
	}
	if (reorder_len(&e->reorder) >= e->max_reorder &&
	    reorder_peek(&e->reorder)->ts > (ev->mark > e->mark ? ev->mark :
	    e->mark) - e->lateness) {
		chat_event_free(ev);
		e->stats.refused++;
		e->stats.reasons[REASON_REORDER_FULL]++;
		return (REASON_REORDER_FULL);
	}
	ev->seq = e->seq++;
	ev->convhash = conv_hash(ev->conv, ev->convlen);
	if (ev->mark > e->mark)
		e->mark = ev->mark;
	reorder_push(&e->reorder, ev);
	e->stats.accepted++;
	if (reorder_len(&e->reorder) > e->max_reorder)
		engine_advance(e, 0, 0);
	return (REASON_NONE);
}

/* Scope bookkeeping. */

static void
engine_waiting(struct conv *c, struct scope *global, int delta)
{
	global->waiting += delta;
	if (c->agent != NULL)
		c->agent->waiting += delta;
	if (c->team != NULL)
		c->team->waiting += delta;
}

static int
conv_counts_waiting(const struct conv *c)
{
	return ((c->flags & (CONV_WAITING | CONV_BOT)) == CONV_WAITING);
}

/* Points a conversation at another agent or team, moving its wait. */
static void
engine_reassign(struct conv *c, struct scope **slot, struct scope *to)
{
	struct scope	*from = *slot;

	if (from == to)
		return;
	if (from != NULL) {
		from->refs--;
		if (conv_counts_waiting(c))
			from->waiting--;
	}
	if (to != NULL) {
		to->refs++;
		if (conv_counts_waiting(c))
			to->waiting++;
	}
	*slot = to;
}

/* The wait list and its threshold cursors. */

static void
wait_append(struct engine *e, struct conv *c)
{
	int	 k;

	TAILQ_INSERT_TAIL(&e->waits, c, wait);
	for (k = 0; k < e->nthr; k++) {
		if (e->thr[k].cursor == NULL)
			e->thr[k].cursor = c;
		if (c->start + e->thr[k].after < e->thr_lb)
			e->thr_lb = c->start + e->thr[k].after;
	}
}

static void
wait_remove(struct engine *e, struct conv *c)
{
	int	 k;

	for (k = 0; k < e->nthr; k++)
		if (e->thr[k].cursor == c)
			e->thr[k].cursor = TAILQ_NEXT(c, wait);
	TAILQ_REMOVE(&e->waits, c, wait);
}

/* Starts (or, after the bot, restarts) a wait's clock at ts. */
static void
wait_start(struct engine *e, struct conv *c, int64_t ts)
{
	c->flags &= ~CONV_BOT;
	c->start = ts;
	wait_append(e, c);
	engine_waiting(c, e->scopes.global, 1);
}

/* Stops a wait's clock: closed, or handed to the bot. */
static void
wait_stop(struct engine *e, struct conv *c)
{
	if (!conv_counts_waiting(c))
		return;
	wait_remove(e, c);
	engine_waiting(c, e->scopes.global, -1);
}

static void
wait_close(struct engine *e, struct conv *c)
{
	int	 k;

	/* alerts fired for this wait resolve as it closes */
	if ((c->flags & CONV_WAITING) && (c->passed & ~TARGET_BITS)) {
		for (k = 0; k < OVERDUE_COUNT; k++)
			if (c->passed & BIT(BIT_OVERDUE(k)))
				engine_alert(e, c, &e->overdue[k], e->stamp,
				    ALERT_RESOLVED);
		for (k = THR_ALERTS; k < e->nthr; k++)
			if (c->passed & BIT(k))
				engine_alert(e, c, &e->thr[k], e->stamp,
				    ALERT_RESOLVED);
	}
	wait_stop(e, c);
	c->flags &= ~(CONV_WAITING | CONV_BOT | CONV_FIRST);
}

/* Outcomes. */

/* The name of the conversation's agent or team, with a scope or not. */
static const char *
engine_name(const struct scope *s, const char *unscoped)
{
	return (s != NULL ? s->name : unscoped);
}

/* Whether the scope s, or else the name unscoped, is name. */
static int
engine_named(const struct scope *s, const char *unscoped, const char *name,
    size_t len)
{
	if (s != NULL)
		return (s->namelen == len && memcmp(s->name, name, len) == 0);
	return (unscoped != NULL && strncmp(unscoped, name, len) == 0 &&
	    unscoped[len] == '\0');
}

/*
 * Collects the teams and agents nothing needs at stamp.  Collections
 * happen on the minute grid (engine_step_gc) and, at most once a second
 * of stamps, when a cap is reached (engine_scope): always at a stamp that
 * a replay passes too, in the same order, never wherever the clock was
 * moved to, so which scopes exist, and so whom a cap refuses, is the same
 * in a replay.
 */
static void
engine_gc(struct engine *e, int64_t stamp)
{
	scopes_gc(&e->scopes, stamp);
	if (stamp >= e->gc_at)
		e->gc_at = (stamp / GC_INTERVAL_MS + 1) * GC_INTERVAL_MS;
}

/*
 * The named team or agent, created if need be; NULL (and counted) when
 * it is new and metrics.max_agents or max_teams are reached even once
 * what the present no longer needs is collected.
 */
static struct scope *
engine_scope(struct engine *e, enum scope_kind kind, const char *name,
    size_t len)
{
	struct scope	*s;

	if ((s = scope_get(&e->scopes, kind, name, len)) != NULL)
		return (s);
	if (e->capgc_at == ENGINE_NO_CLOCK || e->stamp >= e->capgc_at) {
		engine_gc(e, e->stamp);
		e->capgc_at = e->stamp + GC_CAP_INTERVAL_MS;
	}
	if ((s = scope_get(&e->scopes, kind, name, len)) != NULL)
		return (s);
	if (kind == SCOPE_AGENT)
		e->stats.agents_refused++;
	else
		e->stats.teams_refused++;
	return (NULL);
}

static void
engine_emit(struct engine *e, struct conv *c, enum outcome_kind kind,
    const char *agent, int64_t stamp, int64_t wait)
{
	struct outcome	 o;

	e->stats.outcomes[kind]++;
	if (e->sink == NULL)
		return;
	o.kind = kind;
	o.conv = c->id;
	o.agent = agent;
	o.team = engine_name(c->team, c->xteam);
	o.first = (c->flags & CONV_FIRST) != 0;
	o.wait_ms = wait;
	o.ts = stamp;
	e->sink(&o, e->sink_arg);
}

static void
engine_credit(struct engine *e, struct scope *agent, struct scope *team,
    int64_t stamp, enum tally t)
{
	if (agent != NULL)
		scope_count(agent, stamp, t);
	if (team != NULL)
		scope_count(team, stamp, t);
	scope_count(e->scopes.global, stamp, t);
}

/* A conversation alert for a wait and a threshold, as of stamp. */
static void
engine_alert_event(const struct conv *c, const struct threshold *th,
    int64_t stamp, enum alert_status status, struct alert_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->rule = th->rule;
	ev->status = status;
	ev->severity = th->severity;
	ev->scope = alert_scope_name(RULE_SCOPE_CONVERSATION);
	ev->subject = c->id;
	ev->metric = "wait_s";
	ev->value = (stamp - c->start) / 1000.0;
	ev->threshold = th->after / 1000.0;
	ev->started_ms = c->start + th->after;
	ev->ts_ms = stamp;
	ev->agent = engine_name(c->agent, c->xagent);
	ev->team = engine_name(c->team, c->xteam);
	alert_id(ev);
}

/* A conversation alert: fired when a wait passes it, resolved at close. */
static void
engine_alert(struct engine *e, struct conv *c, const struct threshold *th,
    int64_t stamp, enum alert_status status)
{
	struct alert_event	 ev;

	if (!alerts_listened(e->alerts)) {
		memset(&ev, 0, sizeof(ev));
		ev.status = status;
	} else
		engine_alert_event(c, th, stamp, status, &ev);
	alerts_send(e->alerts, &ev);
}

/* The threshold of bit k of conv->passed, or NULL for a target's. */
static const struct threshold *
engine_alert_threshold(const struct engine *e, int k)
{
	if (k >= BIT_OVERDUE(0))
		return (&e->overdue[k - BIT_OVERDUE(0)]);
	if (k >= THR_ALERTS && k < e->nthr)
		return (&e->thr[k]);
	return (NULL);
}

/*
 * The alerts firing now, oldest first: the metric ones, and one for each
 * conversation alert a wait still open has passed.
 */
void
engine_alerts_firing(const struct engine *e, struct alert_list *list)
{
	const struct threshold	*th;
	const struct conv	*c;
	int			 k;

	alerts_firing_list(e->alerts, list);
	TAILQ_FOREACH(c, &e->convs.idle, idle) {
		if (!(c->flags & CONV_WAITING) || !(c->passed & ~TARGET_BITS))
			continue;
		for (k = THR_ALERTS; k < CONV_PASSED_BITS; k++)
			if ((c->passed & BIT(k)) &&
			    (th = engine_alert_threshold(e, k)) != NULL)
				engine_alert_event(c, th, e->clock,
				    ALERT_FIRING, alert_list_add(list));
	}
	alert_list_sort(list);
}

/* A wait passed a target unanswered: credited to the assigned agent. */
static void
engine_breach(struct engine *e, struct conv *c, int k, int64_t stamp)
{
	c->passed |= BIT(k);
	if (e->thr[k].kind == THRESHOLD_ALERT) {
		engine_alert(e, c, &e->thr[k], stamp, ALERT_FIRING);
		return;
	}
	if (k == THR_FRT) {
		engine_credit(e, c->agent, c->team, stamp, TALLY_FRT_BREACHED);
		engine_emit(e, c, OUTCOME_FRT_BREACHED,
		    engine_name(c->agent, c->xagent), stamp,
		    stamp - c->start);
	} else {
		engine_credit(e, c->agent, c->team, stamp, TALLY_MISSED);
		engine_emit(e, c, OUTCOME_MISSED,
		    engine_name(c->agent, c->xagent), stamp,
		    stamp - c->start);
	}
}

/* An agent's reply closes the open wait. */
static void
engine_respond(struct engine *e, struct conv *c, const struct chat_event *ev)
{
	struct scope	*agent = c->agent;
	int64_t		 wait;
	uint32_t	 ms;
	int		 flags = 0;

	if (agent == NULL || agent->namelen != ev->agentlen ||
	    memcmp(agent->name, ev->agent, ev->agentlen) != 0)
		agent = engine_scope(e, SCOPE_AGENT, ev->agent, ev->agentlen);
	wait = (c->flags & CONV_BOT) ? 0 : ev->ts - c->start;
	ms = wait > UINT32_MAX ? UINT32_MAX : (uint32_t)wait;
	if (c->flags & CONV_FIRST) {
		flags |= WINDOW_FIRST;
		if (!(c->passed & BIT(THR_FRT)))
			flags |= WINDOW_FRT_WITHIN;
	}
	if (!(c->passed & BIT(THR_WITHIN)))
		flags |= WINDOW_WITHIN;
	c->passed |= BIT(THR_FRT) | BIT(THR_WITHIN);
	if (agent != NULL)
		scope_response(agent, ev->ts, ms, flags);
	if (c->team != NULL)
		scope_response(c->team, ev->ts, ms, flags);
	scope_response(e->scopes.global, ev->ts, ms, flags);
	engine_emit(e, c, OUTCOME_RESPONSE, ev->agent, ev->ts, wait);
	wait_close(e, c);
}

/*
 * Ends a conversation at stamp: closed, forgotten or evicted.  An open
 * wait with a human takes its pending outcomes then and is unanswered.
 */
static void
engine_finish(struct engine *e, struct conv *c, int64_t stamp)
{
	if (conv_counts_waiting(c)) {
		if ((c->flags & CONV_FIRST) && !(c->passed & BIT(THR_FRT)))
			engine_breach(e, c, THR_FRT, stamp);
		if (!(c->passed & BIT(THR_WITHIN)))
			engine_breach(e, c, THR_WITHIN, stamp);
		engine_credit(e, c->agent, c->team, stamp, TALLY_UNANSWERED);
		engine_emit(e, c, OUTCOME_UNANSWERED,
		    engine_name(c->agent, c->xagent), stamp,
		    stamp - c->start);
	}
	wait_close(e, c);
	engine_reassign(c, &c->agent, NULL);
	engine_reassign(c, &c->team, NULL);
	conv_free(&e->convs, c);
}

/* Applies one event, at its ts. */
static void
engine_apply(struct engine *e, const struct chat_event *ev)
{
	struct conv	*c;
	struct scope	*s;

	e->stats.applied++;
	c = conv_find(&e->convs, ev->conv, ev->convlen, ev->convhash);
	if (c == NULL) {
		if (ev->type == TYPE_CLOSE)
			return;
		while (e->convs.count >= e->max_convs) {
			e->stats.evicted++;
			engine_finish(e, TAILQ_FIRST(&e->convs.idle), ev->ts);
		}
		c = conv_new(&e->convs, ev->conv, ev->convlen, ev->convhash);
	}
	if (ev->msgid != NULL) {
		switch (conv_seen(&e->convs, c, ev->msgid, ev->msgidlen)) {
		case CONV_SEEN_DUP:
			e->stats.duplicates++;
			return;
		case CONV_SEEN_FULL:
			e->stats.message_ids_refused++;
			break;
		case CONV_SEEN_NEW:
			break;
		}
	}
	conv_touch(&e->convs, c, ev->ts);
	if (ev->team != NULL &&
	    !engine_named(c->team, c->xteam, ev->team, ev->teamlen)) {
		s = engine_scope(e, SCOPE_TEAM, ev->team, ev->teamlen);
		engine_reassign(c, &c->team, s);
		conv_name_set(&c->xteam, s == NULL ? ev->team : NULL,
		    ev->teamlen);
	}
	if (ev->agent != NULL && (ev->type == TYPE_ASSIGN ||
	    ev->role == ROLE_CUSTOMER) &&
	    !engine_named(c->agent, c->xagent, ev->agent, ev->agentlen)) {
		s = engine_scope(e, SCOPE_AGENT, ev->agent, ev->agentlen);
		engine_reassign(c, &c->agent, s);
		conv_name_set(&c->xagent, s == NULL ? ev->agent : NULL,
		    ev->agentlen);
	}

	switch (ev->type) {
	case TYPE_CLOSE:
		e->stats.closed++;
		engine_finish(e, c, ev->ts);
		return;
	case TYPE_ASSIGN:
		if (c->flags & CONV_BOT)
			wait_start(e, c, ev->ts);
		return;
	case TYPE_MESSAGE:
		break;
	}
	switch (ev->role) {
	case ROLE_CUSTOMER:
		if (c->flags & CONV_WAITING)
			break;
		c->flags |= CONV_WAITING;
		if (!(c->flags & CONV_HADWAIT))
			c->flags |= CONV_FIRST | CONV_HADWAIT;
		c->passed = 0;
		wait_start(e, c, ev->ts);
		break;
	case ROLE_AGENT:
		if (c->flags & CONV_WAITING)
			engine_respond(e, c, ev);
		break;
	case ROLE_BOT:
		if (e->exclude_bot && conv_counts_waiting(c)) {
			wait_stop(e, c);
			c->flags |= CONV_BOT;
		}
		break;
	case ROLE_SYSTEM:
	case ROLE_NONE:
		break;
	}
}

/*
 * The next threshold any open wait crosses: returns its index and sets
 * *when, or returns -1.  Cursors step over the waits a threshold does not
 * apply to, which costs nothing later.
 */
static int
engine_next_threshold(struct engine *e, int64_t *when)
{
	struct threshold	*th;
	struct conv		*c;
	int			 k, best = -1;

	for (k = 0; k < e->nthr; k++) {
		th = &e->thr[k];
		while ((c = th->cursor) != NULL && ((c->passed & BIT(k)) ||
		    (th->first_only && !(c->flags & CONV_FIRST))))
			th->cursor = TAILQ_NEXT(c, wait);
		if (c == NULL)
			continue;
		if (best == -1 || c->start + th->after < *when) {
			best = k;
			*when = c->start + th->after;
		}
	}
	return (best);
}

/*
 * Applying an event mostly waits on memory: its conversation, the
 * neighbours it is linked to, and for a reply the agent's windows.  The events to come are known, so their
 * cache lines are requested a few events ahead, in dependent steps.
 */
static void
engine_prefetch(const struct engine *e)
{
	static const size_t	 ahead[3] = { 12, 6, 3 };
	const struct chat_event	*ev;
	const struct conv	*c;
	int			 step;

	for (step = 0; step < 3; step++) {
		if ((ev = reorder_ahead(&e->reorder, ahead[step])) == NULL)
			continue;
		c = conv_prefetch(&e->convs, ev->convhash, step);
		if (c != NULL && c->agent != NULL && ev->role == ROLE_AGENT)
			scope_prefetch(c->agent, ev->ts);
	}
}

/*
 * Whether evaluating the alert rules at t and after changes nothing until
 * the next outcome: none is pending or firing, and every window is empty
 * (the global scope counts every outcome), so each rule sees the same
 * empty values at every instant and nothing holds.
 */
static int
engine_alerts_quiet(const struct engine *e, int64_t t)
{
	int	 i;

	if (!alerts_idle(e->alerts))
		return (0);
	for (i = 0; i < e->scopes.nwindows; i++)
		if (!window_empty(&e->scopes.global->win[i], t))
			return (0);
	return (1);
}

static int64_t
engine_stamp(struct engine *e, int64_t when)
{
	if (when > e->stamp)
		e->stamp = when;
	return (e->stamp);
}

/*
 * What the clock passes next: an event, a threshold, a TTL, an evaluation,
 * or a minute at which the scopes nothing needs are collected.
 */
enum step_kind {
	STEP_NONE,
	STEP_EVENT,
	STEP_THRESHOLD,
	STEP_TTL,
	STEP_EVAL,
	STEP_GC
};

/* The next thing of each kind before the clock's target, INT64_MAX: none. */
struct step {
	struct chat_event	*ev;		/* at ev->ts, or NULL */
	int			 k;		/* threshold, or -1 */
	int64_t			 thr_at;
	struct conv		*idle;		/* the TTL's conversation */
	int64_t			 ttl_at;
	int64_t			 eval_at;
	int64_t			 gc_at;		/* a minute of the grid */
};

/* Finds the next step before t, the earliest of its five candidates. */
static enum step_kind
engine_next_step(struct engine *e, int64_t t, struct step *st)
{
	struct conv	*c;
	int64_t		 thr_at = INT64_MAX;

	st->ev = reorder_peek(&e->reorder);
	if (st->ev != NULL && st->ev->ts > t)
		st->ev = NULL;
	c = st->idle = TAILQ_FIRST(&e->convs.idle);
	st->ttl_at = c != NULL && c->last + e->ttl < t ? c->last + e->ttl :
	    INT64_MAX;
	/* alert rules are evaluated after all else of their instant */
	st->eval_at = e->eval_at != ENGINE_NO_CLOCK && e->eval_at < t ?
	    e->eval_at : INT64_MAX;
	/*
	 * Deadlines only move later, but for a new wait, which lowers
	 * thr_lb: below it no threshold needs looking for.
	 */
	st->k = -1;
	if (st->ev == NULL || st->ev->ts > e->thr_lb) {
		st->k = engine_next_threshold(e, &thr_at);
		e->thr_lb = st->k == -1 ? INT64_MAX : thr_at;
		if (st->k != -1 && thr_at >= t)
			st->k = -1;
	}
	st->thr_at = st->k == -1 ? INT64_MAX : thr_at;
	st->gc_at = e->gc_at != ENGINE_NO_CLOCK && e->gc_at < t ? e->gc_at :
	    INT64_MAX;
	/* scopes are collected before anything else of their instant */
	if (st->gc_at != INT64_MAX && (st->ev == NULL ||
	    st->gc_at < st->ev->ts) && st->gc_at < st->thr_at &&
	    st->gc_at < st->ttl_at && st->gc_at < st->eval_at)
		return (STEP_GC);

	if (st->ev != NULL && st->ev->ts <= st->thr_at &&
	    st->ev->ts <= st->ttl_at && st->ev->ts <= st->eval_at)
		return (STEP_EVENT);
	if (st->k != -1 && st->thr_at <= st->ttl_at &&
	    st->thr_at <= st->eval_at)
		return (STEP_THRESHOLD);
	if (st->ttl_at != INT64_MAX && st->ttl_at <= st->eval_at)
		return (STEP_TTL);
	if (st->eval_at != INT64_MAX)
		return (STEP_EVAL);
	return (STEP_NONE);
}

/* Applies the next event of the reorder buffer. */
static void
engine_step_event(struct engine *e, struct chat_event *ev)
{
	engine_prefetch(e);
	reorder_pop(&e->reorder);
	/* evaluations start after the first event applied, whatever reads */
	if (e->eval_at == ENGINE_NO_CLOCK)
		e->eval_at = alerts_next(e->alerts, ev->ts);
	if (e->gc_at == ENGINE_NO_CLOCK)
		e->gc_at = (ev->ts / GC_INTERVAL_MS + 1) * GC_INTERVAL_MS;
	engine_stamp(e, ev->ts);
	engine_apply(e, ev);
	chat_event_free(ev);
}

/* A wait passes threshold k. */
static void
engine_step_threshold(struct engine *e, int k, int64_t thr_at)
{
	struct conv	*c = e->thr[k].cursor;
	int		 i;

	engine_stamp(e, thr_at);
	e->thr[k].cursor = TAILQ_NEXT(c, wait);
	engine_breach(e, c, k, e->stamp);
	/*
	 * Overdue on the clock (not at a close): alert too, at the breach's
	 * stamp, which is later than thr_at when a reload lowered the target.
	 */
	for (i = 0; i < OVERDUE_COUNT; i++) {
		if (engine_overdue[i].target != k)
			continue;
		c->passed |= BIT(BIT_OVERDUE(i));
		engine_alert(e, c, &e->overdue[i], e->stamp, ALERT_FIRING);
	}
}

/*
 * Evaluates the alert rules.  Idle, it skips to the first instant at or
 * after the next thing to apply, so that a clock jumping over years (an
 * old first entry) does not walk them.
 */
static void
engine_step_eval(struct engine *e, const struct step *st, int64_t t)
{
	int64_t	 next = t;

	alerts_eval(e->alerts, &e->scopes, engine_stamp(e, st->eval_at));
	e->eval_at = alerts_next(e->alerts, st->eval_at);
	if (!engine_alerts_quiet(e, st->eval_at))
		return;
	if (st->ev != NULL && st->ev->ts < next)
		next = st->ev->ts;
	if (st->thr_at < next)
		next = st->thr_at;
	if (st->ttl_at < next)
		next = st->ttl_at;
	if (next > e->eval_at)
		e->eval_at = alerts_next(e->alerts, next - 1);
}

/*
 * Collects the scopes nothing needs, at the last minute of the grid before
 * whatever comes next (or the clock's target): nothing changes between
 * steps but time, and a scope once unneeded stays so, so this is the
 * collection at each minute passed, without walking an idle year.
 */
static void
engine_step_gc(struct engine *e, const struct step *st, int64_t t)
{
	int64_t	 next = t, at;

	if (st->ev != NULL && st->ev->ts < next)
		next = st->ev->ts;
	if (st->thr_at < next)
		next = st->thr_at;
	if (st->ttl_at < next)
		next = st->ttl_at;
	if (st->eval_at < next)
		next = st->eval_at;
	at = (next - 1) / GC_INTERVAL_MS * GC_INTERVAL_MS;
	if (at < st->gc_at)
		at = st->gc_at;
	engine_gc(e, engine_stamp(e, at));
}

/*
 * Moves the clock to its new target, applying in stamp order every event
 * and every timer the clock passes: an event at or before the new clock,
 * a threshold or a TTL strictly before it.
 */
void
engine_advance(struct engine *e, int64_t wall, int caught_up)
{
	struct step	 st;
	int64_t		 t;

	if ((t = engine_target(e, wall, caught_up)) == ENGINE_NO_CLOCK)
		return;
	for (;;) {
		switch (engine_next_step(e, t, &st)) {
		case STEP_EVENT:
			engine_step_event(e, st.ev);
			continue;
		case STEP_THRESHOLD:
			engine_step_threshold(e, st.k, st.thr_at);
			continue;
		case STEP_TTL:
			e->stats.expired++;
			engine_stamp(e, st.ttl_at);
			engine_finish(e, st.idle, e->stamp);
			continue;
		case STEP_EVAL:
			engine_step_eval(e, &st, t);
			continue;
		case STEP_GC:
			engine_step_gc(e, &st, t);
			continue;
		case STEP_NONE:
			break;
		}
		break;
	}
	if (t > e->clock)
		e->clock = t;
}

size_t
engine_conversations(const struct engine *e)
{
	return (e->convs.count);
}

const struct engine_stats *
engine_stats(const struct engine *e)
{
	return (&e->stats);
}

struct alerts *
engine_alerts(const struct engine *e)
{
	return (e->alerts);
}
