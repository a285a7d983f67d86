/*
 * Integration harness: a real redis-server on a free loopback port in a
 * temporary directory, the daemon as a child process, and helpers that
 * write and read streams.  Static functions only, as the test binary
 * links every tests/test_*.c together.
 */
#ifndef REDIS_HARNESS_H
#define REDIS_HARNESS_H

#include <sys/types.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#define RH_MAX_EXTRA	16		/* extra redis-server arguments */
#define RH_MAX_ENV	8		/* extra daemon environment */
#define RH_START_MS	5000		/* redis-server must answer by then */
#define RH_STOP_MS	5000		/* SIGTERM, then SIGKILL */
#define RH_PAGE		1000		/* XRANGE page, XADD pipeline depth */

struct rserver {
	pid_t	 pid;			/* <= 0: not running */
	pid_t	 guard;			/* removes dir if the test dies */
	int	 guardfd;
	int	 port;
	char	 dir[64];
	int	 nextra;
	char	*extra[RH_MAX_EXTRA];
};

struct rdaemon {
	pid_t	 pid;			/* <= 0: not running */
	int	 starts;
	int	 exited;		/* status below is valid */
	int	 status;		/* exit code, or 128 + signal */
	char	 config[PATH_MAX];
	char	 log[PATH_MAX];
	int	 nenv;
	char	*env[RH_MAX_ENV];
};

/* One stream entry: its ID and its fields as name, value, name, ... */
struct sentry {
	char	*id;
	size_t	 nfv;
	char	**fv;
};

struct slist {
	struct sentry	*e;
	size_t		 n;
	size_t		 cap;
};

/* Argument vectors are built from copies: exec wants char *const []. */
struct rh_argv {
	char	*v[RH_MAX_EXTRA + 24];
	int	 n;
};

static inline int64_t
rh_now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static inline int64_t
rh_mono_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * A timeout stretched by $REPLYTIMED_TIME_SCALE (default 1), for a
 * daemon slowed down by valgrind.
 */
static inline int64_t
rh_scaled(int64_t ms)
{
	const char	*s = getenv("REPLYTIMED_TIME_SCALE");
	int		 k;

	if (s == NULL || (k = atoi(s)) < 1)
		return (ms);
	return (ms * k);
}

static inline void
rh_sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static inline int
rh_rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return (0);
}

/* rm -rf; a server dying at the same moment may add a file, so retry. */
static inline void
rh_rmtree(const char *dir)
{
	struct stat	 sb;
	int		 i;

	for (i = 0; i < 20; i++) {
		nftw(dir, rh_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
		if (lstat(dir, &sb) == -1)
			return;
		rh_sleep_ms(50);
	}
}

static inline void
rh_arg(struct rh_argv *a, const char *s)
{
	if (a->n < (int)(sizeof(a->v) / sizeof(a->v[0])) - 1)
		a->v[a->n++] = strdup(s);
	a->v[a->n] = NULL;
}

static inline void
rh_argv_free(struct rh_argv *a)
{
	int	 i;

	for (i = 0; i < a->n; i++)
		free(a->v[i]);
	a->n = 0;
}

/* Closes every descriptor from 3 up, except keep. */
static inline void
rh_close_fds(int keep)
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

static inline int
rh_exit_code(int st)
{
	if (WIFEXITED(st))
		return (WEXITSTATUS(st));
	if (WIFSIGNALED(st))
		return (128 + WTERMSIG(st));
	return (-1);
}

/* Reaps pid within timeout_ms: 1 reaped, 0 still running, -1 error. */
static inline int
rh_reap(pid_t pid, int timeout_ms, int *status)
{
	int64_t	 end = rh_mono_ms() + timeout_ms;
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
		if (rh_mono_ms() >= end)
			return (0);
		rh_sleep_ms(10);
	}
}

/*
 * The child side of rh_spawn: a clean signal state, killed with its
 * parent, output to a file, no inherited descriptors.  Only system calls
 * between fork and exec.
 */
static inline void __attribute__((noreturn))
rh_child(const char *path, char *const argv[], char *const envp[],
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
	rh_close_fds(errfd);
	execvpe(path, argv, envp);
	err = errno;
	if (write(errfd, &err, sizeof(err)) == -1)
		_exit(127);
	_exit(127);
}

