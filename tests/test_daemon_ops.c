/*
 * The daemon in operation (replytimed(8), SIGNALS): --check-config and a
 * refused SIGHUP, systemd notifications, SIGTERM's final snapshot, the
 * consumer group created and created again, Redis passwords.
 */

#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "fixture.h"

/* The suite's fixture and timeout: TestSuite(daemon) in lib/fixture.c. */

/*
 * Runs `replytimed -c path --check-config`: its exit status, and the
 * first line it printed in msg.
 */
static int
run_check(const char *path, char *msg, size_t len)
{
	struct proc_argv	 a = { .n = 0 };
	char			 out[PATH_MAX], *buf;
	pid_t			 pid;
	int			 st;

	snprintf(out, sizeof(out), "%s/check.out", fx.srv.dir);
	unlink(out);
	proc_arg(&a, rdaemon_bin());
	proc_arg(&a, "-c");
	proc_arg(&a, path);
	proc_arg(&a, "--check-config");
	pid = proc_spawn(a.v[0], a.v, NULL, 0, out);
	proc_argv_free(&a);
	cr_assert_neq(pid, -1, "cannot run %s", rdaemon_bin());
	if (proc_reap(pid, 5000, &st) != 1) {
		kill(pid, SIGKILL);
		proc_reap(pid, 5000, NULL);
		cr_assert_fail("--check-config did not exit");
	}
	msg[0] = '\0';
	if ((buf = files_read(out)) != NULL) {
		snprintf(msg, len, "%.*s", (int)strcspn(buf, "\n"), buf);
		free(buf);
	}
	return (proc_exit_code(st));
}

struct targetwait {
	double	 within;
	int64_t	 clock;
};

static int
cond_target(void *arg)
{
	struct targetwait	*w = arg;
	json_t			*snap;
	int			 ok;

	if ((snap = snap_get(fx.rc, "cs")) == NULL)
		return (0);
	ok = json_number_value(snap_path(snap, "targets.response_within_s"))
	    == w->within && json_number_value(json_object_get(snap,
	    "clock_ms")) >= (double)w->clock;
	json_decref(snap);
	return (ok);
}

