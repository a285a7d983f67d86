/* Redis commands in the protocol's format, built without printf. */

#include <stdlib.h>
#include <string.h>

#include "resp.h"
#include "xmalloc.h"

/* What an argument adds besides its bytes: its prefix and CR LF. */
#define RESP_ARG_OVERHEAD	(RESP_PREFIX_MAX + 2)

/*
 * Writes sign, n in decimal and CR LF at p, which has room for
 * RESP_PREFIX_MAX bytes, and returns their number.  It runs for every
 * argument, so it does not go through printf.
 */
static size_t
resp_prefix(char *p, char sign, size_t n)
{
	char	 digits[RESP_PREFIX_MAX];
	size_t	 nd = 0, i = 0;

	do
		digits[nd++] = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	p[i++] = sign;
	while (nd > 0)
		p[i++] = digits[--nd];
	p[i++] = '\r';
	p[i++] = '\n';
	return (i);
}

/* Writes a command's "*nargs\r\n" at p (RESP_PREFIX_MAX bytes). */
size_t
resp_header(char *p, size_t nargs)
{
	return (resp_prefix(p, '*', nargs));
}

/* Makes room for need more bytes. */
static void
resp_grow(struct resp *r, size_t need)
{
	if (r->cap - r->len >= need)
		return;
	r->cap = r->cap * 2 > r->len + need ? r->cap * 2 : r->len + need;
	r->buf = xreallocarray(r->buf, r->cap, 1);
}

/*
 * Appends a command's header, for a buffer that holds whole commands
 * one after another (a pipeline); it counts as no argument.
 */
void
resp_array(struct resp *r, size_t nargs)
{
	resp_grow(r, RESP_PREFIX_MAX);
	r->len += resp_header(r->buf + r->len, nargs);
}

/* Appends one argument: "$len\r\n" arg "\r\n". */
void
resp_add(struct resp *r, const char *s, size_t len)
{
	resp_grow(r, len + RESP_ARG_OVERHEAD);
	r->len += resp_prefix(r->buf + r->len, '$', len);
	if (len > 0)
		memcpy(r->buf + r->len, s, len);
	r->len += len;
	r->buf[r->len++] = '\r';
	r->buf[r->len++] = '\n';
	r->nargs++;
}

void
resp_addstr(struct resp *r, const char *s)
{
	resp_add(r, s, strlen(s));
}

/* Empties the command, keeping its buffer for the next. */
void
resp_reset(struct resp *r)
{
	r->len = 0;
	r->nargs = 0;
}

void
resp_clear(struct resp *r)
{
	free(r->buf);
	memset(r, 0, sizeof(*r));
}
