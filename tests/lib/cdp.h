/*
 * A headless chromium driven over the DevTools protocol on a pipe
 * (--remote-debugging-pipe: commands go in on the browser's fd 3, answers
 * and events come out of its fd 4, each a JSON object ended by a NUL).
 * Enough to open a page and evaluate expressions in it, for the browser
 * tests and the wallboard benchmark.  Jansson and POSIX.
 */
#ifndef LIB_CDP_H
#define LIB_CDP_H

#include <sys/types.h>

#include <jansson.h>

struct cdp {
	pid_t	 pid;
	int	 wfd;		/* to the browser */
	int	 rfd;		/* from the browser */
	int	 id;		/* of the last command */
	char	 session[128];	/* the page's session */
	char	*buf;		/* what was read and not yet parsed */
	size_t	 len;
	size_t	 cap;
};

int	 cdp_open(struct cdp *, const char *, const char *, int, int);
json_t	*cdp_call(struct cdp *, int, const char *, json_t *, int);
json_t	*cdp_eval(struct cdp *, const char *);
int	 cdp_wait(struct cdp *, const char *, int);
void	 cdp_close(struct cdp *);

#endif
