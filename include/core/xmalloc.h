/*
 * Allocation wrappers: failure is fatal, so callers never check.  xabort()
 * is the core's only abort, for that and for broken invariants.
 */
#ifndef XMALLOC_H
#define XMALLOC_H

#include <stddef.h>

void	*xmalloc(size_t);
void	*xcalloc(size_t, size_t);
void	*xreallocarray(void *, size_t, size_t);
char	*xstrdup(const char *);
char	*xstrndup(const char *, size_t);
void	 xabort(const char *, ...)
	    __attribute__((format(printf, 1, 2), noreturn));
int	 xasprintf(char **, const char *, ...)
	    __attribute__((format(printf, 2, 3)));

#endif
