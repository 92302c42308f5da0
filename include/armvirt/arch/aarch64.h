/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/arch/aarch64.h
 * @brief The EL2 arch layer (lib/arch/aarch64): world switch, EL1 context switch, lazy
 *        FP/SIMD, TLB and cache maintenance, GIC list-register backends.
 *
 * Built only in the freestanding configuration; everything here runs at EL2 with
 * HCR_EL2.E2H = 0 (nVHE). Portable code in lib/ never includes this header.
 *
 * **Objects.**
 * - `struct av_arch_cpu`: one per physical CPU, pointed to by TPIDR_EL2 (set by
 *   av_arch_cpu_init()). It holds the host's callee-saved registers while a guest runs, the
 *   last exit record, the vCPU whose EL1 state is in the registers and the owner of the
 *   FP/SIMD registers. A port may embed it first in its own per-CPU structure.
 * - `struct av_arch_vcpu`: the EL2 side of one vCPU: its register context
 *   (`struct av_ctxt`, owned by the caller), the trap register values, stage 2
 *   (VTCR/VTTBR), CNTVOFF and the saved GIC CPU-interface state.
 *
 * **Running a vCPU.** av_arch_vcpu_run() loads the vCPU if another one (or none) was
 * loaded, enters it and returns at the first exit the arch layer does not handle itself
 * (it handles the lazy FP/SIMD trap). EL1 system registers, the virtual timer, VMPIDR/VPIDR
 * and the GIC CPU-interface state are switched only when the vCPU on the pCPU changes: an
 * exit handled for the running vCPU re-enters without touching them.
 *
 * **The FP/SIMD rule.** The hypervisor's own C code never uses FP/SIMD registers: the
 * library, the arch layer and the port are built with -mgeneral-regs-only. The only
 * exception is Debian's libfdt, which may use them and therefore runs only at boot, before
 * the first guest entry on that CPU (or after av_arch_fpsimd_flush()). Guests start with
 * CPTR_EL2.TFP = 1; their first FP/SIMD instruction traps (EC 0x07), the arch layer saves
 * the previous owner's V0-V31/FPSR/FPCR, loads the vCPU's and re-enters with TFP = 0. Any
 * other vCPU entering the CPU runs with TFP = 1 again. Note that TFP also traps EL2 itself:
 * after a guest ran, an FP instruction in the hypervisor faults loudly unless that guest
 * owns the registers.
 *
 * **Hooks the port provides** (called from the arch vectors): av_arch_hyp_fault() for any
 * synchronous exception or SError taken at EL2 itself (a hypervisor bug) and
 * av_arch_hyp_irq() for an IRQ or FIQ taken at EL2 while the hypervisor runs with interrupts
 * unmasked.
 */
#ifndef ARMVIRT_ARCH_AARCH64_H
#define ARMVIRT_ARCH_AARCH64_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/pmu.h>
#include <armvirt/traps.h>
#include <armvirt/vcpu.h>
#include <armvirt/vgic.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Why the guest left: the vector that was taken (lower EL, AArch64). */
enum av_arch_exit_kind {
	AV_ARCH_EXIT_SYNC = 0,   /**< synchronous exception: see esr/far/hpfar */
	AV_ARCH_EXIT_IRQ = 1,    /**< physical IRQ (HCR_EL2.IMO): acknowledge it at the GIC */
	AV_ARCH_EXIT_FIQ = 2,    /**< physical FIQ (HCR_EL2.FMO) */
	AV_ARCH_EXIT_SERROR = 3, /**< SError (HCR_EL2.AMO): esr holds its syndrome */
	/**
	 * A synchronous exit the library's fast path answered (av_arch_vcpu::fast_vcpu) while
	 * the host had asked for the vCPU back (av_arch_cpu::request), or with an action for
	 * the host: esr/far/hpfar are the exit's, av_arch_cpu::exit_action what
	 * av_vm_fast_exit() decided. The exit is counted and the vCPU ready to re-enter;
	 * nothing is left to dispatch.
	 */
	AV_ARCH_EXIT_HANDLED = 4,
};

