/* Log level names, shared by the config parser and the logger. */

#include <stddef.h>
#include <strings.h>

#include "loglevel.h"

static const char *const log_names[] = { "error", "warn", "info", "debug" };

/* Returns the level named, or -1. */
int
log_level_parse(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(log_names) / sizeof(log_names[0]); i++)
		if (strcasecmp(name, log_names[i]) == 0)
			return ((int)i);
	return (-1);
}

const char *
log_level_name(int level)
{
	if (level < 0 || level > LOG_LEVEL_DEBUG)
		return ("?");
	return (log_names[level]);
}
