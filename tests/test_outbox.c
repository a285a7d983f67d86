/*
 * Tests of the writer's queue (outbox.c) on the daemon's own Redis links
 * and event loop, against a real redis-server: order across an outage,
 * what is retained, writes refused for now or held, the fence of the
 * batch script (output.c), the bounds, the redial's backoff, and the
 * counts.
 */

#include <event2/event.h>

#include <criterion/criterion.h>

#include "clock.h"
#include "conf.h"
#include "engine.h"
#include "log.h"
#include "outbox.h"
#include "output.h"
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
static int		 to_drop_on_up;	/* the links fail right after up */

static void
to_up_cb(void *arg)
{
	(void)arg;
	to_ups++;
	outbox_up(to_ob);
	if (to_drop_on_up)
		redis_drop(to_r, "the test drops the links at once");
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
	to_drop_on_up = 0;
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

/* A command on the test's own connection that must answer OK. */
static void
to_ok(const char *cmd)
{
	redisReply	*r;

	r = redisCommand(to_rc, cmd);
	cr_assert_not_null(r, "%s: %s", cmd, to_rc->errstr);
	cr_assert_neq(r->type, REDIS_REPLY_ERROR, "%s: %s", cmd, r->str);
	freeReplyObject(r);
}

static int
to_is_held(void)
{
	return (outbox_held(to_ob) != NULL && outbox_inflight(to_ob) == 0);
}

static int
to_is_not_held(void)
{
	return (outbox_held(to_ob) == NULL && outbox_len(to_ob) == 0);
}

/* Turns the event loop for about ms. */
static void
to_run_for(int ms)
{
	struct timeval	 tick = { 0, TO_TICK_US };
	int64_t		 end = now_mono_ms() + ms;

	while (now_mono_ms() < end) {
		event_base_loopexit(to_base, &tick);
		event_base_dispatch(to_base);
	}
}

/*
 * A retained write refused for good (a key of the wrong type) is held
 * with everything after it, not dropped: nothing later lands first, the
 * answers of the writes sent after it are ignored (not taken for the
 * retry's), and once the key is fixed the queue goes on in order.
 */
Test(outbox, refused_write_held_not_dropped)
{
	const struct outbox_stats *st;
	size_t		 i;

	to_start();
	to_ok("HSET " TO_STREAM " x y");
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up), 0);
	for (i = 0; i < TO_N; i++)
		to_push_xadd(1, i);
	cr_assert_eq(to_run_until(to_is_held), 0, "never held");
	cr_expect(outbox_paused(to_ob));
	cr_expect_not_null(strstr(outbox_held(to_ob), "WRONGTYPE"), "held "
	    "for %s", outbox_held(to_ob));
	cr_expect_eq(outbox_len(to_ob), TO_N, "%zu writes kept",
	    outbox_len(to_ob));
	st = outbox_stats(to_ob);
	cr_expect_eq(st->holds, 1);
	cr_expect_eq(st->stale, TO_N - 1, "%llu answers ignored, want %d",
	    (unsigned long long)st->stale, TO_N - 1);
	/* retried with backoff meanwhile, and still held */
	to_run_for(400);
	cr_expect_geq(st->retries, 1);
	cr_expect_eq(outbox_len(to_ob), TO_N);
	cr_expect_not_null(outbox_held(to_ob));
	to_ok("DEL " TO_STREAM);
	cr_assert_eq(to_run_until(to_is_not_held), 0, "%zu writes left, "
	    "held: %s", outbox_len(to_ob), outbox_held(to_ob) ?
	    outbox_held(to_ob) : "no");
	to_expect_stream(TO_N);
	cr_expect_eq(st->written, TO_N);
	cr_expect_eq(st->holds, 1);
	cr_expect(!outbox_paused(to_ob));
	cr_expect_geq(to_drained, 1);
}

/* The outcome sink's input, by hand: a stamp and a conversation. */
static void
to_outcome(struct output *o, int64_t ts, const char *conv)
{
	struct outcome	 oc;

	memset(&oc, 0, sizeof(oc));
	oc.conv = conv;
	oc.ts = ts;
	oc.wait_ms = 1000;
	output_outcome(&oc, o);
}

/* A stream's IDs, comma-separated, in buf. */
static const char *
to_ids(const char *key, char *buf, size_t len)
{
	struct stream_list l = { 0 };
	size_t		 i, at = 0;

	buf[0] = '\0';
	cr_assert_eq(stream_read(to_rc, key, &l), 0);
	for (i = 0; i < l.n && at < len; i++)
		at += (size_t)snprintf(buf + at, len - at, "%s%s",
		    i > 0 ? "," : "", l.e[i].id);
	stream_list_free(&l);
	return (buf);
}

/*
 * The fence: batch 1 (a dead letter, then an outcome) is refused at its
 * dead letter; batch 2 (a later outcome), pipelined behind it, must not
 * land first, or its higher ID would shut batch 1's outcome out when
 * batch 1 is sent again.  Once the dead-letter key is fixed, both land.
 */
