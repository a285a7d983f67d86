/*
 * What the daemon writes to Redis: outcomes, alert transitions, dead
 * letters, acks, the snapshot and the trimming of the events stream
 * (replytimed(8), OUTPUTS).  Outcomes, alerts and dead letters
 * carry explicit stream IDs, so a replay after a restart writes each of
 * them exactly once; a batch of them goes to Redis as one script call.
 */
#ifndef OUTPUT_H
#define OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "outbox.h"
#include "sid.h"

struct conf;
struct outbox;
struct outcome;
struct alert_event;

struct output {
	struct outbox	*ob;
	char		*events;	/* <prefix>:events */
	char		*dead;		/* <prefix>:events:dead */
	char		*outcomes;	/* <prefix>:outcomes */
	char		*snapshot;	/* <prefix>:snapshot */
	char		*alerts;	/* <prefix>:alerts, stream and channel */
	char		*group;
	char		 maxlen[24];
	char		 alerts_maxlen[24];
	struct sid	 alerts_top;
	struct sid	 alast;
	uint64_t	 alert_transitions;
	struct sid	 outcomes_top;	/* written before we started */
	struct sid	 dead_top;
	struct sid	 last;		/* the last outcome ID given */
	uint64_t	 written;	/* outcomes written or queued */
	uint64_t	 skipped;	/* already there after a restart */
	uint64_t	 dead_letters;

	/* told each new alert transition's JSON, once it is queued */
	void		(*alert_cb)(const char *, size_t, void *);
	void		*alert_arg;

	struct resp	 batch;		/* the script's arguments so far */
	size_t		 ops;		/* outcomes, alerts, dead letters */
	int		 batch_key;	/* its latest XADD: OUTPUT_KEY_* */
	char		 batch_id[SID_MAX];
	int		 fence_key;	/* the last batch's, 0: none */
	char		 fence_id[SID_MAX];
};

/* The script's KEYS, 1-based, as a fence names them (0: no fence). */
#define OUTPUT_KEY_OUTCOMES	1
#define OUTPUT_KEY_DEAD		2
#define OUTPUT_KEY_ALERTS	4

struct output	*output_new(struct outbox *, const struct conf *);
void		 output_free(struct output *);
void		 output_outcome(const struct outcome *, void *);
void		 output_alert(const struct alert_event *, void *);
void		 output_dead(struct output *, const char *,
		    const struct entry_field *, size_t, enum reason);
void		 output_flush(struct output *, const char **,
		    const size_t *, size_t);
void		 output_snapshot(struct output *, const char *, size_t);
void		 output_trim(struct output *, int64_t);

#endif
