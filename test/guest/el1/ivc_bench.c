/* SPDX-License-Identifier: MIT */
/*
 * ivc_bench: message and VM-switch cost for the icount report (-icount shift=0: one
 * instruction = 1 ns of virtual time). Two VMs of one vCPU each, both pinned to the same
 * pCPU with equal priorities (doc/guest-tests.md).
 *   BENCH ivc_hypercall <n> ns/op  IVC_INFO from VM 0 (one hypercall exit, no switch)
 *   BENCH ivc_roundtrip <n> ns/op  VM 0 sends PING and waits in WFI; VM 1, woken by its
 *                                  doorbell, answers PONG from its IRQ handler and sleeps in
 *                                  WFI again; VM 0 takes the PONG: two sends, two doorbells,
 *                                  two RECV+ACK and two VM->VM world switches per op
 *   BENCH wake_switch <n> ns/op    (roundtrip - 4 x ivc_hypercall) / 2: counted from the WFI
 *                                  exit of one VM to the other VM's IRQ handler, with the
 *                                  doorbell's injection and the RECV+ACK hypercall
 *   BENCH vm_switch <n> ns/op      one VM -> VM world switch: both VMs call ARMVIRT_HC_YIELD
 *                                  in a loop, so each call leaves one VM and enters the other
 *                                  (half of VM 0's time per call; the two loops' own
 *                                  instructions, a few, are included)
 */
#include "ivc.h"

const char *rt_prog = "ivc_bench";

enum { M_HELLO = 1, M_PING, M_PONG, M_STOP, M_YIELD, M_YSTOP, M_YDONE };

#define ITERS    256u
#define Y_ITERS  1024u
#define HC_ITERS 1024u
#define STEP_US  5000000ul
#define HELLO_US 10000000ul

static volatile bool stop, yielding;
static volatile uint32_t pongs_sent, pong_fail;

/* ARMVIRT_HC_YIELD (doc/hypercalls.md), inline: x0 = 0, x1..x3 unchanged. */
static inline uint64_t hc_yield(void)
{
	register uint64_t x0 __asm__("x0") = ARMVIRT_HC_YIELD;

	__asm__ volatile("hvc #0" : "+r"(x0) : : "x1", "x2", "x3", "x4", "x5", "x6", "x7", "x8",
			 "x9", "x10", "x11", "x12", "x13", "x14", "x15", "x16", "x17", "memory");
	return x0;
}

static bool vm1_on_msg(const struct ivc_msg *m)
{
	uint32_t t = IVC_TAG_OK(m->w[0]) ? IVC_TAG_TYPE(m->w[0]) : 0;

	if (t == M_PING) {
		if (ivc_send(m->from, IVC_TAG(M_PONG), m->w[1], 0) == IVC_OK)
			pongs_sent++;
		else
			pong_fail++;
		return true;
	}
	if (t == M_STOP) {
		stop = true;
		return true;
	}
	if (t == M_YIELD || t == M_YSTOP) {
		yielding = t == M_YIELD;
		return true;
	}
	return false;
}

static void print_ns(const char *name, uint64_t total_ns, unsigned n)
{
	uint64_t tenths = total_ns * 10 / n;

	rt_printf("BENCH %s %lu.%lu ns/op\n", name, tenths / 10, tenths % 10);
}

