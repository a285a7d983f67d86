/* libFuzzer target: the config loader, conf_parse(), on raw bytes. */

/*
 * The input is the config file's bytes, as conf_load() would read them.
 * Every result must be a config or one error line "fuzz.json: ...",
 * non-empty, NUL-terminated and printable; the same result with a
 * short error buffer (cut, but terminated) and with none.  A config that
 * parses must hold its own bounds, and an engine built from it takes a
 * few events and alert evaluations without trouble.
 */

#include <assert.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "conf.h"
#include "engine.h"
#include "entry.h"
#include "metrics.h"

#define FZ_NAME		"fuzz.json"
#define FZ_ERRLEN	512
#define FZ_SHORT	12		/* a short error buffer */
#define FZ_T0		1700000000000LL

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Checks a failure's message: one printable line naming the file. */
static void
fz_check_error(const char *err, size_t size)
{
	size_t	 len, i;

	assert(memchr(err, '\0', size) != NULL);
	len = strlen(err);
	assert(len > strlen(FZ_NAME ": "));
	assert(strncmp(err, FZ_NAME ": ", strlen(FZ_NAME ": ")) == 0);
	for (i = 0; i < len; i++)
		assert(isprint((unsigned char)err[i]));
}

/* Checks the bounds conf.c promises of a config it accepted. */
static void
fz_check_conf(const struct conf *cf)
{
	const struct alert_rule	*r;
	size_t			 i;
	int			 k, w;

	assert(cf->metrics.nwindows >= 1 &&
	    cf->metrics.nwindows <= CONF_MAX_WINDOWS);
	for (k = 0; k < cf->metrics.nwindows; k++) {
		assert(cf->metrics.windows_s[k] >= 60);
		assert(k == 0 ||
		    cf->metrics.windows_s[k] > cf->metrics.windows_s[k - 1]);
	}
	assert(cf->ingest.retention_s >=
	    cf->metrics.windows_s[cf->metrics.nwindows - 1] +
	    cf->metrics.conversation_ttl_s);
	assert(cf->targets.first_response_s > 0 &&
	    cf->targets.response_within_s > 0);
	assert(cf->http.listen != NULL &&
	    (cf->http.ntokens == 0) == (cf->http.tokens == NULL));
	assert((cf->http.listen[0] == '\0') ==
	    (cf->http.listen_host == NULL));
	assert(cf->http.listen_port >= 0 && cf->http.listen_port <= 65535);
	assert(cf->alerts.nrules == 0 || cf->alerts.rules != NULL);
	for (i = 0; i < cf->alerts.nrules; i++) {
		r = &cf->alerts.rules[i];
		assert(r->name != NULL && r->name[0] != '\0');
		assert(r->severity != NULL && r->severity[0] != '\0');
		assert(r->scope >= RULE_SCOPE_AGENT &&
		    r->scope <= RULE_SCOPE_CONVERSATION);
		if (r->scope == RULE_SCOPE_CONVERSATION) {
			assert(r->open_ms >= 1000 && r->open_ms <= 86400000);
			continue;
		}
		assert(r->metric >= 0 && r->metric < METRIC_COUNT);
		assert(r->op >= RULE_OP_GT && r->op <= RULE_OP_LE);
		for (w = 0; w < cf->metrics.nwindows; w++)
			if (cf->metrics.windows_s[w] == r->window_s)
				break;
		assert(w < cf->metrics.nwindows);
	}
}

/* A short scene: a wait, a bot, a reply, a close, an unanswered wait. */
static void
fz_engine(const struct conf *cf)
{
	static const struct {
		int64_t		 dt;
		const char	*conv, *role, *type, *agent, *team;
	} scene[] = {
		{ 0, "c1", "customer", NULL, "a1", "t1" },
		{ 500, "c2", "customer", NULL, NULL, "t2" },
		{ 1000, "c1", "bot", NULL, NULL, NULL },
		{ 2000, "c1", NULL, "assign", "a2", NULL },
		{ 40000, "c1", "agent", NULL, "a2", NULL },
		{ 41000, "c3", "customer", NULL, "a1", "t1" },
		{ 42000, "c1", NULL, "close", NULL, NULL },
		{ 200000, "c2", "agent", NULL, "a3", NULL }
	};
	struct entry_field	 f[6];
	struct engine		*e;
	char			 id[32], ts[24];
	const char		*v;
	size_t			 i, n;

	e = engine_new(cf);
	for (i = 0; i < sizeof(scene) / sizeof(scene[0]); i++) {
		n = 0;
#define FZ_FIELD(k, val) do {						\
	if ((v = (val)) != NULL) {					\
		f[n].name = (k);					\
		f[n].namelen = strlen(k);				\
		f[n].value = v;						\
		f[n].valuelen = strlen(v);				\
		n++;							\
	}								\
} while (0)
		FZ_FIELD("conversation", scene[i].conv);
		FZ_FIELD("role", scene[i].role);
		FZ_FIELD("type", scene[i].type);
		FZ_FIELD("agent", scene[i].agent);
		FZ_FIELD("team", scene[i].team);
#undef FZ_FIELD
		snprintf(ts, sizeof(ts), "%lld",
		    (long long)(FZ_T0 + scene[i].dt));
		f[n].name = "ts";
		f[n].namelen = 2;
		f[n].value = ts;
		f[n].valuelen = strlen(ts);
		n++;
		snprintf(id, sizeof(id), "%s-0", ts);
		engine_read(e, id, f, n, FZ_T0 + scene[i].dt);
		engine_advance(e, FZ_T0 + scene[i].dt, 1);
	}
	engine_advance(e, FZ_T0 + 600000, 1);
	engine_free(e);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct conf	*cf, *cf2;
	char		 err[FZ_ERRLEN], err2[FZ_SHORT];

	memset(err, 'Z', sizeof(err));
	cf = conf_parse((const char *)data, size, FZ_NAME, err, sizeof(err));
	memset(err2, 'Z', sizeof(err2));
	cf2 = conf_parse((const char *)data, size, FZ_NAME, err2,
	    sizeof(err2));
	assert((cf == NULL) == (cf2 == NULL));
	conf_free(cf2);
	cf2 = conf_parse((const char *)data, size, NULL, NULL, 0);
	assert((cf == NULL) == (cf2 == NULL));
	conf_free(cf2);

	if (cf == NULL) {
		fz_check_error(err, sizeof(err));
		assert(memchr(err2, '\0', sizeof(err2)) != NULL);
		assert(strncmp(err, err2, strlen(err2)) == 0);
		return (0);
	}
	assert(err[0] == '\0' && err2[0] == '\0');
	assert(cf->path != NULL && strcmp(cf->path, FZ_NAME) == 0);
	fz_check_conf(cf);
	fz_engine(cf);
	conf_free(cf);
	return (0);
}
