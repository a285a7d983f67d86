/*
 * The traffic generator (tools/replytime-gen.c) against a real
 * redis-server: determinism, validity per replytimed(8), Input stream, the
 * features of the traffic, live mode, reconnection and errors.
 */

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "clock.h"
#include "files.h"
#include "proc.h"
#include "rserver.h"
#include "stream.h"

#define G_MIN_TS	946684800000LL	/* 2000-01-01 */
#define G_MAX_FUTURE	300000LL	/* ingest.max_future_ms */
#define G_MAX_ID	256
#define G_N		20000		/* entries of a backlog run */
#define G_NBAD		6		/* kinds of bad entry promised */

static const char *const g_bad_kinds[G_NBAD] = {
	"missing_conversation", "bad_role", "bad_ts", "old_ts", "bad_json",
	"oversize_conversation"
};

static struct rserver	 gsrv;
static redisContext	*grc;
static pid_t		 gpid;		/* a generator still running */
static char		 gport[16];

/* One entry, parsed: strings are copies, NULL when absent. */
struct gev {
	char		*conv;
	char		*role;
	char		*type;
	char		*agent;
	char		*team;
	char		*msgid;
	int64_t		 ts;
	int		 has_ts;
	int		 json;
};

static void
g_setup(void)
{
	rserver_init(&gsrv);
	grc = NULL;
	gpid = -1;
}

/* Runs after a failed assertion too: nothing may outlive the test. */
static void
g_teardown(void)
{
	if (gpid > 0) {
		kill(gpid, SIGKILL);
		proc_reap(gpid, PROC_STOP_MS, NULL);
	}
	if (grc != NULL)
		redisFree(grc);
	rserver_cleanup(&gsrv);
}

TestSuite(gen, .init = g_setup, .fini = g_teardown, .timeout = 60);

static void
g_start_redis(void)
{
	cr_assert_eq(rserver_start(&gsrv, (char *)NULL), 0,
	    "redis-server did not start (in %s)", gsrv.dir);
	grc = rserver_connect(&gsrv);
	cr_assert_not_null(grc, "cannot connect to redis-server");
	snprintf(gport, sizeof(gport), "%d", gsrv.port);
}

static const char *
g_bin(void)
{
	const char	*bin = getenv("REPLYTIME_GEN_BIN");

	return (bin != NULL && *bin != '\0' ? bin : "build/replytime-gen");
}

/* The path of an output file name in the server's directory. */
static void
g_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", gsrv.dir, name);
}

/* Starts the generator with a NULL-terminated argument list. */
static pid_t
g_vspawn(const char *out, va_list ap)
{
	struct proc_argv	 a = { .n = 0 };
	const char		*s;
	pid_t			 pid;

	unlink(out);
	proc_arg(&a, g_bin());
	while ((s = va_arg(ap, const char *)) != NULL)
		proc_arg(&a, s);
	pid = proc_spawn(a.v[0], a.v, NULL, 0, out);
	proc_argv_free(&a);
	cr_assert_neq(pid, -1, "cannot run %s: %s (make build/replytime-gen)",
	    g_bin(), strerror(errno));
	return (pid);
}

static pid_t __attribute__((sentinel))
g_spawn(const char *out, ...)
{
	va_list	 ap;
	pid_t	 pid;

	va_start(ap, out);
	pid = g_vspawn(out, ap);
	va_end(ap);
	gpid = pid;
	return (pid);
}

/* Copies a generator's output to stderr, for a failing test. */
static void
g_dump(const char *out)
{
	char	*buf;

	if ((buf = files_read(out)) == NULL)
		return;
	fprintf(stderr, "---- %s\n%.4000s\n----\n", out, buf);
	free(buf);
}

/*
 * Reaps the generator within timeout_ms, with its resource usage:
 * its exit code, or -1 (then it is killed).
 */
static int
g_wait(pid_t pid, int timeout_ms, struct rusage *ru)
{
	struct rusage	 r;
	int64_t		 end = now_mono_ms() + timeout_ms;
	pid_t		 got;
	int		 st;

	for (;;) {
		got = wait4(pid, &st, WNOHANG, &r);
		if (got == pid) {
			gpid = -1;
			if (ru != NULL)
				*ru = r;
			return (proc_exit_code(st));
		}
		if ((got == -1 && errno != EINTR) || now_mono_ms() >= end)
			break;
		clk_sleep_ms(10);
	}
	kill(pid, SIGKILL);
	proc_reap(pid, PROC_STOP_MS, NULL);
	gpid = -1;
	return (-1);
}

