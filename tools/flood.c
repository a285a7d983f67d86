/*
 * The flood benchmark's load: ENTRIES unique conversations, one customer
 * message each, with a 1 MiB conversation id in every BIG_EVERY-th entry,
 * written live into a stream that replytimed drains.  It keeps Redis's
 * memory bounded by trimming what the daemon has read and the dead
 * letters it has counted, watches the gaps between published snapshots,
 * and in the end reads the daemon's peak RSS.  Prints name=value lines.
 * Other loads (-m), each against the caps, name their lines after it:
 *
 *	agents	ENTRIES new conversations, each with a new agent
 *	msgids	ENTRIES messages in one conversation, each a new message_id
 *	json	ENTRIES entries with a json field of BIG_EVERY bytes (a valid
 *		event but for its size): all dead-lettered as too_large
 *
 * usage: flood [-m agents|msgids|json] HOST PORT DAEMON_PID [ENTRIES
 *	  [BIG_EVERY]]
 */

#include <sys/time.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "clock.h"

#define FL_PIPELINE	1000		/* XADDs per round trip */
#define FL_BIG		(1 << 20)	/* bytes of an oversize id */
#define FL_MAX_LAG	200000		/* unread entries before we wait */
#define FL_TRIM_EVERY	50000		/* entries between trims */
#define FL_STREAM	"cs:events"
#define FL_DEAD		"cs:events:dead"
#define FL_CHANNEL	"cs:snapshot"
#define FL_GROUP	"replytimed"

static const char	*fl_host;
static int		 fl_port;
static volatile int	 fl_done;
static int64_t		 fl_max_gap;	/* ms between two snapshots */
static uint64_t		 fl_snapshots;

static void __attribute__((noreturn, format(printf, 1, 2)))
fl_die(const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "flood: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static redisContext *
fl_connect(void)
{
	redisContext	*c;

	c = redisConnect(fl_host, fl_port);
	if (c == NULL || c->err)
		fl_die("redis %s:%d: %s", fl_host, fl_port,
		    c != NULL ? c->errstr : "out of memory");
	return (c);
}

static redisReply *
fl_cmd(redisContext *c, const char *fmt, ...)
{
	redisReply	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = redisvCommand(c, fmt, ap);
	va_end(ap);
	if (r == NULL)
		fl_die("redis: %s", c->errstr);
	if (r->type == REDIS_REPLY_ERROR)
		fl_die("redis: %s: %s", fmt, r->str);
	return (r);
}

/* The subscriber: the longest gap between two published snapshots. */
static void *
fl_watch(void *arg)
{
	redisContext	*c = fl_connect();
	redisReply	*r;
	struct pollfd	 pfd;
	int64_t		 last = 0, now;

	(void)arg;
	freeReplyObject(fl_cmd(c, "SUBSCRIBE %s", FL_CHANNEL));
	pfd.fd = c->fd;
	pfd.events = POLLIN;
	while (!fl_done) {
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		if (redisGetReply(c, (void **)&r) != REDIS_OK)
			fl_die("subscriber: %s", c->errstr);
		do {
			now = now_mono_ms();
			if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
			    strcmp(r->element[0]->str, "message") == 0) {
				if (last != 0 && now - last > fl_max_gap)
					fl_max_gap = now - last;
				last = now;
				fl_snapshots++;
			}
			freeReplyObject(r);
			r = NULL;
			if (redisGetReplyFromReader(c, (void **)&r) !=
			    REDIS_OK)
				fl_die("subscriber: %s", c->errstr);
		} while (r != NULL);
	}
	redisFree(c);
	return (NULL);
}

/* The group's pending count, lag (entries not yet read) and position. */
static void
fl_group(redisContext *c, long long *pending, long long *lag, char *ldi,
    size_t len)
{
	redisReply	*r, *g, *k, *v;
	size_t		 i, j;
	int		 ours;

	*pending = *lag = -1;
	r = fl_cmd(c, "XINFO GROUPS %s", FL_STREAM);
	for (i = 0; i < r->elements; i++) {
		g = r->element[i];
		ours = 0;
		for (j = 0; j + 1 < g->elements; j += 2) {
			k = g->element[j];
			v = g->element[j + 1];
			if (strcmp(k->str, "name") == 0)
				ours = strcmp(v->str, FL_GROUP) == 0;
		}
		if (!ours)
			continue;
		for (j = 0; j + 1 < g->elements; j += 2) {
			k = g->element[j];
			v = g->element[j + 1];
			if (strcmp(k->str, "pending") == 0)
				*pending = v->integer;
			else if (strcmp(k->str, "lag") == 0)
				*lag = v->type == REDIS_REPLY_INTEGER ?
				    v->integer : -1;
			else if (strcmp(k->str, "last-delivered-id") == 0)
				snprintf(ldi, len, "%s", v->str);
		}
	}
	freeReplyObject(r);
}

