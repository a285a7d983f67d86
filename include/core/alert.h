/*
 * Supervisor alerts (replytimed(8), OUTPUTS).  Metric rules are evaluated at
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

/* Room for "rule:scope:subject:started_ms". */
#define ALERT_ID_MAX	512

/* Where a field appears: in a transition (stream, SSE), in the list. */
#define ALERT_IN_EVENT	0x1
#define ALERT_IN_LIST	0x2
#define ALERT_IN_ALL	(ALERT_IN_EVENT | ALERT_IN_LIST)

/*
 * An alert's fields, once, in the order of its JSON object and of its
 * stream entry: name, type, where.  A new field is one line here.
 */
#define ALERT_FIELDS(X)							\
	X(id,		TEXT,	ALERT_IN_ALL)				\
	X(rule,		STR,	ALERT_IN_ALL)				\
	X(status,	STATUS,	ALERT_IN_ALL)				\
	X(severity,	STR,	ALERT_IN_ALL)				\
	X(scope,	STR,	ALERT_IN_ALL)				\
	X(subject,	STR,	ALERT_IN_ALL)				\
	X(metric,	STR,	ALERT_IN_ALL)				\
	X(window_s,	INT,	ALERT_IN_ALL)				\
	X(value,	NUM,	ALERT_IN_ALL)				\
	X(threshold,	NUM,	ALERT_IN_ALL)				\
	X(started_ms,	INT,	ALERT_IN_ALL)				\
	X(ts_ms,	INT,	ALERT_IN_EVENT)				\
	X(agent,	OPT,	ALERT_IN_ALL)				\
	X(team,		OPT,	ALERT_IN_ALL)

enum alert_ftype {
	ALERT_F_TEXT,		/* char[ALERT_ID_MAX] */
	ALERT_F_STR,		/* const char * */
	ALERT_F_OPT,		/* const char *, left out when NULL */
	ALERT_F_STATUS,		/* enum alert_status, by name */
	ALERT_F_INT,		/* int64_t */
	ALERT_F_NUM		/* double, NAN: no value */
};

#define ALERT_DECL_TEXT(n)	char n[ALERT_ID_MAX];
#define ALERT_DECL_STR(n)	const char *n;
#define ALERT_DECL_OPT(n)	const char *n;
#define ALERT_DECL_STATUS(n)	enum alert_status n;
#define ALERT_DECL_INT(n)	int64_t n;
#define ALERT_DECL_NUM(n)	double n;

/* One alert, a transition or one firing now; its strings are borrowed. */
struct alert_event {
#define ALERT_MEMBER(n, t, in)	ALERT_DECL_##t(n)
	ALERT_FIELDS(ALERT_MEMBER)
#undef ALERT_MEMBER
};

struct alert_field {
	const char		*name;
	enum alert_ftype	 type;
	size_t			 off;
	unsigned		 in;
};

enum {
#define ALERT_COUNT_FIELD(n, t, in)	ALERT_FIELD_##n,
	ALERT_FIELDS(ALERT_COUNT_FIELD)
#undef ALERT_COUNT_FIELD
	ALERT_NFIELDS
};

extern const struct alert_field alert_fields[ALERT_NFIELDS];

/* A growing list of alerts: the ones firing at an instant. */
struct alert_list {
	struct alert_event	*v;
	size_t			 n;
	size_t			 cap;
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
void		 alerts_firing_list(const struct alerts *, struct alert_list *);
size_t		 alerts_firing(const struct alerts *);
int		 alerts_idle(const struct alerts *);
uint64_t	 alerts_transitions(const struct alerts *);

void		 alert_id(struct alert_event *);
const char	*alert_field_text(const struct alert_event *,
		    const struct alert_field *, char *, size_t);
const char	*alert_status_name(enum alert_status);
const char	*alert_scope_name(int);

struct alert_event *alert_list_add(struct alert_list *);
void		 alert_list_sort(struct alert_list *);
void		 alert_list_clear(struct alert_list *);

#endif
