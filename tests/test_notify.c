/* Tests for the systemd notification protocol against real sockets. */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "notify.h"

/* The receiving end: a datagram socket in a private directory. */
static char	 tn_dir[64];
static char	 tn_path[128];
static int	 tn_fd = -1;

static void
tn_clear_env(void)
{
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
}

/* Binds a datagram socket at a file in a fresh mkdtemp directory. */
static void
tn_setup(void)
{
	struct sockaddr_un	 sun;

	tn_clear_env();
	snprintf(tn_dir, sizeof(tn_dir), "/tmp/test_notify.XXXXXX");
	cr_assert_not_null(mkdtemp(tn_dir), "mkdtemp: %s", strerror(errno));
	snprintf(tn_path, sizeof(tn_path), "%s/notify.sock", tn_dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	cr_assert(strlen(tn_path) < sizeof(sun.sun_path));
	memcpy(sun.sun_path, tn_path, strlen(tn_path) + 1);
	tn_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert(tn_fd != -1, "socket: %s", strerror(errno));
	cr_assert(bind(tn_fd, (struct sockaddr *)&sun, sizeof(sun)) == 0,
	    "bind %s: %s", tn_path, strerror(errno));
}

static void
tn_teardown(void)
{
	notify_close();
	if (tn_fd != -1)
		close(tn_fd);
	tn_fd = -1;
	unlink(tn_path);
	rmdir(tn_dir);
	tn_clear_env();
}

/* Binds a datagram socket to an abstract name unique to this process. */
static void
tn_setup_abstract(void)
{
	struct sockaddr_un	 sun;
	socklen_t		 len;
	size_t			 n;

	tn_clear_env();
	tn_dir[0] = tn_path[0] = '\0';
	snprintf(tn_path, sizeof(tn_path), "@replytimed-test-notify-%ld-%lld",
	    (long)getpid(), (long long)now_mono_ms());
	n = strlen(tn_path);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path + 1, tn_path + 1, n - 1);
	len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	tn_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	cr_assert(tn_fd != -1, "socket: %s", strerror(errno));
	cr_assert(bind(tn_fd, (struct sockaddr *)&sun, len) == 0,
	    "bind %s: %s", tn_path, strerror(errno));
}

/* Receives one datagram and asserts it is exactly want. */
static void
tn_expect(const char *want)
{
	char	 buf[4096];
	ssize_t	 n;

	n = recv(tn_fd, buf, sizeof(buf), MSG_DONTWAIT);
	cr_assert(n != -1, "expected \"%s\", recv: %s", want,
	    strerror(errno));
	cr_assert_eq((size_t)n, strlen(want), "got %zd bytes \"%.*s\", "
	    "want \"%s\"", n, (int)n, buf, want);
	cr_assert(memcmp(buf, want, (size_t)n) == 0, "got \"%.*s\", want "
	    "\"%s\"", (int)n, buf, want);
}

/* Asserts nothing more is queued on the receiving socket. */
static void
tn_expect_nothing(void)
{
	char	 buf[64];
	ssize_t	 n;

	n = recv(tn_fd, buf, sizeof(buf), MSG_DONTWAIT);
	cr_assert(n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK),
	    "unexpected datagram of %zd bytes", n);
}

/* Sets the environment, calls notify_init and returns the period. */
static int64_t
tn_watchdog(const char *usec, const char *pid)
{
	if (usec != NULL)
		setenv("WATCHDOG_USEC", usec, 1);
	if (pid != NULL)
		setenv("WATCHDOG_PID", pid, 1);
	setenv("NOTIFY_SOCKET", tn_path, 1);
	cr_assert_eq(notify_init(), 0);
	return (notify_watchdog_usec());
}

