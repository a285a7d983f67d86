/*
 * The Prometheus exposition of /metrics.  Window metrics come from the
 * snapshot last published, so a scrape sees the same numbers as the
 * wallboard; they are named from the METRICS table: "_s" becomes
 * "_seconds", ratios end in "_ratio", and a null (no sample) is left out.
 */

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "metrics.h"
#include "prom.h"

#define PROM_NAME_MAX	64

static void
prom_head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the text format wants. */
static void
prom_label(FILE *f, const char *name, const char *v)
{
	fprintf(f, "%s=\"", name);
	for (; *v != '\0'; v++) {
		switch (*v) {
		case '\\':
			fputs("\\\\", f);
			break;
		case '"':
			fputs("\\\"", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		default:
			fputc(*v, f);
		}
	}
	fputc('"', f);
}

static void
prom_value(FILE *f, double v)
{
	if (v == floor(v) && fabs(v) < 1e15)
		fprintf(f, " %.0f\n", v);
	else
		fprintf(f, " %.17g\n", v);
}

/* The sample's labels: scope, then agent or team, then the window. */
static void
prom_sample(FILE *f, const char *name, const char *scope, const char *who,
    const char *window, double v)
{
	fprintf(f, "%s{", name);
	prom_label(f, "scope", scope);
	if (who != NULL) {
		fputc(',', f);
		prom_label(f, scope, who);
	}
	if (window != NULL) {
		fputc(',', f);
		prom_label(f, "window", window);
	}
	fputc('}', f);
	prom_value(f, v);
}

/* Metric names of the METRICS fields, in base units. */
static void
prom_metric_name(int i, char *buf, size_t size)
{
	const char	*n = metric_defs[i].name;
	size_t		 len = strlen(n);

	if (metric_defs[i].kind == METRIC_KIND_SECONDS &&
	    len > 2 && strcmp(n + len - 2, "_s") == 0)
		snprintf(buf, size, "replytimed_%.*s_seconds", (int)(len - 2),
		    n);
	else if (metric_defs[i].kind == METRIC_KIND_RATIO)
		snprintf(buf, size, "replytimed_%s_ratio", n);
	else
		snprintf(buf, size, "replytimed_%s", n);
}

/* The kinds of scope below the floor: label and snapshot member. */
static const char *const prom_kinds[][2] = {
	{ "team", "teams" },
	{ "agent", "agents" }
};

/* One METRICS field of one scope, in every window that has a sample. */
static void
prom_scope_metric(FILE *f, const char *name, const char *scope,
    const char *who, json_t *s, int i)
{
	const char	*win;
	json_t		*m, *v;

	json_object_foreach(json_object_get(s, "windows"), win, m) {
		v = json_object_get(m, metric_defs[i].name);
		if (json_is_number(v))
			prom_sample(f, name, scope, who, win,
			    json_number_value(v));
	}
}

/* A top-level SCOPE member ("waiting", "oldest_wait_s"); null is 0. */
static void
prom_scope_value(FILE *f, const char *name, const char *scope,
    const char *who, json_t *s, const char *key)
{
	json_t	*v = json_object_get(s, key);

	prom_sample(f, name, scope, who, NULL,
	    json_is_number(v) ? json_number_value(v) : 0);
}

/* Either a METRICS field (i >= 0) or a SCOPE member, for every scope. */
static void
prom_family(FILE *f, json_t *snap, const char *name, int i, const char *key)
{
	const char	*who;
	json_t		*s;
	size_t		 k;

	if (i >= 0)
		prom_scope_metric(f, name, "global", NULL,
		    json_object_get(snap, "global"), i);
	else
		prom_scope_value(f, name, "global", NULL,
		    json_object_get(snap, "global"), key);
	for (k = 0; k < sizeof(prom_kinds) / sizeof(prom_kinds[0]); k++) {
		json_object_foreach(json_object_get(snap, prom_kinds[k][1]),
		    who, s) {
			if (i >= 0)
				prom_scope_metric(f, name, prom_kinds[k][0],
				    who, s, i);
			else
				prom_scope_value(f, name, prom_kinds[k][0],
				    who, s, key);
		}
	}
}

/* A counter family with one label, a sample per name. */
static void
prom_counters(FILE *f, const char *name, const char *help,
    const char *label, const char *const *names, const uint64_t *v, int n)
{
	int	 i;

	prom_head(f, name, "counter", help);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s{", name);
		prom_label(f, label, names[i]);
		fputc('}', f);
		prom_value(f, (double)v[i]);
	}
}

/* The counters and gauges of the daemon itself. */
static void
prom_daemon(FILE *f, const struct prom_stats *st)
{
#define PROM_SCALAR(field, name, type, help)				\
	prom_head(f, name, #type, help);				\
	fputs(name, f);							\
	prom_value(f, st->field);
	PROM_SCALARS(PROM_SCALAR)
#undef PROM_SCALAR

	prom_counters(f, "replytimed_dead_letters_total",
	    "Entries dead-lettered, by reason", "reason", reason_names,
	    st->dead, REASON_COUNT);
	prom_counters(f, "replytimed_outcomes_total",
	    "Outcomes of waits, by kind", "kind", outcome_names,
	    st->outcomes, OUTCOME_COUNT);
	prom_head(f, "replytimed_build_info", "gauge",
	    "The running version, as a label");
	fputs("replytimed_build_info{", f);
	prom_label(f, "version", st->version);
	fputs("} 1\n", f);
}

/*
 * Writes the whole exposition: the daemon's own numbers, then, once a
 * snapshot exists (NULL before the first), the waits and every METRICS
 * field per scope and window.
 */
void
prom_write(FILE *f, json_t *snap, const struct prom_stats *st)
{
	char	 name[PROM_NAME_MAX];
	int	 i;

	prom_daemon(f, st);
	if (snap == NULL)
		return;
	prom_head(f, "replytimed_waiting", "gauge",
	    "Customer waits open now, not with the bot");
	prom_family(f, snap, "replytimed_waiting", -1, "waiting");
	prom_head(f, "replytimed_oldest_wait_seconds", "gauge",
	    "Age of the oldest open wait (0: none)");
	prom_family(f, snap, "replytimed_oldest_wait_seconds", -1,
	    "oldest_wait_s");
	for (i = 0; i < METRIC_COUNT; i++) {
		prom_metric_name(i, name, sizeof(name));
		prom_head(f, name, "gauge", metric_defs[i].help);
		prom_family(f, snap, name, i, NULL);
	}
}
