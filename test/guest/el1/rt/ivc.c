/* SPDX-License-Identifier: MIT */
/* IVC for the guest test programs: hypercalls, doorbell queue, bounded waits, SPI set-up. */
#include "ivc.h"

int ivc_dt_scan(void);

bool (*ivc_on_msg)(const struct ivc_msg *m);

#define QSLOTS 16
static struct ivc_msg queue[QSLOTS];
static volatile bool queue_used[QSLOTS];
static volatile uint32_t queue_seq[QSLOTS], next_seq;
static volatile bool hold_next, held;
static struct ivc_msg held_msg;
static volatile uint64_t last_db;

/* ---- calls ---- */
struct smccc_res ivc_call(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = a0;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	if (ivc.dt_smc)
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
				 "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
				 "x14", "x15", "x16", "x17", "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3) : :
				 "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
				 "x14", "x15", "x16", "x17", "memory");
	return (struct smccc_res){ x0, x1, x2, x3 };
}

/* Five registers in and out (SEND passes x4, RECV returns x4). */
static int64_t call5(uint64_t r[5])
{
	register uint64_t x0 __asm__("x0") = r[0];
	register uint64_t x1 __asm__("x1") = r[1];
	register uint64_t x2 __asm__("x2") = r[2];
	register uint64_t x3 __asm__("x3") = r[3];
	register uint64_t x4 __asm__("x4") = r[4];

	if (ivc.dt_smc)
		__asm__ volatile("smc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4) : :
				 "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
				 "x15", "x16", "x17", "memory");
	else
		__asm__ volatile("hvc #0" : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3), "+r"(x4) : :
				 "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
				 "x15", "x16", "x17", "memory");
	r[0] = x0;
	r[1] = x1;
	r[2] = x2;
	r[3] = x3;
	r[4] = x4;
	return (int64_t)x0;
}

int64_t ivc_send(uint64_t to, uint64_t w0, uint64_t w1, uint64_t w2)
{
	uint64_t r[5] = { IVC_HC_SEND, to, w0, w1, w2 };

	return call5(r);
}

int64_t ivc_recv(uint64_t flags, struct ivc_msg *m)
{
	uint64_t r[5] = { IVC_HC_RECV, flags, 0, 0, 0 };
	int64_t rc = call5(r);

	if (m) {
		m->from = (uint32_t)r[1];
		m->w[0] = r[2];
		m->w[1] = r[3];
		m->w[2] = r[4];
		m->via_irq = false;
	}
	return rc;
}

int64_t ivc_ack(void)
{
	return (int64_t)ivc_call(IVC_HC_ACK, 0, 0, 0).a0;
}

int64_t ivc_broadcast(uint64_t w0, uint64_t w1, uint64_t w2, uint32_t masks[3])
{
	struct smccc_res r = ivc_call(IVC_HC_BROADCAST, w0, w1, w2);

	masks[0] = (uint32_t)r.a1;
	masks[1] = (uint32_t)r.a2;
	masks[2] = (uint32_t)r.a3;
	return (int64_t)r.a0;
}

int64_t ivc_info(uint32_t *id, uint32_t *nr, uint32_t *mask)
{
	struct smccc_res r = ivc_call(IVC_HC_INFO, 0, 0, 0);

	*id = (uint32_t)r.a1;
	*nr = (uint32_t)r.a2;
	*mask = (uint32_t)r.a3;
	return (int64_t)r.a0;
}

const char *ivc_status_name(int64_t rc)
{
	switch (rc) {
	case IVC_OK: return "SUCCESS";
	case IVC_NOT_SUPPORTED: return "NOT_SUPPORTED";
	case IVC_INVALID: return "INVALID_PARAMETERS";
	case IVC_DENIED: return "DENIED";
	case IVC_NO_SUCH_VM: return "NO_SUCH_VM";
	case IVC_NO_MESSAGE: return "NO_MESSAGE";
	case IVC_BUSY: return "BUSY";
	default: return rc >= 0 ? "count" : "?";
	}
}

/* ---- time ---- */
static uint64_t freq(void)
{
	uint64_t f = read_sysreg(cntfrq_el0);

	return f ? f : 62500000;
}

uint64_t us_to_ticks(uint64_t us) { return us * freq() / 1000000; }
uint64_t ticks_to_us(uint64_t t) { return t * 1000000 / freq(); }
uint64_t ticks_to_ns(uint64_t t) { return t * 1000000000ull / freq(); }

