/*
 * The daemon under test as a child process: its test config, start,
 * restart, signals, bounded waits for its exit, and its log.
 */

#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "clock.h"
#include "files.h"
#include "proc.h"
#include "rdaemon.h"

/* $REPLYTIMED_BIN, or the one the build makes. */
const char *
rdaemon_bin(void)
{
	const char	*bin = getenv("REPLYTIMED_BIN");

	return (bin != NULL && *bin != '\0' ? bin : "build/replytimed");
}

/*
 * Writes the test config dir/name: the given port, consumer "test", fast
 * reads and snapshots, no HTTP, no alert rules, debug logging; extra is
 * a list of JSON members ("\"ingest\": {\"read_count\": 50}") merged on
 * top, section by section.  The path goes to path.
 */
int
rdaemon_write_config(char *path, size_t len, const char *dir,
    const char *name, int port, const char *extra)
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
			fprintf(stderr, "rdaemon_write_config: %s\n",
			    jerr.text);
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

/* Never started: what a test's setup leaves. */
void
rdaemon_init(struct rdaemon *d)
{
	memset(d, 0, sizeof(*d));
	d->pid = -1;
}

/* Starts (again) the daemon of d, appending to its log. */
int
rdaemon_restart(struct rdaemon *d)
{
	struct proc_argv a = { .n = 0 };
	int		 err;

	if (d->pid > 0)
		return (-1);
	proc_arg(&a, rdaemon_bin());
	proc_arg(&a, "-c");
	proc_arg(&a, d->config);
	d->pid = proc_spawn(a.v[0], a.v, d->env, d->nenv, d->log);
	proc_argv_free(&a);
	if (d->pid == -1) {
		err = errno;
		fprintf(stderr, "exec %s: %s\n", rdaemon_bin(),
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
int
rdaemon_start(struct rdaemon *d, const char *config, char *const env[])
{
	size_t	 len;
	int	 i;

	rdaemon_init(d);
	snprintf(d->config, sizeof(d->config), "%s", config);
	len = strlen(config);
	if (len > 5 && strcmp(config + len - 5, ".json") == 0)
		len -= 5;
	snprintf(d->log, sizeof(d->log), "%.*s.log", (int)len, config);
	for (i = 0; env != NULL && env[i] != NULL && i < RDAEMON_MAX_ENV; i++)
		d->env[d->nenv++] = strdup(env[i]);
	return (rdaemon_restart(d));
}

/* Whether it runs; reaps it, keeping its status, once it has exited. */
int
rdaemon_alive(struct rdaemon *d)
{
	int	 st;

	if (d->pid <= 0)
		return (0);
	if (waitpid(d->pid, &st, WNOHANG) == d->pid) {
		d->pid = -1;
		d->exited = 1;
		d->status = proc_exit_code(st);
		return (0);
	}
	return (1);
}

int
rdaemon_signal(struct rdaemon *d, int sig)
{
	if (d->pid <= 0)
		return (-1);
	return (kill(d->pid, sig));
}

/* Waits for the daemon to exit: its exit code, 128 + signal, -1. */
int
rdaemon_wait_exit(struct rdaemon *d, int timeout_ms)
{
	int	 st;

	if (d->pid <= 0)
		return (d->exited ? d->status : -1);
	if (proc_reap(d->pid, (int)clk_scaled(timeout_ms), &st) != 1)
		return (-1);
	d->pid = -1;
	d->exited = 1;
	d->status = proc_exit_code(st);
	return (d->status);
}

void
rdaemon_kill9(struct rdaemon *d)
{
	if (d->pid <= 0)
		return;
	kill(d->pid, SIGKILL);
	rdaemon_wait_exit(d, PROC_STOP_MS);
}

/* SIGTERM, bounded wait, SIGKILL; frees d's copies. */
void
rdaemon_cleanup(struct rdaemon *d)
{
	int	 i;

	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		if (rdaemon_wait_exit(d, PROC_STOP_MS) == -1)
			rdaemon_kill9(d);
	}
	for (i = 0; i < d->nenv; i++)
		free(d->env[i]);
	d->nenv = 0;
}

/* Whether one line of the daemon's log holds every NULL-ended needle. */
int
rdaemon_log_has(const struct rdaemon *d, ...)
{
	const char	*needle;
	char		*buf, *line, *nl;
	va_list		 ap;
	int		 all = 0;

	if ((buf = files_read(d->log)) == NULL)
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
void
rdaemon_log_dump(const struct rdaemon *d, size_t tail)
{
	char	*buf;
	size_t	 len;

	if (d->log[0] == '\0' || (buf = files_read(d->log)) == NULL)
		return;
	len = strlen(buf);
	fprintf(stderr, "---- %s (last %zu bytes)\n%s\n----\n", d->log,
	    len < tail ? len : tail, buf + (len > tail ? len - tail : 0));
	free(buf);
}
