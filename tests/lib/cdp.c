/*
 * A headless chromium driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: commands go in on the browser's fd 3, answers
 * and events come out of its fd 4, each a JSON object ended by a NUL).
 * Enough to open a page and evaluate expressions in it, for the browser
 * tests and the wallboard benchmark.  Jansson and POSIX.
 */

#include <sys/prctl.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cdp.h"
#include "clock.h"

/* Writes one message, whole. */
static int
cdp_send(struct cdp *b, const char *text)
{
	size_t	 len = strlen(text) + 1, off = 0;
	ssize_t	 n;

	while (off < len) {
		if ((n = write(b->wfd, text + off, len - off)) == -1) {
			if (errno == EINTR)
				continue;
			return (-1);
		}
		off += (size_t)n;
	}
	return (0);
}

/* The next message, parsed, or NULL once deadline (monotonic ms) passes. */
static json_t *
cdp_next(struct cdp *b, int64_t deadline)
{
	struct pollfd	 pfd = { b->rfd, POLLIN, 0 };
	char		*nul;
	json_t		*m;
	ssize_t		 n;
	size_t		 used;
	int64_t		 left;

	for (;;) {
		nul = b->len > 0 ? memchr(b->buf, '\0', b->len) : NULL;
		if (nul != NULL) {
			used = (size_t)(nul - b->buf) + 1;
			m = json_loadb(b->buf, used - 1, 0, NULL);
			memmove(b->buf, b->buf + used, b->len - used);
			b->len -= used;
			if (m != NULL)
				return (m);
			continue;
		}
		if ((left = deadline - now_mono_ms()) <= 0)
			return (NULL);
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if (b->cap - b->len < 65536) {
			b->cap = b->cap * 2 + 65536;
			if ((b->buf = realloc(b->buf, b->cap)) == NULL)
				abort();
		}
		if ((n = read(b->rfd, b->buf + b->len, b->cap - b->len)) <= 0)
			return (NULL);		/* the browser went away */
		b->len += (size_t)n;
	}
}

/*
 * Sends a command (params is taken over; NULL for none), on the page's
 * session when page is set, and returns its result (a new reference), or
 * NULL for an error or no answer within timeout_ms.
 */
json_t *
cdp_call(struct cdp *b, int page, const char *method, json_t *params,
    int timeout_ms)
{
	json_t		*msg, *m, *res = NULL;
	char		*text;
	int64_t		 deadline = now_mono_ms() + timeout_ms;
	int		 id = ++b->id;

	msg = json_pack("{s:i, s:s, s:o}", "id", id, "method", method,
	    "params", params != NULL ? params : json_object());
	if (page)
		json_object_set_new(msg, "sessionId",
		    json_string(b->session));
	text = json_dumps(msg, JSON_COMPACT);
	json_decref(msg);
	if (text == NULL || cdp_send(b, text) == -1) {
		free(text);
		return (NULL);
	}
	free(text);
	while ((m = cdp_next(b, deadline)) != NULL) {
		if (json_integer_value(json_object_get(m, "id")) == id) {
			res = json_incref(json_object_get(m, "result"));
			json_decref(m);
			break;
		}
		json_decref(m);			/* an event */
	}
	return (res);
}

/*
 * Evaluates expr in the page (a promise is awaited) and returns its
 * value as JSON, or NULL if it threw or did not answer.
 */
json_t *
cdp_eval(struct cdp *b, const char *expr)
{
	json_t	*res, *v = NULL;

	res = cdp_call(b, 1, "Runtime.evaluate", json_pack("{s:s, s:b, s:b}",
	    "expression", expr, "returnByValue", 1, "awaitPromise", 1), 15000);
	if (res == NULL)
		return (NULL);
	if (json_object_get(res, "exceptionDetails") == NULL)
		v = json_incref(json_object_get(json_object_get(res, "result"),
		    "value"));
	json_decref(res);
	return (v);
}

/* Evaluates expr every 100 ms until it is true: 1, or 0 after ms. */
int
cdp_wait(struct cdp *b, const char *expr, int ms)
{
	int64_t		 end = now_mono_ms() + ms;
	json_t		*v;
	int		 ok;

	do {
		v = cdp_eval(b, expr);
		ok = json_is_true(v);
		json_decref(v);
		if (ok)
			return (1);
		usleep(100000);
	} while (now_mono_ms() < end);
	return (0);
}

