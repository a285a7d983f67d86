/* The configuration file: every key described once in a table, then parsed. */

#include <arpa/inet.h>
#include <ctype.h>
#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "conf.h"
#include "loglevel.h"
#include "metrics.h"
#include "xmalloc.h"

#define CONF_VIS_MAX	64			/* echoed characters */

enum conf_type {
	CONF_INT,	/* int64_t in [min, max], times scale */
	CONF_NUMBER,	/* double in [dmin, dmax] */
	CONF_BOOL,	/* int 0 or 1 */
	CONF_STRING,	/* char *, length in [min, max] */
	CONF_ENUM,	/* int, index into choices */
	CONF_LEVEL,	/* int, enum log_level */
	CONF_LISTEN,	/* char *, "host:port", "[v6]:port" or "" */
	CONF_WINDOWS,	/* metrics.windows_s: array of ints in [min, max] */
	CONF_RULES,	/* alerts.rules: parsed after every other key */
	CONF_TOKENS,	/* http.tokens: array of token objects */
	CONF_HOSTS,	/* http.allowed_hosts: array of Host values */
	CONF_METRIC,	/* int, a METRICS field name */
	CONF_WINDOW	/* int64_t, one of metrics.windows_s */
};

#define CONF_NOSPACE	0x01	/* string: no whitespace */
#define CONF_PRINTABLE	0x02	/* string: printable ASCII only */
#define CONF_NAMECHARS	0x04	/* string: [A-Za-z0-9_.-] only */
#define CONF_GT_MIN	0x08	/* number: strictly greater than dmin */
#define CONF_METRIC_RULE 0x10	/* rule key: allowed on metric rules */
#define CONF_CONV_RULE	0x20	/* rule key: allowed on conversation rules */
#define CONF_REQUIRED	0x40	/* rule key: required where allowed */
#define CONF_RELOAD	0x80	/* a reload takes it while running */

/* One key: where it lives, what it holds, its bounds, its default. */
struct conf_key {
	const char		*section;	/* NULL for rule keys */
	const char		*name;
	enum conf_type		 type;
	int			 flags;
	int64_t			 min;		/* int value, string length */
	int64_t			 max;
	int64_t			 scale;		/* int: stored value per unit */
	double			 dmin;
	double			 dmax;
	int64_t			 idef;		/* int, bool, enum, level */
	double			 ddef;
	const char		*sdef;
	const int64_t		*adef;		/* windows, 0-terminated */
	const char *const	*choices;	/* enum, NULL-terminated */
	size_t			 off;
};

#define C(field)	offsetof(struct conf, field)
#define R(field)	offsetof(struct alert_rule, field)
#define T(field)	offsetof(struct http_token_conf, field)

static const int64_t conf_windows_default[] = { 300, 3600, 86400, 0 };

static const char *const conf_scopes[] = {
	"agent", "team", "global", "conversation", NULL
};
static const char *const conf_ops[] = { ">", ">=", "<", "<=", NULL };
/* In the order of enum http_role. */
static const char *const conf_roles[] = {
	"viewer", "supervisor", "admin", NULL
};

/* Keys no longer read: a file that has one is refused with the reason. */
static const struct {
	const char	*section, *name, *reason;
} conf_gone[] = {
	{ "http", "token", "no longer read: put the token in a file and name "
	  "it in http.tokens (replytimed.json(5))" },
};

/* Built-in conversation rules that a configured rule may not be named. */
static const char *const conf_reserved[] = {
	"first_response_overdue", "response_overdue", NULL
};

