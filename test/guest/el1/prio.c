/* SPDX-License-Identifier: MIT */
/*
 * prio / prio_eq: two VMs of one vCPU each, pinned to the same pCPU (doc/sched.md).
 * Each VM measures the virtual-counter time it actually runs: it spins reading CNTVCT_EL0
 * and adds every step shorter than 200 us into 1 ms buckets (a longer step is time the vCPU
 * was not running). The VMs agree on a window through messages (VM 0 estimates the offset
 * between the two virtual counters with a message round trip).
 *
 * prio (VM 0 high priority, VM 1 low): VM 0 spins for the first 400 ms of the window, then
 * sleeps in WFI for 300 ms. VM 1 spins the whole window: it must get (almost) nothing while
 * VM 0 spins and most of the pCPU while VM 0 sleeps.
 * prio_eq (equal priorities): both spin the whole 600 ms window; each gets at least 25%,
 * together at most 115% (one pCPU), and VM 1 never waits more than 100 ms.
 * Built twice from this file: prio_eq.c defines PRIO_EQUAL.
 */
#include "ivc.h"

#ifdef PRIO_EQUAL
const char *rt_prog = "prio_eq";
#define WINDOW_US 600000ul
#define BUSY_US   WINDOW_US
#else
const char *rt_prog = "prio";
#define WINDOW_US 700000ul
#define BUSY_US   400000ul /* VM 0 spins, then sleeps until the window ends */
#endif

enum { M_HELLO = 1, M_SYNC, M_SYNC_R, M_PLAN, M_PLAN_R, M_REPORT };

#define HELLO_US  10000000ul
#define STEP_US   5000000ul
#define GUARD_US  20000ul
#define LEAD_US   50000ul
#define STEP_MAX_US 200ul
#define NBUCKETS  (WINDOW_US / 1000)

static uint32_t bucket[NBUCKETS];
static uint64_t max_gap;

/* Spin from now until `end`, accounting running time in [start, end) into the buckets and
 * the longest gap that lies within [gap_from, gap_to]. IRQs stay masked. */
static void measure(uint64_t start, uint64_t end, uint64_t gap_from, uint64_t gap_to)
{
	uint64_t blen = us_to_ticks(1000), thr = us_to_ticks(STEP_MAX_US), prev, now;

	irq_disable();
	prev = rt_cntvct();
	while (prev < end) {
		uint64_t d;

		now = rt_cntvct();
		d = now - prev;
		if (now >= start && now < end) {
			if (d < thr) {
				uint64_t i = (now - start) / blen;

				if (i < NBUCKETS)
					bucket[i] += (uint32_t)d;
			} else {
				uint64_t a = prev > gap_from ? prev : gap_from;
				uint64_t b = now < gap_to ? now : gap_to;

				if (b > a && b - a > max_gap)
					max_gap = b - a;
			}
		}
		prev = now;
	}
	irq_enable();
}

/* Running time in microseconds within [from_us, to_us) of the window. */
static uint64_t run_us(uint64_t from_us, uint64_t to_us)
{
	uint64_t t = 0;

	for (uint64_t i = from_us / 1000; i < to_us / 1000 && i < NBUCKETS; i++)
		t += bucket[i];
	return ticks_to_us(t);
}

static unsigned pct(uint64_t part, uint64_t whole)
{
	return whole ? (unsigned)(part * 100 / whole) : 0;
}

/* Sub-window A: while VM 0 spins; B: while VM 0 sleeps (prio only). */
#define A_FROM GUARD_US
#define A_TO   (BUSY_US - GUARD_US)
#define B_FROM (BUSY_US + GUARD_US)
#define B_TO   (WINDOW_US - GUARD_US)