/** One exit, as recorded by the vectors (IRQ and FIQ exits: esr, far and hpfar 0). */
struct av_arch_exit {
	uint64_t kind;  /**< enum av_arch_exit_kind */
	uint64_t esr;   /**< ESR_EL2 */
	uint64_t far;   /**< FAR_EL2 */
	uint64_t hpfar; /**< HPFAR_EL2 (faulting IPA bits [47:12] in bits [39:4]) */
};

/** Host registers av_arch_enter_guest() preserves across the guest's run. */
struct av_arch_host {
	uint64_t x19_x30[12]; /**< callee-saved registers, frame pointer and link register */
	uint64_t sp;          /**< SP_EL2 */
};

/** The FP/SIMD register file, as the lazy switch saves it. */
struct av_arch_fpregs {
	uint64_t v[32][2]; /**< V0..V31, low half first */
	uint64_t fpsr;     /**< FPSR */
	uint64_t fpcr;     /**< FPCR */
};

struct av_arch_vcpu;

/**
 * A hypercall the EL2 vectors answer themselves ("fast hypercall"): when a guest's HVC
 * (EC 0x16) arrives with W0 == @ref fid, the vector sets X0 = @ref x0 and returns to the
 * instruction after the HVC at once: no register file save, no world switch back to the
 * host, no C. X1..X30, SP, the EL1 registers and the vGIC are untouched; the exit is
 * counted in av_arch_vcpu::fast_hvc_hits. For services whose answer is a constant, e.g.
 * ARMVIRT_HC_ECHO (x0 = 0, x1..x3 returned unchanged) or SMCCC_VERSION.
 */
struct av_arch_fast_hvc {
	uint32_t fid;  /**< SMCCC function ID, compared with W0 */
	uint32_t pad;  /**< zero */
	uint64_t x0;   /**< returned in X0 */
};

/**
 * A ready fast-hypercall table: { AV_HC_ECHO, x0 = 0 }, the answer av_vm_handle_exit()
 * gives to ARMVIRT_HC_ECHO (doc/hypercalls.md). Opt in per vCPU:
 * `v->fast_hvc = av_arch_fast_hvc_default; v->nr_fast_hvc = 1;`.
 */
extern const struct av_arch_fast_hvc av_arch_fast_hvc_default[1];

/**
 * Per-physical-CPU state. TPIDR_EL2 points to it. The first four members are reached from
 * assembly through AV_OFF_CPU_* offsets (lib/arch/aarch64/asm_offsets.h).
 */
struct av_arch_cpu {
	struct av_ctxt *ctxt;          /**< the context being run (written at entry) */
	struct av_arch_host host;      /**< host registers while a guest runs */
	struct av_arch_exit exit;      /**< the last exit */
	uint64_t exit_action;          /**< #AV_ARCH_EXIT_HANDLED: the enum av_exit_action taken */
	/** vCPU av_arch_vcpu_run() runs, if it has fast hypercalls or a fast path */
	struct av_arch_vcpu *running;
	struct av_arch_vcpu *loaded;   /**< vCPU whose EL1/timer/GIC state is in the registers */
	struct av_arch_vcpu *fp_owner; /**< vCPU whose FP/SIMD state is in V0-V31; NULL: host */
	struct av_arch_fpregs host_fp; /**< the host's FP/SIMD registers while a guest owns them */
	uint64_t cptr;                 /**< CPTR_EL2 as last written */
	unsigned index;                /**< logical CPU number */
	uint32_t dbg_bp;               /**< breakpoints enabled in the hardware (bit n: DBGBCR<n>) */
	uint32_t dbg_wp;               /**< watchpoints enabled in the hardware (bit n: DBGWCR<n>) */
	uint32_t dbg_bp_impl;          /**< breakpoints this CPU implements (ID_AA64DFR0.BRPs) */
	uint32_t dbg_wp_impl;          /**< watchpoints this CPU implements (ID_AA64DFR0.WRPs) */
	/**
	 * The exit request: non-zero when the host needs the running vCPU back before it
	 * enters the guest again (a kick, a rescheduling, a stopping VM, vGIC state to flush),
	 * as KVM's vCPU requests. Set with av_arch_cpu_request() by code running on this pCPU
	 * (the fast path's device handlers, e.g. the vGIC's kick callback); another pCPU kicks
	 * with an interrupt instead, which always exits. The host clears it (before it
	 * evaluates what it needs to do) each time round its run loop.
	 */
	uint32_t request;
};

