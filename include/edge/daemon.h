/*
 * The running daemon: its config, the engine and the I/O modules around
 * it, and the loop's events.  main.c owns the one instance; stats.c and
 * reload.c read and change it.
 */
#ifndef DAEMON_H
#define DAEMON_H

#include <stdint.h>

#include <jansson.h>

struct conf;
struct engine;
struct event;
struct event_base;
struct http;
struct ingest;
struct outbox;
struct output;
struct redis;

#define DAEMON_NSIGNALS	4

struct daemon {
	struct event_base	*base;
	const char		*path;
	struct conf		*cf;		/* as started */
	struct conf		*rcf;		/* reloadable part, latest good */
	struct engine		*e;
	struct redis		*r;
	struct outbox		*ob;
	struct output		*out;
	struct ingest		*ig;
	struct http		*http;		/* NULL: disabled */
	json_t			*snap;		/* the latest published */
	int64_t			 started_ms;
	int64_t			 tick_mono;	/* when the tick last ran */
	int64_t			 stall_max_ms;	/* the latest it came to it */
	struct event		*ev_sig[DAEMON_NSIGNALS];
	struct event		*ev_tick;
	struct event		*ev_trim;
	struct event		*ev_dog;
	struct event		*ev_stop;
	int			 ready;		/* READY=1 sent */
	int			 stopping;
	int64_t			 stop_deadline;
};

char	*stats_metrics(const struct daemon *);
void	 stats_log(const struct daemon *);
void	 stats_caps_log(const struct daemon *, int64_t);
void	 reload(struct daemon *);

#endif
