/*
 * The fixture of the integration suites: one redis-server, up to
 * NDAEMON daemons and a client, all torn down after every test, even a
 * failed one.
 */
#ifndef DAEMON_FIXTURE_H
#define DAEMON_FIXTURE_H

#include "redis_harness.h"

#define S	1000LL			/* ms in a second */
#define MIN	(60 * S)
#define NDAEMON	3

static struct rserver	 srv;
static struct rdaemon	 dm[NDAEMON];
static redisContext	*rc;
static int		 nfd = -1;
static int		 done;		/* the test body ran to its end */

static inline void
setup(void)
{
	int	 i;

	memset(&srv, 0, sizeof(srv));
	srv.pid = srv.guard = -1;
	srv.guardfd = -1;
	for (i = 0; i < NDAEMON; i++) {
		memset(&dm[i], 0, sizeof(dm[i]));
		dm[i].pid = -1;
	}
	rc = NULL;
	nfd = -1;
	done = 0;
}

/* Runs after a failed assertion too: nothing may outlive the test. */
static inline void
teardown(void)
{
	int	 i;

	for (i = 0; i < NDAEMON; i++) {
		if (!done || getenv("REPLYTIMED_TEST_LOGS") != NULL)
			daemon_log_dump(&dm[i], 4096);
		daemon_cleanup(&dm[i]);
	}
	if (nfd != -1)
		close(nfd);
	if (rc != NULL)
		redisFree(rc);
	rserver_cleanup(&srv);
}

static inline void
start_redis(int aof)
{
	int	 r;

	if (aof)
		r = rserver_start(&srv, "--appendonly", "yes",
		    "--appendfsync", "always", (char *)NULL);
	else
		r = rserver_start(&srv, (char *)NULL);
	cr_assert_eq(r, 0, "redis-server did not start (in %s)", srv.dir);
	rc = rserver_connect(&srv);
	cr_assert_not_null(rc, "cannot connect to redis-server");
}

static inline void
start_daemon(struct rdaemon *d, const char *name, const char *extra,
    char *const env[])
{
	char	 path[PATH_MAX];

	cr_assert_eq(write_config(path, sizeof(path), srv.dir, name,
	    srv.port, extra), 0, "cannot write %s", name);
	cr_assert_eq(daemon_start(d, path, env), 0, "cannot start %s: %s",
	    rh_daemon_bin(), strerror(errno));
}

/* Waits for cond or fails the test, saying what it waited for. */
#define WAIT(cond, arg, ms, ...) do {					\
	char	 wait_what_[1024];					\
	int	 wait_r_ = wait_until((cond), (arg), (ms));		\
	if (wait_r_ != 1) {						\
		snprintf(wait_what_, sizeof(wait_what_), __VA_ARGS__);	\
		cr_assert_fail("%s waiting for %s", wait_r_ == 0 ?	\
		    "timed out" : "the daemon exited", wait_what_);	\
	}								\
} while (0)

struct cu {
	const char	*prefix;
	struct rdaemon	*d;
};

static inline int
cond_caught_up(void *arg)
{
	struct cu	*a = arg;

	if (a->d != NULL && !daemon_alive(a->d))
		return (-1);
	return (caught_up(rc, a->prefix));
}

static inline int
wait_settled(const char *prefix, int64_t min_clock, long long min_outcomes,
    struct rdaemon *d, int ms)
{
	struct settle	 s = { rc, prefix, min_clock, min_outcomes, d };

	return (wait_until(settled, &s, ms));
}

/* "running" or "exited with N" (128 + signal), for messages. */
static inline const char *
dstate(struct rdaemon *d)
{
	static char	 buf[64];

	if (daemon_alive(d))
		return ("running");
	if (!d->exited)
		return ("not started");
	snprintf(buf, sizeof(buf), "exited with %d", d->status);
	return (buf);
}

#endif
