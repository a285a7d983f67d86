/*
 * Test harness: an engine on the default config, a sink that keeps every
 * outcome, and one-line helpers to feed events and move the clock.
 */
#ifndef LIB_HARNESS_H
#define LIB_HARNESS_H

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "engine_impl.h"
#include "snapshot.h"
#include "window.h"

#define T0	1700000640000LL		/* a whole multiple of 1440 s */
#define SEC	1000LL

/* One outcome the engine gave, copied. */
struct harness_rec {
	enum outcome_kind	 kind;
	char			 conv[64];
	char			 agent[64];	/* "" for none */
	char			 team[64];
	int			 first;
	int64_t			 wait_ms;
	int64_t			 ts;
};

struct harness {
	struct conf		*cf;
	struct engine		*e;
	struct harness_rec	*out;
	size_t			 n;
	size_t			 cap;
};

void		harness_start(struct harness *, struct conf *);
void		harness_stop(struct harness *);
enum reason	harness_feed(struct harness *, int64_t, const char *,
		    const char *, const char *, const char *, const char *,
		    const char *);
void		harness_at(struct harness *, int64_t);
void		harness_metrics(struct harness *, enum scope_kind,
		    const char *, int, double *);
size_t		harness_count(const struct harness *, enum outcome_kind);

#define CUST(h, ts, conv, agent, team)					\
	harness_feed(h, ts, NULL, "customer", conv, agent, team, NULL)
#define AGENT(h, ts, conv, agent)					\
	harness_feed(h, ts, NULL, "agent", conv, agent, NULL, NULL)
#define BOT(h, ts, conv)						\
	harness_feed(h, ts, NULL, "bot", conv, NULL, NULL, NULL)
#define ASSIGN(h, ts, conv, agent)					\
	harness_feed(h, ts, "assign", NULL, conv, agent, NULL, NULL)
#define CLOSE(h, ts, conv)						\
	harness_feed(h, ts, "close", NULL, conv, NULL, NULL, NULL)

#endif
