/* Regressions found by the fuzzers (tests/fuzz/): each input, replayed. */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "alert.h"
#include "conf.h"
#include "engine_impl.h"
#include "entry.h"

#define FR_WALL0	1700000000000LL	/* fuzz_entry.c's FZ_WALL0 */
#define FR_MAX		256		/* records kept of each kind */

#include "fuzz/fuzz_confs.h"

/* What one replay saw: outcomes and alert transitions, in their order. */
struct fr_run {
	struct conf	*cf;
	struct conf	*rcf;
	struct engine	*e;
	int64_t		 wall;
	enum outcome_kind okind[FR_MAX];
	int64_t		 ots[FR_MAX];
	int64_t		 owait[FR_MAX];
	size_t		 nout;
	char		 arule[FR_MAX][32];
	enum alert_status astatus[FR_MAX];
	int64_t		 ats[FR_MAX];
	size_t		 nalert;
};

static struct conf *
fr_conf(size_t n)
{
	struct conf	*cf;
	char		 err[512];

	if (fuzz_confs[n] == NULL)
		return (conf_default());
	cf = conf_parse(fuzz_confs[n], strlen(fuzz_confs[n]), "fuzz", err,
	    sizeof(err));
	cr_assert_not_null(cf, "variant %zu: %s", n, err);
	return (cf);
}

/* Keeps the outcome; stamps must never go back (they make stream IDs). */
static void
fr_outcome_cb(const struct outcome *o, void *arg)
{
	struct fr_run	*r = arg;

	cr_assert(r->nout == 0 || o->ts >= r->ots[r->nout - 1],
	    "outcome at %lld after one at %lld", (long long)o->ts,
	    (long long)r->ots[r->nout - 1]);
	cr_assert_lt(r->nout, FR_MAX);
	r->okind[r->nout] = o->kind;
	r->ots[r->nout] = o->ts;
	r->owait[r->nout] = o->wait_ms;
	r->nout++;
}

/* The same for alert transitions. */
static void
fr_alert_cb(const struct alert_event *ev, void *arg)
{
	struct fr_run	*r = arg;

	cr_assert(r->nalert == 0 || ev->ts_ms >= r->ats[r->nalert - 1],
	    "%s alert at %lld after one at %lld", ev->rule,
	    (long long)ev->ts_ms, (long long)r->ats[r->nalert - 1]);
	cr_assert_lt(r->nalert, FR_MAX);
	snprintf(r->arule[r->nalert], sizeof(r->arule[0]), "%s", ev->rule);
	r->astatus[r->nalert] = ev->status;
	r->ats[r->nalert] = ev->ts_ms;
	r->nalert++;
}

/* One entry line: the ID, then name and value pairs split at tabs. */
static void
fr_entry(struct fr_run *r, const char *line, size_t len)
{
	struct entry_field	 f[16];
	char			 id[64];
	const char		*p, *end = line + len, *tab;
	size_t			 n = 0;

	tab = memchr(line, '\t', len);
	cr_assert_not_null(tab);
	cr_assert_lt((size_t)(tab - line), sizeof(id));
	memcpy(id, line, (size_t)(tab - line));
	id[tab - line] = '\0';
	for (p = tab + 1; p < end; n++) {
		cr_assert_lt(n, 16);
		tab = memchr(p, '\t', (size_t)(end - p));
		cr_assert_not_null(tab, "a name without a value");
		f[n].name = p;
		f[n].namelen = (size_t)(tab - p);
		p = tab + 1;
		tab = memchr(p, '\t', (size_t)(end - p));
		f[n].value = p;
		f[n].valuelen = tab != NULL ? (size_t)(tab - p) :
		    (size_t)(end - p);
		p = tab != NULL ? tab + 1 : end;
	}
	engine_read(r->e, id, f, n, r->wall);
}

/*
 * Replays a fuzz_entry input as fuzz_entry.c does (the same framing and
 * the same reload as main.c's), into r; the caller frees with fr_free().
 */
