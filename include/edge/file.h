/* Files the daemon reads: its config, and secrets (credential:NAME). */
#ifndef FILE_H
#define FILE_H

#include <stddef.h>

struct conf;
struct route_token;

#define FILE_MAX_SIZE	(1024 * 1024)	/* the most read of any file */

char		*file_read(const char *, size_t *, char *, size_t);
struct conf	*conf_load(const char *, char *, size_t);
int		 file_secret_load(const char *, char **, char **, char *,
		    size_t);
int		 file_tokens_load(const struct conf *, struct route_token **,
		    size_t *, char *, size_t);
void		 file_tokens_free(struct route_token *, size_t);

#endif
