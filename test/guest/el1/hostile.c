/* SPDX-License-Identifier: MIT */
/*
 * hostile: tries to reach what is not its own (doc/guest-tests.md) while `victim` VMs
 * checksum their memory. Every attempt must be refused with an injected data abort (EC
 * 0x25) or an error code:
 *  - memory: IPAs right after and below its RAM, where other VMs' RAM or the hypervisor would
 *    be in a flat physical layout (0x48000000 ... 0x80000000), the IPA window of its IVC node,
 *    high IPAs (4 GiB ... the top of a 48-bit space);
 *  - GIC frames it does not own: GICv2 GICH 0x08030000 and GICV 0x08040000, GICv2m, the ITS
 *    0x08080000, the redistributors after its own (GICv3);
 *  - devices it was not given: flash, PL031, fw_cfg, GPIO, virtio-mmio, platform bus, PCIe;
 *    each address is read (and written only if the read aborted);
 *  - the buffer "victim_ro", read-only here: reads work, 64/32/8-bit stores abort
 *    (DFSC 0x10, WnR 1);
 *  - messages: to itself (INVALID), to ids >= nr-vms and ids with high bits set
 *    (NO_SUCH_VM), to VMs it has no pair with (DENIED), reserved IVC IDs (NOT_SUPPORTED),
 *    RECV with reserved flags (INVALID), ACK of an empty mailbox (NO_MESSAGE); PSCI CPU_ON /
 *    AFFINITY_INFO of MPIDRs that are not its vCPUs (negative).
 * Addresses inside its own RAM or a device of its DTB are not probed. It pings the victim
 * (the lowest VM in its send mask) after each group and finally sends it STOP.
 */
#include "ivc.h"

const char *rt_prog = "hostile";

#define M_NOISE VLINK_NOISE
#define WANT_DFSC 0x10u

static unsigned attempts, refused, mapped;
static uint32_t victim = IVC_ANY;

static bool own(uint64_t a)
{
	return ivc_range_has(ivc.ram, ivc.nram, a) || ivc_range_has(ivc.dev, ivc.ndevs, a) ||
	       (a >= (uint64_t)__image_start && a < (uint64_t)__image_end);
}

static bool own_buf(uint64_t a)
{
	for (unsigned i = 0; i < ivc.nbufs; i++)
		if (a >= ivc.buf[i].ipa && a - ivc.buf[i].ipa < ivc.buf[i].size)
			return true;
	return false;
}

/* Read, then (only if the read was refused) write one address. Returns the failures. */
static unsigned probe(const char *group, uint64_t a)
{
	struct probe_res r;

	if (own(a) || own_buf(a) || (rt_plat.gicd && a >= rt_plat.gicd && a < rt_plat.gicd + 0x10000)) {
		rt_printf("%s: %s: 0x%lx belongs to this VM, not probed\n", rt_prog, group, a);
		return 0;
	}
	attempts++;
	probe_read32(a, &r);
	if (r.count != 1 || esr_ec(r.esr) != 0x25) {
		mapped++;
		if (r.count == 0 && !rt_armvirt) {
			rt_printf("%s: %s: 0x%lx is mapped on this platform (read 0x%lx)\n", rt_prog,
				  group, a, r.val);
			return 0;
		}
		rt_printf("%s: %s: read of 0x%lx NOT refused: %u exception(s), ESR 0x%lx, value "
			  "0x%lx\n", rt_prog, group, a, r.count, r.esr, r.val);
		return 1;
	}
	refused++;
	attempts++;
	probe_write32(a, 0xbadc0ffe, &r);
	if (r.count != 1 || esr_ec(r.esr) != 0x25 || r.far != a) {
		rt_printf("%s: %s: write to 0x%lx NOT refused: %u exception(s), ESR 0x%lx FAR 0x%lx\n",
			  rt_prog, group, a, r.count, r.esr, r.far);
		return 1;
	}
	refused++;
	return 0;
}

