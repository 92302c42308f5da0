/* SPDX-License-Identifier: MIT */
/*
 * Guest side of armvirt's inter-VM communication (doc/ivc.md, doc/hypercalls.md) for the
 * multi-VM test programs: the IVC hypercalls, the `armvirt,ivc-1.0` device-tree node, a
 * doorbell handler that queues incoming messages, bounded waits that block in WFI with the
 * virtual timer armed, SPI set-up for the doorbell, and fault probes.
 *
 * Everything here runs on the boot vCPU (index 0) of the VM; secondaries never touch IVC.
 */
#ifndef ARMVIRT_GUEST_IVC_H
#define ARMVIRT_GUEST_IVC_H

#include "rt.h"

/* ---- hypercalls (SMC64 fast calls, vendor-specific hypervisor service) ---- */
#define IVC_HC_SEND      0xC6000010u
#define IVC_HC_RECV      0xC6000011u
#define IVC_HC_ACK       0xC6000012u
#define IVC_HC_BROADCAST 0xC6000013u
#define IVC_HC_INFO      0xC6000014u
#define IVC_HC_RESERVED  0xC6000015u /* first ID of the reserved rest of the IVC range */
#define IVC_RECV_ACK     1u

#define IVC_OK            0L
#define IVC_NOT_SUPPORTED (-1L)
#define IVC_INVALID       (-2L)
#define IVC_DENIED        (-3L)
#define IVC_NO_SUCH_VM    (-4L)
#define IVC_NO_MESSAGE    (-5L)
#define IVC_BUSY          (-16L)

#define IVC_MAX_VMS  16
#define IVC_MAX_BUFS 8
#define IVC_MAX_DEVS 64
#define IVC_ANY      0xffffffffu

/*
 * Test messages: word 0 is IVC_TAG(type), so stray or corrupted messages are recognised;
 * words 1 and 2 are the payload.
 */
#define IVC_TAG_MAGIC 0x4156494300000000ull /* "AVIC" */
#define IVC_TAG(type) (IVC_TAG_MAGIC | (uint32_t)(type))
#define IVC_TAG_TYPE(w0) ((uint32_t)(w0))
#define IVC_TAG_OK(w0) (((w0) >> 32) == (IVC_TAG_MAGIC >> 32))

struct ivc_msg {
	uint32_t from;
	bool via_irq;   /* taken by the doorbell handler (false: found by a fallback poll) */
	uint64_t w[3];
};

struct ivc_range { uint64_t base, size; };

struct ivc_buf {
	uint64_t ipa, size;
	char label[32];
	bool rw;        /* armvirt,access = "rw" (else "ro") */
	bool access_ok; /* the property was "rw" or "ro" */
};

struct ivc_state {
	/* from the device tree */
	uint64_t dtb, dtb_size;
	bool node;                      /* an "armvirt,ivc-1.0" node exists */
	bool dt_smc;                    /* its method is "smc" */
	uint32_t dt_id, dt_nr_vms, dt_send_mask;
	bool dt_has_id, dt_has_nr, dt_has_mask;
	uint32_t db_intid;              /* the doorbell, 0 = none */
	bool db_level;                  /* level-triggered (interrupts flags 4/8) */
	struct ivc_range window;        /* the node's reg: nothing is mapped there */
	unsigned nbufs;
	struct ivc_buf buf[IVC_MAX_BUFS];
	unsigned nshm;                  /* /reserved-memory "armvirt,shared-memory" entries */
	struct ivc_range shm[IVC_MAX_BUFS];
	unsigned nram;                  /* /memory reg entries */
	struct ivc_range ram[4];
	unsigned ndevs;                 /* reg of every other top-level node (and intc children) */
	struct ivc_range dev[IVC_MAX_DEVS];
	/* from IVC_INFO */
	int64_t info_rc;
	uint32_t id, nr_vms, send_mask;
	bool up;                        /* INFO worked and the doorbell is set up */
	/* doorbell statistics */
	volatile uint32_t db_irqs, db_empty, polled, dropped;
};
extern struct ivc_state ivc;

/* Raw calls through the node's conduit (hvc unless the node says smc). */
int64_t ivc_send(uint64_t to, uint64_t w0, uint64_t w1, uint64_t w2);
int64_t ivc_recv(uint64_t flags, struct ivc_msg *m);
int64_t ivc_ack(void);
/* x0 = count or error; masks[0..2] = delivered, busy, denied. */
int64_t ivc_broadcast(uint64_t w0, uint64_t w1, uint64_t w2, uint32_t masks[3]);
int64_t ivc_info(uint32_t *id, uint32_t *nr, uint32_t *mask);
/* Any SMCCC call with x0..x3 in and out, through the same conduit. */
struct smccc_res ivc_call(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);

/* A name for a status code ("BUSY", ...). */
const char *ivc_status_name(int64_t rc);

/*
 * Parse the DT node, ask IVC_INFO, cross-check them (checks `ivc_info`, `ivc_dt`), set up
 * the GIC on this vCPU, the doorbell and the virtual timer (used by the waits), and install
 * the IRQ handler. Returns true when IVC can be used. Off armvirt (IVC_INFO not
 * implemented and no node) it prints "SKIP <prog>.ivc: not under armvirt (...)" and
 * returns false; under armvirt any missing piece is a FAIL.
 */
