/*
 * replytimed: the command line and the event loop.  main() wires the
 * engine to Redis (ingest in, output out), runs the publish tick, and
 * turns signals into a reload or an orderly stop.
 */

#include <sys/random.h>
#include <sys/time.h>

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "alert.h"
#include "conf.h"
#include "daemon.h"
#include "file.h"
#include "engine.h"
#include "hash.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "now.h"
#include "notify.h"
#include "outbox.h"
#include "output.h"
#include "redis.h"
#include "route.h"
#include "snapshot.h"
#include "xmalloc.h"

#define TRIM_INTERVAL	60	/* s between XTRIMs of the events stream */
#define STOP_GRACE	5000	/* ms to flush writes when stopping */

static struct daemon	 d;

static struct timeval
tv_ms(int64_t ms)
{
	struct timeval	 tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	return (tv);
}

/* Builds the snapshot and writes it to the key and the channel. */
static void
publish(void)
{
	json_t	*snap;
	char	*text;

	if (!ingest_rebuilt(d.ig))
		return;		/* a half-built state would mislead */
	snap = snapshot_build(d.e, d.rcf, now_wall_ms());
	text = snapshot_dump(snap);
	output_snapshot(d.out, text, strlen(text));
	if (d.http != NULL)
		http_snapshot(d.http, text, strlen(text));
	free(text);
	if (d.snap != NULL)
		json_decref(d.snap);
	d.snap = snap;		/* for /metrics */
}

/* GET /metrics: the counters, then the latest snapshot's numbers. */
static char *
http_metrics_cb(void *arg)
{
	(void)arg;
	return (stats_metrics(&d));
}

/* GET /api/v1/alerts and the start of /events: the alerts firing now. */
static char *
http_alerts_cb(void *arg)
{
	json_t	*o;
	char	*text;

	(void)arg;
	o = snapshot_alerts(d.e, now_wall_ms());
	text = snapshot_dump(o);
	json_decref(o);
	return (text);
}

/* GET /readyz: connected to Redis and caught up with the stream. */
static int
http_ready_cb(void *arg, const char **why)
{
	static char	 held[320];
	const char	*err;

	(void)arg;
	if ((err = outbox_held(d.ob)) != NULL) {
		snprintf(held, sizeof(held), "writes held: %s", err);
		*why = held;
	} else if (!redis_up(d.r))
		*why = "not connected to Redis";
	else if (!ingest_rebuilt(d.ig))
		*why = "rebuilding the state from the stream";
	else if (!ingest_caught_up(d.ig))
		*why = "catching up with the stream";
	else
		return (1);
	return (0);
}

static void
http_alert_cb(const char *text, size_t len, void *arg)
{
	(void)arg;
	if (d.http != NULL)
		http_alert(d.http, text, len);
}

/* Every publish interval: move the clock on when caught up, publish. */
static void
tick_cb(int fd, short events, void *arg)
{
	int64_t	 mono = now_mono_ms(), late;

	(void)fd;
	(void)events;
	(void)arg;
	/* how late the loop came to it: the longest stall of the loop */
	late = mono - d.tick_mono - d.cf->publish.interval_ms;
	if (d.tick_mono != 0 && late > d.stall_max_ms)
		d.stall_max_ms = late;
	d.tick_mono = mono;
	if (ingest_caught_up(d.ig) && redis_up(d.r)) {
		engine_advance(d.e, now_wall_ms(), 1);
		output_flush(d.out, NULL, NULL, 0);
	}
	publish();
	stats_caps_log(&d, mono);
}

/* Every minute: trim the events stream, log the counters. */
static void
trim_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	if (ingest_rebuilt(d.ig) && redis_up(d.r))
		output_trim(d.out, now_wall_ms() - d.cf->ingest.retention_s * 1000);
	stats_log(&d);
}

/* The watchdog is fed from the loop itself: a stuck loop starves it. */
static void
dog_cb(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	(void)arg;
	notify_send("WATCHDOG=1");
}

static void
redis_up_cb(void *arg)
{
	(void)arg;
	outbox_up(d.ob);
	ingest_up(d.ig);
	if (!d.ready) {
		d.ready = 1;
		notify_send("READY=1");
	}
}

static void
redis_down_cb(void *arg)
{
	(void)arg;
	outbox_down(d.ob);
	ingest_down(d.ig);
}