Test(daemon, bad_sighup_refused)
{
	struct stream_list	 out = { 0 };
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct fx_logwait	 lw;
	struct fx_lenwait	 len = { "cs:outcomes", 0 };
	struct targetwait tw;
	char		 path[PATH_MAX], msg[512], t1[32], t2[32], t3[32];
	char		 i1[40], i2[40], i3[40];
	int64_t		 t;

	fx_start_redis(0);
	fx_start_daemon(&fx.dm[0], "cs.json", NULL, NULL);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "the group on an empty stream");

	/* a broken file in its place; --check-config says why */
	cr_assert_eq(rdaemon_write_config(path, sizeof(path), fx.srv.dir,
	    "cs.json", fx.srv.port,
	    "\"targets\": {\"response_within_s\": -5}"), 0);
	cr_assert_eq(run_check(path, msg, sizeof(msg)), 2, "%s", msg);
	cr_assert(strstr(msg, "targets.response_within_s") != NULL, "%s",
	    msg);
	rdaemon_signal(&fx.dm[0], SIGHUP);
	lw = (struct fx_logwait){ &fx.dm[0], "reload refused", msg };
	FX_WAIT(fx_cond_log, &lw, 5000, "a log line \"reload refused\" with "
	    "\"%s\"", msg);

	/*
	 * It still reads: a 0.5 s response, slightly in the future, and a
	 * later close of another conversation to move the watermark.
	 */
	t = (now_wall_ms() / 1000 + 1) * 1000;
	snprintf(t1, sizeof(t1), "%lld", (long long)t);
	snprintf(t2, sizeof(t2), "%lld", (long long)(t + 500));
	snprintf(t3, sizeof(t3), "%lld", (long long)(t + 4 * S));
	snprintf(i1, sizeof(i1), "%s-0", t1);
	snprintf(i2, sizeof(i2), "%s-0", t2);
	snprintf(i3, sizeof(i3), "%s-0", t3);
	cr_assert_eq(stream_add(fx.rc, "cs:events", i1, NULL, 0,
	    "conversation", "r1", "role", "customer", "ts", t1,
	    (char *)NULL), 0);
	cr_assert_eq(stream_add(fx.rc, "cs:events", i2, NULL, 0,
	    "conversation", "r1", "role", "agent", "agent", "ann", "ts", t2,
	    (char *)NULL), 0);
	cr_assert_eq(stream_add(fx.rc, "cs:events", i3, NULL, 0,
	    "conversation", "zz-1", "type", "close", "ts", t3,
	    (char *)NULL), 0);
	len.n = 1;
	FX_WAIT(fx_cond_len, &len, 5000,
	    "the response after the refused reload");
	tw = (struct targetwait){ 180, t + 2 * S };
	FX_WAIT(cond_target, &tw, 5000, "a snapshot still with the old target");

	/* a good file: the new target holds for new waits */
	cr_assert_eq(rdaemon_write_config(path, sizeof(path), fx.srv.dir,
	    "cs.json", fx.srv.port,
	    "\"targets\": {\"response_within_s\": 60}"), 0);
	cr_assert_eq(run_check(path, msg, sizeof(msg)), 0, "%s", msg);
	rdaemon_signal(&fx.dm[0], SIGHUP);
	lw = (struct fx_logwait){ &fx.dm[0], "reloaded", NULL };
	FX_WAIT(fx_cond_log, &lw, 5000, "a log line \"reloaded\"");
	tw = (struct targetwait){ 60, 0 };
	FX_WAIT(cond_target, &tw, 5000, "a snapshot with the new target");
	/* ahead of both the watermark (t + 2 s) and the wall clock */
	t = t + 5 * S > now_wall_ms() + S ? t + 5 * S : now_wall_ms() + S;
	snprintf(t1, sizeof(t1), "%lld", (long long)t);
	snprintf(t3, sizeof(t3), "%lld", (long long)(t + 64 * S));
	snprintf(i1, sizeof(i1), "%s-0", t1);
	snprintf(i3, sizeof(i3), "%s-0", t3);
	cr_assert_eq(stream_add(fx.rc, "cs:events", i1, NULL, 0,
	    "conversation", "r2", "role", "customer", "ts", t1,
	    (char *)NULL), 0);
	cr_assert_eq(stream_add(fx.rc, "cs:events", i3, NULL, 0,
	    "conversation", "zz-2", "type", "close", "ts", t3,
	    (char *)NULL), 0);
	len.n = 3;
	FX_WAIT(fx_cond_len, &len, 5000, "r2's breach and miss");
	cr_assert_eq(stream_read(fx.rc, "cs:outcomes", &out), 0);
	cr_assert_eq(out.n, 3);
	cr_expect_str_eq(stream_field(&out.e[0], "kind"), "response");
	cr_expect_str_eq(stream_field(&out.e[0], "wait_ms"), "500");
	cr_expect_str_eq(stream_field(&out.e[1], "conversation"), "r2");
	cr_expect_str_eq(stream_field(&out.e[1], "kind"), "frt_breached");
	cr_expect_str_eq(stream_field(&out.e[1], "wait_ms"), "30000");
	cr_expect_str_eq(stream_field(&out.e[2], "conversation"), "r2");
	cr_expect_str_eq(stream_field(&out.e[2], "kind"), "missed");
	cr_expect_str_eq(stream_field(&out.e[2], "wait_ms"), "60000",
	    "missed after the reloaded 60 s");
	snprintf(t1, sizeof(t1), "%lld", (long long)(t + 60 * S));
	cr_expect_str_eq(stream_field(&out.e[2], "ts_ms"), t1);
	cr_expect(rdaemon_alive(&fx.dm[0]));
	stream_list_free(&out);
	fx.done = 1;
}

/*
 * One producer whose clock runs 290 s fast, in live traffic (contract
 * section 2): its event waits for its stamp, but the clock follows the
 * time Redis received it, so the honest conversations around it keep
 * their true waits and nothing is dead-lettered as late.
 */