/** Saved GIC virtual CPU-interface state of one vCPU (list registers excepted). */
struct av_arch_gic_state {
	uint64_t vmcr;    /**< ICH_VMCR_EL2 / GICH_VMCR */
	uint32_t ap0r[4]; /**< ICH_AP0R<n>_EL2; GICv2: ap0r[0] = GICH_APR */
	uint32_t ap1r[4]; /**< ICH_AP1R<n>_EL2 */
	uint64_t sre;     /**< ICC_SRE_EL1 the guest sees (GICv3) */
};

/** The EL2 side of one vCPU. Fill it with av_arch_vcpu_init() and then the fields. */
struct av_arch_vcpu {
	struct av_ctxt *ctxt;         /**< register context (caller-owned) */
	struct av_el2_traps traps;    /**< HCR/CPTR/MDCR/HSTR_EL2 (av_trap_policy_compute()) */
	uint64_t vtcr;                /**< VTCR_EL2 (av_s2_vtcr()) */
	uint64_t vttbr;               /**< VTTBR_EL2 (av_s2_vttbr()) */
	uint64_t cntvoff;             /**< CNTVOFF_EL2 */
	uint64_t cnthctl;             /**< CNTHCTL_EL2 (default: EL1PCTEN, physical timer trapped) */
	unsigned gic_version;         /**< 3: ICH_* system registers; 2: GICH frame; 0: none */
	uintptr_t gich_base;          /**< GICv2: the GICH frame (EL2 VA) */
	struct av_arch_gic_state gic; /**< saved virtual CPU-interface state */
	uint64_t fp_traps;            /**< statistics: lazy FP/SIMD switches */
	uint64_t entries;             /**< statistics: guest entries */
	/** Fast hypercalls (struct av_arch_fast_hvc), searched in order; NULL: none. Read by
	 *  the vectors while the vCPU runs: change it only while it does not. */
	const struct av_arch_fast_hvc *fast_hvc;
	uint64_t nr_fast_hvc;         /**< entries in @ref fast_hvc */
	uint64_t fast_hvc_hits;       /**< statistics: hypercalls answered by the vectors */
	/**
	 * The library's fast path (av_vm_fast_exit()): the dispatcher's vCPU of this context
	 * (its `ctxt` must be this one's), or NULL for none. While set, the vectors hand a
	 * synchronous exit of the vCPU to av_vm_fast_exit() before leaving the guest, and an
	 * exit it answers re-enters the guest at once (no host registers restored, no return
	 * from av_arch_vcpu_run()), unless av_arch_cpu::request is set. Read by the vectors
	 * while the vCPU runs: change it only while it does not.
	 */
	struct av_vcpu *fast_vcpu;
	/** The vCPU's breakpoints and watchpoints (e.g. `&vcpu->sys.dbg`), loaded with it when
	 *  it has some enabled (av_dbg_state::hw_bp, hw_wp); NULL: none ever. */
	const struct av_dbg_state *dbg;
	/** The guest's PMU (armvirt/pmu.h), switched by put/load once used; NULL: none. */
	struct av_pmu *pmu;
};

/* ---- per-CPU setup ---- */