static const struct conf_key conf_keys[] = {
	{ .section = "redis", .name = "host", .type = CONF_STRING,
	  .min = 1, .max = 255, .sdef = "127.0.0.1", .off = C(redis.host) },
	{ .section = "redis", .name = "port", .type = CONF_INT,
	  .min = 1, .max = 65535, .idef = 6379, .off = C(redis.port) },
	{ .section = "redis", .name = "password_file", .type = CONF_STRING,
	  .min = 0, .max = 4095, .sdef = "", .off = C(redis.password_file) },
	{ .section = "redis", .name = "prefix", .type = CONF_STRING,
	  .flags = CONF_NOSPACE, .min = 1, .max = 64, .sdef = "cs",
	  .off = C(redis.prefix) },
	{ .section = "redis", .name = "group", .type = CONF_STRING,
	  .flags = CONF_NOSPACE, .min = 1, .max = 64, .sdef = "replytimed",
	  .off = C(redis.group) },
	{ .section = "redis", .name = "consumer", .type = CONF_STRING,
	  .flags = CONF_NOSPACE, .min = 0, .max = 64, .sdef = "",
	  .off = C(redis.consumer) },

	{ .section = "ingest", .name = "allowed_lateness_ms", .type = CONF_INT,
	  .min = 0, .max = 3600000, .idef = 2000,
	  .off = C(ingest.allowed_lateness_ms) },
	{ .section = "ingest", .name = "max_future_ms", .type = CONF_INT,
	  .min = 0, .max = 86400000, .idef = 300000,
	  .off = C(ingest.max_future_ms) },
	{ .section = "ingest", .name = "retention_s", .type = CONF_INT,
	  .min = 60, .max = 315360000, .idef = 172800,
	  .off = C(ingest.retention_s) },
	{ .section = "ingest", .name = "read_count", .type = CONF_INT,
	  .min = 1, .max = 100000, .idef = 1000, .off = C(ingest.read_count) },
	{ .section = "ingest", .name = "block_ms", .type = CONF_INT,
	  .min = 1, .max = 60000, .idef = 1000, .off = C(ingest.block_ms) },
	{ .section = "ingest", .name = "max_entry_kb", .type = CONF_INT,
	  .min = 1, .max = 524288, .idef = 64, .off = C(ingest.max_entry_kb) },
	{ .section = "ingest", .name = "max_reorder", .type = CONF_INT,
	  .min = 1, .max = 100000000, .idef = 1000000,
	  .off = C(ingest.max_reorder) },

	{ .section = "metrics", .name = "windows_s", .type = CONF_WINDOWS,
	  .min = 60, .max = 2592000, .adef = conf_windows_default,
	  .off = C(metrics.windows_s) },
	{ .section = "metrics", .name = "exclude_bot_time", .type = CONF_BOOL,
	  .idef = 1, .off = C(metrics.exclude_bot_time) },
	{ .section = "metrics", .name = "conversation_ttl_s", .type = CONF_INT,
	  .min = 60, .max = 2592000, .idef = 86400,
	  .off = C(metrics.conversation_ttl_s) },
	{ .section = "metrics", .name = "max_conversations", .type = CONF_INT,
	  .min = 1, .max = 1000000000, .idef = 1000000,
	  .off = C(metrics.max_conversations) },
	{ .section = "metrics", .name = "max_agents", .type = CONF_INT,
	  .min = 1, .max = 100000000, .idef = 20000,
	  .off = C(metrics.max_agents) },
	{ .section = "metrics", .name = "max_teams", .type = CONF_INT,
	  .min = 1, .max = 100000000, .idef = 2000,
	  .off = C(metrics.max_teams) },
	{ .section = "metrics", .name = "max_message_ids", .type = CONF_INT,
	  .min = 1, .max = 1000000000, .idef = 2000000,
	  .off = C(metrics.max_message_ids) },

	{ .section = "targets", .name = "first_response_s",
	  .type = CONF_NUMBER, .flags = CONF_RELOAD | CONF_GT_MIN, .dmin = 0,
	  .dmax = 86400, .ddef = 30, .off = C(targets.first_response_s) },
	{ .section = "targets", .name = "average_response_s",
	  .type = CONF_NUMBER, .flags = CONF_RELOAD | CONF_GT_MIN, .dmin = 0,
	  .dmax = 86400, .ddef = 90, .off = C(targets.average_response_s) },
	{ .section = "targets", .name = "response_within_s",
	  .type = CONF_NUMBER, .flags = CONF_RELOAD | CONF_GT_MIN, .dmin = 0,
	  .dmax = 86400, .ddef = 180, .off = C(targets.response_within_s) },
	{ .section = "targets", .name = "response_rate", .type = CONF_NUMBER,
	  .flags = CONF_RELOAD, .dmin = 0, .dmax = 1, .ddef = 0.95,
	  .off = C(targets.response_rate) },

	{ .section = "publish", .name = "interval_ms", .type = CONF_INT,
	  .min = 100, .max = 60000, .idef = 1000,
	  .off = C(publish.interval_ms) },
	{ .section = "publish", .name = "outcomes_maxlen", .type = CONF_INT,
	  .min = 1000, .max = 100000000, .idef = 1000000,
	  .off = C(publish.outcomes_maxlen) },
	{ .section = "publish", .name = "outbox_max_mb", .type = CONF_INT,
	  .min = 1, .max = 4096, .idef = 64, .off = C(publish.outbox_max_mb) },

	{ .section = "alerts", .name = "interval_s", .type = CONF_INT,
	  .flags = CONF_RELOAD, .min = 1, .max = 3600, .idef = 10,
	  .off = C(alerts.interval_s) },
	{ .section = "alerts", .name = "alerts_maxlen", .type = CONF_INT,
	  .min = 1000, .max = 100000000, .idef = 100000,
	  .off = C(alerts.alerts_maxlen) },
	{ .section = "alerts", .name = "rules", .type = CONF_RULES,
	  .flags = CONF_RELOAD, .off = C(alerts.rules) },

	{ .section = "http", .name = "listen", .type = CONF_LISTEN,
	  .sdef = "127.0.0.1:9733", .off = C(http.listen) },
	{ .section = "http", .name = "tokens", .type = CONF_TOKENS,
	  .flags = CONF_RELOAD, .off = C(http.tokens) },
	{ .section = "http", .name = "allowed_hosts", .type = CONF_HOSTS,
	  .flags = CONF_RELOAD, .off = C(http.allowed_hosts) },
	{ .section = "http", .name = "max_connections", .type = CONF_INT,
	  .min = 1, .max = 65535, .idef = 256, .off = C(http.max_connections) },
	{ .section = "http", .name = "timeout_s", .type = CONF_INT,
	  .min = 1, .max = 3600, .idef = 10, .off = C(http.timeout_s) },
	{ .section = "http", .name = "max_clients", .type = CONF_INT,
	  .min = 1, .max = 10000, .idef = 64, .off = C(http.max_clients) },
	{ .section = "http", .name = "heartbeat_s", .type = CONF_INT,
	  .min = 1, .max = 3600, .idef = 15, .off = C(http.heartbeat_s) },
	{ .section = "http", .name = "client_buffer_kb", .type = CONF_INT,
	  .min = 16, .max = 1048576, .idef = 8192,
	  .off = C(http.client_buffer_kb) },

	{ .section = "log", .name = "level", .type = CONF_LEVEL,
	  .flags = CONF_RELOAD, .idef = LOG_LEVEL_INFO, .off = C(log.level) },
};

/* The keys of one entry of http.tokens, each required. */
static const struct conf_key token_keys[] = {
	{ .name = "name", .type = CONF_STRING, .flags = CONF_NAMECHARS,
	  .min = 1, .max = 64, .off = T(name) },
	{ .name = "role", .type = CONF_ENUM, .choices = conf_roles,
	  .off = T(role) },
	{ .name = "token_file", .type = CONF_STRING, .min = 1, .max = 4095,
	  .off = T(token_file) },
};

#define CONF_BOTH_RULES	(CONF_METRIC_RULE | CONF_CONV_RULE)