/*
 * Runs the generator to its end: its exit code, or -1 on a timeout.
 * Its output goes to stderr when the code is not the one expected.
 */
static int __attribute__((sentinel))
g_run(const char *out, int timeout_ms, int expect, ...)
{
	va_list	 ap;
	pid_t	 pid;
	int	 rc;

	va_start(ap, expect);
	pid = g_vspawn(out, ap);
	va_end(ap);
	gpid = pid;
	rc = g_wait(pid, timeout_ms, NULL);
	if (rc != expect)
		g_dump(out);
	return (rc);
}

/* How often needle occurs in the file. */
static int
g_count_in(const char *path, const char *needle)
{
	char		*buf;
	const char	*p;
	int		 n = 0;

	if ((buf = files_read(path)) == NULL)
		return (0);
	for (p = buf; (p = strstr(p, needle)) != NULL; p += strlen(needle))
		n++;
	free(buf);
	return (n);
}

/* A value of the summary line ("mode=... name=N ..."), or -1. */
static long long
g_summary(const char *path, const char *name)
{
	char		*buf, *line, *p, key[64];
	long long	 v = -1;
	size_t		 n;

	if ((buf = files_read(path)) == NULL)
		return (-1);
	snprintf(key, sizeof(key), " %s=", name);
	n = strlen(key);
	for (line = buf; line != NULL; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (strncmp(line, "mode=", 5) != 0)
			continue;
		if ((p = strstr(line, key)) != NULL)
			v = strtoll(p + n, NULL, 10);
		break;
	}
	free(buf);
	return (v);
}

static void
gev_clear(struct gev *g)
{
	free(g->conv);
	free(g->role);
	free(g->type);
	free(g->agent);
	free(g->team);
	free(g->msgid);
	memset(g, 0, sizeof(*g));
}

static int
g_is_word(const char *s, const char *const *words)
{
	for (; *words != NULL; words++)
		if (strcmp(s, *words) == 0)
			return (1);
	return (0);
}

/* Whether s is 1..19 decimal digits; the value goes to *v. */
static int
g_digits(const char *s, int64_t *v)
{
	size_t	 n = strlen(s), i;

	if (n == 0 || n > 19)
		return (0);
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return (0);
	*v = (int64_t)strtoull(s, NULL, 10);
	return (*v >= 0);
}

/* The string value of member name of a `json` entry, checked. */
static const char *
g_json_str(json_t *root, const char *name, int *wrong)
{
	json_t	*v = json_object_get(root, name);

	if (v == NULL || json_is_null(v))
		return (NULL);
	if (!json_is_string(v)) {
		*wrong = 1;
		return (NULL);
	}
	return (json_string_value(v));
}

/* A present identifier's fault: NULL if it is 1..256 bytes. */
static const char *
g_check_id(const char *s, const char *empty, const char *oversize)
{
	if (s == NULL)
		return (NULL);
	if (*s == '\0')
		return (empty);
	if (strlen(s) > G_MAX_ID)
		return (oversize);
	return (NULL);
}

/*
 * A validator written from replytimed(8), Input stream, alone: parses an entry
 * into g and returns NULL when the daemon must accept it, else the
 * reason it must dead-letter it (lateness aside).
 */
