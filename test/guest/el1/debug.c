/* SPDX-License-Identifier: MIT */
/*
 * debug: the vCPU's own breakpoints, watchpoints and software step, taken at EL1
 * (MDSCR_EL1.KDE, PSTATE.D clear): EC 0x31 for a breakpoint (ELR = the instruction, IFSC
 * 0x22), EC 0x35 for a watchpoint (ELR = the access, FAR within the accessed bytes, WnR,
 * DFSC 0x22), EC 0x33 for a step (ELR = the next instruction). Also the register count the
 * ID register reports, read-back, a disabled breakpoint and the OS lock.
 *
 * The handler records the exception and clears MDSCR_EL1.MDE, so the instruction runs when
 * it returns (a load returns the value, a store writes it) and nothing fires twice.
 */
#include "debug_regs.h"

const char *rt_prog = "debug";

static unsigned nbp, nwp;

static void clear_all(void)
{
	for (unsigned n = 0; n < nbp; n++) {
		dreg_write(BCR, n, 0);
		dreg_write(BVR, n, 0);
	}
	for (unsigned n = 0; n < nwp; n++) {
		dreg_write(WCR, n, 0);
		dreg_write(WVR, n, 0);
	}
}

/* ---- the exception hook ---- */
static volatile unsigned hits, steps_taken;
static volatile uint64_t h_esr, h_far, h_elr;
static volatile unsigned step_want;            /* steps to take after the next breakpoint */
static volatile uint64_t step_elr[8];

static bool on_sync(struct rt_frame *f)
{
	uint64_t ec = f->esr >> 26;

	if (ec == 0x30 || ec == 0x31 || ec == 0x34 || ec == 0x35) {
		hits++;
		h_esr = f->esr;
		h_far = f->far;
		h_elr = f->elr;
		write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) & ~MDSCR_MDE);
		if (step_want) { /* step from here: the next instruction is the first step */
			write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) | MDSCR_SS);
			f->spsr |= SPSR_SS;
		}
		return true;
	}
	if (ec == 0x15) { /* SVC from dbg_el0_call()'s trampoline: back to EL1h, D clear */
		f->elr = (uint64_t)dbg_el0_back;
		f->spsr = 0x1c5;
		return true;
	}
	if (ec == 0x32 || ec == 0x33) {
		unsigned n = steps_taken;

		if (n < 8)
			step_elr[n] = f->elr;
		steps_taken = n + 1;
		h_esr = f->esr;
		if (n + 1 < step_want) {
			f->spsr |= SPSR_SS;
		} else {
			write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) & ~MDSCR_SS);
			f->spsr &= ~SPSR_SS;
		}
		return true;
	}
	return false;
}

static void arm_debug(void)
{
	hits = 0;
	h_esr = h_far = h_elr = 0;
	write_sysreg(mdscr_el1, MDSCR_KDE | MDSCR_MDE);
	isb();
}

static void disarm_debug(void)
{
	write_sysreg(mdscr_el1, 0);
	isb();
}

/* ---- checks ---- */
static void check_idregs(void)
{
	uint64_t dfr0 = read_sysreg(id_aa64dfr0_el1);

	nbp = (unsigned)field(dfr0, 12, 4) + 1;
	nwp = (unsigned)field(dfr0, 20, 4) + 1;
	rt_printf("%s: ID_AA64DFR0_EL1 0x%lx: %u breakpoints, %u watchpoints, DebugVer %lu\n",
		  rt_prog, dfr0, nbp, nwp, field(dfr0, 0, 4));
	rt_check(field(dfr0, 0, 4) >= 6 && nbp >= 2 && nwp >= 2, "idregs",
		 "DebugVer %lu, %u breakpoints, %u watchpoints: want >= 6, >= 2, >= 2",
		 field(dfr0, 0, 4), nbp, nwp);
}

static void check_oslock_clear(void)
{
	write_sysreg(oslar_el1, 0);
	isb();
	rt_check((read_sysreg(oslsr_el1) & 2) == 0, "oslock_clear", "OSLSR_EL1 0x%lx",
		 read_sysreg(oslsr_el1));
}

