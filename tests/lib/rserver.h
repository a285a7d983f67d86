/*
 * A real redis-server for a test: a free loopback port, a temporary
 * directory that goes away even when the test dies, restarts in place.
 */
#ifndef LIB_RSERVER_H
#define LIB_RSERVER_H

#include <sys/types.h>

#include <hiredis/hiredis.h>

#define RSERVER_MAX_EXTRA	16	/* extra redis-server arguments */

struct rserver {
	pid_t	 pid;			/* <= 0: not running */
	pid_t	 guard;			/* removes dir if the test dies */
	int	 guardfd;
	int	 port;
	char	 dir[64];
	int	 nextra;
	char	*extra[RSERVER_MAX_EXTRA];
};

void		 rserver_init(struct rserver *);
int		 rserver_start(struct rserver *, ...)
		    __attribute__((sentinel));
void		 rserver_stop(struct rserver *);
int		 rserver_restart(struct rserver *);
redisContext	*rserver_connect(const struct rserver *);
void		 rserver_cleanup(struct rserver *);

#endif