static const char *
gev_parse(const struct stream_entry *e, int64_t now, struct gev *g)
{
	static const char *const roles[] = { "customer", "agent", "bot",
	    "system", NULL };
	static const char *const types[] = { "message", "assign", "close",
	    NULL };
	json_error_t	 jerr;
	json_t		*root = NULL, *v;
	const char	*conv, *role, *type, *agent, *team, *msgid, *ts;
	const char	*why = NULL, *text;
	double		 d;
	int		 wrong = 0;

	memset(g, 0, sizeof(*g));
	ts = NULL;
	if ((text = stream_field(e, "json")) != NULL) {
		g->json = 1;
		root = json_loads(text, 0, &jerr);
		if (root == NULL || !json_is_object(root)) {
			why = "bad_json";
			goto done;
		}
		conv = g_json_str(root, "conversation", &wrong);
		role = g_json_str(root, "role", &wrong);
		type = g_json_str(root, "type", &wrong);
		agent = g_json_str(root, "agent", &wrong);
		team = g_json_str(root, "team", &wrong);
		msgid = g_json_str(root, "message_id", &wrong);
		v = json_object_get(root, "ts");
		if (v != NULL && json_is_integer(v)) {
			g->ts = json_integer_value(v);
			g->has_ts = 1;
		} else if (v != NULL && json_is_real(v)) {
			d = json_real_value(v);
			if (d != floor(d)) {
				why = "bad_ts";
				goto done;
			}
			g->ts = (int64_t)d;
			g->has_ts = 1;
		} else if (v != NULL && json_is_string(v))
			ts = json_string_value(v);
		else if (v != NULL && !json_is_null(v)) {
			why = "bad_ts";
			goto done;
		}
		if (wrong) {
			why = "wrong_json_type";
			goto done;
		}
	} else {
		conv = stream_field(e, "conversation");
		role = stream_field(e, "role");
		type = stream_field(e, "type");
		agent = stream_field(e, "agent");
		team = stream_field(e, "team");
		msgid = stream_field(e, "message_id");
		ts = stream_field(e, "ts");
	}
	g->conv = conv != NULL ? strdup(conv) : NULL;
	g->role = role != NULL ? strdup(role) : NULL;
	g->type = strdup(type != NULL ? type : "message");
	g->agent = agent != NULL ? strdup(agent) : NULL;
	g->team = team != NULL ? strdup(team) : NULL;
	g->msgid = msgid != NULL ? strdup(msgid) : NULL;
	if (ts != NULL) {
		if (!g_digits(ts, &g->ts)) {
			why = "bad_ts";
			goto done;
		}
		g->has_ts = 1;
	}

	if (conv == NULL)
		why = "missing_conversation";
	else if ((why = g_check_id(conv, "empty_conversation",
	    "oversize_conversation")) != NULL)
		;
	else if (!g_is_word(g->type, types))
		why = "bad_type";
	else if (role == NULL && strcmp(g->type, "message") == 0)
		why = "missing_role";
	else if (role != NULL && !g_is_word(role, roles))
		why = "bad_role";
	else if (agent == NULL && ((role != NULL &&
	    strcmp(role, "agent") == 0) || strcmp(g->type, "assign") == 0))
		why = "missing_agent";
	else if ((why = g_check_id(agent, "empty_agent",
	    "oversize_agent")) != NULL ||
	    (why = g_check_id(team, "empty_team", "oversize_team")) != NULL ||
	    (why = g_check_id(msgid, "empty_message_id",
	    "oversize_message_id")) != NULL)
		;
	else if (g->has_ts && g->ts < G_MIN_TS)
		why = "old_ts";
	else if (g->has_ts && g->ts > now + G_MAX_FUTURE)
		why = "future_ts";
done:
	json_decref(root);
	return (why);
}

static int
g_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return (a == b);
	return (strcmp(a, b) == 0);
}

static void
g_read(const char *key, struct stream_list *l)
{
	memset(l, 0, sizeof(*l));
	cr_assert_eq(stream_read(grc, key, l), 0, "cannot read %s", key);
}

/* Parses a whole stream, every entry valid, into a new array. */
static struct gev *
g_parse_all(const struct stream_list *l)
{
	struct gev	*ev;
	const char	*why;
	int64_t		 now = now_wall_ms();
	size_t		 i;

	ev = calloc(l->n + 1, sizeof(*ev));
	cr_assert_not_null(ev);
	for (i = 0; i < l->n; i++) {
		why = gev_parse(&l->e[i], now, &ev[i]);
		cr_assert_null(why, "entry %s is invalid: %s", l->e[i].id,
		    why);
		cr_assert(ev[i].has_ts, "entry %s has no ts", l->e[i].id);
	}
	return (ev);
}

static void
g_free_all(struct gev *ev, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		gev_clear(&ev[i]);
	free(ev);
}

/*
 * Test 1.  Two runs with a seed write the same entries in the same
 * order; their ts differ by one constant (the base, "now").  Inside a
 * run ts never goes back except for the late entries, each 30-120 s
 * behind the newest ts, as many as the summary says; all lie in the
 * last hour.
 */
