/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/bits.h
 * @brief Bit and field helpers used by every register definition in armvirt.
 *
 * A register field is defined once, as a mask: one line per field, e.g.
 * `#define AV_ESR_EC AV_GENMASK(31, 26)`. Code reads and writes fields only through
 * AV_FIELD_GET() and AV_FIELD_PREP(); there are no open-coded shifts.
 */
#ifndef ARMVIRT_BITS_H
#define ARMVIRT_BITS_H

#include <stdint.h>

/** A 64-bit value with bit @p n set. */
#define AV_BIT(n) (UINT64_C(1) << (n))

/** A 64-bit mask of bits @p hi down to @p lo inclusive (hi >= lo, hi <= 63). */
#define AV_GENMASK(hi, lo) \
	((~UINT64_C(0) >> (63 - (hi))) & (~UINT64_C(0) << (lo)))

/** Position of the lowest set bit of a non-zero constant mask. */
#define AV_MASK_SHIFT(mask) ((unsigned)__builtin_ctzll((uint64_t)(mask)))

/** Width in bits of a contiguous mask. */
#define AV_MASK_WIDTH(mask) ((unsigned)__builtin_popcountll((uint64_t)(mask)))

/** Extract the field described by @p mask from @p val (result right-aligned). */
#define AV_FIELD_GET(mask, val) \
	((((uint64_t)(val)) & (uint64_t)(mask)) >> AV_MASK_SHIFT(mask))

/** Place @p val into the field described by @p mask (excess bits dropped). */
#define AV_FIELD_PREP(mask, val) \
	((((uint64_t)(val)) << AV_MASK_SHIFT(mask)) & (uint64_t)(mask))

/**
 * Sign-extend the low @p bits bits of @p val to 64 bits (1 <= bits <= 64).
 * @param val the value
 * @param bits number of valid low bits (1..64)
 * @return the sign-extended value
 */
static inline int64_t av_sext(uint64_t val, unsigned bits)
{
	unsigned sh = 64u - bits;
	return (int64_t)(val << sh) >> sh;
}

#endif /* ARMVIRT_BITS_H */