Test(daemon, fast_producer_poisons_nothing)
{
	struct stream_list	 out = { 0 }, dead = { 0 };
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct fx_lenwait	 len = { "cs:outcomes", 2 };
	char			 t0[32], t1[32], tf[32], t2[32], t3[32];
	int64_t			 t;
	size_t			 i;

	fx_start_redis(0);
	fx_start_daemon(&fx.dm[0], "cs.json", NULL, NULL);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "the group on an empty stream");
	t = now_wall_ms();
	snprintf(t0, sizeof(t0), "%lld", (long long)t);
	snprintf(tf, sizeof(tf), "%lld", (long long)(t + 290 * S));
	snprintf(t1, sizeof(t1), "%lld", (long long)(t + S));
	snprintf(t2, sizeof(t2), "%lld", (long long)(t + 2 * S));
	snprintf(t3, sizeof(t3), "%lld", (long long)(t + 3 * S));
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
	    "conversation", "h1", "role", "customer", "ts", t0,
	    (char *)NULL), 0);
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
	    "conversation", "fast", "role", "customer", "ts", tf,
	    (char *)NULL), 0);
	FX_WAIT(fx_cond_caught_up, &cu, 5000, "the fast event read");
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
	    "conversation", "h1", "role", "agent", "agent", "ann", "ts", t1,
	    (char *)NULL), 0);
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
	    "conversation", "h2", "role", "customer", "ts", t2,
	    (char *)NULL), 0);
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", NULL, 0,
	    "conversation", "h2", "role", "agent", "agent", "bob", "ts", t3,
	    (char *)NULL), 0);
	FX_WAIT(fx_cond_len, &len, 10000, "the two honest responses");
	cr_assert_eq(stream_read(fx.rc, "cs:outcomes", &out), 0);
	cr_expect_eq(out.n, 2, "%zu outcomes", out.n);
	for (i = 0; i < out.n; i++) {
		cr_expect_str_eq(stream_field(&out.e[i], "kind"), "response");
		cr_expect_str_eq(stream_field(&out.e[i], "wait_ms"), "1000");
	}
	cr_assert_eq(stream_read(fx.rc, "cs:events:dead", &dead), 0);
	cr_expect_eq(dead.n, 0, "%zu dead letters, the first %s", dead.n,
	    dead.n > 0 ? stream_field(&dead.e[0], "error") : "");
	stream_list_free(&out);
	stream_list_free(&dead);
	fx.done = 1;
}

/* The systemd side: lines received on the socket, kept for messages. */
static char	 ntext[4096];

static int
notify_open(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return (-1);
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		close(fd);
		return (-1);
	}
	ntext[0] = '\0';
	return (fd);
}

/*
 * Reads datagrams for up to timeout_ms: returns at the first line equal
 * to want, or counts them all when count is not NULL.
 */
static int
notify_read(int fd, const char *want, int timeout_ms, int *count)
{
	struct pollfd	 pfd = { fd, POLLIN, 0 };
	int64_t		 end = now_mono_ms() + timeout_ms, left;
	ssize_t		 n;
	char		 buf[1024], *line, *nl;
	size_t		 len;

	while ((left = end - now_mono_ms()) > 0) {
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) <= 0)
			continue;
		buf[n] = '\0';
		for (line = buf; line != NULL; line = nl) {
			if ((nl = strchr(line, '\n')) != NULL)
				*nl++ = '\0';
			if (*line == '\0')
				continue;
			len = strlen(ntext);
			if (len + strlen(line) + 3 < sizeof(ntext))
				snprintf(ntext + len, sizeof(ntext) - len,
				    "%s%s", len > 0 ? " " : "", line);
			if (strcmp(line, want) != 0)
				continue;
			if (count == NULL)
				return (1);
			(*count)++;
		}
	}
	return (count != NULL && *count > 0);
}

