/*
 * The configuration: one JSON file, described once in a table of keys
 * (conf.c).  Errors read "file: key: reason".
 */
#ifndef CONF_H
#define CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_WINDOWS	8
#define CONF_MAX_CONV_RULES	28	/* with the 2 targets, 30 thresholds */
#define CONF_MAX_TOKENS		64	/* entries of http.tokens */
#define CONF_MAX_HOSTS		64	/* entries of http.allowed_hosts */

enum rule_scope {
	RULE_SCOPE_AGENT,
	RULE_SCOPE_TEAM,
	RULE_SCOPE_GLOBAL,
	RULE_SCOPE_CONVERSATION
};

enum rule_op {
	RULE_OP_GT,
	RULE_OP_GE,
	RULE_OP_LT,
	RULE_OP_LE
};

/* What a token of http.tokens may reach; each role includes the one before. */
enum http_role {
	HTTP_ROLE_VIEWER,
	HTTP_ROLE_SUPERVISOR,
	HTTP_ROLE_ADMIN
};

/* One entry of http.tokens: the secret itself is in token_file. */
struct http_token_conf {
	char		*name;
	int		 role;		/* enum http_role */
	char		*token_file;	/* a path or "credential:NAME" */
};

/* One entry of alerts.rules. */
struct alert_rule {
	char		*name;
	enum rule_scope	 scope;
	int		 metric;	/* enum metric_id; metric rules */
	int64_t		 window_s;	/* metric rules */
	enum rule_op	 op;
	double		 threshold;
	int64_t		 min_samples;
	int64_t		 for_s;
	int64_t		 repeat_s;
	char		*severity;
	int64_t		 open_ms;	/* conversation rules: open_s * 1000 */
	int		 first_only;	/* conversation rules: first waits */
};

struct conf {
	char		*path;

	struct {
		char	*host;
		int64_t	 port;
		char	*password_file;	/* "" = none */
		char	*prefix;
		char	*group;
		char	*consumer;	/* "" = the host name */
	} redis;

	struct {
		int64_t	 allowed_lateness_ms;
		int64_t	 max_future_ms;
		int64_t	 retention_s;
		int64_t	 read_count;
		int64_t	 block_ms;
		int64_t	 max_entry_kb;	/* fields' bytes: too_large */
		int64_t	 max_reorder;	/* events waiting: reorder_full */
	} ingest;

	struct {
		int64_t	 windows_s[CONF_MAX_WINDOWS];
		int	 nwindows;
		int	 exclude_bot_time;
		int64_t	 conversation_ttl_s;
		int64_t	 max_conversations;
		int64_t	 max_agents;	/* agent scopes at once */
		int64_t	 max_teams;	/* team scopes at once */
		int64_t	 max_message_ids; /* remembered, all conversations */
	} metrics;

	struct {
		double	 first_response_s;
		double	 average_response_s;
		double	 response_within_s;
		double	 response_rate;
	} targets;

	struct {
		int64_t	 interval_ms;
		int64_t	 outcomes_maxlen;
		int64_t	 outbox_max_mb;	/* unanswered writes: reader pauses */
	} publish;

	struct {
		int64_t		 interval_s;
		int64_t		 alerts_maxlen;
		struct alert_rule *rules;
		size_t		 nrules;
	} alerts;

	struct {
		char	*listen;	/* "" = HTTP disabled */
		char	*listen_host;	/* of listen, IPv6 unbracketed; NULL if
					   disabled */
		int64_t	 listen_port;	/* of listen; 0 = any free port */
		struct http_token_conf *tokens;	/* none: every route is open */
		size_t	 ntokens;
		char	**allowed_hosts; /* Host values taken besides ours */
		size_t	 nallowed_hosts;
		int64_t	 max_connections; /* open at once, streams included */
		int64_t	 timeout_s;	/* a silent or stuck connection */
		int64_t	 max_clients;	/* /events streams at once */
		int64_t	 heartbeat_s;	/* comment line on idle streams */
		int64_t	 client_buffer_kb; /* unsent: a stream is dropped */
	} http;

	struct {
		int	 level;		/* enum log_level */
	} log;
};

struct conf	*conf_default(void);
struct conf	*conf_parse(const char *, size_t, const char *, char *,
		    size_t);
void		 conf_free(struct conf *);

/* What a reload does not take while running: a restart takes it. */
size_t		 conf_restart_keys(const struct conf *, const struct conf *,
		    char *, size_t);

#endif
