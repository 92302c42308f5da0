/* SPDX-License-Identifier: MIT */
/*
 * mmio: plain (ISV=1) loads and stores to the emulated devices. vGIC distributor ID and
 * type registers, a byte-wide GICD_IPRIORITYR write and read-back, the GICv3
 * redistributor, and the PL011's peripheral/PrimeCell ID registers. The console itself
 * exercises PL011 DR writes and FR reads.
 */
#include "rt.h"

const char *rt_prog = "mmio";

#define GICD_TYPER      0x004
#define GICD_IIDR       0x008
#define GICD_IPRIORITYR 0x400
#define GICD_V3_PIDR2   0xffe8
#define GICD_V2_PIDR2   0x0fe8
#define GICR_PIDR2      0xffe8
#define GICR_TYPER      0x008
#define UART_FR         0x018
#define UART_CR         0x030
#define UART_PERIPHID0  0xfe0

static const uint8_t pl011_id[8] = { 0x11, 0x10, 0x14, 0x00, 0x0d, 0xf0, 0x05, 0xb1 };

static void gicd_regs(void)
{
	uint64_t d = rt_plat.gicd;
	uint32_t typer = mmio_read32(d + GICD_TYPER), iidr = mmio_read32(d + GICD_IIDR);
	uint32_t pidr2 = mmio_read32(d + (rt_plat.gic_version == 3 ? GICD_V3_PIDR2 : GICD_V2_PIDR2));
	uint32_t lines = 32 * ((typer & 0x1f) + 1), rev = (pidr2 >> 4) & 0xf;

	rt_printf("%s: GICD_TYPER=0x%x (%u INTIDs) GICD_IIDR=0x%x PIDR2=0x%x\n", rt_prog, typer,
		  lines, iidr, pidr2);
	rt_check((typer & 0x1f) >= 1 && typer != 0xffffffffu, "gicd_typer",
		 "ITLinesNumber %u (0x%x)", typer & 0x1f, typer);
	rt_check(mmio_read32(d + GICD_TYPER) == typer && mmio_read32(d + GICD_IIDR) == iidr,
		 "gicd_stable", "TYPER/IIDR changed between reads");
	rt_check(iidr != 0xffffffffu && (iidr & 0xfff) != 0, "gicd_iidr",
		 "IIDR 0x%x has no implementer", iidr);
	if (rt_plat.gic_version == 3)
		rt_check(rev == 3 || rev == 4, "gicd_pidr2", "ArchRev %u, want 3 or 4", rev);
	else
		rt_check(rev == 2, "gicd_pidr2", "ArchRev %u, want 2", rev);
}

static void gicd_priority(void)
{
	/* INTID 33, an SPI: its priority byte is in the distributor for both GIC versions. */
	uint64_t a = rt_plat.gicd + GICD_IPRIORITYR + 33;
	uint64_t w = rt_plat.gicd + GICD_IPRIORITYR + 32;
	uint8_t orig = mmio_read8(a), b1, b2;
	uint32_t word;

	mmio_write8(a, 0xa0);
	b1 = mmio_read8(a);
	word = mmio_read32(w);
	mmio_write8(a, 0x50);
	b2 = mmio_read8(a);
	mmio_write8(a, orig);
	rt_check(b1 == 0xa0 && ((word >> 8) & 0xff) == 0xa0 && b2 == 0x50, "gicd_ipriorityr_byte",
		 "wrote 0xa0 read 0x%x (word 0x%x), wrote 0x50 read 0x%x", b1, word, b2);
	rt_check(mmio_read8(a) == orig, "gicd_ipriorityr_restore", "0x%x, want 0x%x",
		 mmio_read8(a), orig);
}

static void gicr_regs(void)
{
	uint64_t rd;
	uint64_t typer;
	uint32_t rev;

	if (gic_init_cpu() != 0) {
		rt_fail("gicr_typer", "no redistributor with this vCPU's affinity 0x%lx",
			rt_mpidr_aff());
		return;
	}
	rd = gic_redist_base();
	typer = mmio_read64(rd + GICR_TYPER);
	rev = (mmio_read32(rd + GICR_PIDR2) >> 4) & 0xf;
	rt_printf("%s: RD_base 0x%lx GICR_TYPER=0x%lx\n", rt_prog, rd, typer);
	rt_check((uint32_t)(typer >> 32) == (uint32_t)mmio_read32(rd + GICR_TYPER + 4) &&
		 (uint32_t)typer == mmio_read32(rd + GICR_TYPER), "gicr_typer_split",
		 "64-bit and 32-bit reads of GICR_TYPER disagree");
	rt_check(rev == 3 || rev == 4, "gicr_pidr2", "ArchRev %u, want 3 or 4", rev);
}

static void pl011(void)
{
	unsigned bad = 0;
	uint32_t fr;

	for (unsigned i = 0; i < 8; i++) {
		uint32_t v = mmio_read32(RT_UART_BASE + UART_PERIPHID0 + 4 * i);

		if (v != pl011_id[i]) {
			rt_printf("%s: PL011 ID register 0x%x = 0x%x, want 0x%x\n", rt_prog,
				  0xfe0 + 4 * i, v, pl011_id[i]);
			bad++;
		}
	}
	rt_check(bad == 0, "pl011_id", "%u of 8 ID registers wrong", bad);
	fr = mmio_read32(RT_UART_BASE + UART_FR);
	rt_check(!(fr & ~0x1ffu), "pl011_fr", "FR = 0x%x has reserved bits set", fr);
	rt_printf("%s: UARTCR = 0x%x (information only)\n", rt_prog,
		  mmio_read32(RT_UART_BASE + UART_CR));
}

void test_main(void)
{
	gicd_regs();
	gicd_priority();
	if (rt_plat.gic_version == 3)
		gicr_regs();
	pl011();
}
