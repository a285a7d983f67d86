/* A fast 64-bit hash of byte strings, for the engine's tables. */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

uint64_t	hash_bytes(const void *, size_t);

#endif