/**
 * Prepare this physical CPU: TPIDR_EL2 = @p cpu, VBAR_EL2 = the arch vectors, CPTR_EL2 as
 * the boot code left it (FP usable at EL2 until a guest runs); the OS lock unlocked,
 * MDSCR_EL1 and every breakpoint and watchpoint enable cleared. Call once per CPU, with
 * interrupts masked, before any other av_arch_* call on that CPU.
 * @param cpu this physical CPU's arch block
 * @param index the CPU's index
 */
void av_arch_cpu_init(struct av_arch_cpu *cpu, unsigned index);

/**
 * The calling CPU's struct av_arch_cpu (TPIDR_EL2).
 * @return this CPU's arch block
 */
static inline struct av_arch_cpu *av_arch_this_cpu(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, tpidr_el2" : "=r"(v));
	return (struct av_arch_cpu *)(uintptr_t)v;
}

/**
 * The AV_TRAP_FEAT_* bits this CPU implements, from its ID registers, and PMCR_EL0.N in
 * @p pmcr_n (0 without a PMU), ready for av_trap_policy_default_guest().
 * @param pmcr_n optional (may be NULL): receives PMCR_EL0.N, 0 without a PMU
 * @return AV_TRAP_FEAT_* bits
 */
uint32_t av_arch_trap_features(unsigned *pmcr_n);

/* ---- vCPUs ---- */

/**
 * Initialise @p v for context @p ctxt: traps zero (fill them), CNTHCTL_EL2 = EL1PCTEN,
 * GIC state reset (ICC_SRE_EL1.SRE = 1 for GICv3), no fast hypercalls (`fast_hvc` NULL:
 * every hypercall reaches the host; point it at a table, e.g. av_arch_fast_hvc_default, to
 * have the vectors answer some).
 * @param v the vCPU's arch state
 * @param ctxt the vCPU's register context
 * @param gic_version 2 or 3: which list-register backend the vCPU uses
 * @param gich_base GICH base address (GICv2), 0 for GICv3
 */
void av_arch_vcpu_init(struct av_arch_vcpu *v, struct av_ctxt *ctxt, unsigned gic_version,
		       uintptr_t gich_base);

/**
 * Reset @p ctxt to the architectural entry state of an AArch64 EL1 kernel: PC = @p entry,
 * PSTATE = EL1h with DAIF masked, X0 = @p x0, SCTLR_EL1 at its RES1 value (MMU and caches
 * off), VMPIDR = @p mpidr, VPIDR = this CPU's MIDR; everything else zero.
 * @param ctxt the context to reset
 * @param entry the vCPU's first PC
 * @param x0 the value of X0 at entry
 * @param mpidr the vCPU's MPIDR_EL1 affinity
 */
void av_arch_ctxt_reset(struct av_ctxt *ctxt, uint64_t entry, uint64_t x0, uint64_t mpidr);

/**
 * Make @p v the loaded vCPU of this CPU. If another vCPU is loaded it is put first
 * (av_arch_vcpu_put()); then @p v's EL1 registers, virtual timer, VMPIDR/VPIDR, GIC state,
 * enabled breakpoints and watchpoints (`v->dbg`) and EL2 controls (HCR, MDCR, HSTR, VTCR,
 * VTTBR, CNTVOFF, CNTHCTL) are written. Nothing is done if @p v is already loaded.
 * @param cpu this physical CPU's arch block
 * @param v the vCPU's arch state
 */
void av_arch_vcpu_load(struct av_arch_cpu *cpu, struct av_arch_vcpu *v);

/**
 * Save the loaded vCPU's EL1 registers, timer (then disabled) and GIC state into it,
 * disable the breakpoints and watchpoints it had enabled, and leave no vCPU loaded. Its
 * FP/SIMD state stays in the registers (lazily saved).
 * @param cpu this physical CPU's arch block
 */
void av_arch_vcpu_put(struct av_arch_cpu *cpu);

/**
 * Rewrite the hardware breakpoints and watchpoints from `v->dbg` if @p v is the loaded vCPU
 * (after a trapped debug-register access changed them: av_vm_ops::debug_changed). A vCPU
 * that is not loaded gets them at its next av_arch_vcpu_load().
 * @param cpu this physical CPU's arch block
 * @param v the vCPU's arch state
 */