static const struct conf_key rule_keys[] = {
	{ .name = "name", .type = CONF_STRING,
	  .flags = CONF_BOTH_RULES | CONF_REQUIRED | CONF_NAMECHARS,
	  .min = 1, .max = 64, .off = R(name) },
	{ .name = "scope", .type = CONF_ENUM,
	  .flags = CONF_BOTH_RULES | CONF_REQUIRED, .choices = conf_scopes,
	  .off = R(scope) },
	{ .name = "severity", .type = CONF_STRING, .flags = CONF_BOTH_RULES,
	  .min = 1, .max = 32, .sdef = "warning", .off = R(severity) },
	{ .name = "metric", .type = CONF_METRIC,
	  .flags = CONF_METRIC_RULE | CONF_REQUIRED, .idef = -1,
	  .off = R(metric) },
	{ .name = "window_s", .type = CONF_WINDOW,
	  .flags = CONF_METRIC_RULE | CONF_REQUIRED, .off = R(window_s) },
	{ .name = "op", .type = CONF_ENUM,
	  .flags = CONF_METRIC_RULE | CONF_REQUIRED, .choices = conf_ops,
	  .off = R(op) },
	{ .name = "threshold", .type = CONF_NUMBER,
	  .flags = CONF_METRIC_RULE | CONF_REQUIRED, .dmin = -DBL_MAX,
	  .dmax = DBL_MAX, .off = R(threshold) },
	{ .name = "min_samples", .type = CONF_INT, .flags = CONF_METRIC_RULE,
	  .min = 0, .max = 1000000000, .idef = 1, .off = R(min_samples) },
	{ .name = "for_s", .type = CONF_INT, .flags = CONF_METRIC_RULE,
	  .min = 0, .max = 86400, .off = R(for_s) },
	{ .name = "repeat_s", .type = CONF_INT, .flags = CONF_METRIC_RULE,
	  .min = 0, .max = 86400, .off = R(repeat_s) },
	{ .name = "open_s", .type = CONF_INT,
	  .flags = CONF_CONV_RULE | CONF_REQUIRED, .min = 1, .max = 86400,
	  .scale = 1000, .off = R(open_ms) },
	{ .name = "first_only", .type = CONF_BOOL, .flags = CONF_CONV_RULE,
	  .off = R(first_only) },
};

#define NKEYS(t)	(sizeof(t) / sizeof((t)[0]))

/* Enums are stored through an int pointer. */
_Static_assert(sizeof(enum rule_scope) == sizeof(int), "enum size");
_Static_assert(sizeof(enum rule_op) == sizeof(int), "enum size");

/* What one parse needs to hand around: the result and where errors go. */
struct conf_ctx {
	const char	*name;
	char		*errbuf;
	size_t		 errlen;
	struct conf	*conf;
};

static void	conf_err(struct conf_ctx *, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Writes the one error message, "name: key: reason". */
static void
conf_err(struct conf_ctx *ctx, const char *key, const char *fmt, ...)
{
	char	 reason[512];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (ctx->errlen == 0)
		return;
	if (key != NULL)
		snprintf(ctx->errbuf, ctx->errlen, "%s: %s: %s", ctx->name,
		    key, reason);
	else
		snprintf(ctx->errbuf, ctx->errlen, "%s: %s", ctx->name,
		    reason);
}

/*
 * Copies text from the file into dst for an error message, shortened and
 * with anything unprintable replaced, so a message stays one clean line.
 */
static void
conf_vis(char *dst, size_t dstlen, const char *src)
{
	size_t	 i, n;

	for (i = n = 0; src[i] != '\0' && n + 1 < dstlen; i++) {
		if (i == CONF_VIS_MAX) {
			if (n + 4 <= dstlen) {
				memcpy(dst + n, "...", 3);
				n += 3;
			}
			break;
		}
		dst[n++] = isprint((unsigned char)src[i]) ? src[i] : '?';
	}
	dst[n] = '\0';
}

/* Returns the key's field inside base. */
static void *
conf_field(const struct conf_key *k, void *base)
{
	return ((char *)base + k->off);
}

/* Looks a key up by section (NULL for rule keys) and name. */
static const struct conf_key *
conf_key_find(const struct conf_key *table, size_t n, const char *section,
    const char *name)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		if (section != NULL && strcmp(table[i].section, section) != 0)
			continue;
		if (strcmp(table[i].name, name) == 0)
			return (&table[i]);
	}
	return (NULL);
}

/* Says whether any key lives in the section. */
static int
conf_section_known(const char *section)
{
	size_t	 i;

	for (i = 0; i < NKEYS(conf_keys); i++)
		if (strcmp(conf_keys[i].section, section) == 0)
			return (1);
	return (0);
}

/* Stores the key's default into base, replacing any string there. */
static void
conf_key_default(const struct conf_key *k, void *base)
{
	void	*p = conf_field(k, base);
	int	 i;

	switch (k->type) {
	case CONF_INT:
	case CONF_WINDOW:
		*(int64_t *)p = k->idef;
		break;
	case CONF_NUMBER:
		*(double *)p = k->ddef;
		break;
	case CONF_BOOL:
	case CONF_ENUM:
	case CONF_LEVEL:
	case CONF_METRIC:
		*(int *)p = (int)k->idef;
		break;
	case CONF_STRING:
	case CONF_LISTEN:
		free(*(char **)p);
		*(char **)p = k->sdef != NULL ? xstrdup(k->sdef) : NULL;
		break;
	case CONF_WINDOWS:
		for (i = 0; k->adef[i] != 0; i++)
			((int64_t *)p)[i] = k->adef[i];
		((struct conf *)base)->metrics.nwindows = i;
		break;
	case CONF_RULES:
	case CONF_TOKENS:
	case CONF_HOSTS:
		break;
	}
}

/*
 * Splits "host:port", "[v6addr]:port" or "" (disabled) into its host and
 * port.  Returns 0, or -1 with the reason in *errstr.
 */
