/* libFuzzer target: hostile stream entries, parsed and through the engine. */

/*
 * The input is text, one line ('\n') per stream entry or command:
 *
 *   ID<TAB>name<TAB>value<TAB>name<TAB>value...
 *	A stream entry: its ID ("1700000000000-0"), then its fields as
 *	name and value pairs; a name without a value gets an empty one.
 *	Any byte but '\n' and '\t' may appear, NUL included (in the ID,
 *	a C string, it ends it).  A `json` field is the single-field
 *	form.  Each entry goes through entry_parse() on its own and
 *	through engine_read(), at the current wall clock.
 *   !cN	(first line only) start on config variant N (see fuzz_confs).
 *   !wD	move the wall clock D ms (signed, clamped) and advance the
 *		engine, caught up with the head of the stream.
 *   !bD	the same, reading a backlog (not caught up).
 *   !rN	reload config variant N, as main.c's SIGHUP does.
 *   !s		build the snapshot, the firing alerts and /metrics.
 *
 * The wall clock starts at FZ_WALL0; at the end the engine advances once
 * more and everything is freed.  The sinks and the checks after every
 * advance assert what the contract promises: outcomes and alert
 * transitions in stamp order, counters that add up and, at "!s",
 * window metrics that keep their definitions.
 */

#include <assert.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alert.h"
#include "conf.h"
#include "engine_impl.h"
#include "entry.h"
#include "prom.h"
#include "sid.h"
#include "snapshot.h"

#define FZ_WALL0	1700000000000LL		/* 2023-11-14 */
#define FZ_STEP_MAX	86400000LL		/* one move of the wall clock */
#define FZ_BUDGET	(2 * 86400000LL)	/* forward moves of one input */

#include "fuzz_confs.h"

#define FZ_NCONFS	(sizeof(fuzz_confs) / sizeof(fuzz_confs[0]))

/* One input's run: the configs as main.c holds them, and the checks. */
struct fz {
	struct conf	*cf;		/* the start config, kept to the end */
	struct conf	*rcf;		/* the running one */
	struct engine	*e;
	int64_t		 wall;
	int64_t		 budget;	/* forward wall clock moves left */
	int64_t		 last_outcome;	/* stamp of the last outcome */
	int64_t		 last_alert;	/* stamp of the last transition */
};

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Parses config variant n; every one of them is valid. */
static struct conf *
fz_conf(size_t n)
{
	struct conf	*cf;
	char		 err[512];

	n %= FZ_NCONFS;
	if (fuzz_confs[n] == NULL)
		return (conf_default());
	cf = conf_parse(fuzz_confs[n], strlen(fuzz_confs[n]), "fuzz", err,
	    sizeof(err));
	if (cf == NULL) {
		fprintf(stderr, "config variant %zu: %s\n", n, err);
		abort();
	}
	return (cf);
}

/* Asserts that s is a string jansson takes: the output sinks need it. */
static void
fz_json_string(const char *s)
{
	json_t	*j;

	assert(s != NULL);
	j = json_string(s);
	assert(j != NULL);
	json_decref(j);
}

/* The outcome sink: stamps never go back, waits are never negative. */
static void
fz_outcome_cb(const struct outcome *o, void *arg)
{
	struct fz	*f = arg;

	assert((unsigned int)o->kind < OUTCOME_COUNT);
	assert(o->conv != NULL && o->conv[0] != '\0');
	assert(o->ts >= f->last_outcome);
	assert(o->wait_ms >= 0);
	assert(o->first == 0 || o->first == 1);
	f->last_outcome = o->ts;
}

/* The alert sink: the same order, and fields the JSON output can hold. */
static void
fz_alert_cb(const struct alert_event *ev, void *arg)
{
	struct fz	*f = arg;

	assert(ev->status == ALERT_FIRING || ev->status == ALERT_RESOLVED);
	assert(ev->ts_ms >= f->last_alert);
	fz_json_string(ev->id);
	fz_json_string(ev->rule);
	fz_json_string(ev->severity);
	fz_json_string(ev->scope);
	fz_json_string(ev->subject);
	fz_json_string(ev->metric);
	if (ev->agent != NULL)
		fz_json_string(ev->agent);
	if (ev->team != NULL)
		fz_json_string(ev->team);
	f->last_alert = ev->ts_ms;
}

/*
 * Checks the engine's bookkeeping against a recount: the counters, the
 * wait list in start order, and every scope's waits and references.
 */
