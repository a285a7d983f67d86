/* Checks of a parsed chat event, shared by the entry tests. */
#ifndef LIB_EVCHECK_H
#define LIB_EVCHECK_H

#include <stddef.h>
#include <stdint.h>

#include "entry.h"

const char	*evcheck_reason(enum reason);
void		 evcheck_str(const char *, const char *, uint16_t,
		    const char *, size_t);

#endif