static inline int
rh_systemd_var(const char *e)
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
static inline pid_t
rh_spawn(const char *path, char *const argv[], char *const extra[],
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
		if (!rh_systemd_var(environ[n]))
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
		rh_child(path, argv, envp, out, p[1], parent);
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

static inline int
rh_free_port(void)
{
	struct sockaddr_in	 sin;
	socklen_t		 len = sizeof(sin);
	int			 fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return (-1);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return (port);
}

/*
 * A process that removes the directory once the test process is gone,
 * however it went (a crash or a Criterion timeout skips .fini).  It
 * waits for EOF on a pipe only the test process writes to.
 */
static inline int
rh_guard_start(struct rserver *s)
{
	ssize_t	 r;
	pid_t	 pid;
	char	 c;
	int	 p[2];

	if (pipe2(p, O_CLOEXEC) == -1)
		return (-1);
	if ((pid = fork()) == -1) {
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		signal(SIGINT, SIG_IGN);
		signal(SIGTERM, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		setpgid(0, 0);
		rh_close_fds(p[0]);
		do
			r = read(p[0], &c, 1);
		while (r == -1 && errno == EINTR);
		rh_rmtree(s->dir);
		_exit(0);
	}
	close(p[0]);
	s->guard = pid;
	s->guardfd = p[1];
	return (0);
}

/* Execs redis-server on s->port and waits until it answers PING. */
static inline int
rh_rserver_spawn(struct rserver *s)
{
	struct rh_argv	 a = { .n = 0 };
	struct timeval	 tv = { 0, 200000 };
	redisContext	*c;
	redisReply	*r;
	int64_t		 end;
	char		 buf[128];
	int		 i, ok;

	snprintf(buf, sizeof(buf), "%d", s->port);
	rh_arg(&a, "redis-server");
	rh_arg(&a, "--port");
	rh_arg(&a, buf);
	rh_arg(&a, "--bind");
	rh_arg(&a, "127.0.0.1");
	rh_arg(&a, "--dir");
	rh_arg(&a, s->dir);
	rh_arg(&a, "--save");
	rh_arg(&a, "");
	rh_arg(&a, "--appendonly");
	rh_arg(&a, "no");
	rh_arg(&a, "--daemonize");
	rh_arg(&a, "no");
	rh_arg(&a, "--logfile");
	snprintf(buf, sizeof(buf), "%s/redis.log", s->dir);
	rh_arg(&a, buf);
	for (i = 0; i < s->nextra; i++)
		rh_arg(&a, s->extra[i]);
	snprintf(buf, sizeof(buf), "%s/redis.out", s->dir);
	s->pid = rh_spawn("redis-server", a.v, NULL, 0, buf);
	rh_argv_free(&a);
	if (s->pid == -1)
		return (-1);

	end = rh_mono_ms() + RH_START_MS;
	while (rh_mono_ms() < end) {
		if (rh_reap(s->pid, 0, NULL) == 1) {
			s->pid = -1;	/* the port was taken, most likely */
			return (-1);
		}
		ok = 0;
		c = redisConnectWithTimeout("127.0.0.1", s->port, tv);
		if (c != NULL && c->err == 0) {
			redisSetTimeout(c, tv);
			r = redisCommand(c, "PING");
			ok = r != NULL && r->type == REDIS_REPLY_STATUS &&
			    strcmp(r->str, "PONG") == 0;
			if (r != NULL)
				freeReplyObject(r);
		}
		if (c != NULL)
			redisFree(c);
		if (ok)
			return (0);
		rh_sleep_ms(20);
	}
	kill(s->pid, SIGKILL);
	rh_reap(s->pid, RH_STOP_MS, NULL);
	s->pid = -1;
	return (-1);
}

/*
 * Starts redis-server in a new directory under /tmp on a free loopback
 * port; the NULL-terminated arguments are added to its command line
 * (later ones win, e.g. "--appendonly", "yes").
 */
static inline int __attribute__((sentinel))
rserver_start(struct rserver *s, ...)
{
	const char	*a;
	va_list		 ap;
	int		 try;

	memset(s, 0, sizeof(*s));
	s->pid = s->guard = -1;
	s->guardfd = -1;
	va_start(ap, s);
	while ((a = va_arg(ap, const char *)) != NULL)
		if (s->nextra < RH_MAX_EXTRA)
			s->extra[s->nextra++] = strdup(a);
	va_end(ap);
	snprintf(s->dir, sizeof(s->dir), "/tmp/replytimed-test.XXXXXX");
	if (mkdtemp(s->dir) == NULL) {
		s->dir[0] = '\0';
		return (-1);
	}
	if (rh_guard_start(s) == -1)
		return (-1);
	for (try = 0; try < 5; try++) {
		if ((s->port = rh_free_port()) == -1)
			continue;
		if (rh_rserver_spawn(s) == 0)
			return (0);
	}
	return (-1);
}

/* SIGTERM, bounded wait, SIGKILL. */
static inline void
rserver_stop(struct rserver *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	if (rh_reap(s->pid, RH_STOP_MS, NULL) == 0) {
		kill(s->pid, SIGKILL);
		rh_reap(s->pid, RH_STOP_MS, NULL);
	}
	s->pid = -1;
}

/* Stops the server and starts it again on the same port and directory. */
static inline int
rserver_restart(struct rserver *s)
{
	int	 try;

	rserver_stop(s);
	for (try = 0; try < 5; try++) {
		if (rh_rserver_spawn(s) == 0)
			return (0);
		rh_sleep_ms(200);
	}
	return (-1);
}

/* A synchronous connection; commands time out after 10 s. */
static inline redisContext *
rserver_connect(const struct rserver *s)
{
	struct timeval	 ctv = { 2, 0 }, tv = { 10, 0 };
	redisContext	*c;

	c = redisConnectWithTimeout("127.0.0.1", s->port, ctv);
	if (c == NULL)
		return (NULL);
	if (c->err != 0) {
		fprintf(stderr, "redis connect: %s\n", c->errstr);
		redisFree(c);
		return (NULL);
	}
	redisSetTimeout(c, tv);
	return (c);
}

/* Stops the server, removes its directory, ends the guard. */
static inline void
rserver_cleanup(struct rserver *s)
{
	int	 i;

	rserver_stop(s);
	if (s->dir[0] != '\0')
		rh_rmtree(s->dir);
	if (s->guardfd != -1)
		close(s->guardfd);
	if (s->guard > 0 && rh_reap(s->guard, RH_STOP_MS, NULL) == 0) {
		kill(s->guard, SIGKILL);
		rh_reap(s->guard, RH_STOP_MS, NULL);
	}
	for (i = 0; i < s->nextra; i++)
		free(s->extra[i]);
	memset(s, 0, sizeof(*s));
	s->pid = s->guard = -1;
	s->guardfd = -1;
}

static inline const char *
rh_daemon_bin(void)
{
	const char	*bin = getenv("REPLYTIMED_BIN");

	return (bin != NULL && *bin != '\0' ? bin : "build/replytimed");
}

/* Starts (again) the daemon of d, appending to its log. */
static inline int
daemon_restart(struct rdaemon *d)
{
	struct rh_argv	 a = { .n = 0 };
	int		 err;

	if (d->pid > 0)
		return (-1);
	rh_arg(&a, rh_daemon_bin());
	rh_arg(&a, "-c");
	rh_arg(&a, d->config);
	d->pid = rh_spawn(a.v[0], a.v, d->env, d->nenv, d->log);
	rh_argv_free(&a);
	if (d->pid == -1) {
		err = errno;
		fprintf(stderr, "exec %s: %s\n", rh_daemon_bin(),
		    strerror(err));
		errno = err;
		return (-1);
	}
	d->exited = 0;
	d->starts++;
	return (0);
}

/*
 * Starts `replytimed -c config` with NULL-terminated "NAME=value" extra
 * environment; its stderr goes to the config path with .json replaced by
 * .log.
 */
static inline int
daemon_start(struct rdaemon *d, const char *config, char *const env[])
{
	size_t	 len;
	int	 i;

	memset(d, 0, sizeof(*d));
	d->pid = -1;
	snprintf(d->config, sizeof(d->config), "%s", config);
	len = strlen(config);
	if (len > 5 && strcmp(config + len - 5, ".json") == 0)
		len -= 5;
	snprintf(d->log, sizeof(d->log), "%.*s.log", (int)len, config);
	for (i = 0; env != NULL && env[i] != NULL && i < RH_MAX_ENV; i++)
		d->env[d->nenv++] = strdup(env[i]);
	return (daemon_restart(d));
}

static inline int
daemon_alive(struct rdaemon *d)
{
	int	 st;

	if (d->pid <= 0)
		return (0);
	if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
		d->pid = -1;
		d->exited = 1;
		d->status = rh_exit_code(st);
		return (0);
	}
	return (1);
}

static inline int
daemon_signal(struct rdaemon *d, int sig)
{
	if (d->pid <= 0)
		return (-1);
	return (kill(d->pid, sig));
}

/* Waits for the daemon to exit: its exit code, 128 + signal, -1. */
static inline int
daemon_wait_exit(struct rdaemon *d, int timeout_ms)
{
	int	 st;

	if (d->pid <= 0)
		return (d->exited ? d->status : -1);
	if (rh_reap(d->pid, (int)rh_scaled(timeout_ms), &st) != 1)
		return (-1);
	d->pid = -1;
	d->exited = 1;
	d->status = rh_exit_code(st);
	return (d->status);
}

static inline void
daemon_kill9(struct rdaemon *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	daemon_wait_exit(d, RH_STOP_MS);
}

/* SIGTERM, bounded wait, SIGKILL; frees d's copies. */
static inline void
daemon_cleanup(struct rdaemon *d)
{
	int	 i;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		if (daemon_wait_exit(d, RH_STOP_MS) == -1)
			daemon_kill9(d);
	}
	for (i = 0; i < d->nenv; i++)
		free(d->env[i]);
	d->nenv = 0;
}