Test(notify, sends_states_exactly, .init = tn_setup, .fini = tn_teardown)
{
	static const char *const states[] = {
		"READY=1",
		"STATUS=connected to 127.0.0.1:6379, caught up",
		"RELOADING=1",
		"READY=1",
		"WATCHDOG=1",
		"STOPPING=1"
	};
	size_t	 i;

	setenv("NOTIFY_SOCKET", tn_path, 1);
	cr_assert_eq(notify_init(), 0);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		notify_send(states[i]);
	for (i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		tn_expect(states[i]);
	tn_expect_nothing();
}

Test(notify, long_status_is_one_datagram, .init = tn_setup,
    .fini = tn_teardown)
{
	char	 status[2048];

	memset(status, 'x', sizeof(status) - 1);
	status[sizeof(status) - 1] = '\0';
	memcpy(status, "STATUS=", 7);
	setenv("NOTIFY_SOCKET", tn_path, 1);
	cr_assert_eq(notify_init(), 0);
	notify_send(status);
	notify_send("");
	notify_send(NULL);
	tn_expect(status);
	tn_expect_nothing();
}

Test(notify, abstract_socket, .init = tn_setup_abstract,
    .fini = tn_teardown)
{
	setenv("NOTIFY_SOCKET", tn_path, 1);
	cr_assert_eq(notify_init(), 0);
	notify_send("READY=1");
	notify_send("STATUS=abstract");
	tn_expect("READY=1");
	tn_expect("STATUS=abstract");
	tn_expect_nothing();
}

Test(notify, watchdog_valid, .init = tn_setup, .fini = tn_teardown)
{
	char	 pid[32];

	cr_assert_eq(tn_watchdog("30000000", NULL), 30000000);
	notify_close();
	cr_assert_eq(notify_watchdog_usec(), 0);
	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	cr_assert_eq(tn_watchdog("1", pid), 1);
	cr_assert_eq(tn_watchdog("9223372036854775807", NULL), INT64_MAX);
}

Test(notify, watchdog_garbage, .init = tn_setup, .fini = tn_teardown)
{
	static const char *const bad[] = {
		"", "0", "abc", "12x", " 5", "5 ", "-5", "+5", "1.5",
		"9223372036854775808", "99999999999999999999999"
	};
	size_t	 i;

	log_init(LOG_LEVEL_ERROR, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		cr_assert_eq(tn_watchdog(bad[i], NULL), 0, "WATCHDOG_USEC "
		    "\"%s\"", bad[i]);
	cr_assert_eq(tn_watchdog("5000000", "x"), 0);
	/* The socket still works when only the watchdog is bad. */
	notify_send("READY=1");
	tn_expect("READY=1");
}

Test(notify, watchdog_other_pid, .init = tn_setup, .fini = tn_teardown)
{
	char	 pid[32];

	snprintf(pid, sizeof(pid), "%ld", (long)getpid() + 1);
	cr_assert_eq(tn_watchdog("30000000", pid), 0);
	cr_assert_eq(tn_watchdog("30000000", "1"), 0);
	/* No socket, no watchdog to feed. */
	unsetenv("NOTIFY_SOCKET");
	setenv("WATCHDOG_USEC", "30000000", 1);
	cr_assert_eq(notify_init(), 0);
	cr_assert_eq(notify_watchdog_usec(), 0);
}

Test(notify, no_socket_is_a_noop, .init = tn_setup, .fini = tn_teardown)
{
	cr_assert_eq(notify_init(), 0);
	cr_assert_eq(notify_watchdog_usec(), 0);
	notify_send("READY=1");
	notify_send("WATCHDOG=1");
	notify_send("STOPPING=1");
	notify_close();
	notify_send("READY=1");
	tn_expect_nothing();
}

Test(notify, env_unset_after_init, .init = tn_setup, .fini = tn_teardown)
{
	setenv("NOTIFY_SOCKET", tn_path, 1);
	setenv("WATCHDOG_USEC", "30000000", 1);
	setenv("WATCHDOG_PID", "1", 1);
	cr_assert_eq(notify_init(), 0);
	cr_assert_null(getenv("NOTIFY_SOCKET"));
	cr_assert_null(getenv("WATCHDOG_USEC"));
	cr_assert_null(getenv("WATCHDOG_PID"));
	/* The open socket outlives the variable. */
	notify_send("READY=1");
	tn_expect("READY=1");
}

Test(notify, malformed_socket, .init = tn_setup, .fini = tn_teardown)
{
	static const char *const bad[] = {
		"", "relative/notify.sock", "@", "/", "vsock:2:1234"
	};
	char	 longpath[200];
	size_t	 i;

	log_init(LOG_LEVEL_ERROR, NULL);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("NOTIFY_SOCKET", bad[i], 1);
		setenv("WATCHDOG_USEC", "30000000", 1);
		cr_assert_eq(notify_init(), -1, "NOTIFY_SOCKET \"%s\"",
		    bad[i]);
		cr_assert_null(getenv("NOTIFY_SOCKET"));
		cr_assert_null(getenv("WATCHDOG_USEC"));
		cr_assert_eq(notify_watchdog_usec(), 0);
		notify_send("READY=1");
	}
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[0] = '/';
	longpath[sizeof(longpath) - 1] = '\0';
	setenv("NOTIFY_SOCKET", longpath, 1);
	cr_assert_eq(notify_init(), -1);
	longpath[0] = '@';
	setenv("NOTIFY_SOCKET", longpath, 1);
	cr_assert_eq(notify_init(), -1);
	tn_expect_nothing();
}

Test(notify, send_errors_logged_once, .init = tn_setup,
    .fini = tn_teardown)
{
	setenv("NOTIFY_SOCKET", tn_path, 1);
	cr_assert_eq(notify_init(), 0);
	close(tn_fd);
	tn_fd = -1;
	unlink(tn_path);
	log_init(LOG_LEVEL_INFO, "replytimed");
	cr_redirect_stderr();
	notify_send("WATCHDOG=1");
	notify_send("WATCHDOG=1");
	notify_send("STOPPING=1");
	fflush(stderr);
	cr_assert_stderr_eq_str("replytimed: warn: notify: sending "
	    "\"WATCHDOG=1\" (further errors like this are not logged): "
	    "No such file or directory\n");
}
