/* Realistic support chat traffic into a Redis stream, live or as a backlog. */

#include <sys/types.h>

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "clock.h"
#include "prng.h"
#include "resp.h"
#include "secret.h"

#define GEN_NAME	"replytime-gen"
#define GEN_SEC		1000LL
#define GEN_PIPELINE	1000		/* XADDs per round trip */
#define GEN_CONVLEN	48		/* "c<seed>-<n>" */
#define GEN_MSGIDLEN	64		/* "<conversation>-<n>[-l]" */
#define GEN_MAX_TEAMS	255
#define GEN_MAX_ID	256		/* the contract's longest identifier */
#define GEN_LONG_ID	300		/* an oversize conversation id */
#define GEN_MIN_TS	946684800000LL	/* 2000-01-01, the contract's floor */
#define GEN_SIGMA	0.75		/* spread of the log-normal delays */
#define GEN_JSON_SHARE	0.02		/* entries in the `json` form */
#define GEN_DUP_SHARE	0.005		/* messages delivered twice */
#define GEN_TYPE_SHARE	0.1		/* messages with an explicit type */
#define GEN_LAG_MS	1000		/* live: behind by more, catch up */
#define GEN_CONNECT_S	2		/* connect timeout */
#define GEN_REPLY_S	10		/* reply timeout */

static const char *const gen_team_names[] = {
	"billing", "sales", "support-en", "support-de", "support-fr",
	"returns", "shipping", "accounts", "enterprise", "onboarding",
	"tech-l2", "retention"
};
#define GEN_NAMED_TEAMS	(sizeof(gen_team_names) / sizeof(gen_team_names[0]))

/* What a planned event is; the tables below give its role and type. */
enum ev_kind {
	EV_CUSTOMER,
	EV_AGENT,
	EV_BOT,
	EV_SYSTEM,
	EV_ASSIGN,
	EV_CLOSE
};

static const char *const ev_roles[] = {
	"customer", "agent", "bot", "system", NULL, NULL
};
static const char *const ev_types[] = {
	"message", "message", "message", "message", "assign", "close"
};

#define EVF_JSON	0x01		/* written as one `json` field */
#define EVF_DUP		0x02		/* written twice */
#define EVF_TYPE	0x04		/* says type=message explicitly */

/* The ways an entry is broken, for the daemon to dead-letter. */
enum bad_kind {
	BAD_NONE,
	BAD_NO_CONV,			/* no conversation */
	BAD_ROLE,			/* a role the contract does not know */
	BAD_TS_TEXT,			/* ts not an integer */
	BAD_TS_OLD,			/* ts before 2000 */
	BAD_JSON,			/* a malformed `json` field */
	BAD_LONG_CONV,			/* conversation over 256 bytes */
	BAD_COUNT
};

static const char *const bad_roles[] = {
	"robot", "Customer", "operator", "human"
};

struct opts {
	const char	*host;
	long long	 port;
	const char	*stream;
	const char	*password_file;
	long long	 agents;
	long long	 teams;
	double		 rate;		/* conversations per second */
	int		 rate_set;
	double		 median;	/* s */
	double		 slow_share;
	double		 bot_share;
	double		 unanswered_share;
	double		 bad_share;
	double		 late_share;
	uint64_t	 seed;
	int		 seed_set;
	int		 live;
	double		 duration;	/* s, 0: until a signal */
	double		 backlog;	/* hours, 0: not a backlog */
	long long	 count;		/* 0: no limit */
};

/* One event of a conversation's plan. */
struct plan_ev {
	int64_t		 t;		/* ms from the conversation's start */
	int32_t		 agent;		/* -1: none */
	uint8_t		 kind;		/* enum ev_kind */
	uint8_t		 team;
	uint8_t		 flags;		/* EVF_* */
};

/* A conversation in progress: its whole plan, and how far it got. */
struct conv {
	char		 id[GEN_CONVLEN];
	int64_t		 start;		/* simulated ms */
	struct plan_ev	*ev;
	uint32_t	 nev;
	uint32_t	 capev;
	uint32_t	 next;
};

/* Heap item: the next event of the conversation in slot. */
struct item {
	int64_t		 t;
	uint64_t	 seq;		/* ties keep scheduling order */
	uint32_t	 slot;
};

/* One entry to write. */
struct entry {
	int64_t		 at;		/* simulated ms it is written at */
	int64_t		 back;		/* ms its ts lags behind (late) */
	int64_t		 ts;		/* wall-clock ms, set when queued */
	int32_t		 agent;		/* -1: none */
	uint8_t		 kind;		/* enum ev_kind */
	uint8_t		 team;
	uint8_t		 flags;		/* EVF_* */
	uint8_t		 bad;		/* enum bad_kind */
	uint8_t		 variant;	/* which flavour of bad */
	uint8_t		 first;		/* a conversation's first entry */
	uint8_t		 dup;		/* a repeated delivery */
	char		 conv[GEN_CONVLEN];
	char		 msgid[GEN_MSGIDLEN];	/* "" for none */
};

struct sim {
	const struct opts *o;
	double		 mu;		/* log of the log-normal's median */
	double		 teamcum[GEN_MAX_TEAMS];
	double		 gap_ms;	/* mean time between arrivals */
	double		 arrival;	/* the next one, simulated ms */
	uint64_t	 arng;		/* arrivals */
	uint64_t	 nrng;		/* bad and late entries */
	uint64_t	 nconv;
	struct conv	*convs;
	size_t		 nconvs, capconvs;
	uint32_t	*freel;
	size_t		 nfree, capfree;
	struct item	*heap;
	size_t		 nheap, capheap;
	uint64_t	 seq;
	int64_t		 last_at;	/* of the last real event written */
	struct entry	 real;		/* the next real event */
	struct entry	 cur;		/* the next entry out */
	int		 have_real;
	int		 have_cur;
	int		 dup_pending;
};

/* Plans one conversation. */
struct planner {
	const struct sim *sim;
	struct conv	*cv;
	uint64_t	 rng;
	int		 team;		/* of the latest assign */
	int		 agent;		/* -1: not assigned yet */
};

struct stats {
	uint64_t	 entries;
	uint64_t	 conversations;
	uint64_t	 bad;
	uint64_t	 late;
	uint64_t	 dups;
	uint64_t	 json;
};

/* Entries written in one round trip. */
struct batch {
	struct entry	*e;
	size_t		 n;		/* queued */
	size_t		 done;		/* of which confirmed */
};

struct out {
	const struct opts *o;
	redisContext	*c;
	char		*user;		/* NULL: AUTH password alone */
	char		*pass;		/* NULL: no AUTH */
	struct batch	 b[2];		/* a backlog keeps two in flight */
	struct resp	 cmd;		/* the XADDs of a round trip */
	struct stats	 st;
	uint64_t	 reconnects;
};

