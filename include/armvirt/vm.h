/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/vm.h
 * @brief A VM (vGIC, MMIO bus, PSCI, system-register table, vCPUs) and the exit dispatcher.
 *
 * `struct av_vm` ties together the objects one guest needs; `struct av_vcpu` is one of its
 * virtual CPUs. Both are caller-allocated and set up by av_vm_init() and av_vcpu_init();
 * the VM keeps pointers to the caller's stage-2 table, vGIC and MMIO bus, and owns its
 * PSCI state, its guest system-register table and its exit statistics. Nothing is
 * allocated.
 *
 * **The dispatcher.** The world switch (or a KVM port) describes each exit in a
 * `struct av_exit` and calls av_vm_handle_exit(). A synchronous exit's exception class
 * (ESR_EL2.EC) indexes a table of handlers. The built-in handlers read the few syndrome
 * fields their class needs straight from ESR_EL2 (the av_esr_get_*() accessors of
 * armvirt/esr.h); the whole tagged `struct av_esr` is decoded (av_esr_decode()) only for a
 * handler installed with av_vm_set_exit_handler(), which receives it in `ctx->esr`:
 *
 * - HVC64, SMC64: the SMC Calling Convention. PSCI and Arm architecture calls go to
 *   av_psci_call(), ARMVIRT_HC_ECHO is answered here (doc/hypercalls.md), other IDs in
 *   the host's range (av_vm_config::hypercall_first) go to its `hypercall` hook, else
 *   x0 = NOT_SUPPORTED (-1). A trapped SMC is advanced by 4; an HVC's return address
 *   already follows it.
 * - SYS64: the host's system-register rows, then the VM's table (av_sysreg_trap()).
 * - DABT_LOW: MMIO emulation on the bus (ISV = 1 from the syndrome, ISV = 0 by fetching
 *   and decoding the instruction); stage-2 faults on RAM go to the host's `s2_fault`
 *   hook; what nobody handles gets an injected synchronous external abort. A defined
 *   instruction the decoder does not emulate (DC ZVA, LD1..LD4/ST1..ST4, exclusives, LSE
 *   atomics) gets a data abort, never UNDEF: DFSC 0x35 (unsupported exclusive or atomic
 *   access, #AV_FSC_EXCL_ATOMIC) for an exclusive or atomic, else an external abort (0x10).
 *   Cache maintenance by VA (ESR CM = 1) completes as a no-op.
 * - IABT_LOW: the host's `s2_fault` hook, else an injected instruction abort.
 * - WFx: WFI gives #AV_EXIT_BLOCK unless an interrupt is pending (#AV_EXIT_RESUME);
 *   WFE, WFIT and WFET give #AV_EXIT_YIELD.
 * - FP_ASIMD: #AV_EXIT_TO_CALLER. Lazy FP/SIMD switching belongs to the world switch, so
 *   an FP trap that reaches the dispatcher is the host's business.
 * - every other class: an Undefined Instruction exception is injected into the guest and
 *   the class is logged once per VM.
 *
 * **Fast paths.** av_vm_try_fast() (MMIO at a bus device, WFI) and av_vm_try_hvc() (a
 * host's range of hypercalls) are inline front ends of the same handling for a run loop
 * that counts instructions: they answer and count what they take exactly as
 * av_vm_handle_exit() would, and leave everything else to it. av_vm_fast_exit() is the
 * same for the exits the library answers alone, which the bare-metal world switch takes
 * from its EL2 vectors without returning to the run loop (doc/vm.md).
 *
 * A handler can be replaced per class with av_vm_set_exit_handler(); a replacement may call
 * av_vm_exit_default() to fall back to the built-in one. Nothing a guest does makes the
 * dispatcher fail: at worst the guest receives an exception.
 *
 * **Asynchronous exits.** An IRQ or FIQ exit means a physical interrupt arrived while the
 * guest ran; it is still pending at EL2. The dispatcher does nothing but count it and
 * returns what the host's `irq` hook says, #AV_EXIT_TO_CALLER by default: the host's run
 * loop takes the interrupt (with interrupts unmasked at EL2, or by reading its interrupt
 * controller) and re-enters the vCPU. An SError exit is handled the same way.
 *
 * **EL1 state.** Injection and SP-relative emulation read and write `vcpu->ctxt.el1`
 * (SCTLR_EL1, VBAR_EL1, ELR/SPSR/ESR/FAR_EL1, SP_EL0, SP_EL1, MDSCR_EL1). When the world
 * switch saves EL1 registers lazily, the host supplies `el1_get` (make `ctxt.el1`
 * current) and `el1_put` (write it back). Contract:
 * - every el1_get() is followed by exactly one el1_put() in the same exit, before the
 *   dispatcher returns; pairs never nest and never straddle an exit;
 * - during each call, `vcpu->el1_regs` holds the AV_VM_EL1_* registers concerned: for
 *   el1_get() those the path reads, for el1_put() those it changed (0 when it changed
 *   nothing). A host may move just those (cheap), or ignore the mask and move all nine;
 *   a host that switches FP/SIMD lazily must honour #AV_VM_EL1_FPSIMD (the V registers).
 *
 * | path                                   | el1_get reads           | el1_put writes back     |
 * | -------------------------------------- | ----------------------- | ----------------------- |
 * | MMIO, ISV = 1 (data endianness)        | SCTLR                   | none                    |
 * | MMIO, ISV = 0 (endianness, SP base)    | SCTLR, SP_EL0, SP_EL1   | SP_EL0, SP_EL1 if done; none otherwise |
 * | MMIO, ISV = 0, SIMD&FP register        | the above + FPSIMD      | the above + FPSIMD for a load done |
 * | MDSCR_EL1 read / write                 | no hook / none          | no hook / MDSCR         |
 * | OSLAR_EL1 write                        | none                    | MDSCR                   |
 * | injected undef, data or instr. abort   | SCTLR, VBAR             | ELR, SPSR, ESR, FAR     |
 *
 * **Locking.** One vCPU's exits are handled on the pCPU running it, one at a time: the
 * dispatcher does not lock the vCPU. Different vCPUs of a VM may exit concurrently:
 * - PSCI calls and vCPU power-state changes take the host's `lock`/`unlock` hooks (one
 *   VM-wide lock; without hooks the host must serialise those calls itself);
 * - the vGIC locks itself (armvirt/vgic.h);
 * - MMIO devices are not locked by the bus: serialise accesses per device (armvirt/mmio.h);
 * - statistics are per vCPU, written only by that vCPU's pCPU; av_vm_stats_get() and
 *   av_vm_stats_print() read them without a lock and may see counts mid-update;
 * - the "logged once" set is updated with relaxed atomics (at worst a class is logged twice).
 */
#ifndef ARMVIRT_VM_H
#define ARMVIRT_VM_H

#include <armvirt/esr.h>
#include <armvirt/mmio.h>
#include <armvirt/psci.h>
#include <armvirt/sysreg.h>
#include <armvirt/types.h>
#include <armvirt/vcpu.h>
#include <armvirt/vtimer.h>

#ifdef __cplusplus
extern "C" {
#endif

struct av_s2;
struct av_vgic;
struct av_vm;
struct av_vcpu;

/** Most vCPUs a VM has: #AV_MAX_VCPUS, the vGIC's and the VM description's limit. */
#define AV_VM_MAX_VCPUS AV_MAX_VCPUS
/** Distinct system registers counted per vCPU; the rest go to an "other" count. */
#define AV_VM_STATS_SYSREGS 32
/** Number of exception classes (ESR_ELx.EC is 6 bits). */
#define AV_VM_NR_EC 64

/* ---------------------------------------------------------------------------------------
 * Exits
 */

/** Which EL2 vector the exit came through. */
enum av_exit_kind {
	AV_EXIT_SYNC = 0,   /**< synchronous exception: ESR_EL2 and friends are valid */
	AV_EXIT_IRQ = 1,    /**< physical IRQ */
	AV_EXIT_FIQ = 2,    /**< physical FIQ */
	AV_EXIT_SERROR = 3, /**< SError; @c esr holds ESR_EL2 */
	AV_EXIT_KIND_COUNT
};

/** One exit, as the world switch read it. */
struct av_exit {
	enum av_exit_kind kind; /**< vector */
	uint64_t esr;           /**< ESR_EL2 */
	uint64_t far;           /**< FAR_EL2 */
	uint64_t hpfar;         /**< HPFAR_EL2 */
};

/** What the host's run loop does next. */
enum av_exit_action {
	AV_EXIT_RESUME = 0,       /**< enter the vCPU again (its state is up to date) */
	AV_EXIT_BLOCK = 1,        /**< the vCPU waits for an interrupt (WFI): run it when kicked */
	AV_EXIT_YIELD = 2,        /**< the vCPU may be descheduled (WFE); run it again soon */
	AV_EXIT_TO_CALLER = 3,    /**< not handled here; the host decides (vCPU state unchanged) */
	AV_EXIT_VCPU_OFF = 4,     /**< the vCPU turned itself off (PSCI CPU_OFF) */
	AV_EXIT_SYSTEM_OFF = 5,   /**< the guest powered the VM off */
	AV_EXIT_SYSTEM_RESET = 6, /**< the guest asked for a VM reset */
	AV_EXIT_ACTION_COUNT
};

/**
 * Name of an action ("resume", "block", ...; "?" when out of range).
 * @param action the action
 * @return the name, "?" when out of range
 */
const char *av_exit_action_name(enum av_exit_action action);

/** What an exit handler is given. */
struct av_exit_ctx {
	struct av_vcpu *vcpu;        /**< the vCPU that exited */
	const struct av_exit *exit;  /**< the raw exit */
	const struct av_esr *esr;    /**< the decoded ESR_EL2 */
	void *cookie;                /**< the handler's cookie */
};

/** An exit handler for one exception class. */
typedef enum av_exit_action (*av_exit_handler_fn)(const struct av_exit_ctx *ctx);

/** Result of the host's stage-2 fault hook. */
enum av_vm_fault {
	AV_VM_FAULT_RETRY = 0,     /**< fixed (e.g. page mapped): re-execute the instruction */
	AV_VM_FAULT_INJECT = 1,    /**< inject a synchronous external abort into the guest */
	AV_VM_FAULT_TO_CALLER = 2, /**< return #AV_EXIT_TO_CALLER */
	AV_VM_FAULT_UNCLAIMED = 3, /**< not RAM the host knows: apply the MMIO bus policy */
};

/* ---------------------------------------------------------------------------------------
 * Host callbacks
 */

/**
 * Host callbacks, all optional (NULL). Each receives av_vm_config::cookie.
 * They run on the pCPU of the exiting vCPU, inside av_vm_handle_exit().
 */
struct av_vm_ops {
	/**
	 * The host's (hardware's) value of ID register @p key (an AV_SYS_* key). NULL: every
	 * ID register reads as 0 from the host, so the guest sees only RES1 bits.
	 */
	uint64_t (*id_host)(void *cookie, uint32_t key);
	/**
	 * Adjust the limit of ID register @p key after the built-in policy (doc/vm.md): lower
	 * fields of @p limit with av_idreg_set()/av_idreg_hide(); the guest sees the safer of
	 * @p host and @p limit field by field.
	 */
	void (*id_limit)(void *cookie, uint32_t key, uint64_t host, uint64_t *limit);
	/** The physical counter (CNTPCT_EL0), for the emulated EL1 physical timer. NULL: the
	 *  trapped CNTP_* and CNTPCT_EL0 accesses return #AV_EXIT_TO_CALLER. */
	uint64_t (*counter)(void *cookie);
	/**
	 * Read the 32-bit instruction at guest virtual address @p pc_va of @p vcpu (the host
	 * translates it, e.g. with AT S1E1R on bare metal, then reads guest memory).
	 * @return 0, or a negative AV_E* code (a synchronous external abort is injected).
	 * NULL: data aborts with ISV = 0 inject an external abort.
	 */
	int (*fetch_insn)(void *cookie, struct av_vcpu *vcpu, uint64_t pc_va, uint32_t *insn);
	/**
	 * First look at a stage-2 translation, access-flag, permission or address-size fault,
	 * or a fault on a stage-1 walk, at @p ipa (instruction or data; @p esr is ESR_EL2), for
	 * lazy mapping, dirty logging and the like. Called for data aborts only when no MMIO
	 * device claims @p ipa. NULL: as #AV_VM_FAULT_UNCLAIMED.
	 */
	enum av_vm_fault (*s2_fault)(void *cookie, struct av_vcpu *vcpu, uint64_t ipa,
				     uint64_t esr);
	/**
	 * PSCI CPU_ON accepted for @p target: it is now #AV_VCPU_ON_PENDING with its entry
	 * point and context id recorded; the host arranges for it to run and calls
	 * av_vcpu_power_on() on it first. Runs under the VM lock.
	 * @return 0, or a negative code (the guest gets INTERNAL_FAILURE, the target stays OFF)
	 */
	int (*cpu_on)(void *cookie, struct av_vcpu *target);
	/** SMCCC_ARCH_WORKAROUND_1/2/3, as av_psci_ops::arch_workaround. NULL: NOT_SUPPORTED. */
	int32_t (*arch_workaround)(void *cookie, uint32_t fid, bool query, uint64_t arg);
	/**
	 * SMCCC function @p fid (W0) that neither PSCI nor the built-in services handle. Write
	 * the results into `vcpu->ctxt.regs.x[0..3]` and, if not #AV_EXIT_RESUME, set @p action.
	 * @p imm is the HVC/SMC immediate.
	 * @return 0 when handled; -AV_ENOTSUP for an unknown function (x0 = NOT_SUPPORTED)
	 */
	int (*hypercall)(void *cookie, struct av_vcpu *vcpu, uint32_t fid, uint16_t imm,
			 enum av_exit_action *action);
	/**
	 * The guest executed DC ISW, DC CSW or DC CISW (@p key, with the set/way operand
	 * @p val). Set/way operations cannot be virtualised: the host may clean and invalidate
	 * the guest's memory to the point of coherency. NULL: ignored (correct when the guest's
	 * memory is cacheable and coherent, which stage 2 guarantees for normal RAM).
	 */
	void (*setway)(void *cookie, struct av_vcpu *vcpu, uint32_t key, uint64_t val);
	/** IRQ, FIQ and SError exits. NULL: #AV_EXIT_TO_CALLER. */
	enum av_exit_action (*irq)(void *cookie, struct av_vcpu *vcpu, enum av_exit_kind kind);
	/** Take the VM-wide lock (PSCI, vCPU power state). */
	void (*lock)(void *cookie);
	/** Release the VM-wide lock. */
	void (*unlock)(void *cookie);
	/**
	 * Make the registers `vcpu->el1_regs` names (AV_VM_EL1_*) current in
	 * `vcpu->ctxt.el1` (for a lazy EL1 save). Always followed by el1_put() in the same
	 * exit (see "EL1 state" above).
	 */
	void (*el1_get)(void *cookie, struct av_vcpu *vcpu);
	/**
	 * End of the use that el1_get() began: write the registers `vcpu->el1_regs` names
	 * (those the dispatcher changed; 0 when none) back to the live EL1 registers.
	 */
	void (*el1_put)(void *cookie, struct av_vcpu *vcpu);
	/**
	 * The vCPU's breakpoint or watchpoint state to load (`vcpu->sys.dbg.hw_bp/hw_wp` or
	 * the registers they name) changed in a trapped access: if the vCPU is loaded, write
	 * it to the hardware before the guest runs again (the bare-metal arch layer:
	 * av_arch_vcpu_debug_reload()). NULL: nothing to do (the world switch does not load
	 * debug state).
	 */
	void (*debug_changed)(void *cookie, struct av_vcpu *vcpu);
};

/* The EL1 registers of `struct av_el1_regs` a dispatcher path uses (av_vcpu::el1_regs). */
#define AV_VM_EL1_SCTLR  AV_BIT(0) /**< SCTLR_EL1 */
#define AV_VM_EL1_VBAR   AV_BIT(1) /**< VBAR_EL1 */
#define AV_VM_EL1_ELR    AV_BIT(2) /**< ELR_EL1 */
#define AV_VM_EL1_SPSR   AV_BIT(3) /**< SPSR_EL1 */
#define AV_VM_EL1_ESR    AV_BIT(4) /**< ESR_EL1 */
#define AV_VM_EL1_FAR    AV_BIT(5) /**< FAR_EL1 */
#define AV_VM_EL1_SP_EL0 AV_BIT(6) /**< SP_EL0 */
#define AV_VM_EL1_SP_EL1 AV_BIT(7) /**< SP_EL1 */
#define AV_VM_EL1_MDSCR  AV_BIT(8) /**< MDSCR_EL1 */
/** Every EL1 system register the dispatcher may use (#AV_VM_EL1_FPSIMD is apart). */
#define AV_VM_EL1_ALL    AV_GENMASK(8, 0)
/**
 * Not an EL1 system register: the SIMD&FP registers V0-V31 (`vcpu->ctxt.regs.v`). Named
 * by the MMIO path with ISV = 0 for a SIMD&FP load or store (el1_get: the transfer
 * register is read; el1_put: a load wrote it). A host that switches FP/SIMD lazily copies
 * the live registers into the context in el1_get and loads them back in el1_put; one whose
 * context is always current ignores it. Not part of #AV_VM_EL1_ALL.
 */
#define AV_VM_EL1_FPSIMD AV_BIT(9)

/* av_vm_config::id_flags */
/** Keep the host's RAS extension fields visible (hidden by default). */
#define AV_VM_ID_KEEP_RAS AV_BIT(0)
/** Keep the PMU version visible (hidden by default; the PMU registers are RAZ/WI). */
#define AV_VM_ID_KEEP_PMU AV_BIT(1)
/**
 * Keep pointer authentication visible (ID_AA64ISAR1_EL1.APA/API/GPA/GPI,
 * ID_AA64ISAR2_EL1.APA3/GPA3/PAC_frac). Hidden by default: set it only when the guest may
 * use the instructions and keys (HCR_EL2.API and APK set, trap_pac_insn/trap_pac_keys
 * false), or the guest is told of a feature whose every use is UNDEFINED.
 */
#define AV_VM_ID_KEEP_PAUTH AV_BIT(2)

/** Configuration for av_vm_init(). */
struct av_vm_config {
	const char *name;              /**< for logs and statistics; may be NULL */
	unsigned nr_vcpus;             /**< 1..#AV_VM_MAX_VCPUS */
	const uint64_t *mpidr;         /**< per-vCPU MPIDR affinity; NULL: vCPU i is Aff0 = i */
	unsigned boot_vcpu;            /**< the vCPU that is ON at start; the others are OFF */
	struct av_s2 *s2;              /**< the stage-2 table, kept for the host; may be NULL */
	struct av_vgic *vgic;          /**< the vGIC (GICv3 for SGI register traps); may be NULL */
	struct av_mmio_bus *bus;       /**< emulated devices; may be NULL (no MMIO) */
	const struct av_psci_range *ram; /**< guest RAM, for PSCI entry points; may be NULL */
	size_t nram;                   /**< ranges in @c ram */
	bool psci_vendor_reset2;       /**< pass vendor SYSTEM_RESET2 types to the host */
	unsigned id_flags;             /**< AV_VM_ID_* */
	/** Host system-register rows, consulted before the built-in table (so they override
	 *  it); sorted and checked like any table. Handlers get the struct av_vcpu in
	 *  ctx->vcpu and @c cookie in ctx->table->cookie. May be NULL. */
	const struct av_sysreg_desc *sysreg_rows;
	size_t nsysreg_rows;           /**< rows in @c sysreg_rows */
	const struct av_vm_ops *ops;   /**< host callbacks; may be NULL */
	void *cookie;                  /**< handed to every callback */
	/** Guest-triggered log lines allowed per window (struct av_log_budget); 0:
	 *  #AV_VM_LOG_LINES. */
	uint32_t log_lines;
	/** The window, in av_vm_ops::counter ticks (CNTFRQ_EL0 is one second), or, without a
	 *  counter op, in guest-triggered lines asked for; 0: #AV_VM_LOG_WINDOW or
	 *  #AV_VM_LOG_WINDOW_LINES. */
	uint64_t log_window;
	/**
	 * The SMCCC function IDs the host's `hypercall` hook answers: [@c hypercall_first,
	 * @c hypercall_last]. Any other ID that neither PSCI nor the built-in services take
	 * is answered NOT_SUPPORTED without the hook, also by the fast path
	 * (av_vm_fast_exit()). Both 0 (the default): the hook sees every such ID.
	 */
	uint32_t hypercall_first;
	uint32_t hypercall_last; /**< see @c hypercall_first */
	/**
	 * Hypercalls the fast path (av_vm_fast_exit()) hands to the host without leaving it:
	 * an `HVC #0` whose ID is in [@c fast_hypercall_first, @c fast_hypercall_last] is
	 * answered by this function (results in `vcpu->ctxt.regs`, x0-x17 only: x19-x29 are
	 * not saved there on this path; non-zero: NOT_SUPPORTED)
	 * and counted as the dispatcher counts it, as av_vm_try_hvc() does. Only for calls
	 * that cannot touch the caller's own vGIC state; what they make pending for this
	 * pCPU must ask for the vCPU back (av_arch_cpu_request()). The dispatcher still gives
	 * these IDs to the `hypercall` hook, which must answer them the same way: the range
	 * lies within the hook's (@c hypercall_first; -AV_EINVAL otherwise). NULL or an empty
	 * range (last < first): none.
	 */
	int (*fast_hypercall)(void *cookie, struct av_vcpu *vcpu);
	uint32_t fast_hypercall_first; /**< see @c fast_hypercall */
	uint32_t fast_hypercall_last;  /**< see @c fast_hypercall */
};

/** Default guest-triggered log lines per window (av_vm_config::log_lines). */
#define AV_VM_LOG_LINES 10
/** Default window in counter ticks: one second at QEMU virt's 62.5 MHz counter. */
#define AV_VM_LOG_WINDOW 62500000ull
/** Default window without a counter op: this many guest-triggered lines asked for. */
#define AV_VM_LOG_WINDOW_LINES 100000ull

/* ---------------------------------------------------------------------------------------
 * Statistics
 */

/** One counted system register. */
struct av_vm_stat_sysreg {
	uint32_t key;   /**< the register (AV_SYSREG key) */
	uint64_t count; /**< trapped accesses */
};

/** Exit counts of one vCPU, or of a VM (av_vm_stats_get()). */
struct av_vm_stats {
	uint64_t exits;                          /**< every exit */
	uint64_t kind[AV_EXIT_KIND_COUNT];       /**< per vector */
	uint64_t ec[AV_VM_NR_EC];                /**< synchronous exits per exception class */
	uint64_t action[AV_EXIT_ACTION_COUNT];   /**< per returned action */
	uint64_t inject_undef;                   /**< Undefined Instruction exceptions injected */
	uint64_t inject_dabt;                    /**< data aborts injected */
	uint64_t inject_iabt;                    /**< instruction aborts injected */
	struct av_vm_stat_sysreg sysreg[AV_VM_STATS_SYSREGS]; /**< per register (count 0: free) */
	uint64_t sysreg_other;                   /**< registers that found no free slot */
};

/**
 * Sum the statistics of every vCPU of @p vm into @p out (per-register counts merged by
 * key; registers beyond #AV_VM_STATS_SYSREGS distinct keys go to `sysreg_other`).
 * @param vm the VM
 * @param out receives a copy of the statistics
 * @return 0 or -AV_EINVAL
 */
int av_vm_stats_get(const struct av_vm *vm, struct av_vm_stats *out);

/**
 * Count @p n synchronous exits of class @p ec that a fast path outside the dispatcher
 * handled with action @p action (for example hypercalls answered in the EL2 vectors,
 * armvirt/arch/aarch64.h), so that statistics cover every exit. Call it on the vCPU's
 * pCPU, like av_vm_handle_exit().
 * @param vcpu the vCPU
 * @param ec exception class (0..63)
 * @param action the action
 * @param n how many exits to add
 */
void av_vcpu_stats_add_sync(struct av_vcpu *vcpu, unsigned ec, enum av_exit_action action,
			    uint64_t n);

/** Receives one formatted statistics line (no trailing newline). */
typedef void (*av_vm_line_fn)(void *cookie, const char *line);

/**
 * Format @p vm's statistics, one line per call of @p fn: totals, per action, per exception
 * class (with its name), per system register (with its name), per MMIO device (reads,
 * writes, rejected, from the bus) and unclaimed MMIO, and injected exceptions. Only
 * non-zero counts are printed.
 * @param vm the VM
 * @param fn called with each line
 * @param cookie passed unchanged to the callback
 * @return 0 or -AV_EINVAL
 */
int av_vm_stats_print(const struct av_vm *vm, av_vm_line_fn fn, void *cookie);

/* ---------------------------------------------------------------------------------------
 * vCPUs
 */

/** A vCPU's run state. */
enum av_vcpu_state {
	AV_VCPU_OFF = 0,        /**< powered off: do not run */
	AV_VCPU_ON_PENDING = 1, /**< CPU_ON accepted: call av_vcpu_power_on(), then run it */
	AV_VCPU_RUNNING = 2,    /**< runnable */
	AV_VCPU_BLOCKED = 3,    /**< waiting for an interrupt (WFI): run it when kicked */
};

/**
 * Per-vCPU state of the emulated debug registers (doc/debug-pmu.md, "Debug"). Reset by
 * av_vcpu_init() and av_vcpu_power_on(): OS lock set, everything else 0.
 */
struct av_vcpu_sysregs {
	bool os_lock;     /**< OSLSR_EL1.OSLK: set at reset, written through OSLAR_EL1 */
	uint64_t mdscr;   /**< MDSCR_EL1 as the guest wrote it; `ctxt.el1.mdscr` (what the
	                       hardware gets) is this without MDE, KDE and SS while the OS lock
	                       is set */
	uint64_t mdccint; /**< MDCCINT_EL1 (no debug comms channel: stored only) */
	struct av_dbg_state dbg; /**< breakpoints and watchpoints (world switch: av_dbg_state) */
};

/** A pending access handed to the host (#AV_EXIT_TO_CALLER from MMIO emulation, ISV = 1). */
struct av_vcpu_mmio {
	bool valid;       /**< an access is waiting for av_vcpu_mmio_complete() */
	bool is_write;    /**< store */
	bool sign_extend; /**< load: sign-extend from @c size bytes */
	bool sf;          /**< load: 64-bit destination (else Wt, upper half cleared) */
	uint8_t size;     /**< 1, 2, 4 or 8 */
	bool big_endian;  /**< the guest's data accesses are big-endian */
	uint8_t insn_len; /**< bytes to advance the PC by: 4, or 2 for a 16-bit T32 instruction */
	uint8_t rt;       /**< transfer register (31: XZR) */
	uint64_t ipa;     /**< address */
	uint64_t data;    /**< store: the value (already in memory byte order) */
};

/**
 * A vCPU. Caller-allocated; initialise with av_vcpu_init(). `ctxt` is the first member, so
 * the world switch may use `&vcpu->ctxt` and a `struct av_vcpu *` interchangeably.
 */
struct av_vcpu {
	struct av_ctxt ctxt;             /**< registers (the world switch's layout) */
	struct av_vm *vm;                /**< owning VM */
	unsigned index;                  /**< 0..nr_vcpus - 1, also the vGIC index */
	uint64_t mpidr;                  /**< MPIDR affinity (Aff3..Aff0) */
	enum av_vcpu_state state;        /**< run state */
	uint64_t boot_entry;             /**< CPU_ON entry point, while ON_PENDING */
	uint64_t boot_context;           /**< CPU_ON context id, while ON_PENDING */
	struct av_vtimer vtimer;         /**< virtual and emulated physical timers */
	struct av_vcpu_sysregs sys;      /**< emulated debug register state */
	struct av_vcpu_mmio mmio;        /**< access handed to the host, if any */
	/* av_vm_try_mmio()'s cache: the device of the last access, valid while the bus's
	 * generation is mmio_last_gen (private). */
	struct av_mmio_dev *mmio_last;   /**< cached device of the last access (private) */
	unsigned mmio_last_gen;          /**< bus generation @ref mmio_last is valid for */
	struct av_vm_stats stats;        /**< this vCPU's exit counts */
	void *host;                      /**< free for the host */
	/** While the el1_get/el1_put hooks run: the AV_VM_EL1_* registers concerned. */
	unsigned el1_regs;
};

/**
 * Set up vCPU @p index of @p vm: registers zeroed, VMPIDR_EL2 = MPIDR (bit 31 RES1 set),
 * VPIDR_EL2 = @p midr, SCTLR_EL1 at its reset value, timers reset (PPIs 27/30) and bound to
 * the VM's vGIC, OS lock set. The boot vCPU starts RUNNING, the others OFF. Registers the
 * vCPU with the VM.
 *
 * @param vcpu the vCPU
 * @param vm the VM
 * @param index the vCPU's index in @p vm
 * @param midr MIDR_EL1 the guest reads
 * @return 0; -AV_EINVAL for NULL pointers or an index out of range; -AV_EEXIST when the
 *         index is already taken
 */
int av_vcpu_init(struct av_vcpu *vcpu, struct av_vm *vm, unsigned index, uint64_t midr);

/**
 * The vCPU of @p vm with MPIDR affinity @p mpidr, or NULL.
 * @param vm the VM
 * @param mpidr MPIDR affinity
 * @return the vCPU, or NULL
 */
struct av_vcpu *av_vm_vcpu_by_mpidr(struct av_vm *vm, uint64_t mpidr);

/**
 * Power on a vCPU that PSCI CPU_ON made ON_PENDING, before it first runs: registers as
 * av_boot_cpu_regs() (PC = entry, x0 = context id, EL1h with D, A, I, F masked), EL1
 * registers reset (SCTLR_EL1 = #AV_SCTLR_EL1_RESET, the rest 0 except VMPIDR/VPIDR), OS
 * lock set, run state RUNNING, PSCI state ON. Takes the VM lock.
 * @param vcpu the vCPU
 * @return 0; -AV_EINVAL (NULL); -AV_EBUSY when the vCPU is not ON_PENDING
 */
int av_vcpu_power_on(struct av_vcpu *vcpu);

/**
 * Complete an MMIO access the dispatcher handed to the host (`vcpu->mmio.valid`): for a
 * load, @p val (the @c size bytes read, little-endian) is extended and written to Rt as the
 * syndrome says; then the PC moves past the instruction.
 * @param vcpu the vCPU whose load was forwarded
 * @param val the value the load returns
 * @return 0; -AV_EINVAL (NULL); -AV_ENOENT when no access is pending
 */
int av_vcpu_mmio_complete(struct av_vcpu *vcpu, uint64_t val);

/* ---------------------------------------------------------------------------------------
 * VMs
 */

/** A VM. Caller-allocated; initialise with av_vm_init(). Fields are private. */
struct av_vm {
	const char *name;                  /**< for log lines */
	unsigned nr_vcpus;                 /**< vCPUs of the VM */
	unsigned boot_vcpu;                /**< the vCPU that starts ON */
	unsigned id_flags;                 /**< ID-register sanitisation flags */
	struct av_s2 *s2;                  /**< the VM's stage-2 table */
	struct av_vgic *vgic;              /**< the VM's vGIC */
	struct av_mmio_bus *bus;           /**< emulated devices */
	const struct av_vm_ops *ops;       /**< the host's hooks */
	void *cookie;                      /**< passed unchanged to @ref ops */
	struct av_vcpu *vcpus[AV_VM_MAX_VCPUS]; /**< the vCPUs, by index */
	uint64_t mpidr[AV_VM_MAX_VCPUS];   /**< each vCPU's MPIDR affinity */
	struct av_psci psci;               /**< PSCI state */
	struct av_psci_cpu psci_cpus[AV_VM_MAX_VCPUS]; /**< PSCI's CPU list */
	struct av_sysreg_table sys;        /**< built-in rows */
	struct av_sysreg_table host_sys;   /**< the host's rows */
	av_exit_handler_fn handler[AV_VM_NR_EC]; /**< exit handlers by exception class */
	void *handler_cookie[AV_VM_NR_EC]; /**< their cookies */
	uint64_t logged_ec;                /**< classes already logged (bit per EC) */
	unsigned logged_kind;              /**< asynchronous kinds already logged */
	/** Every log line the guest can cause goes through this budget (av_vm_config::
	 *  log_lines, log_window); av_log_budget_dropped() tells how many it dropped. */
	struct av_log_budget log_budget;
	bool hc_hook;                      /**< @ref ops has a `hypercall` hook */
	/** av_vm_config::fast_hypercall and its range */
	int (*fast_hc)(void *cookie, struct av_vcpu *vcpu);
	uint32_t fast_hc_first;            /**< av_vm_config::fast_hypercall_first */
	uint32_t fast_hc_last;             /**< av_vm_config::fast_hypercall_last */
	uint32_t hc_first;                 /**< av_vm_config::hypercall_first (0..~0: all) */
	uint32_t hc_last;                  /**< av_vm_config::hypercall_last */
};

/**
 * Initialise @p vm from @p cfg: the PSCI table (every vCPU OFF but the boot vCPU), the
 * built-in system-register table (checked), the host's rows (checked), the default exit
 * handlers.
 *
 * @param vm the VM
 * @param cfg configuration, read during the call only
 * @return 0; -AV_EINVAL for NULL pointers, a bad vCPU count or boot vCPU, a vGIC with
 *         fewer vCPUs, MPIDRs with non-affinity bits; -AV_EEXIST for duplicate MPIDRs;
 *         an error of av_sysreg_table_check() for bad host rows
 * @param err  optional: on failure, the field of @p cfg that is wrong and why (see
 *             struct av_error); cleared on success
 */
int av_vm_init(struct av_vm *vm, const struct av_vm_config *cfg, struct av_error *err);

/**
 * Replace the handler of exception class @p ec. @p fn NULL restores the built-in handler.
 * Not synchronised with running vCPUs: set handlers before the vCPUs run.
 * @param vm the VM
 * @param ec exception class (0..63)
 * @param fn the handler, NULL for the built-in one
 * @param cookie passed unchanged to @p fn
 * @return 0 or -AV_EINVAL (NULL @p vm, @p ec > 63)
 */
int av_vm_set_exit_handler(struct av_vm *vm, unsigned ec, av_exit_handler_fn fn, void *cookie);

/**
 * The built-in handler for `ctx->esr->ec`, for a replacement handler to fall back on.
 * @param ctx the exit being handled
 * @return the action the built-in handler chose
 */
enum av_exit_action av_vm_exit_default(const struct av_exit_ctx *ctx);

/**
 * Handle one exit of @p vcpu: count it, dispatch it (see the file comment) and return what
 * the run loop does next. The vCPU's registers (and EL1 state through the `el1_put` hook)
 * are updated for re-entry: PC advanced, results written, exceptions injected. The run
 * state follows the action (BLOCKED for #AV_EXIT_BLOCK, OFF for #AV_EXIT_VCPU_OFF).
 *
 * @param vcpu the vCPU
 * @param exit the exit record
 * @return the action; #AV_EXIT_TO_CALLER for NULL arguments
 *
 * Context: the pCPU running @p vcpu, one exit at a time per vCPU (see Locking).
 */
enum av_exit_action av_vm_handle_exit(struct av_vcpu *vcpu, const struct av_exit *exit);

/**
 * The out-of-line part of av_vm_try_mmio(), after its inline syndrome checks; call
 * av_vm_try_mmio() instead.
 * @param vcpu the vCPU that exited
 * @param esr ESR_EL2 of the exit
 * @param far FAR_EL2 of the exit
 * @param hpfar HPFAR_EL2 of the exit
 * @param act receives the action when the access was handled
 * @return true when the access was handled
 */
bool av__vm_try_mmio(struct av_vcpu *vcpu, uint64_t esr, uint64_t far, uint64_t hpfar,
		     enum av_exit_action *act);

/**
 * The MMIO fast path, for a run loop to try before av_vm_handle_exit(): if the synchronous
 * exit with syndrome @p esr (and FAR_EL2 @p far, HPFAR_EL2 @p hpfar) is a data abort from a
 * lower EL with a valid instruction syndrome (ISV = 1; not a cache maintenance or stage-1
 * table walk access), a stage-2 address size, translation, access flag or permission fault
 * at levels 0 to 3, at an address a device of the VM's bus claims, and no handler replaces
 * the built-in one for DABT_LOW, the access is emulated exactly as av_vm_handle_exit() would
 * (one bus lookup, or none when the vCPU's last fast-path access went to the same device
 * and the bus has not changed since; av_mmio_dev_rw(); EL1 hooks for SCTLR_EL1 only), the
 * exit is counted as it counts it, `*act` receives the action (#AV_EXIT_RESUME, or
 * #AV_EXIT_TO_CALLER with `vcpu->mmio` filled) and the result is true. Otherwise nothing
 * is done or counted and the result is false: pass the exit to av_vm_handle_exit().
 *
 * No argument checks: @p vcpu initialised and attached to its VM, @p act non-NULL.
 * Context: as av_vm_handle_exit().
 * @param vcpu the vCPU that exited
 * @param esr ESR_EL2 of the exit
 * @param far FAR_EL2 of the exit
 * @param hpfar HPFAR_EL2 of the exit
 * @param act receives the action when the fast path handled the exit
 * @return true when the exit was handled (*@p act set), false to call av_vm_handle_exit()
 */
static inline bool av_vm_try_mmio(struct av_vcpu *vcpu, uint64_t esr, uint64_t far,
				  uint64_t hpfar, enum av_exit_action *act)
{
	/* The class and syndrome checks inline: other exits cost the run loop no call. */
	if (av_esr_get_ec(esr) != AV_ESR_EC_DABT_LOW ||
	    (esr & (AV_ESR_DABT_ISV | AV_ESR_DABT_CM | AV_ESR_DABT_S1PTW | AV_GENMASK(5, 4))) !=
		    AV_ESR_DABT_ISV)
		return false;
	return av__vm_try_mmio(vcpu, esr, far, hpfar, act);
}

/** @cond AV_INTERNAL */
/* Count one synchronous exit of class @p ec answered with @p act, as av_vm_handle_exit()
 * counts (private: the fast paths below). */
static inline void av__vcpu_count_sync(struct av_vcpu *vcpu, unsigned ec,
				       enum av_exit_action act)
{
	vcpu->stats.exits++;
	vcpu->stats.kind[AV_EXIT_SYNC]++;
	vcpu->stats.ec[ec]++;
	vcpu->stats.action[act]++;
}

/* As declared in armvirt/vgic.h (not included: it needs <stdatomic.h>). */
bool av_vgic_has_pending(struct av_vgic *vgic, unsigned vcpu);

/* av_vm_try_fast() for a 32-bit WFI: the dispatcher's WFx handler (complete it, resume if
 * an interrupt is pending, else block), inline. */
static inline bool av__vm_try_wfi(struct av_vcpu *vcpu, enum av_exit_action *act)
{
	struct av_vm *vm = vcpu->vm;
	enum av_exit_action a = AV_EXIT_RESUME;

	/* AArch32: PSTATE bits [11:10] are IT[3:2]; the dispatcher handles its IT/cond. */
	if (!vm->vgic || vm->handler[AV_ESR_EC_WFX] || av_pstate_is_aarch32(vcpu->ctxt.regs.pstate))
		return false;
	vcpu->ctxt.regs.pc += 4;
	vcpu->ctxt.regs.pstate &= ~(AV_PSTATE_BTYPE | AV_PSTATE_SS);
	if (!av_vgic_has_pending(vm->vgic, vcpu->index)) {
		a = AV_EXIT_BLOCK;
		vcpu->state = AV_VCPU_BLOCKED;
	}
	av__vcpu_count_sync(vcpu, AV_ESR_EC_WFX, a);
	*act = a;
	return true;
}
/** @endcond */

/**
 * The run loop's fast path for a synchronous exit (#AV_EXIT_SYNC, with ESR_EL2 @p esr,
 * FAR_EL2 @p far, HPFAR_EL2 @p hpfar), to try before av_vm_handle_exit() (after the vGIC's
 * list registers are folded back, av_vgic_sync()): the frequent exits that need none of the
 * dispatcher's generality are answered exactly as av_vm_handle_exit() would answer them,
 * counted as it counts them, with the action in `*act`, and the result is true:
 * - a data abort that av_vm_try_mmio() emulates (ISV = 1, at a device of the VM's bus);
 * - a 32-bit WFI (ESR IL = 1; the 16-bit T32 form takes the dispatcher) from AArch64 (an
 *   AArch32 guest takes the dispatcher) when the VM has a vGIC and no handler replaces the
 *   built-in one for WFx: the instruction completes, then
 *   #AV_EXIT_RESUME if an interrupt is pending for the vCPU (av_vgic_has_pending()), else
 *   #AV_EXIT_BLOCK with the vCPU BLOCKED.
 * Otherwise nothing is done or counted and the result is false: pass the exit to
 * av_vm_handle_exit(). The class tests are inline, so other exits cost no call.
 *
 * No argument checks: @p vcpu initialised and attached to its VM, @p act non-NULL.
 * Context: as av_vm_handle_exit().
 * @param vcpu the vCPU that exited
 * @param esr ESR_EL2 of the exit
 * @param far FAR_EL2 of the exit
 * @param hpfar HPFAR_EL2 of the exit
 * @param act receives the action when the exit was answered
 * @return true when the exit was answered here; false: call av_vm_handle_exit()
 */
static inline bool av_vm_try_fast(struct av_vcpu *vcpu, uint64_t esr, uint64_t far,
				  uint64_t hpfar, enum av_exit_action *act)
{
	switch (av_esr_get_ec(esr)) {
	case AV_ESR_EC_DABT_LOW:
		return av_vm_try_mmio(vcpu, esr, far, hpfar, act);
	case AV_ESR_EC_WFX:
		if ((esr & (AV_ESR_IL | AV_ESR_WFX_TI)) != AV_ESR_IL)
			return false; /* WFE, WFIT, WFET or a 16-bit WFI */
		return av__vm_try_wfi(vcpu, act);
	default:
		return false;
	}
}

/**
 * The library's fast path, called by the bare-metal world switch from the EL2 vectors
 * (av_arch_vcpu::fast_vcpu, armvirt/arch/aarch64.h) for a synchronous exit of @p vcpu
 * before it leaves the guest: the guest's registers are in `vcpu->ctxt.regs`, its EL1 state
 * still live, the run loop not involved. The syndrome is decoded once (the class here,
 * the fields by the path that takes it), and only exits that need neither a lock of the
 * VM, nor the host, nor the vGIC's list registers folded back are taken:
 * - HVC64/SMC64 with immediate 0 (SMCCC) whose ID the library answers from its own state,
 *   when no handler replaces the built-in one: ARMVIRT_HC_ECHO (x0 = 0) and every ID that
 *   is not PSCI or an Arm architecture call, not ARMVIRT_HC_YIELD and not in the host's
 *   hypercall range (av_vm_config::hypercall_first): x0 = NOT_SUPPORTED; a trapped SMC is
 *   advanced past; an HVC in the host's fast range goes to its function
 *   (av_vm_config::fast_hypercall);
 * - a data abort that av_vm_try_mmio() emulates (a device of the VM's bus), when the
 *   vCPU has no list register live (the vGIC's view of its interrupts is current, so a
 *   device may read it): the access is emulated as av_vm_handle_exit() would, its data
 *   endianness from `vcpu->ctxt.el1.sctlr` (no EL1 hooks: the caller stores the live
 *   SCTLR_EL1 there first, as the vectors do) and the device called inline;
 * - an MSR/MRS whose row may run here (armvirt/sysreg.h #AV_SYSREG_F_FAST: the host's
 *   row of the key, else the built-in one, of a fixed kind that does not inject, or a
 *   handler row with the flag), when no handler replaces the built-in one for SYS64;
 *   the vectors send only MRS (reads) here, the ID registers' trap.
 * Registers: the vectors save x0-x18, x30, PC and PSTATE into `vcpu->ctxt.regs` before
 * the call, and x19-x29 only when the exit's transfer register (SRT, Rt) is one of them
 * (an HVC: never); the rest of the guest is saved when the exit is not taken or returns
 * to the host. Code on the fast path (devices, flagged rows, the fast hypercall) reads
 * and writes no other general-purpose register of the context.
 * What is taken is counted as av_vm_handle_exit() counts it and its action returned
 * (#AV_EXIT_RESUME; #AV_EXIT_YIELD for ARMVIRT_HC_YIELD; #AV_EXIT_TO_CALLER with
 * `vcpu->mmio` filled for MMIO a device hands to the host). Whatever a device makes
 * pending reaches the host through its kick callback, which asks for the vCPU back
 * (av_arch_cpu_request()).
 *
 * Portable: a run loop may also call it first with an exit's syndrome.
 * No argument checks: @p vcpu initialised and attached to its VM.
 * Context: as av_vm_handle_exit().
 * @param vcpu the vCPU that exited
 * @param esr ESR_EL2 of the exit
 * @param far FAR_EL2 of the exit
 * @param hpfar HPFAR_EL2 of the exit
 * @return the action (an enum av_exit_action) when the exit was handled; -1: nothing was
 *         done, pass the exit to av_vm_handle_exit()
 */
int av_vm_fast_exit(struct av_vcpu *vcpu, uint64_t esr, uint64_t far, uint64_t hpfar);

/**
 * Answers a hypercall of av_vm_try_hvc().
 * @param cookie the cookie given to av_vm_try_hvc()
 * @param vcpu the calling vCPU (its registers hold the call and receive the results)
 * @return 0, or non-zero for NOT_SUPPORTED
 */
typedef int (*av_vm_hvc_fn)(void *cookie, struct av_vcpu *vcpu);

/**
 * The hypercall fast path: if the synchronous exit with ESR_EL2 @p esr is an HVC64 with
 * immediate 0 (SMCCC), no handler replaces the built-in one for #AV_ESR_EC_HVC64
 * (av_vm_set_exit_handler()), and its function identifier (W0) lies in
 * [@p first, @p last], @p fn answers it (it writes its
 * results to `vcpu->ctxt.regs`; a non-zero return means "not supported": x0 =
 * NOT_SUPPORTED), the exit is counted as
 * av_vm_handle_exit() counts it, `*act` = #AV_EXIT_RESUME and the result is true.
 * Otherwise nothing is done and the result is false. Meant for hypercalls that cannot
 * touch the calling vCPU's own vGIC state (IVC with edge doorbells: a send rings another
 * VM), which the run loop may then answer before it folds the list registers back
 * (av_vgic_sync()). Everything is inline: with @p fn a constant at the call site, the
 * call is direct (or inlined). An empty range (@p first > @p last) takes nothing.
 * @param vcpu the vCPU that exited
 * @param esr ESR_EL2 of the exit
 * @param first lowest function identifier taken
 * @param last highest function identifier taken
 * @param fn answers the call
 * @param cookie passed to @p fn
 * @param act receives #AV_EXIT_RESUME when the call was answered
 * @return true when the call was answered here; false otherwise
 */
static inline bool av_vm_try_hvc(struct av_vcpu *vcpu, uint64_t esr, uint32_t first,
				 uint32_t last, av_vm_hvc_fn fn, void *cookie,
				 enum av_exit_action *act)
{
	uint32_t fid;

	/* An HVC64 with immediate 0 (SMCCC is HVC #0 only), in one test; a handler replacing
	 * the built-in HVC64 one sees every call. */
	if (((uint32_t)esr & (uint32_t)(AV_ESR_EC | AV_ESR_IMM16)) !=
		    (uint32_t)AV_FIELD_PREP(AV_ESR_EC, AV_ESR_EC_HVC64) ||
	    vcpu->vm->handler[AV_ESR_EC_HVC64])
		return false;
	fid = (uint32_t)vcpu->ctxt.regs.x[0];
	if (fid < first || fid > last)
		return false;
	if (fn(cookie, vcpu) != 0)
		vcpu->ctxt.regs.x[0] = (uint64_t)(int64_t)AV_SMCCC_RET_NOT_SUPPORTED;
	av__vcpu_count_sync(vcpu, AV_ESR_EC_HVC64, AV_EXIT_RESUME);
	*act = AV_EXIT_RESUME;
	return true;
}

/**
 * The value vCPUs of @p vm read for ID register @p key (trapped with HCR_EL2.TID3, or
 * CTR_EL0 with TID2): for registers with a layout (av_idreg_find()), the host's value
 * (`id_host`) sanitised against the VM's limit (built-in policy, then `id_limit`); the
 * AArch32 ID registers read as the host's value when the guest sees AArch32 at EL0, else
 * 0; every other register of the ID space reads as 0. For a KVM port to program the same
 * values into its vCPUs.
 * @param vm the VM
 * @param key the ID register's key
 * @param val receives the value the guest reads
 * @return 0 or -AV_EINVAL
 */
int av_vm_id_read(const struct av_vm *vm, uint32_t key, uint64_t *val);

/** The armvirt vendor-hypervisor service ARMVIRT_HC_ECHO (doc/hypercalls.md). */
#define AV_HC_ECHO 0xc6000001u
/**
 * ARMVIRT_HC_YIELD (doc/hypercalls.md): x0 = 0 and #AV_EXIT_YIELD, the vCPU offers the
 * rest of its slice to a runnable vCPU of equal priority (the WFE trap's action, for guests
 * on CPUs that do not trap WFE).
 */
#define AV_HC_YIELD 0xc6000002u

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_VM_H */
