/* Redis stream entry IDs. */

#include <stdio.h>

#include "sid.h"

/* Parses "ms-seq" (or a bare "ms", as Redis allows); 0 or -1. */
int
sid_parse(const char *s, size_t len, struct sid *id)
{
	uint64_t	*part = &id->ms, d;
	size_t		 i, digits = 0;

	id->ms = id->seq = 0;
	for (i = 0; i < len; i++) {
		if (s[i] == '-' && part == &id->ms && digits > 0) {
			part = &id->seq;
			digits = 0;
			continue;
		}
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		d = (uint64_t)(s[i] - '0');
		if (*part > (UINT64_MAX - d) / 10)
			return (-1);
		*part = *part * 10 + d;
		digits++;
	}
	return (digits > 0 ? 0 : -1);
}

int
sid_cmp(const struct sid *a, const struct sid *b)
{
	if (a->ms != b->ms)
		return (a->ms < b->ms ? -1 : 1);
	if (a->seq != b->seq)
		return (a->seq < b->seq ? -1 : 1);
	return (0);
}

int
sid_format(const struct sid *id, char *buf, size_t len)
{
	return (snprintf(buf, len, "%llu-%llu", (unsigned long long)id->ms,
	    (unsigned long long)id->seq));
}