static void vm0(void)
{
	struct ivc_msg msg;
	uint64_t best_rtt = ~0ul, off = 0, s0;
	int64_t rc;

	if (!ivc_expect_or_fail(1, M_HELLO, HELLO_US, &msg, "hello"))
		return;
	/* Counter offset VM 1 - VM 0, from the quickest of 5 round trips. */
	for (unsigned i = 0; i < 5; i++) {
		uint64_t t0 = rt_cntvct(), t2;

		rc = ivc_send_retry(1, M_SYNC, i, 0, STEP_US);
		if (rc != IVC_OK) {
			rt_fail("sync", "send returned %ld (%s)", rc, ivc_status_name(rc));
			return;
		}
		if (!ivc_expect_or_fail(1, M_SYNC_R, STEP_US, &msg, "sync"))
			return;
		t2 = rt_cntvct();
		if (t2 - t0 < best_rtt) {
			best_rtt = t2 - t0;
			off = msg.w[1] - (t0 + (t2 - t0) / 2);
		}
	}
	rt_printf("%s: counter offset VM1-VM0 %ld ticks, round trip %lu us\n", rt_prog,
		  (int64_t)off, ticks_to_us(best_rtt));
	rt_check(ticks_to_us(best_rtt) < GUARD_US / 2, "sync", "round trip %lu us is too long "
		 "to place the window", ticks_to_us(best_rtt));
	s0 = rt_cntvct() + us_to_ticks(LEAD_US);
	rc = ivc_send_retry(1, M_PLAN, s0 + off, 0, STEP_US);
	if (!rt_check(rc == IVC_OK, "plan", "send returned %ld", rc) ||
	    !ivc_expect_or_fail(1, M_PLAN_R, STEP_US, &msg, "plan"))
		return;
	if (!rt_check(rt_cntvct() + us_to_ticks(GUARD_US) < s0, "plan", "the window start passed "
		      "before VM 1 confirmed"))
		return;
	while (rt_cntvct() < s0)
		ivc_idle_until(s0);
	measure(s0, s0 + us_to_ticks(BUSY_US), s0, s0);
	while (rt_cntvct() < s0 + us_to_ticks(WINDOW_US))
		ivc_idle_until(s0 + us_to_ticks(WINDOW_US));
	if (!ivc_expect_or_fail(1, M_REPORT, STEP_US, &msg, "report"))
		return;
	{
		uint64_t own = run_us(A_FROM, A_TO), len = A_TO - A_FROM;
		uint64_t peer = msg.w[1] & 0xffffffff, peer_b = msg.w[2] & 0xffffffff;
		unsigned p0 = pct(own, len), p1 = pct(peer, len);

#ifdef PRIO_EQUAL
		rt_printf("%s: equal priorities: VM 0 ran %u%%, VM 1 ran %u%% of %lu ms\n", rt_prog,
			  p0, p1, len / 1000);
		rt_check(p0 >= 25, "share_vm0", "VM 0 ran %u%% (want >= 25%%)", p0);
		rt_check(p1 >= 25, "share_vm1", "VM 1 ran %u%% (want >= 25%%)", p1);
#else
		rt_printf("%s: VM 0 busy: VM 0 ran %u%%, VM 1 ran %u%%; VM 0 asleep: VM 1 ran %u%%\n",
			  rt_prog, p0, p1, pct(peer_b, B_TO - B_FROM));
		rt_check(p0 >= 75, "high_runs", "VM 0 (high) ran %u%% of its busy phase (want >= 75%%)",
			 p0);
		rt_check(p1 <= 5, "low_starved", "VM 1 (low) ran %u%% while VM 0 spun (want <= 5%%)",
			 p1);
		rt_check(pct(peer_b, B_TO - B_FROM) >= 50, "low_runs", "VM 1 ran %u%% while VM 0 "
			 "slept (want >= 50%%)", pct(peer_b, B_TO - B_FROM));
#endif
		(void)peer_b;
		rt_check(p0 + p1 <= 115, "one_pcpu", "VM 0 %u%% + VM 1 %u%%: the VMs do not share one "
			 "pCPU", p0, p1);
	}
}

static void vm1(void)
{
	struct ivc_msg msg;
	uint64_t s1, a, b, gap;
	int64_t rc;

	rc = ivc_send_retry(0, M_HELLO, 0, 0, HELLO_US);
	if (!rt_check(rc == IVC_OK, "hello", "HELLO returned %ld (%s)", rc, ivc_status_name(rc)))
		return;
	for (unsigned i = 0; i < 5; i++) {
		if (!ivc_expect_or_fail(0, M_SYNC, STEP_US, &msg, "sync"))
			return;
		ivc_send_retry(0, M_SYNC_R, rt_cntvct(), 0, STEP_US);
	}
	if (!ivc_expect_or_fail(0, M_PLAN, STEP_US, &msg, "plan"))
		return;
	s1 = msg.w[1];
	ivc_send_retry(0, M_PLAN_R, 0, 0, STEP_US);
	measure(s1, s1 + us_to_ticks(WINDOW_US), s1 + us_to_ticks(A_FROM), s1 + us_to_ticks(A_TO));
	a = run_us(A_FROM, A_TO);
	b = run_us(B_FROM, B_TO);
	gap = ticks_to_us(max_gap);
	rc = ivc_send_retry(0, M_REPORT, a, b | gap << 32, STEP_US);
	rt_check(rc == IVC_OK, "report", "send returned %ld", rc);
	rt_printf("%s: VM 1 ran %lu of %lu us in phase A, longest wait %lu us\n", rt_prog, a,
		  A_TO - A_FROM, gap);
#ifdef PRIO_EQUAL
	rt_check(pct(a, A_TO - A_FROM) >= 25, "share", "ran %u%% (want >= 25%%)",
		 pct(a, A_TO - A_FROM));
	rt_check(gap <= 100000, "no_starvation", "waited %lu us at once (want <= 100 ms)", gap);
#else
	rt_check(pct(a, A_TO - A_FROM) <= 5, "starved", "ran %u%% while VM 0 (high) spun "
		 "(want <= 5%%)", pct(a, A_TO - A_FROM));
	rt_check(pct(b, B_TO - B_FROM) >= 50, "runs_when_high_sleeps", "ran %u%% (want >= 50%%)",
		 pct(b, B_TO - B_FROM));
#endif
}

void test_main(void)
{
	if (!ivc_start()) {
		/* Alone on a CPU the measurement must see the vCPU running most of the time. */
		uint64_t s = rt_cntvct() + us_to_ticks(1000);

		measure(s, s + us_to_ticks(100000), s, s);
		rt_check(run_us(0, 100000) >= 25000, "measure_selftest",
			 "alone, measured %lu us of running in 100 ms", run_us(0, 100000));
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