static void check_readback(void)
{
	unsigned bad = 0;

	for (unsigned n = 0; n < nbp; n++) {
		uint64_t bvr = 0x40100000ull + 0x40 * n, bcr = BCR_ON & ~1ull;

		dreg_write(BVR, n, bvr);
		dreg_write(BCR, n, bcr);
		bad += dreg_read(BVR, n) != bvr || dreg_read(BCR, n) != bcr;
	}
	for (unsigned n = 0; n < nwp; n++) {
		uint64_t wvr = 0x40200000ull + 0x80 * n, wcr = WCR(3, 0xf0) & ~1ull;

		dreg_write(WVR, n, wvr);
		dreg_write(WCR, n, wcr);
		bad += dreg_read(WVR, n) != wvr || dreg_read(WCR, n) != wcr;
	}
	rt_check(bad == 0, "readback", "%u of %u registers did not keep their value", bad,
		 2 * (nbp + nwp));
	clear_all();
}

static bool bp_hit_ok(const char *name, uint64_t addr, uint64_t res, uint64_t want)
{
	uint64_t ec = h_esr >> 26, ifsc = h_esr & 0x3f;

	return rt_check(hits == 1 && ec == 0x31 && ifsc == 0x22 && h_elr == addr && res == want,
			name, "hits %u EC 0x%lx IFSC 0x%lx ELR 0x%lx result %lu, want 1/0x31/0x22/0x%lx/%lu",
			hits, ec, ifsc, h_elr, res, addr, want);
}

static void check_breakpoints(void)
{
	uint64_t a = (uint64_t)dbg_fn_a + 4, b = (uint64_t)dbg_fn_b, res;
	unsigned last = nbp - 1;

	/* Two at once (0 and 1), on different code. */
	dreg_write(BVR, 0, a);
	dreg_write(BCR, 0, BCR_ON);
	dreg_write(BVR, 1, b);
	dreg_write(BCR, 1, BCR_ON);
	arm_debug();
	res = dbg_fn_a(0);
	bp_hit_ok("bp0", a, res, 7);
	arm_debug();
	res = dbg_fn_b(0);
	bp_hit_ok("bp1", b, res, 48);
	/* Code with no breakpoint: nothing. */
	arm_debug();
	res = dbg_step_fn();
	rt_check(hits == 0 && res == 24, "bp_elsewhere", "hits %u result %lu", hits, res);
	clear_all();

	/* The highest-numbered one the ID register reports. */
	dreg_write(BVR, last, b);
	dreg_write(BCR, last, BCR_ON);
	arm_debug();
	res = dbg_fn_b(1);
	bp_hit_ok("bp_last", b, res, 49);
	clear_all();

	/* Taken from EL0 (PMC = 0b11): EC 0x30. */
	dreg_write(BVR, 1, a);
	dreg_write(BCR, 1, BCR_ON);
	arm_debug();
	res = dbg_el0_call(0, 0, (const void *)dbg_fn_a);
	rt_check(hits == 1 && (h_esr >> 26) == 0x30 && (h_esr & 0x3f) == 0x22 && h_elr == a &&
		 res == 7, "bp_el0", "hits %u EC 0x%lx IFSC 0x%lx ELR 0x%lx result %lu, want "
		 "1/0x30/0x22/0x%lx/7", hits, h_esr >> 26, h_esr & 0x3f, h_elr, res, a);
	clear_all();

	/* Programmed but disabled (E = 0). */
	dreg_write(BVR, 0, a);
	dreg_write(BCR, 0, BCR_ON & ~1ull);
	arm_debug();
	res = dbg_fn_a(0);
	rt_check(hits == 0 && res == 7, "bp_disabled", "hits %u result %lu", hits, res);

	/* The OS lock disables breakpoints; unlocking makes them fire again. */
	dreg_write(BCR, 0, BCR_ON);
	write_sysreg(oslar_el1, 1);
	isb();
	arm_debug();
	res = dbg_fn_a(0);
	if (hits && !rt_armvirt)
		rt_skip("bp_oslock", "the CPU does not honour the OS lock");
	else
		rt_check(hits == 0 && res == 7 && (read_sysreg(oslsr_el1) & 2), "bp_oslock",
			 "hits %u result %lu OSLSR 0x%lx", hits, res, read_sysreg(oslsr_el1));
	write_sysreg(oslar_el1, 0);
	isb();
	arm_debug();
	res = dbg_fn_a(0);
	bp_hit_ok("bp_os_unlocked", a, res, 7);
	disarm_debug();
	clear_all();
}