static struct opts	 opt = {
	.host = "127.0.0.1",
	.port = 6379,
	.stream = "cs:events",
	.agents = 50,
	.teams = 5,
	.rate = 0.5,
	.median = 25,
	.slow_share = 0.05,
	.bot_share = 0.3,
	.unanswered_share = 0.05
};

static sigset_t		 sig_set;	/* SIGINT, SIGTERM: blocked, waited */

/* "replytime-gen: message" on stderr. */
static void __attribute__((format(printf, 1, 0)))
vsay(const char *fmt, va_list ap)
{
	fprintf(stderr, GEN_NAME ": ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	exit(1);
}

static void __attribute__((format(printf, 1, 2)))
say(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
}

static void *
xrealloc(void *p, size_t n, size_t size)
{
	if (size != 0 && n > SIZE_MAX / size)
		die("out of memory");
	if ((p = realloc(p, n * size)) == NULL)
		die("out of memory");
	return (p);
}

/* Doubles *cap (from 64) and resizes p to it. */
static void *
grow(void *p, size_t *cap, size_t size)
{
	*cap = *cap != 0 ? *cap * 2 : 64;
	return (xrealloc(p, *cap, size));
}

/*
 * Waits up to ms for SIGINT or SIGTERM, which stay blocked so that none
 * is lost between a check and a sleep.  Returns the signal, or 0.
 */
static int
sig_wait(int64_t ms)
{
	struct timespec	 ts;
	int		 sig;

	if (ms < 0)
		ms = 0;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000;
	sig = sigtimedwait(&sig_set, NULL, &ts);
	return (sig > 0 ? sig : 0);
}

/* A uniformly random duration in [lo_s, hi_s] seconds, in ms. */
static int64_t
rng_ms(uint64_t *s, double lo_s, double hi_s)
{
	return ((int64_t)((lo_s + (hi_s - lo_s) * prng_unit(s)) * 1000));
}

/* A standard normal deviate (Box-Muller, one of the pair). */
static double
rng_normal(uint64_t *s)
{
	double	 u = 1.0 - prng_unit(s), v = prng_unit(s);

	return (sqrt(-2.0 * log(u)) * cos(2.0 * M_PI * v));
}

static int
heap_less(const struct item *a, const struct item *b)
{
	return (a->t < b->t || (a->t == b->t && a->seq < b->seq));
}

static void
heap_push(struct sim *sim, int64_t t, uint32_t slot)
{
	struct item	 it = { t, sim->seq++, slot };
	size_t		 i, up;

	if (sim->nheap == sim->capheap)
		sim->heap = grow(sim->heap, &sim->capheap,
		    sizeof(*sim->heap));
	for (i = sim->nheap++; i > 0; i = up) {
		up = (i - 1) / 2;
		if (!heap_less(&it, &sim->heap[up]))
			break;
		sim->heap[i] = sim->heap[up];
	}
	sim->heap[i] = it;
}

static struct item
heap_pop(struct sim *sim)
{
	struct item	 top = sim->heap[0], last;
	size_t		 i = 0, c, n;

	n = --sim->nheap;
	last = sim->heap[n];
	while ((c = 2 * i + 1) < n) {
		if (c + 1 < n && heap_less(&sim->heap[c + 1], &sim->heap[c]))
			c++;
		if (!heap_less(&sim->heap[c], &last))
			break;
		sim->heap[i] = sim->heap[c];
		i = c;
	}
	if (n > 0)
		sim->heap[i] = last;
	return (top);
}

static const char *
team_name(int team, char *buf, size_t size)
{
	if ((size_t)team < GEN_NAMED_TEAMS)
		return (gen_team_names[team]);
	snprintf(buf, size, "team-%02d", team + 1);
	return (buf);
}

/* Agents are dealt to teams in turn: agent i is in team i % teams. */
static int
team_size(const struct opts *o, int team)
{
	return ((int)((o->agents - team + o->teams - 1) / o->teams));
}

/* The standard normal distribution function. */
static double
normal_cdf(double z)
{
	return (0.5 * erfc(-z / M_SQRT2));
}

/*
 * The share of delays up to the median asked for, less one half, when
 * the log-normal part has mu: it falls as mu grows.
 */
static double
delay_excess(const struct opts *o, double mu)
{
	double	 slow = (o->median - 180) / 180;

	slow = slow < 0 ? 0 : slow > 1 ? 1 : slow;
	return ((1 - o->slow_share) * normal_cdf((log(o->median) - mu) /
	    GEN_SIGMA) + o->slow_share * slow - 0.5);
}

/*
 * The log-normal's mu, so that the mixture with the slow share (uniform
 * in 3-6 minutes) has the median asked for.
 */
static double
delay_mu(const struct opts *o)
{
	double	 m = log(o->median), lo = m - 10, hi = m + 10, mid;
	int	 i;

	if (delay_excess(o, lo) < 0 || delay_excess(o, hi) > 0)
		return (m);
	for (i = 0; i < 100; i++) {
		mid = (lo + hi) / 2;
		if (delay_excess(o, mid) > 0)
			lo = mid;
		else
			hi = mid;
	}
	return ((lo + hi) / 2);
}

static void
plan_add(struct planner *p, int64_t t, int kind, int agent, int team)
{
	struct conv	*cv = p->cv;
	struct plan_ev	*e;

	if (cv->nev == cv->capev) {
		cv->capev = cv->capev != 0 ? cv->capev * 2 : 32;
		cv->ev = xrealloc(cv->ev, cv->capev, sizeof(*cv->ev));
	}
	e = &cv->ev[cv->nev++];
	e->t = t;
	e->kind = (uint8_t)kind;
	e->agent = agent;
	e->team = (uint8_t)team;
	e->flags = 0;
	if (prng_unit(&p->rng) < GEN_JSON_SHARE)
		e->flags |= EVF_JSON;
	if (ev_roles[kind] != NULL) {
		if (prng_unit(&p->rng) < GEN_DUP_SHARE)
			e->flags |= EVF_DUP;
		if (prng_unit(&p->rng) < GEN_TYPE_SHARE)
			e->flags |= EVF_TYPE;
	}
}

/*
 * Plans an assign at t to another agent, of the same team or, when
 * other is set and there is one, of another team.
 */
static void
plan_assign(struct planner *p, int64_t t, int other)
{
	const struct opts *o = p->sim->o;
	int		 team = p->team, n, a;

	if (other && o->teams > 1) {
		team = (int)prng_below(&p->rng, (uint32_t)o->teams - 1);
		if (team >= p->team)
			team++;
	}
	n = team_size(o, team);
	a = team + (int)o->teams * (int)prng_below(&p->rng, (uint32_t)n);
	if (a == p->agent) {
		if (n == 1)
			return;
		a = team + (int)o->teams * (((a - team) / (int)o->teams + 1) %
		    n);
	}
	p->team = team;
	p->agent = a;
	plan_add(p, t, EV_ASSIGN, a, team);
}

/* How long an agent takes to answer, in ms. */
static int64_t
plan_delay(struct planner *p)
{
	double	 d;

	if (prng_unit(&p->rng) < p->sim->o->slow_share)
		return (rng_ms(&p->rng, 180, 360));
	d = exp(p->sim->mu + GEN_SIGMA * rng_normal(&p->rng));
	if (d < 1)
		d = 1;
	if (d > 1800)
		d = 1800;
	return ((int64_t)(d * 1000));
}

/*
 * More customer messages while waiting, between t + lo and t + hi: none
 * when the wait is too short, so that none comes after the reply.
 */
static void
plan_extras(struct planner *p, int64_t t, int64_t lo, int64_t hi)
{
	double	 u = prng_unit(&p->rng);
	int	 n, i;

	n = u < 0.65 ? 0 : u < 0.9 ? 1 : 2;
	for (i = 0; i < n && hi > lo; i++)
		plan_add(p, t + lo + (int64_t)((double)(hi - lo) *
		    prng_unit(&p->rng)), EV_CUSTOMER, -1, 0);
}

/*
 * One wait for a human that starts at t (a customer message, or the
 * handoff from a bot): maybe more customer messages and a reassignment
 * during it, then the reply.  Returns when the reply comes, or -1 when
 * nobody answers.
 */
static int64_t
plan_wait(struct planner *p, int64_t t, int unanswered)
{
	int64_t	 d = plan_delay(p);

	plan_extras(p, t, 3 * GEN_SEC, d * 9 / 10 < 20 * GEN_SEC ?
	    d * 9 / 10 : 20 * GEN_SEC);
	if (prng_unit(&p->rng) < 0.06) {
		plan_assign(p, t + (int64_t)((double)d *
		    (0.4 + 0.45 * prng_unit(&p->rng))),
		    prng_unit(&p->rng) < 0.3);
		if (prng_unit(&p->rng) < 0.5)
			plan_add(p, t + d / 2, EV_SYSTEM, -1, 0);
	}
	if (unanswered)
		return (-1);
	plan_add(p, t + d, EV_AGENT, -1, 0);
	return (t + d);
}

/*
 * Sorts the plan by time (stably) and fills in each event's team and
 * assigned agent from the assigns before it.
 */
static void
plan_finish(struct planner *p, int team)
{
	struct conv	*cv = p->cv;
	struct plan_ev	 e;
	uint32_t	 i, j;
	int		 agent = -1;

	for (i = 1; i < cv->nev; i++) {
		e = cv->ev[i];
		for (j = i; j > 0 && cv->ev[j - 1].t > e.t; j--)
			cv->ev[j] = cv->ev[j - 1];
		cv->ev[j] = e;
	}
	for (i = 0; i < cv->nev; i++) {
		if (cv->ev[i].kind == EV_ASSIGN) {
			team = cv->ev[i].team;
			agent = cv->ev[i].agent;
			continue;
		}
		cv->ev[i].team = (uint8_t)team;
		cv->ev[i].agent = cv->ev[i].kind == EV_BOT ||
		    cv->ev[i].kind == EV_SYSTEM ? -1 : agent;
	}
}

/*
 * Plans the whole conversation from its own random stream, so that its
 * content does not depend on the arrival rate or on the others: a bot
 * that settles it or hands it over, or a routed first message; a wait
 * for the agent; more rounds; a close.
 */
static void
plan_conv(const struct sim *sim, struct conv *cv, uint64_t no)
{
	const struct opts *o = sim->o;
	struct planner	 p;
	int64_t		 t, d;
	double		 u;
	int		 team, rounds, r, n, unanswered;

	memset(&p, 0, sizeof(p));
	p.sim = sim;
	p.cv = cv;
	p.rng = prng_derive(o->seed, no);
	p.agent = -1;
	cv->nev = 0;
	t = 0;
	u = prng_unit(&p.rng);
	for (team = 0; team < o->teams - 1 && u >= sim->teamcum[team]; team++)
		;
	p.team = team;
	unanswered = prng_unit(&p.rng) < o->unanswered_share;
	rounds = 1 + (int)prng_below(&p.rng, 6);

	plan_add(&p, 0, EV_CUSTOMER, -1, 0);
	if (prng_unit(&p.rng) < o->bot_share) {
		t = rng_ms(&p.rng, 1, 4);
		plan_add(&p, t, EV_BOT, -1, 0);
		for (n = (int)prng_below(&p.rng, 3); n > 0; n--) {
			t += rng_ms(&p.rng, 5, 40);
			plan_add(&p, t, EV_CUSTOMER, -1, 0);
			t += rng_ms(&p.rng, 1, 4);
			plan_add(&p, t, EV_BOT, -1, 0);
		}
		if (prng_unit(&p.rng) < 0.3) {
			/* The bot settled it. */
			plan_add(&p, t + rng_ms(&p.rng, 20, 90), EV_CLOSE,
			    -1, 0);
			goto done;
		}
		if (prng_unit(&p.rng) < 0.5) {
			t += rng_ms(&p.rng, 5, 30);
			plan_add(&p, t, EV_CUSTOMER, -1, 0);
		}
		t += rng_ms(&p.rng, 2, 20);
		plan_assign(&p, t, 0);
		d = plan_wait(&p, t, unanswered);
	} else {
		d = plan_delay(&p);
		if (!unanswered || prng_unit(&p.rng) < 0.5)
			plan_assign(&p, (int64_t)((double)d *
			    (0.05 + 0.3 * prng_unit(&p.rng))), 0);
		plan_extras(&p, 0, 3 * GEN_SEC, d * 9 / 10);
		if (unanswered) {
			d = -1;
			plan_extras(&p, 0, 30 * GEN_SEC, 150 * GEN_SEC);
		} else
			plan_add(&p, d, EV_AGENT, -1, 0);
	}
	if (d == -1) {
		/* The customer gave up; the conversation is closed. */
		plan_add(&p, t + rng_ms(&p.rng, 180, 900), EV_CLOSE, -1, 0);
		goto done;
	}

	for (r = 1, t = d;; r++) {
		if (prng_unit(&p.rng) < 0.15) {
			t += rng_ms(&p.rng, 3, 25);
			plan_add(&p, t, EV_AGENT, -1, 0);
		}
		if (r >= rounds)
			break;
		t += rng_ms(&p.rng, 10, 150);
		plan_add(&p, t, EV_CUSTOMER, -1, 0);
		t = plan_wait(&p, t, 0);
	}
	/* Most are closed; the rest just stop (the daemon forgets them). */
	if (prng_unit(&p.rng) < 0.93)
		plan_add(&p, t + rng_ms(&p.rng, 10, 120), EV_CLOSE, -1, 0);
done:
	plan_finish(&p, team);
}

/* Prepares a simulation of o at rate conversations per second. */
static void
sim_init(struct sim *sim, const struct opts *o, double rate)
{
	double	 sum = 0, acc = 0;
	int	 i;

	memset(sim, 0, sizeof(*sim));
	sim->o = o;
	sim->mu = delay_mu(o);
	/* Mildly uneven demand: team k gets 1 / (1 + k / 4) of the share. */
	for (i = 0; i < o->teams; i++)
		sum += 1.0 / (1.0 + i / 4.0);
	for (i = 0; i < o->teams; i++) {
		acc += 1.0 / (1.0 + i / 4.0) / sum;
		sim->teamcum[i] = acc;
	}
	sim->gap_ms = 1000.0 / rate;
	sim->arng = prng_derive(o->seed, UINT64_C(0xa11a));
	sim->nrng = prng_derive(o->seed, UINT64_C(0xbad));
}

static void
sim_free(struct sim *sim)
{
	size_t	 i;

	for (i = 0; i < sim->nconvs; i++)
		free(sim->convs[i].ev);
	free(sim->convs);
	free(sim->freel);
	free(sim->heap);
}

/* Starts a conversation at t: a slot, an id, a plan, its first event. */
static void
sim_arrive(struct sim *sim, int64_t t)
{
	struct conv	*cv;
	uint32_t	 slot;

	if (sim->nfree > 0)
		slot = sim->freel[--sim->nfree];
	else {
		if (sim->nconvs == sim->capconvs) {
			sim->convs = grow(sim->convs, &sim->capconvs,
			    sizeof(*sim->convs));
			memset(sim->convs + sim->nconvs, 0,
			    (sim->capconvs - sim->nconvs) *
			    sizeof(*sim->convs));
		}
		slot = (uint32_t)sim->nconvs++;
	}
	cv = &sim->convs[slot];
	sim->nconv++;
	snprintf(cv->id, sizeof(cv->id), "c%" PRIu64 "-%07" PRIu64,
	    sim->o->seed, sim->nconv);
	cv->start = t;
	cv->next = 0;
	plan_conv(sim, cv, sim->nconv);
	heap_push(sim, t + cv->ev[0].t, slot);
}

/* The next conversation event in time order, into *e. */
static void
sim_real(struct sim *sim, struct entry *e)
{
	const struct plan_ev *pe;
	struct conv	*cv;
	struct item	 it;

	while (sim->nheap == 0 || (int64_t)sim->arrival <= sim->heap[0].t) {
		sim_arrive(sim, (int64_t)sim->arrival);
		/* Poisson arrivals: exponential gaps. */
		sim->arrival += -sim->gap_ms * log1p(-prng_unit(&sim->arng));
	}
	it = heap_pop(sim);
	cv = &sim->convs[it.slot];
	pe = &cv->ev[cv->next];

	memset(e, 0, sizeof(*e));
	e->at = it.t;
	e->agent = pe->agent;
	e->kind = pe->kind;
	e->team = pe->team;
	e->flags = pe->flags;
	e->first = cv->next == 0;
	memcpy(e->conv, cv->id, sizeof(e->conv));
	if (ev_roles[pe->kind] != NULL)
		snprintf(e->msgid, sizeof(e->msgid), "%s-%u", cv->id,
		    cv->next + 1);
	if (++cv->next < cv->nev)
		heap_push(sim, cv->start + cv->ev[cv->next].t, it.slot);
	else {
		if (sim->nfree == sim->capfree)
			sim->freel = grow(sim->freel, &sim->capfree,
			    sizeof(*sim->freel));
		sim->freel[sim->nfree++] = it.slot;
	}
}

/*
 * The next entry to write: before each real event, each slot is a bad
 * or a late copy of it with the shares asked for, from a random stream
 * of its own, so the valid traffic stays the same whatever the shares.
 * A late copy's ts is 30-120 s behind the last real event written, the
 * newest ts in the stream, so that it is late for the daemon whatever
 * the gaps between events.
 */
static const struct entry *
sim_peek(struct sim *sim)
{
	const struct opts *o = sim->o;
	struct entry	*e = &sim->cur;
	double		 u;
	int64_t		 back;

	if (sim->have_cur)
		return (e);
	sim->have_cur = 1;
	if (sim->dup_pending) {
		sim->dup_pending = 0;
		*e = sim->real;
		e->dup = 1;
		e->first = 0;
		return (e);
	}
	if (!sim->have_real) {
		sim_real(sim, &sim->real);
		sim->have_real = 1;
	}
	*e = sim->real;
	if (o->bad_share == 0 && o->late_share == 0)
		u = 1;
	else
		u = prng_unit(&sim->nrng);
	if (u < o->bad_share) {
		e->bad = (uint8_t)(1 + prng_below(&sim->nrng, BAD_COUNT - 1));
		e->variant = (uint8_t)prng_below(&sim->nrng, 256);
		e->first = 0;
		return (e);
	}
	if (u < o->bad_share + o->late_share) {
		back = rng_ms(&sim->nrng, 30, 120);
		/* A backlog's late entries stay inside its hours. */
		if (o->live || back <= sim->last_at) {
			e->back = e->at - sim->last_at + back;
			e->first = 0;
			if (e->msgid[0] != '\0')
				strncat(e->msgid, "-l",
				    sizeof(e->msgid) - strlen(e->msgid) - 1);
			return (e);
		}
	}
	sim->have_real = 0;
	sim->dup_pending = (e->flags & EVF_DUP) != 0;
	sim->last_at = e->at;
	return (e);
}

static void
sim_take(struct sim *sim)
{
	sim->have_cur = 0;
}

/*
 * Dry runs at rate: the simulated time of the count-th entry, for the
 * calibration of a backlog with --count.
 */
static int64_t
sim_time_of(const struct opts *o, double rate, long long count)
{
	struct sim	 sim;
	int64_t		 at = 0;
	long long	 i;

	sim_init(&sim, o, rate);
	for (i = 0; i < count; i++) {
		at = sim_peek(&sim)->at;
		sim_take(&sim);
	}
	sim_free(&sim);
	return (at);
}

/*
 * The rate at which count entries span at most span_ms and not much
 * less.  The conversations' content does not depend on the rate and the
 * arrivals only scale with it, so the span is about inversely
 * proportional to it.
 */
static double
calibrate(const struct opts *o, long long count, int64_t span_ms,
    int64_t *span)
{
	double	 rate, ratio;
	int64_t	 t;
	int	 i;

	rate = (double)count / ((double)span_ms / 1000) / 10;
	for (i = 0; i < 40; i++) {
		t = sim_time_of(o, rate, count);
		*span = t;
		if (t <= span_ms && (t >= span_ms - span_ms / 200 || i >= 8))
			break;
		ratio = t > 0 ? (double)t / (double)span_ms : 0.5;
		if (ratio > 1)
			ratio *= 1.002;		/* aim just inside */
		rate *= ratio;
	}
	return (rate);
}

/* A field of an entry; a number is written bare in the `json` form. */
struct field {
	const char	*name;
	const char	*value;
	int		 number;
};

/* Text the fields of an entry point into. */
struct field_text {
	char		 agent[32];
	char		 team[32];
	char		 ts[64];
	char		 conv[GEN_LONG_ID + 1];
	char		 json[2048];
};

/* The bad forms of ts: not an integer, or before 2000. */
static const char *
entry_bad_ts(const struct entry *e, char *buf, size_t size, int *number)
{
	static const char *const words[] = { "now", "", "yesterday" };

	*number = 0;
	if (e->bad == BAD_TS_TEXT) {
		switch (e->variant % 5) {
		case 0:
			*number = 1;
			snprintf(buf, size, "%" PRId64 ".5", e->ts);
			break;
		case 1:
			snprintf(buf, size, "-%" PRId64, e->ts);
			break;
		case 2:
			snprintf(buf, size, "%" PRId64 "ms", e->ts);
			break;
		default:
			snprintf(buf, size, "%s", words[e->variant % 3]);
			break;
		}
		return (buf);
	}
	*number = 1;
	switch (e->variant % 3) {
	case 0:
		/* A producer sending seconds. */
		snprintf(buf, size, "%" PRId64, e->ts / 1000);
		break;
	case 1:
		snprintf(buf, size, "915148800000");	/* 1999-01-01 */
		break;
	default:
		snprintf(buf, size, "0");
		break;
	}
	return (buf);
}

/* The fields of e, bad ones included; returns their number. */
static int
entry_fields(const struct entry *e, struct field *f, struct field_text *tx)
{
	size_t	 len;
	int	 n = 0, number = 1;

	if (e->bad != BAD_NO_CONV) {
		f[n].name = "conversation";
		f[n].number = 0;
		f[n++].value = e->conv;
		if (e->bad == BAD_LONG_CONV) {
			len = strlen(e->conv);
			memcpy(tx->conv, e->conv, len);
			memset(tx->conv + len, 'x', GEN_LONG_ID - len);
			tx->conv[GEN_LONG_ID] = '\0';
			f[n - 1].value = tx->conv;
		}
	}
	if (e->bad == BAD_ROLE || ev_roles[e->kind] != NULL) {
		f[n].name = "role";
		f[n].number = 0;
		f[n++].value = e->bad == BAD_ROLE ? bad_roles[e->variant %
		    (sizeof(bad_roles) / sizeof(bad_roles[0]))] :
		    ev_roles[e->kind];
	}
	if (e->agent != -1) {
		snprintf(tx->agent, sizeof(tx->agent), "agent-%03d",
		    e->agent + 1);
		f[n].name = "agent";
		f[n].number = 0;
		f[n++].value = tx->agent;
	}
	f[n].name = "team";
	f[n].number = 0;
	f[n++].value = team_name(e->team, tx->team, sizeof(tx->team));
	if (ev_roles[e->kind] == NULL || (e->flags & EVF_TYPE)) {
		f[n].name = "type";
		f[n].number = 0;
		f[n++].value = ev_types[e->kind];
	}
	if (e->msgid[0] != '\0') {
		f[n].name = "message_id";
		f[n].number = 0;
		f[n++].value = e->msgid;
	}
	f[n].name = "ts";
	if (e->bad == BAD_TS_TEXT || e->bad == BAD_TS_OLD)
		f[n].value = entry_bad_ts(e, tx->ts, sizeof(tx->ts), &number);
	else {
		snprintf(tx->ts, sizeof(tx->ts), "%" PRId64, e->ts);
		f[n].value = tx->ts;
	}
	f[n++].number = number;
	return (n);
}

/*
 * The fields as one JSON object (our strings need no escaping); a
 * BAD_JSON entry gets it broken in one of four ways.
 */
static const char *
entry_json(const struct entry *e, const struct field *f, int n, char *buf,
    size_t size)
{
	size_t	 len = 0;
	int	 i, broken = e->bad == BAD_JSON ? e->variant % 4 + 1 : 0;

	len += (size_t)snprintf(buf + len, size - len, "%c",
	    broken == 3 ? '[' : '{');
	for (i = 0; i < n && len < size; i++)
		len += (size_t)snprintf(buf + len, size - len,
		    broken == 2 ? "%s%s:%s%s%s" : "%s\"%s\":%s%s%s",
		    i > 0 ? "," : "", f[i].name, f[i].number ? "" : "\"",
		    f[i].value, f[i].number ? "" : "\"");
	if (len < size)
		snprintf(buf + len, size - len, "%s",
		    broken == 4 ? ",}" : broken == 3 ? "]" : "}");
	if (broken == 1)
		buf[strlen(buf) / 2] = '\0';	/* cut short */
	return (buf);
}

/* Appends the XADD of e to the command buffer. */
static void
out_format(struct out *o, const struct entry *e)
{
	struct field_text tx;
	struct field	 f[8];
	int		 n, i;

	n = entry_fields(e, f, &tx);
	if ((e->flags & EVF_JSON) || e->bad == BAD_JSON) {
		f[0].value = entry_json(e, f, n, tx.json, sizeof(tx.json));
		f[0].name = "json";
		n = 1;
	}
	resp_array(&o->cmd, (size_t)(3 + 2 * n));
	resp_addstr(&o->cmd, "XADD");
	resp_addstr(&o->cmd, o->o->stream);
	resp_addstr(&o->cmd, "*");
	for (i = 0; i < n; i++) {
		resp_addstr(&o->cmd, f[i].name);
		resp_addstr(&o->cmd, f[i].value);
	}
}

/* Counts a written entry. */
static void
stats_add(struct stats *st, const struct entry *e)
{
	st->entries++;
	if (e->first)
		st->conversations++;
	if (e->bad != BAD_NONE)
		st->bad++;
	if (e->back != 0)
		st->late++;
	if (e->dup)
		st->dups++;
	if ((e->flags & EVF_JSON) || e->bad == BAD_JSON)
		st->json++;
}

/*
 * Reads a password file as the daemon does (secret.c): "password" or
 * "user password" on its first line.
 */
static void
out_password(struct out *o, const char *path)
{
	char		 buf[SECRET_MAX];
	const char	*errstr;
	FILE		*f;
	size_t		 n;
	int		 rv;

	if ((f = fopen(path, "r")) == NULL)
		die("--password-file %s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	rv = secret_parse(buf, n, &o->user, &o->pass, &errstr);
	explicit_bzero(buf, sizeof(buf));
	if (rv == -1)
		die("--password-file %s: %s", path, errstr);
}

/*
 * Sends a command on a fresh connection and checks its reply: 0, or -1
 * with the reason in err and *fatal set unless Redis is only loading.
 */
static int
out_hello(struct out *o, int argc, const char **argv, char *err,
    size_t errlen, int *fatal)
{
	redisReply	*r;
	int		 rv = 0;

	r = redisCommandArgv(o->c, argc, argv, NULL);
	if (r == NULL) {
		snprintf(err, errlen, "%s", o->c->errstr);
		return (-1);
	}
	if (r->type == REDIS_REPLY_ERROR) {
		snprintf(err, errlen, "%s: %s", argv[0], r->str);
		*fatal = strncmp(r->str, "LOADING", 7) != 0;
		rv = -1;
	}
	freeReplyObject(r);
	return (rv);
}

/* Connects, authenticates and pings: 0, or -1 with err and *fatal. */
static int
out_connect(struct out *o, char *err, size_t errlen, int *fatal)
{
	struct timeval	 ctv = { GEN_CONNECT_S, 0 }, tv = { GEN_REPLY_S, 0 };
	const char	*argv[3];
	int		 argc = 0;

	*fatal = 0;
	o->c = redisConnectWithTimeout(o->o->host, (int)o->o->port, ctv);
	if (o->c == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	if (o->c->err != 0) {
		snprintf(err, errlen, "%s", o->c->errstr);
		goto fail;
	}
	redisSetTimeout(o->c, tv);
	if (o->pass != NULL) {
		argv[argc++] = "AUTH";
		if (o->user != NULL)
			argv[argc++] = o->user;
		argv[argc++] = o->pass;
		if (out_hello(o, argc, argv, err, errlen, fatal) == -1)
			goto fail;
	}
	argv[0] = "PING";
	if (out_hello(o, 1, argv, err, errlen, fatal) == -1)
		goto fail;
	return (0);
fail:
	redisFree(o->c);
	o->c = NULL;
	return (-1);
}

/*
 * Sends the entries of b not yet confirmed, all of them, without waiting
 * for the replies.  Returns 0, or -1 when the connection failed (it is
 * closed and err says why).
 */
static int
out_send(struct out *o, struct batch *b, char *err, size_t errlen)
{
	size_t	 i;
	int	 done = 0;

	resp_reset(&o->cmd);
	for (i = b->done; i < b->n; i++)
		out_format(o, &b->e[i]);
	if (o->cmd.len == 0)
		return (0);
	if (redisAppendFormattedCommand(o->c, o->cmd.buf, o->cmd.len) !=
	    REDIS_OK)
		goto lost;
	while (!done)
		if (redisBufferWrite(o->c, &done) != REDIS_OK)
			goto lost;
	return (0);
lost:
	snprintf(err, errlen, "%s", o->c->errstr);
	redisFree(o->c);
	o->c = NULL;
	return (-1);
}

/*
 * Reads the replies to the entries of b that out_send sent, counting
 * each written entry.  Returns 0 (b is empty again); -1 when the
 * connection failed (it is closed, err says why, b->done says how far
 * it got); -2 on an error reply.
 */
static int
out_recv(struct out *o, struct batch *b, char *err, size_t errlen)
{
	redisReply	*r;
	void		*rp;

	while (b->done < b->n) {
		if (redisGetReply(o->c, &rp) != REDIS_OK) {
			snprintf(err, errlen, "%s", o->c->err == REDIS_ERR_EOF ?
			    "Server closed the connection" : o->c->errstr);
			redisFree(o->c);
			o->c = NULL;
			return (-1);
		}
		r = rp;
		if (r->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "XADD %s: %s", o->o->stream,
			    r->str);
			freeReplyObject(r);
			return (-2);
		}
		freeReplyObject(r);
		stats_add(&o->st, &b->e[b->done++]);
	}
	b->n = b->done = 0;
	return (0);
}

/* Writes b in one round trip: 0, -1 or -2 as out_recv. */
static int
out_flush(struct out *o, struct batch *b, char *err, size_t errlen)
{
	if (out_send(o, b, err, errlen) == -1)
		return (-1);
	return (out_recv(o, b, err, errlen));
}

static void
summary(const struct out *o, const char *mode, double seconds, double rate,
    int64_t span)
{
	printf("mode=%s entries=%" PRIu64 " conversations=%" PRIu64
	    " bad=%" PRIu64 " late=%" PRIu64 " duplicates=%" PRIu64
	    " json=%" PRIu64 " seconds=%.3f entries_per_s=%.0f span_s=%.0f"
	    " rate=%.6g seed=%" PRIu64 " reconnects=%" PRIu64 "\n", mode,
	    o->st.entries, o->st.conversations, o->st.bad, o->st.late,
	    o->st.dups, o->st.json, seconds,
	    seconds > 0 ? (double)o->st.entries / seconds : 0,
	    (double)span / 1000, rate, opt.seed, o->reconnects);
	fflush(stdout);
}

/*
 * The history of the last --backlog hours, as fast as Redis takes it:
 * count entries spread over the hours when --count is given without
 * --rate, else the entries of the rate up to --count.
 */
static int
run_backlog(struct out *o)
{
	struct sim	 sim;
	const struct entry *e;
	char		 err[512];
	int64_t		 span_ms, span, base, t0, now, next, last_at = 0;
	struct batch	*cur, *prev, *swap;
	uint64_t	 queued = 0, shown = 0;
	double		 rate = opt.rate, secs;
	int		 fatal, done = 0, sig = 0;

	span_ms = (int64_t)(opt.backlog * 3600 * 1000);
	span = span_ms;
	if (opt.count > 0 && !opt.rate_set)
		rate = calibrate(&opt, opt.count, span_ms, &span);
	if (out_connect(o, err, sizeof(err), &fatal) == -1)
		die("redis %s:%lld: %s", opt.host, opt.port, err);
	sim_init(&sim, &opt, rate);
	base = now_wall_ms() - span;
	t0 = next = now_mono_ms();
	next += 1000;
	cur = &o->b[0];
	prev = &o->b[1];
	while (!done) {
		while (cur->n < GEN_PIPELINE) {
			if (opt.count > 0 && queued == (uint64_t)opt.count) {
				done = 1;
				break;
			}
			e = sim_peek(&sim);
			if (e->at > span) {
				done = 1;
				break;
			}
			cur->e[cur->n] = *e;
			cur->e[cur->n++].ts = base + e->at - e->back;
			last_at = e->at;
			queued++;
			sim_take(&sim);
		}
		/* Redis works on this batch while we make the next. */
		if (out_send(o, cur, err, sizeof(err)) != 0 ||
		    out_recv(o, prev, err, sizeof(err)) != 0)
			die("redis %s:%lld: %s", opt.host, opt.port, err);
		swap = prev;
		prev = cur;
		cur = swap;
		if ((now = now_mono_ms()) >= next) {
			say("%" PRIu64 " entries, %.0f/s", o->st.entries,
			    (double)(o->st.entries - shown) * 1000 /
			    (double)(now - next + 1000));
			shown = o->st.entries;
			next = now + 1000;
		}
		if (!done && (sig = sig_wait(0)) != 0)
			break;
	}
	if (out_recv(o, prev, err, sizeof(err)) != 0)
		die("redis %s:%lld: %s", opt.host, opt.port, err);
	secs = (double)(now_mono_ms() - t0) / 1000;
	sim_free(&sim);
	summary(o, "backlog", secs, rate, last_at);
	if (sig != 0) {
		say("interrupted by %s", strsignal(sig));
		return (1);
	}
	if (opt.count > 0 && o->st.entries < (uint64_t)opt.count)
		say("only %" PRIu64 " entries in %g hours at %g conversations"
		    "/s; raise --rate, or leave it out to fit --count",
		    o->st.entries, opt.backlog, rate);
	return (0);
}

/*
 * Waits for Redis to come back, trying every second, then shifts the
 * simulated time by the outage so that the traffic resumes where it
 * was, ts being now.  Returns 0 when connected, the signal that came
 * first, or -1 when the monotonic end (if not 0) passed first.
 */
static int
live_reconnect(struct out *o, const char *why, int64_t *base, int64_t end)
{
	char	 err[512];
	struct batch	*b = &o->b[0];
	int64_t		 down = now_wall_ms(), shift;
	size_t		 i;
	int		 fatal, sig;

	say("redis %s:%lld: %s; retrying every second", opt.host, opt.port,
	    why);
	for (;;) {
		if (end != 0 && end - now_mono_ms() < 1000) {
			sig_wait(end - now_mono_ms());
			return (-1);
		}
		if ((sig = sig_wait(1000)) != 0)
			return (sig);
		if (out_connect(o, err, sizeof(err), &fatal) == 0)
			break;
		if (fatal)
			die("redis %s:%lld: %s", opt.host, opt.port, err);
	}
	shift = now_wall_ms() - down;
	*base += shift;
	for (i = b->done; i < b->n; i++)
		b->e[i].ts += shift;
	o->reconnects++;
	say("redis %s:%lld: connected again after %.1f s", opt.host,
	    opt.port, (double)shift / 1000);
	return (0);
}

/*
 * Real time: each entry is written when its time comes, ts = now,
 * until a signal or --duration.  Entries due together share a round
 * trip.
 */
static int
run_live(struct out *o)
{
	struct sim	 sim;
	struct batch	*b = &o->b[0];
	const struct entry *e;
	char		 err[512];
	int64_t		 base, now, due, end = 0, t0, wait;
	int		 fatal, sig = 0, rv, full;

	sim_init(&sim, &opt, opt.rate);
	t0 = now_mono_ms();
	if (opt.duration > 0)
		end = t0 + (int64_t)(opt.duration * 1000);
	say("live: %g conversations/s into %s at %s:%lld, seed %" PRIu64,
	    opt.rate, opt.stream, opt.host, opt.port, opt.seed);
	base = now_wall_ms();
	if (out_connect(o, err, sizeof(err), &fatal) == -1) {
		if (fatal)
			die("redis %s:%lld: %s", opt.host, opt.port, err);
		if ((sig = live_reconnect(o, err, &base, end)) != 0)
			goto stop;
	}
	for (;;) {
		if (end != 0 && now_mono_ms() >= end)
			break;
		now = now_wall_ms();
		while (b->n < GEN_PIPELINE) {
			e = sim_peek(&sim);
			due = base + e->at;
			if (due > now)
				break;
			if (now - due > GEN_LAG_MS)
				base += now - due;	/* we were held up */
			b->e[b->n] = *e;
			b->e[b->n++].ts = base + e->at - e->back;
			sim_take(&sim);
		}
		full = b->n == GEN_PIPELINE;
		while (b->n > 0 &&
		    (rv = out_flush(o, b, err, sizeof(err))) != 0) {
			if (rv == -2)
				die("redis %s:%lld: %s", opt.host, opt.port,
				    err);
			if ((sig = live_reconnect(o, err, &base, end)) != 0)
				goto stop;
		}
		if (full)
			continue;
		wait = base + sim_peek(&sim)->at - now_wall_ms();
		if (end != 0 && end - now_mono_ms() < wait)
			wait = end - now_mono_ms();
		if (wait > 1000)
			wait = 1000;
		if ((sig = sig_wait(wait)) != 0)
			break;
	}
stop:
	sim_free(&sim);
	summary(o, "live", (double)(now_mono_ms() - t0) / 1000, opt.rate, 0);
	if (b->n > b->done)
		say("%zu entries not written: redis was away", b->n - b->done);
	return (0);
}

static void
usage_line(FILE *f)
{
	fprintf(f, "usage: " GEN_NAME " [-h host] [-p port] [-s stream] "
	    "[--password-file file]\n");
	fprintf(f, "           [--agents n] [--teams n] [--rate conv_per_s] "
	    "[--median-response s]\n");
	fprintf(f, "           [--slow-share f] [--bot-share f] "
	    "[--unanswered-share f]\n");
	fprintf(f, "           [--bad-share f] [--late-share f] [--seed n]\n");
	fprintf(f, "           (--live [--duration s] | --backlog hours "
	    "[--count n])\n");
}

static void __attribute__((noreturn))
usage_help(void)
{
	usage_line(stdout);
	printf("\n"
	    "Writes realistic support chat traffic into a Redis stream.\n"
	    "\n"
	    "  -h, --host host        Redis host (127.0.0.1)\n"
	    "  -p, --port port        Redis port (6379)\n"
	    "  -s, --stream key       stream (cs:events)\n"
	    "  --password-file file   \"password\" or \"user password\"\n"
	    "  --agents n             agents, dealt to the teams (50)\n"
	    "  --teams n              teams, billing, sales, ... (5)\n"
	    "  --rate r               new conversations per second (0.5;\n"
	    "                         a backlog with --count fits its own)\n"
	    "  --median-response s    median agent response time (25)\n"
	    "  --slow-share f         responses taking 3-6 minutes (0.05)\n"
	    "  --bot-share f          conversations a bot opens (0.3)\n"
	    "  --unanswered-share f   conversations never answered (0.05)\n"
	    "  --bad-share f          entries to be dead-lettered (0)\n"
	    "  --late-share f         entries 30-120 s late (0)\n"
	    "  --seed n               same seed, same entries (random)\n"
	    "  --live                 in real time, until a signal\n"
	    "  --duration s           ... or for s seconds\n"
	    "  --backlog hours        the last hours, as fast as possible\n"
	    "  --count n              ... stopping after n entries\n"
	    "\n"
	    "Prints a name=value summary line on stdout.\n");
	exit(0);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
usage_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsay(fmt, ap);
	va_end(ap);
	usage_line(stderr);
	exit(2);
}

/* The long options past the short ones. */
enum {
	OPT_PASSWORD = 256, OPT_AGENTS, OPT_TEAMS, OPT_RATE, OPT_MEDIAN,
	OPT_SLOW, OPT_BOT, OPT_UNANSWERED, OPT_BAD, OPT_LATE, OPT_SEED,
	OPT_LIVE, OPT_DURATION, OPT_BACKLOG, OPT_COUNT, OPT_HELP
};

static const struct option opt_long[] = {
	{ "host", required_argument, NULL, 'h' },
	{ "port", required_argument, NULL, 'p' },
	{ "stream", required_argument, NULL, 's' },
	{ "password-file", required_argument, NULL, OPT_PASSWORD },
	{ "agents", required_argument, NULL, OPT_AGENTS },
	{ "teams", required_argument, NULL, OPT_TEAMS },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "median-response", required_argument, NULL, OPT_MEDIAN },
	{ "slow-share", required_argument, NULL, OPT_SLOW },
	{ "bot-share", required_argument, NULL, OPT_BOT },
	{ "unanswered-share", required_argument, NULL, OPT_UNANSWERED },
	{ "bad-share", required_argument, NULL, OPT_BAD },
	{ "late-share", required_argument, NULL, OPT_LATE },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "live", no_argument, NULL, OPT_LIVE },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "backlog", required_argument, NULL, OPT_BACKLOG },
	{ "count", required_argument, NULL, OPT_COUNT },
	{ "help", no_argument, NULL, OPT_HELP },
	{ NULL, 0, NULL, 0 }
};

