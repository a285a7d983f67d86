/* The snapshot: the engine's state as the JSON document of CONTRACT 4. */
#ifndef SNAPSHOT_H
#define SNAPSHOT_H

#include <stdint.h>

#include <jansson.h>

struct conf;
struct engine;

/* Reals carry millisecond precision up to years: twelve digits. */
#define SNAPSHOT_DUMP_FLAGS	(JSON_COMPACT | JSON_REAL_PRECISION(12))

json_t	*snapshot_build(struct engine *, const struct conf *, int64_t);
json_t	*snapshot_metrics(const double *);
char	*snapshot_dump(const json_t *);

#endif
