/* SPDX-License-Identifier: MIT */
/*
 * ivc_msg: inter-VM messages between 2 or 3 VMs (doc/guest-tests.md, "Multi-VM programs").
 * Every VM runs this image; the role comes from IVC_INFO (VM 0 drives, the others answer).
 * VM 0 -> VM 1 delivered with the doorbell; a second send before the acknowledgement is
 * BUSY, also as a broadcast's busy bit; after ACK a send succeeds; broadcast from VM 0 and
 * from VM 1 (counts, delivered/busy/denied masks); and on every VM: undeclared pairs are
 * DENIED, unknown ids NO_SUCH_VM, send to oneself and reserved RECV flags INVALID, RECV and
 * ACK of an empty mailbox NO_MESSAGE. The VMs pace each other with messages; every wait is
 * bounded by the virtual counter. Off armvirt only the doorbell's GIC path is checked (an
 * SPI made pending through GICD_ISPENDR).
 */
#include "ivc.h"

const char *rt_prog = "ivc_msg";

enum {
	M_HELLO = 1, M_DATA, M_DATA_OK, M_HOLD_NEXT, M_READY, M_HELD, M_EXTRA, M_ACKED, M_AFTER,
	M_AFTER_OK, M_BCAST_BUSY, M_BCAST, M_BCAST_OK, M_YOUR_BCAST, M_BCAST1,
};

#define HELLO_US 10000000ull
#define STEP_US  5000000ull
#define HOLD_US  200000ull
#define DATA_W1  0x0123456789abcdefull
#define DATA_W2  0xfedcba9876543210ull
#define AFTER_W1 0x5555aaaa5555aaaaull
#define BCAST_W1 0xb0adca57b0adca57ull

static uint32_t all_others(void)
{
	return ((1u << ivc.nr_vms) - 1) & ~(1u << ivc.id);
}

static void reply(uint32_t to, uint32_t type, uint64_t w1)
{
	int64_t rc = ivc_send_retry(to, type, w1, 0, STEP_US);

	if (rc != IVC_OK)
		rt_fail("reply", "send of type %u to VM %u returned %ld (%s)", type, to, rc,
			ivc_status_name(rc));
}

/* Off armvirt: the doorbell's GIC path, an SPI made pending by the distributor. */
static void spi_selftest(void)
{
	const uint32_t intid = 100;
	uint64_t end;

	ivc.db_intid = intid;
	gicx_config(intid, false, 0x80);
	ivc.up = true;
	gicx_enable(intid);
	gicx_set_pending(intid);
	end = rt_cntvct() + us_to_ticks(100000);
	while (ivc.db_irqs == 0 && rt_cntvct() < end)
		ivc_idle_until(end);
	gicx_disable(intid);
	ivc.up = false;
	rt_check(ivc.db_irqs == 1, "doorbell_path", "SPI %u routed to this vCPU taken %u times",
		 intid, ivc.db_irqs);
}

/* Error codes every VM checks on its own. */
static void local_errors(bool mailbox_quiet)
{
	uint32_t undeclared = all_others() & ~ivc.send_mask;
	uint64_t bad[] = { ivc.nr_vms, 16, 0xffffffffull, (1ull << 32) | (ivc.id ? 0 : 1) };
	struct smccc_res r;
	int64_t rc;
	bool ok = true;

	rc = ivc_send(ivc.id, IVC_TAG(M_EXTRA), 0, 0);
	rt_check(rc == IVC_INVALID, "send_self", "send to itself returned %ld (%s), want -2",
		 rc, ivc_status_name(rc));
	for (unsigned i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = ivc_send(bad[i], IVC_TAG(M_EXTRA), 0, 0);
		if (rc != IVC_NO_SUCH_VM) {
			rt_fail("no_such_vm", "send to id 0x%lx returned %ld (%s), want -4", bad[i],
				rc, ivc_status_name(rc));
			ok = false;
		}
	}
	if (ok)
		rt_pass("no_such_vm");
	if (undeclared) {
		ok = true;
		for (uint32_t t = 0; t < ivc.nr_vms; t++) {
			if (!(undeclared & (1u << t)))
				continue;
			rc = ivc_send(t, IVC_TAG(M_EXTRA), 0, 0);
			if (rc != IVC_DENIED) {
				rt_fail("denied", "send VM %u -> VM %u (not declared) returned %ld (%s), "
					"want -3", ivc.id, t, rc, ivc_status_name(rc));
				ok = false;
			}
		}
		if (ok)
			rt_pass("denied");
	} else {
		rt_printf("%s: VM %u may send to every other VM: no DENIED case here\n", rt_prog,
			  ivc.id);
	}
	rc = ivc_recv(2, NULL);
	rt_check(rc == IVC_INVALID, "recv_flags", "RECV with flag bit 1 returned %ld, want -2", rc);
	if (mailbox_quiet) {
		irq_disable();
		rc = ivc_recv(0, NULL);
		irq_enable();
		rt_check(rc == IVC_NO_MESSAGE, "recv_empty", "RECV of an empty mailbox returned %ld",
			 rc);
		rc = ivc_ack();
		rt_check(rc == IVC_NO_MESSAGE, "ack_empty", "ACK of an empty mailbox returned %ld", rc);
	}
	r = ivc_call(IVC_HC_RESERVED, 0, 0, 0);
	rt_check((int64_t)r.a0 == IVC_NOT_SUPPORTED, "reserved_id",
		 "0x%x returned %ld, want -1", IVC_HC_RESERVED, (int64_t)r.a0);
}