/*
 * Trims what the daemon has read from the events stream (keeping ten
 * seconds behind its position) and empties the dead letters, counting
 * them.
 */
static long long
fl_trim(redisContext *c)
{
	redisReply	*r;
	long long	 pending, lag, n;
	char		 ldi[64] = "0-0";

	fl_group(c, &pending, &lag, ldi, sizeof(ldi));
	if (strtoll(ldi, NULL, 10) > 10000)
		freeReplyObject(fl_cmd(c, "XTRIM %s MINID %lld", FL_STREAM,
		    strtoll(ldi, NULL, 10) - 10000));
	r = fl_cmd(c, "XTRIM %s MAXLEN 0", FL_DEAD);
	n = r->integer;
	freeReplyObject(r);
	return (n);
}

static long
fl_peak_rss_kb(long pid)
{
	char	 path[64], line[256];
	long	 kb = -1;
	FILE	*f;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return (-1);
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	fclose(f);
	return (kb);
}

enum fl_mode {
	FL_CONVS,
	FL_AGENTS,
	FL_MSGIDS,
	FL_JSON
};

/* A json field of len bytes: a customer message padded to that size. */
static char *
fl_json(size_t len)
{
	static const char	 head[] = "{\"conversation\": \"flood-json\", "
				    "\"role\": \"customer\", \"pad\": \"";
	char			*j;

	if (len < sizeof(head) + 2)
		fl_die("a json field takes at least %zu bytes",
		    sizeof(head) + 2);
	if ((j = malloc(len + 1)) == NULL)
		fl_die("out of memory");
	memcpy(j, head, sizeof(head) - 1);
	memset(j + sizeof(head) - 1, 'x', len - (sizeof(head) - 1) - 2);
	memcpy(j + len - 2, "\"}", 3);
	return (j);
}

/* Queues the XADD of entry i of a load other than the default one. */
static void
fl_append(redisContext *c, enum fl_mode mode, long long i, const char *json,
    size_t jsonlen)
{
	char	 a[32], b[64], ts[24];

	snprintf(ts, sizeof(ts), "%" PRId64, now_wall_ms());
	switch (mode) {
	case FL_AGENTS:
		snprintf(a, sizeof(a), "flood-%lld", i);
		snprintf(b, sizeof(b), "flood-agent-%lld", i);
		redisAppendCommand(c, "XADD %s * conversation %s role "
		    "customer agent %s ts %s", FL_STREAM, a, b, ts);
		break;
	case FL_MSGIDS:
		snprintf(b, sizeof(b), "flood-message-%024lld", i);
		redisAppendCommand(c, "XADD %s * conversation flood-one "
		    "role customer message_id %s ts %s", FL_STREAM, b, ts);
		break;
	case FL_JSON:
		redisAppendCommand(c, "XADD %s * json %b", FL_STREAM, json,
		    jsonlen);
		break;
	case FL_CONVS:
		break;
	}
}