Test(gen, backlog_deterministic)
{
	struct stream_list	 la, lb;
	struct gev		*a, *b;
	char			 outa[PATH_MAX], outb[PATH_MAX];
	int64_t			 ta0, ta1, tb1, delta, max = 0, behind;
	long long		 late;
	size_t			 i, nlate = 0;

	g_start_redis();
	g_path(outa, sizeof(outa), "a.out");
	g_path(outb, sizeof(outb), "b.out");
	ta0 = now_wall_ms();
	cr_assert_eq(g_run(outa, 20000, 0, "-p", gport, "-s", "a:events",
	    "--backlog", "1", "--count", "20000", "--seed", "7",
	    "--late-share", "0.01", (char *)NULL), 0);
	ta1 = now_wall_ms();
	clk_sleep_ms(20);	/* a different "now" for the second run */
	cr_assert_eq(g_run(outb, 20000, 0, "-p", gport, "-s", "b:events",
	    "--backlog", "1", "--count", "20000", "--seed", "7",
	    "--late-share", "0.01", (char *)NULL), 0);
	tb1 = now_wall_ms();
	cr_expect_eq(g_summary(outa, "entries"), G_N);
	cr_expect_eq(g_summary(outb, "entries"), G_N);

	g_read("a:events", &la);
	g_read("b:events", &lb);
	cr_assert_eq(la.n, G_N, "a:events has %zu entries", la.n);
	cr_assert_eq(lb.n, G_N, "b:events has %zu entries", lb.n);
	a = g_parse_all(&la);
	b = g_parse_all(&lb);
	delta = b[0].ts - a[0].ts;
	cr_expect(delta > 0 && delta <= tb1 - ta0, "base moved by %lld ms",
	    (long long)delta);
	for (i = 0; i < G_N; i++) {
		cr_assert(g_streq(a[i].conv, b[i].conv) &&
		    g_streq(a[i].role, b[i].role) &&
		    g_streq(a[i].type, b[i].type) &&
		    g_streq(a[i].agent, b[i].agent) &&
		    g_streq(a[i].team, b[i].team) &&
		    g_streq(a[i].msgid, b[i].msgid) &&
		    a[i].json == b[i].json,
		    "entries %zu differ: %s %s vs %s %s", i, la.e[i].id,
		    a[i].conv, lb.e[i].id, b[i].conv);
		cr_assert_eq(b[i].ts - a[i].ts, delta,
		    "entry %zu: ts %lld vs %lld, not shifted by %lld", i,
		    (long long)a[i].ts, (long long)b[i].ts, (long long)delta);
		cr_assert(a[i].ts >= ta0 - 3600 * 1000LL - 1000 &&
		    a[i].ts <= ta1 + 1000, "entry %zu: ts %lld outside the "
		    "last hour [%lld, %lld]", i, (long long)a[i].ts,
		    (long long)(ta0 - 3600 * 1000LL), (long long)ta1);
		if (a[i].ts >= max) {
			max = a[i].ts;
			continue;
		}
		behind = max - a[i].ts;
		cr_assert(behind >= 30000 && behind <= 120000,
		    "entry %zu is %lld ms behind: neither in order nor late",
		    i, (long long)behind);
		nlate++;
	}
	late = g_summary(outa, "late");
	cr_expect_eq((long long)nlate, late, "%zu entries behind, summary "
	    "says late=%lld", nlate, late);
	cr_expect(nlate >= G_N / 200 && nlate <= G_N / 50,
	    "%zu late entries for a share of 1 %%", nlate);
	g_free_all(a, la.n);
	g_free_all(b, lb.n);
	stream_list_free(&la);
	stream_list_free(&lb);
}

/*
 * Test 2.  Without bad entries every entry is valid by the contract
 * (the validator above), some in the `json` form.  With --bad-share
 * 0.05, 5 % are invalid: 20000 entries make the binomial's standard
 * deviation sqrt(20000 * 0.05 * 0.95) = 31 entries, 0.15 points, so
 * 4.4-5.6 % is four of them either way; the summary counts exactly
 * the invalid ones, and every promised kind of fault occurs.
 */
