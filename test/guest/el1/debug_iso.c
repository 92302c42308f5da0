/* SPDX-License-Identifier: MIT */
/*
 * debug_iso: two VMs of one vCPU, both pinned to one pCPU, each with its own breakpoint and
 * watchpoint, switching on every round (ARMVIRT_HC_YIELD). Both run this image at the same
 * addresses, so a breakpoint or watchpoint left in the hardware by the other VM would fire.
 *
 * VM 0 puts breakpoint 0 on dbg_fn_a and watchpoint 0 on stores to wbuf[0] for all rounds.
 * VM 1 has MDSCR_EL1.MDE/KDE set from the start but programs nothing for the first half of
 * the rounds (`none_loaded`: it must take nothing), then uses the same register numbers for
 * dbg_fn_b and wbuf[1]. Every round, each VM calls both functions and stores to both words.
 * Checks: `own_bp`, `own_wp` (each of its own fired every round it was armed), `no_foreign`
 * (nothing fired on the other VM's targets), `none_loaded` (VM 1), `regs_kept` (its
 * registers read back as it wrote them after all the switches). The HELLO exchange before
 * the rounds and DONE after them keep both VMs runnable throughout, so each yield switches.
 */
#include "debug_regs.h"
#include "ivc.h"

const char *rt_prog = "debug_iso";

#define ROUNDS 64
enum { M_HELLO = 1, M_DONE };

static volatile uint64_t wbuf[2] __attribute__((aligned(64)));
static volatile unsigned bp_a, bp_b, wp_0, wp_1, other;

static bool on_sync(struct rt_frame *f)
{
	uint64_t ec = f->esr >> 26;

	if (ec == 0x31 && f->elr == (uint64_t)dbg_fn_a)
		bp_a++;
	else if (ec == 0x31 && f->elr == (uint64_t)dbg_fn_b)
		bp_b++;
	else if (ec == 0x35 && f->far >= (uint64_t)&wbuf[0] && f->far < (uint64_t)&wbuf[1])
		wp_0++;
	else if (ec == 0x35 && f->far >= (uint64_t)&wbuf[1] && f->far < (uint64_t)&wbuf[2])
		wp_1++;
	else if (ec == 0x30 || ec == 0x31 || ec == 0x34 || ec == 0x35)
		other++;
	else
		return false;
	/* Let the instruction run: breakpoints and watchpoints off until the next arm. */
	write_sysreg(mdscr_el1, read_sysreg(mdscr_el1) & ~MDSCR_MDE);
	return true;
}

static void arm(void)
{
	write_sysreg(mdscr_el1, MDSCR_KDE | MDSCR_MDE);
	isb();
}

/* Program breakpoint 0 on @fn and watchpoint 0 on stores to the doubleword @w. */
static void program(uint64_t fn, uint64_t w)
{
	dreg_write(BVR, 0, fn);
	dreg_write(BCR, 0, BCR_ON);
	dreg_write(WVR, 0, w);
	dreg_write(WCR, 0, WCR(LSC_STORE, 0xff));
}

static void yield(void)
{
	(void)rt_hvc(ARMVIRT_HC_YIELD, 0, 0, 0);
}

void test_main(void)
{
	uint64_t fn = 0, w = 0;
	unsigned start, armed_rounds, id;
	struct ivc_msg m;

	if (!ivc_start()) {
		rt_skip("own_bp", "no IVC");
		return;
	}
	if (!rt_check(ivc.nr_vms == 2, "config", "VM %u of %u: needs exactly 2 VMs", ivc.id,
		      ivc.nr_vms))
		return;
	id = ivc.id;
	rt_sync_hook[rt_cpu_index()] = on_sync;
	write_sysreg(oslar_el1, 0);
	__asm__ volatile("msr daifclr, #8" : : : "memory"); /* PSTATE.D = 0 */
	if (ivc_send_retry(1 - id, M_HELLO, 0, 0, 5000000) != IVC_OK ||
	    !ivc_expect_or_fail(1 - id, M_HELLO, 10000000, &m, "hello"))
		return;

	start = id == 0 ? 0 : ROUNDS / 2;
	fn = id == 0 ? (uint64_t)dbg_fn_a : (uint64_t)dbg_fn_b;
	w = (uint64_t)&wbuf[id];
	for (unsigned r = 0; r < ROUNDS; r++) {
		if (r == start)
			program(fn, w);
		if (r == ROUNDS / 2 && id == 1)
			rt_check(bp_a + bp_b + wp_0 + wp_1 + other == 0, "none_loaded",
				 "with nothing programmed: bp a %u b %u, wp 0 %u 1 %u, other %u",
				 bp_a, bp_b, wp_0, wp_1, other);
		arm();
		(void)dbg_fn_a(r);
		arm();
		(void)dbg_fn_b(r);
		arm();
		dbg_store8((uint64_t)&wbuf[0], r);
		arm();
		dbg_store8((uint64_t)&wbuf[1], r);
		/* The other VM runs its round here, until it yields back. */
		yield();
	}
	write_sysreg(mdscr_el1, 0);
	armed_rounds = ROUNDS - start;
	rt_check((id == 0 ? bp_a : bp_b) == armed_rounds, "own_bp",
		 "own breakpoint taken %u times in %u rounds", id == 0 ? bp_a : bp_b, armed_rounds);
	rt_check((id == 0 ? wp_0 : wp_1) == armed_rounds, "own_wp",
		 "own watchpoint taken %u times in %u rounds", id == 0 ? wp_0 : wp_1, armed_rounds);
	rt_check((id == 0 ? bp_b + wp_1 : bp_a + wp_0) + other == 0, "no_foreign",
		 "the other VM's targets fired: breakpoint %u, watchpoint %u, other %u",
		 id == 0 ? bp_b : bp_a, id == 0 ? wp_1 : wp_0, other);
	rt_check(dreg_read(BVR, 0) == fn && dreg_read(BCR, 0) == BCR_ON &&
		 dreg_read(WVR, 0) == w && dreg_read(WCR, 0) == WCR(LSC_STORE, 0xff), "regs_kept",
		 "BVR0 0x%lx BCR0 0x%lx WVR0 0x%lx WCR0 0x%lx", dreg_read(BVR, 0),
		 dreg_read(BCR, 0), dreg_read(WVR, 0), dreg_read(WCR, 0));
	dreg_write(BCR, 0, 0);
	dreg_write(WCR, 0, 0);
	/* Stay until the other VM is done too, so that both ran all their rounds together. */
	ivc_send_retry(1 - id, M_DONE, 0, 0, 5000000);
	ivc_expect_or_fail(1 - id, M_DONE, 10000000, &m, "done");
	__asm__ volatile("msr daifset, #8" : : : "memory");
	rt_sync_hook[rt_cpu_index()] = NULL;
}
