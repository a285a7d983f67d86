/*
 * The fixture of the integration suites: one redis-server, up to
 * FX_NDAEMON daemons and a client, all torn down after every test, even
 * a failed one.  The one header such a suite includes.
 */
#ifndef LIB_FIXTURE_H
#define LIB_FIXTURE_H

#include <stdint.h>
#include <stdio.h>

#include <criterion/criterion.h>
#include <hiredis/hiredis.h>
#include <jansson.h>

#include "clock.h"
#include "files.h"
#include "proc.h"
#include "rdaemon.h"
#include "rserver.h"
#include "snap.h"
#include "stream.h"

#define S		1000LL		/* ms in a second */
#define MIN		(60 * S)
#define FX_NDAEMON	3

struct fixture {
	struct rserver	 srv;
	struct rdaemon	 dm[FX_NDAEMON];
	redisContext	*rc;		/* the test's own connection */
	int		 nfd;		/* a socket to close, or -1 */
	int		 done;		/* the test body ran to its end */
};

extern struct fixture	 fx;

/* Waits for cond or fails the test, saying what it waited for. */
#define FX_WAIT(cond, arg, ms, ...) do {				\
	char	 wait_what_[1024];					\
	int	 wait_r_ = clk_wait((cond), (arg), (ms));		\
	if (wait_r_ != 1) {						\
		snprintf(wait_what_, sizeof(wait_what_), __VA_ARGS__);	\
		cr_assert_fail("%s waiting for %s", wait_r_ == 0 ?	\
		    "timed out" : "the daemon exited", wait_what_);	\
	}								\
} while (0)

/* fx_cond_caught_up: the group on <prefix>:events has read it all. */
struct fx_cu {
	const char	*prefix;
	struct rdaemon	*d;		/* give up when it exits; or NULL */
};

/* fx_cond_log: one line of d's log holds a and b (b may be NULL). */
struct fx_logwait {
	struct rdaemon	*d;
	const char	*a;
	const char	*b;
};

/* fx_cond_len: the stream key holds at least n entries. */
struct fx_lenwait {
	const char	*key;
	long long	 n;
};

void		 fx_setup(void);
void		 fx_teardown(void);
void		 fx_start_redis(int);
void		 fx_start_daemon(struct rdaemon *, const char *, const char *,
		    char *const []);
long long	 fx_xlen(const char *);
int		 fx_cond_caught_up(void *);
int		 fx_cond_log(void *);
int		 fx_cond_len(void *);
int		 fx_wait_settled(const char *, int64_t, long long,
		    struct rdaemon *, int);
const char	*fx_dstate(struct rdaemon *);

#endif