Test(gen, entries_valid_then_bad_share)
{
	struct stream_list	 l;
	struct gev		 g;
	struct gev		*ev;
	const char		*why;
	char			 out[PATH_MAX];
	int			 kinds[G_NBAD] = { 0 };
	int64_t			 now;
	size_t			 i, k, njson = 0, nbad = 0, nother = 0;

	g_start_redis();
	g_path(out, sizeof(out), "good.out");
	cr_assert_eq(g_run(out, 20000, 0, "-p", gport, "-s", "good:events",
	    "--backlog", "1", "--count", "20000", "--seed", "11",
	    (char *)NULL), 0);
	g_read("good:events", &l);
	cr_assert_eq(l.n, G_N);
	ev = g_parse_all(&l);
	for (i = 0; i < l.n; i++)
		njson += ev[i].json;
	cr_expect(njson >= G_N / 200 && njson <= G_N / 25,
	    "%zu entries in the json form of %d", njson, G_N);
	cr_expect_eq(g_summary(out, "bad"), 0);
	g_free_all(ev, l.n);
	stream_list_free(&l);

	g_path(out, sizeof(out), "bad.out");
	cr_assert_eq(g_run(out, 20000, 0, "-p", gport, "-s", "bad:events",
	    "--backlog", "1", "--count", "20000", "--seed", "11",
	    "--bad-share", "0.05", (char *)NULL), 0);
	g_read("bad:events", &l);
	cr_assert_eq(l.n, G_N);
	now = now_wall_ms();
	for (i = 0; i < l.n; i++) {
		why = gev_parse(&l.e[i], now, &g);
		gev_clear(&g);
		if (why == NULL)
			continue;
		nbad++;
		for (k = 0; k < G_NBAD; k++)
			if (strcmp(why, g_bad_kinds[k]) == 0)
				break;
		if (k < G_NBAD)
			kinds[k]++;
		else
			nother++;
	}
	cr_expect(nbad >= G_N * 44 / 1000 && nbad <= G_N * 56 / 1000,
	    "%zu invalid entries of %d for a share of 5 %%", nbad, G_N);
	cr_expect_eq((long long)nbad, g_summary(out, "bad"),
	    "%zu invalid entries, summary says bad=%lld", nbad,
	    g_summary(out, "bad"));
	for (k = 0; k < G_NBAD; k++)
		cr_expect(kinds[k] > 0, "no entry with %s", g_bad_kinds[k]);
	cr_expect_eq(nother, 0, "%zu entries invalid for other reasons",
	    nother);
	stream_list_free(&l);
}

static int
g_cmp_size(const void *a, const void *b)
{
	size_t	 x = *(const size_t *)a, y = *(const size_t *)b;

	return (x < y ? -1 : x > y);
}

static int
g_cmp_double(const void *a, const void *b)
{
	double	 x = *(const double *)a, y = *(const double *)b;

	return (x < y ? -1 : x > y);
}

/* Entries sorted by conversation, stream order within one. */
static const struct gev	*g_sort_ev;

static int
g_cmp_conv(const void *a, const void *b)
{
	size_t	 x = *(const size_t *)a, y = *(const size_t *)b;
	int	 c = strcmp(g_sort_ev[x].conv, g_sort_ev[y].conv);

	return (c != 0 ? c : g_cmp_size(a, b));
}

/*
 * Test 3.  The traffic has what it promises, per conversation: a bot
 * and then an assign, reassignments to another agent, closes for most,
 * customers never answered and closed, duplicate message ids; every
 * agent stays in one team; the first human response of a conversation
 * without a bot has the median asked for (within 30 %) and the slow
 * share of 3-6 minutes.
 */