/* The whole of a file, NUL-terminated, or NULL. */
static inline char *
rh_read_file(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 len;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 ||
	    (buf = malloc((size_t)len + 1)) == NULL) {
		fclose(f);
		return (NULL);
	}
	n = fread(buf, 1, (size_t)len, f);
	buf[n] = '\0';
	fclose(f);
	return (buf);
}

static inline int
write_file(const char *path, const char *text)
{
	FILE	*f;
	int	 rv;

	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	rv = fputs(text, f) == EOF ? -1 : 0;
	if (fclose(f) == EOF)
		rv = -1;
	return (rv);
}

/* Whether one line of the daemon's log holds every NULL-ended needle. */
static inline int __attribute__((sentinel))
daemon_log_has(const struct rdaemon *d, ...)
{
	const char	*needle;
	char		*buf, *line, *nl;
	va_list		 ap;
	int		 all = 0;

	if ((buf = rh_read_file(d->log)) == NULL)
		return (0);
	for (line = buf; line != NULL && *line != '\0' && !all;
	    line = nl != NULL ? nl + 1 : NULL) {
		if ((nl = strchr(line, '\n')) != NULL)
			*nl = '\0';
		all = 1;
		va_start(ap, d);
		while ((needle = va_arg(ap, const char *)) != NULL)
			if (strstr(line, needle) == NULL)
				all = 0;
		va_end(ap);
	}
	free(buf);
	return (all);
}