void av_arch_vcpu_debug_reload(struct av_arch_cpu *cpu, struct av_arch_vcpu *v);

/**
 * The physical PMU's registers by AV_SYS_* key (PMCR_EL0 ... PMCCFILTR_EL0, PMINTEN*_EL1,
 * PMEVCNTR\<n\>/PMEVTYPER\<n\> by their own keys), for a struct av_pmu_hw_ops of the host's
 * (its cookie is unused). A write is followed by an ISB. Unknown keys read 0, writes are
 * ignored. Only on a CPU with PMUv3.
 * @param cookie unused
 * @param key AV_SYS_* key of the PMU register
 * @return the register's value (0 for unknown keys)
 */
uint64_t av_arch_pmu_read(void *cookie, uint32_t key);
/**
 * Write a physical PMU register by AV_SYS_* key, then ISB (the write half of
 * av_arch_pmu_read()'s accessors).
 * @param cookie unused
 * @param key AV_SYS_* key of the PMU register
 * @param val the value
 */
void av_arch_pmu_write(void *cookie, uint32_t key, uint64_t val);

/**
 * Rewrite the EL2 controls of the loaded vCPU @p v after its traps/stage 2 changed.
 * @param cpu this physical CPU's arch block
 * @param v the vCPU's arch state
 */
void av_arch_vcpu_reload_controls(struct av_arch_cpu *cpu, struct av_arch_vcpu *v);

/**
 * Run @p v on this CPU until an exit the arch layer does not handle itself.
 * Loads @p v if needed (av_arch_vcpu_load()), enters it, and handles the FP/SIMD access
 * trap (EC 0x07) in place by switching the FP/SIMD registers to @p v. Hypercalls in
 * @p v's fast table never leave the guest (struct av_arch_fast_hvc): they are answered in
 * the vectors and only counted in `v->fast_hvc_hits` (fold the count into the VM's
 * statistics with av_vcpu_stats_add_sync(vcpu, AV_ESR_EC_HVC64, AV_EXIT_RESUME, n)).
 *
 * With `v->fast_vcpu` set, every other synchronous exit first goes to av_vm_fast_exit()
 * (armvirt/vm.h) from the vectors, with the guest's registers saved in its context and
 * the EL1 state still live: what it answers (an SMCCC call the library answers itself,
 * MMIO at a device of the VM's bus while no list register is live) is counted in the VM's
 * statistics (and the re-entry in `v->entries`), and the guest re-entered at once. The call returns
 * only for an exit the fast path does not take (#AV_ARCH_EXIT_SYNC, nothing done), an
 * asynchronous exit, or #AV_ARCH_EXIT_HANDLED with the action taken in
 * `cpu->exit_action` when the action is not #AV_EXIT_RESUME (e.g. YIELD) or the host set
 * `cpu->request` by then. The caller clears `cpu->request` before it looks at
 * what it must do and calls this again.
 *
 * @param exit  receives the exit record (also in cpu->exit)
 * @param cpu this physical CPU's arch block
 * @param v the vCPU's arch state
 * @return the exit kind (enum av_arch_exit_kind)
 */
unsigned av_arch_vcpu_run(struct av_arch_cpu *cpu, struct av_arch_vcpu *v,
			  struct av_arch_exit *exit);

/**
 * The world switch (switch.S): save the host's callee-saved registers and SP in @p cpu,
 * load the guest's X0-X30, ELR_EL2 = regs.pc and SPSR_EL2 = regs.pstate from @p ctxt and
 * ERET. The next lower-EL exception saves the guest's GPRs, PC and PSTATE back into
 * @p ctxt, records cpu->exit and returns here with the exit kind. @p cpu must be the
 * calling CPU's (TPIDR_EL2). EL1 state and EL2 controls are the caller's business
 * (av_arch_vcpu_run() does both).
 * @param ctxt the guest's register context
 * @param cpu this physical CPU's arch block
 * @return the exception kind recorded by the vectors, for the caller's exit record
 */
