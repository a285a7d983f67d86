/*
 * Fills a Redis stream with a simulated hour of support chat, in time
 * order, with pipelined XADDs: the input of the end-to-end benchmark.
 */

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <hiredis/hiredis.h>

#define LG_SEC		1000LL
#define LG_SPAN_MS	(3600 * LG_SEC)	/* the hour the entries cover ... */
#define LG_END_MS	(5 * LG_SEC)	/* ... ending this long before now */
#define LG_PIPELINE	1000		/* XADDs per round trip */
#define LG_NAGENTS	500
#define LG_NTEAMS	12
#define LG_EVENTS_PER_CONV 9		/* about, for the arrival rate */
#define LG_ARRIVAL	UINT32_MAX	/* heap item: a new conversation */

static const char *const lg_teams[LG_NTEAMS] = {
	"billing", "sales", "support-en", "support-de", "support-fr",
	"returns", "shipping", "accounts", "enterprise", "onboarding",
	"tech-l2", "retention"
};

/* What a conversation does next. */
enum lg_next {
	LG_CUSTOMER,
	LG_BOT,
	LG_ASSIGN,
	LG_AGENT,
	LG_CLOSE
};

struct lg_conv {
	char		 id[40];
	int		 agent;		/* -1: not assigned */
	uint8_t		 team;
	uint8_t		 next;		/* enum lg_next */
	uint8_t		 bot;		/* a bot takes the first message */
	uint8_t		 bot_done;
	uint8_t		 more;		/* customer messages left in a burst */
	uint8_t		 rounds;	/* agent answers so far */
	uint8_t		 max_rounds;
};

struct lg_item {
	int64_t		 t;		/* simulated ms from the start */
	uint32_t	 conv;		/* or LG_ARRIVAL */
};

/* One entry to write. */
struct lg_entry {
	int64_t		 ts;
	const char	*conv;
	const char	*role;		/* NULL for assign and close */
	const char	*type;		/* NULL for a message */
	int		 agent;		/* -1: none */
	const char	*team;
	char		 msgid[40];	/* message_id, "" for none */
};

struct lg_sim {
	uint64_t	 rng;
	struct lg_conv	*convs;
	size_t		 nconvs, capconvs;
	struct lg_item	*heap;
	size_t		 nheap, capheap;
};

typedef void lg_emit_fn(const struct lg_entry *, void *);

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: loadgen HOST PORT STREAM N [SEED]\n");
	exit(2);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	fprintf(stderr, "loadgen: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static void *
grow(void *p, size_t *cap, size_t size)
{
	*cap = *cap != 0 ? *cap * 2 : 1024;
	if ((p = realloc(p, *cap * size)) == NULL)
		die("out of memory");
	return (p);
}

/* splitmix64: small, fast and the same everywhere for a seed. */
static uint64_t
rng_next(uint64_t *s)
{
	uint64_t	 z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (z ^ (z >> 31));
}

static double
rng_unit(uint64_t *s)
{
	return ((double)(rng_next(s) >> 11) / 9007199254740992.0);
}

/* A uniformly random duration in [lo_s, hi_s] seconds, in ms. */
static int64_t
rng_ms(uint64_t *s, double lo_s, double hi_s)
{
	return ((int64_t)((lo_s + (hi_s - lo_s) * rng_unit(s)) * 1000));
}

/* Writes a random version-4 UUID, 36 characters. */
static void
rng_uuid(uint64_t *s, char *buf, size_t size)
{
	uint64_t	 a = rng_next(s), b = rng_next(s);

	snprintf(buf, size, "%08" PRIx64 "-%04" PRIx64 "-4%03" PRIx64
	    "-%04" PRIx64 "-%012" PRIx64, a >> 32, (a >> 16) & 0xffff,
	    a & 0xfff, ((b >> 48) & 0x3fff) | 0x8000,
	    b & UINT64_C(0xffffffffffff));
}

/*
 * How long an agent takes to answer: mostly well inside the targets, a
 * tail past 180 s so that misses and late responses happen too.
 */
static int64_t
reply_delay(uint64_t *s, int first)
{
	double	 u = rng_unit(s);

	if (first && u < 0.7)
		return (rng_ms(s, 2, 30));
	if (u < 0.75)
		return (rng_ms(s, 4, 60));
	if (u < 0.94)
		return (rng_ms(s, 60, 180));
	if (u < 0.99)
		return (rng_ms(s, 180, 420));
	return (rng_ms(s, 420, 1200));
}

static void
heap_push(struct lg_sim *sim, int64_t t, uint32_t conv)
{
	struct lg_item	 it = { t, conv };
	size_t		 i, up;

	if (sim->nheap == sim->capheap)
		sim->heap = grow(sim->heap, &sim->capheap,
		    sizeof(*sim->heap));
	for (i = sim->nheap++; i > 0; i = up) {
		up = (i - 1) / 2;
		if (sim->heap[up].t <= t)
			break;
		sim->heap[i] = sim->heap[up];
	}
	sim->heap[i] = it;
}

static struct lg_item
heap_pop(struct lg_sim *sim)
{
	struct lg_item	 top = sim->heap[0], last;
	size_t		 i = 0, c, n;

	n = --sim->nheap;
	last = sim->heap[n];
	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && sim->heap[c + 1].t < sim->heap[c].t)
			c++;
		if (last.t <= sim->heap[c].t)
			break;
		sim->heap[i] = sim->heap[c];
		i = c;
	}
	if (n > 0)
		sim->heap[i] = last;
	return (top);
}

