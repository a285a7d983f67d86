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
	size_t			 n = len;

	while (n > 8) {
		memcpy(&v, p, 8);
		h = (h ^ (v * HASH_K2)) * HASH_K1;
		h ^= h >> 32;
		p += 8;
		n -= 8;
	}
	/* The last (up to) eight bytes: overlapping when the key allows. */
	if (len >= 8)
		memcpy(&v, (const unsigned char *)data + len - 8, 8);
	else {
		v = 0;
		while (n-- > 0)
			v = v << 8 | p[n];
	}
	h ^= hash_mix(v ^ ((uint64_t)len << 56));
	return (hash_mix(h));
}