Test(gen, traffic_features)
{
	struct stream_list	 l;
	struct gev		*ev;
	const struct gev *e, *f;
	const char	*team_of[31] = { NULL };
	char		 out[PATH_MAX];
	size_t		*idx, i, j, k, start, nconv = 0, nclosed = 0;
	size_t		 nbot_assign = 0, nreassign = 0, nunanswered = 0;
	size_t		 ndup = 0, nd = 0, nslow = 0, nteams = 0;
	const char	*teams[8];
	double		*delays, median;
	int64_t		 cust, agent;
	int		 bot, botassign, closed, human, a, t;
	const char	*first_agent;

	g_start_redis();
	g_path(out, sizeof(out), "features.out");
	cr_assert_eq(g_run(out, 20000, 0, "-p", gport, "-s", "f:events",
	    "--backlog", "1", "--count", "20000", "--seed", "5",
	    "--agents", "30", "--teams", "4", "--median-response", "40",
	    "--slow-share", "0.1", (char *)NULL), 0);
	g_read("f:events", &l);
	cr_assert_eq(l.n, G_N);
	ev = g_parse_all(&l);
	idx = calloc(l.n, sizeof(*idx));
	delays = calloc(l.n, sizeof(*delays));
	cr_assert(idx != NULL && delays != NULL);

	for (i = 0; i < l.n; i++) {
		idx[i] = i;
		e = &ev[i];
		if (e->agent != NULL) {
			cr_assert_eq(sscanf(e->agent, "agent-%3d", &a), 1,
			    "agent %s", e->agent);
			cr_assert(a >= 1 && a <= 30, "agent %s of 30",
			    e->agent);
			cr_assert_not_null(e->team);
			if (team_of[a] == NULL)
				team_of[a] = e->team;
			cr_assert_str_eq(team_of[a], e->team,
			    "%s is in %s and in %s", e->agent, team_of[a],
			    e->team);
		}
		if (e->team == NULL)
			continue;
		for (t = 0; t < (int)nteams; t++)
			if (strcmp(teams[t], e->team) == 0)
				break;
		if (t == (int)nteams) {
			cr_assert_lt(nteams, 4, "a fifth team %s", e->team);
			teams[nteams++] = e->team;
		}
	}

	g_sort_ev = ev;
	qsort(idx, l.n, sizeof(*idx), g_cmp_conv);
	for (start = 0; start < l.n; start = i) {
		for (i = start; i < l.n &&
		    strcmp(ev[idx[i]].conv, ev[idx[start]].conv) == 0; i++)
			;
		nconv++;
		bot = botassign = closed = human = 0;
		cust = agent = -1;
		first_agent = NULL;
		for (j = start; j < i; j++) {
			e = &ev[idx[j]];
			if (strcmp(e->type, "close") == 0)
				closed = 1;
			else if (strcmp(e->type, "assign") == 0) {
				botassign |= bot;
				if (first_agent == NULL)
					first_agent = e->agent;
				else if (strcmp(first_agent, e->agent) != 0)
					human |= 2;	/* reassigned */
			} else if (strcmp(e->role, "bot") == 0) {
				if (agent == -1)
					bot = 1;
			} else if (strcmp(e->role, "customer") == 0) {
				if (cust == -1)
					cust = e->ts;
			} else if (strcmp(e->role, "agent") == 0) {
				if (agent == -1)
					agent = e->ts;
				human |= 1;
			}
			if (e->msgid == NULL)
				continue;
			for (k = start; k < j; k++) {
				f = &ev[idx[k]];
				if (f->msgid != NULL &&
				    strcmp(f->msgid, e->msgid) == 0) {
					ndup++;
					break;
				}
			}
		}
		nclosed += closed;
		nbot_assign += botassign;
		nreassign += (human & 2) != 0;
		if (cust != -1 && !(human & 1) && !bot && closed)
			nunanswered++;
		if (!bot && cust != -1 && agent != -1) {
			delays[nd] = (double)(agent - cust) / 1000;
			nslow += delays[nd] >= 180 && delays[nd] <= 360;
			nd++;
		}
	}

	cr_expect_gt(nbot_assign, 0, "no bot message followed by an assign");
	cr_expect_gt(nreassign, 0, "no reassignment");
	cr_expect(nclosed * 10 >= nconv * 7, "%zu of %zu conversations "
	    "closed", nclosed, nconv);
	cr_expect_gt(nunanswered, 0, "no customer closed unanswered");
	cr_expect_gt(ndup, 0, "no duplicate message_id");
	cr_assert_gt(nd, 300, "only %zu first responses", nd);
	qsort(delays, nd, sizeof(*delays), g_cmp_double);
	median = nd % 2 ? delays[nd / 2] :
	    (delays[nd / 2 - 1] + delays[nd / 2]) / 2;
	cr_expect(median >= 28 && median <= 52, "median response %.1f s "
	    "for --median-response 40 (%zu samples)", median, nd);
	cr_expect(nslow * 100 >= nd * 7 && nslow * 100 <= nd * 17,
	    "%zu of %zu responses took 3-6 minutes for --slow-share 0.1",
	    nslow, nd);
	free(delays);
	free(idx);
	g_free_all(ev, l.n);
	stream_list_free(&l);
}

