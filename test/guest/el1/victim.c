/* SPDX-License-Identifier: MIT */
/*
 * victim: the target of `hostile` (doc/guest-tests.md). Fills its free RAM (from the end of
 * the image to the end of the first /memory range, at most 64 MiB, DTB left out) with a
 * pattern that depends on address and VM id, fills the buffer "victim_ro" (read-write here,
 * read-only for the hostile VM) too, and re-verifies both over and over (word by word plus a
 * checksum) while it answers PING messages with PONG. A STOP message ends the loop: a last
 * full verification, forward STOP to the VMs it may send to with a higher id, report.
 * Off armvirt it verifies for a bounded time and skips the IVC part.
 */
#include "ivc.h"

const char *rt_prog = "victim";

enum { M_PING = VLINK_PING, M_PONG = VLINK_PONG, M_STOP = VLINK_STOP }; /* rt/vlink.c */

#define MAX_FILL   (64ul << 20)
#define CHUNK      (256ul << 10)
#define STOP_US    60000000ul /* under armvirt: STOP must come within 60 s */
#define PLAIN_US   500000ul   /* off armvirt: verify for 0.5 s */
#define STEP_US    5000000ul

static uint64_t lo, hi, sum_ref, buf_sum_ref;
static const struct ivc_buf *shared;
static unsigned passes, pongs, others;
static bool stop;
static uint32_t stop_from;
static uint64_t bad_addr, bad_val;

static uint64_t word(uint64_t addr)
{
	uint64_t v = addr ^ 0x5649435449d00000ull ^ ((uint64_t)ivc.id << 52);

	return v ^ (v << 29) ^ (v >> 17);
}

/* Fill or check [a, b); returns the sum; records the first mismatch. */
static uint64_t pass_range(uint64_t a, uint64_t b, bool fill)
{
	uint64_t s = 0;

	for (uint64_t p = a; p < b; p += 8) {
		uint64_t w = word(p);

		if (fill) {
			*(volatile uint64_t *)p = w;
		} else {
			uint64_t v = *(volatile uint64_t *)p;

			if (v != w && !bad_addr) {
				bad_addr = p;
				bad_val = v;
			}
			w = v;
		}
		s += w;
	}
	return s;
}

static void handle_messages(void)
{
	struct ivc_msg m;

	while (ivc.up && ivc_expect(IVC_ANY, IVC_ANY, 0, &m)) {
		uint32_t t = IVC_TAG_OK(m.w[0]) ? IVC_TAG_TYPE(m.w[0]) : 0;

		if (t == M_PING && (ivc.send_mask & (1u << m.from))) {
			if (ivc_send_retry(m.from, M_PONG, m.w[1], passes, STEP_US) == IVC_OK)
				pongs++;
		} else if (t == M_STOP) {
			stop = true;
			stop_from = m.from;
		} else {
			others++;
		}
	}
}

/* One verification pass over everything; messages are handled between chunks. */
static bool verify_all(void)
{
	uint64_t s = 0;

	for (uint64_t a = lo; a < hi; a += CHUNK) {
		s += pass_range(a, a + CHUNK < hi ? a + CHUNK : hi, false);
		handle_messages();
	}
	if (shared && pass_range(shared->ipa, shared->ipa + shared->size, false) != buf_sum_ref &&
	    !bad_addr)
		bad_addr = shared->ipa;
	passes++;
	return s == sum_ref && !bad_addr;
}

static void pick_region(void)
{
	uint64_t ram_lo = ivc.nram ? ivc.ram[0].base : 0x40000000ul;
	uint64_t ram_hi = ivc.nram ? ram_lo + ivc.ram[0].size : ram_lo + (128ul << 20);
	uint64_t d0 = ivc.dtb & ~0xffffful, d1 = (ivc.dtb + ivc.dtb_size + 0xfffff) & ~0xffffful;

	lo = ((uint64_t)__image_end + 0xfffff) & ~0xffffful;
	hi = ram_hi;
	if (d1 > lo && d0 < hi) {
		/* keep the larger side of the DTB */
		if (d0 - lo >= hi - d1 || d0 < lo)
			hi = d0 > lo ? d0 : lo;
		else
			lo = d1;
	}
	if (hi - lo > MAX_FILL)
		hi = lo + MAX_FILL;
	(void)ram_lo;
}

void test_main(void)
{
	bool use_ivc = ivc_start(), intact = true;
	uint64_t t0, limit, end;

	pick_region();
	shared = use_ivc ? ivc_find_buf("victim_ro") : NULL;
	if (shared && !shared->rw)
		shared = NULL;
	if (use_ivc)
		rt_check(shared != NULL || ivc.id != 1, "buffer",
			 "VM 1 needs the buffer \"victim_ro\" with access rw");
	t0 = rt_cntvct();
	sum_ref = pass_range(lo, hi, true);
	if (shared)
		buf_sum_ref = pass_range(shared->ipa, shared->ipa + shared->size, true);
	dsb(sy);
	rt_printf("%s: VM %u: pattern over 0x%lx..0x%lx (%lu MiB) in %lu ms%s\n", rt_prog, ivc.id,
		  lo, hi, (hi - lo) >> 20, ticks_to_us(rt_cntvct() - t0) / 1000,
		  shared ? ", and buffer victim_ro" : "");
	limit = use_ivc ? STOP_US : PLAIN_US;
	end = rt_cntvct() + us_to_ticks(limit);
	do {
		intact &= verify_all();
	} while (!stop && rt_cntvct() < end);
	if (use_ivc)
		rt_check(stop, "stop", "no STOP message within %lu s (%u passes, %u pongs)",
			 limit / 1000000, passes, pongs);
	intact &= verify_all(); /* the final pass, after STOP */
	rt_check(intact, "ram_intact", "%u passes; first bad word at 0x%lx = 0x%lx (want 0x%lx)",
		 passes, bad_addr, bad_val, bad_addr ? word(bad_addr) : 0);
	rt_printf("%s: VM %u: %u verification passes, %u PONGs sent, %u other messages\n",
		  rt_prog, ivc.id, passes, pongs, others);
	if (use_ivc && stop) {
		for (uint32_t v = ivc.id + 1; v < ivc.nr_vms; v++)
			if ((ivc.send_mask & (1u << v)) && v != stop_from)
				ivc_send_retry(v, M_STOP, 0, 0, STEP_US);
	}
}
