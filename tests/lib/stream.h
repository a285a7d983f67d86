/*
 * Redis streams for the tests: entries as copies, whole streams read
 * and written, XLEN, consumer group state.
 */
#ifndef LIB_STREAM_H
#define LIB_STREAM_H

#include <stddef.h>

#include <hiredis/hiredis.h>

/* One stream entry: its ID and its fields as name, value, name, ... */
struct stream_entry {
	char	*id;
	size_t	 nfv;
	char	**fv;
};

struct stream_list {
	struct stream_entry	*e;
	size_t			 n;
	size_t			 cap;
};

struct stream_entry	*stream_list_add(struct stream_list *, const char *,
			    size_t, const char *const *);
void			 stream_list_free(struct stream_list *);
const char		*stream_field(const struct stream_entry *,
			    const char *);
const char		*stream_entry_str(const struct stream_entry *, char *,
			    size_t);
int			 stream_entry_eq(const struct stream_entry *,
			    const struct stream_entry *);
int			 stream_read(redisContext *, const char *,
			    struct stream_list *);
int			 stream_add_list(redisContext *, const char *,
			    const struct stream_list *, size_t, size_t);
int			 stream_add(redisContext *, const char *,
			    const char *, char *, size_t, ...)
			    __attribute__((sentinel));
long long		 stream_len(redisContext *, const char *);
int			 stream_group_info(redisContext *, const char *,
			    const char *, long long *, char *, size_t);
int			 stream_caught_up(redisContext *, const char *);

#endif