static bool check_bcast(const char *name, int64_t cnt, const uint32_t m[3], uint32_t want_deliv,
			uint32_t want_busy)
{
	uint32_t want_denied = all_others() & ~ivc.send_mask;

	return rt_check(cnt == (int64_t)popcount32(want_deliv) && m[0] == want_deliv &&
			m[1] == want_busy && m[2] == want_denied, name,
			"count %ld delivered 0x%x busy 0x%x denied 0x%x, want %u/0x%x/0x%x/0x%x", cnt,
			m[0], m[1], m[2], popcount32(want_deliv), want_deliv, want_busy, want_denied);
}

static void vm0(void)
{
	uint32_t others = all_others(), m[3];
	struct ivc_msg msg;
	int64_t rc, rc2, rc3, cnt;
	bool ok = true;

	for (uint32_t k = 1; k < ivc.nr_vms; k++)
		ok &= ivc_expect_or_fail(k, M_HELLO, HELLO_US, &msg, "hello");
	if (!ok)
		return;
	rt_pass("hello");
	if (!rt_check(ivc.nr_vms >= 2 && (ivc.send_mask & 2), "config",
		      "%u VMs, VM 0 send mask 0x%x: needs >= 2 VMs and the pair 0 -> 1", ivc.nr_vms,
		      ivc.send_mask))
		return;

	/* 1. a message with the doorbell (VM 1 checks the delivery) */
	rc = ivc_send(1, IVC_TAG(M_DATA), DATA_W1, DATA_W2);
	rt_check(rc == IVC_OK, "send", "send to VM 1 returned %ld (%s)", rc, ivc_status_name(rc));
	if (!ivc_expect_or_fail(1, M_DATA_OK, STEP_US, &msg, "send"))
		return;

	/* 2. busy until acknowledged, also in a broadcast */
	reply(1, M_HOLD_NEXT, 0);
	if (!ivc_expect_or_fail(1, M_READY, STEP_US, &msg, "busy"))
		return;
	rc = ivc_send(1, IVC_TAG(M_HELD), 0x4848, 0);
	rc2 = ivc_send(1, IVC_TAG(M_EXTRA), 1, 0);
	rc3 = ivc_send(1, IVC_TAG(M_EXTRA), 2, 0);
	cnt = ivc_broadcast(IVC_TAG(M_BCAST_BUSY), BCAST_W1, 0, m);
	rt_check(rc == IVC_OK, "send_held", "send returned %ld (%s)", rc, ivc_status_name(rc));
	rt_check(rc2 == IVC_BUSY && rc3 == IVC_BUSY, "busy",
		 "second and third send before the ACK returned %ld (%s), %ld (%s), want -16", rc2,
		 ivc_status_name(rc2), rc3, ivc_status_name(rc3));
	check_bcast("broadcast_busy", cnt, m, ivc.send_mask & ~2u, ivc.send_mask & 2u);
	if (!ivc_expect_or_fail(1, M_ACKED, HOLD_US + STEP_US, &msg, "ack"))
		return;
	rc = ivc_send(1, IVC_TAG(M_AFTER), AFTER_W1, ~AFTER_W1);
	rt_check(rc == IVC_OK, "send_after_ack", "send after the ACK returned %ld (%s)", rc,
		 ivc_status_name(rc));
	if (!ivc_expect_or_fail(1, M_AFTER_OK, STEP_US, &msg, "send_after_ack"))
		return;

	/* 3. broadcast from VM 0 */
	cnt = ivc_broadcast(IVC_TAG(M_BCAST), BCAST_W1, ivc.nr_vms, m);
	check_bcast("broadcast", cnt, m, ivc.send_mask, 0);
	ok = true;
	for (uint32_t k = 1; k < ivc.nr_vms; k++) {
		if (!(m[0] & (1u << k)))
			continue;
		ok &= ivc_expect_or_fail(k, M_BCAST_OK, STEP_US, &msg, "broadcast_received");
	}
	if (ok)
		rt_pass("broadcast_received");

	/* 4. broadcast from VM 1 (it checks its own result) */
	reply(1, M_YOUR_BCAST, 0);
	if (ivc_expect_or_fail(1, M_BCAST1, STEP_US, &msg, "broadcast_from_vm1"))
		rt_check(msg.w[1] == ~BCAST_W1 && msg.w[2] == 1, "broadcast_from_vm1",
			 "words 0x%lx 0x%lx", msg.w[1], msg.w[2]);
	(void)others;
	local_errors(true);
}

