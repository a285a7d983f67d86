/*
 * The Redis connection pair, on hiredis's async API and libevent.  hiredis
 * 0.14 has no command timeouts, so every command carries a deadline and
 * one timer per link drops a connection that stays silent past it.
 */

#include <sys/time.h>

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>

#include <event2/event.h>
#include <hiredis/adapters/libevent.h>

#include "arena.h"
#include "file.h"
#include "log.h"
#include "now.h"
#include "redis.h"
#include "xmalloc.h"

#define REDIS_HELLO_TIMEOUT	5000	/* ms to answer AUTH and PING */
#define REDIS_HELLO_ARGS	3	/* AUTH [user] password */
#define REDIS_CALLS_MIN		64	/* first size of a link's ring */
#define REDIS_NLINKS		2	/* enum redis_link */
#define REDIS_LOADING		"LOADING"	/* an error while it loads */

/* A command in flight: its deadline, and whom to tell. */
struct redis_call {
	struct redis	*r;
	int		 link;
	uint64_t	 session;
	int64_t		 deadline;	/* monotonic ms */
	redis_reply_cb	 cb;
	void		*arg;
};

struct redis_conn {
	struct redis		*owner;
	struct arena		*arena;		/* the reply being read */
	redisAsyncContext	*ac;
	int			 ready;		/* answered PING */
	struct event		*silence;
	struct redis_call	*calls;		/* ring, in send order */
	size_t			 head;
	size_t			 count;
	size_t			 cap;
};

struct redis {
	struct event_base	*base;
	char			*host;
	int			 port;
	char			*user;		/* NULL: no ACL user */
	char			*password;	/* NULL: no AUTH */
	struct redis_hooks	 hooks;
	struct redis_conn	 link[REDIS_NLINKS];
	struct event		*redial;
	struct event		*teardown;
	struct redis_backoff	 backoff;
	int64_t			 up_since;	/* monotonic ms */
	struct redis_warn	 warn;		/* the redial's warnings */
	uint64_t		 session;	/* bumped at each drop */
	uint64_t		 reconnects;
	uint64_t		 fails;		/* drops since stable */
	int			 up;
	int			 dropping;
	int			 ever_up;
	char			*why;
};

static void	redis_dial(struct redis *);
static void	redis_check_up(struct redis *);
static int	redis_send(struct redis *, int, int64_t, redis_reply_cb,
		    void *, int, const char **, const size_t *);
static int	redis_queue(struct redis *, int, int64_t, redis_reply_cb,
		    void *, int, const char **, const size_t *, const char *,
		    size_t);

static void
redis_timeval(int64_t ms, struct timeval *tv)
{
	tv->tv_sec = ms / 1000;
	tv->tv_usec = (ms % 1000) * 1000;
}

/* Arms a link's silence timer for its oldest command still unanswered. */
static void
redis_arm(struct redis *r, int i)
{
	struct redis_conn	*l = &r->link[i];
	struct timeval		 tv;
	int64_t			 ms;

	if (l->count == 0) {
		evtimer_del(l->silence);
		return;
	}
	ms = l->calls[l->head].deadline - now_mono_ms();
	if (ms < 0)
		ms = 0;
	redis_timeval(ms, &tv);
	evtimer_add(l->silence, &tv);
}

static void
redis_silence_cb(int fd, short events, void *arg)
{
	struct redis_conn	*l = arg;
	struct redis		*r = l->owner;

	(void)fd;
	(void)events;
	redis_drop(r, l == &r->link[REDIS_READER] ?
	    "the reader went silent" : "the writer went silent");
}

/* Every reply, in order: pops the link's oldest call and passes it on. */
static void
redis_reply_cb_(redisAsyncContext *ac, void *reply, void *privdata)
{
	struct redis_call	*c = privdata, call;
	struct redis		*r = c->r;
	struct redis_conn	*l;

	(void)ac;
	call = *c;
	free(c);
	l = &r->link[call.link];
	if (call.session == r->session && l->count > 0) {
		l->head = (l->head + 1) % l->cap;
		l->count--;
		redis_arm(r, call.link);
	}
	if (call.session != r->session)
		reply = NULL;
	if (call.cb != NULL)
		call.cb(reply, call.arg);
}

/*
 * Sends a command on a link; the callback always runs, with a NULL reply
 * if the link goes away first.  A reply later than timeout_ms drops both
 * links.  Returns -1 when the links are not up.
 */
int
redis_command(struct redis *r, enum redis_link i, int64_t timeout_ms,
    redis_reply_cb cb, void *arg, int argc, const char **argv,
    const size_t *argvlen)
{
	if (!r->up)
		return (-1);
	return (redis_send(r, i, timeout_ms, cb, arg, argc, argv, argvlen));
}