/*
 * The numeric options: where each lands and its bounds, a bound being
 * exclusive where the flag says so.
 */
struct opt_num {
	int		 val;
	const char	*name;
	long long	*i;		/* an integer option, or */
	double		*d;		/* a real one */
	double		 min;
	double		 max;
	int		 above_min;	/* min itself is not allowed */
};

static const struct opt_num opt_nums[] = {
	{ 'p', "--port", &opt.port, NULL, 1, 65535, 0 },
	{ OPT_AGENTS, "--agents", &opt.agents, NULL, 1, 100000, 0 },
	{ OPT_TEAMS, "--teams", &opt.teams, NULL, 1, GEN_MAX_TEAMS, 0 },
	{ OPT_COUNT, "--count", &opt.count, NULL, 1, 1e12, 0 },
	{ OPT_RATE, "--rate", NULL, &opt.rate, 0, 1e6, 1 },
	{ OPT_MEDIAN, "--median-response", NULL, &opt.median, 1, 1800, 0 },
	{ OPT_SLOW, "--slow-share", NULL, &opt.slow_share, 0, 1, 0 },
	{ OPT_BOT, "--bot-share", NULL, &opt.bot_share, 0, 1, 0 },
	{ OPT_UNANSWERED, "--unanswered-share", NULL, &opt.unanswered_share,
	  0, 1, 0 },
	{ OPT_BAD, "--bad-share", NULL, &opt.bad_share, 0, 0.9, 0 },
	{ OPT_LATE, "--late-share", NULL, &opt.late_share, 0, 0.9, 0 },
	{ OPT_DURATION, "--duration", NULL, &opt.duration, 0, 1e9, 1 },
	{ OPT_BACKLOG, "--backlog", NULL, &opt.backlog, 0, 8760, 1 }
};

