/* SipHash-1-3 of byte strings under one key set at start. */

#include <string.h>

#include "hash.h"

/* Until hash_key_set: the state for an all-zero key. */
static uint64_t	hash_k0, hash_k1;

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND(v0, v1, v2, v3) do {					\
	v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);	\
	v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;				\
	v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;				\
	v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);	\
} while (0)

/* Reads eight bytes as a little-endian number, whatever the host. */
static inline uint64_t
hash_le64(const unsigned char *p)
{
	uint64_t	 v;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	memcpy(&v, p, 8);
#else
	int	 i;

	for (v = 0, i = 7; i >= 0; i--)
		v = v << 8 | p[i];
#endif
	return (v);
}

/* Sets the key: the hashes, and so the tables' chains, follow it. */
void
hash_key_set(const uint8_t key[HASH_KEYLEN])
{
	hash_k0 = hash_le64(key);
	hash_k1 = hash_le64(key + 8);
}

/* SipHash-1-3: one round a word, three to finish. */
uint64_t
hash_bytes(const void *data, size_t len)
{
	const unsigned char	*p = data, *end = p + (len & ~(size_t)7);
	uint64_t		 v0 = 0x736f6d6570736575ULL ^ hash_k0;
	uint64_t		 v1 = 0x646f72616e646f6dULL ^ hash_k1;
	uint64_t		 v2 = 0x6c7967656e657261ULL ^ hash_k0;
	uint64_t		 v3 = 0x7465646279746573ULL ^ hash_k1;
	uint64_t		 m, b = (uint64_t)len << 56;

	for (; p != end; p += 8) {
		m = hash_le64(p);
		v3 ^= m;
		SIPROUND(v0, v1, v2, v3);
		v0 ^= m;
	}
	switch (len & 7) {
	case 7:
		b |= (uint64_t)p[6] << 48;
		/* FALLTHROUGH */
	case 6:
		b |= (uint64_t)p[5] << 40;
		/* FALLTHROUGH */
	case 5:
		b |= (uint64_t)p[4] << 32;
		/* FALLTHROUGH */
	case 4:
		b |= (uint64_t)p[3] << 24;
		/* FALLTHROUGH */
	case 3:
		b |= (uint64_t)p[2] << 16;
		/* FALLTHROUGH */
	case 2:
		b |= (uint64_t)p[1] << 8;
		/* FALLTHROUGH */
	case 1:
		b |= (uint64_t)p[0];
		break;
	case 0:
		break;
	}
	v3 ^= b;
	SIPROUND(v0, v1, v2, v3);
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	SIPROUND(v0, v1, v2, v3);
	return (v0 ^ v1 ^ v2 ^ v3);
}