/* A command already in the protocol's format (see outbox.c). */
int
redis_command_raw(struct redis *r, enum redis_link i, int64_t timeout_ms,
    redis_reply_cb cb, void *arg, const char *raw, size_t len)
{
	if (!r->up)
		return (-1);
	return (redis_queue(r, i, timeout_ms, cb, arg, 0, NULL, NULL, raw,
	    len));
}

static int
redis_send(struct redis *r, int i, int64_t timeout_ms, redis_reply_cb cb,
    void *arg, int argc, const char **argv, const size_t *argvlen)
{
	return (redis_queue(r, i, timeout_ms, cb, arg, argc, argv, argvlen,
	    NULL, 0));
}

/*
 * Queues one command, as argv or already in the protocol's format, and
 * notes its deadline.
 */
static int
redis_queue(struct redis *r, int i, int64_t timeout_ms, redis_reply_cb cb,
    void *arg, int argc, const char **argv, const size_t *argvlen,
    const char *raw, size_t rawlen)
{
	struct redis_conn	*l = &r->link[i];
	struct redis_call	*c, *calls;
	size_t			 n, cap;

	if (l->ac == NULL || l->count >= REDIS_MAX_CALLS)
		return (-1);
	if (l->count == l->cap) {
		cap = l->cap == 0 ? REDIS_CALLS_MIN : l->cap * 2;
		calls = xreallocarray(NULL, cap, sizeof(*calls));
		for (n = 0; n < l->count; n++)
			calls[n] = l->calls[(l->head + n) % l->cap];
		free(l->calls);
		l->calls = calls;
		l->cap = cap;
		l->head = 0;
	}
	c = xmalloc(sizeof(*c));
	c->r = r;
	c->link = i;
	c->session = r->session;
	c->deadline = now_mono_ms() + timeout_ms;
	c->cb = cb;
	c->arg = arg;
	if ((raw != NULL ? redisAsyncFormattedCommand(l->ac, redis_reply_cb_,
	    c, raw, rawlen) : redisAsyncCommandArgv(l->ac, redis_reply_cb_, c,
	    argc, argv, argvlen)) != REDIS_OK) {
		free(c);
		redis_drop(r, "a command could not be queued");
		return (-1);
	}
	l->calls[(l->head + l->count++) % l->cap] = *c;
	if (l->count == 1)
		redis_arm(r, i);
	return (0);
}

static void
redis_auth_cb(redisReply *reply, void *arg)
{
	struct redis_conn	*l = arg;

	if (reply != NULL && reply->type == REDIS_REPLY_ERROR)
		redis_drop(l->owner, "authentication refused");
}

/*
 * The PING that follows the connect (and AUTH): a server still loading
 * its dataset answers LOADING to everything, and a write it refuses so
 * would be lost, so the links are up only once both have a PONG.
 */
static void
redis_ping_cb(redisReply *reply, void *arg)
{
	struct redis_conn	*l = arg;
	struct redis		*r = l->owner;

	if (reply == NULL)
		return;
	if (reply->type == REDIS_REPLY_ERROR) {
		redis_drop(r, strncmp(reply->str, REDIS_LOADING,
		    strlen(REDIS_LOADING)) == 0 ?
		    "the server is loading its dataset" : reply->str);
		return;
	}
	l->ready = 1;
	redis_check_up(r);
}

/* Both links connected and answering: tell the owner. */
static void
redis_check_up(struct redis *r)
{
	int	 i;

	if (r->up)
		return;
	for (i = 0; i < REDIS_NLINKS; i++)
		if (!r->link[i].ready)
			return;
	r->up = 1;
	r->up_since = now_mono_ms();
	if (r->ever_up)
		log_info("redis: reconnected to %s:%d", r->host, r->port);
	else
		log_info("redis: connected to %s:%d", r->host, r->port);
	r->ever_up = 1;
	if (r->hooks.up != NULL)
		r->hooks.up(r->hooks.arg);
}

/* Each context's data is its link. */
static struct redis *
redis_of(const redisAsyncContext *ac, int *which)
{
	struct redis_conn	*l = ac->data;

	*which = l == &l->owner->link[REDIS_READER] ? REDIS_READER :
	    REDIS_WRITER;
	return (l->owner);
}

/*
 * Frees a context without hearing of it: hiredis 0.14 cannot unset a
 * disconnect callback, so the field is cleared directly.
 */
static void
redis_close(redisAsyncContext *ac)
{
	ac->onDisconnect = NULL;
	redisAsyncFree(ac);
}