static void
outbox_drained_cb(void *arg)
{
	(void)arg;
	ingest_drained(d.ig);
	if (d.stopping && outbox_len(d.ob) == 0)
		event_active(d.ev_stop, EV_TIMEOUT, 0);
}

/*
 * The last step of a stop: once the writes are answered (or the grace
 * has run out, or Redis is gone), leave the loop.
 */
static void
stop_cb(int fd, short events, void *arg)
{
	struct timeval	 tv = tv_ms(50);

	(void)fd;
	(void)events;
	(void)arg;
	if (outbox_len(d.ob) == 0 || !redis_up(d.r) ||
	    now_mono_ms() >= d.stop_deadline) {
		if (outbox_len(d.ob) != 0)
			log_warnx("stopping with %zu writes unanswered; a "
			    "restart rebuilds them", outbox_len(d.ob));
		event_base_loopexit(d.base, NULL);
		return;
	}
	evtimer_add(d.ev_stop, &tv);
}

/* Reading has stopped: acknowledge, publish a last time, flush, exit. */
static void
stopped_cb(void *arg)
{
	(void)arg;
	publish();
	d.stop_deadline = now_mono_ms() + STOP_GRACE;
	event_active(d.ev_stop, EV_TIMEOUT, 0);
}

static void
stop(const char *why)
{
	if (d.stopping)
		return;
	d.stopping = 1;
	log_info("%s: stopping", why);
	notify_send("STOPPING=1");
	evtimer_del(d.ev_tick);
	ingest_stop(d.ig, stopped_cb, NULL);
}

static void
signal_cb(int sig, short events, void *arg)
{
	(void)events;
	(void)arg;
	switch (sig) {
	case SIGHUP:
		reload(&d);
		break;
	case SIGTERM:
		stop("SIGTERM");
		break;
	case SIGINT:
		stop("SIGINT");
		break;
	}
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: replytimed [-c file] [--check-config] "
	    "[--version]\n");
	exit(2);
}

/*
 * Keys the engine's hash tables with random bytes, once: names chosen
 * from outside cannot be made to share a chain.
 */
static void
hash_key_random(void)
{
	uint8_t	 key[HASH_KEYLEN];
	ssize_t	 n;

	do
		n = getrandom(key, sizeof(key), 0);
	while (n == -1 && errno == EINTR);
	if (n != (ssize_t)sizeof(key))
		fatal("getrandom");
	hash_key_set(key);
	explicit_bzero(key, sizeof(key));
}

/*
 * Sets everything up in order; torn down in reverse by teardown().  The
 * HTTP server takes the tokens; without one they are freed here.
 */
