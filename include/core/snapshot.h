/* The documents: the engine's state and alerts as JSON (replytimed(8)). */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdint.h>

#include <jansson.h>

struct alert_event;
struct conf;
struct engine;

/* Reals carry millisecond precision up to years: twelve digits. */
#define SNAPSHOT_DUMP_FLAGS	(JSON_COMPACT | JSON_REAL_PRECISION(12))

json_t	*snapshot_build(const struct engine *, const struct conf *, int64_t);
json_t	*snapshot_alert(const struct alert_event *, unsigned);
json_t	*snapshot_alerts(const struct engine *, int64_t);
json_t	*snapshot_metrics(const double *);
char	*snapshot_dump(const json_t *);

#endif
