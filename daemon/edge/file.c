/* Files the daemon reads: its config, and secrets (credential:NAME). */

#include <sys/stat.h>
#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "file.h"
#include "route.h"
#include "secret.h"
#include "xmalloc.h"

#define FILE_CREDENTIAL		"credential:"	/* systemd's LoadCredential= */
#define FILE_CREDENTIAL_LEN	(sizeof(FILE_CREDENTIAL) - 1)
#define FILE_PATH_MAX		4096	/* a secret's path */
#define FILE_READ_MIN		8192	/* first buffer of file_read */

_Static_assert(SECRET_TOKEN_MIN == ROUTE_TOKEN_MIN &&
    SECRET_TOKEN_MAX == ROUTE_TOKEN_MAX, "token bounds");

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
 * Opens the secret file that spec names: a path, or "credential:NAME"
 * for $CREDENTIALS_DIRECTORY/NAME.  With private, a file that its group
 * or others may read or write is refused.  Reads up to size bytes into
 * buf: their count, or -1 with "path: reason" in err.
 */
static ssize_t
file_secret_read(const char *spec, int private, char *buf, size_t size,
    char *err, size_t errlen)
{
	char		 path[FILE_PATH_MAX];
	const char	*dir;
	struct stat	 st;
	FILE		*f;
	size_t		 n;

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
	if (private && fstat(fileno(f), &st) == 0 &&
	    (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		snprintf(err, errlen, "%s: group or others may read or write "
		    "it (mode %03o): chmod 600 it", path,
		    (unsigned)(st.st_mode & 0777));
		fclose(f);
		return (-1);
	}
	n = fread(buf, 1, size, f);
	fclose(f);
	return ((ssize_t)n);
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
	char		 buf[SECRET_MAX];
	const char	*errstr;
	ssize_t		 n;
	int		 rv;

	*user = *password = NULL;
	if (spec == NULL || *spec == '\0')
		return (0);
	if ((n = file_secret_read(spec, 0, buf, sizeof(buf), err,
	    errlen)) == -1)
		return (-1);
	if ((rv = secret_parse(buf, (size_t)n, user, password,
	    &errstr)) == -1)
		snprintf(err, errlen, "%s: %s", spec, errstr);
	explicit_bzero(buf, sizeof(buf));
	return (rv);
}

/*
 * Reads the token files of http.tokens into a new array of *n tokens (NULL
 * when none), the caller's to wipe and free.  On failure -1, with
 * "file: http.tokens[N].token_file: path: reason" in err; the token never
 * reaches an error.
 */
int
file_tokens_load(const struct conf *cf, struct route_token **tokens,
    size_t *n, char *err, size_t errlen)
{
	const struct http_token_conf	*tc;
	struct route_token		*t = NULL;
	char				 buf[SECRET_MAX], why[512];
	const char			*errstr;
	ssize_t				 len;
	size_t				 i;
	int				 tlen;

	*tokens = NULL;
	*n = 0;
	if (cf->http.ntokens > 0)
		t = xcalloc(cf->http.ntokens, sizeof(*t));
	for (i = 0; i < cf->http.ntokens; i++) {
		tc = &cf->http.tokens[i];
		snprintf(t[i].name, sizeof(t[i].name), "%s", tc->name);
		t[i].role = tc->role;
		if ((len = file_secret_read(tc->token_file, 1, buf,
		    sizeof(buf), why, sizeof(why))) == -1)
			goto fail;
		tlen = secret_token_parse(buf, (size_t)len, t[i].secret,
		    &errstr);
		explicit_bzero(buf, sizeof(buf));
		if (tlen == -1) {
			snprintf(why, sizeof(why), "%s: %s", tc->token_file,
			    errstr);
			goto fail;
		}
		t[i].len = (size_t)tlen;
	}
	*tokens = t;
	*n = cf->http.ntokens;
	return (0);

fail:
	snprintf(err, errlen, "%s: http.tokens[%zu].token_file: %s",
	    cf->path != NULL ? cf->path : "config", i, why);
	file_tokens_free(t, cf->http.ntokens);
	return (-1);
}

/* Wipes and frees what file_tokens_load gave. */
void
file_tokens_free(struct route_token *tokens, size_t n)
{
	if (tokens == NULL)
		return;
	explicit_bzero(tokens, n * sizeof(*tokens));
	free(tokens);
}
