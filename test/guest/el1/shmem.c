/* SPDX-License-Identifier: MIT */
/*
 * shmem: a shared buffer "shmem", read-write for VM 0 and read-only for VM 1 (each at the
 * IPA its armvirt,ivc-1.0 node gives). Twice, VM 0 fills it with a pattern and messages VM 1,
 * which finds the pattern. Then VM 1 stores to its read-only view (64-, 32- and 8-bit): each
 * store must take exactly one data abort, EC 0x25 (current EL), DFSC 0x10 (synchronous
 * external abort: the hypervisor's stage-2 fault policy), WnR = 1, FAR = the address, and
 * be skipped; the buffer is unchanged for VM 1 and, after VM 1 reports, for VM 0.
 */
#include "ivc.h"

const char *rt_prog = "shmem";

enum { M_HELLO = 1, M_FILLED, M_CHECKED, M_DONE };

#define HELLO_US 10000000ull
#define STEP_US  5000000ull
#define WANT_DFSC 0x10u

static uint64_t pattern(unsigned round, uint64_t i)
{
	return (0x53484d454d000000ull + round) ^ (i * 0x9e3779b97f4a7c15ull);
}

static void fill(uint64_t base, uint64_t size, unsigned round)
{
	for (uint64_t i = 0; i < size / 8; i++)
		*(volatile uint64_t *)(base + 8 * i) = pattern(round, i);
	dsb(sy);
}

/* Index of the first word that differs from the pattern, or size/8. */
static uint64_t verify(uint64_t base, uint64_t size, unsigned round)
{
	uint64_t i;

	dsb(sy);
	for (i = 0; i < size / 8; i++)
		if (*(volatile uint64_t *)(base + 8 * i) != pattern(round, i))
			break;
	return i;
}

static const struct ivc_buf *the_buffer(bool want_rw)
{
	const struct ivc_buf *b = ivc_find_buf("shmem");

	if (!rt_check(b && b->access_ok && b->rw == want_rw && b->size >= 4096 &&
		      ivc_range_has(ivc.shm, ivc.nshm, b->ipa), "buffer",
		      "need buffer \"shmem\" with access %s listed in /reserved-memory (found: %s, "
		      "%s, size 0x%lx)", want_rw ? "rw" : "ro", b ? "yes" : "no",
		      b ? (b->rw ? "rw" : "ro") : "-", b ? b->size : 0))
		return NULL;
	rt_check(!ivc_range_has(ivc.ram, ivc.nram, b->ipa) &&
		 !ivc_range_has(ivc.ram, ivc.nram, b->ipa + b->size - 1), "outside_ram",
		 "buffer at 0x%lx overlaps the VM's RAM", b->ipa);
	return b;
}

static void vm0(void)
{
	const struct ivc_buf *b = the_buffer(true);
	struct ivc_msg msg;
	uint64_t bad;
	int64_t rc;

	if (!b || !ivc_expect_or_fail(1, M_HELLO, HELLO_US, &msg, "hello"))
		return;
	for (unsigned round = 1; round <= 2; round++) {
		fill(b->ipa, b->size, round);
		bad = verify(b->ipa, b->size, round);
		rt_check(bad == b->size / 8, round == 1 ? "rw_write" : "rw_write2",
			 "word %lu of the RW buffer reads back wrong", bad);
		rc = ivc_send_retry(1, M_FILLED, round, b->size, STEP_US);
		if (!rt_check(rc == IVC_OK, "send", "send returned %ld (%s)", rc, ivc_status_name(rc)))
			return;
		if (!ivc_expect_or_fail(1, M_CHECKED, STEP_US, &msg, "peer"))
			return;
		rt_check(msg.w[1] == 0, round == 1 ? "peer_read" : "peer_read2",
			 "VM 1 reported %lu failed check(s) in round %u", msg.w[1], round);
		bad = verify(b->ipa, b->size, round);
		rt_check(bad == b->size / 8, round == 1 ? "unchanged" : "unchanged2",
			 "word %lu (IPA 0x%lx) changed after VM 1's stores: 0x%lx", bad,
			 b->ipa + 8 * bad, bad < b->size / 8 ? *(volatile uint64_t *)(b->ipa + 8 * bad) : 0);
	}
	ivc_send_retry(1, M_DONE, 0, 0, STEP_US);
}