static void
fz_check_engine(const struct engine *e)
{
	const struct conv	*c;
	const struct scope	*s;
	uint64_t		 waiting = 0, n;
	int64_t			 start = INT64_MIN;
	int			 kind;

	assert(e->stats.read == e->stats.accepted + e->stats.refused);
	assert(e->stats.accepted == e->stats.applied + e->reorder.count +
	    e->reorder.n);
	TAILQ_FOREACH(c, &e->waits, wait) {
		assert((c->flags & (CONV_WAITING | CONV_BOT)) == CONV_WAITING);
		assert(c->start >= start);
		start = c->start;
		waiting++;
	}
	assert(e->scopes.global->waiting == waiting);
	n = 0;
	TAILQ_FOREACH(c, &e->convs.idle, idle) {
		assert(TAILQ_NEXT(c, idle) == NULL ||
		    c->last <= TAILQ_NEXT(c, idle)->last);
		n++;
	}
	assert(n == e->convs.count);
	for (kind = SCOPE_TEAM; kind <= SCOPE_AGENT; kind++) {
		LIST_FOREACH(s, &e->scopes.kinds[kind], link) {
			uint64_t	 refs = 0, w = 0;

			TAILQ_FOREACH(c, &e->convs.idle, idle) {
				if ((kind == SCOPE_TEAM ? c->team : c->agent) !=
				    s)
					continue;
				refs++;
				if ((c->flags & (CONV_WAITING | CONV_BOT)) ==
				    CONV_WAITING)
					w++;
			}
			assert(s->refs == refs);
			assert(s->waiting == w);
		}
	}
}

/* Checks one event entry_parse() accepted against the section 1 rules. */
static void
fz_check_event(const struct chat_event *ev, int64_t wall, int64_t future)
{
	assert(ev->ts >= ENTRY_MIN_TS && ev->ts <= wall + future);
	assert(ev->conv != NULL && ev->convlen >= 1 &&
	    ev->convlen <= ENTRY_MAX_ID && ev->conv[ev->convlen] == '\0');
	assert(memchr(ev->conv, '\0', ev->convlen) == NULL);
	assert(ev->type == TYPE_MESSAGE || ev->type == TYPE_ASSIGN ||
	    ev->type == TYPE_CLOSE);
	assert(ev->role != ROLE_NONE || ev->type != TYPE_MESSAGE);
	if (ev->role == ROLE_AGENT || ev->type == TYPE_ASSIGN)
		assert(ev->agent != NULL);
	if (ev->agent != NULL)
		assert(ev->agentlen >= 1 && ev->agentlen <= ENTRY_MAX_ID &&
		    ev->agent[ev->agentlen] == '\0');
	if (ev->team != NULL)
		assert(ev->teamlen >= 1 && ev->teamlen <= ENTRY_MAX_ID &&
		    ev->team[ev->teamlen] == '\0');
	if (ev->msgid != NULL)
		assert(ev->msgidlen >= 1 && ev->msgidlen <= ENTRY_MAX_ID &&
		    ev->msgid[ev->msgidlen] == '\0');
	fz_json_string(ev->conv);
}

/*
 * One entry line: the ID and the fields, each copied to an allocation of
 * its exact size so that AddressSanitizer sees any read past a length.
 */
