/* SPDX-License-Identifier: MIT */
/*
 * smp_ipi: SGIs between every ordered pair of vCPUs of one VM (4 vCPUs in the issue's
 * configuration, on 2 or 4 pCPUs). vCPU s sends SGI 1+s, so the receiver knows the sender
 * on GICv3 too. Each send waits (WFI with a 200 us virtual-timer bound, so an overcommitted
 * pCPU is given up) until the receiver counted it, then the next one goes out.
 * Phase `ordered`: one sender at a time, ROUNDS1 SGIs to each other vCPU.
 * Phase `concurrent`: all vCPUs send ROUNDS2 rounds to all others at once.
 * Every (sender, receiver) count must equal what was sent; no other interrupt may arrive;
 * GICv2: the IAR's source CPU is the sender.
 */
#include "ivc.h"

const char *rt_prog = "smp_ipi";

#define ROUNDS1 8u
#define ROUNDS2 32u
#define NCPU    RT_MAX_CPUS
#define WAIT_US 1000000ull
#define UP_US   2000000ull

static unsigned ncpu;
static volatile uint32_t count[NCPU][NCPU], sent[NCPU][NCPU];
static volatile uint32_t stray[NCPU], bad_src[NCPU], timeouts[NCPU], last_stray[NCPU];
static volatile uint32_t up[NCPU], cmd[NCPU], done[NCPU];
static volatile int32_t gic_rc[NCPU];

enum { CMD_NONE, CMD_ORDERED, CMD_CONCURRENT, CMD_EXIT };

static void irq(uint32_t intid, uint32_t iar)
{
	unsigned me = rt_cpu_index();

	if (intid == rt_plat.vtimer_intid) {
		write_sysreg(cntv_ctl_el0, 0);
		isb();
		return;
	}
	if (intid >= 1 && intid <= ncpu && intid - 1 != me) {
		unsigned s = intid - 1;

		if (rt_plat.gic_version == 2 && ((iar >> 10) & 7) != gic_v2_cpu_number(s))
			bad_src[me]++;
		count[s][me] = count[s][me] + 1;
		rt_sev();
		return;
	}
	last_stray[me] = intid;
	stray[me]++;
}

static void cpu_setup(unsigned me)
{
	gic_rc[me] = gic_init_cpu();
	rt_irq_hook[me] = irq;
	write_sysreg(cntv_ctl_el0, 0);
	for (unsigned s = 0; s < ncpu; s++)
		if (s != me)
			gic_enable_private(1 + s, 0x80);
	gic_enable_private(rt_plat.vtimer_intid, 0x80);
	irq_enable();
}

/* Send one SGI from `me` to `d` and wait until d counted it. */
static void send_one(unsigned me, unsigned d)
{
	uint32_t want = sent[me][d] + 1;
	uint64_t end = rt_cntvct() + us_to_ticks(WAIT_US);

	sent[me][d] = want;
	dsb(sy);
	gic_send_sgi(d, 1 + me);
	while (count[me][d] != want) {
		uint64_t now = rt_cntvct();

		if (now >= end) {
			timeouts[me]++;
			return;
		}
		ivc_idle_until(now + us_to_ticks(200) < end ? now + us_to_ticks(200) : end);
	}
}

static void run_cmd(unsigned me, uint32_t c)
{
	if (c == CMD_ORDERED) {
		for (unsigned d = 0; d < ncpu; d++)
			for (unsigned r = 0; d != me && r < ROUNDS1; r++)
				send_one(me, d);
	} else if (c == CMD_CONCURRENT) {
		for (unsigned r = 0; r < ROUNDS2; r++)
			for (unsigned k = 1; k < ncpu; k++)
				send_one(me, (me + k) % ncpu);
	}
}

static void secondary(unsigned me)
{
	cpu_setup(me);
	up[me] = 1;
	rt_sev();
	for (;;) {
		uint32_t c = cmd[me];

		if (c == CMD_NONE) {
			ivc_idle_until(rt_cntvct() + us_to_ticks(500));
			continue;
		}
		dmb(sy);
		if (c == CMD_EXIT)
			return;
		cmd[me] = CMD_NONE;
		run_cmd(me, c);
		dmb(sy);
		done[me] = done[me] + 1;
	}
}