static void
fr_replay(struct fr_run *r, const char *in)
{
	const char	*p, *nl;
	size_t		 len;
	struct conf	*nc;

	memset(r, 0, sizeof(*r));
	r->wall = FR_WALL0;
	r->cf = fr_conf(strncmp(in, "!c", 2) == 0 ? (size_t)atoi(in + 2) : 0);
	r->rcf = r->cf;
	r->e = engine_new(r->cf);
	engine_set_sink(r->e, fr_outcome_cb, r);
	alerts_set_sink(r->e->alerts, fr_alert_cb, r);
	for (p = in; *p != '\0'; p = nl + 1) {
		nl = strchr(p, '\n');
		cr_assert_not_null(nl);
		len = (size_t)(nl - p);
		if (len >= 2 && p[0] == '!' && p[1] == 'w') {
			r->wall += atoll(p + 2);
			engine_advance(r->e, r->wall, 1);
		} else if (len >= 2 && p[0] == '!' && p[1] == 'r') {
			nc = fr_conf((size_t)atoi(p + 2));
			nc->metrics = r->cf->metrics;
			engine_set_targets(r->e, nc);
			engine_set_rules(r->e, nc);
			if (r->rcf != r->cf)
				conf_free(r->rcf);
			r->rcf = nc;
		} else if (len > 0 && p[0] != '!')
			fr_entry(r, p, len);
	}
	engine_advance(r->e, r->wall, 1);
}

static void
fr_free(struct fr_run *r)
{
	engine_free(r->e);
	if (r->rcf != r->cf)
		conf_free(r->rcf);
	conf_free(r->cf);
}

static void
fr_expect_alert(const struct fr_run *r, size_t i, const char *rule,
    enum alert_status status, int64_t ts)
{
	cr_assert_lt(i, r->nalert, "alert %zu missing (have %zu)", i,
	    r->nalert);
	cr_expect_str_eq(r->arule[i], rule, "alert %zu", i);
	cr_expect_eq(r->astatus[i], status, "alert %zu status", i);
	cr_expect_eq(r->ats[i], ts, "alert %zu at %lld, want %lld", i,
	    (long long)r->ats[i], (long long)ts);
}

/*
 * corpus/entry/regress-reload-uaf.  Two conversation rules, a reload
 * with the same two, then one with one: the second threshold kept
 * pointing at the names of the config the last reload freed, and the
 * wait passing it formatted a freed string (AddressSanitizer: heap use
 * after free in engine_alert).  The engine now keeps copies; the rule a
 * reload drops runs on under its name until a restart.
 */
Test(fuzz_regress, reload_fewer_conversation_rules)
{
	static const char	 in[] =
	    "!c2\n"
	    "1700000000000-0\tconversation\tr1\trole\tcustomer\n"
	    "!r2\n"
	    "!r3\n"
	    "!w3000\n";
	struct fr_run		 r;

	fr_replay(&r, in);
	cr_assert_eq(r.nalert, 5);
	fr_expect_alert(&r, 0, "first_response_overdue", ALERT_FIRING,
	    FR_WALL0 + 500);
	fr_expect_alert(&r, 1, "response_overdue", ALERT_FIRING,
	    FR_WALL0 + 1000);
	fr_expect_alert(&r, 2, "g_rate", ALERT_FIRING, FR_WALL0 + 1000);
	fr_expect_alert(&r, 3, "c2", ALERT_FIRING, FR_WALL0 + 2000);
	fr_expect_alert(&r, 4, "g_rate", ALERT_FIRING, FR_WALL0 + 2000);
	cr_assert_eq(r.nout, 2);
	cr_expect_eq(r.okind[0], OUTCOME_FRT_BREACHED);
	cr_expect_eq(r.okind[1], OUTCOME_MISSED);
	fr_free(&r);
}

/*
 * corpus/entry/regress-reload-alert-order.  A reload lowers the targets
 * below the age of an open wait: the breach is stamped at the clock, but
 * its overdue alert was stamped at the old deadline, before alerts
 * already written, so its stream ID would be refused and the transition
 * lost.  It now takes the breach's stamp.
 */
