/*
 * A compact response-time sketch: each sample is kept as a one-byte bin
 * code while a sketch is small, and as a dense array of bin counts once
 * that is smaller.  A bin's representative value is within 3 % or 0.5 s
 * of any value in it, so percentiles meet the contract's tolerance.
 */
#ifndef SKETCH_H
#define SKETCH_H

#include <stddef.h>
#include <stdint.h>

#define SKETCH_BINS	253	/* codes 0..252 fit a byte */

#define SKETCH_INLINE	8	/* codes kept in the struct itself */

/*
 * 16 bytes.  Up to SKETCH_INLINE codes live in place of the pointer, so
 * the many sketches holding a sample or two allocate nothing; cap stays
 * under SKETCH_BINS * 4, where dense counts are smaller.
 */
struct sketch {
	union {
		void	*data;	/* uint8_t codes[cap] or uint32_t bins[] */
		uint8_t	 inl[SKETCH_INLINE];	/* while cap is 0 */
	};
	uint32_t	 n;	/* samples */
	uint16_t	 cap;	/* codes allocated; 0 when inline or dense */
	uint8_t		 dense;
};

uint8_t		 sketch_code(uint32_t);
uint32_t	 sketch_value(uint8_t);

void		 sketch_init(struct sketch *);
void		 sketch_clear(struct sketch *);
void		 sketch_add(struct sketch *, uint32_t);
void		 sketch_add_code(struct sketch *, uint8_t);
void		 sketch_trim(struct sketch *);
void		 sketch_merge(const struct sketch *, uint32_t *);
uint32_t	 sketch_quantile(const uint32_t *, uint64_t, double);
size_t		 sketch_memory(const struct sketch *);

#endif
