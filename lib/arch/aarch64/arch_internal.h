/* SPDX-License-Identifier: MIT */
/* Internal helpers of the EL2 arch layer: system-register access and barriers. */
#ifndef ARMVIRT_ARCH_INTERNAL_H
#define ARMVIRT_ARCH_INTERNAL_H

#include <stdint.h>

#include <armvirt/arch/aarch64.h>

/* Read/write a system register by its assembler name (e.g. sctlr_el1, s3_4_c12_c12_0). */
#define av_read_sysreg(name)                                            \
	({                                                              \
		uint64_t __rv;                                           \
		__asm__ volatile("mrs %0, " #name : "=r"(__rv));         \
		__rv;                                                    \
	})
#define av_write_sysreg(name, v)                                                 \
	do {                                                                     \
		uint64_t __wv = (uint64_t)(v);                                    \
		__asm__ volatile("msr " #name ", %x0" : : "rZ"(__wv) : "memory");  \
	} while (0)

static inline void av_isb(void)
{
	__asm__ volatile("isb" : : : "memory");
}

static inline void av_dsb_ish(void)
{
	__asm__ volatile("dsb ish" : : : "memory");
}

static inline void av_dsb_ishst(void)
{
	__asm__ volatile("dsb ishst" : : : "memory");
}

/* MMIO accessors for the GICH frame. */
static inline uint32_t av_mmio_read32(uintptr_t a)
{
	return *(volatile uint32_t *)a;
}

static inline void av_mmio_write32(uintptr_t a, uint32_t v)
{
	*(volatile uint32_t *)a = v;
}

/* CPTR_EL2.TFP (E2H = 0 layout). */
#define AV_ARCH_CPTR_TFP (UINT64_C(1) << 10)

/* Hypervisor-internal: enable FP/SIMD access at EL2 (clears TFP in CPTR_EL2, then ISB). */
void av__arch_fp_enable(struct av_arch_cpu *cpu);

#endif
