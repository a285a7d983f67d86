/*
 * Tests of the writer's queue (outbox.c) on the daemon's own Redis links
 * and event loop, against a real redis-server: order across an outage,
 * what is retained, writes refused for now, and the counts.
 */

#include <event2/event.h>

#include <criterion/criterion.h>

#include "clock.h"
#include "log.h"
#include "outbox.h"
#include "redis.h"
#include "rserver.h"
#include "stream.h"

#define TO_WAIT_MS	10000		/* for the queue to settle */
#define TO_TICK_US	10000		/* the loop's turn between checks */
#define TO_N		200		/* writes of a test */
#define TO_STREAM	"ob:events"
#define TO_IDLEN	32
#define TO_MAX_BYTES	(64 * 1024 * 1024)

static struct rserver	 to_srv;
static redisContext	*to_rc;		/* a synchronous client, to look */
static struct event_base *to_base;
static struct redis	*to_r;
static struct outbox	*to_ob;
static int		 to_ups, to_downs, to_drained;

static void
to_up_cb(void *arg)
{
	(void)arg;
	to_ups++;
	outbox_up(to_ob);
}

static void
to_down_cb(void *arg)
{
	(void)arg;
	to_downs++;
	outbox_down(to_ob);
}

static void
to_drained_cb(void *arg)
{
	(void)arg;
	to_drained++;
}

static void
to_setup(void)
{
	memset(&to_srv, 0, sizeof(to_srv));
	to_srv.pid = to_srv.guard = -1;
	to_srv.guardfd = -1;
	to_rc = NULL;
	to_r = NULL;
	to_ob = NULL;
	to_ups = to_downs = to_drained = 0;
	log_init(LOG_LEVEL_ERROR, NULL);
	to_base = event_base_new();
	cr_assert_not_null(to_base);
}

/* Runs after a failed assertion too: nothing may outlive the test. */
static void
to_teardown(void)
{
	outbox_free(to_ob);
	redis_free(to_r);
	if (to_base != NULL)
		event_base_free(to_base);
	if (to_rc != NULL)
		redisFree(to_rc);
	rserver_cleanup(&to_srv);
}

TestSuite(outbox, .init = to_setup, .fini = to_teardown, .timeout = 60);

/* A redis-server, and the links and the queue on it, not yet dialled. */
static void
to_start(void)
{
	static const struct redis_hooks hooks = { to_up_cb, to_down_cb, NULL };

	cr_assert_eq(rserver_start(&to_srv, (char *)NULL), 0,
	    "redis-server did not start (in %s)", to_srv.dir);
	to_rc = rserver_connect(&to_srv);
	cr_assert_not_null(to_rc, "cannot connect to redis-server");
	to_r = redis_new(to_base, "127.0.0.1", to_srv.port, NULL, NULL,
	    &hooks);
	to_ob = outbox_new(to_base, to_r, TO_MAX_BYTES, to_drained_cb, NULL);
}

/* Turns the event loop until cond holds: 0, or -1 after TO_WAIT_MS. */
static int
to_run_until(int (*cond)(void))
{
	struct timeval	 tick = { 0, TO_TICK_US };
	int64_t		 end = now_mono_ms() + clk_scaled(TO_WAIT_MS);

	while (!cond()) {
		if (now_mono_ms() >= end)
			return (-1);
		event_base_loopexit(to_base, &tick);
		event_base_dispatch(to_base);
	}
	return (0);
}

static int
to_is_up(void)
{
	return (redis_up(to_r));
}

static int
to_is_empty(void)
{
	return (outbox_len(to_ob) == 0);
}

static int
to_is_up_and_empty(void)
{
	return (redis_up(to_r) && outbox_len(to_ob) == 0);
}

static int
to_is_deferred(void)
{
	return (outbox_stats(to_ob)->deferred > 0);
}

/* The ID of write i: explicit, so that a second copy is refused. */
static void
to_id(size_t i, char *buf, size_t len)
{
	snprintf(buf, len, "%zu-1", i + 1);
}

