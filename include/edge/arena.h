/*
 * Reply objects for hiredis, carved from an arena.  hiredis builds one
 * reply at a time, hands it to its callback and frees it, so the objects
 * of a reply (a thousand entries are tens of thousands of them) come from
 * one arena per reader that freeing the whole reply empties.  They keep
 * redisReply's layout, so callbacks read them as usual.
 */
#ifndef ARENA_H
#define ARENA_H

#include <hiredis/read.h>

struct arena;

struct arena	*arena_new(void);
void		 arena_free(struct arena *);
void		 arena_attach(struct arena *, redisReader *);

#endif
