/* SPDX-License-Identifier: MIT */
/*
 * EL2 stage-1 identity map (VA == PA) with caches on.
 *
 * Translation regime EL2 (HCR_EL2.E2H = 0), 4 KiB granule, 39-bit VA (TCR_EL2.T0SZ = 25),
 * so the walk starts at level 1 and one 512-entry table covers 512 GiB with 1 GiB blocks.
 * Memory the DTB lists as RAM is Normal write-back, inner shareable; everything else within
 * the physical address range is Device-nGnRE and execute-never. RAM that does not start or
 * end on a GiB boundary is mapped with 2 MiB blocks through level-2 tables taken from a
 * small static pool. The tables are built once by the primary CPU (MMU still off) and
 * shared by every CPU.
 */
#include <armvirt/bits.h>

#include "port.h"

#define PT_ENTRIES 512
#define L1_BLOCK   (UINT64_C(1) << 30)
#define L2_BLOCK   (UINT64_C(1) << 21)
#define VA_BITS    39
#define L2_POOL    8

/* Descriptor bits (Arm ARM D8.3 "Translation table descriptor formats"). */
#define DESC_BLOCK     UINT64_C(0x1)        /* valid block (levels 1 and 2) */
#define DESC_TABLE     UINT64_C(0x3)        /* valid table (levels 0-2) */
#define DESC_ATTRIDX   AV_GENMASK(4, 2)     /* MAIR_EL2 attribute index */
#define DESC_SH        AV_GENMASK(9, 8)     /* shareability */
#define DESC_AF        AV_BIT(10)           /* access flag */
#define DESC_XN        AV_BIT(54)           /* execute never (EL2 regime) */
#define SH_INNER       3u

/* MAIR_EL2: index 0 Device-nGnRE (0x04), index 1 Normal inner/outer WB RW-allocate (0xff). */
#define MAIR_DEVICE_IDX 0u
#define MAIR_NORMAL_IDX 1u
#define MAIR_VALUE      ((UINT64_C(0x04) << (8 * MAIR_DEVICE_IDX)) | (UINT64_C(0xff) << (8 * MAIR_NORMAL_IDX)))

/* TCR_EL2 (E2H = 0). */
#define TCR_T0SZ      AV_GENMASK(5, 0)
#define TCR_IRGN0_WB  (UINT64_C(1) << 8)
#define TCR_ORGN0_WB  (UINT64_C(1) << 10)
#define TCR_SH0_INNER (UINT64_C(3) << 12)
#define TCR_TG0_4K    (UINT64_C(0) << 14)
#define TCR_PS        AV_GENMASK(18, 16)
#define TCR_RES1      (AV_BIT(23) | AV_BIT(31))

/* SCTLR_EL2 */
#define SCTLR_M   AV_BIT(0)  /* MMU on */
#define SCTLR_A   AV_BIT(1)  /* alignment checks: kept off */
#define SCTLR_C   AV_BIT(2)  /* data caches on */
#define SCTLR_I   AV_BIT(12) /* instruction cache on */
#define SCTLR_WXN AV_BIT(19) /* write implies XN: off (one RWX map of the image) */

static uint64_t l1_table[PT_ENTRIES] __attribute__((aligned(4096)));
static uint64_t l2_pool[L2_POOL][PT_ENTRIES] __attribute__((aligned(4096)));
static unsigned l2_used;
static uint64_t tcr_value;

static uint64_t attrs(bool normal)
{
	if (normal)
		return DESC_AF | AV_FIELD_PREP(DESC_SH, SH_INNER) |
		       AV_FIELD_PREP(DESC_ATTRIDX, MAIR_NORMAL_IDX);
	return DESC_AF | DESC_XN | AV_FIELD_PREP(DESC_ATTRIDX, MAIR_DEVICE_IDX);
}

/* PARange -> TCR_EL2.PS encoding and size in bits (capped at 48: 52-bit needs LPA). */
static unsigned pa_range(unsigned *bits)
{
	static const unsigned pa_bits[] = { 32, 36, 40, 42, 44, 48 };
	uint64_t mmfr0;
	unsigned r;

	__asm__ volatile("mrs %0, id_aa64mmfr0_el1" : "=r"(mmfr0));
	r = (unsigned)(mmfr0 & 0xf);
	if (r > 5)
		r = 5;
	*bits = pa_bits[r];
	return r;
}

