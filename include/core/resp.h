/*
 * Redis commands in the protocol's format (RESP), built one argument at
 * a time: each is "$len\r\n" arg "\r\n", and a command is "*n\r\n"
 * followed by its n arguments.  Pure: no I/O, the caller sends the bytes.
 */
#ifndef RESP_H
#define RESP_H

#include <stddef.h>

/* The longest "*n\r\n" or "$len\r\n": a sign, 20 digits, CR and LF. */
#define RESP_PREFIX_MAX	23

/* Arguments in the protocol's format, and how many. */
struct resp {
	char		*buf;
	size_t		 len;
	size_t		 cap;
	size_t		 nargs;
};

size_t	 resp_header(char *, size_t);
void	 resp_array(struct resp *, size_t);
void	 resp_add(struct resp *, const char *, size_t);
void	 resp_addstr(struct resp *, const char *);
void	 resp_reset(struct resp *);
void	 resp_clear(struct resp *);

#endif
