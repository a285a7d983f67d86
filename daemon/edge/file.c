/* Files the daemon reads: its config, and secrets (credential:NAME). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "file.h"
#include "secret.h"
#include "xmalloc.h"

#define FILE_CREDENTIAL		"credential:"	/* systemd's LoadCredential= */
#define FILE_CREDENTIAL_LEN	(sizeof(FILE_CREDENTIAL) - 1)
#define FILE_PATH_MAX		4096	/* a secret's path */
#define FILE_READ_MIN		8192	/* first buffer of file_read */

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
			size = size == 0 ? FILE_READ_MIN : size * 2;
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

/*
 * Reads a Redis password file (see secret.c for its content) named by
 * spec: a path, or "credential:NAME" for $CREDENTIALS_DIRECTORY/NAME.
 * No spec, no password: 0 with both NULL.  The secret never reaches a
 * log or an error, and the buffer that held it is wiped.
 */
int
file_secret_load(const char *spec, char **user, char **password,
    char *err, size_t errlen)
{
	char		 path[FILE_PATH_MAX], buf[SECRET_MAX];
	const char	*dir, *errstr;
	FILE		*f;
	size_t		 n;
	int		 rv;

	*user = *password = NULL;
	if (spec == NULL || *spec == '\0')
		return (0);
	if (strncmp(spec, FILE_CREDENTIAL, FILE_CREDENTIAL_LEN) == 0) {
		if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL) {
			snprintf(err, errlen, "%s: CREDENTIALS_DIRECTORY is "
			    "not set", spec);
			return (-1);
		}
		snprintf(path, sizeof(path), "%s/%s", dir,
		    spec + FILE_CREDENTIAL_LEN);
	} else
		snprintf(path, sizeof(path), "%s", spec);
	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	if ((rv = secret_parse(buf, n, user, password, &errstr)) == -1)
		snprintf(err, errlen, "%s: %s", path, errstr);
	explicit_bzero(buf, sizeof(buf));
	return (rv);
}