bool ivc_start(void);
/* Only the GIC, timer and IRQ-handler part (programs without IVC, or off armvirt). */
void ivc_irq_setup(void);

/*
 * Incoming messages. The doorbell handler takes each message with RECV+ACK and queues it
 * (16 slots). ivc_on_msg, if set, sees each message first in IRQ context and may consume it
 * (return true). ivc_hold_next(): the next message is read with RECV but NOT acknowledged:
 * the doorbell is disabled and the mailbox stays full until ivc_release().
 */
extern bool (*ivc_on_msg)(const struct ivc_msg *m);
void ivc_hold_next(void);
bool ivc_held(struct ivc_msg *m);       /* the held message, once it arrived */
int64_t ivc_release(void);              /* ACK it and re-enable the doorbell */

/*
 * Wait (blocking in WFI, virtual timer as the bound) for a queued message from `from`
 * (IVC_ANY: anyone) of tag type `type` (IVC_ANY: any); other messages stay queued. After
 * 200 ms without a doorbell the mailbox is also polled every 50 ms (those messages have
 * via_irq = false). False on timeout.
 */
bool ivc_expect(uint32_t from, uint32_t type, uint64_t timeout_us, struct ivc_msg *out);
/* Like ivc_expect() but reports "FAIL <prog>.<what>: timeout ..." itself. */
bool ivc_expect_or_fail(uint32_t from, uint32_t type, uint64_t timeout_us, struct ivc_msg *out,
			const char *what);
/* IVC_SEND, retried while the receiver is BUSY, for at most timeout_us. */
int64_t ivc_send_retry(uint32_t to, uint32_t type, uint64_t w1, uint64_t w2, uint64_t timeout_us);
/* Number of queued messages. */
unsigned ivc_queued(void);

/* ---- time ---- */
uint64_t us_to_ticks(uint64_t us);
uint64_t ticks_to_us(uint64_t ticks);
uint64_t ticks_to_ns(uint64_t ticks);
/* One WFI with IRQs masked around the check-then-sleep, the virtual timer armed at
 * `deadline` (CNTVCT value); returns after the wake-up and the handlers ran. */
void ivc_idle_until(uint64_t deadline);
void ivc_sleep_us(uint64_t us);

/* ---- GIC: SPIs and PPIs by INTID (this vCPU is the target of SPIs) ---- */
void gicx_config(uint32_t intid, bool level, uint8_t prio);
void gicx_enable(uint32_t intid);
void gicx_disable(uint32_t intid);
void gicx_set_pending(uint32_t intid);
bool gicx_is_pending(uint32_t intid);

/* ---- fault probes (rt_probe_* around one access) ---- */
struct probe_res {
	unsigned count;   /* synchronous exceptions taken by the access (0 = it completed) */
	uint64_t esr, far, elr, pc, val;
};
void probe_read32(uint64_t addr, struct probe_res *r);
void probe_read64(uint64_t addr, struct probe_res *r);
void probe_write32(uint64_t addr, uint32_t v, struct probe_res *r);
void probe_write64(uint64_t addr, uint64_t v, struct probe_res *r);
void probe_write8(uint64_t addr, uint8_t v, struct probe_res *r);
void probe_read8(uint64_t addr, struct probe_res *r);
void probe_read16(uint64_t addr, struct probe_res *r);
void probe_write16(uint64_t addr, uint16_t v, struct probe_res *r);
static inline uint32_t esr_ec(uint64_t esr) { return (uint32_t)(esr >> 26) & 0x3f; }
static inline uint32_t esr_dfsc(uint64_t esr) { return (uint32_t)esr & 0x3f; }
static inline bool esr_wnr(uint64_t esr) { return (esr >> 6) & 1; }

/* ---- helpers ---- */
static inline unsigned popcount32(uint32_t v)
{
	unsigned n = 0;

	for (; v; v &= v - 1)
		n++;
	return n;
}
/* True when [base, base+size) is inside a DT range of the given list. */
bool ivc_range_has(const struct ivc_range *r, unsigned n, uint64_t addr);
/* The first buffer with this label, or NULL. */
const struct ivc_buf *ivc_find_buf(const char *label);

/* Image layout (guest.ld). */
extern char __image_start[], __image_end[];

/*
 * The hostile side of the victim protocol (rt/vlink.c; programs hostile, sysregs,
 * smccc_storm, stuck and memops beside a `victim` VM). Message types are "AVIC" tags.
 */
enum { VLINK_PING = 0x50, VLINK_PONG, VLINK_STOP, VLINK_NOISE };
struct vlink {
	uint32_t vm;                  /* the victim: the lowest VM of the send mask */
	unsigned pings, pongs;
	uint64_t passes, first_passes; /* the victim's verification passes (PONG word 2) */
};
extern struct vlink vlink;
/* After ivc_start(): finds the victim (check "victim") and pings it once. */
bool vlink_start(void);
/* For a program that also runs alone: nothing (false) without an armvirt,ivc-1.0 node,
 * else ivc_start() and vlink_start(). */
bool vlink_maybe_start(void);
/* PING and wait for the matching PONG (5 s; 20 s the first time); false if none came. */
bool vlink_ping(void);
/* PINGs until the victim has completed a verification pass that began after
 * vlink_start() (at most 30 s), checks "victim_alive" (every PING answered) and
 * "victim_verifying" (that pass), then STOP ("stop_sent"). */
void vlink_stop(void);

#endif
