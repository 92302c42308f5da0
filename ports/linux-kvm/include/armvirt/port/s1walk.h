/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/port/s1walk.h
 * @brief A software walk of a guest's EL1&0 stage-1 translation tables (VA -> IPA).
 *
 * A VMM that emulates an instruction for a guest running with its MMU on must find the
 * instruction in guest memory: the PC is a virtual address of the guest's own translation
 * regime. av_s1_walk() performs the walk the hardware would, from SCTLR_EL1, TCR_EL1,
 * TTBR0_EL1 and TTBR1_EL1, reading descriptors through a callback (the tables live at
 * IPAs of guest memory).
 *
 * Supported: AArch64 descriptors with the 4 KiB, 16 KiB and 64 KiB granules, any
 * TxSZ from 16 (48-bit VA) to 39 (25-bit VA), start levels 0..3, table, block and page
 * descriptors, top-byte-ignore (TCR_EL1.TBI0/TBI1), EPD0/EPD1. Output addresses are
 * taken from descriptor bits 47:granule (52-bit output addresses, FEAT_LPA/LPA2, are not
 * supported). Access permissions and attributes are not checked: the caller emulates an
 * access the hardware already translated at stage 1, or fetches an instruction that was
 * just executed. Host-independent: no KVM or libc dependency beyond stdint.
 */
#ifndef ARMVIRT_PORT_S1WALK_H
#define ARMVIRT_PORT_S1WALK_H

#include <armvirt/bits.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AV_S1_SCTLR_M AV_BIT(0)              /**< SCTLR_EL1.M: stage-1 MMU enabled */
#define AV_S1_SCTLR_E0E AV_BIT(24)           /**< SCTLR_EL1.E0E: EL0 data big-endian */
#define AV_S1_SCTLR_EE AV_BIT(25)            /**< SCTLR_EL1.EE: EL1 data big-endian */
#define AV_S1_TCR_T0SZ AV_GENMASK(5, 0)      /**< TCR_EL1.T0SZ */
#define AV_S1_TCR_EPD0 AV_BIT(7)             /**< TCR_EL1.EPD0: no walks through TTBR0 */
#define AV_S1_TCR_TG0 AV_GENMASK(15, 14)     /**< TCR_EL1.TG0: 0 = 4K, 1 = 64K, 2 = 16K */
#define AV_S1_TCR_T1SZ AV_GENMASK(21, 16)    /**< TCR_EL1.T1SZ */
#define AV_S1_TCR_EPD1 AV_BIT(23)            /**< TCR_EL1.EPD1: no walks through TTBR1 */
#define AV_S1_TCR_TG1 AV_GENMASK(31, 30)     /**< TCR_EL1.TG1: 1 = 16K, 2 = 4K, 3 = 64K */
#define AV_S1_TCR_TBI0 AV_BIT(37)            /**< TCR_EL1.TBI0: top byte ignored, TTBR0 */
#define AV_S1_TCR_TBI1 AV_BIT(38)            /**< TCR_EL1.TBI1: top byte ignored, TTBR1 */
#define AV_S1_TTBR_BADDR AV_GENMASK(47, 1)   /**< TTBRn_EL1.BADDR (48-bit) */
#define AV_S1_DESC_VALID AV_BIT(0)           /**< descriptor valid */
#define AV_S1_DESC_TABLE AV_BIT(1)           /**< 1: table (levels 0-2) or page (level 3) */
#define AV_S1_DESC_OA AV_GENMASK(47, 12)     /**< output address bits (granule-masked) */

/**
 * Read one 64-bit little-endian descriptor at guest IPA @p ipa (8-byte aligned).
 * @return 0, or a negative `AV_E*` code that av_s1_walk() returns unchanged.
 */
typedef int (*av_s1_read_fn)(void *cookie, uint64_t ipa, uint64_t *desc);

/** The translation regime's controls, as read from the vCPU. */
struct av_s1_regs {
	uint64_t sctlr; /**< SCTLR_EL1 */
	uint64_t tcr;   /**< TCR_EL1 */
	uint64_t ttbr0; /**< TTBR0_EL1 */
	uint64_t ttbr1; /**< TTBR1_EL1 */
};

/** What a walk found. */
struct av_s1_result {
	uint64_t ipa;     /**< the translated address */
	int level;        /**< level of the leaf descriptor (-1: MMU off, no walk) */
	uint64_t size;    /**< bytes the leaf maps (page or block; 0 when the MMU is off) */
	unsigned granule; /**< log2 of the granule (12, 14 or 16; 0 when the MMU is off) */
};

/**
 * Translate @p va through the guest's stage 1.
 *
 * With SCTLR_EL1.M clear the IPA is the VA (flat mapping). Otherwise bit 55 of the VA
 * selects TTBR1 (1) or TTBR0 (0); bits above the region size must be all ones or all
 * zeros accordingly (bits 63:56 excluded when TBI is set for the region).
 *
 * @param regs    SCTLR/TCR/TTBRs
 * @param va      the virtual address
 * @param read    descriptor reader
 * @param cookie  passed to @p read
 * @param out     receives the result
 * @return 0; -AV_EINVAL for NULL pointers; -AV_EFAULT for an address outside both
 *         regions, a walk disabled by EPDn, an invalid descriptor or a block where the
 *         granule does not allow one (a translation fault); -AV_ENOTSUP for a reserved
 *         TGn encoding or a TxSZ outside 16..39; or @p read's error.
 */
int av_s1_walk(const struct av_s1_regs *regs, uint64_t va, av_s1_read_fn read, void *cookie,
	       struct av_s1_result *out);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_PORT_S1WALK_H */