static void vm0(void)
{
	struct ivc_msg m;
	uint64_t t0, hc_ns, rt_ns, y_ns;
	uint32_t id, nr, mask;
	unsigned bad = 0, irq0 = 0;

	if (!ivc_expect_or_fail(1, M_HELLO, HELLO_US, &m, "hello"))
		return;
	t0 = rt_cntvct();
	for (unsigned i = 0; i < HC_ITERS; i++)
		ivc_info(&id, &nr, &mask);
	hc_ns = ticks_to_ns(rt_cntvct() - t0);

	/* warm-up, then the measured round trips */
	for (unsigned i = 0; i < 8 + ITERS; i++) {
		if (i == 8) {
			irq0 = ivc.db_irqs;
			t0 = rt_cntvct();
		}
		if (ivc_send_retry(1, M_PING, i, 0, STEP_US) != IVC_OK ||
		    !ivc_expect(1, M_PONG, STEP_US, &m) || m.w[1] != i) {
			rt_fail("roundtrip", "round trip %u failed", i);
			return;
		}
		bad += !m.via_irq;
	}
	rt_ns = ticks_to_ns(rt_cntvct() - t0);
	rt_check(bad == 0 && ivc.db_irqs - irq0 >= ITERS, "roundtrip",
		 "%u PONG(s) found by polling, %u doorbell IRQs for %u PONGs", bad,
		 ivc.db_irqs - irq0, ITERS);

	/* Yield ping-pong: VM 1 enters its yield loop on M_YIELD (at VM 0's first yield). */
	if (ivc_send_retry(1, M_YIELD, 0, 0, STEP_US) != IVC_OK) {
		rt_fail("vm_switch", "M_YIELD not sent");
		return;
	}
	for (unsigned i = 0; i < 8; i++)
		bad += hc_yield() != 0;
	t0 = rt_cntvct();
	for (unsigned i = 0; i < Y_ITERS; i++)
		bad += hc_yield() != 0;
	y_ns = ticks_to_ns(rt_cntvct() - t0);
	if (ivc_send_retry(1, M_YSTOP, 0, 0, STEP_US) != IVC_OK ||
	    !ivc_expect(1, M_YDONE, STEP_US, &m)) {
		rt_fail("vm_switch", "no M_YDONE from VM 1");
		return;
	}
	/* Every measured yield of VM 0 entered VM 1, which yielded back from its loop. */
	rt_check(bad == 0 && m.w[1] >= Y_ITERS, "vm_switch",
		 "%u yield(s) failed; VM 1 yielded %lu times for VM 0's %u", bad, m.w[1], Y_ITERS);

	ivc_send_retry(1, M_STOP, 0, 0, STEP_US);
	print_ns("ivc_hypercall", hc_ns, HC_ITERS);
	print_ns("ivc_roundtrip", rt_ns, ITERS);
	{
		uint64_t per_rt = rt_ns / ITERS, hc4 = 4 * (hc_ns / HC_ITERS);

		print_ns("wake_switch", per_rt > hc4 ? (per_rt - hc4) / 2 : 0, 1);
	}
	print_ns("vm_switch", y_ns / 2, Y_ITERS);
	rt_printf("%s: CNTFRQ %lu Hz; figures are instructions only under -icount shift=0\n",
		  rt_prog, read_sysreg(cntfrq_el0));
}

static void vm1(void)
{
	uint64_t end;
	int64_t rc;

	ivc_on_msg = vm1_on_msg;
	rc = ivc_send_retry(0, M_HELLO, 0, 0, HELLO_US);
	if (!rt_check(rc == IVC_OK, "hello", "HELLO returned %ld (%s)", rc, ivc_status_name(rc)))
		return;
	end = rt_cntvct() + us_to_ticks(4 * STEP_US);
	while (!stop && rt_cntvct() < end) {
		uint64_t n = 0;

		if (!yielding) {
			ivc_idle_until(end);
			continue;
		}
		while (yielding && hc_yield() == 0)
			n++;
		if (yielding) {
			rt_fail("vm_switch", "ARMVIRT_HC_YIELD failed");
			return;
		}
		ivc_send_retry(0, M_YDONE, n, 0, STEP_US);
	}
	rt_check(stop && pong_fail == 0 && pongs_sent == 8 + ITERS, "served",
		 "stop %d, %u PONGs sent, %u failed", stop, pongs_sent, pong_fail);
}

void test_main(void)
{
	if (!ivc_start()) {
		rt_skip("ivc_roundtrip", "no IVC");
		rt_skip("vm_switch", "no IVC");
		return;
	}
	if (!rt_check(ivc.nr_vms == 2 && ivc.send_mask == (ivc.id == 0 ? 2u : 1u), "config",
		      "VM %u of %u, send mask 0x%x: needs exactly 2 VMs and the pairs 0 -> 1, 1 -> 0",
		      ivc.id, ivc.nr_vms, ivc.send_mask))
		return;
	if (ivc.id == 0)
		vm0();
	else
		vm1();
}
