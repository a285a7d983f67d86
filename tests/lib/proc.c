/*
 * Child processes for the tests: an argument vector of copies, a spawn
 * that reports a failed exec, bounded waits.
 */

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "proc.h"

/* Appends a copy of s; the vector stays NULL-terminated. */
void
proc_arg(struct proc_argv *a, const char *s)
{
	if (a->n < (int)(sizeof(a->v) / sizeof(a->v[0])) - 1)
		a->v[a->n++] = strdup(s);
	a->v[a->n] = NULL;
}

void
proc_argv_free(struct proc_argv *a)
{
	int	 i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* Closes every descriptor from 3 up, except keep. */
void
proc_close_fds(int keep)
{
	long	 fd, max;

	if (keep < 3) {
		if (close_range(3, ~0U, 0) == 0)
			return;
	} else if ((keep == 3 || close_range(3, keep - 1, 0) == 0) &&
	    close_range(keep + 1, ~0U, 0) == 0)
		return;
	if ((max = sysconf(_SC_OPEN_MAX)) < 0 || max > 65536)
		max = 65536;
	for (fd = 3; fd < max; fd++)
		if (fd != keep)
			close((int)fd);
}

/* A wait status as a shell says it: the exit code, or 128 + signal. */
int
proc_exit_code(int st)
{
	if (WIFEXITED(st))
		return (WEXITSTATUS(st));
	if (WIFSIGNALED(st))
		return (128 + WTERMSIG(st));
	return (-1);
}

/* Reaps pid within timeout_ms: 1 reaped, 0 still running, -1 error. */
int
proc_reap(pid_t pid, int timeout_ms, int *status)
{
	int64_t	 end = now_mono_ms() + timeout_ms;
	pid_t	 r;
	int	 st;

	for (;;) {
		r = waitpid(pid, &st, WNOHANG);
		if (r == pid) {
			if (status != NULL)
				*status = st;
			return (1);
		}
		if (r == -1 && errno != EINTR)
			return (-1);
		if (now_mono_ms() >= end)
			return (0);
		clk_sleep_ms(10);
	}
}

/*
 * The child side of proc_spawn: a clean signal state, killed with its
 * parent, output to a file, no inherited descriptors.  Only system calls
 * between fork and exec.
 */
static void __attribute__((noreturn))
proc_child(const char *path, char *const argv[], char *const envp[],
    const char *out, int errfd, pid_t parent)
{
	static const int sigs[] = { SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGPIPE,
	    SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2 };
	sigset_t	 set;
	size_t		 i;
	int		 fd, err;

	sigemptyset(&set);
	sigprocmask(SIG_SETMASK, &set, NULL);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGKILL) == -1 || getppid() != parent)
		_exit(126);
	if ((fd = open("/dev/null", O_RDONLY)) != -1) {
		dup2(fd, 0);
		if (fd != 0)
			close(fd);
	}
	if ((fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	proc_close_fds(errfd);
	execvpe(path, argv, envp);
	err = errno;
	if (write(errfd, &err, sizeof(err)) == -1)
		_exit(127);
	_exit(127);
}

static int
proc_systemd_var(const char *e)
{
	static const char *const vars[] = { "NOTIFY_SOCKET=", "WATCHDOG_USEC=",
	    "WATCHDOG_PID=", "LISTEN_FDS=", "LISTEN_PID=", "LISTEN_FDNAMES=" };
	size_t	 i;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (strncmp(e, vars[i], strlen(vars[i])) == 0)
			return (1);
	return (0);
}

/*
 * Forks and execs argv with stdout and stderr appended to out, the
 * environment without any systemd variable plus extra.  Returns the pid,
 * or -1 with errno set when the exec failed.
 */
pid_t
proc_spawn(const char *path, char *const argv[], char *const extra[],
    int nextra, const char *out)
{
	char	**envp;
	pid_t	 pid, parent = getpid();
	size_t	 n = 0, k = 0;
	ssize_t	 r;
	int	 p[2], err = 0, i;

	while (environ[n] != NULL)
		n++;
	if ((envp = calloc(n + (size_t)nextra + 1, sizeof(*envp))) == NULL)
		return (-1);
	for (n = 0; environ[n] != NULL; n++)
		if (!proc_systemd_var(environ[n]))
			envp[k++] = environ[n];
	for (i = 0; i < nextra; i++)
		envp[k++] = extra[i];
	envp[k] = NULL;
	if (pipe2(p, O_CLOEXEC) == -1) {
		free(envp);
		return (-1);
	}
	if ((pid = fork()) == -1) {
		err = errno;
		close(p[0]);
		close(p[1]);
		free(envp);
		errno = err;
		return (-1);
	}
	if (pid == 0)
		proc_child(path, argv, envp, out, p[1], parent);
	free(envp);
	close(p[1]);
	do
		r = read(p[0], &err, sizeof(err));
	while (r == -1 && errno == EINTR);
	close(p[0]);
	if (r == (ssize_t)sizeof(err)) {
		waitpid(pid, NULL, 0);
		errno = err;
		return (-1);
	}
	return (pid);
}