static void group(const char *name, const uint64_t *addrs, unsigned n)
{
	unsigned fails = 0, before = attempts;

	for (unsigned i = 0; i < n; i++)
		if (addrs[i] != ~0ul)
			fails += probe(name, addrs[i]);
	rt_check(fails == 0, name, "%u address(es) reachable", fails);
	rt_printf("%s: %s: %u attempt(s)\n", rt_prog, name, attempts - before);
}

static void expect_rc(const char *what, int64_t rc, int64_t want, unsigned *fails)
{
	attempts++;
	if (rc == want || (want == -100 && rc < 0)) {
		refused++;
		return;
	}
	(*fails)++;
	rt_printf("%s: %s returned %ld (%s), want %ld\n", rt_prog, what, rc, ivc_status_name(rc),
		  want);
}

static void messages(void)
{
	uint32_t others = ((1u << ivc.nr_vms) - 1) & ~(1u << ivc.id), undeclared, m[3];
	uint64_t ids[] = { ivc.nr_vms, 16, 31, 0xffffffffull, (1ull << 32) | victim,
			   0x8000000000000000ull | victim };
	unsigned fails = 0, denied = 0;
	int64_t cnt;

	undeclared = others & ~ivc.send_mask;
	expect_rc("send to itself", ivc_send(ivc.id, IVC_TAG(M_NOISE), 0, 0), IVC_INVALID, &fails);
	for (unsigned i = 0; i < sizeof(ids) / sizeof(ids[0]); i++)
		expect_rc("send to a non-VM id", ivc_send(ids[i], IVC_TAG(M_NOISE), 0, 0),
			  IVC_NO_SUCH_VM, &fails);
	for (uint32_t v = 0; v < ivc.nr_vms; v++) {
		if (!(undeclared & (1u << v)))
			continue;
		for (unsigned k = 0; k < 3; k++)
			expect_rc("send to an undeclared VM", ivc_send(v, IVC_TAG(M_NOISE), k, 0),
				  IVC_DENIED, &fails);
		denied++;
	}
	for (uint32_t f = IVC_HC_RESERVED; f <= 0xC600001Fu; f++)
		expect_rc("reserved IVC ID", (int64_t)ivc_call(f, victim, 0, 0).a0,
			  IVC_NOT_SUPPORTED, &fails);
	expect_rc("RECV with reserved flags", ivc_recv(~1ull, NULL), IVC_INVALID, &fails);
	irq_disable();
	expect_rc("ACK of an empty mailbox", ivc_ack(), IVC_NO_MESSAGE, &fails);
	irq_enable();
	/* A broadcast may reach exactly the declared receivers. */
	cnt = ivc_broadcast(IVC_TAG(M_NOISE), 0, 0, m);
	attempts++;
	if ((m[0] | m[1]) == ivc.send_mask && m[2] == undeclared &&
	    cnt == (int64_t)popcount32(m[0])) {
		refused++;
	} else {
		fails++;
		rt_printf("%s: broadcast: count %ld delivered 0x%x busy 0x%x denied 0x%x\n", rt_prog,
			  cnt, m[0], m[1], m[2]);
	}
	rt_check(fails == 0, "messages", "%u message attempt(s) not refused as they should", fails);
	if (denied == 0)
		rt_printf("%s: note: every other VM is a declared receiver, no DENIED case (the "
			  "3-VM configuration has one)\n", rt_prog);
}

static void psci_others(void)
{
	uint64_t cand[] = { 1, 2, 3, 0x100, 0x10000 };
	unsigned fails = 0;

	for (unsigned i = 0; i < sizeof(cand) / sizeof(cand[0]); i++) {
		bool mine = false;

		for (unsigned c = 0; c < rt_plat.ncpus; c++)
			mine |= rt_plat.mpidr[c] == cand[i];
		if (mine)
			continue;
		expect_rc("CPU_ON of a foreign MPIDR",
			  rt_psci(PSCI_CPU_ON_64, cand[i], (uint64_t)rt_park, 0), -100, &fails);
		expect_rc("AFFINITY_INFO of a foreign MPIDR",
			  rt_psci(PSCI_AFFINITY_INFO_64, cand[i], 0, 0), -100, &fails);
	}
	rt_check(fails == 0, "psci_foreign", "%u PSCI call(s) on other MPIDRs accepted", fails);
}