static int
conf_listen_split(const char *s, char **host, int64_t *port,
    const char **errstr)
{
	struct in6_addr	 a6;
	const char	*colon, *end, *p;
	char		*h = NULL;
	size_t		 hlen;
	int64_t		 n;

	*host = NULL;
	*port = 0;
	if (*s == '\0')
		return (0);
	*errstr = "must be host:port, [IPv6 address]:port or empty";
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != ':')
			return (-1);
		colon = end + 1;
		hlen = end - (s + 1);
		h = xstrndup(s + 1, hlen);
		if (inet_pton(AF_INET6, h, &a6) != 1) {
			*errstr = "bad IPv6 address in brackets";
			goto fail;
		}
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return (-1);
		hlen = colon - s;
		if (memchr(s, ':', hlen) != NULL) {
			*errstr = "an IPv6 address needs brackets, as in "
			    "[::1]:9733";
			return (-1);
		}
		if (hlen == 0 || hlen > 255)
			return (-1);
		h = xstrndup(s, hlen);
		for (p = h; *p != '\0'; p++)
			if (!isgraph((unsigned char)*p))
				goto fail;
	}
	if (colon[1] == '\0' || strlen(colon + 1) > 5)
		goto fail;
	n = 0;
	for (p = colon + 1; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			goto fail;
		n = n * 10 + (*p - '0');
	}
	if (n > 65535) {
		*errstr = "port must be between 0 and 65535";
		goto fail;
	}
	*host = h;
	*port = n;
	return (0);

fail:
	free(h);
	return (-1);
}

/* Checks a string value against the key's length and character rules. */
static int
conf_check_string(struct conf_ctx *ctx, const struct conf_key *k,
    const char *path, json_t *v)
{
	const char	*s = json_string_value(v);
	size_t		 len = json_string_length(v), i;
	unsigned char	 c;

	if ((int64_t)len < k->min || (int64_t)len > k->max) {
		if (k->min == 0)
			conf_err(ctx, path, "must be at most %" PRId64
			    " characters long", k->max);
		else
			conf_err(ctx, path, "must be between %" PRId64
			    " and %" PRId64 " characters long", k->min, k->max);
		return (-1);
	}
	for (i = 0; i < len; i++) {
		c = (unsigned char)s[i];
		if ((k->flags & CONF_NOSPACE) && isspace(c)) {
			conf_err(ctx, path, "must not contain whitespace");
			return (-1);
		}
		if ((k->flags & CONF_PRINTABLE) && (c > 0x7e || !isprint(c))) {
			conf_err(ctx, path, "must contain only printable "
			    "characters");
			return (-1);
		}
		if ((k->flags & CONF_NAMECHARS) && !isalnum(c) && c != '_' &&
		    c != '.' && c != '-') {
			conf_err(ctx, path, "may contain only letters, digits, "
			    "'_', '.' and '-'");
			return (-1);
		}
	}
	return (0);
}

/* Reads a JSON integer in [min, max]. */
static int
conf_get_int(struct conf_ctx *ctx, const struct conf_key *k,
    const char *path, json_t *v, int64_t *out)
{
	json_int_t	 n;

	if (!json_is_integer(v)) {
		conf_err(ctx, path, "must be an integer");
		return (-1);
	}
	n = json_integer_value(v);
	if (n < k->min || n > k->max) {
		conf_err(ctx, path, "must be between %" PRId64 " and %" PRId64,
		    k->min, k->max);
		return (-1);
	}
	*out = n;
	return (0);
}

/* Reads metrics.windows_s: 1 to CONF_MAX_WINDOWS rising integers. */
static int
conf_set_windows(struct conf_ctx *ctx, const struct conf_key *k,
    const char *path, json_t *v, void *base)
{
	struct conf	*conf = base;
	int64_t		 w[CONF_MAX_WINDOWS];
	char		 ipath[128];
	json_t		*e;
	size_t		 i, n;

	if (!json_is_array(v)) {
		conf_err(ctx, path, "must be an array of integers");
		return (-1);
	}
	n = json_array_size(v);
	if (n < 1 || n > CONF_MAX_WINDOWS) {
		conf_err(ctx, path, "must hold between 1 and %d windows",
		    CONF_MAX_WINDOWS);
		return (-1);
	}
	json_array_foreach(v, i, e) {
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if (conf_get_int(ctx, k, ipath, e, &w[i]) == -1)
			return (-1);
		if (i > 0 && w[i] <= w[i - 1]) {
			conf_err(ctx, ipath, "must be greater than the window "
			    "before it");
			return (-1);
		}
	}
	memcpy(conf->metrics.windows_s, w, n * sizeof(w[0]));
	conf->metrics.nwindows = (int)n;
	return (0);
}

