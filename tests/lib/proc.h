/*
 * Child processes for the tests: an argument vector of copies, a spawn
 * that reports a failed exec, bounded waits.
 */
#ifndef LIB_PROC_H
#define LIB_PROC_H

#include <sys/types.h>

#define PROC_MAX_ARGS	40		/* an argument vector's capacity */
#define PROC_STOP_MS	5000		/* SIGTERM, then SIGKILL */

/* Argument vectors are built from copies: exec wants char *const []. */
struct proc_argv {
	char	*v[PROC_MAX_ARGS];
	int	 n;
};

void	proc_arg(struct proc_argv *, const char *);
void	proc_argv_free(struct proc_argv *);
pid_t	proc_spawn(const char *, char *const [], char *const [], int,
	    const char *);
int	proc_reap(pid_t, int, int *);
int	proc_exit_code(int);
void	proc_close_fds(int);

#endif
