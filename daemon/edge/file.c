/* Files the daemon reads: its config, and secrets (credential:NAME). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "file.h"
#include "xmalloc.h"

/*
 * Reads a whole file, up to FILE_MAX_SIZE, into a NUL-terminated buffer
 * the caller frees; on failure NULL, with "path: reason" in errbuf.
 */
char *
file_read(const char *path, size_t *lenp, char *errbuf, size_t errlen)
{
	FILE		*f;
	char		*buf = NULL;
	const char	*reason;
	size_t		 len = 0, size = 0, got;

	if ((f = fopen(path, "re")) == NULL) {
		reason = strerror(errno);
		goto fail;
	}
	do {
		if (len + 1 >= size) {
			if (size > FILE_MAX_SIZE) {
				reason = "file too large";
				goto fail;
			}
			size = size == 0 ? 8192 : size * 2;
			buf = xreallocarray(buf, size, 1);
		}
		got = fread(buf + len, 1, size - len - 1, f);
		len += got;
	} while (got > 0);
	if (ferror(f)) {
		reason = strerror(errno);
		goto fail;
	}
	fclose(f);
	buf[len] = '\0';
	*lenp = len;
	return (buf);

fail:
	if (errlen > 0)
		snprintf(errbuf, errlen, "%s: %s", path, reason);
	if (f != NULL)
		fclose(f);
	free(buf);
	return (NULL);
}

/* Reads and parses a config file. */
struct conf *
conf_load(const char *path, char *errbuf, size_t errlen)
{
	struct conf	*conf;
	char		*buf;
	size_t		 len;

	if ((buf = file_read(path, &len, errbuf, errlen)) == NULL)
		return (NULL);
	conf = conf_parse(buf, len, path, errbuf, errlen);
	free(buf);
	return (conf);
}