/* Copies the end of the daemon's log to stderr, for a failing test. */
static inline void
daemon_log_dump(const struct rdaemon *d, size_t tail)
{
	char	*buf;
	size_t	 len;

	if (d->log[0] == '\0' || (buf = rh_read_file(d->log)) == NULL)
		return;
	len = strlen(buf);
	fprintf(stderr, "---- %s (last %zu bytes)\n%s\n----\n", d->log,
	    len < tail ? len : tail, buf + (len > tail ? len - tail : 0));
	free(buf);
}

/*
 * Writes the test config dir/name: the given port, consumer "test", fast
 * reads and snapshots, no HTTP, no alert rules, debug logging; extra is
 * a list of JSON members ("\"ingest\": {\"read_count\": 50}") merged on
 * top, section by section.  The path goes to path.
 */
static inline int
write_config(char *path, size_t len, const char *dir, const char *name,
    int port, const char *extra)
{
	json_error_t	 jerr;
	json_t		*root, *over;
	char		*buf;
	int		 rv;

	root = json_pack("{s:{s:i, s:s}, s:{s:i}, s:{s:i}, s:{s:s},"
	    " s:{s:[]}, s:{s:s}}",
	    "redis", "port", port, "consumer", "test",
	    "ingest", "block_ms", 100,
	    "publish", "interval_ms", 100,
	    "http", "listen", "",
	    "alerts", "rules",
	    "log", "level", "debug");
	if (root == NULL)
		return (-1);
	if (extra != NULL && *extra != '\0') {
		if (asprintf(&buf, "{%s}", extra) == -1) {
			json_decref(root);
			return (-1);
		}
		over = json_loads(buf, 0, &jerr);
		free(buf);
		if (over == NULL) {
			fprintf(stderr, "write_config: %s\n", jerr.text);
			json_decref(root);
			return (-1);
		}
		json_object_update_recursive(root, over);
		json_decref(over);
	}
	snprintf(path, len, "%s/%s", dir, name);
	rv = json_dump_file(root, path, JSON_INDENT(2) | JSON_SORT_KEYS);
	json_decref(root);
	return (rv);
}