/* Opens a conversation: its first customer message comes now. */
static uint32_t
conv_new(struct lg_sim *sim)
{
	struct lg_conv	*cv;

	if (sim->nconvs == sim->capconvs)
		sim->convs = grow(sim->convs, &sim->capconvs,
		    sizeof(*sim->convs));
	cv = &sim->convs[sim->nconvs];
	memset(cv, 0, sizeof(*cv));
	rng_uuid(&sim->rng, cv->id, sizeof(cv->id));
	cv->agent = -1;
	cv->team = (uint8_t)(rng_next(&sim->rng) % LG_NTEAMS);
	cv->next = LG_CUSTOMER;
	cv->bot = rng_unit(&sim->rng) < 0.3;
	cv->more = rng_unit(&sim->rng) < 0.25 ? 1 : 0;
	cv->max_rounds = (uint8_t)(1 + rng_next(&sim->rng) % 6);
	return ((uint32_t)sim->nconvs++);
}

/* A new customer turn: sometimes several messages in a row. */
static void
conv_customer_turn(struct lg_sim *sim, struct lg_conv *cv)
{
	cv->next = LG_CUSTOMER;
	cv->more = (uint8_t)(rng_unit(&sim->rng) < 0.25 ?
	    1 + rng_next(&sim->rng) % 2 : 0);
}

/*
 * Plays one conversation event at t: fills *e and schedules what the
 * conversation does next.  Returns 0, or -1 if there is no event.
 */
static int
conv_step(struct lg_sim *sim, uint32_t ci, int64_t t, struct lg_entry *e)
{
	struct lg_conv	*cv = &sim->convs[ci];
	uint64_t	*s = &sim->rng;
	int64_t		 next = -1;

	memset(e, 0, sizeof(*e));
	e->ts = t;
	e->conv = cv->id;
	e->team = lg_teams[cv->team];
	e->agent = -1;
	switch (cv->next) {
	case LG_CUSTOMER:
		e->role = "customer";
		e->agent = cv->agent;
		if (cv->more > 0) {
			cv->more--;
			next = t + rng_ms(s, 3, 20);
		} else if (cv->bot && !cv->bot_done) {
			cv->next = LG_BOT;
			next = t + rng_ms(s, 1, 4);
		} else if (cv->agent == -1) {
			cv->next = LG_ASSIGN;
			next = t + rng_ms(s, 2, 30);
		} else {
			cv->next = LG_AGENT;
			next = t + reply_delay(s, 0);
		}
		break;
	case LG_BOT:
		e->role = "bot";
		cv->bot_done = 1;
		if (rng_unit(s) < 0.35) {
			cv->next = LG_CLOSE;
			next = t + rng_ms(s, 20, 90);
		} else {
			conv_customer_turn(sim, cv);
			next = t + rng_ms(s, 5, 40);
		}
		break;
	case LG_ASSIGN:
		e->type = "assign";
		cv->agent = (int)(cv->team + LG_NTEAMS *
		    (rng_next(s) % (LG_NAGENTS / LG_NTEAMS)));
		e->agent = cv->agent;
		cv->next = LG_AGENT;
		next = t + reply_delay(s, cv->rounds == 0);
		break;
	case LG_AGENT:
		e->role = "agent";
		e->agent = cv->agent;
		cv->rounds++;
		if (rng_unit(s) < 0.12)
			next = t + rng_ms(s, 3, 25);	/* a follow-up */
		else if (cv->rounds >= cv->max_rounds) {
			cv->next = LG_CLOSE;
			next = t + rng_ms(s, 10, 120);
		} else if (rng_unit(s) < 0.04) {
			cv->next = LG_ASSIGN;		/* a transfer */
			next = t + rng_ms(s, 5, 60);
		} else if (rng_unit(s) < 0.05)
			next = -1;			/* the customer left */
		else {
			conv_customer_turn(sim, cv);
			next = t + rng_ms(s, 10, 150);
		}
		break;
	case LG_CLOSE:
		e->type = "close";
		e->agent = cv->agent;
		break;
	default:
		return (-1);
	}
	if (e->role != NULL)
		rng_uuid(s, e->msgid, sizeof(e->msgid));
	if (next != -1)
		heap_push(sim, next, ci);
	return (0);
}

/*
 * Runs the simulation until n entries, conversations arriving every
 * arrival_ms on average, calling emit (if not NULL) for each entry in time
 * order.  Returns the time of the last entry, in simulated ms.
 */
