/*
 * Supervisor alerts (CONTRACT section 5).  Metric rules are evaluated at
 * the clock instants the engine passes them; each (rule, subject) is ok,
 * pending (held, for less than for_s) or firing.  Transitions come out
 * through a sink, in stamp order, like outcomes.
 */
#ifndef ALERT_H
#define ALERT_H

#include <stddef.h>
#include <stdint.h>

struct conf;
struct scopes;

enum alert_status {
	ALERT_FIRING,
	ALERT_RESOLVED
};

/* One transition; valid during the sink call. */
struct alert_event {
	const char		*id;
	const char		*rule;
	enum alert_status	 status;
	const char		*severity;
	const char		*scope;	/* agent, team, global, conversation */
	const char		*subject;
	const char		*metric;
	int64_t			 window_s;
	double			 value;	/* NAN: no value */
	double			 threshold;
	int64_t			 started_ms;
	int64_t			 ts_ms;
	const char		*agent;	/* conversation alerts, or NULL */
	const char		*team;
};

typedef void (*alert_sink)(const struct alert_event *, void *);

struct alerts;

struct alerts	*alerts_new(const struct conf *);
void		 alerts_free(struct alerts *);
void		 alerts_set_sink(struct alerts *, alert_sink, void *);
void		 alerts_set_conf(struct alerts *, const struct conf *, int64_t);
void		 alerts_eval(struct alerts *, struct scopes *, int64_t);
int64_t		 alerts_next(const struct alerts *, int64_t);
void		 alerts_send(struct alerts *, const struct alert_event *);
int		 alerts_listened(const struct alerts *);
struct json_t;
struct json_t	*alerts_object(const char *, const char *, const char *,
		    const char *, const char *, const char *, int64_t, double,
		    double, int64_t);
void		 alerts_firing_list(const struct alerts *, struct json_t *);
void		 alerts_sort(struct json_t *);
size_t		 alerts_firing(const struct alerts *);
int		 alerts_idle(const struct alerts *);
uint64_t	 alerts_transitions(const struct alerts *);
const char	*alert_status_name(enum alert_status);
const char	*alert_scope_name(int);

#endif
