/*
 * The wallboard's cost in a browser: opens the page in headless chromium
 * (over the DevTools pipe, tests/lib/cdp.c), lets it show live snapshots for
 * a while, and prints as name=value lines what each one cost it to show
 * (script and layout) and how busy the page's main thread was in all
 * (the protocol's TaskDuration: script, style, layout and paint).
 *
 *	bench-wallboard URL DIR SECONDS
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cdp.h"

static double
stat_get(struct cdp *b, const char *field)
{
	char	 expr[128];
	json_t	*v;
	double	 d;

	snprintf(expr, sizeof(expr), "window.wallboardStats.%s", field);
	v = cdp_eval(b, expr);
	d = json_number_value(v);
	json_decref(v);
	return (d);
}

/* The page's main thread time so far, in seconds. */
static double
busy_s(struct cdp *b)
{
	json_t		*r, *m;
	const char	*name;
	size_t		 i;
	double		 d = -1;

	if ((r = cdp_call(b, 1, "Performance.getMetrics", NULL, 5000)) == NULL)
		return (-1);
	json_array_foreach(json_object_get(r, "metrics"), i, m) {
		name = json_string_value(json_object_get(m, "name"));
		if (name != NULL && strcmp(name, "TaskDuration") == 0)
			d = json_number_value(json_object_get(m, "value"));
	}
	json_decref(r);
	return (d);
}

int
main(int argc, char *argv[])
{
	struct cdp	 b;
	json_t		*v;
	double		 n0, t0, n, t, max, b0, busy;
	long long	 agents;
	int		 secs;

	if (argc != 4 || (secs = atoi(argv[3])) <= 0) {
		fprintf(stderr, "usage: bench-wallboard url dir seconds\n");
		return (2);
	}
	if (cdp_open(&b, argv[2], argv[1], 1920, 1080) == -1) {
		fprintf(stderr, "bench-wallboard: chromium did not start; see "
		    "%s/chromium.log\n", argv[2]);
		cdp_close(&b);
		return (1);
	}
	if (!cdp_wait(&b, "window.wallboardStats && "
	    "window.wallboardStats.snapshots >= 2", 30000)) {
		fprintf(stderr, "bench-wallboard: no snapshots shown\n");
		cdp_close(&b);
		return (1);
	}
	/* the first snapshots build the rows; the steady state follows */
	json_decref(cdp_eval(&b, "window.wallboardStats.max_ms = 0"));
	json_decref(cdp_call(&b, 1, "Performance.enable", NULL, 5000));
	b0 = busy_s(&b);
	n0 = stat_get(&b, "snapshots");
	t0 = stat_get(&b, "total_ms");
	sleep((unsigned)secs);
	n = stat_get(&b, "snapshots") - n0;
	t = stat_get(&b, "total_ms") - t0;
	max = stat_get(&b, "max_ms");
	busy = busy_s(&b) - b0;
	v = cdp_eval(&b, "document.querySelectorAll('[data-agent]').length");
	agents = json_integer_value(v);
	json_decref(v);
	cdp_close(&b);
	if (n < 1) {
		fprintf(stderr, "bench-wallboard: no snapshot in %d s\n", secs);
		return (1);
	}
	printf("wallboard_agents=%lld\n", agents);
	printf("wallboard_snapshots=%.0f\n", n);
	printf("wallboard_snapshot_ms_avg=%.1f\n", t / n);
	printf("wallboard_snapshot_ms_max=%.1f\n", max);
	if (b0 >= 0)
		printf("wallboard_main_thread_busy_pct=%.1f\n",
		    100 * busy / secs);
	return (0);
}
