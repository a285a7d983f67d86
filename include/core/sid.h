/* Redis stream entry IDs: "<ms>-<seq>", parsed, compared and printed. */
#ifndef SID_H
#define SID_H

#include <stddef.h>
#include <stdint.h>

struct sid {
	uint64_t	 ms;
	uint64_t	 seq;
};

#define SID_MAX	48	/* bytes for a formatted ID */

int	sid_parse(const char *, size_t, struct sid *);
int	sid_cmp(const struct sid *, const struct sid *);
int	sid_format(const struct sid *, char *, size_t);

#endif
