/* hiredis reply objects from an arena that the free of a reply empties. */

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <hiredis/hiredis.h>

#include "arena.h"
#include "xmalloc.h"

#define ARENA_CHUNK	(256 * 1024)	/* bytes of a chunk, at least */
#define ARENA_ALIGN	16		/* what malloc would align to */

struct arena_chunk {
	struct arena_chunk	*next;
	size_t			 size;
	size_t			 used;
	char			 data[];
};

struct arena {
	struct arena_chunk	*chunks;	/* the newest first */
	size_t			 total;		/* their sizes summed */
};

/* A reply object, and the arena to empty when it is freed. */
struct arena_reply {
	struct arena		*arena;
	redisReply		 r;
};

struct arena *
arena_new(void)
{
	return (xcalloc(1, sizeof(struct arena)));
}

static void
arena_release(struct arena *a)
{
	struct arena_chunk	*c, *next;

	for (c = a->chunks; c != NULL; c = next) {
		next = c->next;
		free(c);
	}
	a->chunks = NULL;
	a->total = 0;
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	arena_release(a);
	free(a);
}

/* Adds a chunk of size bytes in front. */
static struct arena_chunk *
arena_chunk_new(struct arena *a, size_t size)
{
	struct arena_chunk	*c;

	c = xmalloc(sizeof(*c) + size);
	c->size = size;
	c->used = 0;
	c->next = a->chunks;
	a->chunks = c;
	a->total += size;
	return (c);
}

static void *
arena_alloc(struct arena *a, size_t n)
{
	struct arena_chunk	*c = a->chunks;

	n = (n + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (c == NULL || c->size - c->used < n)
		c = arena_chunk_new(a, n > ARENA_CHUNK ? n : ARENA_CHUNK);
	c->used += n;
	return (c->data + c->used - n);
}

/* Empties the arena, keeping one chunk big enough for the last reply. */
static void
arena_reset(struct arena *a)
{
	size_t	 total = a->total;

	if (a->chunks == NULL)
		return;
	if (a->chunks->next == NULL) {
		a->chunks->used = 0;
		return;
	}
	arena_release(a);
	arena_chunk_new(a, total);
}

static redisReply *
arena_reply(const redisReadTask *task, int type)
{
	struct arena		*a = task->privdata;
	struct arena_reply	*ar;
	redisReply		*parent;

	ar = arena_alloc(a, sizeof(*ar));
	memset(ar, 0, sizeof(*ar));
	ar->arena = a;
	ar->r.type = type;
	if (task->parent != NULL) {
		parent = task->parent->obj;
		parent->element[task->idx] = &ar->r;
	}
	return (&ar->r);
}

static void *
arena_string(const redisReadTask *task, char *str, size_t len)
{
	redisReply	*r = arena_reply(task, task->type);

	r->str = arena_alloc(task->privdata, len + 1);
	memcpy(r->str, str, len);
	r->str[len] = '\0';
	r->len = len;
	return (r);
}

static void *
arena_array(const redisReadTask *task, int elements)
{
	redisReply	*r = arena_reply(task, REDIS_REPLY_ARRAY);

	r->elements = elements;
	if (elements > 0)
		r->element = arena_alloc(task->privdata,
		    elements * sizeof(*r->element));
	return (r);
}

static void *
arena_integer(const redisReadTask *task, long long v)
{
	redisReply	*r = arena_reply(task, REDIS_REPLY_INTEGER);

	r->integer = v;
	return (r);
}

static void *
arena_nil(const redisReadTask *task)
{
	return (arena_reply(task, REDIS_REPLY_NIL));
}

/* Called on a whole reply only: everything in the arena goes. */
static void
arena_free_object(void *obj)
{
	struct arena_reply	*ar;

	ar = (struct arena_reply *)((char *)obj -
	    offsetof(struct arena_reply, r));
	arena_reset(ar->arena);
}

static redisReplyObjectFunctions arena_functions = {
	arena_string,
	arena_array,
	arena_integer,
	arena_nil,
	arena_free_object
};

/*
 * Makes a reader build its replies in the arena, which must outlive the
 * reader: freeing the reader frees a reply it was reading.
 */
void
arena_attach(struct arena *a, redisReader *reader)
{
	reader->fn = &arena_functions;
	reader->privdata = a;
}