static void
redis_connect_cb(const redisAsyncContext *ac, int status)
{
	struct redis	*r;
	int		 i;
	const char	*argv[REDIS_HELLO_ARGS];
	size_t		 argvlen[REDIS_HELLO_ARGS];
	int		 argc = 0;

	r = redis_of(ac, &i);
	if (status != REDIS_OK) {
		/* hiredis frees the context after this callback */
		r->link[i].ac = NULL;
		redis_drop(r, ac->errstr);
		return;
	}
	redisEnableKeepAlive(&r->link[i].ac->c);
	if (r->password != NULL) {
		argv[argc] = "AUTH";
		argvlen[argc++] = 4;
		if (r->user != NULL) {
			argv[argc] = r->user;
			argvlen[argc++] = strlen(r->user);
		}
		argv[argc] = r->password;
		argvlen[argc++] = strlen(r->password);
		redis_send(r, i, REDIS_HELLO_TIMEOUT, redis_auth_cb,
		    &r->link[i], argc, argv, argvlen);
	}
	argv[0] = "PING";
	argvlen[0] = 4;
	redis_send(r, i, REDIS_HELLO_TIMEOUT, redis_ping_cb, &r->link[i], 1,
	    argv, argvlen);
}

static void
redis_disconnect_cb(const redisAsyncContext *ac, int status)
{
	struct redis	*r;
	int		 i;

	(void)status;
	r = redis_of(ac, &i);
	/* hiredis frees the context after this callback */
	r->link[i].ac = NULL;
	r->link[i].ready = 0;
	redis_drop(r, ac->err ? ac->errstr : "connection closed");
}

/* Opens both links. */
static void
redis_dial(struct redis *r)
{
	redisAsyncContext	*ac;
	int			 i;

	for (i = 0; i < REDIS_NLINKS; i++) {
		ac = redisAsyncConnect(r->host, r->port);
		if (ac == NULL || ac->err) {
			/* logged with the drop, rate-limited */
			redis_drop(r, ac != NULL ? ac->errstr : "out of memory");
			if (ac != NULL)
				redis_close(ac);
			return;
		}
		ac->data = &r->link[i];
		/* keep the reply buffer: batches of entries are large */
		ac->c.reader->maxbuf = 0;
		arena_attach(r->link[i].arena, ac->c.reader);
		r->link[i].ac = ac;
		r->link[i].ready = 0;
		redisLibeventAttach(ac, r->base);
		redisAsyncSetConnectCallback(ac, redis_connect_cb);
		redisAsyncSetDisconnectCallback(ac, redis_disconnect_cb);
	}
}

static void
redis_redial_cb(int fd, short events, void *arg)
{
	struct redis	*r = arg;

	(void)fd;
	(void)events;
	r->dropping = 0;
	redis_dial(r);
}

/*
 * Frees what is left of both links, outside any hiredis callback, then
 * tells the owner and schedules the redial.
 */
static void
redis_teardown_cb(int fd, short events, void *arg)
{
	struct redis		*r = arg;
	struct redisAsyncContext *ac;
	struct timeval		 tv;
	int64_t			 delay;
	uint64_t		 more;
	int			 i, stable, was_up = r->up;

	(void)fd;
	(void)events;
	r->up = 0;
	for (i = 0; i < REDIS_NLINKS; i++) {
		evtimer_del(r->link[i].silence);
		if ((ac = r->link[i].ac) != NULL) {
			r->link[i].ac = NULL;
			redis_close(ac);
		}
		r->link[i].ready = 0;
		r->link[i].count = 0;
		r->link[i].head = 0;
	}
	/* a link up long enough starts a new outage, and a new backoff */
	stable = was_up && now_mono_ms() - r->up_since >= REDIS_STABLE_MS;
	if (stable) {
		r->fails = 0;
		memset(&r->warn, 0, sizeof(r->warn));
	}
	r->fails++;
	delay = redis_backoff_next(&r->backoff, stable);
	/* one line per outage, then one a minute while it lasts */
	if (redis_warn_due(&r->warn, now_mono_ms(), &more))
		log_warnx("redis: %s:%d: %s; retrying (%llu failures, %llu "
		    "lines held back)", r->host, r->port,
		    r->why != NULL ? r->why : "lost",
		    (unsigned long long)r->fails, (unsigned long long)more);
	else
		log_debug("redis: %s; retrying in %lld ms",
		    r->why != NULL ? r->why : "lost", (long long)delay);
	free(r->why);
	r->why = NULL;
	if (was_up) {
		r->reconnects++;
		if (r->hooks.down != NULL)
			r->hooks.down(r->hooks.arg);
	}
	redis_timeval(delay, &tv);
	evtimer_add(r->redial, &tv);
}

