/* Files for the tests: read one whole, write one, remove a tree. */

#include <sys/stat.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>

#include "clock.h"
#include "files.h"

/* The whole of a file, NUL-terminated (malloc'd), or NULL. */
char *
files_read(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 len;
	size_t	 n;

	if ((f = fopen(path, "r")) == NULL)
		return (NULL);
	if (fseek(f, 0, SEEK_END) == -1 || (len = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) == -1 ||
	    (buf = malloc((size_t)len + 1)) == NULL) {
		fclose(f);
		return (NULL);
	}
	n = fread(buf, 1, (size_t)len, f);
	buf[n] = '\0';
	fclose(f);
	return (buf);
}

/* Writes text as the whole of path: 0, or -1. */
int
files_write(const char *path, const char *text)
{
	FILE	*f;
	int	 rv;

	if ((f = fopen(path, "w")) == NULL)
		return (-1);
	rv = fputs(text, f) == EOF ? -1 : 0;
	if (fclose(f) == EOF)
		rv = -1;
	return (rv);
}

static int
files_rm_cb(const char *path, const struct stat *sb, int flag,
    struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return (0);
}

/* rm -rf; a server dying at the same moment may add a file, so retry. */
void
files_rmtree(const char *dir)
{
	struct stat	 sb;
	int		 i;

	for (i = 0; i < 20; i++) {
		nftw(dir, files_rm_cb, 16, FTW_DEPTH | FTW_PHYS);
		if (lstat(dir, &sb) == -1)
			return;
		clk_sleep_ms(50);
	}
}
