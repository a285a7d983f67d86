/*
 * The daemon under test as a child process: its test config, start,
 * restart, signals, bounded waits for its exit, and its log.
 */
#ifndef LIB_RDAEMON_H
#define LIB_RDAEMON_H

#include <sys/types.h>

#include <limits.h>
#include <stddef.h>

#define RDAEMON_MAX_ENV	8		/* extra daemon environment */

struct rdaemon {
	pid_t	 pid;			/* <= 0: not running */
	int	 starts;
	int	 exited;		/* status below is valid */
	int	 status;		/* exit code, or 128 + signal */
	char	 config[PATH_MAX];
	char	 log[PATH_MAX];
	int	 nenv;
	char	*env[RDAEMON_MAX_ENV];
};

const char	*rdaemon_bin(void);
int		 rdaemon_write_config(char *, size_t, const char *,
		    const char *, int, const char *);
void		 rdaemon_init(struct rdaemon *);
int		 rdaemon_start(struct rdaemon *, const char *, char *const []);
int		 rdaemon_restart(struct rdaemon *);
int		 rdaemon_alive(struct rdaemon *);
int		 rdaemon_signal(struct rdaemon *, int);
int		 rdaemon_wait_exit(struct rdaemon *, int);
void		 rdaemon_kill9(struct rdaemon *);
void		 rdaemon_cleanup(struct rdaemon *);
int		 rdaemon_log_has(const struct rdaemon *, ...)
		    __attribute__((sentinel));
void		 rdaemon_log_dump(const struct rdaemon *, size_t);

#endif