uint64_t av_arch_enter_guest(struct av_ctxt *ctxt, struct av_arch_cpu *cpu);

/**
 * Ask for the running vCPU of this pCPU back (av_arch_cpu::request): the fast path does not
 * re-enter the guest after the exit it is handling; av_arch_vcpu_run() returns
 * #AV_ARCH_EXIT_HANDLED. For code running on this pCPU, e.g. a kick callback a device
 * model calls while the fast path runs it; no effect on a vCPU of another pCPU (kick it
 * with an interrupt).
 */
static inline void av_arch_cpu_request(void)
{
	av_arch_this_cpu()->request = 1;
}

/* ---- EL1 and timer state (ctxt_sr.c) ---- */

/**
 * Save the EL1 system registers, CNTV_CTL/CVAL and VMPIDR/VPIDR into @p r, then disable
 * the virtual timer (a descheduled vCPU's timer must not fire for the next one): the save
 * half of a vCPU switch, not an `el1_get` hook of the dispatcher (that is
 * av_arch_vm_el1_get(), armvirt/arch/aarch64_vm.h).
 * @param r the EL1 system registers
 */
void av_arch_el1_save(struct av_el1_regs *r);
/**
 * Write @p r into the EL1 system registers, the virtual timer and VMPIDR/VPIDR.
 * @param r the EL1 system registers
 */
void av_arch_el1_restore(const struct av_el1_regs *r);

/* ---- FP/SIMD (fpsimd.S, fpsimd.c) ---- */

/**
 * Store V0-V31, FPSR, FPCR into @p f. FP access must be enabled at EL2 (TFP = 0).
 * @param f the FP/SIMD registers
 */
void av_arch_fpsimd_save(struct av_arch_fpregs *f);
/**
 * Load V0-V31, FPSR, FPCR from @p f. FP access must be enabled at EL2 (TFP = 0).
 * @param f the FP/SIMD registers
 */
void av_arch_fpsimd_load(const struct av_arch_fpregs *f);

/**
 * Give the FP/SIMD registers to @p v: save the current owner's state (the host's, or
 * another vCPU's into its context), load @p v's from v->ctxt->regs. Called by
 * av_arch_vcpu_run() on an FP/SIMD trap; usable to switch eagerly.
 * @param cpu this physical CPU's arch block
 * @param v the vCPU's arch state
 */
void av_arch_fpsimd_switch(struct av_arch_cpu *cpu, struct av_arch_vcpu *v);

/**
 * Copy the owning vCPU's live FP/SIMD registers into its context (regs.v, fpsr, fpcr) so
 * that C code can read them; the registers stay live. No-op if the host owns them.
 * @param cpu this physical CPU's arch block
 */
void av_arch_fpsimd_sync(struct av_arch_cpu *cpu);

/**
 * The reverse of av_arch_fpsimd_sync(): load the owning vCPU's context (regs.v, fpsr,
 * fpcr), which C code changed, into the live registers. No-op if the host owns them.
 * @param cpu this physical CPU's arch block
 */
void av_arch_fpsimd_reload(struct av_arch_cpu *cpu);

/**
 * Save the owning vCPU's FP/SIMD state into its context and give the registers back to the
 * host (its saved state is reloaded); the vCPU's next FP/SIMD instruction traps again. Call
 * it before C code writes a vCPU's regs.v, before libfdt runs after boot, or before moving
 * a vCPU to another CPU.
 * @param cpu this physical CPU's arch block
 */
void av_arch_fpsimd_flush(struct av_arch_cpu *cpu);

/* ---- TLB and cache maintenance (tlb.c) ---- */