Test(daemon, notify)
{
	char	 sock[PATH_MAX], env0[PATH_MAX + 16];
	char	 env1[] = "WATCHDOG_USEC=200000";
	char	*env[] = { env0, env1, NULL };
	int	 n = 0;

	fx_start_redis(0);
	snprintf(sock, sizeof(sock), "%s/notify.sock", fx.srv.dir);
	cr_assert_neq(fx.nfd = notify_open(sock), -1, "%s: %s", sock,
	    strerror(errno));
	snprintf(env0, sizeof(env0), "NOTIFY_SOCKET=%s", sock);
	fx_start_daemon(&fx.dm[0], "cs.json", NULL, env);
	cr_assert(notify_read(fx.nfd, "READY=1", 10000, NULL),
	    "no READY=1; received: %s", ntext);

	/* WATCHDOG_USEC 200 ms: a ping every 100 ms */
	notify_read(fx.nfd, "WATCHDOG=1", 1000, &n);
	cr_expect_geq(n, 2, "%d WATCHDOG=1 in a second; received: %s", n,
	    ntext);

	ntext[0] = '\0';
	rdaemon_signal(&fx.dm[0], SIGHUP);
	cr_expect(notify_read(fx.nfd, "RELOADING=1", 5000, NULL),
	    "no RELOADING=1 after SIGHUP; received: %s", ntext);
	cr_expect(notify_read(fx.nfd, "READY=1", 5000, NULL),
	    "no READY=1 after RELOADING=1; received: %s", ntext);

	ntext[0] = '\0';
	rdaemon_signal(&fx.dm[0], SIGTERM);
	cr_expect(notify_read(fx.nfd, "STOPPING=1", 5000, NULL),
	    "no STOPPING=1 after SIGTERM; received: %s", ntext);
	cr_expect_eq(rdaemon_wait_exit(&fx.dm[0], 5000), 0, "SIGTERM: %s",
	    fx_dstate(&fx.dm[0]));
	fx.done = 1;
}

Test(daemon, sigterm_exits_zero_with_final_snapshot)
{
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct fx_lenwait	 len = { "cs:outcomes", 3 };
	json_t			*snap;
	redisReply		*r;
	char			 t[3][32], id[3][48], last[48];
	long long		 pending = -1;
	int64_t			 base, clock;
	int			 i;

	/* c1 answered in 20 s; c2 waiting since base + 100 s */
	base = (now_wall_ms() / 1000 - 1800) * 1000;
	for (i = 0; i < 3; i++) {
		snprintf(t[i], sizeof(t[i]), "%lld", (long long)(base +
		    (i == 0 ? 0 : i == 1 ? 20 * S : 100 * S)));
		snprintf(id[i], sizeof(id[i]), "%s-0", t[i]);
	}
	fx_start_redis(0);
	cr_assert_eq(stream_add(fx.rc, "cs:events", id[0], NULL, 0,
	    "conversation", "c1", "role", "customer", "ts", t[0],
	    (char *)NULL), 0);
	cr_assert_eq(stream_add(fx.rc, "cs:events", id[1], NULL, 0,
	    "conversation", "c1", "role", "agent", "agent", "ann", "ts", t[1],
	    (char *)NULL), 0);
	cr_assert_eq(stream_add(fx.rc, "cs:events", id[2], NULL, 0,
	    "conversation", "c2", "role", "customer", "team", "sales", "ts",
	    t[2], (char *)NULL), 0);

	/* snapshots once a minute: the one after SIGTERM is the final one */
	fx_start_daemon(&fx.dm[0], "cs.json",
	    "\"publish\": {\"interval_ms\": 60000}", NULL);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "reading");
	FX_WAIT(fx_cond_len, &len, 5000, "c1's response, c2's breach and miss");
	clk_sleep_ms(200);
	r = redisCommand(fx.rc, "DEL cs:snapshot");
	cr_assert_not_null(r);
	freeReplyObject(r);
	rdaemon_signal(&fx.dm[0], SIGTERM);
	cr_assert_eq(rdaemon_wait_exit(&fx.dm[0], 5000), 0,
	    "no exit 0 within 5 s of SIGTERM (daemon %s)",
	    fx_dstate(&fx.dm[0]));

	snap = snap_get(fx.rc, "cs");
	cr_assert_not_null(snap, "no final snapshot");
	clock = (int64_t)json_number_value(json_object_get(snap, "clock_ms"));
	cr_expect_geq(clock, base + 280 * S);
	cr_expect_eq(json_integer_value(snap_path(snap,
	    "global.windows.86400.responses")), 1);
	cr_expect_eq(json_integer_value(snap_path(snap,
	    "global.windows.86400.frt_breached")), 1);
	cr_expect_eq(json_integer_value(snap_path(snap,
	    "global.windows.86400.missed")), 1);
	cr_expect_eq(json_integer_value(snap_path(snap, "global.waiting")),
	    1);
	cr_expect_eq(json_integer_value(snap_path(snap,
	    "teams.sales.waiting")), 1);
	cr_expect_float_eq(json_number_value(snap_path(snap,
	    "global.oldest_wait_s")), (double)(clock - base - 100 * S) / 1000,
	    1e-3);
	json_decref(snap);

	/* everything read was acknowledged */
	cr_expect_eq(stream_group_info(fx.rc, "cs:events", "replytimed",
	    &pending, last, sizeof(last)), 0);
	cr_expect_eq(pending, 0);
	cr_expect_str_eq(last, id[2]);
	fx.done = 1;
}