/* The browser's side of the fork: its pipe on fds 3 and 4, output to log. */
static void __attribute__((noreturn))
cdp_child(int in, int out, const char *log, const char *profile,
    const char *size)
{
	int	 fd;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if ((fd = open("/dev/null", O_RDONLY)) != -1)
		dup2(fd, 0);
	if ((fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644)) != -1) {
		dup2(fd, 1);
		dup2(fd, 2);
	}
	if (dup2(in, 100) == -1 || dup2(out, 101) == -1 ||
	    dup2(100, 3) == -1 || dup2(101, 4) == -1)
		_exit(126);
	for (fd = 5; fd < 1024; fd++)
		close(fd);
	signal(SIGPIPE, SIG_DFL);
	execlp("chromium", "chromium", "--headless", "--no-sandbox",
	    "--disable-gpu", "--no-first-run",
	    "--disable-background-networking",
	    "--disable-sync", "--disable-component-update", "--hide-scrollbars",
	    profile, size, "--remote-debugging-pipe", "about:blank",
	    (char *)NULL);
	_exit(127);
}

/*
 * Starts chromium headless with a fresh profile in dir (its output in
 * dir/chromium.log) at width x height, and opens url in a page.
 */
int
cdp_open(struct cdp *b, const char *dir, const char *url, int width,
    int height)
{
	char	 profile[4096], log[4096], size[64];
	json_t	*t, *r;
	int	 in[2], out[2];

	memset(b, 0, sizeof(*b));
	b->pid = -1;
	b->wfd = b->rfd = -1;
	snprintf(profile, sizeof(profile), "--user-data-dir=%s/cdp-profile",
	    dir);
	snprintf(log, sizeof(log), "%s/chromium.log", dir);
	snprintf(size, sizeof(size), "--window-size=%d,%d", width, height);
	if (pipe2(in, O_CLOEXEC) == -1)
		return (-1);
	if (pipe2(out, O_CLOEXEC) == -1) {
		close(in[0]);
		close(in[1]);
		return (-1);
	}
	if ((b->pid = fork()) == 0)
		cdp_child(in[0], out[1], log, profile, size);
	close(in[0]);
	close(out[1]);
	b->wfd = in[1];
	b->rfd = out[0];
	signal(SIGPIPE, SIG_IGN);	/* a browser gone: EPIPE, not death */
	if (b->pid == -1)
		return (-1);

	t = cdp_call(b, 0, "Target.createTarget", json_pack("{s:s}", "url",
	    url), 30000);
	if (t == NULL)
		return (-1);
	r = cdp_call(b, 0, "Target.attachToTarget", json_pack("{s:O, s:b}",
	    "targetId", json_object_get(t, "targetId"), "flatten", 1), 10000);
	json_decref(t);
	if (json_string_value(json_object_get(r, "sessionId")) == NULL) {
		json_decref(r);
		return (-1);
	}
	snprintf(b->session, sizeof(b->session), "%s",
	    json_string_value(json_object_get(r, "sessionId")));
	json_decref(r);
	return (0);
}

/* Closes the browser: Browser.close, then SIGKILL after 5 s. */
void
cdp_close(struct cdp *b)
{
	int64_t		 end;
	json_t		*r;

	if (b->pid > 0) {
		r = cdp_call(b, 0, "Browser.close", NULL, 2000);
		json_decref(r);
		end = now_mono_ms() + 5000;
		while (waitpid(b->pid, NULL, WNOHANG) == 0) {
			if (now_mono_ms() > end) {
				kill(b->pid, SIGKILL);
				waitpid(b->pid, NULL, 0);
				break;
			}
			usleep(50000);
		}
	}
	if (b->wfd != -1)
		close(b->wfd);
	if (b->rfd != -1)
		close(b->rfd);
	free(b->buf);
	memset(b, 0, sizeof(*b));
	b->pid = -1;
	b->wfd = b->rfd = -1;
}