/* Split level-1 entry @p i into 2 MiB blocks of its current kind, returning the table. */
static uint64_t *l2_for(unsigned i)
{
	uint64_t old = l1_table[i], *t;

	if ((old & 3) == DESC_TABLE)
		return (uint64_t *)(uintptr_t)(old & AV_GENMASK(47, 12));
	if (l2_used == L2_POOL)
		port_panic("mmu: level-2 table pool exhausted");
	t = l2_pool[l2_used++];
	for (unsigned j = 0; j < PT_ENTRIES; j++)
		t[j] = old ? ((uint64_t)i * L1_BLOCK + j * L2_BLOCK) | (old & ~AV_GENMASK(47, 12))
			   : 0;
	l1_table[i] = (uint64_t)(uintptr_t)t | DESC_TABLE;
	return t;
}

/* Map [base, base + size) as Normal memory, rounded out to 2 MiB. */
static void map_normal(uint64_t base, uint64_t size)
{
	uint64_t pa = base & ~(L2_BLOCK - 1), end = (base + size + L2_BLOCK - 1) & ~(L2_BLOCK - 1);

	while (pa < end && pa < (UINT64_C(1) << VA_BITS)) {
		unsigned i = (unsigned)(pa / L1_BLOCK);

		if ((pa & (L1_BLOCK - 1)) == 0 && end - pa >= L1_BLOCK) {
			l1_table[i] = pa | attrs(true) | DESC_BLOCK;
			pa += L1_BLOCK;
		} else {
			uint64_t *l2 = l2_for(i);

			l2[(pa / L2_BLOCK) % PT_ENTRIES] = pa | attrs(true) | DESC_BLOCK;
			pa += L2_BLOCK;
		}
	}
}

void port_mmu_build(const struct port_platform *p)
{
	unsigned bits, ps = pa_range(&bits);
	uint64_t limit = UINT64_C(1) << (bits < VA_BITS ? bits : VA_BITS);

	for (uint64_t pa = 0; pa < limit; pa += L1_BLOCK)
		l1_table[pa / L1_BLOCK] = pa | attrs(false) | DESC_BLOCK;
	map_normal(p->ram_base, p->ram_size);
	/* The image itself, should the DTB's memory node not cover it. */
	map_normal(p->image_start, p->image_end - p->image_start);
	tcr_value = AV_FIELD_PREP(TCR_T0SZ, 64 - VA_BITS) | TCR_IRGN0_WB | TCR_ORGN0_WB |
		    TCR_SH0_INNER | TCR_TG0_4K | AV_FIELD_PREP(TCR_PS, ps) | TCR_RES1;
}

void port_mmu_enable(void)
{
	uint64_t sctlr, ctr;
	uintptr_t t = (uintptr_t)l1_table, line;

	__asm__ volatile("mrs %0, ctr_el0" : "=r"(ctr));
	line = (uintptr_t)4 << ((ctr >> 16) & 0xf); /* CTR_EL0.DminLine, in words */

	/* The tables were written with the MMU off (non-cacheable): make sure no stale line of
	 * them survives in a cache the walker (cacheable, inner WB) would read. */
	for (uintptr_t a = t; a < t + sizeof(l1_table); a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	for (uintptr_t a = (uintptr_t)l2_pool; a < (uintptr_t)l2_pool + sizeof(l2_pool); a += line)
		__asm__ volatile("dc civac, %0" : : "r"(a) : "memory");
	__asm__ volatile("dsb sy" : : : "memory");

	__asm__ volatile("msr mair_el2, %0" : : "r"(MAIR_VALUE));
	__asm__ volatile("msr tcr_el2, %0" : : "r"(tcr_value));
	__asm__ volatile("msr ttbr0_el2, %0" : : "r"((uint64_t)t));
	__asm__ volatile("isb; tlbi alle2; dsb nsh; isb" : : : "memory");
	__asm__ volatile("mrs %0, sctlr_el2" : "=r"(sctlr));
	sctlr |= SCTLR_M | SCTLR_C | SCTLR_I;
	sctlr &= ~(SCTLR_A | SCTLR_WXN);
	/* Identity map: the next instruction fetch translates to the same address. */
	__asm__ volatile("msr sctlr_el2, %0; isb" : : "r"(sctlr) : "memory");
}
