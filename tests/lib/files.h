/* Files for the tests: read one whole, write one, remove a tree. */
#ifndef LIB_FILES_H
#define LIB_FILES_H

char	*files_read(const char *);
int	 files_write(const char *, const char *);
void	 files_rmtree(const char *);

#endif