/*
 * Drops both links (once), for the reason given.  Callbacks of the old
 * session get NULL replies; the owner hears down() from the event loop.
 */
void
redis_drop(struct redis *r, const char *why)
{
	if (r->dropping)
		return;
	r->dropping = 1;
	r->session++;
	free(r->why);
	r->why = xstrdup(why != NULL ? why : "lost");
	event_active(r->teardown, EV_TIMEOUT, 0);
}

struct redis *
redis_new(struct event_base *base, const char *host, int port,
    const char *user, const char *password, const struct redis_hooks *hooks)
{
	struct redis	*r;
	int		 i;

	r = xcalloc(1, sizeof(*r));
	r->base = base;
	r->host = xstrdup(host);
	r->port = port;
	r->user = user != NULL ? xstrdup(user) : NULL;
	r->password = password != NULL ? xstrdup(password) : NULL;
	r->hooks = *hooks;
	r->backoff.ms = REDIS_BACKOFF_MIN;
	r->backoff.seed = redis_seed();
	r->redial = evtimer_new(base, redis_redial_cb, r);
	r->teardown = event_new(base, -1, 0, redis_teardown_cb, r);
	for (i = 0; i < REDIS_NLINKS; i++) {
		r->link[i].owner = r;
		r->link[i].arena = arena_new();
		r->link[i].silence = evtimer_new(base, redis_silence_cb,
		    &r->link[i]);
	}
	return (r);
}

void
redis_start(struct redis *r)
{
	redis_dial(r);
}

int
redis_up(const struct redis *r)
{
	return (r->up);
}

uint64_t
redis_reconnects(const struct redis *r)
{
	return (r->reconnects);
}

/* Closes both links for good; pending callbacks get NULL replies. */
void
redis_free(struct redis *r)
{
	redisAsyncContext	*ac;
	int			 i;

	if (r == NULL)
		return;
	r->session++;
	r->up = 0;
	for (i = 0; i < REDIS_NLINKS; i++) {
		if ((ac = r->link[i].ac) != NULL) {
			r->link[i].ac = NULL;
			redis_close(ac);
		}
		event_free(r->link[i].silence);
		free(r->link[i].calls);
		arena_free(r->link[i].arena);
	}
	event_free(r->redial);
	event_free(r->teardown);
	if (r->password != NULL)
		explicit_bzero(r->password, strlen(r->password));
	free(r->password);
	free(r->user);
	free(r->host);
	free(r->why);
	free(r);
}

/*
 * Reads the password file: file_secret_load under the name main.c has
 * always called.
 */
int
redis_password_load(const char *spec, char **user, char **password,
    char *err, size_t errlen)
{
	return (file_secret_load(spec, user, password, err, errlen));
}

/*
 * Whether a repeating warning is logged now: the first at once, then
 * one a minute; *more gets how many were held back since the last.
 */
int
redis_warn_due(struct redis_warn *w, int64_t now, uint64_t *more)
{
	if (w->next_ms != 0 && now < w->next_ms) {
		w->held++;
		return (0);
	}
	*more = w->held;
	w->held = 0;
	w->next_ms = now + REDIS_WARN_MS;
	return (1);
}

/* A seed for the jitter: this process and this moment. */
uint64_t
redis_seed(void)
{
	return ((uint64_t)now_mono_ms() * 0x9e3779b97f4a7c15ULL ^
	    (uint64_t)now_wall_ms() ^ ((uint64_t)getpid() << 32));
}

/* splitmix64: the next number of the sequence that *state seeds. */
static uint64_t
redis_random(uint64_t *state)
{
	uint64_t	 z;

	z = (*state += 0x9e3779b97f4a7c15ULL);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31));
}

/*
 * A wait of about ms: drawn uniformly in [ms/2, ms], so that clients
 * that failed together do not come back together.
 */
int64_t
redis_jitter(uint64_t *state, int64_t ms)
{
	int64_t	 lo = ms / 2;

	return (lo + (int64_t)(redis_random(state) % (uint64_t)(ms - lo + 1)));
}

/*
 * The wait before the next dial: the backoff reset first if the links
 * had stayed up long enough (reset), then doubled for the next time.
 */
int64_t
redis_backoff_next(struct redis_backoff *b, int reset)
{
	int64_t	 delay;

	if (reset || b->ms < REDIS_BACKOFF_MIN)
		b->ms = REDIS_BACKOFF_MIN;
	delay = redis_jitter(&b->seed, b->ms);
	b->ms *= 2;
	if (b->ms > REDIS_BACKOFF_MAX)
		b->ms = REDIS_BACKOFF_MAX;
	return (delay);
}
