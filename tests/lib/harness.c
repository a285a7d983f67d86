/*
 * Test harness: an engine on the default config, a sink that keeps every
 * outcome, and one-line helpers to feed events and move the clock.
 */

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "engine_impl.h"
#include "entry.h"
#include "metrics.h"
#include "scope.h"
#include "window.h"

#include "harness.h"

/* The engine's sink: keeps a copy of every outcome. */
static void
harness_sink(const struct outcome *o, void *arg)
{
	struct harness		*h = arg;
	struct harness_rec	*r;

	if (h->n == h->cap) {
		h->cap = h->cap ? h->cap * 2 : 64;
		h->out = realloc(h->out, h->cap * sizeof(*h->out));
	}
	r = &h->out[h->n++];
	memset(r, 0, sizeof(*r));
	r->kind = o->kind;
	snprintf(r->conv, sizeof(r->conv), "%s", o->conv);
	snprintf(r->agent, sizeof(r->agent), "%s", o->agent ? o->agent : "");
	snprintf(r->team, sizeof(r->team), "%s", o->team ? o->team : "");
	r->first = o->first;
	r->wait_ms = o->wait_ms;
	r->ts = o->ts;
}

/* An engine on cf (the default config for NULL, taken over either way). */
void
harness_start(struct harness *h, struct conf *cf)
{
	memset(h, 0, sizeof(*h));
	h->cf = cf != NULL ? cf : conf_default();
	h->e = engine_new(h->cf);
	engine_set_sink(h->e, harness_sink, h);
}

/* Frees the engine, its config and the outcomes kept. */
void
harness_stop(struct harness *h)
{
	engine_free(h->e);
	conf_free(h->cf);
	free(h->out);
	memset(h, 0, sizeof(*h));
}

/*
 * Feeds one flat entry: "type role conv agent team msgid", NULL or "-"
 * for absent fields.  Returns the engine's verdict.
 */
enum reason
harness_feed(struct harness *h, int64_t ts, const char *type,
    const char *role, const char *conv, const char *agent, const char *team,
    const char *msgid)
{
	struct entry_field	 f[8];
	const char		*names[] = { "type", "role", "conversation",
				    "agent", "team", "message_id" };
	const char		*vals[] = { type, role, conv, agent, team,
				    msgid };
	char			 tsbuf[32], id[48];
	size_t			 n = 0, i;

	for (i = 0; i < 6; i++) {
		if (vals[i] == NULL || strcmp(vals[i], "-") == 0)
			continue;
		f[n].name = names[i];
		f[n].namelen = strlen(names[i]);
		f[n].value = vals[i];
		f[n].valuelen = strlen(vals[i]);
		n++;
	}
	snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts);
	f[n].name = "ts";
	f[n].namelen = 2;
	f[n].value = tsbuf;
	f[n].valuelen = strlen(tsbuf);
	n++;
	snprintf(id, sizeof(id), "%lld-0", (long long)ts);
	return (engine_read(h->e, id, f, n, ts + 1000 * SEC));
}

/* Moves the clock to exactly t (the wall clock minus the lateness). */
void
harness_at(struct harness *h, int64_t t)
{
	engine_advance(h->e, t + h->e->lateness, 1);
}

/* The METRICS of a scope's window at the clock: NULL scope = global. */
void
harness_metrics(struct harness *h, enum scope_kind kind, const char *name,
    int window_idx, double *m)
{
	struct scope	*s;
	int		 i;

	s = scope_find(&h->e->scopes, kind, name, name ? strlen(name) : 0);
	if (s == NULL) {
		for (i = 0; i < METRIC_COUNT; i++)
			m[i] = metric_defs[i].kind == METRIC_KIND_COUNT ?
			    0 : NAN;
		return;
	}
	window_query(&s->win[window_idx], h->e->clock, m);
}

/* How many outcomes of kind the engine gave. */
size_t
harness_count(const struct harness *h, enum outcome_kind kind)
{
	size_t	 i, n = 0;

	for (i = 0; i < h->n; i++)
		if (h->out[i].kind == kind)
			n++;
	return (n);
}