/* XADD TO_STREAM <id of i> n <i>: the head and its fields apart. */
static void
to_push_xadd(int retain, size_t i)
{
	struct resp	 head = { 0 }, tail = { 0 };
	char		 id[TO_IDLEN], n[TO_IDLEN];

	to_id(i, id, sizeof(id));
	snprintf(n, sizeof(n), "%zu", i);
	resp_addstr(&head, "XADD");
	resp_addstr(&head, TO_STREAM);
	resp_addstr(&head, id);
	resp_addstr(&tail, "n");
	resp_addstr(&tail, n);
	outbox_push(to_ob, retain, &head, &tail);
	resp_clear(&head);
	resp_clear(&tail);
}

/* One command of a few arguments, NULL-terminated, no tail. */
static void __attribute__((sentinel))
to_push(int retain, ...)
{
	struct resp	 c = { 0 };
	const char	*s;
	va_list		 ap;

	va_start(ap, retain);
	while ((s = va_arg(ap, const char *)) != NULL)
		resp_addstr(&c, s);
	va_end(ap);
	outbox_push(to_ob, retain, &c, NULL);
	resp_clear(&c);
}

/* The stream holds exactly writes [0, n), once each, in order. */
static void
to_expect_stream(size_t n)
{
	struct stream_list l = { 0 };
	char		 id[TO_IDLEN], v[TO_IDLEN];
	size_t		 i;

	cr_assert_eq(stream_read(to_rc, TO_STREAM, &l), 0);
	cr_assert_eq(l.n, n, "%zu entries, want %zu", l.n, n);
	for (i = 0; i < n; i++) {
		to_id(i, id, sizeof(id));
		snprintf(v, sizeof(v), "%zu", i);
		cr_assert_str_eq(l.e[i].id, id);
		cr_assert_not_null(stream_field(&l.e[i], "n"));
		cr_assert_str_eq(stream_field(&l.e[i], "n"), v,
		    "entry %zu holds n=%s", i, stream_field(&l.e[i], "n"));
	}
	stream_list_free(&l);
}

static void
to_expect_stats(uint64_t written, uint64_t already, uint64_t errors,
    uint64_t dropped)
{
	const struct outbox_stats *st = outbox_stats(to_ob);

	cr_expect_eq(st->written, written, "written %llu, want %llu",
	    (unsigned long long)st->written, (unsigned long long)written);
	cr_expect_eq(st->already, already, "already %llu, want %llu",
	    (unsigned long long)st->already, (unsigned long long)already);
	cr_expect_eq(st->errors, errors, "errors %llu, want %llu",
	    (unsigned long long)st->errors, (unsigned long long)errors);
	cr_expect_eq(st->dropped, dropped, "dropped %llu, want %llu",
	    (unsigned long long)st->dropped, (unsigned long long)dropped);
}

/* Retained writes queued while down go out in order once up. */
Test(outbox, queued_while_down_sent_in_order_once_up)
{
	size_t	 i;

	to_start();
	for (i = 0; i < TO_N; i++)
		to_push_xadd(1, i);
	cr_assert_eq(outbox_len(to_ob), TO_N);
	cr_assert_eq(stream_len(to_rc, TO_STREAM), 0, "sent while down");
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up_and_empty), 0,
	    "%zu writes left", outbox_len(to_ob));
	to_expect_stream(TO_N);
	to_expect_stats(TO_N, 0, 0, 0);
	cr_expect_eq(to_ups, 1);
	cr_expect_geq(to_drained, 1, "never told it drained");
}

/* The value of a string key, copied into buf; "" when missing. */
static const char *
to_get(const char *key, char *buf, size_t len)
{
	redisReply	*r;

	r = redisCommand(to_rc, "GET %s", key);
	cr_assert_not_null(r, "GET: %s", to_rc->errstr);
	snprintf(buf, len, "%s", r->type == REDIS_REPLY_STRING ? r->str : "");
	freeReplyObject(r);
	return (buf);
}

/* An unretained write (a snapshot) is not even queued while down. */
Test(outbox, unretained_dropped_while_down)
{
	char	 v[TO_IDLEN];

	to_start();
	to_push(0, "SET", "snap", "1", (char *)NULL);
	to_push(0, "SET", "snap", "2", (char *)NULL);
	cr_assert_eq(outbox_len(to_ob), 0);
	to_expect_stats(0, 0, 0, 2);
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up), 0);
	cr_expect_str_eq(to_get("snap", v, sizeof(v)), "");
	to_push(0, "SET", "snap", "3", (char *)NULL);
	cr_assert_eq(to_run_until(to_is_empty), 0);
	cr_expect_str_eq(to_get("snap", v, sizeof(v)), "3");
	to_expect_stats(1, 0, 0, 2);
}

