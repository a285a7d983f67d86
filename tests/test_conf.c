/* Tests for conf.c: defaults, the shipped file, and every kind of error. */

#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "conf.h"
#include "file.h"
#include "log.h"
#include "metrics.h"
#include "route.h"
#include "xmalloc.h"

#define SHIPPED	"conf/replytimed.json"

static char	 tmpdir[64];
static char	 tmppath[128];

/* Parses text in which ' stands for ", to keep the JSON below readable. */
static struct conf *
parse_q(const char *text, char *err, size_t errlen)
{
	struct conf	*conf;
	char		*s, *p;

	s = strdup(text);
	cr_assert_not_null(s);
	for (p = s; *p != '\0'; p++)
		if (*p == '\'')
			*p = '"';
	conf = conf_parse(s, strlen(s), "x.json", err, errlen);
	free(s);
	return (conf);
}

/* Parses text that must be good and returns the conf. */
static struct conf *
good(const char *text)
{
	struct conf	*conf;
	char		 err[512] = "";

	conf = parse_q(text, err, sizeof(err));
	cr_assert_not_null(conf, "unexpected error: %s", err);
	cr_assert_str_empty(err);
	return (conf);
}

/* Parses text that must fail with exactly the message want. */
static void
bad(const char *text, const char *want)
{
	struct conf	*conf;
	char		 err[512];

	memset(err, 'Z', sizeof(err));
	conf = parse_q(text, err, sizeof(err));
	if (conf != NULL)
		conf_free(conf);
	cr_assert_null(conf, "no error for %s", text);
	cr_assert_str_eq(err, want);
}

static void
tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_conf.XXXXXX");
	cr_assert_not_null(mkdtemp(tmpdir));
	snprintf(tmppath, sizeof(tmppath), "%s/replytimed.json", tmpdir);
}

static void
tmp_teardown(void)
{
	unlink(tmppath);
	rmdir(tmpdir);
}

static void
write_file(const char *path, const char *text)
{
	FILE	*f;

	f = fopen(path, "w");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	cr_assert_eq(fclose(f), 0);
}

/* Checks that two confs agree on every key but the rules. */
static void
assert_same_scalars(const struct conf *a, const struct conf *b)
{
	int	 i;

	cr_assert_str_eq(a->redis.host, b->redis.host);
	cr_assert_eq(a->redis.port, b->redis.port);
	cr_assert_str_eq(a->redis.password_file, b->redis.password_file);
	cr_assert_str_eq(a->redis.prefix, b->redis.prefix);
	cr_assert_str_eq(a->redis.group, b->redis.group);
	cr_assert_str_eq(a->redis.consumer, b->redis.consumer);
	cr_assert_eq(a->ingest.allowed_lateness_ms,
	    b->ingest.allowed_lateness_ms);
	cr_assert_eq(a->ingest.max_future_ms, b->ingest.max_future_ms);
	cr_assert_eq(a->ingest.retention_s, b->ingest.retention_s);
	cr_assert_eq(a->ingest.read_count, b->ingest.read_count);
	cr_assert_eq(a->ingest.block_ms, b->ingest.block_ms);
	cr_assert_eq(a->metrics.nwindows, b->metrics.nwindows);
	for (i = 0; i < a->metrics.nwindows; i++)
		cr_assert_eq(a->metrics.windows_s[i], b->metrics.windows_s[i]);
	cr_assert_eq(a->metrics.exclude_bot_time, b->metrics.exclude_bot_time);
	cr_assert_eq(a->metrics.conversation_ttl_s,
	    b->metrics.conversation_ttl_s);
	cr_assert_eq(a->metrics.max_conversations,
	    b->metrics.max_conversations);
	cr_assert_eq(a->targets.first_response_s, b->targets.first_response_s);
	cr_assert_eq(a->targets.average_response_s,
	    b->targets.average_response_s);
	cr_assert_eq(a->targets.response_within_s,
	    b->targets.response_within_s);
	cr_assert_eq(a->targets.response_rate, b->targets.response_rate);
	cr_assert_eq(a->publish.interval_ms, b->publish.interval_ms);
	cr_assert_eq(a->publish.outcomes_maxlen, b->publish.outcomes_maxlen);
	cr_assert_eq(a->alerts.interval_s, b->alerts.interval_s);
	cr_assert_eq(a->alerts.alerts_maxlen, b->alerts.alerts_maxlen);
	cr_assert_str_eq(a->http.listen, b->http.listen);
	cr_assert_str_eq(a->http.listen_host, b->http.listen_host);
	cr_assert_eq(a->http.listen_port, b->http.listen_port);
	cr_assert_eq(a->http.ntokens, b->http.ntokens);
	cr_assert_eq(a->http.nallowed_hosts, b->http.nallowed_hosts);
	cr_assert_eq(a->http.max_connections, b->http.max_connections);
	cr_assert_eq(a->http.timeout_s, b->http.timeout_s);
	cr_assert_eq(a->http.max_clients, b->http.max_clients);
	cr_assert_eq(a->log.level, b->log.level);
}

/* Checks one of the shipped metric rules. */
static void
assert_metric_rule(const struct alert_rule *r, const char *name,
    enum rule_scope scope, int metric, enum rule_op op, double threshold)
{
	cr_assert_str_eq(r->name, name);
	cr_assert_eq(r->scope, scope, "%s: scope", name);
	cr_assert_eq(r->metric, metric, "%s: metric", name);
	cr_assert_eq(r->window_s, 3600, "%s: window_s", name);
	cr_assert_eq(r->op, op, "%s: op", name);
	cr_assert_eq(r->threshold, threshold, "%s: threshold", name);
	cr_assert_eq(r->min_samples, 10, "%s: min_samples", name);
	cr_assert_eq(r->for_s, 60, "%s: for_s", name);
	cr_assert_eq(r->repeat_s, 600, "%s: repeat_s", name);
	cr_assert_str_eq(r->severity, "warning");
	cr_assert_eq(r->open_ms, 0, "%s: open_ms", name);
	cr_assert_eq(r->first_only, 0, "%s: first_only", name);
}

Test(conf, defaults)
{
	struct conf	*c = conf_default();

	cr_assert_null(c->path);
	cr_assert_str_eq(c->redis.host, "127.0.0.1");
	cr_assert_eq(c->redis.port, 6379);
	cr_assert_str_eq(c->redis.password_file, "");
	cr_assert_str_eq(c->redis.prefix, "cs");
	cr_assert_str_eq(c->redis.group, "replytimed");
	cr_assert_str_eq(c->redis.consumer, "");
	cr_assert_eq(c->ingest.allowed_lateness_ms, 2000);
	cr_assert_eq(c->ingest.max_future_ms, 300000);
	cr_assert_eq(c->ingest.retention_s, 172800);
	cr_assert_eq(c->ingest.read_count, 1000);
	cr_assert_eq(c->ingest.block_ms, 1000);
	cr_assert_eq(c->metrics.nwindows, 3);
	cr_assert_eq(c->metrics.windows_s[0], 300);
	cr_assert_eq(c->metrics.windows_s[1], 3600);
	cr_assert_eq(c->metrics.windows_s[2], 86400);
	cr_assert_eq(c->metrics.exclude_bot_time, 1);
	cr_assert_eq(c->metrics.conversation_ttl_s, 86400);
	cr_assert_eq(c->metrics.max_conversations, 1000000);
	cr_assert_eq(c->targets.first_response_s, 30.0);
	cr_assert_eq(c->targets.average_response_s, 90.0);
	cr_assert_eq(c->targets.response_within_s, 180.0);
	cr_assert_eq(c->targets.response_rate, 0.95);
	cr_assert_eq(c->publish.interval_ms, 1000);
	cr_assert_eq(c->publish.outcomes_maxlen, 1000000);
	cr_assert_eq(c->alerts.interval_s, 10);
	cr_assert_eq(c->alerts.alerts_maxlen, 100000);
	cr_assert_null(c->alerts.rules);
	cr_assert_eq(c->alerts.nrules, 0);
	cr_assert_str_eq(c->http.listen, "127.0.0.1:9733");
	cr_assert_str_eq(c->http.listen_host, "127.0.0.1");
	cr_assert_eq(c->http.listen_port, 9733);
	cr_assert_null(c->http.tokens);
	cr_assert_eq(c->http.ntokens, 0);
	cr_assert_null(c->http.allowed_hosts);
	cr_assert_eq(c->http.nallowed_hosts, 0);
	cr_assert_eq(c->http.max_connections, 256);
	cr_assert_eq(c->http.timeout_s, 10);
	cr_assert_eq(c->http.max_clients, 64);
	cr_assert_eq(c->log.level, LOG_LEVEL_INFO);
	conf_free(c);
}

