/* Tests of the Prometheus exposition of /metrics. */

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>
#include <jansson.h>

#include "metrics.h"
#include "prom.h"

static char *
prom_text(json_t *snap, const struct prom_stats *st)
{
	char	*text;
	size_t	 len;
	FILE	*f;

	cr_assert_not_null(f = open_memstream(&text, &len));
	prom_write(f, snap, st);
	cr_assert_eq(fclose(f), 0);
	return (text);
}

/* Whether the exposition holds this exact line. */
static int
prom_has(const char *text, const char *line)
{
	const char	*p = text;
	size_t		 n = strlen(line);

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return (1);
		p += n;
	}
	return (0);
}

static json_t *
prom_metrics(double responses, double frt_avg, double rate)
{
	json_t	*m = json_object();
	int	 i;

	for (i = 0; i < METRIC_COUNT; i++)
		json_object_set_new(m, metric_defs[i].name,
		    metric_defs[i].kind == METRIC_KIND_COUNT ?
		    json_integer(0) : json_null());
	json_object_set_new(m, "responses", json_integer((json_int_t)
	    responses));
	json_object_set_new(m, "frt_avg_s", isnan(frt_avg) ? json_null() :
	    json_real(frt_avg));
	json_object_set_new(m, "rate", json_real(rate));
	return (m);
}

static json_t *
prom_scope(int waiting, double oldest, double frt_avg)
{
	return (json_pack("{s:i, s:o, s:{s:o, s:o}}", "waiting", waiting,
	    "oldest_wait_s", isnan(oldest) ? json_null() : json_real(oldest),
	    "windows", "300", prom_metrics(3, frt_avg, 0.5),
	    "3600", prom_metrics(10, 20.25, 0.9)));
}

Test(prom, snapshot_and_counters)
{
	struct prom_stats	 st;
	json_t			*snap;
	char			*text;

	memset(&st, 0, sizeof(st));
	st.read = 1234;
	st.lag_s = 2.5;
	st.start_time_s = 1700000000.125;
	st.dead[REASON_LATE] = 7;
	st.outcomes[OUTCOME_MISSED] = 3;
	st.version = "9.9";
	snap = json_pack("{s:o, s:{s:o}, s:{s:o}}",
	    "global", prom_scope(2, 12.5, 1.5),
	    "teams", "bil\"ling\\", prom_scope(0, NAN, NAN),
	    "agents", "ann", prom_scope(1, 3, 4));
	text = prom_text(snap, &st);

	cr_expect(prom_has(text, "replytimed_entries_read_total 1234"));
	cr_expect(prom_has(text, "replytimed_consumer_lag_seconds 2.5"));
	cr_expect(prom_has(text,
	    "process_start_time_seconds 1700000000.125"));
	cr_expect(prom_has(text,
	    "replytimed_dead_letters_total{reason=\"late\"} 7"));
	cr_expect(prom_has(text,
	    "replytimed_dead_letters_total{reason=\"bad_ts\"} 0"));
	cr_expect(prom_has(text,
	    "replytimed_outcomes_total{kind=\"missed\"} 3"));
	cr_expect(prom_has(text, "replytimed_build_info{version=\"9.9\"} 1"));
	cr_expect(prom_has(text, "# TYPE replytimed_entries_read_total "
	    "counter"));
	cr_expect(prom_has(text, "# TYPE replytimed_frt_avg_seconds gauge"));

	cr_expect(prom_has(text, "replytimed_waiting{scope=\"global\"} 2"));
	cr_expect(prom_has(text,
	    "replytimed_oldest_wait_seconds{scope=\"global\"} 12.5"));
	cr_expect(prom_has(text, "replytimed_oldest_wait_seconds{"
	    "scope=\"team\",team=\"bil\\\"ling\\\\\"} 0"));
	cr_expect(prom_has(text, "replytimed_frt_avg_seconds{"
	    "scope=\"global\",window=\"300\"} 1.5"));
	cr_expect(prom_has(text, "replytimed_frt_avg_seconds{"
	    "scope=\"agent\",agent=\"ann\",window=\"3600\"} 20.25"));
	cr_expect(prom_has(text, "replytimed_responses{"
	    "scope=\"agent\",agent=\"ann\",window=\"300\"} 3"));
	cr_expect(prom_has(text, "replytimed_rate_ratio{"
	    "scope=\"team\",team=\"bil\\\"ling\\\\\",window=\"300\"} 0.5"));
	/* a null (no sample) is left out, not written as 0 or NaN */
	cr_expect(strstr(text, "replytimed_frt_avg_seconds{scope=\"team\","
	    "team=\"bil\\\"ling\\\\\",window=\"300\"}") == NULL);
	cr_expect(strstr(text, "replytimed_art_p99_seconds{") == NULL);
	cr_expect(strstr(text, "NaN") == NULL);
	free(text);
	json_decref(snap);
}

/* Every family: a HELP and a TYPE once, before its samples, valid names. */
Test(prom, families_well_formed)
{
	struct prom_stats	 st;
	json_t			*snap;
	char			*text, *line, *save, name[128], seen[8192];
	const char		*p;
	size_t			 n;

	memset(&st, 0, sizeof(st));
	st.version = "1";
	snap = json_pack("{s:o, s:{s:o}, s:{}}",
	    "global", prom_scope(0, NAN, 1),
	    "teams", "t", prom_scope(1, 1, 2),
	    "agents");
	text = prom_text(snap, &st);
	seen[0] = '\0';
	for (line = strtok_r(text, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "# HELP ", 7) == 0)
			continue;
		if (strncmp(line, "# TYPE ", 7) == 0) {
			n = strcspn(line + 7, " ");
			snprintf(name, sizeof(name), " %.*s ", (int)n, line + 7);
			cr_expect(strstr(seen, name) == NULL,
			    "TYPE twice: %s", name);
			strncat(seen, name, sizeof(seen) - strlen(seen) - 1);
			continue;
		}
		for (p = line; *p != '{' && *p != ' '; p++)
			cr_assert(isalnum((unsigned char)*p) || *p == '_' ||
			    *p == ':', "bad name in %s", line);
		snprintf(name, sizeof(name), " %.*s ", (int)(p - line), line);
		cr_expect(strstr(seen, name) != NULL, "no TYPE before %s",
		    line);
	}
	free(text);
	json_decref(snap);
}

Test(prom, no_snapshot_yet)
{
	struct prom_stats	 st;
	char			*text;

	memset(&st, 0, sizeof(st));
	st.version = "1";
	text = prom_text(NULL, &st);
	cr_expect(prom_has(text, "replytimed_entries_read_total 0"));
	cr_expect(strstr(text, "replytimed_waiting") == NULL);
	cr_expect(strstr(text, "window=") == NULL);
	free(text);
}
