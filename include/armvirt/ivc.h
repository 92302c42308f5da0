/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/ivc.h
 * @brief Inter-VM communication: short messages with a doorbell interrupt, broadcast,
 *        per-pair send permissions, and shared buffers (read-only or read-write per VM)
 *        enforced by stage 2. Hypercall ABI in doc/hypercalls.md, guide in doc/ivc.md.
 *
 * VMs are numbered 0..nr_vms - 1 (the caller's numbering; a guest learns its own id
 * through IVC_INFO or its device tree).
 *
 * **Messages.** Each VM has one mailbox holding at most one message: three 64-bit words
 * and the sender's id. av_ivc_send() deposits a message into an empty mailbox and rings
 * the receiver's doorbell (a virtual interrupt, through the caller's `doorbell` callback);
 * while the mailbox is full every further send to that VM fails with -AV_EBUSY. The
 * receiver reads the message (av_ivc_recv(), as often as it likes) and frees the mailbox
 * with av_ivc_ack() (or does both with av_ivc_take()). A send needs a declaration: the
 * pair (sender, receiver) must appear in av_ivc_config::pairs ("no declaration, no send",
 * -AV_EPERM). av_ivc_broadcast() tries every other VM once (see there).
 *
 * **Doorbells.** Each VM has one doorbell INTID (a PPI 16..31 or an SPI 32..1019) and a
 * trigger: #AV_IVC_EDGE pulses it at each deposit; #AV_IVC_LEVEL raises it at a deposit
 * and lowers it at the acknowledgement, so the line is high exactly while the mailbox is
 * full. The caller maps #AV_IVC_DB_PULSE to av_vgic_pulse(), #AV_IVC_DB_RAISE /
 * #AV_IVC_DB_LOWER to av_vgic_set_level(), and kicks the vCPUs the vGIC names (and wakes
 * them with av_sched_wake()).
 *
 * **Shared buffers.** Declared at configuration time: a physical range and, per VM, an
 * access (none, read-only, read-write) and the IPA at which that VM sees it.
 * av_ivc_shmem_map() maps one VM's views into its stage-2 table as Normal write-back
 * memory with AV_S2_R or AV_S2_R | AV_S2_W (never executable), so a guest's write to a
 * read-only buffer takes a stage-2 permission fault, which the hypervisor turns into a
 * data abort. av_ivc_owned_ranges() lists the physical ranges a VM may map (its RAM and
 * its buffers) for av_s2_check()'s isolation check. av_ivc_vmspec_add() adds a VM's
 * buffers to its `struct av_vmspec` (as /reserved-memory entries with no-map) and an
 * `armvirt,ivc-1.0` device node carrying its id, its doorbell and its buffers.
 *
 * **Locking.** Each mailbox has a spinlock (stdatomic `atomic_flag`); send, broadcast,
 * recv, ack, take and the hypercall dispatcher may run on any pCPU at any time, for any
 * VMs. At most one mailbox lock is held at a time (a broadcast takes them one after the
 * other), and the `doorbell` callback is called with the receiver's mailbox lock held, so
 * a raise and a lower of one doorbell are never reordered. Lock order: mailbox lock, then
 * whatever the callback takes (the vGIC's locks); the caller must not call into this
 * module from the callback or while holding a lock the callback takes. The configuration
 * (permissions, doorbells, buffers) is read-only after av_ivc_init(); the shared-buffer
 * and device-tree helpers take no lock (the stage-2 table is the caller's, see s2.h).
 *
 * Freestanding: stdint/stddef/stdbool/stdatomic only; nothing is allocated.
 */
#ifndef ARMVIRT_IVC_H
#define ARMVIRT_IVC_H

#include <armvirt/bits.h>
#include <armvirt/platform.h>
#include <armvirt/regs.h>
#include <armvirt/s2.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most VMs one `struct av_ivc` connects (the width of the per-VM bitmasks is 32). */
#define AV_IVC_MAX_VMS 16
/** Most shared buffers. */
#define AV_IVC_MAX_BUFS 8
/** Size of a buffer's name including the NUL (names are copied). */
#define AV_IVC_NAME_MAX 32
/** Words in a message. */
#define AV_IVC_WORDS 3
/** Alignment of shared buffers (PA, IPA and size): 4 KiB. */
#define AV_IVC_BUF_ALIGN 0x1000ull
/** Size of the IPA window the device node's `reg` names (see av_ivc_vmspec_add()). */
#define AV_IVC_DT_WINDOW_SIZE 0x1000ull
/** The device node's compatible string. */
#define AV_IVC_DT_COMPATIBLE "armvirt,ivc-1.0"

/* ---- hypercalls (SMCCC owner 6, SMC64 fast calls; doc/hypercalls.md) ---- */

#define AV_IVC_HC_SEND 0xc6000010u      /**< x1 = to, x2..x4 = words → x0 */
#define AV_IVC_HC_RECV 0xc6000011u      /**< x1 = flags → x0, x1 = from, x2..x4 = words */
#define AV_IVC_HC_ACK 0xc6000012u       /**< → x0 */
#define AV_IVC_HC_BROADCAST 0xc6000013u /**< x1..x3 = words → x0 = count, x1..x3 = masks */
#define AV_IVC_HC_INFO 0xc6000014u      /**< → x0, x1 = own id, x2 = nr VMs, x3 = send mask */
#define AV_IVC_HC_FIRST 0xc6000010u     /**< first ID of the range reserved for IVC */
#define AV_IVC_HC_LAST 0xc600001fu      /**< last ID of the range reserved for IVC */

/** IVC_RECV flag (x1 bit 0): acknowledge the message in the same call. */
#define AV_IVC_RECV_ACK AV_BIT(0)

/** Status codes a guest sees in x0 (negative values, as signed 64-bit). */
enum av_ivc_hc_status {
	AV_IVC_HC_SUCCESS = 0,         /**< done */
	AV_IVC_HC_NOT_SUPPORTED = -1,  /**< unknown function (SMCCC NOT_SUPPORTED) */
	AV_IVC_HC_INVALID = -2,        /**< invalid parameters (send to self, reserved flags) */
	AV_IVC_HC_DENIED = -3,         /**< no declaration for this (sender, receiver) pair */
	AV_IVC_HC_NO_VM = -4,          /**< the receiver is not a VM */
	AV_IVC_HC_NO_MESSAGE = -5,     /**< RECV/ACK: the mailbox is empty */
	AV_IVC_HC_BUSY = -16,          /**< the receiver has not acknowledged its message */
};

/* ---- configuration ---- */

/** A VM's access to a shared buffer. */
enum av_ivc_access {
	AV_IVC_ACCESS_NONE = 0, /**< not mapped */
	AV_IVC_ACCESS_RO = 1,   /**< mapped read-only: a write takes a stage-2 permission fault */
	AV_IVC_ACCESS_RW = 2,   /**< mapped read-write */
};

/** How a VM sees one shared buffer. */
struct av_ivc_view {
	enum av_ivc_access access; /**< none, RO or RW */
	uint64_t ipa;              /**< where the VM sees it (4 KiB aligned; ignored for none) */
};

/** A shared buffer. */
struct av_ivc_buf_cfg {
	const char *name;                       /**< label, 1..#AV_IVC_NAME_MAX - 1 characters */
	uint64_t pa;                            /**< physical base, 4 KiB aligned */
	uint64_t size;                          /**< bytes, a non-zero multiple of 4 KiB */
	struct av_ivc_view view[AV_IVC_MAX_VMS]; /**< per VM; entries >= nr_vms must be none */
};

/** A declared (sender, receiver) pair: @c from may send to @c to. */
struct av_ivc_pair {
	unsigned from; /**< sender VM */
	unsigned to;   /**< receiver VM (not @c from) */
};

/** Trigger of a doorbell. */
enum av_ivc_trigger {
	AV_IVC_EDGE = 0,  /**< pulsed at each deposit */
	AV_IVC_LEVEL = 1, /**< high while the mailbox is full */
};

/** A VM's doorbell. */
struct av_ivc_vm_cfg {
	uint32_t doorbell;           /**< INTID: a PPI (16..31) or an SPI (32..1019) */
	enum av_ivc_trigger trigger; /**< edge or level */
};

/** What the doorbell callback is asked to do. */
enum av_ivc_db_op {
	AV_IVC_DB_PULSE = 0, /**< edge: make the INTID pending (av_vgic_pulse()) */
	AV_IVC_DB_RAISE = 1, /**< level: drive the line high (av_vgic_set_level(.., true)) */
	AV_IVC_DB_LOWER = 2, /**< level: drive the line low (av_vgic_set_level(.., false)) */
};

/** The caller's callbacks. */
struct av_ivc_ops {
	/**
	 * Ring, raise or lower VM @p vm's doorbell @p intid, and kick/wake the vCPU(s) that
	 * should see it. Called with VM @p vm's mailbox lock held (see Locking). Required.
	 */
	void (*doorbell)(void *cookie, unsigned vm, uint32_t intid, enum av_ivc_db_op op);
};

/** Configuration for av_ivc_init(). The tables are copied. */
struct av_ivc_config {
	unsigned nr_vms;                   /**< 1..#AV_IVC_MAX_VMS */
	const struct av_ivc_vm_cfg *vms;   /**< @c nr_vms doorbells */
	const struct av_ivc_pair *pairs;   /**< allowed sends (duplicates are harmless) */
	size_t npairs;                     /**< entries in @c pairs */
	const struct av_ivc_buf_cfg *bufs; /**< shared buffers; may be NULL */
	size_t nbufs;                      /**< 0..#AV_IVC_MAX_BUFS */
	const struct av_ivc_ops *ops;      /**< callbacks (doorbell required) */
	void *cookie;                      /**< handed to the callbacks */
};

/* av_ivc_init() reports what it found wrong in a struct av_error (armvirt/types.h): the
 * entry ("bufs[1].view[2].ipa") and the reason. */
#ifndef AV_NO_DEPRECATED
#define av_ivc_error av_error /**< deprecated: struct av_error */
#endif

/* ---- state ---- */

/** A received message. */
struct av_ivc_msg {
	unsigned from;              /**< sender VM */
	uint64_t w[AV_IVC_WORDS];   /**< the words */
};

/** One VM's mailbox. Private; in struct av_ivc. */
struct av_ivc_mbox {
	av_atomic_flag lock;        /**< the mailbox lock */
	bool full;                  /**< a message waits for acknowledgement */
	struct av_ivc_msg msg;      /**< the message while @c full */
	uint64_t delivered;         /**< statistics: messages deposited */
	uint64_t busy;              /**< statistics: sends refused because full */
};

/** A shared buffer as kept by struct av_ivc. */
struct av_ivc_buf {
	char name[AV_IVC_NAME_MAX];              /**< label */
	uint64_t pa;                             /**< physical base */
	uint64_t size;                           /**< bytes */
	struct av_ivc_view view[AV_IVC_MAX_VMS]; /**< per VM */
};

/** The inter-VM communication state. Caller-allocated; av_ivc_init(). Fields are private. */
struct av_ivc {
	unsigned nr_vms;                             /**< VMs */
	uint32_t allow[AV_IVC_MAX_VMS];              /**< bit t of allow[f]: f may send to t */
	struct av_ivc_vm_cfg vm[AV_IVC_MAX_VMS];     /**< doorbells */
	struct av_ivc_mbox mbox[AV_IVC_MAX_VMS];     /**< mailboxes */
	unsigned nbufs;                              /**< shared buffers */
	struct av_ivc_buf buf[AV_IVC_MAX_BUFS];      /**< shared buffers */
	const struct av_ivc_ops *ops;                /**< callbacks */
	void *cookie;                                /**< for the callbacks */
};

/**
 * Check @p cfg and initialise @p ivc from it: every mailbox empty.
 *
 * Checks: VM count 1..#AV_IVC_MAX_VMS; a doorbell callback; doorbells are PPIs or SPIs
 * with a known trigger; pairs name two different existing VMs; buffers have a name that
 * fits, a 4 KiB aligned non-empty PA range that does not wrap and overlaps no other
 * buffer, and per VM a known access, a 4 KiB aligned IPA range that does not wrap and
 * overlaps none of that VM's other views, and no access for VMs beyond nr_vms. Clashes of
 * a view with the VM's RAM or devices are found by av_vmspec_validate() once
 * av_ivc_vmspec_add() has added the views to the VM's description.
 *
 * @param err  receives the first problem: the entry ("nr_vms", "bufs[1].pa", ...) and the
 *             reason (may be NULL; see struct av_error); cleared on success
 * @param ivc the IVC state
 * @param cfg the VMs, channels and buffers; read during the call only
 * @return 0; -AV_EINVAL for NULL pointers or malformed entries; -AV_ERANGE for counts,
 *         INTIDs or VM ids out of range; -AV_EEXIST for overlapping buffers or views
 */
int av_ivc_init(struct av_ivc *ivc, const struct av_ivc_config *cfg, struct av_error *err);

/**
 * True when @p from may send to @p to (a declared pair). False for bad arguments.
 * @param ivc the IVC state
 * @param from the sending VM
 * @param to the receiving VM
 * @return true for a declared pair, false otherwise or for bad arguments
 */
bool av_ivc_may_send(const struct av_ivc *ivc, unsigned from, unsigned to);

/**
 * Deposit the message (@p w0, @p w1, @p w2) from VM @p from in VM @p to's mailbox and ring
 * its doorbell.
 * @param ivc the IVC state
 * @param from the sending VM
 * @param to the receiving VM
 * @param w0 message word 0
 * @param w1 message word 1
 * @param w2 message word 2
 * @return 0; -AV_EINVAL for a NULL @p ivc or @p from == @p to; -AV_ENOENT when @p from or
 *         @p to is not a VM; -AV_EPERM when the pair is not declared; -AV_EBUSY when the
 *         receiver has not acknowledged its previous message (nothing changed)
 */
int av_ivc_send(struct av_ivc *ivc, unsigned from, unsigned to, uint64_t w0, uint64_t w1,
		uint64_t w2);

/** Per-receiver outcome of a broadcast (bit v = VM v; the sender's bit is never set). */
struct av_ivc_bcast {
	uint32_t delivered; /**< the message was deposited and the doorbell rung */
	uint32_t busy;      /**< declared, but the mailbox was full */
	uint32_t denied;    /**< no declaration for (sender, v) */
};

/**
 * Send (@p w0, @p w1, @p w2) from @p from to every other VM, one after the other. Partial
 * delivery is normal: each receiver gets the message if the pair is declared and its
 * mailbox is empty; the others are reported busy or denied. A broadcast is not atomic:
 * a receiver may see it before another receiver's mailbox is checked.
 *
 * @param res  if not NULL, receives the per-receiver outcome
 * @param ivc the IVC state
 * @param from the sending VM
 * @param w0 message word 0
 * @param w1 message word 1
 * @param w2 message word 2
 * @return the number of receivers the message was delivered to (0 is not an error);
 *         -AV_EINVAL for a NULL @p ivc; -AV_ENOENT when @p from is not a VM
 */
int av_ivc_broadcast(struct av_ivc *ivc, unsigned from, uint64_t w0, uint64_t w1, uint64_t w2,
		     struct av_ivc_bcast *res);

/**
 * Read VM @p vm's message without freeing the mailbox.
 * @param ivc the IVC state
 * @param vm the receiving VM
 * @param out receives the message
 * @return 0; -AV_EINVAL for NULL arguments; -AV_ENOENT when the mailbox is empty or @p vm
 *         is not a VM
 */
int av_ivc_recv(struct av_ivc *ivc, unsigned vm, struct av_ivc_msg *out);

/**
 * Acknowledge VM @p vm's message: the mailbox is empty again and a level doorbell is
 * lowered.
 * @param ivc the IVC state
 * @param vm the receiving VM
 * @return 0; -AV_EINVAL for a NULL @p ivc; -AV_ENOENT when the mailbox is already empty
 *         or @p vm is not a VM
 */
int av_ivc_ack(struct av_ivc *ivc, unsigned vm);

/**
 * av_ivc_recv() and av_ivc_ack() under one lock hold (no message can slip in between).
 * @param ivc the IVC state
 * @param vm the receiving VM
 * @param out receives the message
 * @return 0 and the message, or a negative AV_E* code as av_ivc_recv()
 */
int av_ivc_take(struct av_ivc *ivc, unsigned vm, struct av_ivc_msg *out);

/**
 * True when VM @p vm's mailbox holds a message (a snapshot; false for bad arguments).
 * @param ivc the IVC state
 * @param vm the VM index
 * @return true when a message is waiting, false otherwise or for bad arguments
 */
bool av_ivc_pending(struct av_ivc *ivc, unsigned vm);

/**
 * Execute the IVC hypercall in @p regs (function ID in w0, arguments in x1..x4) for VM
 * @p vm and write the results into @p regs (doc/hypercalls.md). For an
 * `av_vm_ops.hypercall` hook: `return av_ivc_hypercall(ivc, my_vm_id, &vcpu->ctxt.regs);`
 *
 * @param ivc the IVC state
 * @param vm the calling VM
 * @param regs the calling vCPU's registers (X0.. hold the call and its result)
 * @return 0 when handled (results written; errors the guest made are results, not
 *         failures); -AV_ENOTSUP when w0 is not an IVC function (nothing written: the
 *         caller answers NOT_SUPPORTED or tries other services); -AV_EINVAL for NULL
 *         arguments or a @p vm that is not a VM (nothing written)
 */
int av_ivc_hypercall(struct av_ivc *ivc, unsigned vm, struct av_regs *regs);

/* ---- shared buffers ---- */

/**
 * Number of shared buffers.
 * @param ivc the IVC state
 * @return the number of shared buffers
 */
unsigned av_ivc_nr_bufs(const struct av_ivc *ivc);

/**
 * Buffer @p i (0..av_ivc_nr_bufs() - 1), or NULL.
 * @param ivc the IVC state
 * @param i buffer index
 * @return the buffer, or NULL
 */
const struct av_ivc_buf *av_ivc_buf(const struct av_ivc *ivc, unsigned i);

/**
 * The most table pages av_ivc_shmem_map() of VM @p vm's views may take from the memcache
 * (the sum of av_s2_map_pages_max() over them); 0 for bad arguments.
 * @param ivc the IVC state
 * @param vm the VM index
 * @param s2 the VM's stage-2 table
 * @return the page count, 0 for bad arguments
 */
size_t av_ivc_shmem_pages_max(const struct av_ivc *ivc, unsigned vm, const struct av_s2 *s2);

/**
 * Map VM @p vm's views of the shared buffers into its stage-2 table @p s2: PA → IPA with
 * AV_S2_R (read-only) or AV_S2_R | AV_S2_W (read-write), Normal write-back memory, not
 * executable. Table pages come from @p mc (size it with av_ivc_shmem_pages_max()). The
 * caller holds the table's lock. On failure the views mapped by this call are unmapped
 * again.
 * @param ivc the IVC state
 * @param vm the VM index
 * @param s2 the VM's stage-2 table
 * @param mc memory cache for new table pages
 * @return 0; -AV_EINVAL for NULL arguments; -AV_ENOENT when @p vm is not a VM; an error of
 *         av_s2_map() (-AV_EEXIST when something is already mapped there, -AV_ENOMEM,
 *         -AV_ERANGE)
 */
int av_ivc_shmem_map(const struct av_ivc *ivc, unsigned vm, struct av_s2 *s2,
		     struct av_memcache *mc);

/**
 * Unmap VM @p vm's views from @p s2 (e.g. before destroying the VM).
 * @param ivc the IVC state
 * @param vm the VM index
 * @param s2 the VM's stage-2 table
 * @param mc memory cache for new table pages
 * @return 0, -AV_EINVAL, -AV_ENOENT, or an error of av_s2_unmap()
 */
int av_ivc_shmem_unmap(const struct av_ivc *ivc, unsigned vm, struct av_s2 *s2,
		       struct av_memcache *mc);

/**
 * The physical ranges VM @p vm may map, for av_s2_check(): the @p nram ranges of @p ram
 * (its RAM and any other memory of its own), then every buffer it has access to.
 * @param out  caller array of @p cap entries
 * @param n    receives the number of entries written
 * @param ivc the IVC state
 * @param vm the VM index
 * @param ram the VM's RAM ranges
 * @param nram number of entries in @p ram
 * @param cap capacity of @p out
 * @return 0; -AV_EINVAL for NULL arguments; -AV_ENOENT for a bad @p vm; -AV_ENOSPC when
 *         @p cap is too small (nothing is written then)
 */
int av_ivc_owned_ranges(const struct av_ivc *ivc, unsigned vm, const struct av_s2_pa_range *ram,
			size_t nram, struct av_s2_pa_range *out, size_t cap, size_t *n);

/* ---- device tree ---- */

/**
 * The device-tree hook of one VM's `armvirt,ivc-1.0` node. `ops` is the first member: the
 * `struct av_vmspec_dev` that av_ivc_vmspec_add() adds points at it, and the emit hook
 * finds the VM and the `struct av_ivc` from there. Caller-allocated, one per VM; it must
 * stay valid (and the `struct av_ivc` too) while the description is turned into a tree.
 *
 * The node (see doc/ivc.md):
 * @verbatim
 *   ivc@<window> {
 *       compatible = "armvirt,ivc-1.0";
 *       reg = <window 0x1000>;                 // reserved IPA window, nothing mapped
 *       interrupts = <GIC_SPI/PPI n flags>;     // the doorbell (edge or level)
 *       method = "hvc" | "smc";                 // the PSCI conduit of the VM
 *       armvirt,vm-id = <id>;
 *       armvirt,nr-vms = <n>;
 *       armvirt,send-mask = <bit per VM this one may send to>;
 *       #address-cells = <2>; #size-cells = <2>; ranges;
 *       buffer@<ipa> { reg = <ipa size>; label = "name"; armvirt,access = "rw" | "ro"; };
 *   };
 * @endverbatim
 */
struct av_ivc_dt {
	struct av_dt_dev_ops ops;  /**< the hook (first member) */
	const struct av_ivc *ivc;  /**< the IVC state */
	unsigned vm;               /**< the VM whose tree this is */
};

/**
 * Add VM @p vm's part of IVC to its description @p spec: one /reserved-memory shared-memory
 * entry (no-map) per buffer it can see, at its IPA and size, and one device in `devs[]`
 * with ops in @p dt, an IPA window of #AV_IVC_DT_WINDOW_SIZE bytes at @p window (reserved
 * for the node's `reg`; the caller maps nothing there, so accesses fault) and the doorbell
 * (as its SPI, so av_vmspec_validate() finds clashes; a PPI doorbell is written by the
 * hook and checked here against the timer and maintenance PPIs). Validate @p spec
 * afterwards: that finds views overlapping RAM or devices.
 *
 * @param ivc the IVC state
 * @param vm the VM index
 * @param spec the VM description to add the nodes to
 * @param dt receives what the device tree should describe
 * @param window guest-physical base of the shared-buffer window
 * @return 0; -AV_EINVAL for NULL arguments or an unaligned @p window; -AV_ENOENT for a bad
 *         @p vm; -AV_ENOSPC when @p spec has no room for the entries (nothing added);
 *         -AV_EEXIST when a PPI doorbell is a timer or maintenance PPI
 */
int av_ivc_vmspec_add(const struct av_ivc *ivc, unsigned vm, struct av_vmspec *spec,
		      struct av_ivc_dt *dt, uint64_t window);

/**
 * Name of a guest status code ("SUCCESS", "BUSY", ...; "?" when unknown).
 * @param status the status code
 * @return the name, "?" when unknown
 */
const char *av_ivc_hc_status_name(int64_t status);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_IVC_H */
