/* The systemd notification protocol by hand: datagrams to $NOTIFY_SOCKET. */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "notify.h"

/* How many distinct send errors are logged before the rest go quiet. */
#define NOTIFY_WARN_KINDS	8

static int			 notify_fd = -1;
static struct sockaddr_un	 notify_addr;
static socklen_t		 notify_addrlen;
static int64_t			 notify_wd_usec;
static int			 notify_warned[NOTIFY_WARN_KINDS];
static size_t			 notify_nwarned;

/*
 * Parses a decimal number that fills the whole string into *out.
 * Returns 0, or -1 for an empty, signed, non-digit or overflowing string.
 */
static int
notify_parse_u64(const char *s, uint64_t *out)
{
	uint64_t	 n = 0;
	unsigned int	 d;

	if (*s == '\0')
		return (-1);
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return (-1);
		d = (unsigned int)(*s - '0');
		if (n > (UINT64_MAX - d) / 10)
			return (-1);
		n = n * 10 + d;
	}
	*out = n;
	return (0);
}

/*
 * Fills the socket address from $NOTIFY_SOCKET: an absolute path, or an
 * abstract name after '@'.  Returns 0, or -1 if it is neither or too long.
 */
static int
notify_parse_addr(const char *s)
{
	size_t	 len = strlen(s);

	memset(&notify_addr, 0, sizeof(notify_addr));
	notify_addr.sun_family = AF_UNIX;
	if ((s[0] != '/' && s[0] != '@') || len < 2)
		return (-1);
	if (s[0] == '@') {
		/* Abstract: a leading NUL; the length says where it ends. */
		if (len > sizeof(notify_addr.sun_path))
			return (-1);
		memcpy(notify_addr.sun_path + 1, s + 1, len - 1);
		notify_addrlen = offsetof(struct sockaddr_un, sun_path) + len;
	} else {
		if (len >= sizeof(notify_addr.sun_path))
			return (-1);
		memcpy(notify_addr.sun_path, s, len);
		notify_addrlen = offsetof(struct sockaddr_un, sun_path) +
		    len + 1;
	}
	return (0);
}

/*
 * Reads the watchdog period, which applies to us only when $WATCHDOG_PID
 * is unset or names this process.  Returns the period or 0.
 */
static int64_t
notify_parse_watchdog(void)
{
	const char	*usec, *pid;
	uint64_t	 n, p;

	if ((usec = getenv("WATCHDOG_USEC")) == NULL)
		return (0);
	if ((pid = getenv("WATCHDOG_PID")) != NULL) {
		if (notify_parse_u64(pid, &p) == -1) {
			log_warnx("notify: ignoring the watchdog: bad "
			    "WATCHDOG_PID \"%s\"", pid);
			return (0);
		}
		if (p != (uint64_t)getpid())
			return (0);
	}
	if (notify_parse_u64(usec, &n) == -1 || n == 0 ||
	    n > (uint64_t)INT64_MAX) {
		log_warnx("notify: ignoring the watchdog: bad WATCHDOG_USEC "
		    "\"%s\"", usec);
		return (0);
	}
	return ((int64_t)n);
}

/*
 * Opens the notification socket named by $NOTIFY_SOCKET and reads the
 * watchdog period, then removes both from the environment so that children
 * do not inherit them.  Without the variable every later call does nothing.
 * Returns 0, or -1 (logged) if $NOTIFY_SOCKET is malformed.
 */
int
notify_init(void)
{
	const char	*s;
	int		 rv = 0;

	notify_close();
	notify_nwarned = 0;
	if ((s = getenv("NOTIFY_SOCKET")) != NULL) {
		if (notify_parse_addr(s) == -1) {
			log_warnx("notify: NOTIFY_SOCKET \"%s\" is neither an "
			    "absolute path nor @name of at most %zu bytes", s,
			    sizeof(notify_addr.sun_path) - 1);
			rv = -1;
		} else if ((notify_fd = socket(AF_UNIX,
		    SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
			log_warn("notify: socket");
		else
			notify_wd_usec = notify_parse_watchdog();
	}
	unsetenv("NOTIFY_SOCKET");
	unsetenv("WATCHDOG_USEC");
	unsetenv("WATCHDOG_PID");
	return (rv);
}

/* Logs a send error the first time that errno is seen, then stays quiet. */
static void
notify_warn_once(const char *state)
{
	size_t	 i;

	for (i = 0; i < notify_nwarned; i++)
		if (notify_warned[i] == errno)
			return;
	if (notify_nwarned == NOTIFY_WARN_KINDS)
		return;
	notify_warned[notify_nwarned++] = errno;
	log_warn("notify: sending \"%s\" (further errors like this are not "
	    "logged)", state);
}

/* Sends one state string, such as "READY=1", as a single datagram. */
void
notify_send(const char *state)
{
	size_t	 len;
	ssize_t	 n;

	if (notify_fd == -1 || state == NULL || (len = strlen(state)) == 0)
		return;
	do {
		n = sendto(notify_fd, state, len, MSG_NOSIGNAL,
		    (const struct sockaddr *)&notify_addr, notify_addrlen);
	} while (n == -1 && errno == EINTR);
	if (n == -1)
		notify_warn_once(state);
	else if ((size_t)n != len) {
		errno = EMSGSIZE;
		notify_warn_once(state);
	}
}

/* The watchdog period in microseconds, or 0 when there is none to feed. */
int64_t
notify_watchdog_usec(void)
{
	return (notify_fd == -1 ? 0 : notify_wd_usec);
}

/* Closes the socket; later sends do nothing. */
void
notify_close(void)
{
	if (notify_fd != -1) {
		close(notify_fd);
		notify_fd = -1;
	}
	notify_wd_usec = 0;
}
