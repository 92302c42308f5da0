/* SPDX-License-Identifier: MIT */
/*
 * stuck: two vCPUs of a 3-vCPU VM get stuck for good while the third measures its own
 * throughput, beside a `victim` VM (doc/guest-tests.md, "Hostile programs"). On -smp 2
 * with bm/vm_pair.c's pinned layout vCPU 0 and vCPU 2 share pCPU 0, vCPU 1 shares pCPU 1
 * with the victim:
 *  - vCPU 2 masks every interrupt, turns its timers off and executes WFI forever (nothing
 *    can wake it): the hypervisor must block it, not spin on it;
 *  - vCPU 1 points VBAR_EL1 at a vector table whose every entry counts, then loads from an
 *    unmapped IPA: each load's injected data abort enters the same entry again, forever (an
 *    exit to the hypervisor per iteration, with every interrupt masked).
 * Checks:
 *  - vcpu1_up, baseline: vCPU 0's loop count in 5 x 100 ms, undisturbed (vCPU 1 in a plain
 *    busy loop on pCPU 1, vCPU 2 off), is non-zero;
 *  - wfi_entered, fault_loop_entered, fault_loop_running: both vCPUs got there (the fault
 *    loop's count grows);
 *  - throughput: with both stuck, vCPU 0's count in the same 5 x 100 ms is at least 50 % of
 *    the baseline. Not under -icount: QEMU's single-threaded round robin then hands the
 *    pCPU whose vCPU takes an exception per iteration most of the instructions, which says
 *    nothing about the hypervisor (vCPU 0 dropped to 0-17 % there while the hypervisor's
 *    statistics showed it running all the time); with a thread per pCPU the figure is real
 *    time, 71-100 % on a loaded host. A vCPU 2 that spins instead of blocking would halve it;
 *  - wfi_wakeups: vCPU 2 left WFI at most MAX_WAKEUPS times (spurious wake-ups are allowed,
 *    a loop is not);
 *  - stuck_on: AFFINITY_INFO says both are ON, CPU_ON of them gives ALREADY_ON;
 *  - then the victim protocol (victim_alive, victim_verifying, stop_sent); SYSTEM_OFF must
 *    end the VM with two vCPUs still stuck (the run ends).
 */
#include "ivc.h"

const char *rt_prog = "stuck";

#define WINDOW_MS   100u
#define WINDOWS     5u
#define MIN_PERCENT 50u
#define MAX_WAKEUPS 100u
#define WAIT_US     2000000u

#define INSN_ADD_X2_1    0x91000442u /* add x2, x2, #1 */
#define INSN_STR_X2_X3   0xf9000062u /* str x2, [x3] */
#define INSN_LDR_X0_X1   0xf9400020u /* ldr x0, [x1] */
#define INSN_B_BACK3     0x17fffffdu /* b . - 12 */

static uint32_t vectors[512] __attribute__((aligned(2048)));
static volatile uint64_t fault_loops;
static volatile uint32_t wfi_in, loop_in, spin_in, go_stuck;
static volatile uint64_t spins;
static volatile uint64_t wfi_wakeups;

static uint64_t spin_window(void)
{
	uint64_t end = rt_cntvct() + us_to_ticks(WINDOW_MS * 1000ull), n = 0;

	while (rt_cntvct() < end)
		n++;
	return n;
}

/* vCPU 2: every interrupt masked, no timer, WFI forever. */
static void wfi_forever(unsigned cpu)
{
	(void)cpu;
	__asm__ volatile("msr daifset, #0xf" : : : "memory");
	write_sysreg(cntv_ctl_el0, 0);
	write_sysreg(cntp_ctl_el0, 0);
	isb();
	wfi_in = 1;
	dsb(sy);
	for (;;) {
		__asm__ volatile("wfi" : : : "memory");
		wfi_wakeups = wfi_wakeups + 1;
	}
}

/* vCPU 1: a busy loop (the baseline's load on pCPU 1), then an exception loop through an
 * unmapped IPA. */