Test(outbox, fence_keeps_pipelined_batch_out)
{
	struct entry_field	 f[] = { { "role", 4, "wizard", 6 } };
	struct conf		*cf;
	struct output		*o;
	char			 ids[256];

	to_start();
	cf = conf_default();
	o = output_new(to_ob, cf);
	to_ok("HSET cs:events:dead x y");
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up), 0);
	output_dead(o, "50-0", f, 1, (enum reason)0);
	to_outcome(o, 100, "c1");
	output_flush(o, NULL, NULL, 0);
	to_outcome(o, 200, "c2");
	output_flush(o, NULL, NULL, 0);
	cr_expect_eq(outbox_inflight(to_ob), 2, "not pipelined");
	cr_assert_eq(to_run_until(to_is_held), 0, "never held");
	cr_expect_not_null(strstr(outbox_held(to_ob), "WRONGTYPE"));
	cr_expect_eq(outbox_stats(to_ob)->stale, 1);
	cr_expect_str_eq(to_ids("cs:outcomes", ids, sizeof(ids)), "",
	    "landed before the refused batch: %s", ids);
	to_ok("DEL cs:events:dead");
	cr_assert_eq(to_run_until(to_is_not_held), 0, "%zu writes left",
	    outbox_len(to_ob));
	cr_expect_str_eq(to_ids("cs:outcomes", ids, sizeof(ids)),
	    "100-0,200-0");
	cr_expect_str_eq(to_ids("cs:events:dead", ids, sizeof(ids)), "50-0");
	output_free(o);
	conf_free(cf);
}

/*
 * The fence is checked only behind an unanswered batch: the first batch
 * in line goes through even when the entry its fence names is gone (the
 * stream deleted by hand in between).
 */
Test(outbox, fence_off_for_the_first_in_line)
{
	struct conf	*cf;
	struct output	*o;
	char		 ids[256];

	to_start();
	cf = conf_default();
	o = output_new(to_ob, cf);
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up), 0);
	to_outcome(o, 100, "c1");
	output_flush(o, NULL, NULL, 0);
	cr_assert_eq(to_run_until(to_is_empty), 0);
	to_ok("DEL cs:outcomes");
	to_outcome(o, 200, "c2");
	output_flush(o, NULL, NULL, 0);
	cr_assert_eq(to_run_until(to_is_empty), 0);
	cr_expect_str_eq(to_ids("cs:outcomes", ids, sizeof(ids)), "200-0");
	cr_expect_eq(outbox_stats(to_ob)->holds, 0);
	output_free(o);
	conf_free(cf);
}

static int
to_is_up_and_resumed(void)
{
	return (redis_up(to_r) && !outbox_paused(to_ob));
}

/*
 * The bound in bytes: past it the reader is told to pause (counted
 * once), under half of it to go on; nothing is dropped for it.
 */
Test(outbox, byte_bound_pauses_and_resumes)
{
	size_t	 i, one;

	to_start();
	outbox_free(to_ob);
	to_ob = outbox_new(to_base, to_r, 4096, to_drained_cb, NULL);
	to_push_xadd(1, 0);
	one = outbox_bytes(to_ob);
	cr_assert_gt(one, 0);
	for (i = 1; outbox_bytes(to_ob) <= 4096; i++)
		to_push_xadd(1, i);
	cr_expect(outbox_paused(to_ob), "%zu bytes, not paused",
	    outbox_bytes(to_ob));
	cr_expect_eq(outbox_stats(to_ob)->full, 1);
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up_and_resumed), 0);
	cr_assert_eq(to_run_until(to_is_empty), 0);
	cr_expect_eq(outbox_bytes(to_ob), 0);
	to_expect_stream(i);
	cr_expect_eq(outbox_stats(to_ob)->full, 1);
	cr_expect_eq(outbox_stats(to_ob)->dropped, 0);
	cr_expect_geq(to_drained, 1);
}

/* No more calls await an answer on the link than REDIS_MAX_CALLS. */
Test(outbox, calls_in_flight_bounded)
{
	size_t	 i, n = REDIS_MAX_CALLS * 3;

	to_start();
	redis_start(to_r);
	cr_assert_eq(to_run_until(to_is_up), 0);
	for (i = 0; i < n; i++)
		to_push_xadd(1, i);
	cr_expect_eq(outbox_inflight(to_ob), REDIS_MAX_CALLS, "%zu in "
	    "flight", outbox_inflight(to_ob));
	cr_assert_eq(to_run_until(to_is_empty), 0, "%zu writes left",
	    outbox_len(to_ob));
	to_expect_stream(n);
	to_expect_stats(n, 0, 0, 0);
}

/*
 * The redial's backoff, for a fixed seed: each wait in the upper half of
 * 100 ms doubling to 5 s, not reset by a link that failed at once, reset
 * by one that stayed up.
 */
Test(outbox, backoff_grows_with_jitter)
{
	struct redis_backoff	 b = { 0, 42 }, c = { 0, 42 };
	int64_t			 want = REDIS_BACKOFF_MIN, d;
	int			 i, differ = 0;

	for (i = 0; i < 12; i++) {
		d = redis_backoff_next(&b, 0);
		cr_expect(d >= want / 2 && d <= want, "wait %d: %lld ms, "
		    "want [%lld, %lld]", i, (long long)d,
		    (long long)want / 2, (long long)want);
		if (d != want)
			differ++;
		cr_expect_eq(redis_backoff_next(&c, 0), d, "not seeded");
		want = want * 2 > REDIS_BACKOFF_MAX ? REDIS_BACKOFF_MAX :
		    want * 2;
	}
	cr_expect_gt(differ, 0, "no jitter");
	d = redis_backoff_next(&b, 1);
	cr_expect(d >= REDIS_BACKOFF_MIN / 2 && d <= REDIS_BACKOFF_MIN,
	    "after a stable link: %lld ms", (long long)d);
}

/*
 * A link that fails right after it comes up does not reset the backoff:
 * over three seconds the links come up a few times, not at 10 Hz.
 */
Test(outbox, redial_backoff_not_reset_by_a_failing_link)
{
	to_start();
	to_drop_on_up = 1;
	redis_start(to_r);
	to_run_for(3000);
	cr_expect_geq(to_ups, 2, "never redialled");
	cr_expect_leq(to_ups, 8, "%d connections in 3 s", to_ups);
}