static unsigned ro_store(const struct ivc_buf *b, unsigned kind, uint64_t off)
{
	static const char *const names[] = { "ro_write64", "ro_write32", "ro_write8" };
	uint64_t a = b->ipa + off;
	struct probe_res r;

	if (kind == 0)
		probe_write64(a, 0xdeaddeaddeaddeadull, &r);
	else if (kind == 1)
		probe_write32(a, 0xdeaddead, &r);
	else
		probe_write8(a, 0xde, &r);
	rt_printf("%s: %s at 0x%lx: %u abort(s), ESR_EL1 0x%lx FAR_EL1 0x%lx\n", rt_prog,
		  names[kind], a, r.count, r.esr, r.far);
	return rt_check(r.count == 1 && esr_ec(r.esr) == 0x25 && esr_dfsc(r.esr) == WANT_DFSC &&
			esr_wnr(r.esr) && r.far == a && r.elr == r.pc, names[kind],
			"%u abort(s), EC 0x%x DFSC 0x%x WnR %d FAR 0x%lx ELR 0x%lx; want 1, EC 0x25, "
			"DFSC 0x%x, WnR 1, FAR 0x%lx, ELR 0x%lx", r.count, esr_ec(r.esr),
			esr_dfsc(r.esr), esr_wnr(r.esr), r.far, r.elr, WANT_DFSC, a, r.pc) ? 0 : 1;
}

static void vm1(void)
{
	const struct ivc_buf *b = the_buffer(false);
	struct ivc_msg msg;
	int64_t rc;

	if (!b)
		return;
	rc = ivc_send_retry(0, M_HELLO, 0, 0, HELLO_US);
	if (!rt_check(rc == IVC_OK, "hello", "HELLO returned %ld (%s)", rc, ivc_status_name(rc)))
		return;
	for (unsigned round = 1; round <= 2; round++) {
		unsigned failed = 0;
		uint64_t bad;

		if (!ivc_expect_or_fail(0, M_FILLED, STEP_US, &msg, "peer"))
			return;
		bad = verify(b->ipa, b->size, round);
		failed += !rt_check(msg.w[1] == round && bad == b->size / 8,
				    round == 1 ? "ro_read" : "ro_read2",
				    "round %lu/%u: word %lu of the RO view differs from VM 0's pattern",
				    msg.w[1], round, bad);
		if (round == 1) {
			failed += ro_store(b, 0, 0);
			failed += ro_store(b, 1, b->size / 2 + 4);
			failed += ro_store(b, 2, b->size - 1);
			bad = verify(b->ipa, b->size, round);
			failed += !rt_check(bad == b->size / 8, "ro_unchanged",
					    "word %lu changed by the refused stores", bad);
		}
		rc = ivc_send_retry(0, M_CHECKED, failed, 0, STEP_US);
		if (!rt_check(rc == IVC_OK, "report", "send returned %ld", rc))
			return;
	}
	ivc_expect_or_fail(0, M_DONE, STEP_US, &msg, "done");
}

void test_main(void)
{
	static uint64_t scratch[512];

	/* The pattern code itself, on the VM's own RAM. */
	fill((uint64_t)scratch, sizeof(scratch), 1);
	rt_check(verify((uint64_t)scratch, sizeof(scratch), 1) == 512 &&
		 verify((uint64_t)scratch, sizeof(scratch), 2) == 0, "pattern_selftest",
		 "pattern fill/verify broken");
	if (!ivc_start())
		return;
	if (!rt_check(ivc.nr_vms >= 2 && ivc.id <= 1 &&
		      (ivc.send_mask & (ivc.id == 0 ? 2u : 1u)), "config",
		      "VM %u of %u, send mask 0x%x: needs VMs 0 and 1 and the pairs 0 -> 1, 1 -> 0",
		      ivc.id, ivc.nr_vms, ivc.send_mask))
		return;
	if (ivc.id == 0)
		vm0();
	else
		vm1();
}