static int
setup(struct route_token *tokens, size_t ntokens)
{
	static const int	 sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct redis_hooks	 hooks = { redis_up_cb, redis_down_cb, NULL };
	struct http_hooks	 hh = { http_metrics_cb, http_alerts_cb,
				     http_ready_cb, NULL };
	struct timeval		 tv;
	char			 host[256], err[512], *user, *pass;
	const char		*consumer = d.cf->redis.consumer, *errstr;
	size_t			 i;
	int64_t			 dog;

	if ((d.base = event_base_new()) == NULL)
		fatalx("event_base_new failed");
	if (*d.cf->http.listen != '\0') {
		if ((d.http = http_new(d.base, d.cf, &hh, &errstr)) == NULL) {
			log_warnx("http.listen %s: %s", d.cf->http.listen,
			    errstr);
			file_tokens_free(tokens, ntokens);
			event_base_free(d.base);
			return (-1);
		}
		http_set_access(d.http, d.cf, tokens, ntokens);
		if (ntokens > 0)
			log_info("http: %zu tokens, read from their files",
			    ntokens);
		log_info("http: serving on http://%s%s%s:%d/",
		    strchr(d.cf->http.listen_host, ':') != NULL ? "[" : "",
		    d.cf->http.listen_host,
		    strchr(d.cf->http.listen_host, ':') != NULL ? "]" : "",
		    http_port(d.http));
	} else
		file_tokens_free(tokens, ntokens);
	if (redis_password_load(d.cf->redis.password_file, &user, &pass, err,
	    sizeof(err)) == -1) {
		log_warnx("redis.password_file: %s", err);
		http_free(d.http);
		event_base_free(d.base);
		return (-1);
	}
	if (*consumer == '\0') {
		if (gethostname(host, sizeof(host)) == -1)
			snprintf(host, sizeof(host), "replytimed");
		host[sizeof(host) - 1] = '\0';
		consumer = host;
	}
	hash_key_random();
	d.e = engine_new(d.cf);
	d.r = redis_new(d.base, d.cf->redis.host, (int)d.cf->redis.port,
	    user, pass, &hooks);
	if (pass != NULL)
		explicit_bzero(pass, strlen(pass));
	free(user);
	free(pass);
	d.ob = outbox_new(d.base, d.r,
	    (size_t)d.cf->publish.outbox_max_mb * 1024 * 1024,
	    outbox_drained_cb, NULL);
	d.out = output_new(d.ob, d.cf);
	d.out->alert_cb = http_alert_cb;
	engine_set_sink(d.e, output_outcome, d.out);
	alerts_set_sink(engine_alerts(d.e), output_alert, d.out);
	d.ig = ingest_new(d.e, d.cf, d.r, d.ob, d.out, consumer);

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d.ev_sig[i] = evsignal_new(d.base, sigs[i], signal_cb, NULL);
		evsignal_add(d.ev_sig[i], NULL);
	}
	d.ev_tick = event_new(d.base, -1, EV_PERSIST, tick_cb, NULL);
	tv = tv_ms(d.cf->publish.interval_ms);
	evtimer_add(d.ev_tick, &tv);
	d.ev_trim = event_new(d.base, -1, EV_PERSIST, trim_cb, NULL);
	tv = tv_ms(TRIM_INTERVAL * 1000);
	evtimer_add(d.ev_trim, &tv);
	d.ev_stop = evtimer_new(d.base, stop_cb, NULL);
	if ((dog = notify_watchdog_usec()) > 0) {
		d.ev_dog = event_new(d.base, -1, EV_PERSIST, dog_cb, NULL);
		tv = tv_ms(dog / 2000);
		evtimer_add(d.ev_dog, &tv);
	}
	log_info("replytimed %s: reading %s:events on %s:%lld as %s/%s",
	    VERSION, d.cf->redis.prefix, d.cf->redis.host,
	    (long long)d.cf->redis.port, d.cf->redis.group, consumer);
	redis_start(d.r);
	return (0);
}

static void
teardown(void)
{
	size_t	 i;

	if (d.ev_dog != NULL)
		event_free(d.ev_dog);
	event_free(d.ev_stop);
	event_free(d.ev_trim);
	event_free(d.ev_tick);
	for (i = 0; i < sizeof(d.ev_sig) / sizeof(d.ev_sig[0]); i++)
		if (d.ev_sig[i] != NULL)
			event_free(d.ev_sig[i]);
	http_free(d.http);
	if (d.snap != NULL)
		json_decref(d.snap);
	/* pending replies are called back (NULL) while their owners live */
	redis_free(d.r);
	ingest_free(d.ig);
	output_free(d.out);
	outbox_free(d.ob);
	engine_free(d.e);
	event_base_free(d.base);
	if (d.rcf != d.cf)
		conf_free(d.rcf);
	conf_free(d.cf);
	notify_close();
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	struct route_token	*tokens;
	size_t			 ntokens;
	char			 err[512];
	int			 ch, check = 0;

	d.path = "/etc/replytimed/replytimed.json";
	while ((ch = getopt_long(argc, argv, "c:nV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			d.path = optarg;
			break;
		case 'n':
			check = 1;
			break;
		case 'V':
			printf("replytimed %s\n", VERSION);
			return (0);
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	if ((d.cf = conf_load(d.path, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return (2);
	}
	/* a token file is part of the config: checked with it */
	if (file_tokens_load(d.cf, &tokens, &ntokens, err,
	    sizeof(err)) == -1) {
		fprintf(stderr, "%s\n", err);
		conf_free(d.cf);
		return (2);
	}
	if (check) {
		printf("%s: ok\n", d.path);
		file_tokens_free(tokens, ntokens);
		conf_free(d.cf);
		return (0);
	}
	d.rcf = d.cf;
	d.started_ms = now_wall_ms();
	log_init(d.cf->log.level, "replytimed");
	if (notify_init() == -1) {
		file_tokens_free(tokens, ntokens);
		conf_free(d.cf);
		return (1);
	}
	if (setup(tokens, ntokens) == -1) {
		conf_free(d.cf);
		return (1);
	}
	event_base_dispatch(d.base);
	stats_log(&d);
	teardown();
	log_info("stopped");
	return (0);
}
