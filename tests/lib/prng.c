/*
 * The one PRNG of the tests and the tools: splitmix64 on a uint64_t
 * state, the same numbers for a seed on every machine and every run.
 * replytime-gen's entries for a --seed depend on every bit of it.
 */

#include "prng.h"

/* The next 64 random bits; any state, zero included, is a good seed. */
uint64_t
prng_next(uint64_t *s)
{
	uint64_t	 z = (*s += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return (z ^ (z >> 31));
}

/* Uniform in [0, 1), 53 bits. */
double
prng_unit(uint64_t *s)
{
	return ((double)(prng_next(s) >> 11) / 9007199254740992.0);
}

/* Uniform in [0, n), by a multiply and a shift rather than a modulo. */
uint32_t
prng_below(uint64_t *s, uint32_t n)
{
	return ((uint32_t)(((prng_next(s) >> 32) * n) >> 32));
}

/* An independent stream for one purpose of one seed. */
uint64_t
prng_derive(uint64_t seed, uint64_t what)
{
	uint64_t	 s = seed ^ (what * UINT64_C(0xd1b54a32d192ed03));

	prng_next(&s);
	return (prng_next(&s));
}