/* ---- GIC, any INTID ---- */
#define GICD_IGROUPR    0x080
#define GICD_ISENABLER  0x100
#define GICD_ICENABLER  0x180
#define GICD_ISPENDR    0x200
#define GICD_IPRIORITYR 0x400
#define GICD_ITARGETSR  0x800
#define GICD_ICFGR      0xc00
#define GICD_IROUTER    0x6000
#define GICR_SGI        0x10000

static uint64_t frame_for(uint32_t intid)
{
	if (intid < 32 && rt_plat.gic_version == 3)
		return gic_redist_base() + GICR_SGI;
	return rt_plat.gicd;
}

static void rmw32(uint64_t a, uint32_t clear, uint32_t set)
{
	mmio_write32(a, (mmio_read32(a) & ~clear) | set);
}

void gicx_config(uint32_t intid, bool level, uint8_t prio)
{
	uint64_t f = frame_for(intid);
	unsigned sh = (intid & 3) * 8, cfg = (intid & 15) * 2 + 1;

	rmw32(f + GICD_IPRIORITYR + (intid & ~3u), 0xffu << sh, (uint32_t)prio << sh);
	if (intid >= 32) {
		rmw32(f + GICD_ICFGR + (intid / 16) * 4, 1u << cfg, level ? 0 : 1u << cfg);
		if (rt_plat.gic_version == 3) {
			rmw32(f + GICD_IGROUPR + (intid / 32) * 4, 0, 1u << (intid & 31));
			mmio_write32(f + GICD_IROUTER + 8 * intid, (uint32_t)rt_mpidr_aff());
			mmio_write32(f + GICD_IROUTER + 8 * intid + 4, (uint32_t)(rt_mpidr_aff() >> 32));
		} else {
			rmw32(f + GICD_ITARGETSR + (intid & ~3u), 0xffu << sh,
			      gic_v2_cpumask(rt_cpu_index()) << sh);
		}
	}
	dsb(sy);
}

void gicx_enable(uint32_t intid)
{
	mmio_write32(frame_for(intid) + GICD_ISENABLER + (intid / 32) * 4, 1u << (intid & 31));
	dsb(sy);
}

void gicx_disable(uint32_t intid)
{
	mmio_write32(frame_for(intid) + GICD_ICENABLER + (intid / 32) * 4, 1u << (intid & 31));
	dsb(sy);
}

void gicx_set_pending(uint32_t intid)
{
	mmio_write32(frame_for(intid) + GICD_ISPENDR + (intid / 32) * 4, 1u << (intid & 31));
	dsb(sy);
}

bool gicx_is_pending(uint32_t intid)
{
	return (mmio_read32(frame_for(intid) + GICD_ISPENDR + (intid / 32) * 4) >>
		(intid & 31)) & 1;
}

/* ---- the queue ---- */
static void enqueue(const struct ivc_msg *m)
{
	if (ivc_on_msg && ivc_on_msg(m))
		return;
	for (unsigned i = 0; i < QSLOTS; i++) {
		if (!queue_used[i]) {
			queue[i] = *m;
			queue_seq[i] = next_seq++;
			dmb(sy);
			queue_used[i] = true;
			return;
		}
	}
	ivc.dropped++;
}

/* Take the mailbox's message, if any (IRQs masked). */
static bool take(bool via_irq)
{
	struct ivc_msg m;
	bool hold = hold_next;
	int64_t rc = ivc_recv(hold ? 0 : IVC_RECV_ACK, &m);

	if (rc != IVC_OK)
		return false;
	m.via_irq = via_irq;
	if (hold) {
		held_msg = m;
		hold_next = false;
		if (ivc.db_intid)
			gicx_disable(ivc.db_intid);
		dmb(sy);
		held = true;
		return true;
	}
	enqueue(&m);
	return true;
}

static void irq_handler(uint32_t intid, uint32_t iar)
{
	(void)iar;
	if (intid == rt_plat.vtimer_intid) {
		write_sysreg(cntv_ctl_el0, 0);
		isb();
		return;
	}
	if (ivc.up && intid == ivc.db_intid) {
		ivc.db_irqs++;
		last_db = rt_cntvct();
		if (held || !take(true))
			ivc.db_empty++;
		return;
	}
	rt_printf("FAIL %s: unexpected interrupt %u on vCPU %u\n", rt_prog, intid, rt_cpu_index());
}