/*
 * Test 4.  Live for two seconds at 5 conversations a second: entries
 * stamped now, within the run's wall-clock interval, and exit 0 with
 * the summary.
 */
Test(gen, live_duration)
{
	struct stream_list	 l;
	struct gev		*ev;
	char			 out[PATH_MAX];
	int64_t			 t0, t1, m0, m1;
	size_t			 i;

	g_start_redis();
	g_path(out, sizeof(out), "live.out");
	t0 = now_wall_ms();
	m0 = now_mono_ms();
	cr_assert_eq(g_run(out, 10000, 0, "-p", gport, "-s", "live:events",
	    "--live", "--duration", "2", "--rate", "5", "--seed", "3",
	    (char *)NULL), 0);
	m1 = now_mono_ms();
	t1 = now_wall_ms();
	cr_expect(m1 - m0 >= 1900 && m1 - m0 < 4000, "ran %lld ms",
	    (long long)(m1 - m0));
	g_read("live:events", &l);
	cr_assert_geq(l.n, 3, "only %zu entries in 2 s", l.n);
	cr_expect_eq(g_summary(out, "entries"), (long long)l.n);
	ev = g_parse_all(&l);
	for (i = 0; i < l.n; i++)
		cr_expect(ev[i].ts >= t0 && ev[i].ts <= t1,
		    "entry %s: ts %lld outside the run [%lld, %lld]",
		    l.e[i].id, (long long)ev[i].ts, (long long)t0,
		    (long long)t1);
	g_free_all(ev, l.n);
	stream_list_free(&l);
}

static int
g_has_entries(void *arg)
{
	return (stream_len(arg, "r:events") > 0);
}

/*
 * Redis goes away under a live run: the generator says so once, waits
 * without spinning, writes again once Redis is back, and exits 0 with
 * its summary on SIGTERM.
 */
Test(gen, live_redis_restart_and_sigterm)
{
	struct rusage	 ru;
	char		 out[PATH_MAX];
	double		 cpu;
	pid_t		 pid;
	int		 st;

	g_start_redis();
	g_path(out, sizeof(out), "restart.out");
	pid = g_spawn(out, "-p", gport, "-s", "r:events", "--live",
	    "--rate", "20", "--seed", "8", (char *)NULL);
	cr_assert_eq(clk_wait(g_has_entries, grc, 3000), 1,
	    "no entries in 3 s");
	redisFree(grc);
	grc = NULL;
	rserver_stop(&gsrv);
	clk_sleep_ms(2500);
	cr_assert_eq(waitpid(pid, &st, WNOHANG), 0,
	    "the generator exited while Redis was away");
	cr_assert_eq(rserver_restart(&gsrv), 0, "redis did not restart");
	grc = rserver_connect(&gsrv);
	cr_assert_not_null(grc);
	cr_assert_eq(clk_wait(g_has_entries, grc, 4000), 1,
	    "no entries after Redis came back");
	kill(pid, SIGTERM);
	cr_assert_eq(g_wait(pid, 3000, &ru), 0, "no clean exit on SIGTERM");
	cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
	    (double)ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
	cr_expect_lt(cpu, 0.5, "%.2f s of CPU: spinning?", cpu);
	cr_expect_eq(g_count_in(out, "retrying every second"), 1);
	cr_expect_eq(g_count_in(out, "connected again"), 1);
	cr_expect_eq(g_summary(out, "reconnects"), 1);
	if (g_summary(out, "entries") <= 0)
		g_dump(out);
	cr_expect_gt(g_summary(out, "entries"), 0);
}