/* Parses the value of a numeric option into its place, or exits 2. */
static void
opt_number(const struct opt_num *on, const char *s)
{
	char	*end;
	double	 d;

	errno = 0;
	d = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !isfinite(d) ||
	    (on->i != NULL && d != floor(d)))
		usage_error("%s: '%s' is not %s", on->name, s, on->i != NULL ?
		    "a whole number" : "a number");
	if (d < on->min || d > on->max || (on->above_min && d == on->min))
		usage_error("%s: %s is out of range: %s%g to %g", on->name, s,
		    on->above_min ? "above " : "", on->min, on->max);
	if (on->i != NULL)
		*on->i = (long long)d;
	else
		*on->d = d;
}

/* Parses the command line into opt, or exits 2 naming what is wrong. */
static void
opt_parse(int argc, char **argv)
{
	const char	*bad;
	char		*end;
	size_t		 i;
	int		 c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h:p:s:", opt_long, NULL)) !=
	    -1) {
		for (i = 0; i < sizeof(opt_nums) / sizeof(opt_nums[0]); i++)
			if (opt_nums[i].val == c)
				break;
		if (i < sizeof(opt_nums) / sizeof(opt_nums[0])) {
			opt_number(&opt_nums[i], optarg);
			if (c == OPT_RATE)
				opt.rate_set = 1;
			continue;
		}
		switch (c) {
		case 'h':
			/* -h alone (or before another option) is help. */
			if (optarg[0] == '-')
				usage_help();
			opt.host = optarg;
			break;
		case 's':
			if (optarg[0] == '\0')
				usage_error("-s: the stream name is empty");
			opt.stream = optarg;
			break;
		case OPT_PASSWORD:
			opt.password_file = optarg;
			break;
		case OPT_SEED:
			errno = 0;
			opt.seed = strtoull(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    strchr(optarg, '-') != NULL)
				usage_error("--seed: '%s' is not a whole "
				    "number from 0 to 18446744073709551615",
				    optarg);
			opt.seed_set = 1;
			break;
		case OPT_LIVE:
			opt.live = 1;
			break;
		case OPT_HELP:
			usage_help();
		case ':':
			if (optopt == 'h')
				usage_help();
			bad = argv[optind - 1];
			usage_error("%s needs a value", bad);
		default:
			bad = argv[optind - 1];
			if (optopt > 0 && optopt < OPT_PASSWORD)
				usage_error("unknown option -%c", optopt);
			if (optopt >= OPT_PASSWORD)
				usage_error("%s takes no value", bad);
			usage_error("unknown option %s", bad);
		}
	}
	if (optind < argc)
		usage_error("unexpected argument %s", argv[optind]);
	if (opt.live && opt.backlog > 0)
		usage_error("--live and --backlog exclude each other");
	if (!opt.live && opt.backlog == 0)
		usage_error("one of --live or --backlog is needed");
	if (opt.duration > 0 && !opt.live)
		usage_error("--duration goes with --live");
	if (opt.count > 0 && opt.backlog == 0)
		usage_error("--count goes with --backlog");
	if (opt.teams > opt.agents)
		usage_error("--teams %lld needs at least as many agents "
		    "(--agents %lld)", opt.teams, opt.agents);
	if (opt.bad_share + opt.late_share > 0.9)
		usage_error("--bad-share and --late-share add up to more "
		    "than 0.9");
}

int
main(int argc, char **argv)
{
	struct out	 o;
	int		 rv;

	opt_parse(argc, argv);
	if (!opt.seed_set)
		opt.seed = prng_derive((uint64_t)now_wall_ms() * 1000003 ^
		    (uint64_t)getpid(), 1) & 0xffffffff;

	memset(&o, 0, sizeof(o));
	o.o = &opt;
	o.b[0].e = xrealloc(NULL, GEN_PIPELINE, sizeof(*o.b[0].e));
	o.b[1].e = xrealloc(NULL, GEN_PIPELINE, sizeof(*o.b[1].e));
	if (opt.password_file != NULL)
		out_password(&o, opt.password_file);

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&sig_set);
	sigaddset(&sig_set, SIGINT);
	sigaddset(&sig_set, SIGTERM);
	sigprocmask(SIG_BLOCK, &sig_set, NULL);

	rv = opt.live ? run_live(&o) : run_backlog(&o);
	if (o.c != NULL)
		redisFree(o.c);
	if (o.pass != NULL)
		explicit_bzero(o.pass, strlen(o.pass));
	free(o.pass);
	free(o.user);
	free(o.b[0].e);
	free(o.b[1].e);
	resp_clear(&o.cmd);
	return (rv);
}