/**
 * Invalidate stage-2 translations of @p ipa in the VMID of @p vttbr (and, as the Arm ARM
 * requires after a stage-2 change, every stage-1 entry of that VMID): DSB ISHST;
 * TLBI IPAS2(L)E1IS; DSB ISH; TLBI VMALLE1IS; DSB ISH; ISB. VTTBR_EL2 is switched to
 * @p vttbr around the TLBI and restored.
 * @param vttbr VTTBR_EL2 of the VM (VMID and table base)
 * @param ipa the intermediate physical address to invalidate
 * @param level the level of the entry that changed (0..3)
 * @param leaf true when only the last-level entry changed
 */
void av_arch_tlbi_ipa(uint64_t vttbr, uint64_t ipa, unsigned level, bool leaf);
/**
 * Invalidate every stage-1 and stage-2 entry of the VMID of @p vttbr (VMALLS12E1IS).
 * @param vttbr VTTBR_EL2 of the VM (VMID and table base)
 */
void av_arch_tlbi_vmid(uint64_t vttbr);
/** Invalidate every EL1&0 entry of every VMID and the EL2 entries (ALLE1IS, ALLE2IS). */
void av_arch_tlbi_all(void);
/**
 * Clean [va, va + size) to the point of coherency (DC CVAC), then DSB ISH.
 * @param va start of the range (EL2 virtual address)
 * @param size size of the range in bytes
 */
void av_arch_dcache_clean_poc(const void *va, size_t size);
/**
 * Clean and invalidate [va, va + size) to the point of coherency (DC CIVAC).
 * @param va start of the range (EL2 virtual address)
 * @param size size of the range in bytes
 */
void av_arch_dcache_clean_inval_poc(const void *va, size_t size);
/** Invalidate all instruction caches to PoU, inner shareable (IC IALLUIS). */
void av_arch_icache_inval_all(void);

/**
 * The first member of a cookie given to av_s2_init() whose av_mm_ops use the callbacks
 * below: the VTTBR_EL2 value (VMID and root) of the table.
 */
struct av_arch_s2_tlb {
	uint64_t vttbr; /**< set it from av_s2_vttbr() before the first change of a valid entry */
};

/**
 * av_mm_ops::tlbi_ipa over av_arch_tlbi_ipa(); @p cookie starts with av_arch_s2_tlb.
 * @param cookie the VTTBR_EL2 value of the VM (as a pointer-sized integer)
 * @param ipa the intermediate physical address to invalidate
 * @param level the level of the entry that changed (0..3)
 * @param leaf true when only the last-level entry changed
 */
void av_arch_s2_tlbi_ipa(void *cookie, uint64_t ipa, unsigned level, bool leaf);
/**
 * av_mm_ops::tlbi_vmid over av_arch_tlbi_vmid(); @p cookie starts with av_arch_s2_tlb.
 * @param cookie the VTTBR_EL2 value of the VM (as a pointer-sized integer)
 */
void av_arch_s2_tlbi_vmid(void *cookie);
/**
 * av_mm_ops::clean_poc over av_arch_dcache_clean_poc().
 * @param cookie unused
 * @param va start of the range
 * @param size size of the range in bytes
 */
void av_arch_s2_clean_poc(void *cookie, void *va, size_t size);

/* ---- GIC list-register backends (gic_v3_lr.c, gic_v2_lr.c) ---- */

/** ICH_HCR_EL2 / GICH_HCR bits. */
#define AV_ICH_HCR_EN    AV_BIT(0) /**< virtual CPU interface enable */
#define AV_ICH_HCR_UIE   AV_BIT(1) /**< underflow maintenance interrupt enable */
#define AV_ICH_HCR_NPIE  AV_BIT(3) /**< no-pending maintenance interrupt enable */

/** The ICH_LR<n>_EL2 backend (cookie unused: the calling CPU's registers). */
extern const struct av_vgic_lr_ops av_arch_gic_v3_lr_ops;
/**
 * Prepare this CPU's GICv3 virtual interface: ICC_SRE_EL2 = SRE | Enable (EL1 may use the
 * system-register interface), ICH_HCR_EL2 = 0, every list register and APR cleared.
 */