/* Test 5.  A bad option exits 2 naming it, with the usage. */
Test(gen, bad_options_exit_2)
{
	static const char *const cases[][5] = {
		{ "--rate", "abc", "--live", NULL, "--rate" },
		{ "--bogus", "--live", NULL, NULL, "--bogus" },
		{ "--backlog", "1", "--bad-share", "2", "--bad-share" },
		{ "--backlog", "1", "--median-response", "0",
		  "--median-response" },
		{ "--live", "--backlog", "1", NULL, "--backlog" },
		{ "--live", "--count", "5", NULL, "--count" },
		{ "--backlog", "1", "--port", "70000", "--port" },
		{ "--backlog", NULL, NULL, NULL, "--backlog" },
		{ "--seed", "-3", "--live", NULL, "--seed" }
	};
	char	 out[PATH_MAX];
	size_t	 i;

	g_start_redis();
	g_path(out, sizeof(out), "opt.out");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		cr_expect_eq(g_run(out, 5000, 2, cases[i][0], cases[i][1],
		    cases[i][2], cases[i][3], (char *)NULL), 2,
		    "%s %s: not exit 2", cases[i][0],
		    cases[i][1] != NULL ? cases[i][1] : "");
		cr_expect_gt(g_count_in(out, cases[i][4]), 0,
		    "case %zu: the message does not name %s", i,
		    cases[i][4]);
		cr_expect_gt(g_count_in(out, "usage: replytime-gen"), 0);
	}
	cr_expect_eq(g_run(out, 5000, 0, "--help", (char *)NULL), 0);
	cr_expect_gt(g_count_in(out, "--median-response"), 0);
}

/*
 * Redis unreachable: a backlog exits 1 naming the server; a live run
 * keeps trying, says so once and still ends at --duration.
 */
Test(gen, unreachable_redis)
{
	struct sockaddr_in	 sin;
	socklen_t		 slen = sizeof(sin);
	struct rusage		 ru;
	char			 out[PATH_MAX], port[16], want[64];
	int64_t			 m0;
	pid_t			 pid;
	int			 fd;

	memset(&ru, 0, sizeof(ru));
	g_start_redis();
	g_path(out, sizeof(out), "down.out");
	/*
	 * A port bound but not listening refuses connections, and no test
	 * running alongside can start a server on it meanwhile.
	 */
	cr_assert_geq(fd = socket(AF_INET, SOCK_STREAM, 0), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	cr_assert_eq(getsockname(fd, (struct sockaddr *)&sin, &slen), 0);
	snprintf(port, sizeof(port), "%d", ntohs(sin.sin_port));
	cr_expect_eq(g_run(out, 5000, 1, "-p", port, "--backlog", "1",
	    (char *)NULL), 1);
	snprintf(want, sizeof(want), "replytime-gen: redis 127.0.0.1:%s: ",
	    port);
	cr_expect_gt(g_count_in(out, want), 0, "no \"%s\"", want);
	cr_expect_gt(g_count_in(out, "Connection refused"), 0);

	m0 = now_mono_ms();
	pid = g_spawn(out, "-p", port, "--live", "--duration", "2.5",
	    (char *)NULL);
	cr_expect_eq(g_wait(pid, 6000, &ru), 0);
	cr_expect(now_mono_ms() - m0 < 4000, "took %lld ms",
	    (long long)(now_mono_ms() - m0));
	cr_expect_eq(g_count_in(out, "retrying every second"), 1);
	cr_expect_lt(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec, 1);
	close(fd);
}

/* --password-file: "password" alone authenticates; none fails. */
Test(gen, password_file)
{
	redisReply	*r;
	char		 out[PATH_MAX], pw[PATH_MAX];

	g_start_redis();
	r = redisCommand(grc, "CONFIG SET requirepass s3cret-pw");
	cr_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	g_path(pw, sizeof(pw), "pw");
	cr_assert_eq(files_write(pw, "s3cret-pw\n"), 0);
	g_path(out, sizeof(out), "pw.out");
	cr_expect_eq(g_run(out, 10000, 0, "-p", gport, "-s", "pw:events",
	    "--password-file", pw, "--backlog", "1", "--count", "100",
	    (char *)NULL), 0);
	cr_expect_eq(stream_len(grc, "pw:events"), 100);
	cr_expect_eq(g_count_in(out, "s3cret"), 0, "the password leaked");
	cr_expect_eq(g_run(out, 10000, 1, "-p", gport, "-s", "pw:events",
	    "--backlog", "1", "--count", "100", (char *)NULL), 1);
	cr_expect_gt(g_count_in(out, "NOAUTH"), 0);
}