static void vm1(void)
{
	struct ivc_msg msg;
	uint64_t end;
	uint32_t m[3];
	int64_t rc, cnt;

	if (!ivc_expect_or_fail(0, M_DATA, HELLO_US, &msg, "doorbell"))
		return;
	rt_check(msg.via_irq && msg.w[1] == DATA_W1 && msg.w[2] == DATA_W2, "doorbell",
		 "message %s, words 0x%lx 0x%lx (%u doorbell IRQs)",
		 msg.via_irq ? "taken in the doorbell handler" : "found only by polling",
		 msg.w[1], msg.w[2], ivc.db_irqs);
	reply(0, M_DATA_OK, 0);

	if (!ivc_expect_or_fail(0, M_HOLD_NEXT, STEP_US, &msg, "busy"))
		return;
	ivc_hold_next();
	reply(0, M_READY, 0);
	end = rt_cntvct() + us_to_ticks(STEP_US);
	while (!ivc_held(&msg) && rt_cntvct() < end)
		ivc_idle_until(rt_cntvct() + us_to_ticks(10000));
	if (!rt_check(ivc_held(&msg) && IVC_TAG_TYPE(msg.w[0]) == M_HELD && msg.from == 0, "held",
		      "no held message (type %u from %u)", IVC_TAG_TYPE(msg.w[0]), msg.from))
		return;
	ivc_sleep_us(HOLD_US);
	{
		struct ivc_msg again;

		rc = ivc_recv(0, &again);
		rt_check(rc == IVC_OK && again.from == 0 && again.w[0] == msg.w[0] &&
			 again.w[1] == msg.w[1], "recv_again",
			 "RECV without ACK did not return the same message again (%ld)", rc);
	}
	rc = ivc_release();
	rt_check(rc == IVC_OK, "ack", "ACK returned %ld (%s)", rc, ivc_status_name(rc));
	irq_disable();
	rc = ivc_recv(0, NULL);
	irq_enable();
	rt_check(rc == IVC_NO_MESSAGE, "recv_after_ack", "RECV after the ACK returned %ld", rc);
	reply(0, M_ACKED, 0);

	if (!ivc_expect_or_fail(0, M_AFTER, STEP_US, &msg, "after_ack"))
		return;
	rt_check(msg.via_irq && msg.w[1] == AFTER_W1 && msg.w[2] == ~AFTER_W1, "after_ack",
		 "message %s, words 0x%lx 0x%lx", msg.via_irq ? "by doorbell" : "by polling",
		 msg.w[1], msg.w[2]);
	reply(0, M_AFTER_OK, 0);

	if (ivc_expect_or_fail(0, M_BCAST, STEP_US, &msg, "broadcast_rx")) {
		rt_check(msg.w[1] == BCAST_W1 && msg.w[2] == ivc.nr_vms, "broadcast_rx",
			 "words 0x%lx 0x%lx", msg.w[1], msg.w[2]);
		reply(0, M_BCAST_OK, 0);
	}
	if (!ivc_expect_or_fail(0, M_YOUR_BCAST, STEP_US, &msg, "broadcast_own"))
		return;
	cnt = ivc_broadcast(IVC_TAG(M_BCAST1), ~BCAST_W1, 1, m);
	check_bcast("broadcast_own", cnt, m, ivc.send_mask, 0);
	local_errors(true);
}

static void vm_other(void)
{
	struct ivc_msg msg;

	if (ivc_expect_or_fail(0, M_BCAST_BUSY, HELLO_US + STEP_US, &msg, "broadcast_busy_rx"))
		rt_check(msg.w[1] == BCAST_W1, "broadcast_busy_rx", "word 0x%lx", msg.w[1]);
	if (ivc_expect_or_fail(0, M_BCAST, STEP_US + HOLD_US, &msg, "broadcast_rx")) {
		rt_check(msg.w[1] == BCAST_W1 && msg.w[2] == ivc.nr_vms && msg.via_irq,
			 "broadcast_rx", "words 0x%lx 0x%lx, %s", msg.w[1], msg.w[2],
			 msg.via_irq ? "by doorbell" : "by polling");
		reply(0, M_BCAST_OK, 0);
	}
	local_errors(false);
}

void test_main(void)
{
	if (!ivc_start()) {
		if (!rt_armvirt)
			spi_selftest();
		return;
	}
	if (ivc.id != 0) {
		int64_t rc = ivc_send_retry(0, M_HELLO, ivc.id, 0, HELLO_US);

		if (!rt_check(rc == IVC_OK, "hello", "HELLO to VM 0 returned %ld (%s)", rc,
			      ivc_status_name(rc)))
			return;
	}
	if (ivc.id == 0)
		vm0();
	else if (ivc.id == 1)
		vm1();
	else
		vm_other();
	rt_printf("%s: VM %u: %u doorbell IRQs (%u with an empty mailbox), %u polled, %u dropped\n",
		  rt_prog, ivc.id, ivc.db_irqs, ivc.db_empty, ivc.polled, ivc.dropped);
}