void av_arch_gic_v3_cpu_init(void);
/**
 * Number of implemented ICH_LR<n>_EL2 (ICH_VTR_EL2.ListRegs + 1).
 * @return ICH_VTR_EL2.ListRegs + 1
 */
unsigned av_arch_gic_v3_nr_lrs(void);
/**
 * ICH_MISR_EL2: why the maintenance interrupt is asserted.
 * @return ICH_MISR_EL2
 */
uint64_t av_arch_gic_v3_misr(void);
/**
 * Save ICH_VMCR_EL2 and the implemented ICH_AP0R/AP1R\<n\>_EL2 into @p s.
 * @param s the GIC list-register state
 */
void av_arch_gic_v3_save(struct av_arch_gic_state *s);
/**
 * Restore @p s, ICC_SRE_EL1 and set ICH_HCR_EL2.En.
 * @param s the GIC list-register state
 */
void av_arch_gic_v3_restore(const struct av_arch_gic_state *s);
/**
 * Write 0 (invalid) to ICH_LR<n>_EL2 for each bit n of @p mask (n < 16): emptying the LRs a
 * descheduled vCPU left, after av_vgic_sync() folded them back, without encoding an empty
 * struct av_vgic_lr through the ops for each one.
 * @param mask bit n set: clear ICH_LR<n>_EL2
 */
void av_arch_gic_v3_clear_lrs(uint32_t mask);

/** The cookie of the GICH backend: the GICH frame's EL2 address (banked per CPU). */
struct av_arch_gicv2 {
	uintptr_t gich; /**< GICH base */
};
/** The GICH_LR<n> backend; cookie: struct av_arch_gicv2. */
extern const struct av_vgic_lr_ops av_arch_gic_v2_lr_ops;
/**
 * Prepare this CPU's GICH: GICH_HCR = 0, every list register and GICH_APR cleared.
 * @param gich GICH base address
 */
void av_arch_gic_v2_cpu_init(uintptr_t gich);
/**
 * GICH_MISR.
 * @param gich GICH base address
 * @return GICH_MISR
 */
uint32_t av_arch_gic_v2_misr(uintptr_t gich);
/**
 * Save GICH_VMCR and GICH_APR into @p s.
 * @param gich GICH base address
 * @param s the GIC list-register state
 */
void av_arch_gic_v2_save(uintptr_t gich, struct av_arch_gic_state *s);
/**
 * Restore @p s and set GICH_HCR.En.
 * @param gich GICH base address
 * @param s the GIC list-register state
 */
void av_arch_gic_v2_restore(uintptr_t gich, const struct av_arch_gic_state *s);
/**
 * Write 0 (invalid) to GICH_LR<n> for each bit n of @p mask (n < 64).
 * @param gich GICH base address
 * @param mask bit n set: clear list register n
 */
void av_arch_gic_v2_clear_lrs(uintptr_t gich, uint64_t mask);

/* ---- hooks the port implements ---- */

/** What av_arch_hyp_fault() is told. */
struct av_arch_fault {
	uint64_t vector; /**< vector index 0..15 (4: current EL sync with SP_EL2, 7: SError...) */
	uint64_t esr;    /**< ESR_EL2 */
	uint64_t elr;    /**< ELR_EL2 */
	uint64_t far;    /**< FAR_EL2 */
	uint64_t spsr;   /**< SPSR_EL2 */
};

/**
 * Port hook: an exception the hypervisor did not expect was taken at EL2. Must not return.
 * @param f what the EL2 exception vector recorded
 */
__attribute__((noreturn)) void av_arch_hyp_fault(const struct av_arch_fault *f);

/**
 * Port hook: an IRQ (@p fiq false) or FIQ was taken at EL2 while the hypervisor ran with
 * PSTATE.I/F clear. Caller-saved registers, ELR and SPSR are preserved around it.
 * @param fiq true for an FIQ, false for an IRQ
 */
void av_arch_hyp_irq(bool fiq);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_ARCH_AARCH64_H */