Test(fuzz_regress, reload_lowered_target_alert_order)
{
	static const char	 in[] =
	    "!c4\n"
	    "1699999997000-0\tconversation\tc1\trole\tcustomer\n"
	    "!w3000\n"
	    "!r3\n"
	    "!w1000\n";
	const int64_t		 t0 = FR_WALL0 - 3000;
	struct fr_run		 r;

	fr_replay(&r, in);
	cr_assert_eq(r.nalert, 5);
	fr_expect_alert(&r, 0, "c1", ALERT_FIRING, t0 + 1000);
	fr_expect_alert(&r, 1, "c3", ALERT_FIRING, t0 + 3000);
	fr_expect_alert(&r, 2, "first_response_overdue", ALERT_FIRING,
	    t0 + 4000);
	fr_expect_alert(&r, 3, "response_overdue", ALERT_FIRING, t0 + 4000);
	fr_expect_alert(&r, 4, "c4", ALERT_FIRING, t0 + 4000);
	cr_assert_eq(r.nout, 2);
	cr_expect_eq(r.okind[0], OUTCOME_FRT_BREACHED);
	cr_expect_eq(r.ots[0], t0 + 4000);
	cr_expect_eq(r.owait[0], 4000);
	cr_expect_eq(r.okind[1], OUTCOME_MISSED);
	cr_expect_eq(r.ots[1], t0 + 4000);
	fr_free(&r);
}

/*
 * corpus/entry/regress-old-first-entry.  The first entry is from 2000,
 * the next from now: the clock walked every alert instant of the 24
 * years between, one a second here (hours; the fuzzer's timeout).  An
 * idle engine, with nothing pending or firing and every window empty,
 * now skips the instants at which nothing can happen; the outcomes and
 * transitions are the same.
 */
Test(fuzz_regress, old_first_entry, .timeout = 10)
{
	static const char	 in[] =
	    "!c2\n"
	    "1700000000000-0\tconversation\to1\trole\tcustomer\tts\t"
	    "946684800001\n"
	    "1700000000000-1\tconversation\to2\trole\tcustomer\n"
	    "!w0\n";
	const int64_t		 t0 = 946684800001LL;
	struct fr_run		 r;
	size_t			 i;

	fr_replay(&r, in);
	cr_assert_eq(r.nout, 3);
	cr_expect_eq(r.okind[0], OUTCOME_FRT_BREACHED);
	cr_expect_eq(r.ots[0], t0 + 1000);
	cr_expect_eq(r.okind[1], OUTCOME_MISSED);
	cr_expect_eq(r.ots[1], t0 + 2500);
	cr_expect_eq(r.okind[2], OUTCOME_UNANSWERED);
	cr_expect_eq(r.ots[2], t0 + 60000);
	cr_expect_eq(r.owait[2], 60000);
	/* everything that fired for o1 was resolved in 2000 */
	cr_assert_gt(r.nalert, 0);
	for (i = 0; i < r.nalert; i++)
		cr_expect_lt(r.ats[i], t0 + 86400000, "alert %zu (%s)", i,
		    r.arule[i]);
	cr_expect_eq(r.astatus[r.nalert - 1], ALERT_RESOLVED);
	cr_expect_eq(alerts_firing(r.e->alerts), 0);
	cr_expect_eq(r.e->clock, FR_WALL0);
	fr_free(&r);
}

/*
 * corpus/conf/regress-ctl-in-error.  A JSON syntax error quoted the raw
 * byte it stopped at, here an escape sequence, into the one-line error
 * that --check-config prints and a refused reload logs.
 */
Test(fuzz_regress, conf_error_is_printable)
{
	static const char	 in[] = "{}\033[2J";
	struct conf		*cf;
	char			 err[512];

	cf = conf_parse(in, sizeof(in) - 1, "x.json", err, sizeof(err));
	cr_assert_null(cf);
	cr_assert_str_eq(err, "x.json: line 1 column 3: end of file "
	    "expected near '?'");
}
