/*
 * The time, for the I/O edge only: the engine never reads a clock, its
 * callers pass the wall clock in.
 */
#ifndef NOW_H
#define NOW_H

#include <stdint.h>

int64_t	now_wall_ms(void);
int64_t	now_mono_ms(void);

#endif