int
main(int argc, char **argv)
{
	redisContext	*c;
	redisReply	*r;
	pthread_t	 watcher;
	char		*big, conv[32], team[16], agent[16], ts[24], ldi[64];
	long long	 n = 2000000, every = 1000, i, k, batch, nbig = 0;
	long long	 dead = 0;
	long long	 pending, lag;
	int64_t		 t0, t1, deadline;
	long		 pid, rss;
	const char	*id, *name = "flood";
	char		*json = NULL;
	size_t		 idlen;
	enum fl_mode	 mode = FL_CONVS;
	long long	 pipeline = FL_PIPELINE, trim_every = FL_TRIM_EVERY;
	int		 ch;

	while ((ch = getopt(argc, argv, "m:")) != -1) {
		if (ch != 'm')
			fl_die("usage: flood [-m agents|msgids|json] HOST "
			    "PORT DAEMON_PID [ENTRIES [BIG_EVERY]]");
		if (strcmp(optarg, "agents") == 0)
			mode = FL_AGENTS;
		else if (strcmp(optarg, "msgids") == 0)
			mode = FL_MSGIDS;
		else if (strcmp(optarg, "json") == 0)
			mode = FL_JSON;
		else
			fl_die("-m %s: not agents, msgids or json", optarg);
		name = mode == FL_AGENTS ? "flood_agents" :
		    mode == FL_MSGIDS ? "flood_msgids" : "flood_json";
	}
	argc -= optind - 1;
	argv += optind - 1;
	if (argc < 4 || argc > 6)
		fl_die("usage: flood [-m agents|msgids|json] HOST PORT "
		    "DAEMON_PID [ENTRIES [BIG_EVERY]]");
	fl_host = argv[1];
	fl_port = atoi(argv[2]);
	pid = atol(argv[3]);
	if (argc > 4 && (n = atoll(argv[4])) <= 0)
		fl_die("ENTRIES must be positive");
	if (mode == FL_JSON)
		every = 10 << 20;
	if (argc > 5 && (every = atoll(argv[5])) <= 0)
		fl_die("BIG_EVERY must be positive");
	if ((big = malloc(FL_BIG + 1)) == NULL)
		fl_die("out of memory");
	memset(big, 'x', FL_BIG);
	big[FL_BIG] = '\0';
	if (mode == FL_JSON) {
		json = fl_json((size_t)every);
		pipeline = 1;		/* a few at a time in Redis */
		trim_every = 5;
	}

	c = fl_connect();
	if (pthread_create(&watcher, NULL, fl_watch, NULL) != 0)
		fl_die("pthread_create failed");
	t0 = now_mono_ms();
	for (i = 0; i < n; i += batch) {
		batch = n - i < pipeline ? n - i : pipeline;
		for (k = 0; k < batch && mode != FL_CONVS; k++) {
			fl_append(c, mode, i + k, json, (size_t)every);
			if (mode == FL_JSON)
				nbig++;
		}
		for (k = 0; k < batch && mode == FL_CONVS; k++) {
			snprintf(conv, sizeof(conv), "flood-%lld", i + k);
			snprintf(team, sizeof(team), "team-%lld", (i + k) % 20);
			snprintf(agent, sizeof(agent), "agent-%lld",
			    (i + k) % 500);
			snprintf(ts, sizeof(ts), "%" PRId64, now_wall_ms());
			id = conv;
			idlen = strlen(conv);
			if ((i + k) % every == every - 1) {
				id = big;
				idlen = FL_BIG;
				nbig++;
			}
			redisAppendCommand(c, "XADD %s * conversation %b role "
			    "customer team %s agent %s ts %s", FL_STREAM, id,
			    idlen, team, agent, ts);
		}
		for (k = 0; k < batch; k++) {
			if (redisGetReply(c, (void **)&r) != REDIS_OK)
				fl_die("redis: %s", c->errstr);
			freeReplyObject(r);
		}
		if ((i + batch) % trim_every != 0)
			continue;
		dead += fl_trim(c);
		for (;;) {		/* let the daemon keep up */
			fl_group(c, &pending, &lag, ldi, sizeof(ldi));
			if (lag < FL_MAX_LAG)
				break;
			usleep(10000);
		}
		fprintf(stderr, "flood: %lld entries, lag %lld\n", i + batch,
		    lag);
	}

	deadline = now_mono_ms() + 600000;
	for (;;) {
		fl_group(c, &pending, &lag, ldi, sizeof(ldi));
		if (lag == 0 && pending == 0)
			break;
		if (now_mono_ms() > deadline)
			fl_die("not drained after 600 s: lag %lld, pending "
			    "%lld", lag, pending);
		usleep(10000);
	}
	t1 = now_mono_ms();
	usleep(500000);		/* the last dead letters land */
	if (mode != FL_CONVS)	/* read events wait out the lateness */
		usleep(3000000);
	dead += fl_trim(c);
	rss = fl_peak_rss_kb(pid);
	fl_done = 1;
	pthread_join(watcher, NULL);
	redisFree(c);
	free(big);
	free(json);

	if (mode != FL_CONVS) {
		printf("%s_entries=%lld\n", name, n);
		printf("%s_dead_lettered=%lld\n", name, dead);
		printf("%s_entries_per_s=%.0f\n", name,
		    n / ((t1 - t0) / 1000.0));
		printf("%s_peak_rss_mb=%.1f\n", name, rss / 1024.0);
		return (dead == nbig ? 0 : 1);
	}
	printf("flood_entries=%lld\n", n);
	printf("flood_oversize_entries=%lld\n", nbig);
	printf("flood_oversize_dead_lettered=%lld\n", dead);
	printf("flood_entries_per_s=%.0f\n", n / ((t1 - t0) / 1000.0));
	printf("flood_snapshots=%" PRIu64 "\n", fl_snapshots);
	printf("flood_max_publish_gap_ms=%" PRId64 "\n", fl_max_gap);
	printf("flood_peak_rss_mb=%.1f\n", rss / 1024.0);
	return (dead == nbig ? 0 : 1);
}