/*
 * Polls cond every 20 ms: 1 once it returns > 0, -1 at once if it
 * returns < 0 (give up), 0 after timeout_ms.
 */
static inline int
wait_until(int (*cond)(void *), void *arg, int timeout_ms)
{
	int64_t	 end = rh_mono_ms() + rh_scaled(timeout_ms);
	int	 r;

	for (;;) {
		if ((r = cond(arg)) != 0)
			return (r > 0 ? 1 : -1);
		if (rh_mono_ms() >= end)
			return (0);
		rh_sleep_ms(20);
	}
}

static inline void
sentry_clear(struct sentry *e)
{
	size_t	 i;

	for (i = 0; i < e->nfv; i++)
		free(e->fv[i]);
	free(e->fv);
	free(e->id);
	memset(e, 0, sizeof(*e));
}

static inline void
slist_free(struct slist *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		sentry_clear(&l->e[i]);
	free(l->e);
	memset(l, 0, sizeof(*l));
}

/* Appends an entry: id and nfv strings (name, value, ...), copied. */
static inline struct sentry *
slist_add(struct slist *l, const char *id, size_t nfv,
    const char *const *fv)
{
	struct sentry	*e;
	size_t		 i;

	if (l->n == l->cap) {
		l->cap = l->cap != 0 ? l->cap * 2 : 64;
		if ((e = realloc(l->e, l->cap * sizeof(*l->e))) == NULL)
			abort();
		l->e = e;
	}
	e = &l->e[l->n++];
	e->id = strdup(id);
	e->nfv = nfv;
	if ((e->fv = calloc(nfv + 1, sizeof(*e->fv))) == NULL)
		abort();
	for (i = 0; i < nfv; i++)
		e->fv[i] = strdup(fv[i]);
	return (e);
}

/* The value of the first field called name, or NULL. */
static inline const char *
sentry_get(const struct sentry *e, const char *name)
{
	size_t	 i;

	for (i = 0; i + 1 < e->nfv; i += 2)
		if (strcmp(e->fv[i], name) == 0)
			return (e->fv[i + 1]);
	return (NULL);
}

static inline int
rh_reply_ok(redisContext *c, redisReply *r, const char *what)
{
	if (r == NULL) {
		fprintf(stderr, "%s: %s\n", what, c->errstr);
		return (0);
	}
	if (r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "%s: %s\n", what, r->str);
		return (0);
	}
	return (1);
}

/* Reads the whole stream key into l (appended), page by page. */
static inline int
read_stream(redisContext *c, const char *key, struct slist *l)
{
	const char	*argv[6];
	const char	*fv[64];
	redisReply	*r, *e, *f;
	char		 start[64] = "-", count[16];
	size_t		 i, j, n;

	snprintf(count, sizeof(count), "%d", RH_PAGE);
	for (;;) {
		argv[0] = "XRANGE";
		argv[1] = key;
		argv[2] = start;
		argv[3] = "+";
		argv[4] = "COUNT";
		argv[5] = count;
		r = redisCommandArgv(c, 6, argv, NULL);
		if (!rh_reply_ok(c, r, "XRANGE")) {
			if (r != NULL)
				freeReplyObject(r);
			return (-1);
		}
		n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
		for (i = 0; i < n; i++) {
			e = r->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
				continue;
			f = e->element[1];
			for (j = 0; f->type == REDIS_REPLY_ARRAY &&
			    j < f->elements && j < 64; j++)
				fv[j] = f->element[j]->str != NULL ?
				    f->element[j]->str : "";
			slist_add(l, e->element[0]->str, j, fv);
			snprintf(start, sizeof(start), "(%s",
			    e->element[0]->str);
		}
		freeReplyObject(r);
		if (n < RH_PAGE)
			return (0);
	}
}

