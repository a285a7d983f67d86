/*
 * A keyed 64-bit hash of byte strings (SipHash-1-3), for the engine's
 * tables.  The key is set once at start by the caller (the daemon takes
 * random bytes, tests a fixed key), so that nobody outside can choose
 * names that all fall in one chain.
 */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

#define HASH_KEYLEN	16

void		hash_key_set(const uint8_t[HASH_KEYLEN]);
uint64_t	hash_bytes(const void *, size_t);

#endif