static void fault_forever(unsigned cpu)
{
	uint64_t base = (uint64_t)vectors;

	(void)cpu;
	/* First a plain busy loop, the control of the baseline window. */
	spin_in = 1;
	while (!go_stuck)
		spins = spins + 1;
	for (unsigned e = 0; e < 16; e++) {
		uint32_t *v = &vectors[e * 32];

		v[0] = INSN_ADD_X2_1;
		v[1] = INSN_STR_X2_X3;
		v[2] = INSN_LDR_X0_X1;
		v[3] = INSN_B_BACK3;
	}
	for (unsigned i = 0; i < sizeof(vectors); i += 64)
		__asm__ volatile("dc cvau, %0" : : "r"(base + i) : "memory");
	dsb(ish);
	for (unsigned i = 0; i < sizeof(vectors); i += 64)
		__asm__ volatile("ic ivau, %0" : : "r"(base + i) : "memory");
	dsb(ish);
	loop_in = 1;
	dsb(sy);
	__asm__ volatile("msr daifset, #0xf\n\t"
			 "mov x1, %0\n\t"
			 "mov x2, #0\n\t"
			 "mov x3, %1\n\t"
			 "msr vbar_el1, %2\n\t"
			 "isb\n\t"
			 "br %3"
			 :
			 : "r"(RT_UNMAPPED_IPA), "r"(&fault_loops), "r"(base), "r"(base + 0x200)
			 : "x0", "x1", "x2", "x3", "memory");
	__builtin_unreachable();
}

static bool wait_flag(volatile uint32_t *f)
{
	return rt_wait_us(f, 1, WAIT_US);
}

void test_main(void)
{
	bool use_ivc = ivc_start();
	uint64_t base_n, n, loops0, t0;
	int64_t rc1, rc2;

	if (use_ivc)
		vlink_start();
	if (!rt_need_cpus(3))
		return;
	rc1 = rt_cpu_on(1, fault_forever);
	rt_check(rc1 == PSCI_RET_SUCCESS && wait_flag(&spin_in), "vcpu1_up",
		 "CPU_ON %ld, vCPU 1 did not start", rc1);
	base_n = 0;
	for (unsigned i = 0; i < WINDOWS; i++)
		base_n += spin_window();
	rt_check(base_n > 0 && spins > 0, "baseline", "no loop iterations in %u ms", WINDOW_MS);
	t0 = rt_cntvct();
	rt_printf("%s: log window begin\n", rt_prog);
	rc2 = rt_cpu_on(2, wfi_forever);
	go_stuck = 1;
	dsb(sy);
	rt_check(rc2 == PSCI_RET_SUCCESS && wait_flag(&wfi_in), "wfi_entered",
		 "CPU_ON %ld, vCPU 2 did not reach its WFI loop", rc2);
	rt_check(wait_flag(&loop_in), "fault_loop_entered",
		 "vCPU 1 did not reach its exception loop");
	loops0 = fault_loops;
	n = 0;
	for (unsigned i = 0; i < WINDOWS; i++)
		n += spin_window();
	rt_check(fault_loops > loops0 + 10, "fault_loop_running",
		 "vCPU 1's exception loop went from %lu to %lu iterations", loops0, fault_loops);
	rt_printf("%s: vCPU 0: %lu loops in %u ms undisturbed (vCPU 1 in a plain loop), %lu with "
		  "vCPU 2 in WFI and vCPU 1 in an exception loop (%lu%%); vCPU 1: %lu exception "
		  "loops; vCPU 2: %lu wake-ups\n", rt_prog, base_n, WINDOWS * WINDOW_MS, n, base_n ? n * 100 / base_n : 0, fault_loops - loops0,
		  wfi_wakeups);
	rt_check(n * 100 >= base_n * MIN_PERCENT, "throughput",
		 "%lu loops, %lu%% of the undisturbed %lu (want >= %u%%)", n,
		 base_n ? n * 100 / base_n : 0, base_n, MIN_PERCENT);
	rt_check(wfi_wakeups <= MAX_WAKEUPS, "wfi_wakeups",
		 "vCPU 2 left WFI %lu times with nothing to wake it", wfi_wakeups);
	rt_check(rt_psci(PSCI_AFFINITY_INFO_64, rt_plat.mpidr[1], 0, 0) == PSCI_AFF_ON &&
		 rt_psci(PSCI_AFFINITY_INFO_64, rt_plat.mpidr[2], 0, 0) == PSCI_AFF_ON &&
		 rt_psci(PSCI_CPU_ON_64, rt_plat.mpidr[1], (uint64_t)rt_park, 1) == PSCI_RET_ALREADY_ON &&
		 rt_psci(PSCI_CPU_ON_64, rt_plat.mpidr[2], (uint64_t)rt_park, 2) == PSCI_RET_ALREADY_ON,
		 "stuck_on", "AFFINITY_INFO / CPU_ON of the stuck vCPUs not ON / ALREADY_ON");
	rt_printf("%s: log window end (%lu ms)\n", rt_prog, ticks_to_us(rt_cntvct() - t0) / 1000);
	if (use_ivc)
		vlink_stop();
}