/* XADDs entries [from, to) of l to key with their IDs, pipelined. */
static inline int
xadd_list(redisContext *c, const char *key, const struct slist *l,
    size_t from, size_t to)
{
	const char	*argv[3 + 64];
	redisReply	*r;
	size_t		 i, j, sent, got;
	int		 rv = 0;

	for (i = from; i < to; i = sent) {
		for (sent = i; sent < to && sent - i < RH_PAGE; sent++) {
			argv[0] = "XADD";
			argv[1] = key;
			argv[2] = l->e[sent].id;
			for (j = 0; j < l->e[sent].nfv && j < 64; j++)
				argv[3 + j] = l->e[sent].fv[j];
			redisAppendCommandArgv(c, (int)(3 + j), argv, NULL);
		}
		for (got = i; got < sent; got++) {
			if (redisGetReply(c, (void **)&r) != REDIS_OK) {
				fprintf(stderr, "XADD: %s\n", c->errstr);
				return (-1);
			}
			if (r->type == REDIS_REPLY_ERROR) {
				fprintf(stderr, "XADD %s %s: %s\n", key,
				    l->e[got].id, r->str);
				rv = -1;
			}
			freeReplyObject(r);
		}
	}
	return (rv);
}

/*
 * XADD key id name value ... NULL; the new ID goes to outid when not
 * NULL (useful with id "*").
 */
static inline int __attribute__((sentinel))
xadd(redisContext *c, const char *key, const char *id, char *outid,
    size_t outlen, ...)
{
	const char	*argv[3 + 64], *s;
	redisReply	*r;
	va_list		 ap;
	int		 argc = 3, rv = -1;

	argv[0] = "XADD";
	argv[1] = key;
	argv[2] = id;
	va_start(ap, outlen);
	while ((s = va_arg(ap, const char *)) != NULL && argc < 3 + 64)
		argv[argc++] = s;
	va_end(ap);
	r = redisCommandArgv(c, argc, argv, NULL);
	if (rh_reply_ok(c, r, "XADD") && r->type == REDIS_REPLY_STRING) {
		if (outid != NULL)
			snprintf(outid, outlen, "%s", r->str);
		rv = 0;
	}
	if (r != NULL)
		freeReplyObject(r);
	return (rv);
}

/* XLEN, -1 on error. */
static inline long long
stream_len(redisContext *c, const char *key)
{
	redisReply	*r;
	long long	 n = -1;

	r = redisCommand(c, "XLEN %s", key);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	if (r != NULL)
		freeReplyObject(r);
	return (n);
}

/* The stream's last entry ID: 0, 1 when empty or missing, -1 error. */
static inline int
stream_last_id(redisContext *c, const char *key, char *buf, size_t len)
{
	redisReply	*r;
	int		 rv = -1;

	r = redisCommand(c, "XREVRANGE %s + - COUNT 1", key);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
		rv = 1;
		if (r->elements == 1 &&
		    r->element[0]->type == REDIS_REPLY_ARRAY &&
		    r->element[0]->elements >= 1) {
			snprintf(buf, len, "%s",
			    r->element[0]->element[0]->str);
			rv = 0;
		}
	}
	if (r != NULL)
		freeReplyObject(r);
	return (rv);
}

/*
 * XINFO GROUPS key, for group: its pending count and last-delivered-id.
 * 0 found, -1 not (or no such key).
 */