/*
 * The fallback poll (IRQs masked): take the mailbox's message only if its doorbell is not
 * pending. The decision to poll is taken before the mailbox is looked at, and the vCPU can
 * be descheduled in between (or the sender's pCPU stalled in the middle of its deposit), so
 * a message found here may have arrived a moment ago with its doorbell: the hypervisor
 * deposits and rings under the mailbox lock, so once RECV returns the message, its doorbell
 * is pending unless it was lost. A pending one is left to the handler (taken as soon as IRQs
 * are unmasked); only a message without a pending doorbell counts as found by polling.
 */
static bool poll_take(void)
{
	if (ivc_recv(0, NULL) != IVC_OK)
		return false;
	if (ivc.db_intid && gicx_is_pending(ivc.db_intid))
		return false;
	return take(false);
}

void ivc_hold_next(void)
{
	irq_disable();
	held = false;
	hold_next = true;
	irq_enable();
}

bool ivc_held(struct ivc_msg *m)
{
	if (!held)
		return false;
	dmb(sy);
	if (m)
		*m = held_msg;
	return true;
}

int64_t ivc_release(void)
{
	int64_t rc = ivc_ack();

	held = false;
	if (ivc.db_intid)
		gicx_enable(ivc.db_intid);
	return rc;
}

unsigned ivc_queued(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < QSLOTS; i++)
		n += queue_used[i];
	return n;
}

/* The oldest queued message matching (from, type); removed from the queue. */
static bool dequeue(uint32_t from, uint32_t type, struct ivc_msg *out)
{
	int best = -1;

	for (unsigned i = 0; i < QSLOTS; i++) {
		const struct ivc_msg *m = &queue[i];

		if (!queue_used[i])
			continue;
		if (from != IVC_ANY && m->from != from)
			continue;
		if (type != IVC_ANY && (!IVC_TAG_OK(m->w[0]) || IVC_TAG_TYPE(m->w[0]) != type))
			continue;
		if (best < 0 || (int32_t)(queue_seq[i] - queue_seq[best]) < 0)
			best = (int)i;
	}
	if (best < 0)
		return false;
	if (out)
		*out = queue[best];
	queue_used[best] = false;
	return true;
}

void ivc_idle_until(uint64_t deadline)
{
	irq_disable();
	if (rt_cntvct() < deadline) {
		write_sysreg(cntv_cval_el0, deadline);
		write_sysreg(cntv_ctl_el0, 1);
		isb();
		__asm__ volatile("dsb sy\n\twfi" : : : "memory");
	}
	irq_enable();
	isb();
}

void ivc_sleep_us(uint64_t us)
{
	uint64_t end = rt_cntvct() + us_to_ticks(us);

	while (rt_cntvct() < end)
		ivc_idle_until(end);
}

bool ivc_expect(uint32_t from, uint32_t type, uint64_t timeout_us, struct ivc_msg *out)
{
	uint64_t start = rt_cntvct(), end = start + us_to_ticks(timeout_us);
	uint64_t quiet = us_to_ticks(200000), step = us_to_ticks(50000), next_poll = start + quiet;

	for (;;) {
		uint64_t now, wake;
		bool got;

		if (last_db + quiet > next_poll)
			next_poll = last_db + quiet;
		irq_disable();
		got = dequeue(from, type, out);
		irq_enable();
		if (got)
			return true;
		now = rt_cntvct();
		if (now >= end)
			return false;
		if (ivc.up && now >= next_poll) {
			/* The doorbell may have been lost: look into the mailbox. */
			irq_disable();
			if (!held && poll_take())
				ivc.polled++;
			irq_enable();
			next_poll = now + step;
			continue;
		}
		wake = ivc.up && next_poll < end ? next_poll : end;
		ivc_idle_until(wake);
	}
}

bool ivc_expect_or_fail(uint32_t from, uint32_t type, uint64_t timeout_us, struct ivc_msg *out,
			const char *what)
{
	if (ivc_expect(from, type, timeout_us, out))
		return true;
	rt_fail(what, "timeout after %lu ms waiting for message type %u from VM %d (%u queued)",
		timeout_us / 1000, type, from == IVC_ANY ? -1 : (int)from, ivc_queued());
	return false;
}

