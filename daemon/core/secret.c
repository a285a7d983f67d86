/* Parses a Redis password file's content into a user and a password. */

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