static void
fz_entry(struct fz *f, const char *line, size_t len)
{
	struct entry_field	*fields = NULL;
	struct chat_event	*ev;
	const char		*p, *end = line + len, *tab;
	char			*id, *copy;
	size_t			 n = 0, cap = 0, i, tlen;
	enum reason		 r1, r2;
	struct sid		 sid;
	int64_t			 ms;

	tab = memchr(line, '\t', len);
	tlen = tab != NULL ? (size_t)(tab - line) : len;
	id = malloc(tlen + 1);
	memcpy(id, line, tlen);
	id[tlen] = '\0';
	for (p = tab != NULL ? tab + 1 : end; p < end; n++) {
		if (n == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			fields = realloc(fields, cap * sizeof(*fields));
			assert(fields != NULL);
		}
		tab = memchr(p, '\t', (size_t)(end - p));
		tlen = tab != NULL ? (size_t)(tab - p) : (size_t)(end - p);
		copy = malloc(tlen);
		memcpy(copy, p, tlen);
		fields[n].name = copy;
		fields[n].namelen = tlen;
		p = tab != NULL ? tab + 1 : end;
		tab = p < end ? memchr(p, '\t', (size_t)(end - p)) : NULL;
		tlen = p >= end ? 0 : tab != NULL ? (size_t)(tab - p) :
		    (size_t)(end - p);
		copy = malloc(tlen);
		if (tlen > 0)
			memcpy(copy, p, tlen);
		fields[n].value = copy;
		fields[n].valuelen = tlen;
		p = tab != NULL ? tab + 1 : end;
	}

	/* the edge's parse of the ID takes every one the engine takes */
	if (entry_id_ms(id, &ms) == 0)
		assert(sid_parse(id, strlen(id), &sid) == 0 &&
		    sid.ms == (uint64_t)ms);

	r1 = (enum reason)-42;
	ev = entry_parse(id, fields, n, f->wall, f->e->max_future, &r1);
	if (ev != NULL) {
		assert(r1 == REASON_NONE);
		fz_check_event(ev, f->wall, f->e->max_future);
		chat_event_free(ev);
	} else
		assert(r1 >= 0 && r1 < REASON_COUNT && r1 != REASON_LATE);
	r2 = engine_read(f->e, id, fields, n, f->wall);
	assert(r2 == r1 || (r1 == REASON_NONE && r2 == REASON_LATE));

	for (i = 0; i < n; i++) {
		free((void *)(uintptr_t)fields[i].name);
		free((void *)(uintptr_t)fields[i].value);
	}
	free(fields);
	free(id);
}

/* Reads the signed number after a command letter, 0 if there is none. */
static int64_t
fz_number(const char *p, size_t len)
{
	char	 buf[32];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, p, len);
	buf[len] = '\0';
	return (strtoll(buf, NULL, 10));
}

/* Moves the wall clock within the input's budget and advances. */
static void
fz_advance(struct fz *f, int64_t delta, int caught_up)
{
	if (delta > FZ_STEP_MAX)
		delta = FZ_STEP_MAX;
	if (delta < -FZ_STEP_MAX)
		delta = -FZ_STEP_MAX;
	if (delta > f->budget)
		delta = f->budget;
	if (delta > 0)
		f->budget -= delta;
	f->wall += delta;
	engine_advance(f->e, f->wall, caught_up);
	fz_check_engine(f->e);
}

/* A reload as main.c does it: metrics stay, targets and rules change. */
static void
fz_reload(struct fz *f, size_t n)
{
	struct conf	*nc;

	nc = fz_conf(n);
	nc->metrics = f->cf->metrics;
	engine_set_targets(f->e, nc);
	engine_set_rules(f->e, nc);
	if (f->rcf != f->cf)
		conf_free(f->rcf);
	f->rcf = nc;
}

/* Checks one window's METRICS: the relations that hold by definition. */
static void
fz_check_metrics(const double *m)
{
	int	 i;

	for (i = 0; i < METRIC_COUNT; i++)
		assert(isnan(m[i]) || m[i] >= 0);
	assert(m[METRIC_FIRST_RESPONSES] <= m[METRIC_RESPONSES]);
	assert(m[METRIC_WITHIN] <= m[METRIC_RESPONSES]);
	assert(m[METRIC_FRT_WITHIN] <= m[METRIC_FIRST_RESPONSES]);
	assert(isnan(m[METRIC_RATE]) || m[METRIC_RATE] <= 1);
	assert(isnan(m[METRIC_FRT_RATE]) || m[METRIC_FRT_RATE] <= 1);
	if (m[METRIC_RESPONSES] == 0) {
		assert(isnan(m[METRIC_ART_AVG]) && isnan(m[METRIC_ART_MAX]));
		return;
	}
	assert(m[METRIC_ART_P50] <= m[METRIC_ART_P90] &&
	    m[METRIC_ART_P90] <= m[METRIC_ART_P99] &&
	    m[METRIC_ART_P99] <= m[METRIC_ART_MAX]);
	assert(m[METRIC_ART_AVG] <= m[METRIC_ART_MAX] + 1e-9);
	if (m[METRIC_FIRST_RESPONSES] == 0)
		return;
	assert(m[METRIC_FRT_P50] <= m[METRIC_FRT_P90] &&
	    m[METRIC_FRT_P90] <= m[METRIC_FRT_MAX]);
	assert(m[METRIC_FRT_AVG] <= m[METRIC_FRT_MAX] + 1e-9);
	assert(m[METRIC_FRT_MAX] <= m[METRIC_ART_MAX]);
}