static bool wait_flag(volatile uint32_t *f, uint32_t want, uint64_t us)
{
	uint64_t end = rt_cntvct() + us_to_ticks(us);

	while (*f != want && rt_cntvct() < end)
		ivc_idle_until(rt_cntvct() + us_to_ticks(500));
	return *f == want;
}

/* Compare counts with sends (accumulated over the phases so far). */
static void check_counts(const char *name)
{
	unsigned bad = 0, total = 0, tmo = 0;

	for (unsigned s = 0; s < ncpu; s++) {
		tmo += timeouts[s];
		for (unsigned d = 0; d < ncpu; d++) {
			if (s == d)
				continue;
			total += sent[s][d];
			if (count[s][d] != sent[s][d]) {
				if (bad++ < 4)
					rt_printf("%s: vCPU %u -> vCPU %u: sent %u, delivered %u\n",
						  rt_prog, s, d, sent[s][d], count[s][d]);
			}
		}
	}
	rt_check(bad == 0 && tmo == 0, name, "%u pair(s) with lost or extra SGIs, %u wait(s) "
		 "timed out, %u sent in all", bad, tmo, total);
	rt_printf("%s: %s: %u SGIs so far between %u vCPUs\n", rt_prog, name, total, ncpu);
}

void test_main(void)
{
	unsigned me = rt_cpu_index();
	bool all_up = true;
	uint32_t strays = 0, srcs = 0;

	ncpu = rt_plat.ncpus < NCPU ? rt_plat.ncpus : NCPU;
	if (ncpu < 2 || me != 0) {
		if (rt_armvirt)
			rt_fail("cpus", "%u vCPU(s), boot vCPU index %u: needs >= 2 (4 in the issue's "
				"configuration), booting on vCPU 0", ncpu, me);
		else
			rt_skip("cpus", "fewer than 2 CPUs");
		return;
	}
	if (rt_armvirt && ncpu != 4)
		rt_printf("%s: note: %u vCPUs (the issue's configuration has 4)\n", rt_prog, ncpu);
	gic_init_dist();
	cpu_setup(0);
	for (unsigned c = 1; c < ncpu; c++) {
		int64_t rc = rt_cpu_on(c, secondary);

		if (rc != PSCI_RET_SUCCESS || !wait_flag(&up[c], 1, UP_US) || gic_rc[c] != 0) {
			rt_fail("cpu_on", "vCPU %u: CPU_ON %ld, up %u, GIC %d", c, rc, up[c], gic_rc[c]);
			all_up = false;
		}
	}
	if (!all_up)
		return;
	rt_pass("cpu_on");

	/* ordered: one sender at a time */
	for (unsigned s = 0; s < ncpu; s++) {
		if (s == 0) {
			run_cmd(0, CMD_ORDERED);
			continue;
		}
		cmd[s] = CMD_ORDERED;
		rt_sev();
		if (!wait_flag(&done[s], 1, WAIT_US * ROUNDS1 * ncpu))
			rt_fail("ordered", "vCPU %u did not finish sending", s);
	}
	check_counts("ordered");

	/* concurrent: everybody at once */
	for (unsigned s = 1; s < ncpu; s++)
		cmd[s] = CMD_CONCURRENT;
	rt_sev();
	run_cmd(0, CMD_CONCURRENT);
	for (unsigned s = 1; s < ncpu; s++)
		if (!wait_flag(&done[s], 2, WAIT_US * ROUNDS2 * ncpu))
			rt_fail("concurrent", "vCPU %u did not finish sending", s);
	check_counts("concurrent");

	for (unsigned c = 0; c < ncpu; c++) {
		strays += stray[c];
		srcs += bad_src[c];
	}
	rt_check(strays == 0, "no_stray", "%u unexpected interrupt(s), last INTID %u", strays,
		 last_stray[0] | last_stray[1]);
	if (rt_plat.gic_version == 2)
		rt_check(srcs == 0, "source_v2", "%u SGI(s) with the wrong source CPU", srcs);
	for (unsigned s = 1; s < ncpu; s++)
		cmd[s] = CMD_EXIT;
	rt_sev();
	irq_disable();
}