Test(conf, shipped_file)
{
	struct conf		*c, *d;
	const struct alert_rule	*r;
	char			 err[512] = "";

	c = conf_load(SHIPPED, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	d = conf_default();
	cr_assert_str_eq(c->path, SHIPPED);
	assert_same_scalars(c, d);

	cr_assert_eq(c->alerts.nrules, 7);
	r = c->alerts.rules;
	assert_metric_rule(&r[0], "agent_frt_avg", RULE_SCOPE_AGENT,
	    METRIC_FRT_AVG, RULE_OP_GT, 30);
	assert_metric_rule(&r[1], "agent_art_avg", RULE_SCOPE_AGENT,
	    METRIC_ART_AVG, RULE_OP_GT, 90);
	assert_metric_rule(&r[2], "agent_rate", RULE_SCOPE_AGENT,
	    METRIC_RATE, RULE_OP_LT, 0.95);
	assert_metric_rule(&r[3], "team_frt_avg", RULE_SCOPE_TEAM,
	    METRIC_FRT_AVG, RULE_OP_GT, 30);
	assert_metric_rule(&r[4], "team_art_avg", RULE_SCOPE_TEAM,
	    METRIC_ART_AVG, RULE_OP_GT, 90);
	assert_metric_rule(&r[5], "team_rate", RULE_SCOPE_TEAM,
	    METRIC_RATE, RULE_OP_LT, 0.95);
	cr_assert_str_eq(r[6].name, "first_response_warning");
	cr_assert_eq(r[6].scope, RULE_SCOPE_CONVERSATION);
	cr_assert_eq(r[6].open_ms, 20000);
	cr_assert_eq(r[6].first_only, 1);
	cr_assert_str_eq(r[6].severity, "info");
	cr_assert_eq(r[6].metric, -1);
	conf_free(d);
	conf_free(c);
}

Test(conf, empty_object_is_default)
{
	struct conf	*c, *d;

	c = good("{}");
	d = conf_default();
	assert_same_scalars(c, d);
	cr_assert_eq(c->alerts.nrules, 0);
	cr_assert_str_eq(c->path, "x.json");
	conf_free(d);
	conf_free(c);
}

Test(conf, values_land)
{
	struct conf	*c;

	c = good("{'redis': {'host': 'redis.example', 'port': 7000, "
	    "'password_file': '/etc/replytimed/pw', 'prefix': 'sup', "
	    "'group': 'g1', 'consumer': 'node-2'},"
	    " 'ingest': {'allowed_lateness_ms': 0, 'max_future_ms': 86400000,"
	    " 'retention_s': 315360000, 'read_count': 100000, 'block_ms': 1},"
	    " 'metrics': {'windows_s': [60, 2592000],"
	    " 'exclude_bot_time': false,"
	    " 'conversation_ttl_s': 60, 'max_conversations': 1000000000},"
	    " 'targets': {'first_response_s': 12.5,"
	    " 'average_response_s': 86400,"
	    " 'response_within_s': 0.001, 'response_rate': 0},"
	    " 'publish': {'interval_ms': 100, 'outcomes_maxlen': 1000},"
	    " 'alerts': {'interval_s': 3600, 'alerts_maxlen': 100000000},"
	    " 'http': {'listen': '', 'tokens': [{'name': 'wall.tv-1',"
	    " 'role': 'viewer', 'token_file': '/etc/replytimed/wall'},"
	    " {'name': 'boss', 'role': 'admin', 'token_file': 'credential:b'}],"
	    " 'allowed_hosts': ['wall.example.com', '[fd00::1]:8443'],"
	    " 'max_connections': 10000, 'timeout_s': 3600,"
	    " 'max_clients': 10000, 'heartbeat_s': 1, 'client_buffer_kb': 16},"
	    " 'log': {'level': 'debug'}}");
	cr_assert_str_eq(c->redis.host, "redis.example");
	cr_assert_eq(c->redis.port, 7000);
	cr_assert_str_eq(c->redis.password_file, "/etc/replytimed/pw");
	cr_assert_str_eq(c->redis.prefix, "sup");
	cr_assert_str_eq(c->redis.group, "g1");
	cr_assert_str_eq(c->redis.consumer, "node-2");
	cr_assert_eq(c->ingest.allowed_lateness_ms, 0);
	cr_assert_eq(c->ingest.max_future_ms, 86400000);
	cr_assert_eq(c->ingest.retention_s, 315360000);
	cr_assert_eq(c->ingest.read_count, 100000);
	cr_assert_eq(c->ingest.block_ms, 1);
	cr_assert_eq(c->metrics.nwindows, 2);
	cr_assert_eq(c->metrics.windows_s[0], 60);
	cr_assert_eq(c->metrics.windows_s[1], 2592000);
	cr_assert_eq(c->metrics.exclude_bot_time, 0);
	cr_assert_eq(c->metrics.conversation_ttl_s, 60);
	cr_assert_eq(c->metrics.max_conversations, 1000000000);
	cr_assert_eq(c->targets.first_response_s, 12.5);
	cr_assert_eq(c->targets.average_response_s, 86400.0);
	cr_assert_eq(c->targets.response_within_s, 0.001);
	cr_assert_eq(c->targets.response_rate, 0.0);
	cr_assert_eq(c->publish.interval_ms, 100);
	cr_assert_eq(c->publish.outcomes_maxlen, 1000);
	cr_assert_eq(c->alerts.interval_s, 3600);
	cr_assert_eq(c->alerts.alerts_maxlen, 100000000);
	cr_assert_str_eq(c->http.listen, "");
	cr_assert_null(c->http.listen_host);
	cr_assert_eq(c->http.listen_port, 0);
	cr_assert_eq(c->http.ntokens, 2);
	cr_assert_str_eq(c->http.tokens[0].name, "wall.tv-1");
	cr_assert_eq(c->http.tokens[0].role, HTTP_ROLE_VIEWER);
	cr_assert_str_eq(c->http.tokens[0].token_file, "/etc/replytimed/wall");
	cr_assert_str_eq(c->http.tokens[1].name, "boss");
	cr_assert_eq(c->http.tokens[1].role, HTTP_ROLE_ADMIN);
	cr_assert_str_eq(c->http.tokens[1].token_file, "credential:b");
	cr_assert_eq(c->http.nallowed_hosts, 2);
	cr_assert_str_eq(c->http.allowed_hosts[0], "wall.example.com");
	cr_assert_str_eq(c->http.allowed_hosts[1], "[fd00::1]:8443");
	cr_assert_eq(c->http.max_connections, 10000);
	cr_assert_eq(c->http.timeout_s, 3600);
	cr_assert_eq(c->http.max_clients, 10000);
	cr_assert_eq(c->http.heartbeat_s, 1);
	cr_assert_eq(c->http.client_buffer_kb, 16);
	cr_assert_eq(c->log.level, LOG_LEVEL_DEBUG);
	conf_free(c);
}

Test(conf, unknown_section)
{
	bad("{'redis': {}, 'bogus': {'a': 1}}",
	    "x.json: bogus: unknown section");
}

Test(conf, section_not_object)
{
	bad("{'ingest': [1]}", "x.json: ingest: must be an object");
	bad("{'log': 'info'}", "x.json: log: must be an object");
}

Test(conf, unknown_key)
{
	bad("{'metrics': {'bogus': 1}}", "x.json: metrics.bogus: unknown key");
	/* A key that exists, but in another section. */
	bad("{'redis': {'read_count': 1}}",
	    "x.json: redis.read_count: unknown key");
	/* alerts.rules keys are not section keys. */
	bad("{'alerts': {'name': 'x'}}", "x.json: alerts.name: unknown key");
}

Test(conf, unknown_key_is_cleaned)
{
	char	 want[256];

	bad("{'http': {'a\\nb': 1}}", "x.json: http.a?b: unknown key");
	snprintf(want, sizeof(want), "x.json: http.%.*s...: unknown key", 64,
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	    "kkkkkkkkkk");
	bad("{'http': {'kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
	    "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk': 1}}", want);
}

Test(conf, wrong_types)
{
	bad("{'ingest': {'read_count': '1000'}}",
	    "x.json: ingest.read_count: must be an integer");
	bad("{'ingest': {'read_count': 3.0}}",
	    "x.json: ingest.read_count: must be an integer");
	bad("{'redis': {'port': null}}",
	    "x.json: redis.port: must be an integer");
	bad("{'metrics': {'exclude_bot_time': 1}}",
	    "x.json: metrics.exclude_bot_time: must be true or false");
	bad("{'metrics': {'exclude_bot_time': 'true'}}",
	    "x.json: metrics.exclude_bot_time: must be true or false");
	bad("{'redis': {'host': 1}}", "x.json: redis.host: must be a string");
	bad("{'http': {'listen': 9733}}",
	    "x.json: http.listen: must be a string");
	bad("{'log': {'level': 2}}", "x.json: log.level: must be a string");
	bad("{'targets': {'response_rate': '0.9'}}",
	    "x.json: targets.response_rate: must be a number");
	bad("{'metrics': {'windows_s': 300}}",
	    "x.json: metrics.windows_s: must be an array of integers");
}

/* The caps: their defaults, their bounds, and what a value sets. */
Test(conf, caps)
{
	struct conf	*c;

	c = conf_default();
	cr_expect_eq(c->metrics.max_agents, 20000);
	cr_expect_eq(c->metrics.max_teams, 2000);
	cr_expect_eq(c->metrics.max_message_ids, 2000000);
	cr_expect_eq(c->ingest.max_entry_kb, 64);
	cr_expect_eq(c->ingest.max_reorder, 1000000);
	conf_free(c);
	c = good("{'metrics': {'max_agents': 1, 'max_teams': 100000000,"
	    " 'max_message_ids': 1000000000},"
	    " 'ingest': {'max_entry_kb': 524288, 'max_reorder': 1}}");
	cr_expect_eq(c->metrics.max_agents, 1);
	cr_expect_eq(c->metrics.max_teams, 100000000);
	cr_expect_eq(c->metrics.max_message_ids, 1000000000);
	cr_expect_eq(c->ingest.max_entry_kb, 524288);
	cr_expect_eq(c->ingest.max_reorder, 1);
	conf_free(c);
	bad("{'metrics': {'max_agents': 0}}",
	    "x.json: metrics.max_agents: must be between 1 and 100000000");
	bad("{'metrics': {'max_agents': 100000001}}",
	    "x.json: metrics.max_agents: must be between 1 and 100000000");
	bad("{'metrics': {'max_teams': 0}}",
	    "x.json: metrics.max_teams: must be between 1 and 100000000");
	bad("{'metrics': {'max_teams': 100000001}}",
	    "x.json: metrics.max_teams: must be between 1 and 100000000");
	bad("{'metrics': {'max_message_ids': 0}}",
	    "x.json: metrics.max_message_ids: must be between 1 and "
	    "1000000000");
	bad("{'metrics': {'max_message_ids': 1000000001}}",
	    "x.json: metrics.max_message_ids: must be between 1 and "
	    "1000000000");
	bad("{'ingest': {'max_entry_kb': 0}}",
	    "x.json: ingest.max_entry_kb: must be between 1 and 524288");
	bad("{'ingest': {'max_entry_kb': 524289}}",
	    "x.json: ingest.max_entry_kb: must be between 1 and 524288");
	bad("{'ingest': {'max_reorder': 0}}",
	    "x.json: ingest.max_reorder: must be between 1 and 100000000");
	bad("{'ingest': {'max_reorder': 100000001}}",
	    "x.json: ingest.max_reorder: must be between 1 and 100000000");
	bad("{'ingest': {'max_entry_kb': 1.5}}",
	    "x.json: ingest.max_entry_kb: must be an integer");
}

Test(conf, range_low)
{
	bad("{'ingest': {'read_count': 0}}",
	    "x.json: ingest.read_count: must be between 1 and 100000");
	bad("{'redis': {'port': 0}}",
	    "x.json: redis.port: must be between 1 and 65535");
	bad("{'ingest': {'allowed_lateness_ms': -1}}",
	    "x.json: ingest.allowed_lateness_ms: must be between 0 and "
	    "3600000");
	bad("{'publish': {'interval_ms': 99}}",
	    "x.json: publish.interval_ms: must be between 100 and 60000");
}

Test(conf, range_high)
{
	bad("{'ingest': {'read_count': 100001}}",
	    "x.json: ingest.read_count: must be between 1 and 100000");
	bad("{'redis': {'port': 65536}}",
	    "x.json: redis.port: must be between 1 and 65535");
	bad("{'http': {'max_clients': 10001}}",
	    "x.json: http.max_clients: must be between 1 and 10000");
	bad("{'alerts': {'alerts_maxlen': 100000001}}",
	    "x.json: alerts.alerts_maxlen: must be between 1000 and "
	    "100000000");
	bad("{'ingest': {'block_ms': 9223372036854775807}}",
	    "x.json: ingest.block_ms: must be between 1 and 60000");
}

Test(conf, number_bounds)
{
	struct conf	*c;

	bad("{'targets': {'first_response_s': 0}}",
	    "x.json: targets.first_response_s: must be greater than 0 and at "
	    "most 86400");
	bad("{'targets': {'average_response_s': 86400.5}}",
	    "x.json: targets.average_response_s: must be greater than 0 and "
	    "at most 86400");
	bad("{'targets': {'response_rate': 1.01}}",
	    "x.json: targets.response_rate: must be between 0 and 1");
	bad("{'targets': {'response_rate': -0.5}}",
	    "x.json: targets.response_rate: must be between 0 and 1");
	c = good("{'targets': {'response_rate': 1, 'response_within_s': 60}}");
	cr_assert_eq(c->targets.response_rate, 1.0);
	cr_assert_eq(c->targets.response_within_s, 60.0);
	conf_free(c);
}

Test(conf, string_rules)
{
	char	 host[300], text[400];

	bad("{'redis': {'prefix': 'c s'}}",
	    "x.json: redis.prefix: must not contain whitespace");
	bad("{'redis': {'prefix': ''}}",
	    "x.json: redis.prefix: must be between 1 and 64 characters long");
	bad("{'redis': {'group': 'a\\tb'}}",
	    "x.json: redis.group: must not contain whitespace");
	bad("{'redis': {'consumer': 'a b'}}",
	    "x.json: redis.consumer: must not contain whitespace");
	bad("{'redis': {'host': ''}}",
	    "x.json: redis.host: must be between 1 and 255 characters long");
	bad("{'redis': {'host': 'a\\u0000b'}}",
	    "x.json: line 1 column 29: \\u0000 is not allowed without "
	    "JSON_ALLOW_NUL");
	memset(host, 'h', 256);
	host[256] = '\0';
	snprintf(text, sizeof(text), "{'redis': {'host': '%s'}}", host);
	bad(text,
	    "x.json: redis.host: must be between 1 and 255 characters long");
}

/* A token in the config itself is refused, saying where it goes now. */
Test(conf, token_gone)
{
	bad("{'http': {'token': 's3cr3t!'}}",
	    "x.json: http.token: no longer read: put the token in a file and "
	    "name it in http.tokens (replytimed.json(5))");
	bad("{'http': {'token': ''}}",
	    "x.json: http.token: no longer read: put the token in a file and "
	    "name it in http.tokens (replytimed.json(5))");
}

#define TOK(body)	"{'http': {'tokens': [" body "]}}"
#define TOK_OK		"{'name': 'a', 'role': 'viewer', 'token_file': '/t'}"

/* Each bad entry of http.tokens, by its index and key. */
Test(conf, tokens)
{
	struct conf	*c;
	char		 name[80], text[512];

	c = good(TOK(TOK_OK ", {'name': 'b', 'role': 'supervisor', "
	    "'token_file': '/u'}"));
	cr_assert_eq(c->http.ntokens, 2);
	cr_assert_eq(c->http.tokens[1].role, HTTP_ROLE_SUPERVISOR);
	conf_free(c);
	c = good("{'http': {'tokens': []}}");
	cr_assert_eq(c->http.ntokens, 0);
	conf_free(c);

	bad("{'http': {'tokens': {}}}",
	    "x.json: http.tokens: must be an array of objects");
	bad(TOK("'a'"), "x.json: http.tokens[0]: must be an object with name, "
	    "role and token_file");
	bad(TOK(TOK_OK ", {'name': 'b', 'role': 'boss', 'token_file': '/t'}"),
	    "x.json: http.tokens[1].role: unknown role \"boss\" (must be one "
	    "of viewer, supervisor, admin)");
	bad(TOK(TOK_OK ", {'name': 'b', 'role': 'admin', 'token_file': 'x'}"
	    ", {'name': 'c', 'role': 1, "
	    "'token_file': '/t'}"),
	    "x.json: http.tokens[2].role: must be a string");
	bad(TOK("{'role': 'viewer', 'token_file': '/t'}"),
	    "x.json: http.tokens[0].name: missing");
	bad(TOK("{'name': 'a', 'token_file': '/t'}"),
	    "x.json: http.tokens[0].role: missing");
	bad(TOK("{'name': 'a', 'role': 'admin'}"),
	    "x.json: http.tokens[0].token_file: missing");
	bad(TOK("{'name': 'a', 'role': 'admin', 'token_file': ''}"),
	    "x.json: http.tokens[0].token_file: must be between 1 and 4095 "
	    "characters long");
	bad(TOK("{'name': 'a', 'role': 'admin', 'token_file': '/t', "
	    "'token': 'x'}"),
	    "x.json: http.tokens[0].token: unknown key");
	bad(TOK("{'name': 'a b', 'role': 'admin', 'token_file': '/t'}"),
	    "x.json: http.tokens[0].name: may contain only letters, digits, "
	    "'_', '.' and '-'");
	bad(TOK("{'name': '', 'role': 'admin', 'token_file': '/t'}"),
	    "x.json: http.tokens[0].name: must be between 1 and 64 "
	    "characters long");
	memset(name, 'n', 65);
	name[65] = '\0';
	snprintf(text, sizeof(text), TOK("{'name': '%s', 'role': 'admin', "
	    "'token_file': '/t'}"), name);
	bad(text, "x.json: http.tokens[0].name: must be between 1 and 64 "
	    "characters long");
	bad(TOK(TOK_OK ", " TOK_OK),
	    "x.json: http.tokens[1].name: duplicate token name \"a\"");
}

Test(conf, allowed_hosts)
{
	struct conf	*c;

	c = good("{'http': {'allowed_hosts': ['wall', 'wall.example.com:80',"
	    " '10.0.0.5', '[::1]', '[fd00::5]:9733']}}");
	cr_assert_eq(c->http.nallowed_hosts, 5);
	cr_assert_str_eq(c->http.allowed_hosts[4], "[fd00::5]:9733");
	conf_free(c);
	bad("{'http': {'allowed_hosts': 'wall'}}",
	    "x.json: http.allowed_hosts: must be an array of strings");
	bad("{'http': {'allowed_hosts': ['wall', 5]}}",
	    "x.json: http.allowed_hosts[1]: must be a string");
	bad("{'http': {'allowed_hosts': ['http://wall/']}}",
	    "x.json: http.allowed_hosts[0]: \"http://wall/\" is not host, "
	    "host:port or [IPv6 address]:port");
	bad("{'http': {'allowed_hosts': ['wall:0']}}",
	    "x.json: http.allowed_hosts[0]: \"wall:0\" is not host, "
	    "host:port or [IPv6 address]:port");
	bad("{'http': {'allowed_hosts': ['']}}",
	    "x.json: http.allowed_hosts[0]: \"\" is not host, host:port or "
	    "[IPv6 address]:port");
	bad("{'http': {'allowed_hosts': ['::1']}}",
	    "x.json: http.allowed_hosts[0]: \"::1\" is not host, host:port or "
	    "[IPv6 address]:port");
}

/* max_connections, timeout_s and the keys they tie to. */
Test(conf, http_limits)
{
	struct conf	*c;

	bad("{'http': {'max_connections': 0}}",
	    "x.json: http.max_connections: must be between 1 and 65535");
	bad("{'http': {'max_connections': 65536}}",
	    "x.json: http.max_connections: must be between 1 and 65535");
	bad("{'http': {'timeout_s': 0}}",
	    "x.json: http.timeout_s: must be between 1 and 3600");
	bad("{'http': {'timeout_s': 3601}}",
	    "x.json: http.timeout_s: must be between 1 and 3600");
	bad("{'http': {'max_connections': 10, 'max_clients': 11}}",
	    "x.json: http.max_clients: must be at most http.max_connections "
	    "(10)");
	bad("{'http': {'max_connections': 63}}",
	    "x.json: http.max_clients: must be at most http.max_connections "
	    "(63)");
	c = good("{'http': {'max_connections': 10, 'max_clients': 10}}");
	conf_free(c);
}

/* An address others can reach is not served without tokens. */
Test(conf, open_listen)
{
	struct conf	*c;
	static const char *const loop[] = { "127.0.0.1:1", "127.5.6.7:1",
	    "localhost:0", "LOCALHOST:1", "[::1]:9733", "" };
	static const char *const open[] = { "0.0.0.0:9733", "[::]:9733",
	    "10.0.0.5:80", "wall.example.com:9733", "128.0.0.1:1",
	    "[::2]:1" };
	char		 text[256], want[256];
	size_t		 i;

	for (i = 0; i < sizeof(loop) / sizeof(loop[0]); i++) {
		snprintf(text, sizeof(text), "{'http': {'listen': '%s'}}",
		    loop[i]);
		conf_free(good(text));
	}
	for (i = 0; i < sizeof(open) / sizeof(open[0]); i++) {
		snprintf(text, sizeof(text), "{'http': {'listen': '%s'}}",
		    open[i]);
		snprintf(want, sizeof(want), "x.json: http.listen: \"%s\" is "
		    "not a loopback address and http.tokens is empty: name "
		    "tokens in http.tokens, or listen on 127.0.0.1", open[i]);
		bad(text, want);
		snprintf(text, sizeof(text), "{'http': {'listen': '%s', "
		    "'tokens': [" TOK_OK "]}}", open[i]);
		c = good(text);
		conf_free(c);
	}
	bad("{'http': {'tokens': [], 'listen': '0.0.0.0:1'}}",
	    "x.json: http.listen: \"0.0.0.0:1\" is not a loopback address and "
	    "http.tokens is empty: name tokens in http.tokens, or listen on "
	    "127.0.0.1");
}

/* Writes a token file in tmpdir with the given mode; its path to path. */
static void
token_file(const char *name, const char *text, size_t len, int mode,
    char *path, size_t size)
{
	FILE	*f;

	snprintf(path, size, "%s/%s", tmpdir, name);
	cr_assert_not_null(f = fopen(path, "w"));
	cr_assert_eq(fwrite(text, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	cr_assert_eq(chmod(path, (mode_t)mode), 0);
}

/* Loads the token of one token file: 0, or -1 with the error in err. */
static int
token_load(const char *spec, struct route_token *out, char *err,
    size_t errlen)
{
	struct route_token	*t;
	struct conf		*c;
	char			 text[1024];
	size_t			 n;
	int			 rv;

	snprintf(text, sizeof(text), "{'http': {'tokens': ["
	    "{'name': 'b', 'role': 'admin', 'token_file': '%s'}]}}", spec);
	c = good(text);
	rv = file_tokens_load(c, &t, &n, err, errlen);
	if (rv == 0) {
		cr_assert_eq(n, 1);
		cr_assert_str_eq(t[0].name, "b");
		cr_assert_eq(t[0].role, HTTP_ROLE_ADMIN);
		*out = t[0];
		file_tokens_free(t, n);
	} else
		cr_assert_null(t);
	conf_free(c);
	return (rv);
}

/* What a token file must hold, and how each fault is told. */
Test(conf, token_files, .init = tmp_setup)
{
	struct route_token	 t;
	char			 path[256], err[512], want[512], big[300];
	static const char	 tok[] = "0123456789abcdef";

	token_file("good", "0123456789abcdef\nignored\n", 25, 0600, path,
	    sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(t.len, 16);
	cr_expect(memcmp(t.secret, tok, 16) == 0 && t.secret[16] == 0);
	token_file("crlf", "0123456789abcdef\r\n", 18, 0400, path,
	    sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(t.len, 16);
	token_file("nonl", "0123456789abcdef!", 17, 0600, path, sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(t.len, 17);
	memset(big, 'b', 256);
	token_file("max", big, 256, 0600, path, sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), 0, "%s", err);
	cr_expect_eq(t.len, 256);

	/* each refusal names the entry and the file, never the token */
	token_file("short", "0123456789abcde\n", 16, 0600, path, sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "x.json: http.tokens[0].token_file: %s: "
	    "the token is 15 bytes: at least 16 are needed", path);
	cr_expect_str_eq(err, want);
	big[256] = 'b';
	token_file("long", big, 257, 0600, path, sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "x.json: http.tokens[0].token_file: %s: "
	    "the token is longer than 256 bytes", path);
	cr_expect_str_eq(err, want);
	token_file("space", "0123456789 abcdef\n", 18, 0600, path,
	    sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "x.json: http.tokens[0].token_file: %s: "
	    "the token may hold only printable bytes, no space", path);
	cr_expect_str_eq(err, want);
	cr_expect(strstr(err, "0123456789") == NULL);
	token_file("tail", "0123456789abcdef \n", 18, 0600, path,
	    sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), -1);
	token_file("empty", "\nx\n", 3, 0600, path, sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "x.json: http.tokens[0].token_file: %s: "
	    "empty token file: the token is its first line", path);
	cr_expect_str_eq(err, want);
	token_file("open", "0123456789abcdef\n", 17, 0644, path,
	    sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "x.json: http.tokens[0].token_file: %s: "
	    "group or others may read or write it (mode 644): chmod 600 it",
	    path);
	cr_expect_str_eq(err, want);
	token_file("grp", "0123456789abcdef\n", 17, 0640, path, sizeof(path));
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), -1);
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	cr_assert_eq(token_load(path, &t, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "x.json: http.tokens[0].token_file: %s: "
	    "No such file or directory", path);
	cr_expect_str_eq(err, want);

	/* credential:NAME is $CREDENTIALS_DIRECTORY/NAME */
	unsetenv("CREDENTIALS_DIRECTORY");
	cr_assert_eq(token_load("credential:good", &t, err, sizeof(err)), -1);
	cr_expect_str_eq(err, "x.json: http.tokens[0].token_file: "
	    "credential:good: CREDENTIALS_DIRECTORY is not set");
	setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
	cr_assert_eq(token_load("credential:good", &t, err, sizeof(err)), 0,
	    "%s", err);
	cr_expect_eq(t.len, 16);

	snprintf(want, sizeof(want), "rm -rf '%s'", tmpdir);
	cr_expect_eq(system(want), 0);
}

Test(conf, listen)
{
	struct conf	*c;

	c = good("{'http': {'listen': '[::1]:9733'}}");
	cr_assert_str_eq(c->http.listen, "[::1]:9733");
	cr_assert_str_eq(c->http.listen_host, "::1");
	cr_assert_eq(c->http.listen_port, 9733);
	conf_free(c);
	c = good("{'http': {'listen': 'localhost:0'}}");
	cr_assert_str_eq(c->http.listen_host, "localhost");
	cr_assert_eq(c->http.listen_port, 0);
	conf_free(c);
	c = good("{'http': {'listen': '0.0.0.0:65535', 'tokens': ["
	    "{'name': 'a', 'role': 'viewer', 'token_file': '/t'}]}}");
	cr_assert_str_eq(c->http.listen_host, "0.0.0.0");
	cr_assert_eq(c->http.listen_port, 65535);
	conf_free(c);

	bad("{'http': {'listen': '127.0.0.1'}}", "x.json: http.listen: must "
	    "be host:port, [IPv6 address]:port or empty");
	bad("{'http': {'listen': ':9733'}}", "x.json: http.listen: must "
	    "be host:port, [IPv6 address]:port or empty");
	bad("{'http': {'listen': 'localhost:'}}", "x.json: http.listen: must "
	    "be host:port, [IPv6 address]:port or empty");
	bad("{'http': {'listen': 'localhost:9a'}}", "x.json: http.listen: "
	    "must be host:port, [IPv6 address]:port or empty");
	bad("{'http': {'listen': 'localhost:65536'}}",
	    "x.json: http.listen: port must be between 0 and 65535");
	bad("{'http': {'listen': '::1:9733'}}", "x.json: http.listen: an "
	    "IPv6 address needs brackets, as in [::1]:9733");
	bad("{'http': {'listen': '[nope]:9733'}}",
	    "x.json: http.listen: bad IPv6 address in brackets");
	bad("{'http': {'listen': '[::1]9733'}}", "x.json: http.listen: must "
	    "be host:port, [IPv6 address]:port or empty");
}

Test(conf, log_level)
{
	struct conf	*c;

	c = good("{'log': {'level': 'warn'}}");
	cr_assert_eq(c->log.level, LOG_LEVEL_WARN);
	conf_free(c);
	c = good("{'log': {'level': 'error'}}");
	cr_assert_eq(c->log.level, LOG_LEVEL_ERROR);
	conf_free(c);
	bad("{'log': {'level': 'verbose'}}", "x.json: log.level: unknown "
	    "level \"verbose\" (must be one of error, warn, info, debug)");
}

Test(conf, windows_not_increasing)
{
	bad("{'metrics': {'windows_s': [300, 3600, 3600]}}",
	    "x.json: metrics.windows_s[2]: must be greater than the window "
	    "before it");
	bad("{'metrics': {'windows_s': [3600, 300]}}",
	    "x.json: metrics.windows_s[1]: must be greater than the window "
	    "before it");
}

Test(conf, windows_empty)
{
	bad("{'metrics': {'windows_s': []}}",
	    "x.json: metrics.windows_s: must hold between 1 and 8 windows");
}

Test(conf, windows_too_many)
{
	struct conf	*c;

	bad("{'metrics': {'windows_s': [60, 120, 180, 240, 300, 360, 420, "
	    "480, 540]}}",
	    "x.json: metrics.windows_s: must hold between 1 and 8 windows");
	c = good("{'metrics': {'windows_s': [60, 120, 180, 240, 300, 360, "
	    "420, 480]}}");
	cr_assert_eq(c->metrics.nwindows, 8);
	cr_assert_eq(c->metrics.windows_s[7], 480);
	conf_free(c);
}

Test(conf, windows_elements)
{
	bad("{'metrics': {'windows_s': [59]}}",
	    "x.json: metrics.windows_s[0]: must be between 60 and 2592000");
	bad("{'metrics': {'windows_s': [300, 2592001]}}",
	    "x.json: metrics.windows_s[1]: must be between 60 and 2592000");
	bad("{'metrics': {'windows_s': [300, 600.0]}}",
	    "x.json: metrics.windows_s[1]: must be an integer");
}

Test(conf, retention_too_small)
{
	struct conf	*c;

	bad("{'ingest': {'retention_s': 172799}}",
	    "x.json: ingest.retention_s: must be at least 172800, the largest "
	    "of metrics.windows_s (86400) plus metrics.conversation_ttl_s "
	    "(86400)");
	bad("{'metrics': {'conversation_ttl_s': 86401}}",
	    "x.json: ingest.retention_s: must be at least 172801, the largest "
	    "of metrics.windows_s (86400) plus metrics.conversation_ttl_s "
	    "(86401)");
	/* Smaller windows and TTL allow a shorter retention. */
	c = good("{'ingest': {'retention_s': 3900}, 'metrics': "
	    "{'windows_s': [300], 'conversation_ttl_s': 3600}}");
	cr_assert_eq(c->ingest.retention_s, 3900);
	conf_free(c);
}

Test(conf, json_syntax)
{
	bad("{\n  'redis': {\n    'port': 1,,\n  }\n}",
	    "x.json: line 3 column 15: string or '}' expected near ','");
	bad("", "x.json: line 1 column 0: '[' or '{' expected near end of "
	    "file");
	bad("{'redis': {}} x", "x.json: line 1 column 15: end of file "
	    "expected near 'x'");
}

Test(conf, json_syntax_hides_strings)
{
	char	 err[512];
	struct conf	*c;

	/* An unterminated or malformed string may be a secret. */
	bad("{'http': {'token': 'hunter2\\q'}}",
	    "x.json: line 1 column 29: invalid escape");
	c = parse_q("{'http': {'token' 'hunter2'}}", err, sizeof(err));
	cr_assert_null(c);
	cr_assert_null(strstr(err, "hunter2"), "%s", err);
	cr_assert_str_eq(err, "x.json: line 1 column 27: ':' expected");
}

Test(conf, top_level_not_object)
{
	bad("[1, 2]", "x.json: must hold one JSON object");
}

Test(conf, duplicate_key)
{
	bad("{'redis': {'port': 1, 'port': 2}}",
	    "x.json: line 1 column 28: duplicate object key near '\"port\"'");
	bad("{'log': {}, 'log': {}}",
	    "x.json: line 1 column 17: duplicate object key near '\"log\"'");
}

Test(conf, missing_file, .init = tmp_setup, .fini = tmp_teardown)
{
	char	 err[512], want[256];

	cr_assert_null(conf_load(tmppath, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: No such file or directory", tmppath);
	cr_assert_str_eq(err, want);
	cr_assert_null(conf_load(tmpdir, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: Is a directory", tmpdir);
	cr_assert_str_eq(err, want);
}

Test(conf, load_file, .init = tmp_setup, .fini = tmp_teardown)
{
	struct conf	*c;
	char		 err[512], want[256];

	write_file(tmppath, "{\"ingest\": {\"read_count\": 7}}\n");
	c = conf_load(tmppath, err, sizeof(err));
	cr_assert_not_null(c, "%s", err);
	cr_assert_eq(c->ingest.read_count, 7);
	cr_assert_str_eq(c->path, tmppath);
	conf_free(c);

	write_file(tmppath, "{\"ingest\": {\"read_count\": 0}}\n");
	cr_assert_null(conf_load(tmppath, err, sizeof(err)));
	snprintf(want, sizeof(want),
	    "%s: ingest.read_count: must be between 1 and 100000", tmppath);
	cr_assert_str_eq(err, want);
}

Test(conf, small_errbuf)
{
	char	 err[12];

	memset(err, 'Z', sizeof(err));
	cr_assert_null(conf_parse("{\"x\": {}}", 9, "x.json", err,
	    sizeof(err)));
	cr_assert_str_eq(err, "x.json: x: ");
	cr_assert_null(conf_parse("{\"x\": {}}", 9, "x.json", NULL, 0));
}

/* Valid rules, each with keys added: MRULE(", 'for_s': 60"). */
#define RULES(s)	"{'alerts': {'rules': [" s "]}}"
#define MRULE(...)	"{'name': 'r', 'scope': 'agent', 'metric': 'rate', " \
			"'window_s': 3600, 'op': '<', 'threshold': 0.9" \
			__VA_ARGS__ "}"
#define CRULE(...)	"{'name': 'c', 'scope': 'conversation', " \
			"'open_s': 20" __VA_ARGS__ "}"

Test(conf, rule_defaults)
{
	struct conf		*c;
	const struct alert_rule	*r;

	c = good(RULES(MRULE() ", " CRULE()));
	cr_assert_eq(c->alerts.nrules, 2);
	r = &c->alerts.rules[0];
	cr_assert_str_eq(r->name, "r");
	cr_assert_eq(r->scope, RULE_SCOPE_AGENT);
	cr_assert_eq(r->metric, METRIC_RATE);
	cr_assert_eq(r->window_s, 3600);
	cr_assert_eq(r->op, RULE_OP_LT);
	cr_assert_eq(r->threshold, 0.9);
	cr_assert_eq(r->min_samples, 1);
	cr_assert_eq(r->for_s, 0);
	cr_assert_eq(r->repeat_s, 0);
	cr_assert_str_eq(r->severity, "warning");
	r = &c->alerts.rules[1];
	cr_assert_str_eq(r->name, "c");
	cr_assert_eq(r->scope, RULE_SCOPE_CONVERSATION);
	cr_assert_eq(r->open_ms, 20000);
	cr_assert_eq(r->first_only, 0);
	cr_assert_eq(r->metric, -1);
	cr_assert_str_eq(r->severity, "warning");
	conf_free(c);
}

Test(conf, rule_all_keys)
{
	struct conf		*c;
	const struct alert_rule	*r;

	c = good(RULES("{'name': 'Team.p99-x_1', 'scope': 'team', "
	    "'metric': 'art_p99_s', 'window_s': 300, 'op': '>=', "
	    "'threshold': -2, 'min_samples': 0, 'for_s': 86400, "
	    "'repeat_s': 30, 'severity': 'page'}, "
	    "{'name': 'g', 'scope': 'global', 'metric': 'unanswered', "
	    "'window_s': 86400, 'op': '<=', 'threshold': 5}"));
	r = &c->alerts.rules[0];
	cr_assert_str_eq(r->name, "Team.p99-x_1");
	cr_assert_eq(r->scope, RULE_SCOPE_TEAM);
	cr_assert_eq(r->metric, METRIC_ART_P99);
	cr_assert_eq(r->window_s, 300);
	cr_assert_eq(r->op, RULE_OP_GE);
	cr_assert_eq(r->threshold, -2.0);
	cr_assert_eq(r->min_samples, 0);
	cr_assert_eq(r->for_s, 86400);
	cr_assert_eq(r->repeat_s, 30);
	cr_assert_str_eq(r->severity, "page");
	r = &c->alerts.rules[1];
	cr_assert_eq(r->scope, RULE_SCOPE_GLOBAL);
	cr_assert_eq(r->metric, METRIC_UNANSWERED);
	cr_assert_eq(r->op, RULE_OP_LE);
	conf_free(c);
}

Test(conf, rule_unknown_metric)
{
	bad(RULES("{'name': 'r', 'scope': 'agent', 'metric': 'frt_avgs', "
	    "'window_s': 3600, 'op': '<', 'threshold': 1}"),
	    "x.json: alerts.rules[0].metric: unknown metric \"frt_avgs\"");
	bad(RULES("{'name': 'r', 'scope': 'agent', 'metric': 5, "
	    "'window_s': 3600, 'op': '<', 'threshold': 1}"),
	    "x.json: alerts.rules[0].metric: must be a string");
}

Test(conf, rule_bad_scope)
{
	bad(RULES("{'name': 'r', 'scope': 'agents'}"),
	    "x.json: alerts.rules[0].scope: unknown scope \"agents\" (must be "
	    "one of agent, team, global, conversation)");
}

Test(conf, rule_missing_scope)
{
	bad(RULES("{'name': 'r', 'metric': 'rate'}"),
	    "x.json: alerts.rules[0].scope: missing");
}

Test(conf, rule_bad_op)
{
	bad(RULES("{'name': 'r', 'scope': 'agent', 'metric': 'rate', "
	    "'window_s': 3600, 'op': '=', 'threshold': 1}"),
	    "x.json: alerts.rules[0].op: unknown op \"=\" (must be one of >, "
	    ">=, <, <=)");
}

Test(conf, rule_window_not_in_windows)
{
	bad(RULES("{'name': 'r', 'scope': 'agent', 'metric': 'rate', "
	    "'window_s': 600, 'op': '<', 'threshold': 1}"),
	    "x.json: alerts.rules[0].window_s: must be one of "
	    "metrics.windows_s (300, 3600, 86400)");
	bad(RULES("{'name': 'r', 'scope': 'agent', 'metric': 'rate', "
	    "'window_s': 3600.0, 'op': '<', 'threshold': 1}"),
	    "x.json: alerts.rules[0].window_s: must be an integer");
}

Test(conf, rule_missing_keys)
{
	bad(RULES("{'name': 'r', 'scope': 'agent', 'metric': 'rate', "
	    "'window_s': 3600, 'op': '<'}"),
	    "x.json: alerts.rules[0].threshold: missing");
	bad(RULES("{'scope': 'team', 'metric': 'rate', "
	    "'window_s': 3600, 'op': '<', 'threshold': 1}"),
	    "x.json: alerts.rules[0].name: missing");
	bad(RULES("{'name': 'c', 'scope': 'conversation'}"),
	    "x.json: alerts.rules[0].open_s: missing");
	bad(RULES(MRULE() ", {'name': 'x', 'scope': 'global', 'metric': 'rate',"
	    " 'op': '<', 'threshold': 1}"),
	    "x.json: alerts.rules[1].window_s: missing");
	bad(RULES("{'name': 'r', 'scope': 'agent', 'metric': 'rate', "
	    "'window_s': 3600, 'op': '<', 'threshold': '1'}"),
	    "x.json: alerts.rules[0].threshold: must be a number");
}

Test(conf, rule_open_s_on_metric_rule)
{
	bad(RULES(MRULE(", 'open_s': 20")),
	    "x.json: alerts.rules[0].open_s: only for conversation rules");
	bad(RULES(MRULE(", 'first_only': true")),
	    "x.json: alerts.rules[0].first_only: only for conversation rules");
}

Test(conf, rule_metric_on_conversation_rule)
{
	bad(RULES(CRULE(", 'metric': 'rate'")),
	    "x.json: alerts.rules[0].metric: not for conversation rules");
	bad(RULES(CRULE(", 'threshold': 1")),
	    "x.json: alerts.rules[0].threshold: not for conversation rules");
	bad(RULES(CRULE(", 'repeat_s': 60")),
	    "x.json: alerts.rules[0].repeat_s: not for conversation rules");
}

Test(conf, rule_conversation_bounds)
{
	bad(RULES(CRULE(", 'first_only': 1")),
	    "x.json: alerts.rules[0].first_only: must be true or false");
	bad(RULES("{'name': 'c', 'scope': 'conversation', 'open_s': 0}"),
	    "x.json: alerts.rules[0].open_s: must be between 1 and 86400");
	bad(RULES("{'name': 'c', 'scope': 'conversation', 'open_s': 86401}"),
	    "x.json: alerts.rules[0].open_s: must be between 1 and 86400");
	bad(RULES(MRULE(", 'for_s': 86401")),
	    "x.json: alerts.rules[0].for_s: must be between 0 and 86400");
	bad(RULES(MRULE(", 'min_samples': -1")),
	    "x.json: alerts.rules[0].min_samples: must be between 0 and "
	    "1000000000");
	bad(RULES(MRULE(", 'severity': ''")),
	    "x.json: alerts.rules[0].severity: must be between 1 and 32 "
	    "characters long");
}

Test(conf, rule_duplicate_name)
{
	bad(RULES(MRULE() ", " CRULE() ", " MRULE()),
	    "x.json: alerts.rules[2].name: duplicate rule name \"r\"");
}

Test(conf, rule_reserved_name)
{
	bad(RULES("{'name': 'response_overdue', 'scope': 'conversation', "
	    "'open_s': 180}"),
	    "x.json: alerts.rules[0].name: \"response_overdue\" is reserved "
	    "for a built-in rule");
	bad(RULES("{'name': 'first_response_overdue', 'scope': 'global', "
	    "'metric': 'rate', 'window_s': 300, 'op': '<', 'threshold': 1}"),
	    "x.json: alerts.rules[0].name: \"first_response_overdue\" is "
	    "reserved for a built-in rule");
}

Test(conf, rule_bad_name)
{
	bad(RULES("{'name': 'a b', 'scope': 'conversation', 'open_s': 1}"),
	    "x.json: alerts.rules[0].name: may contain only letters, digits, "
	    "'_', '.' and '-'");
	bad(RULES("{'name': '', 'scope': 'conversation', 'open_s': 1}"),
	    "x.json: alerts.rules[0].name: must be between 1 and 64 "
	    "characters long");
}

Test(conf, rule_unknown_key)
{
	bad(RULES(MRULE(", 'windows_s': 300")),
	    "x.json: alerts.rules[0].windows_s: unknown key");
	bad(RULES(CRULE(", 'bogus': 1")),
	    "x.json: alerts.rules[0].bogus: unknown key");
}

Test(conf, rules_shape)
{
	struct conf	*c;

	bad("{'alerts': {'rules': {}}}",
	    "x.json: alerts.rules: must be an array of objects");
	bad(RULES(MRULE() ", 1"), "x.json: alerts.rules[1]: must be an object");
	c = good("{'alerts': {'rules': []}}");
	cr_assert_eq(c->alerts.nrules, 0);
	cr_assert_null(c->alerts.rules);
	conf_free(c);
}

Test(conf, rule_before_metrics)
{
	struct conf	*c;

	/* alerts comes first in the file; windows_s still applies. */
	c = good("{'alerts': {'rules': [{'name': 'r', 'scope': 'agent', "
	    "'metric': 'rate', 'window_s': 600, 'op': '<', 'threshold': 1}]},"
	    " 'metrics': {'windows_s': [600, 7200]}}");
	cr_assert_eq(c->alerts.rules[0].window_s, 600);
	conf_free(c);
	bad("{'alerts': {'rules': [{'name': 'r', 'scope': 'agent', "
	    "'metric': 'rate', 'window_s': 3600, 'op': '<', 'threshold': 1}]},"
	    " 'metrics': {'windows_s': [600, 7200]}}",
	    "x.json: alerts.rules[0].window_s: must be one of "
	    "metrics.windows_s (600, 7200)");
}

/* What a reload leaves running: each part a restart takes, and no more. */
Test(conf, restart_changes)
{
	static const struct {
		const char	*text;
		const char	*want;	/* the keys a reload does not take */
	} cases[] = {
		{ "{}", "" },
		{ "{'targets': {'first_response_s': 20}}", "" },
		{ "{'log': {'level': 'debug'}}", "" },
		{ "{'alerts': {'interval_s': 30, 'rules': []}}", "" },
		{ "{'publish': {'outcomes_maxlen': 5000}}",
		    "publish.outcomes_maxlen" },
		{ "{'alerts': {'alerts_maxlen': 5000}}", "alerts.alerts_maxlen" },
		{ "{'redis': {'password_file': '/p', 'consumer': 'b'}}",
		    "redis.password_file, redis.consumer" },
		{ "{'metrics': {'windows_s': [300]}}", "metrics.windows_s" },
		{ "{'metrics': {'windows_s': [300, 3600, 86399]}}",
		    "metrics.windows_s" },
		{ "{'metrics': {'windows_s': [300, 3600, 86400]}}", "" },
		{ "{'metrics': {'exclude_bot_time': false}}",
		    "metrics.exclude_bot_time" },
		{ "{'redis': {'port': 7000}}", "redis.port" },
		{ "{'redis': {'prefix': 'x'}}", "redis.prefix" },
		{ "{'ingest': {'block_ms': 10}}", "ingest.block_ms" },
		{ "{'publish': {'interval_ms': 500}}", "publish.interval_ms" },
		{ "{'http': {'max_clients': 3}}", "http.max_clients" },
		{ "{'http': {'max_connections': 300}}", "http.max_connections" },
		{ "{'http': {'timeout_s': 30}}", "http.timeout_s" },
		/* what a reload takes while running */
		{ "{'http': {'allowed_hosts': ['wall']}}", "" },
		{ "{'http': {'tokens': [{'name': 'a', 'role': 'viewer', "
		    "'token_file': '/t'}]}}", "" },
		{ "{'http': {'listen': '127.0.0.1:1'}, 'metrics': "
		    "{'conversation_ttl_s': 60}}",
		    "metrics.conversation_ttl_s, http.listen" },
	};
	struct conf	*run = good("{}"), *nc;
	char		 keys[256];
	size_t		 i, n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		nc = good(cases[i].text);
		n = conf_restart_keys(run, nc, keys, sizeof(keys));
		cr_expect_str_eq(keys, cases[i].want, "%s", cases[i].text);
		cr_expect_eq(n, cases[i].want[0] == '\0' ? 0 :
		    1 + (size_t)(strstr(cases[i].want, ", ") != NULL), "%s",
		    cases[i].text);
		conf_free(nc);
	}
	conf_free(run);
}

/*
 * The engine has room for 28 conversation rules beside the two targets:
 * a 29th is refused, not ignored, and metric rules do not count.
 */
Test(conf, conversation_rules_capped)
{
	char	 text[8192];
	size_t	 at;
	int	 i, n;

	for (n = CONF_MAX_CONV_RULES; n <= CONF_MAX_CONV_RULES + 1; n++) {
		at = (size_t)snprintf(text, sizeof(text),
		    "{'alerts': {'rules': [{'name': 'm', 'scope': 'global', "
		    "'metric': 'missed', 'window_s': 300, 'op': '>', "
		    "'threshold': 1}");
		for (i = 0; i < n; i++)
			at += (size_t)snprintf(text + at, sizeof(text) - at,
			    ", {'name': 'c%d', 'scope': 'conversation', "
			    "'open_s': %d}", i, 60 + i);
		snprintf(text + at, sizeof(text) - at, "]}}");
		cr_assert_lt(at + 4, sizeof(text));
		if (n == CONF_MAX_CONV_RULES)
			conf_free(good(text));
		else
			bad(text, "x.json: alerts.rules[29]: more than 28 "
			    "conversation rules");
	}
}

/* http.allowed_hosts and http.tokens hold at most 64 entries each. */
Test(conf, http_lists_bounded)
{
	char	 text[4096];
	size_t	 at;
	int	 i;

	at = (size_t)snprintf(text, sizeof(text),
	    "{'http': {'allowed_hosts': [");
	for (i = 0; i < CONF_MAX_HOSTS + 1; i++)
		at += (size_t)snprintf(text + at, sizeof(text) - at,
		    "%s'h%d'", i > 0 ? ", " : "", i);
	snprintf(text + at, sizeof(text) - at, "]}}");
	cr_assert_lt(at + 4, sizeof(text));
	bad(text, "x.json: http.allowed_hosts: must hold at most 64 hosts");
	bad("{'http': {'allowed_hosts': 'h'}}",
	    "x.json: http.allowed_hosts: must be an array of strings");
}