static int
cond_group(void *arg)
{
	struct rdaemon	*d = arg;

	if (stream_group_info(fx.rc, "cs:events", "replytimed", NULL, NULL,
	    0) == 0)
		return (1);
	return (rdaemon_alive(d) ? 0 : -1);
}

static int
cond_consumer(void *arg)
{
	redisReply	*r;
	size_t		 i, j;
	int		 found = 0;

	(void)arg;
	r = redisCommand(fx.rc, "XINFO CONSUMERS cs:events replytimed");
	for (i = 0; r != NULL && r->type == REDIS_REPLY_ARRAY &&
	    i < r->elements; i++)
		for (j = 0; j + 1 < r->element[i]->elements; j += 2)
			if (strcmp(r->element[i]->element[j]->str,
			    "name") == 0 && strcmp(r->element[i]->
			    element[j + 1]->str, "test") == 0)
				found = 1;
	if (r != NULL)
		freeReplyObject(r);
	return (found);
}

Test(daemon, group_created_with_mkstream)
{
	struct fx_cu	 cu = { "cs", &fx.dm[0] };
	redisReply	*r;
	char		 id[48];

	fx_start_redis(0);
	r = redisCommand(fx.rc, "EXISTS cs:events");
	cr_assert(r != NULL && r->type == REDIS_REPLY_INTEGER &&
	    r->integer == 0);
	freeReplyObject(r);
	fx_start_daemon(&fx.dm[0], "cs.json", NULL, NULL);
	FX_WAIT(cond_group, &fx.dm[0], 10000, "group replytimed on cs:events");
	r = redisCommand(fx.rc, "TYPE cs:events");
	cr_assert_not_null(r);
	cr_expect_str_eq(r->str, "stream");
	freeReplyObject(r);
	cr_expect_eq(fx_xlen("cs:events"), 0);
	FX_WAIT(cond_consumer, NULL, 5000, "consumer \"test\" in the group");

	/* and it reads through it */
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c1", "role", "customer", (char *)NULL), 0);
	FX_WAIT(fx_cond_caught_up, &cu, 5000, "reading %s", id);
	cr_expect(rdaemon_alive(&fx.dm[0]));
	fx.done = 1;
}