static inline int
group_info(redisContext *c, const char *key, const char *group,
    long long *pending, char *lastid, size_t len)
{
	redisReply	*r, *g;
	size_t		 i, j;
	int		 rv = -1, match;

	r = redisCommand(c, "XINFO GROUPS %s", key);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		goto done;
	for (i = 0; i < r->elements && rv == -1; i++) {
		g = r->element[i];
		if (g->type != REDIS_REPLY_ARRAY)
			continue;
		match = 0;
		for (j = 0; j + 1 < g->elements; j += 2)
			if (strcmp(g->element[j]->str, "name") == 0 &&
			    g->element[j + 1]->str != NULL &&
			    strcmp(g->element[j + 1]->str, group) == 0)
				match = 1;
		if (!match)
			continue;
		for (j = 0; j + 1 < g->elements; j += 2) {
			if (strcmp(g->element[j]->str, "pending") == 0 &&
			    pending != NULL)
				*pending = g->element[j + 1]->integer;
			if (strcmp(g->element[j]->str,
			    "last-delivered-id") == 0 && lastid != NULL)
				snprintf(lastid, len, "%s",
				    g->element[j + 1]->str);
		}
		rv = 0;
	}
done:
	if (r != NULL)
		freeReplyObject(r);
	return (rv);
}

/*
 * Whether group "replytimed" on <prefix>:events has read everything:
 * nothing pending and the last delivered ID is the stream's last entry.
 */
static inline int
caught_up(redisContext *c, const char *prefix)
{
	char		 key[128], last[64] = "", delivered[64] = "";
	long long	 pending = -1;
	int		 r;

	snprintf(key, sizeof(key), "%s:events", prefix);
	if (group_info(c, key, "replytimed", &pending, delivered,
	    sizeof(delivered)) == -1 || pending != 0)
		return (0);
	if ((r = stream_last_id(c, key, last, sizeof(last))) == -1)
		return (0);
	return (r == 1 || strcmp(last, delivered) == 0);
}

/* The parsed <prefix>:snapshot key, or NULL. */
static inline json_t *
get_snapshot(redisContext *c, const char *prefix)
{
	json_error_t	 jerr;
	redisReply	*r;
	json_t		*j = NULL;

	r = redisCommand(c, "GET %s:snapshot", prefix);
	if (r != NULL && r->type == REDIS_REPLY_STRING)
		j = json_loadb(r->str, r->len, 0, &jerr);
	if (r != NULL)
		freeReplyObject(r);
	return (j);
}

/* The member at a dotted path ("global.windows.3600.missed"), or NULL. */
static inline json_t *
json_path(json_t *root, const char *path)
{
	char	 key[128];
	size_t	 n;

	while (root != NULL && *path != '\0') {
		n = strcspn(path, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		root = json_object_get(root, key);
		path += n;
		if (*path == '.')
			path++;
	}
	return (root);
}

/*
 * The number of outcomes a snapshot counts in the global scope's window
 * win: responses, breaches, misses and unanswered waits, one per entry
 * of the outcome stream.  -1 without a snapshot.
 */
static inline long long
snapshot_outcomes(json_t *snap, const char *win)
{
	static const char *const kinds[] = { "responses", "frt_breached",
	    "missed", "unanswered" };
	json_t		*w;
	long long	 n = 0;
	size_t		 i;

	w = json_object_get(json_path(json_object_get(snap, "global"),
	    "windows"), win);
	if (w == NULL)
		return (-1);
	for (i = 0; i < 4; i++)
		n += (long long)json_number_value(json_object_get(w, kinds[i]));
	return (n);
}

/*
 * What "settled" waits for: the group has read everything, the snapshot
 * clock has reached min_clock, and the outcome stream holds exactly the
 * outcomes the snapshot counts (so none is still on its way), at least
 * min_outcomes of them.  Gives up when the daemon d has exited.
 */
struct settle {
	redisContext	*c;
	const char	*prefix;
	int64_t		 min_clock;
	long long	 min_outcomes;
	struct rdaemon	*d;
};

static inline int
settled(void *arg)
{
	struct settle	*s = arg;
	json_t		*snap;
	char		 key[128];
	long long	 n, want;
	int64_t		 clock;

	if (s->d != NULL && !daemon_alive(s->d))
		return (-1);
	if (!caught_up(s->c, s->prefix))
		return (0);
	if ((snap = get_snapshot(s->c, s->prefix)) == NULL)
		return (0);
	clock = (int64_t)json_number_value(json_object_get(snap, "clock_ms"));
	want = snapshot_outcomes(snap, "86400");
	json_decref(snap);
	snprintf(key, sizeof(key), "%s:outcomes", s->prefix);
	n = stream_len(s->c, key);
	return (clock >= s->min_clock && n == want && n >= s->min_outcomes);
}

#endif