static void	conf_append(char *, size_t, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

/* Appends to a string in a fixed buffer, cutting what does not fit. */
static void
conf_append(char *buf, size_t len, const char *fmt, ...)
{
	size_t	 used = strlen(buf);
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* Reads a rule's window_s, which must be one of metrics.windows_s. */
static int
conf_set_window(struct conf_ctx *ctx, const char *path, json_t *v,
    int64_t *out)
{
	struct conf	*conf = ctx->conf;
	char		 list[128] = "";
	int64_t		 n;
	int		 i;

	if (!json_is_integer(v)) {
		conf_err(ctx, path, "must be an integer");
		return (-1);
	}
	n = json_integer_value(v);
	for (i = 0; i < conf->metrics.nwindows; i++) {
		if (conf->metrics.windows_s[i] == n) {
			*out = n;
			return (0);
		}
	}
	for (i = 0; i < conf->metrics.nwindows; i++)
		conf_append(list, sizeof(list), "%s%" PRId64, i > 0 ? ", " : "",
		    conf->metrics.windows_s[i]);
	conf_err(ctx, path, "must be one of metrics.windows_s (%s)", list);
	return (-1);
}

/* Reads a string naming one of the key's choices, stored as its index. */
static int
conf_set_enum(struct conf_ctx *ctx, const struct conf_key *k,
    const char *path, const char *s, int *out)
{
	char	 list[128] = "", vis[CONF_VIS_MAX + 4];
	int	 i;

	for (i = 0; k->choices[i] != NULL; i++) {
		if (strcmp(s, k->choices[i]) == 0) {
			*out = i;
			return (0);
		}
	}
	for (i = 0; k->choices[i] != NULL; i++)
		conf_append(list, sizeof(list), "%s%s", i > 0 ? ", " : "",
		    k->choices[i]);
	conf_vis(vis, sizeof(vis), s);
	conf_err(ctx, path, "unknown %s \"%s\" (must be one of %s)", k->name,
	    vis, list);
	return (-1);
}

/* Reads a log level name. */
static int
conf_set_level(struct conf_ctx *ctx, const char *path, const char *s,
    int *out)
{
	char	 list[128] = "", vis[CONF_VIS_MAX + 4];
	int	 i;

	if ((*out = log_level_parse(s)) != -1)
		return (0);
	for (i = 0; i <= LOG_LEVEL_DEBUG; i++)
		conf_append(list, sizeof(list), "%s%s", i > 0 ? ", " : "",
		    log_level_name(i));
	conf_vis(vis, sizeof(vis), s);
	conf_err(ctx, path, "unknown level \"%s\" (must be one of %s)", vis,
	    list);
	return (-1);
}

/* Reads http.listen and its split into host and port. */
static int
conf_set_listen(struct conf_ctx *ctx, const char *path, const char *s,
    char **out)
{
	const char	*errstr;
	char		*host;
	int64_t		 port;

	if (conf_listen_split(s, &host, &port, &errstr) == -1) {
		conf_err(ctx, path, "%s", errstr);
		return (-1);
	}
	free(*out);
	*out = xstrdup(s);
	free(ctx->conf->http.listen_host);
	ctx->conf->http.listen_host = host;
	ctx->conf->http.listen_port = port;
	return (0);
}

static int	conf_set(struct conf_ctx *, const struct conf_key *,
		    const char *, json_t *, void *);

/* Reads one entry of http.tokens: every key is required. */
static int
conf_token(struct conf_ctx *ctx, size_t idx, json_t *obj,
    struct http_token_conf *t)
{
	const struct conf_key	*k;
	const char		*name;
	char			 base[64], path[256], vkey[CONF_VIS_MAX + 4];
	char			 vis[CONF_VIS_MAX + 4];
	json_t			*v;
	size_t			 i;

	snprintf(base, sizeof(base), "http.tokens[%zu]", idx);
	if (!json_is_object(obj)) {
		conf_err(ctx, base, "must be an object with name, role and "
		    "token_file");
		return (-1);
	}
	json_object_foreach(obj, name, v) {
		conf_vis(vkey, sizeof(vkey), name);
		snprintf(path, sizeof(path), "%s.%s", base, vkey);
		k = conf_key_find(token_keys, NKEYS(token_keys), NULL, name);
		if (k == NULL) {
			conf_err(ctx, path, "unknown key");
			return (-1);
		}
		if (conf_set(ctx, k, path, v, t) == -1)
			return (-1);
	}
	for (i = 0; i < NKEYS(token_keys); i++) {
		if (json_object_get(obj, token_keys[i].name) == NULL) {
			snprintf(path, sizeof(path), "%s.%s", base,
			    token_keys[i].name);
			conf_err(ctx, path, "missing");
			return (-1);
		}
	}
	for (i = 0; i < idx; i++) {
		if (strcmp(t->name, ctx->conf->http.tokens[i].name) == 0) {
			snprintf(path, sizeof(path), "%s.name", base);
			conf_vis(vis, sizeof(vis), t->name);
			conf_err(ctx, path, "duplicate token name \"%s\"", vis);
			return (-1);
		}
	}
	return (0);
}

/*
 * Checks that v is an array (of what it holds, for the message) of at
 * most max (of what, when max is not 0) elements, and says how many.
 */
static int
conf_array(struct conf_ctx *ctx, const char *path, json_t *v,
    const char *of, size_t max, const char *what, size_t *n)
{
	*n = 0;
	if (!json_is_array(v)) {
		conf_err(ctx, path, "must be an array of %s", of);
		return (-1);
	}
	*n = json_array_size(v);
	if (max != 0 && *n > max) {
		conf_err(ctx, path, "must hold at most %zu %s", max, what);
		return (-1);
	}
	return (0);
}

/* Reads http.tokens, an array of token objects, replacing any before. */
static int
conf_set_tokens(struct conf_ctx *ctx, const char *path, json_t *v)
{
	struct conf	*conf = ctx->conf;
	json_t		*obj;
	size_t		 i, n;

	if (conf_array(ctx, path, v, "objects", CONF_MAX_TOKENS, "tokens",
	    &n) == -1)
		return (-1);
	if (n == 0)
		return (0);
	conf->http.tokens = xcalloc(n, sizeof(*conf->http.tokens));
	json_array_foreach(v, i, obj) {
		conf->http.ntokens++;	/* conf_free frees a partial one */
		if (conf_token(ctx, i, obj, &conf->http.tokens[i]) == -1)
			return (-1);
	}
	return (0);
}

/*
 * Checks one entry of http.allowed_hosts: a host name or address, with
 * an optional ":port", an IPv6 address in brackets.
 */
static int
conf_host_valid(const char *s)
{
	const char	*p, *port = NULL;
	size_t		 i;

	if (*s == '[') {
		if ((p = strchr(s, ']')) == NULL || p == s + 1)
			return (0);
		if (p[1] != '\0' && p[1] != ':')
			return (0);
		for (i = 1; s + i < p; i++)
			if (!isxdigit((unsigned char)s[i]) && s[i] != ':' &&
			    s[i] != '.')
				return (0);
		port = p[1] == ':' ? p + 2 : NULL;
	} else {
		if (*s == '\0' || *s == ':')
			return (0);
		for (p = s; *p != '\0' && *p != ':'; p++)
			if (!isalnum((unsigned char)*p) && *p != '.' &&
			    *p != '-' && *p != '_')
				return (0);
		port = *p == ':' ? p + 1 : NULL;
	}
	if (port == NULL)
		return (1);
	if (*port == '\0' || strlen(port) > 5)
		return (0);
	for (p = port; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return (0);
	return (atoi(port) >= 1 && atoi(port) <= 65535);
}

/* Reads http.allowed_hosts, an array of host or host:port strings. */
static int
conf_set_hosts(struct conf_ctx *ctx, const char *path, json_t *v)
{
	struct conf	*conf = ctx->conf;
	char		 ipath[128], vis[CONF_VIS_MAX + 4];
	json_t		*e;
	size_t		 i, n;

	if (conf_array(ctx, path, v, "strings", CONF_MAX_HOSTS, "hosts",
	    &n) == -1)
		return (-1);
	if (n == 0)
		return (0);
	conf->http.allowed_hosts = xcalloc(n,
	    sizeof(*conf->http.allowed_hosts));
	json_array_foreach(v, i, e) {
		snprintf(ipath, sizeof(ipath), "%s[%zu]", path, i);
		if (!json_is_string(e)) {
			conf_err(ctx, ipath, "must be a string");
			return (-1);
		}
		if (json_string_length(e) > 261 ||
		    !conf_host_valid(json_string_value(e))) {
			conf_vis(vis, sizeof(vis), json_string_value(e));
			conf_err(ctx, ipath, "\"%s\" is not host, host:port or "
			    "[IPv6 address]:port", vis);
			return (-1);
		}
		conf->http.allowed_hosts[i] = xstrdup(json_string_value(e));
		conf->http.nallowed_hosts++;
	}
	return (0);
}

/* Checks a value against a key and stores it into base. */
static int
conf_set(struct conf_ctx *ctx, const struct conf_key *k, const char *path,
    json_t *v, void *base)
{
	void		*p = conf_field(k, base);
	const char	*s;
	char		 vis[CONF_VIS_MAX + 4];
	double		 d;
	int64_t		 n;

	switch (k->type) {
	case CONF_INT:
		if (conf_get_int(ctx, k, path, v, &n) == -1)
			return (-1);
		*(int64_t *)p = n * (k->scale != 0 ? k->scale : 1);
		return (0);
	case CONF_NUMBER:
		if (!json_is_number(v)) {
			conf_err(ctx, path, "must be a number");
			return (-1);
		}
		d = json_number_value(v);
		if ((k->flags & CONF_GT_MIN) && (d <= k->dmin || d > k->dmax)) {
			conf_err(ctx, path, "must be greater than %g and at "
			    "most %g", k->dmin, k->dmax);
			return (-1);
		}
		if (d < k->dmin || d > k->dmax) {
			conf_err(ctx, path, "must be between %g and %g",
			    k->dmin, k->dmax);
			return (-1);
		}
		*(double *)p = d;
		return (0);
	case CONF_BOOL:
		if (!json_is_boolean(v)) {
			conf_err(ctx, path, "must be true or false");
			return (-1);
		}
		*(int *)p = json_is_true(v);
		return (0);
	case CONF_WINDOWS:
		return (conf_set_windows(ctx, k, path, v, base));
	case CONF_WINDOW:
		return (conf_set_window(ctx, path, v, p));
	case CONF_RULES:
		return (0);	/* conf_rules, once every other key is in */
	case CONF_TOKENS:
		return (conf_set_tokens(ctx, path, v));
	case CONF_HOSTS:
		return (conf_set_hosts(ctx, path, v));
	default:
		break;
	}

	/* The rest are strings: without JSON_ALLOW_NUL, never with a NUL. */
	if (!json_is_string(v)) {
		conf_err(ctx, path, "must be a string");
		return (-1);
	}
	s = json_string_value(v);
	switch (k->type) {
	case CONF_STRING:
		if (conf_check_string(ctx, k, path, v) == -1)
			return (-1);
		free(*(char **)p);
		*(char **)p = xstrdup(s);
		return (0);
	case CONF_LISTEN:
		return (conf_set_listen(ctx, path, s, p));
	case CONF_ENUM:
		return (conf_set_enum(ctx, k, path, s, p));
	case CONF_LEVEL:
		return (conf_set_level(ctx, path, s, p));
	case CONF_METRIC:
		if ((*(int *)p = metric_find(s)) < 0) {
			conf_vis(vis, sizeof(vis), s);
			conf_err(ctx, path, "unknown metric \"%s\"", vis);
			return (-1);
		}
		return (0);
	default:
		abort();	/* every type is handled above */
	}
}

/* The reason a key is no longer read, or NULL if it never was one. */
static const char *
conf_gone_find(const char *section, const char *name)
{
	size_t	 i;

	for (i = 0; i < NKEYS(conf_gone); i++)
		if (strcmp(conf_gone[i].section, section) == 0 &&
		    strcmp(conf_gone[i].name, name) == 0)
			return (conf_gone[i].reason);
	return (NULL);
}

/*
 * Walks the file's sections and keys in file order, storing every key but
 * alerts.rules, which is handed back to be read once metrics.windows_s is.
 */
static int
conf_sections(struct conf_ctx *ctx, json_t *root, json_t **rules)
{
	const struct conf_key	*k;
	const char		*section, *name, *gone;
	char			 path[256], vsec[CONF_VIS_MAX + 4];
	char			 vkey[CONF_VIS_MAX + 4];
	json_t			*obj, *v;

	*rules = NULL;
	json_object_foreach(root, section, obj) {
		conf_vis(vsec, sizeof(vsec), section);
		if (!conf_section_known(section)) {
			conf_err(ctx, vsec, "unknown section");
			return (-1);
		}
		if (!json_is_object(obj)) {
			conf_err(ctx, vsec, "must be an object");
			return (-1);
		}
		json_object_foreach(obj, name, v) {
			conf_vis(vkey, sizeof(vkey), name);
			snprintf(path, sizeof(path), "%s.%s", vsec, vkey);
			k = conf_key_find(conf_keys, NKEYS(conf_keys), section,
			    name);
			if (k == NULL &&
			    (gone = conf_gone_find(section, name)) != NULL) {
				conf_err(ctx, path, "%s", gone);
				return (-1);
			}
			if (k == NULL) {
				conf_err(ctx, path, "unknown key");
				return (-1);
			}
			if (k->type == CONF_RULES)
				*rules = v;
			else if (conf_set(ctx, k, path, v, ctx->conf) == -1)
				return (-1);
		}
	}
	return (0);
}

/* Reads one rule: its scope first, as that says which keys it may have. */
static int
conf_rule(struct conf_ctx *ctx, size_t idx, json_t *obj, struct alert_rule *r)
{
	const struct conf_key	*k;
	const char		*name;
	char			 base[64], path[256], vkey[CONF_VIS_MAX + 4];
	char			 vis[CONF_VIS_MAX + 4];
	json_t			*v;
	size_t			 i;
	int			 kind;

	snprintf(base, sizeof(base), "alerts.rules[%zu]", idx);
	if (!json_is_object(obj)) {
		conf_err(ctx, base, "must be an object");
		return (-1);
	}
	for (i = 0; i < NKEYS(rule_keys); i++)
		conf_key_default(&rule_keys[i], r);

	k = conf_key_find(rule_keys, NKEYS(rule_keys), NULL, "scope");
	snprintf(path, sizeof(path), "%s.scope", base);
	if ((v = json_object_get(obj, "scope")) == NULL) {
		conf_err(ctx, path, "missing");
		return (-1);
	}
	if (conf_set(ctx, k, path, v, r) == -1)
		return (-1);
	kind = r->scope == RULE_SCOPE_CONVERSATION ? CONF_CONV_RULE :
	    CONF_METRIC_RULE;

	json_object_foreach(obj, name, v) {
		conf_vis(vkey, sizeof(vkey), name);
		snprintf(path, sizeof(path), "%s.%s", base, vkey);
		k = conf_key_find(rule_keys, NKEYS(rule_keys), NULL, name);
		if (k == NULL) {
			conf_err(ctx, path, "unknown key");
			return (-1);
		}
		if ((k->flags & kind) == 0) {
			conf_err(ctx, path, kind == CONF_CONV_RULE ?
			    "not for conversation rules" :
			    "only for conversation rules");
			return (-1);
		}
		if (conf_set(ctx, k, path, v, r) == -1)
			return (-1);
	}

	for (i = 0; i < NKEYS(rule_keys); i++) {
		k = &rule_keys[i];
		if ((k->flags & kind) && (k->flags & CONF_REQUIRED) &&
		    json_object_get(obj, k->name) == NULL) {
			snprintf(path, sizeof(path), "%s.%s", base, k->name);
			conf_err(ctx, path, "missing");
			return (-1);
		}
	}

	snprintf(path, sizeof(path), "%s.name", base);
	conf_vis(vis, sizeof(vis), r->name);
	for (i = 0; conf_reserved[i] != NULL; i++) {
		if (strcmp(r->name, conf_reserved[i]) == 0) {
			conf_err(ctx, path, "\"%s\" is reserved for a built-in "
			    "rule", vis);
			return (-1);
		}
	}
	for (i = 0; i < idx; i++) {
		if (strcmp(r->name, ctx->conf->alerts.rules[i].name) == 0) {
			conf_err(ctx, path, "duplicate rule name \"%s\"", vis);
			return (-1);
		}
	}
	return (0);
}

/* Reads alerts.rules, an array of rule objects. */
static int
conf_rules(struct conf_ctx *ctx, json_t *rules)
{
	struct conf	*conf = ctx->conf;
	json_t		*obj;
	size_t		 i, n, nconv = 0;
	char		 path[64];

	if (conf_array(ctx, "alerts.rules", rules, "objects", 0, NULL,
	    &n) == -1)
		return (-1);
	if (n == 0)
		return (0);
	conf->alerts.rules = xcalloc(n, sizeof(*conf->alerts.rules));
	json_array_foreach(rules, i, obj) {
		conf->alerts.nrules++;	/* conf_free frees a partial rule */
		if (conf_rule(ctx, i, obj, &conf->alerts.rules[i]) == -1)
			return (-1);
		if (conf->alerts.rules[i].scope == RULE_SCOPE_CONVERSATION &&
		    ++nconv > CONF_MAX_CONV_RULES) {
			snprintf(path, sizeof(path), "alerts.rules[%zu]", i);
			conf_err(ctx, path, "more than %d conversation rules",
			    CONF_MAX_CONV_RULES);
			return (-1);
		}
	}
	return (0);
}

/*
 * Whether an http.listen host is a loopback address: localhost,
 * 127.0.0.0/8 or ::1.
 */
static int
conf_loopback(const char *host)
{
	struct in_addr	 a4;
	struct in6_addr	 a6;

	if (strcasecmp(host, "localhost") == 0)
		return (1);
	if (inet_pton(AF_INET, host, &a4) == 1)
		return ((ntohl(a4.s_addr) >> 24) == 127);
	if (inet_pton(AF_INET6, host, &a6) == 1)
		return (IN6_IS_ADDR_LOOPBACK(&a6));
	return (0);
}

/*
 * The http keys that go together: streams are connections, and an
 * address others can reach is not served without tokens.
 */
static int
conf_check_http(struct conf_ctx *ctx)
{
	struct conf	*conf = ctx->conf;
	char		 vis[CONF_VIS_MAX + 4];

	if (conf->http.max_clients > conf->http.max_connections) {
		conf_err(ctx, "http.max_clients", "must be at most "
		    "http.max_connections (%" PRId64 ")",
		    conf->http.max_connections);
		return (-1);
	}
	if (conf->http.listen_host != NULL && conf->http.ntokens == 0 &&
	    !conf_loopback(conf->http.listen_host)) {
		conf_vis(vis, sizeof(vis), conf->http.listen);
		conf_err(ctx, "http.listen", "\"%s\" is not a loopback "
		    "address and http.tokens is empty: name tokens in "
		    "http.tokens, or listen on 127.0.0.1", vis);
		return (-1);
	}
	return (0);
}

/* Checks the rules that tie keys together. */
static int
conf_check(struct conf_ctx *ctx)
{
	struct conf	*conf = ctx->conf;
	int64_t		 largest, need;

	largest = conf->metrics.windows_s[conf->metrics.nwindows - 1];
	need = largest + conf->metrics.conversation_ttl_s;
	if (conf->ingest.retention_s < need) {
		conf_err(ctx, "ingest.retention_s", "must be at least %" PRId64
		    ", the largest of metrics.windows_s (%" PRId64 ") plus "
		    "metrics.conversation_ttl_s (%" PRId64 ")", need, largest,
		    conf->metrics.conversation_ttl_s);
		return (-1);
	}
	return (conf_check_http(ctx));
}

/*
 * Reports a JSON syntax error.  Jansson quotes the token it stopped at; a
 * string token may be a secret, so that quote is cut,
 * except for a duplicate key, where the quote is the key's name.  The
 * quote is raw bytes of the file: anything unprintable becomes '?', as in
 * conf_vis(), so the message stays one clean line.
 */
static void
conf_json_err(struct conf_ctx *ctx, json_error_t *jerr)
{
	char	 text[JSON_ERROR_TEXT_LENGTH], *near, *p;

	snprintf(text, sizeof(text), "%s", jerr->text);
	if (json_error_code(jerr) != json_error_duplicate_key &&
	    (near = strstr(text, " near '\"")) != NULL)
		*near = '\0';
	for (p = text; *p != '\0'; p++)
		if (!isprint((unsigned char)*p))
			*p = '?';
	conf_err(ctx, NULL, "line %d column %d: %s", jerr->line, jerr->column,
	    text);
}

struct conf *
conf_default(void)
{
	struct conf	*conf;
	const char	*errstr;
	size_t		 i;

	conf = xcalloc(1, sizeof(*conf));
	for (i = 0; i < NKEYS(conf_keys); i++)
		conf_key_default(&conf_keys[i], conf);
	if (conf_listen_split(conf->http.listen, &conf->http.listen_host,
	    &conf->http.listen_port, &errstr) == -1)
		xabort("default http.listen: %s", errstr);
	return (conf);
}

/* Parses a config held in memory; name is what errors call it. */
struct conf *
conf_parse(const char *text, size_t len, const char *name, char *errbuf,
    size_t errlen)
{
	struct conf_ctx	 ctx;
	json_error_t	 jerr;
	json_t		*root = NULL, *rules;

	ctx.name = name != NULL ? name : "config";
	ctx.errbuf = errbuf;
	ctx.errlen = errlen;
	ctx.conf = NULL;
	if (errlen > 0)
		errbuf[0] = '\0';

	if ((root = json_loadb(text, len, JSON_REJECT_DUPLICATES,
	    &jerr)) == NULL) {
		conf_json_err(&ctx, &jerr);
		goto fail;
	}
	if (!json_is_object(root)) {
		conf_err(&ctx, NULL, "must hold one JSON object");
		goto fail;
	}
	ctx.conf = conf_default();
	ctx.conf->path = xstrdup(ctx.name);
	if (conf_sections(&ctx, root, &rules) == -1)
		goto fail;
	if (rules != NULL && conf_rules(&ctx, rules) == -1)
		goto fail;
	if (conf_check(&ctx) == -1)
		goto fail;
	json_decref(root);
	return (ctx.conf);

fail:
	conf_free(ctx.conf);
	json_decref(root);
	return (NULL);
}

/* Frees a conf and every string and rule it holds; NULL is fine. */
void
conf_free(struct conf *conf)
{
	size_t	 i, j;

	if (conf == NULL)
		return;
	for (i = 0; i < NKEYS(conf_keys); i++)
		if (conf_keys[i].type == CONF_STRING ||
		    conf_keys[i].type == CONF_LISTEN)
			free(*(char **)conf_field(&conf_keys[i], conf));
	free(conf->http.listen_host);
	for (i = 0; i < conf->http.ntokens; i++)
		for (j = 0; j < NKEYS(token_keys); j++)
			if (token_keys[j].type == CONF_STRING)
				free(*(char **)conf_field(&token_keys[j],
				    &conf->http.tokens[i]));
	free(conf->http.tokens);
	for (i = 0; i < conf->http.nallowed_hosts; i++)
		free(conf->http.allowed_hosts[i]);
	free(conf->http.allowed_hosts);
	for (i = 0; i < conf->alerts.nrules; i++)
		for (j = 0; j < NKEYS(rule_keys); j++)
			if (rule_keys[j].type == CONF_STRING)
				free(*(char **)conf_field(&rule_keys[j],
				    &conf->alerts.rules[i]));
	free(conf->alerts.rules);
	free(conf->path);
	free(conf);
}

/* Whether a key holds the same value in two configs. */
static int
conf_key_same(const struct conf_key *k, const struct conf *a,
    const struct conf *b)
{
	const void	*p = (const char *)a + k->off;
	const void	*q = (const char *)b + k->off;

	switch (k->type) {
	case CONF_INT:
	case CONF_WINDOW:
		return (*(const int64_t *)p == *(const int64_t *)q);
	case CONF_NUMBER:
		return (*(const double *)p == *(const double *)q);
	case CONF_BOOL:
	case CONF_ENUM:
	case CONF_LEVEL:
	case CONF_METRIC:
		return (*(const int *)p == *(const int *)q);
	case CONF_STRING:
	case CONF_LISTEN:
		return (strcmp(*(char *const *)p, *(char *const *)q) == 0);
	case CONF_WINDOWS:
		return (a->metrics.nwindows == b->metrics.nwindows &&
		    memcmp(p, q, (size_t)a->metrics.nwindows *
		    sizeof(int64_t)) == 0);
	case CONF_RULES:
	case CONF_TOKENS:
	case CONF_HOSTS:
		break;
	}
	/* a reload takes these, so no caller asks */
	return (1);
}

/*
 * Lists in buf ("a.b, c.d") the keys that differ between the running
 * config and a new one but that a reload cannot take (the keys without
 * CONF_RELOAD in the table); returns how many.
 */
size_t
conf_restart_keys(const struct conf *run, const struct conf *nc, char *buf,
    size_t len)
{
	const struct conf_key	*k;
	size_t			 i, n = 0, at = 0;
	int			 w;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		k = &conf_keys[i];
		if ((k->flags & CONF_RELOAD) || conf_key_same(k, run, nc))
			continue;
		if (at < len) {
			w = snprintf(buf + at, len - at, "%s%s.%s",
			    n > 0 ? ", " : "", k->section, k->name);
			at += w > 0 ? (size_t)w : 0;
		}
		n++;
	}
	return (n);
}
