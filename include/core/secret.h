/*
 * Secret files' content: a Redis password file's "password" or "user
 * password" on its first line, an HTTP token file's token on its first
 * line.  Pure: the caller reads the file and hands over its bytes.
 */
#ifndef SECRET_H
#define SECRET_H

#include <stddef.h>

/* The bytes of a password file that count; the rest is ignored. */
#define SECRET_MAX	1023
#define SECRET_TOKEN_MIN 16	/* bytes of an HTTP token, at least */
#define SECRET_TOKEN_MAX 256	/* and at most */

int	 secret_parse(const char *, size_t, char **, char **,
	    const char **);
int	 secret_token_parse(const char *, size_t, unsigned char *,
	    const char **);

#endif
