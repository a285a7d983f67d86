/*
 * The do-nothing consumer the end-to-end benchmark compares replytimed
 * against: reads a stream through a consumer group and acknowledges it.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "clock.h"

#define NC_COUNT	"1000"	/* entries per read */
#define NC_BLOCK	"100"	/* ms a read waits on an empty stream */
#define NC_MAX_EMPTY	600	/* empty reads in a row before giving up */
#define NC_MAX_BATCH	1000

static const char	*nc_stream, *nc_group;
static const char	*nc_ackv[3 + NC_MAX_BATCH];
static size_t		 nc_ackl[3 + NC_MAX_BATCH];

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: nullconsumer HOST PORT STREAM GROUP N\n");
	exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "nullconsumer: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* Parses a whole decimal argument within [min, max], or exits. */
static long long
num_arg(const char *s, long long min, long long max, const char *what)
{
	char		*end;
	long long	 n;

	errno = 0;
	n = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || n < min || n > max)
		die("bad %s: %s", what, s);
	return (n);
}

/* Waits for the next pipelined reply; a connection error is fatal. */
static redisReply *
get_reply(redisContext *c, const char *what)
{
	void	*r;

	if (redisGetReply(c, &r) != REDIS_OK)
		die("%s: %s", what, c->errstr);
	if (((redisReply *)r)->type == REDIS_REPLY_ERROR)
		die("%s: %s", what, ((redisReply *)r)->str);
	return (r);
}

static void
append_read(redisContext *c)
{
	const char	*argv[] = { "XREADGROUP", "GROUP", nc_group,
	    "nullconsumer", "COUNT", NC_COUNT, "BLOCK", NC_BLOCK, "STREAMS",
	    nc_stream, ">" };

	if (redisAppendCommandArgv(c, sizeof(argv) / sizeof(argv[0]), argv,
	    NULL) != REDIS_OK)
		die("XREADGROUP: %s", c->errstr);
}

/*
 * Queues one XACK for every entry of an XREADGROUP reply.  Returns the
 * number of entries, 0 for an empty read.
 */
static size_t
append_ack(redisContext *c, const redisReply *r)
{
	const redisReply	*entries, *e;
	size_t			 i, n;

	if (r->type == REDIS_REPLY_NIL)
		return (0);
	if (r->type != REDIS_REPLY_ARRAY || r->elements != 1 ||
	    r->element[0]->type != REDIS_REPLY_ARRAY ||
	    r->element[0]->elements != 2 ||
	    r->element[0]->element[1]->type != REDIS_REPLY_ARRAY)
		die("XREADGROUP: unexpected reply");
	entries = r->element[0]->element[1];
	n = entries->elements;
	if (n == 0)
		return (0);
	if (n > NC_MAX_BATCH)
		die("XREADGROUP: %zu entries, asked for at most %d", n,
		    NC_MAX_BATCH);
	nc_ackv[0] = "XACK";
	nc_ackv[1] = nc_stream;
	nc_ackv[2] = nc_group;
	for (i = 0; i < 3; i++)
		nc_ackl[i] = strlen(nc_ackv[i]);
	for (i = 0; i < n; i++) {
		e = entries->element[i];
		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
		    e->element[0]->type != REDIS_REPLY_STRING)
			die("XREADGROUP: unexpected entry");
		nc_ackv[3 + i] = e->element[0]->str;
		nc_ackl[3 + i] = e->element[0]->len;
	}
	if (redisAppendCommandArgv(c, (int)(3 + n), nc_ackv, nc_ackl) !=
	    REDIS_OK)
		die("XACK: %s", c->errstr);
	return (n);
}

/*
 * Drains N entries: each batch's XACK goes out in the same write as the
 * next read, so there is one round trip per batch.
 */
int
main(int argc, char **argv)
{
	struct timeval	 tv = { 5, 0 };
	redisContext	*c;
	redisReply	*r;
	long long	 want, got = 0;
	size_t		 n;
	double		 t0, dt;
	int		 port, acking = 0, empty = 0;

	if (argc != 6)
		usage();
	port = (int)num_arg(argv[2], 1, 65535, "port");
	nc_stream = argv[3];
	nc_group = argv[4];
	want = num_arg(argv[5], 1, INT64_MAX, "entry count");

	c = redisConnectWithTimeout(argv[1], port, tv);
	if (c == NULL || c->err)
		die("connecting to %s:%d: %s", argv[1], port,
		    c != NULL ? c->errstr : "out of memory");
	r = redisCommand(c, "XGROUP CREATE %s %s 0 MKSTREAM", nc_stream,
	    nc_group);
	if (r == NULL)
		die("XGROUP CREATE: %s", c->errstr);
	if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP",
	    9) != 0)
		die("XGROUP CREATE: %s", r->str);
	freeReplyObject(r);

	t0 = clk_mono_s();
	append_read(c);
	for (;;) {
		if (acking) {
			freeReplyObject(get_reply(c, "XACK"));
			acking = 0;
		}
		r = get_reply(c, "XREADGROUP");
		n = append_ack(c, r);
		freeReplyObject(r);
		got += (long long)n;
		acking = n > 0;
		if (got >= want)
			break;
		if (n == 0 && ++empty == NC_MAX_EMPTY)
			die("%s ran dry after %lld of %lld entries", nc_stream,
			    got, want);
		if (n > 0)
			empty = 0;
		append_read(c);
	}
	if (acking)
		freeReplyObject(get_reply(c, "XACK"));
	dt = clk_mono_s() - t0;
	redisFree(c);

	printf("null_entries_per_s=%.0f\n", dt > 0 ? (double)got / dt : 0);
	printf("null_elapsed_s=%.3f\n", dt);
	printf("null_entries=%lld\n", got);
	return (0);
}
