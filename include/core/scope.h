/*
 * Scopes: the global floor, each team and each agent, with their rolling
 * windows and the number of waits open now.  Teams and agents are
 * interned by name and freed once nothing refers to them and their
 * windows are empty.
 */
#ifndef SCOPE_H
#define SCOPE_H

#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "conf.h"
#include "table.h"
#include "window.h"

enum scope_kind {
	SCOPE_GLOBAL,
	SCOPE_TEAM,
	SCOPE_AGENT
};
#define SCOPE_NKINDS	3

struct scope {
	struct scope	*hnext;		/* the table's chain */
	LIST_ENTRY(scope) link;		/* the list of its kind */
	uint32_t	 hash;
	uint32_t	 refs;		/* conversations pointing here */
	uint32_t	 waiting;	/* open waits not with the bot */
	int64_t		 oldest;	/* scratch for the snapshot */
	enum scope_kind	 kind;
	uint16_t	 namelen;
	struct window	 win[CONF_MAX_WINDOWS];
	char		 name[];
};

LIST_HEAD(scope_list, scope);

struct scopes {
	struct table	  table;	/* teams and agents */
	struct scope_list kinds[SCOPE_NKINDS];
	struct scope	 *global;
	size_t		  n[SCOPE_NKINDS];	/* of each kind */
	size_t		  max[SCOPE_NKINDS];	/* at most; 0: no cap */
	int		  nwindows;
	int64_t		  width[CONF_MAX_WINDOWS];	/* ms */
};

void		 scopes_init(struct scopes *, const int64_t *, int);
void		 scopes_clear(struct scopes *);
struct scope	*scope_get(struct scopes *, enum scope_kind, const char *,
		    size_t);
struct scope	*scope_find(const struct scopes *, enum scope_kind,
		    const char *, size_t);
void		 scopes_set_max(struct scopes *, enum scope_kind, size_t);
size_t		 scopes_gc(struct scopes *, int64_t);
size_t		 scopes_count(const struct scopes *, enum scope_kind);

void		 scope_count(struct scope *, int64_t, enum tally);
void		 scope_response(struct scope *, int64_t, uint32_t, int);
void		 scope_prefetch(const struct scope *, int64_t);
int		 scope_idle(const struct scope *, int64_t);

#endif