/*
 * The links drop with writes sent and unanswered: the retained ones are
 * sent again (a copy that had landed is refused as already there), the
 * others are dropped and counted.  Order holds across the outage.
 */
Test(outbox, drop_keeps_retained_drops_the_rest)
{
	const struct outbox_stats *st;
	size_t		 i, nsnap = 0;

	to_start();
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up), 0);
	for (i = 0; i < TO_N; i++) {
		to_push_xadd(1, i);
		if (i % 10 == 0) {
			to_push(0, "SET", "snap", "x", (char *)NULL);
			nsnap++;
		}
	}
	cr_assert_eq(outbox_len(to_ob), TO_N + nsnap);
	redis_drop(to_r, "the test drops the links");
	cr_assert_eq(to_run_until(to_is_up_and_empty), 0,
	    "%zu writes left", outbox_len(to_ob));
	cr_expect_eq(to_downs, 1);
	cr_expect_eq(to_ups, 2);
	to_expect_stream(TO_N);
	st = outbox_stats(to_ob);
	cr_expect_eq(st->written + st->already, TO_N, "written %llu + "
	    "already %llu, want %d", (unsigned long long)st->written,
	    (unsigned long long)st->already, TO_N);
	cr_expect_eq(st->dropped, nsnap);
	cr_expect_eq(st->errors, 0);
}

/*
 * Writes that the server refuses for now (out of memory) are kept and
 * sent again until it takes them; the first of them is counted deferred.
 */
Test(outbox, transient_refusal_retried)
{
	redisReply	*r;
	size_t		 i;

	to_start();
	r = redisCommand(to_rc, "CONFIG SET maxmemory-policy noeviction");
	cr_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	r = redisCommand(to_rc, "CONFIG SET maxmemory 1");
	cr_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up), 0);
	for (i = 0; i < TO_N; i++)
		to_push_xadd(1, i);
	cr_assert_eq(to_run_until(to_is_deferred), 0, "never refused");
	cr_expect_eq(outbox_len(to_ob), TO_N);
	cr_expect_eq(stream_len(to_rc, TO_STREAM), 0);
	r = redisCommand(to_rc, "CONFIG SET maxmemory 0");
	cr_assert(r != NULL && r->type == REDIS_REPLY_STATUS);
	freeReplyObject(r);
	cr_assert_eq(to_run_until(to_is_up_and_empty), 0,
	    "%zu writes left", outbox_len(to_ob));
	to_expect_stream(TO_N);
	to_expect_stats(TO_N, 0, 0, 0);
	cr_expect_geq(to_downs, 1, "a refusal drops the links");
}

/*
 * Each answer is counted once: written, already there (an ID not above
 * the top), or refused for another reason; the queue goes on past the
 * refusal of an unretained write, in order.
 */
Test(outbox, stats_count_each_answer)
{
	char	 v[TO_IDLEN];

	to_start();
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up), 0);
	to_push_xadd(1, 0);
	to_push_xadd(1, 1);
	to_push_xadd(1, 0);				/* already */
	to_push(1, "SET", "k", "text", (char *)NULL);
	to_push(0, "INCR", "k", (char *)NULL);		/* not a number */
	to_push(0, "HSET", "k", "f", "v", (char *)NULL);	/* wrong type */
	to_push(0, "APPEND", "k", "-more", (char *)NULL);
	to_push_xadd(1, 2);
	cr_assert_eq(to_run_until(to_is_empty), 0);
	to_expect_stream(3);
	to_expect_stats(5, 1, 2, 0);
	cr_expect_str_eq(to_get("k", v, sizeof(v)), "text-more");
	cr_expect_eq(outbox_stats(to_ob)->deferred, 0);
	cr_expect_geq(to_drained, 1);
}

/* The queue free with writes still in it frees them (ASan checks). */
Test(outbox, free_with_writes_queued)
{
	size_t	 i;

	to_start();
	for (i = 0; i < TO_N; i++)
		to_push_xadd(1, i);
	cr_assert_eq(outbox_len(to_ob), TO_N);
	outbox_free(to_ob);
	to_ob = NULL;
}
