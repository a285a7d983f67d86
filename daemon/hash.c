/* A fast 64-bit hash of byte strings: eight bytes a step, then a mix. */

#include <string.h>

#include "hash.h"

#define HASH_K1	0x9e3779b97f4a7c15ULL
#define HASH_K2	0xbf58476d1ce4e5b9ULL
#define HASH_K3	0x94d049bb133111ebULL

/* The splitmix64 finaliser: every input bit reaches every output bit. */
static inline uint64_t
hash_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= HASH_K2;
	x ^= x >> 27;
	x *= HASH_K3;
	x ^= x >> 31;
	return (x);
}

uint64_t
hash_bytes(const void *data, size_t len)
{
	const unsigned char	*p = data;
	uint64_t		 h = HASH_K1 ^ (len * HASH_K3), v;

	while (len >= 8) {
		memcpy(&v, p, 8);
		h = (h ^ hash_mix(v + HASH_K1)) * HASH_K1;
		p += 8;
		len -= 8;
	}
	v = 0;
	memcpy(&v, p, len);
	h ^= hash_mix(v ^ ((uint64_t)len << 56));
	return (hash_mix(h));
}
