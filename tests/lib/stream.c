/*
 * Redis streams for the tests: entries as copies, whole streams read
 * and written, XLEN, consumer group state.
 */

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "stream.h"

#define STREAM_PAGE	1000		/* XRANGE page, XADD pipeline depth */

static void
stream_entry_clear(struct stream_entry *e)
{
	size_t	 i;

	for (i = 0; i < e->nfv; i++)
		free(e->fv[i]);
	free(e->fv);
	free(e->id);
	memset(e, 0, sizeof(*e));
}

void
stream_list_free(struct stream_list *l)
{
	size_t	 i;

	for (i = 0; i < l->n; i++)
		stream_entry_clear(&l->e[i]);
	free(l->e);
	memset(l, 0, sizeof(*l));
}

/* Appends an entry: id and nfv strings (name, value, ...), copied. */
struct stream_entry *
stream_list_add(struct stream_list *l, const char *id, size_t nfv,
    const char *const *fv)
{
	struct stream_entry	*e;
	size_t			 i;

	if (l->n == l->cap) {
		l->cap = l->cap != 0 ? l->cap * 2 : 64;
		if ((e = realloc(l->e, l->cap * sizeof(*l->e))) == NULL)
			abort();
		l->e = e;
	}
	e = &l->e[l->n++];
	e->id = strdup(id);
	e->nfv = nfv;
	if ((e->fv = calloc(nfv + 1, sizeof(*e->fv))) == NULL)
		abort();
	for (i = 0; i < nfv; i++)
		e->fv[i] = strdup(fv[i]);
	return (e);
}

/* The value of the first field called name, or NULL. */
const char *
stream_field(const struct stream_entry *e, const char *name)
{
	size_t	 i;

	for (i = 0; i + 1 < e->nfv; i += 2)
		if (strcmp(e->fv[i], name) == 0)
			return (e->fv[i + 1]);
	return (NULL);
}

/* "id {name=value, ...}" in buf, for messages. */
const char *
stream_entry_str(const struct stream_entry *e, char *buf, size_t len)
{
	size_t	 i, n;

	n = (size_t)snprintf(buf, len, "%s {", e->id);
	for (i = 0; i + 1 < e->nfv && n < len; i += 2)
		n += (size_t)snprintf(buf + n, len - n, "%s%s=%s",
		    i > 0 ? ", " : "", e->fv[i], e->fv[i + 1]);
	if (n < len)
		snprintf(buf + n, len - n, "}");
	return (buf);
}

/* Whether two entries have the same ID and the same fields in order. */
int
stream_entry_eq(const struct stream_entry *a, const struct stream_entry *b)
{
	size_t	 i;

	if (strcmp(a->id, b->id) != 0 || a->nfv != b->nfv)
		return (0);
	for (i = 0; i < a->nfv; i++)
		if (strcmp(a->fv[i], b->fv[i]) != 0)
			return (0);
	return (1);
}

static int
stream_reply_ok(redisContext *c, redisReply *r, const char *what)
{
	if (r == NULL) {
		fprintf(stderr, "%s: %s\n", what, c->errstr);
		return (0);
	}
	if (r->type == REDIS_REPLY_ERROR) {
		fprintf(stderr, "%s: %s\n", what, r->str);
		return (0);
	}
	return (1);
}

/* Reads the whole stream key into l (appended), page by page. */
int
stream_read(redisContext *c, const char *key, struct stream_list *l)
{
	const char	*argv[6];
	const char	*fv[64];
	redisReply	*r, *e, *f;
	char		 start[64] = "-", count[16];
	size_t		 i, j, n;

	snprintf(count, sizeof(count), "%d", STREAM_PAGE);
	for (;;) {
		argv[0] = "XRANGE";
		argv[1] = key;
		argv[2] = start;
		argv[3] = "+";
		argv[4] = "COUNT";
		argv[5] = count;
		r = redisCommandArgv(c, 6, argv, NULL);
		if (!stream_reply_ok(c, r, "XRANGE")) {
			if (r != NULL)
				freeReplyObject(r);
			return (-1);
		}
		n = r->type == REDIS_REPLY_ARRAY ? r->elements : 0;
		for (i = 0; i < n; i++) {
			e = r->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
				continue;
			f = e->element[1];
			for (j = 0; f->type == REDIS_REPLY_ARRAY &&
			    j < f->elements && j < 64; j++)
				fv[j] = f->element[j]->str != NULL ?
				    f->element[j]->str : "";
			stream_list_add(l, e->element[0]->str, j, fv);
			snprintf(start, sizeof(start), "(%s",
			    e->element[0]->str);
		}
		freeReplyObject(r);
		if (n < STREAM_PAGE)
			return (0);
	}
}

