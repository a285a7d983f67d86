/*
 * A Redis password file's content: "password" or "user password" on its
 * first line.  Pure: the caller reads the file and hands over its bytes.
 */
#ifndef SECRET_H
#define SECRET_H

#include <stddef.h>

/* The bytes of a password file that count; the rest is ignored. */
#define SECRET_MAX	1023

int	 secret_parse(const char *, size_t, char **, char **,
	    const char **);

#endif
