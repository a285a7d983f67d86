/*
 * A real redis-server for a test: a free loopback port, a temporary
 * directory that goes away even when the test dies, restarts in place.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "clock.h"
#include "files.h"
#include "proc.h"
#include "rserver.h"

#define RSERVER_START_MS	5000	/* it must answer PING by then */

/* Not running, no directory, no guard: what cleanup leaves. */
void
rserver_init(struct rserver *s)
{
	memset(s, 0, sizeof(*s));
	s->pid = s->guard = -1;
	s->guardfd = -1;
}

static int
rserver_free_port(void)
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
static int
rserver_guard_start(struct rserver *s)
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
		proc_close_fds(p[0]);
		do
			r = read(p[0], &c, 1);
		while (r == -1 && errno == EINTR);
		files_rmtree(s->dir);
		_exit(0);
	}
	close(p[0]);
	s->guard = pid;
	s->guardfd = p[1];
	return (0);
}

/* Execs redis-server on s->port and waits until it answers PING. */
static int
rserver_spawn(struct rserver *s)
{
	struct proc_argv a = { .n = 0 };
	struct timeval	 tv = { 0, 200000 };
	redisContext	*c;
	redisReply	*r;
	int64_t		 end;
	char		 buf[128];
	int		 i, ok;

	snprintf(buf, sizeof(buf), "%d", s->port);
	proc_arg(&a, "redis-server");
	proc_arg(&a, "--port");
	proc_arg(&a, buf);
	proc_arg(&a, "--bind");
	proc_arg(&a, "127.0.0.1");
	proc_arg(&a, "--dir");
	proc_arg(&a, s->dir);
	proc_arg(&a, "--save");
	proc_arg(&a, "");
	proc_arg(&a, "--appendonly");
	proc_arg(&a, "no");
	proc_arg(&a, "--daemonize");
	proc_arg(&a, "no");
	proc_arg(&a, "--logfile");
	snprintf(buf, sizeof(buf), "%s/redis.log", s->dir);
	proc_arg(&a, buf);
	for (i = 0; i < s->nextra; i++)
		proc_arg(&a, s->extra[i]);
	snprintf(buf, sizeof(buf), "%s/redis.out", s->dir);
	s->pid = proc_spawn("redis-server", a.v, NULL, 0, buf);
	proc_argv_free(&a);
	if (s->pid == -1)
		return (-1);

	end = now_mono_ms() + RSERVER_START_MS;
	while (now_mono_ms() < end) {
		if (proc_reap(s->pid, 0, NULL) == 1) {
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
		clk_sleep_ms(20);
	}
	kill(s->pid, SIGKILL);
	proc_reap(s->pid, PROC_STOP_MS, NULL);
	s->pid = -1;
	return (-1);
}

/*
 * Starts redis-server in a new directory under /tmp on a free loopback
 * port; the NULL-terminated arguments are added to its command line
 * (later ones win, e.g. "--appendonly", "yes").
 */
int
rserver_start(struct rserver *s, ...)
{
	const char	*a;
	va_list		 ap;
	int		 try;

	rserver_init(s);
	va_start(ap, s);
	while ((a = va_arg(ap, const char *)) != NULL)
		if (s->nextra < RSERVER_MAX_EXTRA)
			s->extra[s->nextra++] = strdup(a);
	va_end(ap);
	snprintf(s->dir, sizeof(s->dir), "/tmp/replytimed-test.XXXXXX");
	if (mkdtemp(s->dir) == NULL) {
		s->dir[0] = '\0';
		return (-1);
	}
	if (rserver_guard_start(s) == -1)
		return (-1);
	for (try = 0; try < 5; try++) {
		if ((s->port = rserver_free_port()) == -1)
			continue;
		if (rserver_spawn(s) == 0)
			return (0);
	}
	return (-1);
}

/* SIGTERM, bounded wait, SIGKILL. */
void
rserver_stop(struct rserver *s)
{
	if (s->pid <= 0)
		return;
	kill(s->pid, SIGTERM);
	if (proc_reap(s->pid, PROC_STOP_MS, NULL) == 0) {
		kill(s->pid, SIGKILL);
		proc_reap(s->pid, PROC_STOP_MS, NULL);
	}
	s->pid = -1;
}

/* Stops the server and starts it again on the same port and directory. */
int
rserver_restart(struct rserver *s)
{
	int	 try;

	rserver_stop(s);
	for (try = 0; try < 5; try++) {
		if (rserver_spawn(s) == 0)
			return (0);
		clk_sleep_ms(200);
	}
	return (-1);
}

/* A synchronous connection; commands time out after 10 s. */
redisContext *
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
void
rserver_cleanup(struct rserver *s)
{
	int	 i;

	rserver_stop(s);
	if (s->dir[0] != '\0')
		files_rmtree(s->dir);
	if (s->guardfd != -1)
		close(s->guardfd);
	if (s->guard > 0 && proc_reap(s->guard, PROC_STOP_MS, NULL) == 0) {
		kill(s->guard, SIGKILL);
		proc_reap(s->guard, PROC_STOP_MS, NULL);
	}
	for (i = 0; i < s->nextra; i++)
		free(s->extra[i]);
	rserver_init(s);
}