/* Every window of every scope, at the clock. */
static void
fz_check_windows(const struct engine *e)
{
	const struct scope	*s;
	double			 m[METRIC_COUNT];
	int			 kind, i;

	if (e->clock == ENGINE_NO_CLOCK)
		return;
	for (kind = SCOPE_GLOBAL; kind <= SCOPE_AGENT; kind++)
		LIST_FOREACH(s, &e->scopes.kinds[kind], link)
			for (i = 0; i < e->scopes.nwindows; i++) {
				window_query(&s->win[i], e->clock, m);
				fz_check_metrics(m);
			}
}

/* Checks that a /metrics line is a comment or "name{labels} value". */
static void
fz_check_prom_line(const char *s, size_t len)
{
	const char	*end = s + len;

	if (len >= 2 && s[0] == '#' && s[1] == ' ')
		return;
	while (s < end && *s != '{' && *s != ' ') {
		assert((*s >= 'a' && *s <= 'z') || *s == '_' ||
		    (*s >= '0' && *s <= '9'));
		s++;
	}
	if (s < end && *s == '{') {
		for (s++; s < end && *s != '}'; s++) {
			while (s < end && *s != '=')
				s++;
			assert(s + 1 < end && s[1] == '"');
			for (s += 2; s < end && *s != '"'; s++)
				if (*s == '\\')
					s++;
			assert(s < end);
			if (s + 1 < end && s[1] == ',')
				s++;
		}
		assert(s < end);
		s++;
	}
	assert(s < end && *s == ' ');
}

/* Builds what the edge serves: snapshot, firing alerts and /metrics. */
static void
fz_snapshot(struct fz *f)
{
	struct prom_stats	 st;
	json_t			*snap, *alerts;
	char			*text, *buf = NULL, *p, *nl;
	size_t			 len = 0;
	FILE			*mf;

	fz_check_windows(f->e);
	snap = snapshot_build(f->e, f->rcf, f->wall);
	text = snapshot_dump(snap);
	free(text);
	alerts = snapshot_alerts(f->e, f->wall);
	text = json_dumps(alerts, JSON_COMPACT);
	assert(text != NULL);
	free(text);
	json_decref(alerts);

	memset(&st, 0, sizeof(st));
	st.version = "fuzz";
	mf = open_memstream(&buf, &len);
	assert(mf != NULL);
	prom_write(mf, snap, &st);
	fclose(mf);
	for (p = buf; p < buf + len; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(buf + len - p));
		assert(nl != NULL);
		fz_check_prom_line(p, (size_t)(nl - p));
	}
	free(buf);
	json_decref(snap);
}

/* Runs one command line; the start config was taken before. */
static void
fz_command(struct fz *f, const char *line, size_t len)
{
	if (len < 2)
		return;
	switch (line[1]) {
	case 'w':
	case 'b':
		fz_advance(f, fz_number(line + 2, len - 2), line[1] == 'w');
		break;
	case 'r':
		fz_reload(f, (size_t)(fz_number(line + 2, len - 2) &
		    INT64_MAX));
		break;
	case 's':
		fz_snapshot(f);
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char	*p = (const char *)data, *end = p + size, *nl;
	struct fz	 f;
	size_t		 len;

	memset(&f, 0, sizeof(f));
	f.wall = FZ_WALL0;
	f.budget = FZ_BUDGET;
	f.last_outcome = f.last_alert = INT64_MIN;
	if (size >= 3 && p[0] == '!' && p[1] == 'c')
		f.cf = fz_conf((size_t)(fz_number(p + 2, size - 2) &
		    INT64_MAX));
	else
		f.cf = fz_conf(0);
	f.rcf = f.cf;
	f.e = engine_new(f.cf);
	engine_set_sink(f.e, fz_outcome_cb, &f);
	alerts_set_sink(f.e->alerts, fz_alert_cb, &f);

	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			nl = end;
		len = (size_t)(nl - p);
		if (len > 0 && p[0] == '!')
			fz_command(&f, p, len);
		else if (len > 0)
			fz_entry(&f, p, len);
	}
	engine_advance(f.e, f.wall, 1);
	fz_check_engine(f.e);

	engine_free(f.e);
	if (f.rcf != f.cf)
		conf_free(f.rcf);
	conf_free(f.cf);
	return (0);
}
