/*
 * The fixture of the integration suites: one redis-server, up to
 * FX_NDAEMON daemons and a client, all torn down after every test, even
 * a failed one.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>

#include "fixture.h"

/* Each test runs in a process of its own: one fixture is enough. */
struct fixture	 fx;

/*
 * The suites on this fixture, declared once for the files that share
 * them: daemon in tests/test_daemon_*.c, web in tests/test_web.c.
 */
TestSuite(daemon, .init = fx_setup, .fini = fx_teardown, .timeout = 300);
TestSuite(web, .init = fx_setup, .fini = fx_teardown, .timeout = 300);

/* The suites' .init: nothing running yet. */
void
fx_setup(void)
{
	int	 i;

	rserver_init(&fx.srv);
	for (i = 0; i < FX_NDAEMON; i++)
		rdaemon_init(&fx.dm[i]);
	fx.rc = NULL;
	fx.nfd = -1;
	fx.done = 0;
}

/* The suites' .fini, after a failed assertion too: nothing may outlive. */
void
fx_teardown(void)
{
	int	 i;

	for (i = 0; i < FX_NDAEMON; i++) {
		if (!fx.done || getenv("REPLYTIMED_TEST_LOGS") != NULL)
			rdaemon_log_dump(&fx.dm[i], 4096);
		rdaemon_cleanup(&fx.dm[i]);
	}
	if (fx.nfd != -1)
		close(fx.nfd);
	if (fx.rc != NULL)
		redisFree(fx.rc);
	rserver_cleanup(&fx.srv);
}

/* Starts the server (an AOF synced on every write if aof), connects. */
void
fx_start_redis(int aof)
{
	int	 r;

	if (aof)
		r = rserver_start(&fx.srv, "--appendonly", "yes",
		    "--appendfsync", "always", (char *)NULL);
	else
		r = rserver_start(&fx.srv, (char *)NULL);
	cr_assert_eq(r, 0, "redis-server did not start (in %s)", fx.srv.dir);
	fx.rc = rserver_connect(&fx.srv);
	cr_assert_not_null(fx.rc, "cannot connect to redis-server");
}

/* Writes the config name in the server's directory and starts d on it. */
void
fx_start_daemon(struct rdaemon *d, const char *name, const char *extra,
    char *const env[])
{
	char	 path[PATH_MAX];

	cr_assert_eq(rdaemon_write_config(path, sizeof(path), fx.srv.dir,
	    name, fx.srv.port, extra), 0, "cannot write %s", name);
	cr_assert_eq(rdaemon_start(d, path, env), 0, "cannot start %s: %s",
	    rdaemon_bin(), strerror(errno));
}

/* XLEN on the test's connection. */
long long
fx_xlen(const char *key)
{
	return (stream_len(fx.rc, key));
}

/* A clk_wait condition on a struct fx_cu. */
int
fx_cond_caught_up(void *arg)
{
	struct fx_cu	*a = arg;

	if (a->d != NULL && !rdaemon_alive(a->d))
		return (-1);
	return (stream_caught_up(fx.rc, a->prefix));
}

/* A clk_wait condition on a struct fx_logwait. */
int
fx_cond_log(void *arg)
{
	struct fx_logwait	*w = arg;

	if (rdaemon_log_has(w->d, w->a, w->b, (char *)NULL))
		return (1);
	return (rdaemon_alive(w->d) ? 0 : -1);
}

/* A clk_wait condition on a struct fx_lenwait. */
int
fx_cond_len(void *arg)
{
	struct fx_lenwait	*w = arg;

	return (fx_xlen(w->key) >= w->n);
}

/* Waits for snap_settled on prefix: 1, 0 on a timeout, -1 if d exited. */
int
fx_wait_settled(const char *prefix, int64_t min_clock,
    long long min_outcomes, struct rdaemon *d, int ms)
{
	struct snap_settle	 s = { fx.rc, prefix, min_clock, min_outcomes,
				    d };

	return (clk_wait(snap_settled, &s, ms));
}

/* "running" or "exited with N" (128 + signal), for messages. */
const char *
fx_dstate(struct rdaemon *d)
{
	static char	 buf[64];

	if (rdaemon_alive(d))
		return ("running");
	if (!d->exited)
		return ("not started");
	snprintf(buf, sizeof(buf), "exited with %d", d->status);
	return (buf);
}
