/*
 * The two Redis connections: a reader that may block in XREADGROUP and a
 * writer for everything else.  They come up and go down together: when
 * either is lost both are dropped, the owner is told, and both are dialled
 * again with exponential backoff (100 ms doubling to 5 s, each wait drawn
 * in its upper half), reset only once the links have stayed up 10 s.
 */
#ifndef REDIS_H
#define REDIS_H

#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <hiredis/async.h>

struct event_base;
struct redis;

enum redis_link {
	REDIS_READER,
	REDIS_WRITER
};

struct redis_hooks {
	void	(*up)(void *);		/* both connected and authenticated */
	void	(*down)(void *);	/* both dropped; a redial is scheduled */
	void	*arg;
};

/* A repeating warning: one line a minute at most (redis_warn_due). */
struct redis_warn {
	int64_t		 next_ms;	/* monotonic; 0: the first is due */
	uint64_t	 held;		/* lines held back since the last */
};

/* The redial's backoff: the next wait, and the jitter's state. */
struct redis_backoff {
	int64_t		 ms;
	uint64_t	 seed;
};

#define REDIS_BACKOFF_MIN	100	/* ms */
#define REDIS_BACKOFF_MAX	5000
#define REDIS_STABLE_MS		10000	/* up this long: backoff reset */
#define REDIS_MAX_CALLS		1024	/* unanswered calls on a link */
#define REDIS_WARN_MS		60000	/* between two lines of a warning */

/* A reply callback: reply is NULL when the connection went away. */
typedef void (*redis_reply_cb)(redisReply *, void *);

struct redis	*redis_new(struct event_base *, const char *, int,
		    const char *, const char *, const struct redis_hooks *);
void		 redis_free(struct redis *);
void		 redis_start(struct redis *);
int		 redis_up(const struct redis *);
int		 redis_command(struct redis *, enum redis_link, int64_t,
		    redis_reply_cb, void *, int, const char **, const size_t *);
int		 redis_command_raw(struct redis *, enum redis_link, int64_t,
		    redis_reply_cb, void *, const char *, size_t);
void		 redis_drop(struct redis *, const char *);
uint64_t	 redis_reconnects(const struct redis *);
int		 redis_warn_due(struct redis_warn *, int64_t, uint64_t *);
uint64_t	 redis_seed(void);
int64_t		 redis_jitter(uint64_t *, int64_t);
int64_t		 redis_backoff_next(struct redis_backoff *, int);
int		 redis_password_load(const char *, char **, char **,
		    char *, size_t);

#endif