/* XADDs entries [from, to) of l to key with their IDs, pipelined. */
int
stream_add_list(redisContext *c, const char *key,
    const struct stream_list *l, size_t from, size_t to)
{
	const char	*argv[3 + 64];
	redisReply	*r;
	size_t		 i, j, sent, got;
	int		 rv = 0;

	for (i = from; i < to; i = sent) {
		for (sent = i; sent < to && sent - i < STREAM_PAGE; sent++) {
			argv[0] = "XADD";
			argv[1] = key;
			argv[2] = l->e[sent].id;
			for (j = 0; j < l->e[sent].nfv && j < 64; j++)
				argv[3 + j] = l->e[sent].fv[j];
			redisAppendCommandArgv(c, (int)(3 + j), argv, NULL);
		}
		for (got = i; got < sent; got++) {
			if (redisGetReply(c, (void **)&r) != REDIS_OK) {
				fprintf(stderr, "XADD: %s\n", c->errstr);
				return (-1);
			}
			if (r->type == REDIS_REPLY_ERROR) {
				fprintf(stderr, "XADD %s %s: %s\n", key,
				    l->e[got].id, r->str);
				rv = -1;
			}
			freeReplyObject(r);
		}
	}
	return (rv);
}

/*
 * XADD key id name value ... NULL; the new ID goes to outid when not
 * NULL (useful with id "*").
 */
int
stream_add(redisContext *c, const char *key, const char *id, char *outid,
    size_t outlen, ...)
{
	const char	*argv[3 + 64], *s;
	redisReply	*r;
	va_list		 ap;
	int		 argc = 3, rv = -1;

	argv[0] = "XADD";
	argv[1] = key;
	argv[2] = id;
	va_start(ap, outlen);
	while ((s = va_arg(ap, const char *)) != NULL && argc < 3 + 64)
		argv[argc++] = s;
	va_end(ap);
	r = redisCommandArgv(c, argc, argv, NULL);
	if (stream_reply_ok(c, r, "XADD") && r->type == REDIS_REPLY_STRING) {
		if (outid != NULL)
			snprintf(outid, outlen, "%s", r->str);
		rv = 0;
	}
	if (r != NULL)
		freeReplyObject(r);
	return (rv);
}

/* XLEN, -1 on error. */
long long
stream_len(redisContext *c, const char *key)
{
	redisReply	*r;
	long long	 n = -1;

	r = redisCommand(c, "XLEN %s", key);
	if (r != NULL && r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	if (r != NULL)
		freeReplyObject(r);
	return (n);
}

/* The stream's last entry ID: 0, 1 when empty or missing, -1 error. */
static int
stream_last_id(redisContext *c, const char *key, char *buf, size_t len)
{
	redisReply	*r;
	int		 rv = -1;

	r = redisCommand(c, "XREVRANGE %s + - COUNT 1", key);
	if (r != NULL && r->type == REDIS_REPLY_ARRAY) {
		rv = 1;
		if (r->elements == 1 &&
		    r->element[0]->type == REDIS_REPLY_ARRAY &&
		    r->element[0]->elements >= 1) {
			snprintf(buf, len, "%s",
			    r->element[0]->element[0]->str);
			rv = 0;
		}
	}
	if (r != NULL)
		freeReplyObject(r);
	return (rv);
}

/*
 * XINFO GROUPS key, for group: its pending count and last-delivered-id.
 * 0 found, -1 not (or no such key).
 */
int
stream_group_info(redisContext *c, const char *key, const char *group,
    long long *pending, char *lastid, size_t len)
{
	redisReply	*r, *g;
	size_t		 i, j;
	int		 rv = -1, match;

	r = redisCommand(c, "XINFO GROUPS %s", key);
	if (r == NULL || r->type != REDIS_REPLY_ARRAY)
		goto done;
	for (i = 0; i < r->elements && rv == -1; i++) {
		g = r->element[i];
		if (g->type != REDIS_REPLY_ARRAY)
			continue;
		match = 0;
		for (j = 0; j + 1 < g->elements; j += 2)
			if (strcmp(g->element[j]->str, "name") == 0 &&
			    g->element[j + 1]->str != NULL &&
			    strcmp(g->element[j + 1]->str, group) == 0)
				match = 1;
		if (!match)
			continue;
		for (j = 0; j + 1 < g->elements; j += 2) {
			if (strcmp(g->element[j]->str, "pending") == 0 &&
			    pending != NULL)
				*pending = g->element[j + 1]->integer;
			if (strcmp(g->element[j]->str,
			    "last-delivered-id") == 0 && lastid != NULL)
				snprintf(lastid, len, "%s",
				    g->element[j + 1]->str);
		}
		rv = 0;
	}
done:
	if (r != NULL)
		freeReplyObject(r);
	return (rv);
}

/*
 * Whether group "replytimed" on <prefix>:events has read everything:
 * nothing pending and the last delivered ID is the stream's last entry.
 */
int
stream_caught_up(redisContext *c, const char *prefix)
{
	char		 key[128], last[64] = "", delivered[64] = "";
	long long	 pending = -1;
	int		 r;

	snprintf(key, sizeof(key), "%s:events", prefix);
	if (stream_group_info(c, key, "replytimed", &pending, delivered,
	    sizeof(delivered)) == -1 || pending != 0)
		return (0);
	if ((r = stream_last_id(c, key, last, sizeof(last))) == -1)
		return (0);
	return (r == 1 || strcmp(last, delivered) == 0);
}