static void ro_buffer(void)
{
	const struct ivc_buf *b = ivc_find_buf("victim_ro");
	struct probe_res r;
	unsigned fails = 0;

	if (!rt_check(b && b->access_ok && !b->rw, "ro_buffer",
		      "needs the buffer \"victim_ro\" with access ro"))
		return;
	probe_read64(b->ipa, &r);
	rt_check(r.count == 0, "ro_read", "read of its RO buffer aborted (ESR 0x%lx)", r.esr);
	for (unsigned k = 0; k < 3; k++) {
		uint64_t a = b->ipa + (k == 0 ? 0 : k == 1 ? b->size / 2 + 4 : b->size - 1);

		if (k == 0)
			probe_write64(a, 0xbadbadbadbadbadull, &r);
		else if (k == 1)
			probe_write32(a, 0xbadbad, &r);
		else
			probe_write8(a, 0xba, &r);
		attempts++;
		if (r.count == 1 && esr_ec(r.esr) == 0x25 && esr_dfsc(r.esr) == WANT_DFSC &&
		    esr_wnr(r.esr) && r.far == a) {
			refused++;
		} else {
			fails++;
			rt_printf("%s: store to RO 0x%lx: %u abort(s), ESR 0x%lx FAR 0x%lx\n", rt_prog,
				  a, r.count, r.esr, r.far);
		}
	}
	rt_check(fails == 0, "ro_write", "%u store(s) to the RO buffer not refused as documented",
		 fails);
}

void test_main(void)
{
	uint64_t rb, re, gicr_end;
	bool use_ivc = ivc_start();

	rb = ivc.nram ? ivc.ram[0].base : 0x40000000ul;
	re = ivc.nram ? rb + ivc.ram[0].size : rb + (128ul << 20);
	gicr_end = rt_plat.gic_version == 3 ? rt_plat.gicr + rt_plat.gicr_size : ~0ul;
	if (use_ivc) {
		vlink_start();
		victim = vlink.vm;
	}
	{
		const uint64_t mem[] = {
			re, re + 0x1000, re + (64ul << 20), rb - 0x1000, 0x48000000, 0x50000000,
			0x58000000, 0x60000000, 0x70000000, 0x80000000, 0xc0000000,
			ivc.window.size ? ivc.window.base : ~0ul,
		};
		const uint64_t high[] = {
			0x100000000ul, 0x140080000ul, 0x4000000000ul, 0x4010000000ul, 0x8000000000ul,
			0xfffffff000ul, 1ul << 44, 0xfffffffff000ul,
		};
		const uint64_t gic[] = {
			0x08030000, 0x08040000, 0x08020000, 0x08080000, 0x08090000, 0x080a0000,
			0x080c0000, 0x080e0000, 0x08100000, gicr_end,
			gicr_end != ~0ul ? gicr_end + 0x10000 : ~0ul,
		};
		const uint64_t dev[] = {
			0x00000000, 0x04000000, 0x09010000, 0x09020000, 0x09030000, 0x0a000000,
			0x0a000200, 0x0a003e00, 0x0c000000, 0x0c100000, 0x10000000, 0x3eff0000,
			0x3f000000,
		};

		group("other_ram", mem, sizeof(mem) / sizeof(mem[0]));
		vlink_ping();
		group("high_ipa", high, sizeof(high) / sizeof(high[0]));
		vlink_ping();
		group("gic_frames", gic, sizeof(gic) / sizeof(gic[0]));
		vlink_ping();
		group("devices", dev, sizeof(dev) / sizeof(dev[0]));
		vlink_ping();
	}
	if (!use_ivc) {
		rt_printf("%s: %u of %u attempts refused, %u address(es) mapped on this platform\n",
			  rt_prog, refused, attempts, mapped);
		return;
	}
	ro_buffer();
	vlink_ping();
	messages();
	vlink_ping();
	psci_others();
	vlink_ping();
	vlink_stop();
	rt_printf("%s: %u of %u attempts refused\n", rt_prog, refused, attempts);
	rt_check(refused == attempts, "all_refused", "%u attempt(s) not refused",
		 attempts - refused);
	rt_pass("still_running");
}