Test(daemon, stream_deleted_group_recreated)
{
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct fx_logwait	 lw = { &fx.dm[0], "creating it again", NULL };
	redisReply		*r;
	char			 id[48], *log, *p;
	int			 n = 0;

	fx_start_redis(0);
	fx_start_daemon(&fx.dm[0], "cs.json", NULL, NULL);
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c1", "role", "customer", (char *)NULL), 0);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "reading %s", id);
	r = redisCommand(fx.rc, "DEL cs:events");
	freeReplyObject(r);
	FX_WAIT(fx_cond_log, &lw, 10000, "the group recreated");
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c2", "role", "customer", (char *)NULL), 0);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "reading %s after", id);
	clk_sleep_ms(1500);
	cr_expect(rdaemon_alive(&fx.dm[0]));
	/* said once, not in a loop */
	log = files_read(fx.dm[0].log);
	cr_assert_not_null(log);
	for (p = log; (p = strstr(p, "creating it again")) != NULL; p++)
		n++;
	cr_expect_eq(n, 1, "said %d times", n);
	free(log);
	fx.done = 1;
}

/* Writes a password file in the test directory; returns its path. */
static void
write_secret(char *path, size_t len, const char *name, const char *text)
{
	FILE	*f;

	snprintf(path, len, "%s/%s", fx.srv.dir, name);
	cr_assert_not_null(f = fopen(path, "w"));
	fputs(text, f);
	fclose(f);
}

Test(daemon, password_file_and_acl_user)
{
	struct fx_cu		 cu = { "cs", &fx.dm[0] };
	struct fx_logwait	 lw = { &fx.dm[0],
	    "authentication refused", NULL };
	redisReply		*r;
	char			 bad[PATH_MAX], good[PATH_MAX], acl[PATH_MAX];
	char			 extra[PATH_MAX + 64], id[48], *log;

	fx_start_redis(0);
	/* this connection stays authenticated; new ones need a password */
	r = redisCommand(fx.rc, "CONFIG SET requirepass hunter2-secret");
	cr_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	r = redisCommand(fx.rc,
	    "ACL SETUSER board on >board-secret ~* &* +@all");
	cr_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	write_secret(bad, sizeof(bad), "bad", "not-the-secret\n");
	write_secret(good, sizeof(good), "good", "hunter2-secret\n");
	write_secret(acl, sizeof(acl), "acl", "board board-secret\n");

	/* refused: said once, retried, the secret never logged */
	snprintf(extra, sizeof(extra),
	    "\"redis\": {\"password_file\": \"%s\"}", bad);
	fx_start_daemon(&fx.dm[0], "bad.json", extra, NULL);
	FX_WAIT(fx_cond_log, &lw, 10000, "the refusal in the log");
	cr_expect(rdaemon_alive(&fx.dm[0]), "a refused password is not fatal");
	rdaemon_signal(&fx.dm[0], SIGTERM);
	cr_expect_eq(rdaemon_wait_exit(&fx.dm[0], 10000), 0);
	log = files_read(fx.dm[0].log);
	cr_assert_not_null(log);
	cr_expect_null(strstr(log, "not-the-secret"), "the secret was logged");
	free(log);

	/* an ACL user and password */
	snprintf(extra, sizeof(extra),
	    "\"redis\": {\"password_file\": \"%s\"}", acl);
	fx_start_daemon(&fx.dm[1], "acl.json", extra, NULL);
	cu.d = &fx.dm[1];
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c1", "role", "customer", (char *)NULL), 0);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "reading %s as board", id);
	rdaemon_signal(&fx.dm[1], SIGTERM);
	cr_expect_eq(rdaemon_wait_exit(&fx.dm[1], 10000), 0);

	/* the default user's password */
	snprintf(extra, sizeof(extra),
	    "\"redis\": {\"password_file\": \"%s\"}", good);
	fx_start_daemon(&fx.dm[2], "good.json", extra, NULL);
	cu.d = &fx.dm[2];
	cr_assert_eq(stream_add(fx.rc, "cs:events", "*", id, sizeof(id),
	    "conversation", "c2", "role", "customer", (char *)NULL), 0);
	FX_WAIT(fx_cond_caught_up, &cu, 10000, "reading %s", id);
	log = files_read(fx.dm[2].log);
	cr_assert_not_null(log);
	cr_expect_null(strstr(log, "hunter2"), "the secret was logged");
	free(log);
	fx.done = 1;
}
