/* SPDX-License-Identifier: MIT */
/*
 * TLB and cache maintenance at EL2.
 *
 * Stage-2 TLBIs act on the VMID currently in VTTBR_EL2, so each one switches VTTBR_EL2 to
 * the table's value around the TLBI (and restores it: the loaded vCPU may belong to another
 * VM). Barrier discipline (Arm ARM D8.13 "TLB maintenance"):
 *   DSB ISHST   the descriptor write is visible to the table walkers of every CPU
 *   TLBI ...IS  broadcast invalidation
 *   DSB ISH     the invalidation has completed everywhere
 *   ISB         this CPU's later instructions use the new translation
 * After a stage-2 change, entries that combine stage 1 and stage 2 may still hold the old
 * output address: TLBI IPAS2E1IS is followed by TLBI VMALLE1IS, with a DSB in between.
 */
#include "arch_internal.h"

/*
 * VTTBR_EL2 switched to @p vttbr for the duration of a TLBI; returns the old value. The ISB
 * also when it is the value already there: a vCPU load writes VTTBR_EL2 without one (the
 * ERET synchronises it), and the TLBI must see the VMID of that write.
 */
static uint64_t vttbr_enter(uint64_t vttbr)
{
	uint64_t old = av_read_sysreg(vttbr_el2);

	if (old != vttbr)
		av_write_sysreg(vttbr_el2, vttbr);
	av_isb();
	return old;
}

static void vttbr_leave(uint64_t old, uint64_t vttbr)
{
	if (old != vttbr) {
		av_write_sysreg(vttbr_el2, old);
		av_isb();
	}
}

void av_arch_tlbi_ipa(uint64_t vttbr, uint64_t ipa, unsigned level, bool leaf)
{
	/* Xt[35:0] = IPA[47:12]; no TTL hint (bits 47:44 zero: any level). */
	uint64_t arg = (ipa >> 12) & AV_GENMASK(35, 0);
	uint64_t old;

	(void)level;
	av_dsb_ishst();
	old = vttbr_enter(vttbr);
	if (leaf)
		__asm__ volatile("tlbi ipas2le1is, %0" : : "r"(arg) : "memory");
	else
		__asm__ volatile("tlbi ipas2e1is, %0" : : "r"(arg) : "memory");
	av_dsb_ish();
	__asm__ volatile("tlbi vmalle1is" : : : "memory");
	av_dsb_ish();
	av_isb();
	vttbr_leave(old, vttbr);
}

void av_arch_tlbi_vmid(uint64_t vttbr)
{
	uint64_t old;

	av_dsb_ishst();
	old = vttbr_enter(vttbr);
	__asm__ volatile("tlbi vmalls12e1is" : : : "memory");
	av_dsb_ish();
	av_isb();
	vttbr_leave(old, vttbr);
}

void av_arch_tlbi_all(void)
{
	av_dsb_ishst();
	__asm__ volatile("tlbi alle1is" : : : "memory");
	__asm__ volatile("tlbi alle2is" : : : "memory");
	av_dsb_ish();
	av_isb();
}

/* Smallest data cache line, from CTR_EL0.DminLine (log2 of words). */
static uintptr_t dcache_line(void)
{
	return (uintptr_t)4 << AV_FIELD_GET(AV_GENMASK(19, 16), av_read_sysreg(ctr_el0));
}

void av_arch_dcache_clean_poc(const void *va, size_t size)
{
	uintptr_t line = dcache_line();
	uintptr_t p = (uintptr_t)va & ~(line - 1), end = (uintptr_t)va + size;

	for (; p < end; p += line)
		__asm__ volatile("dc cvac, %0" : : "r"(p) : "memory");
	av_dsb_ish();
}

void av_arch_dcache_clean_inval_poc(const void *va, size_t size)
{
	uintptr_t line = dcache_line();
	uintptr_t p = (uintptr_t)va & ~(line - 1), end = (uintptr_t)va + size;

	for (; p < end; p += line)
		__asm__ volatile("dc civac, %0" : : "r"(p) : "memory");
	av_dsb_ish();
}

void av_arch_icache_inval_all(void)
{
	__asm__ volatile("ic ialluis" : : : "memory");
	av_dsb_ish();
	av_isb();
}

void av_arch_s2_tlbi_ipa(void *cookie, uint64_t ipa, unsigned level, bool leaf)
{
	av_arch_tlbi_ipa(((const struct av_arch_s2_tlb *)cookie)->vttbr, ipa, level, leaf);
}

void av_arch_s2_tlbi_vmid(void *cookie)
{
	av_arch_tlbi_vmid(((const struct av_arch_s2_tlb *)cookie)->vttbr);
}

void av_arch_s2_clean_poc(void *cookie, void *va, size_t size)
{
	(void)cookie;
	av_arch_dcache_clean_poc(va, size);
}
