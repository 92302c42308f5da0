// SPDX-License-Identifier: MIT
/*
 * Software stage-1 walk (EL1&0 regime) for the KVM port: finds the IPA of a guest virtual
 * address, e.g. the PC of an instruction to emulate after an NISV exit.
 */
#include <armvirt/port/s1walk.h>

/* log2 of the granule selected by TG0 (TTBR0 region) or TG1 (TTBR1 region); 0 = reserved. */
static unsigned tg0_granule(uint64_t tg)
{
	switch (tg) {
	case 0: return 12;
	case 1: return 16;
	case 2: return 14;
	default: return 0;
	}
}

static unsigned tg1_granule(uint64_t tg)
{
	switch (tg) {
	case 1: return 14;
	case 2: return 12;
	case 3: return 16;
	default: return 0;
	}
}

/* Can a block descriptor appear at @level with granule 2^@g (48-bit output addresses)? */
static bool block_allowed(unsigned g, int level)
{
	if (g == 12)
		return level == 1 || level == 2;
	return level == 2;
}

int av_s1_walk(const struct av_s1_regs *regs, uint64_t va, av_s1_read_fn read, void *cookie,
	       struct av_s1_result *out)
{
	if (!regs || !read || !out)
		return -AV_EINVAL;

	if (!(regs->sctlr & AV_S1_SCTLR_M)) {
		out->ipa = va;
		out->level = -1;
		out->size = 0;
		out->granule = 0;
		return 0;
	}

	bool upper = (va >> 55) & 1;
	unsigned tsz, g;
	bool tbi, epd;
	uint64_t ttbr;
	if (upper) {
		tsz = (unsigned)AV_FIELD_GET(AV_S1_TCR_T1SZ, regs->tcr);
		g = tg1_granule(AV_FIELD_GET(AV_S1_TCR_TG1, regs->tcr));
		tbi = regs->tcr & AV_S1_TCR_TBI1;
		epd = regs->tcr & AV_S1_TCR_EPD1;
		ttbr = regs->ttbr1;
	} else {
		tsz = (unsigned)AV_FIELD_GET(AV_S1_TCR_T0SZ, regs->tcr);
		g = tg0_granule(AV_FIELD_GET(AV_S1_TCR_TG0, regs->tcr));
		tbi = regs->tcr & AV_S1_TCR_TBI0;
		epd = regs->tcr & AV_S1_TCR_EPD0;
		ttbr = regs->ttbr0;
	}
	if (epd) /* no walk: the other fields of the region do not matter */
		return -AV_EFAULT;
	if (!g || tsz < 16 || tsz > 39)
		return -AV_ENOTSUP;

	/* Bits [top:n] must all equal bit 55 (the region bit). */
	unsigned n = 64 - tsz;
	unsigned top = tbi ? 55 : 63;
	uint64_t hi_mask = AV_GENMASK(top, n);
	uint64_t hi = va & hi_mask;
	if (hi != (upper ? hi_mask : 0))
		return -AV_EFAULT;

	unsigned stride = g - 3;
	unsigned levels = (n - g + stride - 1) / stride;
	int level = 4 - (int)levels;
	unsigned shift = g + stride * (unsigned)(3 - level);
	unsigned bits = n - shift;

	/* The first table is aligned to its size (at least 64 bytes). */
	unsigned align = bits + 3 < 6 ? 6 : bits + 3;
	uint64_t table = ttbr & AV_S1_TTBR_BADDR & ~(AV_BIT(align) - 1);

	for (;;) {
		uint64_t index = (va >> shift) & (AV_BIT(bits) - 1);
		uint64_t desc;
		int ret = read(cookie, table + index * 8, &desc);
		if (ret)
			return ret;
		if (!(desc & AV_S1_DESC_VALID))
			return -AV_EFAULT;
		bool is_table = desc & AV_S1_DESC_TABLE;
		if (level == 3) {
			if (!is_table) /* level-3 "block" encoding is reserved */
				return -AV_EFAULT;
		} else if (is_table) {
			table = desc & AV_S1_DESC_OA & ~(AV_BIT(g) - 1);
			level++;
			shift -= stride;
			bits = stride;
			continue;
		} else if (!block_allowed(g, level)) {
			return -AV_EFAULT;
		}
		uint64_t size = AV_BIT(shift);
		uint64_t oa = desc & AV_S1_DESC_OA & ~(size - 1);
		out->ipa = oa | (va & (size - 1));
		out->level = level;
		out->size = size;
		out->granule = g;
		return 0;
	}
}
