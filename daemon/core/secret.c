/*
 * Parses secret files' content: a Redis password file into a user and a
 * password, an HTTP token file into its token.
 */

#include <stdio.h>
#include <string.h>

#include "secret.h"
#include "xmalloc.h"

/*
 * Parses the first line of text (its first SECRET_MAX bytes; CR, LF or
 * NUL end the line) less its trailing spaces: "password", or "user
 * password" split at the first space, the password being all the rest.
 * On success *user (NULL without one) and *password are the caller's to
 * free; -1 with *errstr when the line is empty.  The secret is never
 * part of an error.
 */
int
secret_parse(const char *text, size_t len, char **user, char **password,
    const char **errstr)
{
	const char	*sp;
	size_t		 end;

	*user = *password = NULL;
	if (len > SECRET_MAX)
		len = SECRET_MAX;
	for (end = 0; end < len; end++)
		if (text[end] == '\r' || text[end] == '\n' ||
		    text[end] == '\0')
			break;
	while (end > 0 && text[end - 1] == ' ')
		end--;
	if (end == 0) {
		*errstr = "empty password file";
		return (-1);
	}
	if ((sp = memchr(text, ' ', end)) != NULL) {
		*user = xstrndup(text, (size_t)(sp - text));
		*password = xstrndup(sp + 1, end - (size_t)(sp - text) - 1);
	} else
		*password = xstrndup(text, end);
	return (0);
}

/*
 * Parses an HTTP token file: the token is its first line, less the line
 * end (LF, CR LF, or a last CR), SECRET_TOKEN_MIN to SECRET_TOKEN_MAX
 * printable bytes without spaces; nothing else is trimmed or guessed.
 * Copies it into buf
 * (SECRET_TOKEN_MAX bytes, zero-padded) and returns its length, or -1
 * with *errstr, which never holds the token.
 */
int
secret_token_parse(const char *text, size_t len, unsigned char *buf,
    const char **errstr)
{
	static char	 why[64];
	size_t		 end, i;

	for (end = 0; end < len; end++)
		if (text[end] == '\n')
			break;
	if (end > 0 && text[end - 1] == '\r')
		end--;
	if (end == 0) {
		*errstr = "empty token file: the token is its first line";
		return (-1);
	}
	for (i = 0; i < end; i++) {
		if ((unsigned char)text[i] <= ' ' ||
		    (unsigned char)text[i] >= 0x7f) {
			*errstr = "the token may hold only printable bytes, "
			    "no space";
			return (-1);
		}
	}
	if (end < SECRET_TOKEN_MIN) {
		snprintf(why, sizeof(why), "the token is %zu bytes: at least "
		    "%d are needed", end, SECRET_TOKEN_MIN);
		*errstr = why;
		return (-1);
	}
	if (end > SECRET_TOKEN_MAX) {
		snprintf(why, sizeof(why), "the token is longer than %d bytes",
		    SECRET_TOKEN_MAX);
		*errstr = why;
		return (-1);
	}
	memset(buf, 0, SECRET_TOKEN_MAX);
	memcpy(buf, text, end);
	return ((int)end);
}