static uint64_t (*const loads[4])(uint64_t) = { dbg_load1, dbg_load2, dbg_load4, dbg_load8 };
static void (*const stores[4])(uint64_t, uint64_t) = { dbg_store1, dbg_store2, dbg_store4,
							 dbg_store8 };
static volatile uint64_t wbuf[4] __attribute__((aligned(64)));

/* Append @s, then the decimal @n (if @n >= 0), to the check name in @buf (32 bytes). */
static void name_add(char *buf, const char *s, int n)
{
	size_t len = strlen(buf);

	while (*s && len < 20)
		buf[len++] = *s++;
	if (n >= 0) {
		if (n >= 10)
			buf[len++] = (char)('0' + n / 10);
		buf[len++] = (char)('0' + n % 10);
	}
	buf[len] = 0;
}

static uint64_t size_mask(unsigned size)
{
	return size == 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

/* A plain access of @size bytes (to set up and check memory, watchpoints off). */
static uint64_t plain_read(uint64_t a, unsigned size)
{
	switch (size) {
	case 1: return *(volatile uint8_t *)a;
	case 2: return *(volatile uint16_t *)a;
	case 4: return *(volatile uint32_t *)a;
	default: return *(volatile uint64_t *)a;
	}
}

static void plain_write(uint64_t a, unsigned size, uint64_t v)
{
	switch (size) {
	case 1: *(volatile uint8_t *)a = (uint8_t)v; break;
	case 2: *(volatile uint16_t *)a = (uint16_t)v; break;
	case 4: *(volatile uint32_t *)a = (uint32_t)v; break;
	default: *(volatile uint64_t *)a = v; break;
	}
}

static void watch(unsigned wp, uint64_t a, unsigned size, unsigned lsc)
{
	unsigned bas = (unsigned)(((1u << size) - 1) << (a & 7));

	dreg_write(WVR, wp, a & ~7ull);
	dreg_write(WCR, wp, WCR(lsc, bas));
}

/* One watched access: watchpoint @wp on @size bytes at @a, a load or a store there. */
static void check_wp(unsigned wp, unsigned size, unsigned lg, uint64_t a, bool store)
{
	char name[32] = "";
	uint64_t pat = 0x8877665544332211ull * (wp + 1) & size_mask(size), res = 0, fn, ec, wnr, dfsc;
	bool far_ok;

	name_add(name, "wp", (int)wp);
	name_add(name, store ? "_store" : "_load", (int)size);
	plain_write(a, size, store ? ~pat : pat);
	watch(wp, a, size, store ? LSC_STORE : LSC_LOAD);
	arm_debug();
	if (store) {
		fn = (uint64_t)stores[lg];
		stores[lg](a, pat);
	} else {
		fn = (uint64_t)loads[lg];
		res = loads[lg](a);
	}
	disarm_debug();
	dreg_write(WCR, wp, 0);
	ec = h_esr >> 26;
	wnr = (h_esr >> 6) & 1;
	dfsc = h_esr & 0x3f;
	far_ok = h_far >= a && h_far < a + size;
	rt_check(hits == 1 && ec == 0x35 && dfsc == 0x22 && wnr == store && far_ok &&
		 h_elr == fn && (store ? plain_read(a, size) == pat : res == pat), name,
		 "hits %u EC 0x%lx DFSC 0x%lx WnR %lu FAR 0x%lx ELR 0x%lx value 0x%lx, want "
		 "1/0x35/0x22/%u/0x%lx/0x%lx/0x%lx", hits, ec, dfsc, wnr, h_far, h_elr,
		 store ? plain_read(a, size) : res, store, a, fn, pat);
}

/* No hit: a store to a load watchpoint, a load of the bytes next to the watched ones. */
static void check_wp_miss(unsigned size, unsigned lg, uint64_t a)
{
	char name[32] = "";
	uint64_t next = a + size;

	name_add(name, "wp_miss", (int)size);
	watch(0, a, size, LSC_LOAD);
	arm_debug();
	stores[lg](a, 0x5a);
	(void)loads[lg](next);
	disarm_debug();
	dreg_write(WCR, 0, 0);
	rt_check(hits == 0, name, "hits %u (FAR 0x%lx, ELR 0x%lx) for accesses outside the watch",
		 hits, h_far, h_elr);
}

static void check_watchpoints(void)
{
	for (unsigned lg = 0; lg < 4; lg++) {
		unsigned size = 1u << lg;

		for (unsigned wp = 0; wp < 2; wp++) {
			/* Watchpoint wp on its own doubleword, at a size-aligned offset. */
			uint64_t a = (uint64_t)&wbuf[wp] + (size == 8 ? 0 : ((wp + 1) * size) % 8);

			check_wp(wp, size, lg, a, false);
			check_wp(wp, size, lg, a, true);
		}
		check_wp_miss(size, lg, (uint64_t)&wbuf[2]);
	}
	/* A store from EL0 (PAC = 0b11): EC 0x34. */
	watch(1, (uint64_t)&wbuf[1], 4, LSC_STORE);
	arm_debug();
	(void)dbg_el0_call((uint64_t)&wbuf[1], 0x5eed, (const void *)dbg_store4);
	disarm_debug();
	dreg_write(WCR, 1, 0);
	rt_check(hits == 1 && (h_esr >> 26) == 0x34 && (h_esr & 0x3f) == 0x22 &&
		 ((h_esr >> 6) & 1) && h_far == (uint64_t)&wbuf[1] && h_elr == (uint64_t)dbg_store4 &&
		 plain_read((uint64_t)&wbuf[1], 4) == 0x5eed, "wp_el0_store",
		 "hits %u ESR 0x%lx FAR 0x%lx ELR 0x%lx value 0x%lx", hits, h_esr, h_far, h_elr,
		 plain_read((uint64_t)&wbuf[1], 4));

	/* The highest-numbered watchpoint, and two watchpoints armed together. */
	check_wp(nwp - 1, 8, 3, (uint64_t)&wbuf[3], false);
	watch(0, (uint64_t)&wbuf[0], 4, LSC_LOAD | LSC_STORE);
	watch(1, (uint64_t)&wbuf[1] + 4, 4, LSC_LOAD | LSC_STORE);
	arm_debug();
	(void)dbg_load4((uint64_t)&wbuf[1] + 4);
	{
		unsigned h1 = hits;
		uint64_t far1 = h_far;

		arm_debug();
		dbg_store4((uint64_t)&wbuf[0], 1);
		rt_check(h1 == 1 && far1 == (uint64_t)&wbuf[1] + 4 && hits == 1 &&
			 h_far == (uint64_t)&wbuf[0], "wp_two_armed",
			 "hits %u/%u FAR 0x%lx/0x%lx", h1, hits, far1, h_far);
	}
	disarm_debug();
	clear_all();
}

static void check_step(void)
{
	uint64_t fn = (uint64_t)dbg_step_fn, res;
	bool elr_ok = true;

	/* A breakpoint on the first instruction starts stepping: four steps. */
	steps_taken = 0;
	step_want = 4;
	dreg_write(BVR, 0, fn);
	dreg_write(BCR, 0, BCR_ON);
	arm_debug();
	res = dbg_step_fn();
	step_want = 0;
	disarm_debug();
	clear_all();
	for (unsigned i = 0; i < 4 && i < steps_taken; i++)
		elr_ok = elr_ok && step_elr[i] == fn + 4 * (i + 1);
	rt_check(hits == 1 && steps_taken == 4 && elr_ok && (h_esr >> 26) == 0x33 && res == 24,
		 "step", "bp hits %u, %u steps (ELR 0x%lx 0x%lx 0x%lx 0x%lx, want 0x%lx + 4..16), "
		 "last EC 0x%lx, result %lu", hits, steps_taken, step_elr[0], step_elr[1],
		 step_elr[2], step_elr[3], fn, h_esr >> 26, res);
}

void test_main(void)
{
	rt_sync_hook[rt_cpu_index()] = on_sync;
	__asm__ volatile("msr daifclr, #8" : : : "memory"); /* PSTATE.D = 0 */
	check_idregs();
	if (nbp < 2 || nwp < 2)
		return;
	check_oslock_clear();
	check_readback();
	check_breakpoints();
	check_watchpoints();
	check_step();
	__asm__ volatile("msr daifset, #8" : : : "memory");
	rt_sync_hook[rt_cpu_index()] = NULL;
}