static int64_t
simulate(uint64_t seed, int64_t n, double arrival_ms, lg_emit_fn *emit,
    void *arg)
{
	struct lg_sim	 sim;
	struct lg_entry	 e;
	struct lg_item	 it;
	int64_t		 done = 0, last = 0;

	memset(&sim, 0, sizeof(sim));
	sim.rng = seed;
	heap_push(&sim, 0, LG_ARRIVAL);
	while (done < n) {
		it = heap_pop(&sim);
		if (it.conv == LG_ARRIVAL) {
			/* Poisson arrivals: exponential gaps. */
			heap_push(&sim, it.t + 1 + (int64_t)(-arrival_ms *
			    log1p(-rng_unit(&sim.rng))), LG_ARRIVAL);
			it.conv = conv_new(&sim);
		}
		if (conv_step(&sim, it.conv, it.t, &e) == -1)
			continue;
		if (emit != NULL)
			emit(&e, arg);
		last = it.t;
		done++;
	}
	free(sim.convs);
	free(sim.heap);
	return (last);
}

struct lg_out {
	redisContext	*c;
	const char	*stream;
	int64_t		 base;		/* wall-clock ms of simulated 0 */
	int		 queued;
};

/* Reads the replies of the queued XADDs; an error is fatal. */
static void
out_flush(struct lg_out *o)
{
	void	*r;

	for (; o->queued > 0; o->queued--) {
		if (redisGetReply(o->c, &r) != REDIS_OK)
			die("XADD: %s", o->c->errstr);
		if (((redisReply *)r)->type == REDIS_REPLY_ERROR)
			die("XADD: %s", ((redisReply *)r)->str);
		freeReplyObject(r);
	}
}

/* Queues one XADD with the entry's flat fields. */
static void
out_emit(const struct lg_entry *e, void *arg)
{
	struct lg_out	*o = arg;
	const char	*argv[17];
	char		 agent[32], ts[32];
	int		 argc = 0;

	argv[argc++] = "XADD";
	argv[argc++] = o->stream;
	argv[argc++] = "*";
	argv[argc++] = "conversation";
	argv[argc++] = e->conv;
	if (e->role != NULL) {
		argv[argc++] = "role";
		argv[argc++] = e->role;
	}
	if (e->agent != -1) {
		snprintf(agent, sizeof(agent), "agent-%04d", e->agent);
		argv[argc++] = "agent";
		argv[argc++] = agent;
	}
	argv[argc++] = "team";
	argv[argc++] = e->team;
	if (e->type != NULL) {
		argv[argc++] = "type";
		argv[argc++] = e->type;
	}
	if (e->msgid[0] != '\0') {
		argv[argc++] = "message_id";
		argv[argc++] = e->msgid;
	}
	snprintf(ts, sizeof(ts), "%" PRId64, o->base + e->ts);
	argv[argc++] = "ts";
	argv[argc++] = ts;
	if (redisAppendCommandArgv(o->c, argc, argv, NULL) != REDIS_OK)
		die("XADD: %s", o->c->errstr);
	if (++o->queued == LG_PIPELINE)
		out_flush(o);
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

static int64_t
wall_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static double
mono_s(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
}

/*
 * Simulates three times with the same seed: the first run calibrates the
 * arrival rate so that the entries span about an hour, the second finds
 * exactly how long they span, so that the third can end them just before
 * now.
 */
int
main(int argc, char **argv)
{
	struct timeval	 tv = { 5, 0 };
	struct lg_out	 o;
	int64_t		 n, span;
	uint64_t	 seed = 1;
	double		 arrival, t0, dt;
	int		 port;

	if (argc != 5 && argc != 6)
		usage();
	port = (int)num_arg(argv[2], 1, 65535, "port");
	n = num_arg(argv[4], 1, INT64_MAX / 2, "entry count");
	if (argc == 6)
		seed = (uint64_t)num_arg(argv[5], 0, INT64_MAX, "seed");

	memset(&o, 0, sizeof(o));
	o.stream = argv[3];
	o.c = redisConnectWithTimeout(argv[1], port, tv);
	if (o.c == NULL || o.c->err)
		die("connecting to %s:%d: %s", argv[1], port,
		    o.c != NULL ? o.c->errstr : "out of memory");

	arrival = (double)LG_SPAN_MS * LG_EVENTS_PER_CONV / (double)n;
	span = simulate(seed, n, arrival, NULL, NULL);
	if (span > 0)
		arrival *= (double)LG_SPAN_MS / (double)span;
	span = simulate(seed, n, arrival, NULL, NULL);
	t0 = mono_s();
	o.base = wall_ms() - LG_END_MS - span;
	simulate(seed, n, arrival, out_emit, &o);
	out_flush(&o);
	dt = mono_s() - t0;
	redisFree(o.c);

	printf("loadgen_entries=%" PRId64 "\n", n);
	printf("loadgen_span_s=%.0f\n", (double)span / 1000);
	printf("loadgen_entries_per_s=%.0f\n", dt > 0 ? (double)n / dt : 0);
	return (0);
}
