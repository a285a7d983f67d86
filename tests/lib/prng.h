/*
 * The one PRNG of the tests and the tools: splitmix64 on a uint64_t
 * state, the same numbers for a seed on every machine and every run.
 */
#ifndef LIB_PRNG_H
#define LIB_PRNG_H

#include <stdint.h>

uint64_t	prng_next(uint64_t *);
double		prng_unit(uint64_t *);
uint32_t	prng_below(uint64_t *, uint32_t);
uint64_t	prng_derive(uint64_t, uint64_t);

#endif
