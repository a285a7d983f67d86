/* The METRICS field table, expanded from metrics.h. */

#include <string.h>

#include "metrics.h"

const struct metric_def metric_defs[METRIC_COUNT] = {
#define METRIC_DEF(id, name, kind, help) { name, METRIC_KIND_##kind, help },
	METRICS_TABLE(METRIC_DEF)
#undef METRIC_DEF
};

int
metric_find(const char *name)
{
	int	 i;

	for (i = 0; i < METRIC_COUNT; i++)
		if (strcmp(metric_defs[i].name, name) == 0)
			return (i);
	return (-1);
}
