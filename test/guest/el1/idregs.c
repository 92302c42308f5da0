/* SPDX-License-Identifier: MIT */
/*
 * idregs: the ID registers a guest sees. Under armvirt they are trapped (HCR_EL2.TID3) and
 * sanitised: MPAM, AMU, SME, MTE, SPE (PMSVer) and TRBE (TraceBuffer) read as 0. Every ID
 * register reads the same value twice; MIDR_EL1 and MPIDR_EL1 are readable and sane. SVE and
 * pointer authentication may be offered (armvirt-vmm does when KVM has them): the features
 * program checks that their ID fields and their instructions agree.
 */
#include "rt.h"

const char *rt_prog = "idregs";

#define RD(reg) static uint64_t rd_##reg(void) { return read_sysreg(reg); }

/* ID_AA64ZFR0_EL1 / ID_AA64SMFR0_EL1 by encoding (RAZ when SVE/SME are absent). */
RD(id_aa64pfr0_el1) RD(id_aa64pfr1_el1) RD(id_aa64dfr0_el1) RD(id_aa64dfr1_el1)
RD(id_aa64isar0_el1) RD(id_aa64isar1_el1) RD(id_aa64mmfr0_el1) RD(id_aa64mmfr1_el1)
RD(id_aa64mmfr2_el1) RD(id_aa64afr0_el1) RD(id_aa64afr1_el1) RD(s3_0_c0_c4_4)
RD(s3_0_c0_c4_5) RD(s3_0_c0_c6_2) RD(id_pfr0_el1) RD(id_dfr0_el1) RD(id_isar0_el1)
RD(id_mmfr0_el1) RD(mvfr0_el1) RD(mvfr1_el1) RD(midr_el1) RD(mpidr_el1) RD(revidr_el1)

struct idreg {
	const char *name;
	uint64_t (*read)(void);
};

static const struct idreg regs[] = {
	{ "ID_AA64PFR0_EL1", rd_id_aa64pfr0_el1 },   { "ID_AA64PFR1_EL1", rd_id_aa64pfr1_el1 },
	{ "ID_AA64DFR0_EL1", rd_id_aa64dfr0_el1 },   { "ID_AA64DFR1_EL1", rd_id_aa64dfr1_el1 },
	{ "ID_AA64ISAR0_EL1", rd_id_aa64isar0_el1 }, { "ID_AA64ISAR1_EL1", rd_id_aa64isar1_el1 },
	{ "ID_AA64ISAR2_EL1", rd_s3_0_c0_c6_2 },     { "ID_AA64MMFR0_EL1", rd_id_aa64mmfr0_el1 },
	{ "ID_AA64MMFR1_EL1", rd_id_aa64mmfr1_el1 }, { "ID_AA64MMFR2_EL1", rd_id_aa64mmfr2_el1 },
	{ "ID_AA64AFR0_EL1", rd_id_aa64afr0_el1 },   { "ID_AA64AFR1_EL1", rd_id_aa64afr1_el1 },
	{ "ID_AA64ZFR0_EL1", rd_s3_0_c0_c4_4 },      { "ID_AA64SMFR0_EL1", rd_s3_0_c0_c4_5 },
	{ "ID_PFR0_EL1", rd_id_pfr0_el1 },           { "ID_DFR0_EL1", rd_id_dfr0_el1 },
	{ "ID_ISAR0_EL1", rd_id_isar0_el1 },         { "ID_MMFR0_EL1", rd_id_mmfr0_el1 },
	{ "MVFR0_EL1", rd_mvfr0_el1 },               { "MVFR1_EL1", rd_mvfr1_el1 },
	{ "MIDR_EL1", rd_midr_el1 },                 { "MPIDR_EL1", rd_mpidr_el1 },
	{ "REVIDR_EL1", rd_revidr_el1 },
};

struct hidden {
	const char *name;
	unsigned reg, lsb;  /* reg: index into regs[] */
};

static const struct hidden hidden[] = {
	{ "mpam", 0, 40 },     { "amu", 0, 44 },
	{ "sme", 1, 24 },      { "mte", 1, 8 },
	{ "spe_pmsver", 2, 32 }, { "trbe_tracebuffer", 2, 44 },
};

void test_main(void)
{
	uint64_t first[sizeof(regs) / sizeof(regs[0])];
	unsigned n = sizeof(regs) / sizeof(regs[0]), unstable = 0;
	uint64_t midr, mpidr;

	for (unsigned i = 0; i < n; i++)
		first[i] = regs[i].read();
	for (unsigned round = 0; round < 4; round++) {
		for (unsigned i = 0; i < n; i++) {
			uint64_t again = regs[i].read();

			if (again != first[i]) {
				rt_printf("%s: %s read 0x%lx then 0x%lx\n", rt_prog, regs[i].name,
					  first[i], again);
				unstable++;
			}
		}
	}
	for (unsigned i = 0; i < n; i++)
		rt_printf("%s: %s = 0x%016lx\n", rt_prog, regs[i].name, first[i]);
	rt_check(unstable == 0, "stable", "%u re-reads differed", unstable);

	for (unsigned i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
		const struct hidden *h = &hidden[i];
		uint64_t v = field(first[h->reg], h->lsb, 4);

		if (v != 0 && !rt_armvirt) {
			rt_skip(h->name, "feature present on the bare CPU");
			continue;
		}
		rt_check(v == 0, h->name, "%s[%u:%u] = %lu, want 0", regs[h->reg].name,
			 h->lsb + 3, h->lsb, v);
	}
	/* With SVE and SME hidden their own ID registers must read as zero too. */
	if (field(first[0], 32, 4) == 0)
		rt_check(first[12] == 0, "zfr0_raz", "ID_AA64ZFR0_EL1 = 0x%lx", first[12]);
	if (field(first[1], 24, 4) == 0)
		rt_check(first[13] == 0, "smfr0_raz", "ID_AA64SMFR0_EL1 = 0x%lx", first[13]);

	midr = read_sysreg(midr_el1);
	mpidr = read_sysreg(mpidr_el1);
	rt_check(midr != 0 && field(midr, 16, 4) == 0xf, "midr",
		 "MIDR_EL1 = 0x%lx (want non-zero, Architecture = 0xf)", midr);
	rt_check((mpidr & (1ull << 31)) && (mpidr & 0xff00ffffffull) == rt_plat.mpidr[rt_cpu_index()],
		 "mpidr", "MPIDR_EL1 = 0x%lx, DTB says 0x%lx", mpidr, rt_plat.mpidr[rt_cpu_index()]);
	rt_printf("%s: ID_AA64PFR0_EL1.EL2 = %lu (information only)\n", rt_prog,
		  field(first[0], 8, 4));
}
