/*
 * The reader: from the events stream into the engine.  On the first
 * connection it rebuilds the engine's state from the stream's history
 * (skipping what the dead-letter stream holds), settles this consumer's
 * pending entries, then reads new ones through the consumer group; after
 * a reconnection it only settles and reads on.
 */
#ifndef INGEST_H
#define INGEST_H

#include <stdint.h>

struct conf;
struct engine;
struct ingest;
struct output;
struct outbox;
struct redis;

struct ingest_stats {
	uint64_t	 entries;	/* read from the stream, rebuild too */
	uint64_t	 rebuilt;	/* of those, during the rebuild */
	uint64_t	 skipped;	/* dead-lettered before, or seen before */
	uint64_t	 emptied;	/* pending entries trimmed away */
	uint64_t	 group_recreated;
	uint64_t	 pauses;	/* reading paused for the writer */
	int64_t		 rebuild_ms;
	uint64_t	 last_ms;	/* ID time of the latest entry read */
};

struct ingest	*ingest_new(struct engine *, const struct conf *,
		    struct redis *, struct outbox *, struct output *,
		    const char *);
void		 ingest_free(struct ingest *);
void		 ingest_up(struct ingest *);
void		 ingest_down(struct ingest *);
void		 ingest_drained(struct ingest *);
void		 ingest_stop(struct ingest *, void (*)(void *), void *);
int		 ingest_caught_up(const struct ingest *);
int		 ingest_rebuilt(const struct ingest *);
const struct ingest_stats *ingest_stats(const struct ingest *);

#endif
