/* Checks of a parsed chat event, shared by the entry tests. */

#include <criterion/criterion.h>
#include <string.h>

#include "evcheck.h"

/* A reason's name, for messages, whatever the value. */
const char *
evcheck_reason(enum reason r)
{
	if (r == REASON_NONE)
		return ("none");
	if (r < 0 || r >= REASON_COUNT)
		return ("out-of-range");
	return (reason_names[r]);
}

/* Asserts that got is w (wlen bytes, NUL-terminated), or absent for NULL. */
void
evcheck_str(const char *what, const char *got, uint16_t gotlen,
    const char *w, size_t wlen)
{
	if (w == NULL) {
		cr_assert_null(got, "%s should be absent", what);
		cr_assert_eq(gotlen, 0, "%s length", what);
		return;
	}
	cr_assert_not_null(got, "%s should be present", what);
	cr_assert_eq(gotlen, wlen, "%s length %u, wanted %zu", what,
	    (unsigned)gotlen, wlen);
	cr_assert(memcmp(got, w, wlen) == 0, "%s differs", what);
	cr_assert_eq(got[gotlen], '\0', "%s not NUL-terminated", what);
}
