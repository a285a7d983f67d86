/*
 * The daemon's snapshot read back from Redis, and whether a run has
 * settled: everything read, every outcome written.
 */

#include <stdio.h>
#include <string.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "rdaemon.h"
#include "snap.h"
#include "stream.h"

/* The parsed <prefix>:snapshot key, or NULL. */
json_t *
snap_get(redisContext *c, const char *prefix)
{
	json_error_t	 jerr;
	redisReply	*r;
	json_t		*j = NULL;

	r = redisCommand(c, "GET %s:snapshot", prefix);
	if (r != NULL && r->type == REDIS_REPLY_STRING)
		j = json_loadb(r->str, r->len, 0, &jerr);
	if (r != NULL)
		freeReplyObject(r);
	return (j);
}

/* The member at a dotted path ("global.windows.3600.missed"), or NULL. */
json_t *
snap_path(json_t *root, const char *path)
{
	char	 key[128];
	size_t	 n;

	while (root != NULL && *path != '\0') {
		n = strcspn(path, ".");
		snprintf(key, sizeof(key), "%.*s", (int)n, path);
		root = json_object_get(root, key);
		path += n;
		if (*path == '.')
			path++;
	}
	return (root);
}

/*
 * The number of outcomes a snapshot counts in the global scope's window
 * win: responses, breaches, misses and unanswered waits, one per entry
 * of the outcome stream.  -1 without a snapshot.
 */
long long
snap_outcomes(json_t *snap, const char *win)
{
	static const char *const kinds[] = { "responses", "frt_breached",
	    "missed", "unanswered" };
	json_t		*w;
	long long	 n = 0;
	size_t		 i;

	w = json_object_get(snap_path(json_object_get(snap, "global"),
	    "windows"), win);
	if (w == NULL)
		return (-1);
	for (i = 0; i < 4; i++)
		n += (long long)json_number_value(json_object_get(w, kinds[i]));
	return (n);
}

/* A clk_wait condition on a struct snap_settle. */
int
snap_settled(void *arg)
{
	struct snap_settle	*s = arg;
	json_t			*snap;
	char			 key[128];
	long long		 n, want;
	int64_t			 clock;

	if (s->d != NULL && !rdaemon_alive(s->d))
		return (-1);
	if (!stream_caught_up(s->c, s->prefix))
		return (0);
	if ((snap = snap_get(s->c, s->prefix)) == NULL)
		return (0);
	clock = (int64_t)json_number_value(json_object_get(snap, "clock_ms"));
	want = snap_outcomes(snap, "86400");
	json_decref(snap);
	snprintf(key, sizeof(key), "%s:outcomes", s->prefix);
	n = stream_len(s->c, key);
	return (clock >= s->min_clock && n == want && n >= s->min_outcomes);
}