int64_t ivc_send_retry(uint32_t to, uint32_t type, uint64_t w1, uint64_t w2, uint64_t timeout_us)
{
	uint64_t end = rt_cntvct() + us_to_ticks(timeout_us);
	int64_t rc;

	while ((rc = ivc_send(to, IVC_TAG(type), w1, w2)) == IVC_BUSY && rt_cntvct() < end)
		ivc_sleep_us(200);
	return rc;
}

/* ---- set-up ---- */
void ivc_irq_setup(void)
{
	unsigned c = rt_cpu_index();

	if (c == 0 || rt_plat.ncpus == 1)
		gic_init_dist();
	gic_init_cpu();
	rt_irq_hook[c] = irq_handler;
	write_sysreg(cntv_ctl_el0, 0);
	gicx_config(rt_plat.vtimer_intid, true, 0x80);
	gicx_enable(rt_plat.vtimer_intid);
	irq_enable();
}

bool ivc_start(void)
{
	int rc = ivc_dt_scan();
	int64_t info;
	bool ok;

	ivc_irq_setup();
	info = ivc_info(&ivc.id, &ivc.nr_vms, &ivc.send_mask);
	ivc.info_rc = info;
	if (rc)
		rt_printf("%s: DTB at 0x%lx could not be scanned (%d)\n", rt_prog, ivc.dtb, rc);
	if (info != IVC_OK && !ivc.node) {
		rt_skip("ivc", info == IVC_NOT_SUPPORTED ? "IVC_INFO not supported, no armvirt,ivc-1.0 node"
							 : "IVC_INFO failed, no armvirt,ivc-1.0 node");
		return false;
	}
	rt_printf("%s: IVC: INFO %ld: VM %u of %u, send mask 0x%x; DT node %s: id %u, nr %u, "
		  "mask 0x%x, doorbell INTID %u (%s), %s, %u buffer(s)\n",
		  rt_prog, info, ivc.id, ivc.nr_vms, ivc.send_mask, ivc.node ? "yes" : "no",
		  ivc.dt_id, ivc.dt_nr_vms, ivc.dt_send_mask, ivc.db_intid,
		  ivc.db_level ? "level" : "edge", ivc.dt_smc ? "smc" : "hvc", ivc.nbufs);
	for (unsigned i = 0; i < ivc.nbufs; i++)
		rt_printf("%s: buffer \"%s\" at IPA 0x%lx size 0x%lx %s\n", rt_prog, ivc.buf[i].label,
			  ivc.buf[i].ipa, ivc.buf[i].size, ivc.buf[i].rw ? "rw" : "ro");
	ok = rt_check(info == IVC_OK && ivc.nr_vms >= 1 && ivc.nr_vms <= IVC_MAX_VMS &&
		      ivc.id < ivc.nr_vms && !(ivc.send_mask & (1u << ivc.id)) &&
		      !(ivc.send_mask >> ivc.nr_vms),
		      "ivc_info", "INFO returned %ld (%s): id %u, %u VMs, send mask 0x%x", info,
		      ivc_status_name(info), ivc.id, ivc.nr_vms, ivc.send_mask);
	ok &= rt_check(ivc.node && ivc.dt_has_id && ivc.dt_has_nr && ivc.dt_has_mask &&
		       ivc.dt_id == ivc.id && ivc.dt_nr_vms == ivc.nr_vms &&
		       ivc.dt_send_mask == ivc.send_mask && ivc.db_intid >= 16 && ivc.db_intid < 1020 &&
		       ivc.db_intid != rt_plat.vtimer_intid,
		       "ivc_dt", "node %s: vm-id %u/%d, nr-vms %u/%d, send-mask 0x%x/%d, doorbell %u",
		       ivc.node ? "found" : "missing", ivc.dt_id, ivc.dt_has_id, ivc.dt_nr_vms,
		       ivc.dt_has_nr, ivc.dt_send_mask, ivc.dt_has_mask, ivc.db_intid);
	if (!ok)
		return false;
	gicx_config(ivc.db_intid, ivc.db_level, 0x80);
	ivc.up = true;
	dsb(sy);
	gicx_enable(ivc.db_intid);
	/* A message deposited before the doorbell was enabled. */
	irq_disable();
	if (take(false))
		ivc.polled++;
	irq_enable();
	return true;
}
