/* SPDX-License-Identifier: MIT */
/*
 * A VM and its exit dispatcher.
 *
 * Shape (DESIGN.md, "The life of a trap"): av_vm_handle_exit() takes the exception class
 * from the syndrome and indexes a 64-entry table of handlers by it (the dispatcher); the
 * built-in handlers read only the syndrome fields their class needs (av_esr_get_*()), the
 * full av_esr_decode() runs only for a handler the host installed; the
 * handlers hand the work to an interpreter (the system-register table below, the MMIO bus
 * with the instruction decoder for ISV = 0, PSCI) or to the host's stage-2 fault hook (the
 * allocator). Every class without a handler injects an Undefined Instruction exception and
 * is logged once per VM.
 *
 * Invariants:
 * - a handler leaves the vCPU ready to re-enter: either the instruction completed (PC past
 *   it, PSTATE.BTYPE and PSTATE.SS cleared), or an exception was injected (PC at the
 *   vector), or nothing changed (#AV_EXIT_TO_CALLER, RETRY);
 * - `vcpu->ctxt.el1` is used only between el1_get() and the el1_put() that always follows
 *   it in the same exit, with the registers read and changed in `vcpu->el1_regs`;
 * - statistics are per vCPU and written only by the vCPU's own exits.
 *
 * The guest system-register table (vm_rows) is the one place that says what a Linux guest
 * sees for the registers a hypervisor traps; doc/vm.md lists it with the reasons.
 */
#include <armvirt/boot.h>
#include <armvirt/esr.h>
#include <armvirt/insn.h>
#include <armvirt/log.h>
#include <armvirt/vgic.h>
#include <armvirt/vm.h>

#include "compat.h"
#include "error_detail.h"
#include "mmio_internal.h"
#include "sysreg_internal.h"
#include "vm_debug.h"

/* ---------------------------------------------------------------------------------------
 * Small helpers
 */

static const char *vm_name(const struct av_vm *vm)
{
	return vm->name ? vm->name : "vm";
}

static void vm_lock(const struct av_vm *vm)
{
	if (vm->ops && vm->ops->lock)
		vm->ops->lock(vm->cookie);
}

static void vm_unlock(const struct av_vm *vm)
{
	if (vm->ops && vm->ops->unlock)
		vm->ops->unlock(vm->cookie);
}

/*
 * The EL1 hooks, always in pairs (vm.h, "EL1 state"): el1_get(@reads) starts a use of
 * `ctxt.el1`, el1_put(@changed) ends it. Every path below that calls el1_get() calls
 * el1_put() before it returns, with the registers it changed (0: nothing to write back).
 */
static void el1_get(struct av_vcpu *vcpu, unsigned reads)
{
	const struct av_vm *vm = vcpu->vm;

	vcpu->el1_regs = reads;
	if (vm->ops && vm->ops->el1_get)
		vm->ops->el1_get(vm->cookie, vcpu);
}

static void el1_put(struct av_vcpu *vcpu, unsigned changed)
{
	const struct av_vm *vm = vcpu->vm;

	vcpu->el1_regs = changed;
	if (vm->ops && vm->ops->el1_put)
		vm->ops->el1_put(vm->cookie, vcpu);
	vcpu->el1_regs = 0;
}

/* What exception injection reads (vector base, SPAN/DSSBS) and writes (the exception). */
#define EL1_INJECT_READS (AV_VM_EL1_SCTLR | AV_VM_EL1_VBAR)
#define EL1_INJECT_WRITES (AV_VM_EL1_ELR | AV_VM_EL1_SPSR | AV_VM_EL1_ESR | AV_VM_EL1_FAR)

/*
 * True the first time bit @bit of @mask is claimed. A load and a store rather than a
 * read-modify-write (no atomics library needed): two CPUs racing may both see "first".
 */
static bool first_time64(uint64_t *mask, unsigned bit)
{
	uint64_t b = AV_BIT(bit), old = __atomic_load_n(mask, __ATOMIC_RELAXED);

	if (old & b)
		return false;
	__atomic_store_n(mask, old | b, __ATOMIC_RELAXED);
	return true;
}

/* Bits of av_vm::logged_kind: one-off warnings that are not per exception class. */
#define LOGGED_SERROR 0u
#define LOGGED_ISV0   1u
#define LOGGED_NOEMUL 2u

static bool first_time(unsigned *mask, unsigned bit)
{
	unsigned b = 1u << bit, old = __atomic_load_n(mask, __ATOMIC_RELAXED);

	if (old & b)
		return false;
	__atomic_store_n(mask, old | b, __ATOMIC_RELAXED);
	return true;
}

/* The instruction completed: PSTATE as after any non-branch instruction (the PC was
 * already advanced by whoever emulated it). */
/* AArch32: bits 11:10 are IT[3:2]; advance the IT block (Arm ARM ITAdvance()), IT[1:0] in
 * bits 26:25, IT[7:2] in bits 15:10, and clear SS. Out of line: AArch32 guests are rare. */
static __attribute__((noinline, cold)) void insn_done_aarch32(struct av_vcpu *vcpu)
{
	uint64_t ps = vcpu->ctxt.regs.pstate;
	uint64_t it = ((ps >> 25) & 3) | (((ps >> 10) & 0x3f) << 2);

	it = (it & 7) ? (it & 0xe0) | ((it << 1) & 0x1f) : 0;
	ps &= ~(AV_GENMASK(26, 25) | AV_GENMASK(15, 10));
	ps |= ((it & 3) << 25) | ((it >> 2) << 10);
	vcpu->ctxt.regs.pstate = ps & ~AV_PSTATE_SS;
}

static inline void insn_done(struct av_vcpu *vcpu)
{
	uint64_t ps = vcpu->ctxt.regs.pstate;

	if (__builtin_expect(av_pstate_is_aarch32(ps), 0)) {
		insn_done_aarch32(vcpu);
		return;
	}
	vcpu->ctxt.regs.pstate = ps & ~(AV_PSTATE_BTYPE | AV_PSTATE_SS);
}

/* Skip the trapped instruction: 4 bytes, or 2 for a 16-bit T32 one (IL == 0, AArch32). */
static void skip_trapped(struct av_vcpu *vcpu, unsigned len)
{
	vcpu->ctxt.regs.pc += len;
	insn_done(vcpu);
}

static void inject_undef(struct av_vcpu *vcpu)
{
	el1_get(vcpu, EL1_INJECT_READS);
	av_ctxt_inject_undef(&vcpu->ctxt);
	el1_put(vcpu, EL1_INJECT_WRITES);
	vcpu->stats.inject_undef++;
}

/* A data abort with fault status @fsc on an access at @far. */
static void inject_dabt(struct av_vcpu *vcpu, uint64_t far, unsigned fsc, bool wnr)
{
	el1_get(vcpu, EL1_INJECT_READS);
	av_ctxt_inject_dabt(&vcpu->ctxt, far, fsc, wnr);
	el1_put(vcpu, EL1_INJECT_WRITES);
	vcpu->stats.inject_dabt++;
}

/* A synchronous external abort on a data access at @far. */
static void inject_dabt_sea(struct av_vcpu *vcpu, uint64_t far, bool wnr)
{
	inject_dabt(vcpu, far, AV_FSC_SEA, wnr);
}

static void inject_iabt_sea(struct av_vcpu *vcpu, uint64_t far)
{
	el1_get(vcpu, EL1_INJECT_READS);
	av_ctxt_inject_iabt(&vcpu->ctxt, far, AV_FSC_SEA);
	el1_put(vcpu, EL1_INJECT_WRITES);
	vcpu->stats.inject_iabt++;
}

/* Value of the low @size bytes of @v with the byte order reversed. */
static uint64_t bswap_size(uint64_t v, unsigned size)
{
	if (size <= 1)
		return v;
	return __builtin_bswap64(v) >> (64 - 8 * size);
}

static uint64_t size_mask(unsigned size)
{
	return size >= 8 ? ~UINT64_C(0) : AV_GENMASK(8 * size - 1, 0);
}

/* ---------------------------------------------------------------------------------------
 * Statistics
 */

/* The first slot probed for @key. */
static inline unsigned sysreg_slot(uint32_t key)
{
	return (unsigned)((key * 0x9e3779b1u) >> 16) % AV_VM_STATS_SYSREGS;
}

/* Add @n to the count of @key in an open-addressed table; full: the "other" count. */
static void sysreg_count_add(struct av_vm_stats *s, uint32_t key, uint64_t n)
{
	unsigned h = sysreg_slot(key);

	for (unsigned i = 0; i < AV_VM_STATS_SYSREGS; i++) {
		struct av_vm_stat_sysreg *e = &s->sysreg[(h + i) % AV_VM_STATS_SYSREGS];

		if (e->count == 0) {
			e->key = key;
			e->count = n;
			return;
		}
		if (e->key == key) {
			e->count += n;
			return;
		}
	}
	s->sysreg_other += n;
}

/* One more access to @key: its slot when it is the first probed, else sysreg_count_add(). */
static inline void sysreg_count_one(struct av_vm_stats *s, uint32_t key)
{
	struct av_vm_stat_sysreg *e = &s->sysreg[sysreg_slot(key)];

	if (e->key == key && e->count)
		e->count++;
	else
		sysreg_count_add(s, key, 1);
}

int av_vm_stats_get(const struct av_vm *vm, struct av_vm_stats *out)
{
	if (!vm || !out)
		return -AV_EINVAL;
	memset(out, 0, sizeof(*out));
	for (unsigned v = 0; v < vm->nr_vcpus; v++) {
		const struct av_vm_stats *s;

		if (!vm->vcpus[v])
			continue;
		s = &vm->vcpus[v]->stats;
		out->exits += s->exits;
		for (unsigned i = 0; i < AV_EXIT_KIND_COUNT; i++)
			out->kind[i] += s->kind[i];
		for (unsigned i = 0; i < AV_VM_NR_EC; i++)
			out->ec[i] += s->ec[i];
		for (unsigned i = 0; i < AV_EXIT_ACTION_COUNT; i++)
			out->action[i] += s->action[i];
		out->inject_undef += s->inject_undef;
		out->inject_dabt += s->inject_dabt;
		out->inject_iabt += s->inject_iabt;
		for (unsigned i = 0; i < AV_VM_STATS_SYSREGS; i++)
			if (s->sysreg[i].count)
				sysreg_count_add(out, s->sysreg[i].key, s->sysreg[i].count);
		out->sysreg_other += s->sysreg_other;
	}
	return 0;
}

static const char *const action_names[AV_EXIT_ACTION_COUNT] = {
	[AV_EXIT_RESUME] = "resume",
	[AV_EXIT_BLOCK] = "block",
	[AV_EXIT_YIELD] = "yield",
	[AV_EXIT_TO_CALLER] = "to-caller",
	[AV_EXIT_VCPU_OFF] = "vcpu-off",
	[AV_EXIT_SYSTEM_OFF] = "system-off",
	[AV_EXIT_SYSTEM_RESET] = "system-reset",
};

const char *av_exit_action_name(enum av_exit_action action)
{
	if ((unsigned)action >= AV_EXIT_ACTION_COUNT)
		return "?";
	return action_names[action];
}

int av_vm_stats_print(const struct av_vm *vm, av_vm_line_fn fn, void *cookie)
{
	static const char *const kind_names[AV_EXIT_KIND_COUNT] = { "sync", "irq", "fiq",
								     "serror" };
	struct av_vm_stats st;
	struct av_vm_stat_sysreg sorted[AV_VM_STATS_SYSREGS];
	char line[AV_LOG_LINE_MAX], reg[AV_SYSREG_NAME_MAX];
	const char *name;
	size_t n = 0;
	int len;

	if (!vm || !fn)
		return -AV_EINVAL;
	av_vm_stats_get(vm, &st);
	name = vm_name(vm);

	len = av_snprintf(line, sizeof(line), "%s: %llu exits:", name,
			  (unsigned long long)st.exits);
	for (unsigned i = 0; i < AV_EXIT_KIND_COUNT && len < (int)sizeof(line); i++)
		len += av_snprintf(line + len, sizeof(line) - (size_t)len, " %s %llu",
				   kind_names[i], (unsigned long long)st.kind[i]);
	fn(cookie, line);

	len = av_snprintf(line, sizeof(line), "%s: actions:", name);
	for (unsigned i = 0; i < AV_EXIT_ACTION_COUNT && len < (int)sizeof(line); i++)
		if (st.action[i])
			len += av_snprintf(line + len, sizeof(line) - (size_t)len, " %s %llu",
					   action_names[i], (unsigned long long)st.action[i]);
	fn(cookie, line);

	for (unsigned ec = 0; ec < AV_VM_NR_EC; ec++) {
		if (!st.ec[ec])
			continue;
		av_snprintf(line, sizeof(line), "%s: EC 0x%02x %-12s %llu", name, ec,
			    av_esr_ec_name(ec), (unsigned long long)st.ec[ec]);
		fn(cookie, line);
	}

	/* System registers, most frequent first (insertion sort of at most 32 entries). */
	for (unsigned i = 0; i < AV_VM_STATS_SYSREGS; i++) {
		size_t j;

		if (!st.sysreg[i].count)
			continue;
		for (j = n; j > 0 && sorted[j - 1].count < st.sysreg[i].count; j--)
			sorted[j] = sorted[j - 1];
		sorted[j] = st.sysreg[i];
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		av_sysreg_format_key(sorted[i].key, reg, sizeof(reg));
		av_snprintf(line, sizeof(line), "%s: sysreg %-24s %llu", name, reg,
			    (unsigned long long)sorted[i].count);
		fn(cookie, line);
	}
	if (st.sysreg_other) {
		av_snprintf(line, sizeof(line), "%s: sysreg %-24s %llu", name, "(other)",
			    (unsigned long long)st.sysreg_other);
		fn(cookie, line);
	}

	if (vm->bus) {
		for (size_t i = 0; i < vm->bus->count; i++) {
			const struct av_mmio_dev *d = vm->bus->slots[i];

			av_snprintf(line, sizeof(line),
				    "%s: mmio %-16s @0x%llx reads %llu writes %llu rejected %llu",
				    name, d->name ? d->name : "(unnamed)",
				    (unsigned long long)d->base, (unsigned long long)d->reads,
				    (unsigned long long)d->writes, (unsigned long long)d->rejected);
			fn(cookie, line);
		}
		if (vm->bus->unclaimed_reads || vm->bus->unclaimed_writes) {
			av_snprintf(line, sizeof(line), "%s: mmio %-16s reads %llu writes %llu",
				    name, "(unclaimed)",
				    (unsigned long long)vm->bus->unclaimed_reads,
				    (unsigned long long)vm->bus->unclaimed_writes);
			fn(cookie, line);
		}
	}

	if (st.inject_undef || st.inject_dabt || st.inject_iabt) {
		av_snprintf(line, sizeof(line), "%s: injected: undef %llu, dabt %llu, iabt %llu",
			    name, (unsigned long long)st.inject_undef,
			    (unsigned long long)st.inject_dabt, (unsigned long long)st.inject_iabt);
		fn(cookie, line);
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * ID registers
 */

/* A field the built-in policy hides, unless one of @keep is in av_vm::id_flags. */
struct id_hide {
	uint32_t key;
	const char *field;
	unsigned keep;
};

/*
 * Features a guest is not shown, because their state is not switched, their registers are
 * not emulated, or they describe EL2/EL3 (doc/vm.md has the reasons per feature).
 */
static const struct id_hide id_hidden[] = {
	{ AV_SYS_ID_AA64PFR0_EL1, "EL2", 0 },
	{ AV_SYS_ID_AA64PFR0_EL1, "EL3", 0 },
	{ AV_SYS_ID_AA64PFR0_EL1, "RAS", AV_VM_ID_KEEP_RAS },
	{ AV_SYS_ID_AA64PFR0_EL1, "SVE", 0 },
	{ AV_SYS_ID_AA64PFR0_EL1, "SEL2", 0 },
	{ AV_SYS_ID_AA64PFR0_EL1, "MPAM", 0 },
	{ AV_SYS_ID_AA64PFR0_EL1, "AMU", 0 },
	{ AV_SYS_ID_AA64PFR0_EL1, "RME", 0 },
	{ AV_SYS_ID_AA64PFR1_EL1, "MTE", 0 },
	{ AV_SYS_ID_AA64PFR1_EL1, "RAS_frac", AV_VM_ID_KEEP_RAS },
	{ AV_SYS_ID_AA64PFR1_EL1, "MPAM_frac", 0 },
	{ AV_SYS_ID_AA64PFR1_EL1, "SME", 0 },
	{ AV_SYS_ID_AA64PFR1_EL1, "NMI", 0 },
	{ AV_SYS_ID_AA64PFR1_EL1, "MTE_frac", 0 },
	{ AV_SYS_ID_AA64PFR1_EL1, "GCS", 0 },
	{ AV_SYS_ID_AA64PFR1_EL1, "THE", 0 },
	{ AV_SYS_ID_AA64PFR1_EL1, "MTEX", 0 },
	{ AV_SYS_ID_AA64PFR1_EL1, "PFAR", 0 },
	{ AV_SYS_ID_AA64DFR0_EL1, "TraceVer", 0 },
	{ AV_SYS_ID_AA64DFR0_EL1, "PMUVer", AV_VM_ID_KEEP_PMU },
	{ AV_SYS_ID_AA64DFR0_EL1, "PMSVer", 0 },
	{ AV_SYS_ID_AA64DFR0_EL1, "TraceFilt", 0 },
	{ AV_SYS_ID_AA64DFR0_EL1, "TraceBuffer", 0 },
	{ AV_SYS_ID_AA64DFR0_EL1, "DoubleLock", 0 },
	{ AV_SYS_ID_AA64DFR0_EL1, "MTPMU", 0 }, /* 0b1111 (PMEVTYPER.MT RES0), PMU or not */
	{ AV_SYS_ID_AA64DFR0_EL1, "BRBE", 0 },
	{ AV_SYS_ID_AA64ISAR0_EL1, "TME", 0 },
	{ AV_SYS_ID_AA64ISAR1_EL1, "LS64", 0 },
	/* Pointer authentication: its instructions and keys trap unless the host lets them. */
	{ AV_SYS_ID_AA64ISAR1_EL1, "APA", AV_VM_ID_KEEP_PAUTH },
	{ AV_SYS_ID_AA64ISAR1_EL1, "API", AV_VM_ID_KEEP_PAUTH },
	{ AV_SYS_ID_AA64ISAR1_EL1, "GPA", AV_VM_ID_KEEP_PAUTH },
	{ AV_SYS_ID_AA64ISAR1_EL1, "GPI", AV_VM_ID_KEEP_PAUTH },
	{ AV_SYS_ID_AA64ISAR2_EL1, "APA3", AV_VM_ID_KEEP_PAUTH },
	{ AV_SYS_ID_AA64ISAR2_EL1, "GPA3", AV_VM_ID_KEEP_PAUTH },
	{ AV_SYS_ID_AA64ISAR2_EL1, "PAC_frac", AV_VM_ID_KEEP_PAUTH },
	{ AV_SYS_ID_AA64ISAR2_EL1, "WFxT", 0 },
	{ AV_SYS_ID_AA64MMFR1_EL1, "VH", 0 },
	{ AV_SYS_ID_AA64MMFR1_EL1, "HCX", 0 },
	{ AV_SYS_ID_AA64MMFR2_EL1, "NV", 0 },
};

static uint64_t id_host(const struct av_vm *vm, uint32_t key)
{
	return vm->ops && vm->ops->id_host ? vm->ops->id_host(vm->cookie, key) : 0;
}

/* The VM's limit for a register with a layout: the host value with the policy applied. */
static uint64_t id_limit(const struct av_vm *vm, uint32_t key, uint64_t host)
{
	uint64_t limit = host;

	for (size_t i = 0; i < AV_ARRAY_SIZE(id_hidden); i++)
		if (id_hidden[i].key == key && !(vm->id_flags & id_hidden[i].keep))
			av_idreg_hide(key, id_hidden[i].field, &limit);
	/* The GIC system-register interface exists only with a GICv3 vGIC. */
	if (key == AV_SYS_ID_AA64PFR0_EL1 && (!vm->vgic || vm->vgic->model != AV_VGIC_V3))
		av_idreg_hide(key, "GIC", &limit);
	/* SVE is hidden, so every SVE feature field is too. */
	if (key == AV_SYS_ID_AA64ZFR0_EL1)
		limit = 0;
	if (vm->ops && vm->ops->id_limit)
		vm->ops->id_limit(vm->cookie, key, host, &limit);
	return limit;
}

/* AArch32 ID registers: op0 = 3, op1 = 0, CRn = 0, CRm = 1..3. */
static bool is_aarch32_idreg(uint32_t key)
{
	return av_sysreg_op0(key) == 3 && av_sysreg_op1(key) == 0 && av_sysreg_crn(key) == 0 &&
	       av_sysreg_crm(key) >= 1 && av_sysreg_crm(key) <= 3;
}

/* NOLINTNEXTLINE(misc-no-recursion): once, for ID_AA64PFR0_EL1 (not an AArch32 one) */
int av_vm_id_read(const struct av_vm *vm, uint32_t key, uint64_t *val)
{
	uint64_t host;

	if (!vm || !val)
		return -AV_EINVAL;
	*val = 0;
	host = id_host(vm, key);
	if (av_idreg_find(key)) {
		av_idreg_sanitise(key, host, id_limit(vm, key, host), val);
		return 0;
	}
	if (is_aarch32_idreg(key)) {
		uint64_t pfr0;

		av_vm_id_read(vm, AV_SYS_ID_AA64PFR0_EL1, &pfr0);
		/* EL0 == 0b0010: AArch64 and AArch32 at EL0. */
		if (AV_FIELD_GET(AV_ID_AA64PFR0_EL0, pfr0) >= 2)
			*val = host;
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * The guest system-register table
 */

static struct av_vcpu *sys_vcpu(const struct av_sysreg_ctx *ctx)
{
	return ctx->vcpu;
}

/* ID registers (HCR_EL2.TID3) and CTR_EL0 (TID2): read-only, sanitised. */
static enum av_access_result sys_id(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	if (ctx->is_write)
		return AV_ACCESS_INJECT;
	av_vm_id_read(sys_vcpu(ctx)->vm, ctx->key, val);
	return AV_ACCESS_HANDLED;
}

/* DC ISW / CSW / CISW (HCR_EL2.TSW). */
static enum av_access_result sys_setway(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	struct av_vcpu *vcpu = sys_vcpu(ctx);
	const struct av_vm *vm = vcpu->vm;

	if (!ctx->is_write) /* SYSL with this encoding is unallocated */
		return AV_ACCESS_INJECT;
	/*
	 * Set/way operations act on the cache of one physical CPU, which a vCPU does not own.
	 * Stage 2 maps guest RAM cacheable and coherent, so the guest's view of memory needs
	 * no set/way maintenance; a host that must push a guest's writes to the point of
	 * coherency (for example with its caches off) does it in the hook.
	 */
	if (vm->ops && vm->ops->setway)
		vm->ops->setway(vm->cookie, vcpu, ctx->key, *val);
	return AV_ACCESS_HANDLED;
}

/* The MDSCR_EL1 the hardware gets, after a change of the guest's MDSCR or OS lock. */
static void mdscr_apply(struct av_vcpu *vcpu)
{
	el1_get(vcpu, 0);
	vcpu->ctxt.el1.mdscr = av__vm_dbg_mdscr_hw(vcpu);
	el1_put(vcpu, AV_VM_EL1_MDSCR);
}

/* MDSCR_EL1 (MDCR_EL2.TDA): the guest's value in `sys`, the effective one in the vCPU
 * context the world switch restores (lib/vm_debug.h). */
static enum av_access_result sys_mdscr(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	struct av_vcpu *vcpu = sys_vcpu(ctx);

	if (ctx->is_write) {
		vcpu->sys.mdscr = *val & AV__MDSCR_GUEST;
		mdscr_apply(vcpu);
	} else {
		*val = vcpu->sys.mdscr;
	}
	return AV_ACCESS_HANDLED;
}

/* OSLAR_EL1 (write-only): bit 0 sets or clears the OS lock. */
#define OSLAR_OSLK AV_GENMASK(0, 0)
/* OSLSR_EL1 fields (Arm ARM D23.3 "OSLSR_EL1"). */
#define OSLSR_OSLM1 AV_GENMASK(3, 3) /* OSLM[1] */
#define OSLSR_OSLK  AV_GENMASK(1, 1) /* OS lock status */

static enum av_access_result sys_oslar(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	struct av_vcpu *vcpu = sys_vcpu(ctx);

	if (!ctx->is_write)
		return AV_ACCESS_INJECT;
	vcpu->sys.os_lock = AV_FIELD_GET(OSLAR_OSLK, *val) != 0;
	/* A locked OS lock disables breakpoints, watchpoints and software step. */
	mdscr_apply(vcpu);
	av__vm_dbg_update(vcpu);
	return AV_ACCESS_HANDLED;
}

static enum av_access_result sys_oslsr(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	if (ctx->is_write)
		return AV_ACCESS_INJECT;
	/* OSLM = 0b10: the OS lock is implemented (the only Armv8 value). */
	*val = AV_FIELD_PREP(OSLSR_OSLM1, 1) |
	       AV_FIELD_PREP(OSLSR_OSLK, sys_vcpu(ctx)->sys.os_lock ? 1 : 0);
	return AV_ACCESS_HANDLED;
}

/* The emulated EL1 physical timer (CNTHCTL_EL2.EL1PCEN = 0). */
static enum av_access_result sys_ptimer(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	struct av_vcpu *vcpu = sys_vcpu(ctx);
	const struct av_vm *vm = vcpu->vm;
	struct av_vtimer *t = &vcpu->vtimer;
	uint64_t now;

	if (!vm->ops || !vm->ops->counter)
		return AV_ACCESS_TO_CALLER;
	now = vm->ops->counter(vm->cookie);
	switch (ctx->key) {
	case AV_SYS_CNTP_CTL_EL0:
		if (ctx->is_write)
			av_vtimer_write_ctl(t, AV_VTIMER_PHYS, *val, now, NULL);
		else
			*val = av_vtimer_read_ctl(t, AV_VTIMER_PHYS, now);
		break;
	case AV_SYS_CNTP_CVAL_EL0:
		if (ctx->is_write)
			av_vtimer_write_cval(t, AV_VTIMER_PHYS, *val, now, NULL);
		else
			*val = av_vtimer_read_cval(t, AV_VTIMER_PHYS);
		break;
	default: /* CNTP_TVAL_EL0 */
		if (ctx->is_write)
			av_vtimer_write_tval(t, AV_VTIMER_PHYS, *val, now, NULL);
		else
			*val = av_vtimer_read_tval(t, AV_VTIMER_PHYS, now);
		break;
	}
	return AV_ACCESS_HANDLED;
}

/* CNTPCT_EL0 (CNTHCTL_EL2.EL1PCTEN = 0): the physical counter, read-only. */
static enum av_access_result sys_cntpct(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	const struct av_vm *vm = sys_vcpu(ctx)->vm;

	if (ctx->is_write)
		return AV_ACCESS_INJECT;
	if (!vm->ops || !vm->ops->counter)
		return AV_ACCESS_TO_CALLER;
	*val = vm->ops->counter(vm->cookie);
	return AV_ACCESS_HANDLED;
}

/*
 * ICC_SGI0R_EL1 and ICC_ASGI1R_EL1 with one Security state (GICD_CTLR.DS == 1) generate
 * Group 0 SGIs: forward to the targets (same field layout as ICC_SGI1R_EL1) on which the
 * SGI is configured as Group 0.
 */
static void send_group0_sgi(struct av_vm *vm, const struct av_vcpu *src, uint64_t val)
{
	unsigned sgi = (unsigned)AV_FIELD_GET(AV_ICC_SGI1R_INTID, val);
	uint64_t list = AV_FIELD_GET(AV_ICC_SGI1R_TARGETS, val);
	uint64_t aff0_base = AV_FIELD_GET(AV_ICC_SGI1R_RS, val) * 16;
	uint32_t targets = 0;

	for (unsigned v = 0; v < vm->nr_vcpus; v++) {
		uint64_t m = vm->mpidr[v], aff0 = AV_FIELD_GET(AV_MPIDR_AFF0, m);
		struct av_vgic_irq_state st;

		if (val & AV_ICC_SGI1R_IRM) {
			if (v == src->index)
				continue;
		} else if (AV_FIELD_GET(AV_MPIDR_AFF1, m) != AV_FIELD_GET(AV_ICC_SGI1R_AFF1, val) ||
			   AV_FIELD_GET(AV_MPIDR_AFF2, m) != AV_FIELD_GET(AV_ICC_SGI1R_AFF2, val) ||
			   AV_FIELD_GET(AV_MPIDR_AFF3, m) != AV_FIELD_GET(AV_ICC_SGI1R_AFF3, val) ||
			   aff0 < aff0_base || aff0 >= aff0_base + 16 ||
			   !(list & AV_BIT(aff0 - aff0_base))) {
			continue;
		}
		if (av_vgic_get_irq(vm->vgic, v, sgi, &st) == 0 && !st.group1)
			targets |= (uint32_t)AV_BIT(v);
	}
	if (targets)
		av_vgic_send_sgi(vm->vgic, src->index, targets, sgi, NULL);
}

/* ICC_SGI1R_EL1, ICC_ASGI1R_EL1, ICC_SGI0R_EL1: write-only SGI generation. */
static enum av_access_result sys_sgi(const struct av_sysreg_ctx *ctx, uint64_t *val)
{
	struct av_vcpu *vcpu = sys_vcpu(ctx);
	struct av_vm *vm = vcpu->vm;

	/* Without a GICv3 vGIC the guest has no system-register CPU interface. */
	if (!vm->vgic || vm->vgic->model != AV_VGIC_V3 || !ctx->is_write)
		return AV_ACCESS_INJECT;
	if (ctx->key == AV_SYS_ICC_SGI1R_EL1)
		av_vgic_v3_sgi1r_write(vm->vgic, vcpu->index, *val, NULL);
	else
		send_group0_sgi(vm, vcpu, *val);
	return AV_ACCESS_HANDLED;
}

/* A range row of a fixed kind. */
#define ROW_RANGE(first, lst, nm, k) { .key = (first), .last = (lst), .name = (nm), .kind = (k) }
/* The IMPLEMENTATION DEFINED registers S3_<op1>_C15_<m>_<n>: UNDEFINED for guests. */
#define ROW_IMPDEF(op1) \
	ROW_RANGE(AV_SYSREG(3, op1, 15, 0, 0), AV_SYSREG(3, op1, 15, 15, 7), \
		  "S3_" #op1 "_C15_*", AV_SYSREG_UNDEF)

/* Sorted in encoding order (op0, op1, CRn, CRm, op2); checked by av_vm_init(). */
static const struct av_sysreg_desc vm_rows[] = {
	/* op0 = 1: set/way cache maintenance (HCR_EL2.TSW). */
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(1, 0, 7, 6, 2), "DC ISW", sys_setway, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(1, 0, 7, 10, 2), "DC CSW", sys_setway, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYSREG(1, 0, 7, 14, 2), "DC CISW", sys_setway, 0),

	/* op0 = 2: debug (MDCR_EL2.TDA/TDOSA/TDRA), emulated per vCPU (lib/vm_debug.c). */
	AV_SYSREG_ROW_RANGE(AV_SYSREG(2, 0, 0, 0, 0), AV_SYSREG(2, 0, 0, 2, 1),
			    "DBG{B,W}{V,C}R0-1_EL1, OSDTRRX_EL1, MDCCINT_EL1", av__vm_sys_dbg, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYS_MDSCR_EL1, "MDSCR_EL1", sys_mdscr, 0),
	AV_SYSREG_ROW_RANGE(AV_SYSREG(2, 0, 0, 2, 3), AV_SYSREG(2, 0, 0, 15, 7),
			    "DBG{B,W}{V,C}R2-15_EL1, OSDTRTX_EL1, OSECCR_EL1", av__vm_sys_dbg, 0),
	AV_SYSREG_ROW_RO(AV_SYS_MDRAR_EL1, "MDRAR_EL1", 0),
	AV_SYSREG_ROW_HANDLER(AV_SYS_OSLAR_EL1, "OSLAR_EL1", sys_oslar, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYS_OSLSR_EL1, "OSLSR_EL1", sys_oslsr, 0),
	AV_SYSREG_ROW_RAZ_WI(AV_SYS_OSDLR_EL1, "OSDLR_EL1"),
	AV_SYSREG_ROW_RAZ_WI(AV_SYS_DBGPRCR_EL1, "DBGPRCR_EL1"),
	AV_SYSREG_ROW_RAZ_WI(AV_SYS_DBGCLAIMSET_EL1, "DBGCLAIMSET_EL1"),
	AV_SYSREG_ROW_RAZ_WI(AV_SYS_DBGCLAIMCLR_EL1, "DBGCLAIMCLR_EL1"),
	AV_SYSREG_ROW_RO(AV_SYS_DBGAUTHSTATUS_EL1, "DBGAUTHSTATUS_EL1", 0),
	ROW_RANGE(AV_SYSREG(2, 3, 0, 0, 0), AV_SYSREG(2, 3, 0, 5, 7),
		  "MDCCSR_EL0, DBGDTR*_EL0", AV_SYSREG_RAZ_WI),

	/* op0 = 3, op1 = 0. */
	AV_SYSREG_ROW_RO(AV_SYS_REVIDR_EL1, "REVIDR_EL1", 0),
	AV_SYSREG_ROW_RANGE(AV_SYSREG(3, 0, 0, 1, 0), AV_SYSREG(3, 0, 0, 7, 7),
			    "ID registers", sys_id, 0),
	AV_SYSREG_ROW_RAZ_WI(AV_SYS_ACTLR_EL1, "ACTLR_EL1"),
	/* Pointer-authentication keys (HCR_EL2.APK = 0): trapped only while the ID registers
	 * hide the feature, so UNDEFINED as on a CPU without it. */
	ROW_RANGE(AV_SYSREG(3, 0, 2, 1, 0), AV_SYSREG(3, 0, 2, 3, 1), "AP*Key{Lo,Hi}_EL1",
		  AV_SYSREG_UNDEF),
	ROW_RANGE(AV_SYS_PMINTENSET_EL1, AV_SYS_PMINTENCLR_EL1, "PMINTEN{SET,CLR}_EL1",
		  AV_SYSREG_RAZ_WI),
	AV_SYSREG_ROW_RO(AV_SYSREG(3, 0, 9, 14, 6), "PMMIR_EL1", 0),
	AV_SYSREG_ROW_HANDLER(AV_SYS_ICC_SGI1R_EL1, "ICC_SGI1R_EL1", sys_sgi, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYS_ICC_ASGI1R_EL1, "ICC_ASGI1R_EL1", sys_sgi, 0),
	AV_SYSREG_ROW_HANDLER(AV_SYS_ICC_SGI0R_EL1, "ICC_SGI0R_EL1", sys_sgi, 0),
	ROW_IMPDEF(0),

	/* op1 = 1, 2. */
	AV_SYSREG_ROW_RO(AV_SYS_AIDR_EL1, "AIDR_EL1", 0),
	ROW_IMPDEF(1),
	ROW_IMPDEF(2),

	/* op1 = 3: EL0-accessible registers. PMU: no counters (PMCR_EL0.N = 0), RAZ/WI. */
	AV_SYSREG_ROW_HANDLER(AV_SYS_CTR_EL0, "CTR_EL0", sys_id, 0),
	ROW_RANGE(AV_SYS_PMCR_EL0, AV_SYS_PMOVSSET_EL0, "PMCR_EL0..PMOVSSET_EL0",
		  AV_SYSREG_RAZ_WI),
	AV_SYSREG_ROW_HANDLER(AV_SYS_CNTPCT_EL0, "CNTPCT_EL0", sys_cntpct, 0),
	AV_SYSREG_ROW_RANGE(AV_SYS_CNTP_TVAL_EL0, AV_SYS_CNTP_CVAL_EL0, "CNTP_{TVAL,CTL,CVAL}_EL0",
			    sys_ptimer, 0),
	ROW_RANGE(AV_SYS_PMEVCNTRn_EL0(0), AV_SYS_PMCCFILTR_EL0,
		  "PMEVCNTR<n>_EL0, PMEVTYPER<n>_EL0, PMCCFILTR_EL0", AV_SYSREG_RAZ_WI),
	ROW_IMPDEF(3),

	/* op1 = 4..7 (EL2 and EL3 encodings). */
	ROW_IMPDEF(4),
	ROW_IMPDEF(5),
	ROW_IMPDEF(6),
	ROW_IMPDEF(7),
};

/* ---------------------------------------------------------------------------------------
 * PSCI glue
 */

struct av_vcpu *av_vm_vcpu_by_mpidr(struct av_vm *vm, uint64_t mpidr)
{
	if (!vm)
		return NULL;
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (vm->vcpus[i] && vm->mpidr[i] == mpidr)
			return vm->vcpus[i];
	return NULL;
}

/* PSCI CPU_ON accepted; runs under the VM lock (inside av_psci_call()). */
static int psci_cpu_on(void *cookie, uint64_t target, uint64_t entry, uint64_t context_id)
{
	struct av_vm *vm = cookie;
	struct av_vcpu *t = av_vm_vcpu_by_mpidr(vm, target);
	int ret;

	if (!t)
		return -AV_ENOENT;
	t->boot_entry = entry;
	t->boot_context = context_id;
	t->state = AV_VCPU_ON_PENDING;
	if (vm->ops && vm->ops->cpu_on) {
		ret = vm->ops->cpu_on(vm->cookie, t);
		if (ret) {
			t->state = AV_VCPU_OFF;
			return ret < 0 ? ret : -AV_EIO;
		}
	}
	return 0;
}

static int32_t psci_arch_workaround(void *cookie, uint32_t fid, bool query, uint64_t arg)
{
	const struct av_vm *vm = cookie;

	if (vm->ops && vm->ops->arch_workaround)
		return vm->ops->arch_workaround(vm->cookie, fid, query, arg);
	return AV_SMCCC_RET_NOT_SUPPORTED;
}

static const struct av_psci_ops vm_psci_ops = {
	.cpu_on = psci_cpu_on,
	.arch_workaround = psci_arch_workaround,
};

/* ---------------------------------------------------------------------------------------
 * Exit handlers
 */

/* WFI (and PSCI CPU_SUSPEND): wait unless an interrupt is already deliverable. */
static enum av_exit_action wait_for_interrupt(struct av_vcpu *vcpu)
{
	const struct av_vm *vm = vcpu->vm;

	if (vm->vgic && av_vgic_has_pending(vm->vgic, vcpu->index))
		return AV_EXIT_RESUME;
	return AV_EXIT_BLOCK;
}

static enum av_exit_action handle_unknown(const struct av_exit_ctx *ctx)
{
	struct av_vcpu *vcpu = ctx->vcpu;
	struct av_vm *vm = vcpu->vm;
	unsigned ec = av_esr_get_ec(ctx->exit->esr);

	if (first_time64(&vm->logged_ec, ec) && av_log_budget_take(&vm->log_budget))
		av_warn("%s: vCPU %u: unhandled EC 0x%02x (%s), ESR_EL2 0x%llx at PC 0x%llx: "
			"injecting UNDEF (logged once per class)",
			vm_name(vm), vcpu->index, ec, av_esr_ec_name(ec),
			(unsigned long long)ctx->exit->esr, (unsigned long long)vcpu->ctxt.regs.pc);
	inject_undef(vcpu);
	return AV_EXIT_RESUME;
}

static enum av_exit_action psci_call(struct av_vcpu *vcpu)
{
	struct av_vm *vm = vcpu->vm;
	enum av_psci_action act = AV_PSCI_ACT_RESUME;
	int ret;

	vm_lock(vm);
	ret = av_psci_call(&vm->psci, vcpu->mpidr, &vcpu->ctxt.regs, &act);
	if (ret == 0 && act == AV_PSCI_ACT_CPU_OFF)
		vcpu->state = AV_VCPU_OFF;
	vm_unlock(vm);
	if (ret) {
		vcpu->ctxt.regs.x[0] = (uint64_t)(int64_t)AV_SMCCC_RET_NOT_SUPPORTED;
		return AV_EXIT_RESUME;
	}
	switch (act) {
	case AV_PSCI_ACT_WFI:
		return wait_for_interrupt(vcpu);
	case AV_PSCI_ACT_CPU_OFF:
		return AV_EXIT_VCPU_OFF;
	case AV_PSCI_ACT_SYSTEM_OFF:
		return AV_EXIT_SYSTEM_OFF;
	case AV_PSCI_ACT_SYSTEM_RESET:
		return AV_EXIT_SYSTEM_RESET;
	default:
		return AV_EXIT_RESUME;
	}
}

/* The host's `hypercall` hook answers @fid (av_vm_config::hypercall_first/last). */
static inline bool hc_host(const struct av_vm *vm, uint32_t fid)
{
	return vm->hc_hook && fid - vm->hc_first <= vm->hc_last - vm->hc_first;
}

/* HVC64 and SMC64: SMC Calling Convention dispatch (doc/hypercalls.md). */
static enum av_exit_action smccc_call(const struct av_exit_ctx *ctx)
{
	struct av_vcpu *vcpu = ctx->vcpu;
	const struct av_vm *vm = vcpu->vm;
	struct av_regs *regs = &vcpu->ctxt.regs;
	uint16_t imm = av_esr_get_imm16(ctx->exit->esr);
	uint32_t fid = (uint32_t)regs->x[0];
	unsigned oen = (unsigned)AV_FIELD_GET(AV_SMCCC_FID_OEN, fid);
	enum av_exit_action action = AV_EXIT_RESUME;

	/* A trapped SMC returns to itself; an HVC's preferred return address follows it. */
	if (av_esr_get_ec(ctx->exit->esr) == AV_ESR_EC_SMC64) {
		skip_trapped(vcpu, 4);
		/* SMCCC: SMC #0 only; other immediates are reserved. */
		if (imm != 0) {
			regs->x[0] = (uint64_t)(int64_t)AV_SMCCC_RET_NOT_SUPPORTED;
			return AV_EXIT_RESUME;
		}
	}
	if (oen == AV_SMCCC_OEN_ARCH || oen == AV_SMCCC_OEN_STD)
		return psci_call(vcpu);
	if (fid == AV_HC_ECHO) {
		regs->x[0] = 0; /* x1..x3 are returned unchanged */
		return AV_EXIT_RESUME;
	}
	if (fid == AV_HC_YIELD) {
		regs->x[0] = 0;
		return AV_EXIT_YIELD;
	}
	if (hc_host(vm, fid) && vm->ops->hypercall(vm->cookie, vcpu, fid, imm, &action) == 0)
		return (unsigned)action < AV_EXIT_ACTION_COUNT ? action : AV_EXIT_TO_CALLER;
	regs->x[0] = (uint64_t)(int64_t)AV_SMCCC_RET_NOT_SUPPORTED;
	return AV_EXIT_RESUME;
}

static enum av_exit_action handle_smccc(const struct av_exit_ctx *ctx)
{
	struct av_regs *regs = &ctx->vcpu->ctxt.regs;
	uint64_t pc = regs->pc, pstate = regs->pstate;
	enum av_exit_action a = smccc_call(ctx);

	/*
	 * #AV_EXIT_TO_CALLER leaves the vCPU as it trapped (found by fuzz.vm_exit): the skip of
	 * a trapped SMC is undone, unless the host's hook moved the PC itself.
	 */
	if (__builtin_expect(a == AV_EXIT_TO_CALLER, 0) &&
	    av_esr_get_ec(ctx->exit->esr) == AV_ESR_EC_SMC64 && regs->pc == pc + 4) {
		regs->pc = pc;
		regs->pstate = pstate; /* BTYPE, SS (and IT, had PSTATE said AArch32) as before */
	}
	return a;
}

static enum av_exit_action handle_sys64(const struct av_exit_ctx *ctx)
{
	struct av_vcpu *vcpu = ctx->vcpu;
	struct av_vm *vm = vcpu->vm;
	uint32_t iss = av_esr_get_iss(ctx->exit->esr);
	uint32_t key = av_sysreg_key_from_iss(iss);

	sysreg_count_one(&vcpu->stats, key);
	switch (av__sysreg_trap2(&vm->host_sys, &vm->sys, vcpu, iss, &vcpu->ctxt.regs)) {
	case AV_ACCESS_HANDLED:
		insn_done(vcpu);
		return AV_EXIT_RESUME;
	case AV_ACCESS_INJECT:
		inject_undef(vcpu);
		return AV_EXIT_RESUME;
	default:
		return AV_EXIT_TO_CALLER;
	}
}

/* load_to_rt() for a value already zero-extended from the access width (what
 * av_mmio_dev_rw() and av_mmio_dev_access() return). */
static inline void load_to_rt_narrow(struct av_vcpu *vcpu, const struct av_vcpu_mmio *m,
				     uint64_t val)
{
	if (m->big_endian)
		val = bswap_size(val, m->size);
	if (m->sign_extend)
		val = (uint64_t)av_sext(val, 8u * m->size);
	if (!m->sf)
		val &= AV_GENMASK(31, 0); /* a W register: bits 63:32 are cleared */
	if (m->rt != 31)
		vcpu->ctxt.regs.x[m->rt] = val;
}

/* Write a loaded value to Rt as a load with this syndrome would. */
static inline void load_to_rt(struct av_vcpu *vcpu, const struct av_vcpu_mmio *m, uint64_t val)
{
	load_to_rt_narrow(vcpu, m, val & size_mask(m->size));
}

/* The access went to the caller or failed: kept out of the hot path's registers. */
static __attribute__((noinline, cold)) enum av_exit_action
mmio_isv_unhandled(struct av_vcpu *vcpu, uint64_t esr, uint64_t far, uint64_t ipa,
		   enum av_access_result r, uint64_t val, bool big_endian)
{
	bool wnr = av_esr_get_dabt_wnr(esr);

	if (r == AV_ACCESS_TO_CALLER) {
		vcpu->mmio = (struct av_vcpu_mmio){
			.valid = true,
			.is_write = wnr,
			.sign_extend = av_esr_get_dabt_sse(esr),
			.sf = av_esr_get_dabt_sf(esr),
			.big_endian = big_endian,
			.insn_len = av_esr_get_il(esr) ? 4 : 2,
			.size = (uint8_t)av_esr_get_dabt_size(esr),
			.rt = (uint8_t)av_esr_get_dabt_srt(esr),
			.ipa = ipa,
			.data = wnr ? val : 0,
		};
		return AV_EXIT_TO_CALLER;
	}
	inject_dabt_sea(vcpu, far, wnr);
	return AV_EXIT_RESUME;
}

/*
 * An emulated access described by an ISV = 1 syndrome: the hot MMIO path. The fields come
 * straight from ESR_EL2 (no full decode), the device from the one bus lookup of the exit
 * (NULL: the bus's unclaimed policy). The pending-access record (vcpu->mmio) is built only
 * when the access goes to the caller. @fast: av_vm_fast_exit()'s, where SCTLR_EL1 is
 * already in the context (no EL1 hooks) and the device's access is inlined.
 */
static inline __attribute__((always_inline)) enum av_exit_action
mmio_isv(struct av_vcpu *vcpu, uint64_t esr, uint64_t far, uint64_t ipa, struct av_mmio_dev *dev,
	 bool fast)
{
	bool wnr = av_esr_get_dabt_wnr(esr);
	unsigned size = av_esr_get_dabt_size(esr), rt = av_esr_get_dabt_srt(esr);
	uint64_t val = 0;
	enum av_access_result r;
	bool big_endian;

	/* SCTLR_EL1.EE, or E0E for an access from EL0 (av_ctxt_data_big_endian()). */
	if (!fast)
		el1_get(vcpu, AV_VM_EL1_SCTLR);
	big_endian = (vcpu->ctxt.el1.sctlr & (av_pstate_el(vcpu->ctxt.regs.pstate) == 0 ?
						      AV_SCTLR_EL1_E0E : AV_SCTLR_EL1_EE)) != 0;
	if (!fast)
		el1_put(vcpu, 0);
	if (wnr) {
		val = rt == 31 ? 0 : vcpu->ctxt.regs.x[rt] & size_mask(size);
		if (big_endian)
			val = bswap_size(val, size);
	}
	if (fast)
		r = av__mmio_dev_rw(dev, vcpu, ipa, size, wnr, &val);
	else if (dev)
		r = av_mmio_dev_rw(dev, vcpu, ipa, size, wnr, &val);
	else
		r = av_mmio_dev_access(vcpu->vm->bus, NULL, vcpu, ipa, size, wnr, &val);
	if (r != AV_ACCESS_HANDLED)
		return mmio_isv_unhandled(vcpu, esr, far, ipa, r, val, big_endian);
	if (fast && !wnr && !big_endian && !av_esr_get_dabt_sse(esr)) {
		/* load_to_rt_narrow()'s common case: the value as the bus returned it */
		if (!av_esr_get_dabt_sf(esr))
			val &= AV_GENMASK(31, 0);
		if (rt != 31)
			vcpu->ctxt.regs.x[rt] = val;
	} else if (!wnr) {
		struct av_vcpu_mmio m = {
			.sign_extend = av_esr_get_dabt_sse(esr),
			.sf = av_esr_get_dabt_sf(esr),
			.big_endian = big_endian,
			.size = (uint8_t)size,
			.rt = (uint8_t)rt,
		};

		load_to_rt_narrow(vcpu, &m, val); /* the bus returned it zero-extended */
	}
	skip_trapped(vcpu, av_esr_get_il(esr) ? 4 : 2);
	return AV_EXIT_RESUME;
}

/*
 * The rest of av_vm_try_mmio() (armvirt/vm.h), which has checked the class and the syndrome
 * bits: ISV set; CM, S1PTW and DFSC[5:4] clear (DFSC 0..15: address size, translation,
 * access flag or permission fault at levels 0..3, stage-2 faults HPFAR_EL2 describes).
 * The action, or -1 when not taken.
 */
static inline __attribute__((always_inline)) int try_mmio(struct av_vcpu *vcpu, uint64_t esr,
							  uint64_t far, uint64_t hpfar, bool fast)
{
	struct av_vm *vm = vcpu->vm;
	struct av_mmio_dev *dev;
	enum av_exit_action a;
	uint64_t ipa;

	if (!vm->bus || vm->handler[AV_ESR_EC_DABT_LOW])
		return -1;
	/* av_esr_fault_ipa(): the page from HPFAR_EL2.FIPA, the offset from FAR_EL2. */
	ipa = AV_FIELD_PREP(AV_IPA_PAGE, AV_FIELD_GET(AV_HPFAR_FIPA, hpfar)) |
	      AV_FIELD_PREP(AV_IPA_OFFSET, AV_FIELD_GET(AV_IPA_OFFSET, far));
	/* The device of the vCPU's last access, if still on the bus and holding @ipa (device
	 * ranges are disjoint: a registered device that holds it is the one). */
	dev = vcpu->mmio_last;
	if (!dev || vcpu->mmio_last_gen != vm->bus->gen || ipa - dev->base > dev->size - 1) {
		dev = av_mmio_find(vm->bus, ipa);
		if (!dev)
			return -1; /* RAM, the host's s2_fault hook or the unclaimed policy */
		vcpu->mmio_last = dev;
		vcpu->mmio_last_gen = vm->bus->gen;
	}
	a = mmio_isv(vcpu, esr, far, ipa, dev, fast);
	av__vcpu_count_sync(vcpu, AV_ESR_EC_DABT_LOW, a);
	return (int)a;
}

bool av__vm_try_mmio(struct av_vcpu *vcpu, uint64_t esr, uint64_t far, uint64_t hpfar,
		     enum av_exit_action *act)
{
	int a = try_mmio(vcpu, esr, far, hpfar, false);

	if (a < 0)
		return false;
	*act = (enum av_exit_action)a;
	return true;
}

/* A trapped SMC the fast path answered with @a: step over it (out of line: guests use
 * HVC, and the HVC path stays a leaf). */
static __attribute__((noinline, cold)) int smc_done(struct av_vcpu *vcpu, enum av_exit_action a)
{
	skip_trapped(vcpu, 4);
	return (int)a;
}

/* smccc_fast() for an ID in the host's range: only its fast range (within its range,
 * av_vm_init()) is taken. Out of line, so that the library's own answers need no frame. */
static __attribute__((noinline)) int smccc_fast_host(struct av_vcpu *vcpu, unsigned ec,
						     uint32_t fid)
{
	const struct av_vm *vm = vcpu->vm;

	if (!vm->fast_hc || ec != AV_ESR_EC_HVC64 ||
	    fid - vm->fast_hc_first > vm->fast_hc_last - vm->fast_hc_first)
		return -1;
	if (vm->fast_hc(vm->cookie, vcpu) != 0)
		vcpu->ctxt.regs.x[0] = (uint64_t)(int64_t)AV_SMCCC_RET_NOT_SUPPORTED;
	av__vcpu_count_sync(vcpu, ec, AV_EXIT_RESUME);
	return AV_EXIT_RESUME;
}

/*
 * av_vm_fast_exit()'s SMCCC calls: those handle_smccc() answers from the library's own
 * state, without the VM lock (PSCI) or the host's hook: ECHO, YIELD (x0 = 0, the action
 * for the host) and NOT_SUPPORTED. @ec: HVC64 or SMC64. The action, or -1.
 */
static inline __attribute__((always_inline)) int smccc_fast(struct av_vcpu *vcpu, uint64_t esr,
							      unsigned ec)
{
	const struct av_vm *vm = vcpu->vm;
	uint64_t *x0 = &vcpu->ctxt.regs.x[0];
	uint32_t fid = (uint32_t)*x0;
	unsigned oen = (unsigned)AV_FIELD_GET(AV_SMCCC_FID_OEN, fid);
	enum av_exit_action a = AV_EXIT_RESUME;

	if (av_esr_get_imm16(esr) != 0 || vm->handler[ec] || oen == AV_SMCCC_OEN_ARCH ||
	    oen == AV_SMCCC_OEN_STD)
		return -1;
	if (fid == AV_HC_ECHO || fid == AV_HC_YIELD) {
		*x0 = 0;
		if (fid == AV_HC_YIELD)
			a = AV_EXIT_YIELD;
	} else if (hc_host(vm, fid)) {
		return smccc_fast_host(vcpu, ec, fid);
	} else {
		*x0 = (uint64_t)(int64_t)AV_SMCCC_RET_NOT_SUPPORTED;
	}
	/* Counted with constants (@ec is one, the action one of two) for the common case. */
	if (a == AV_EXIT_RESUME)
		av__vcpu_count_sync(vcpu, ec, AV_EXIT_RESUME);
	else
		av__vcpu_count_sync(vcpu, ec, AV_EXIT_YIELD);
	if (ec == AV_ESR_EC_SMC64)
		return smc_done(vcpu, a);
	return (int)a;
}

/* av_vm_fast_exit()'s data aborts: av_vm_try_mmio()'s, while no LR of the vCPU is live. */
static __attribute__((noinline)) int mmio_fast(struct av_vcpu *vcpu, uint64_t esr, uint64_t far,
					       uint64_t hpfar)
{
	const struct av_vgic *vgic = vcpu->vm->vgic;

	/* A live LR may hold state the distributor's registers must show (pending, active):
	 * only a vCPU whose LRs are all folded back takes the fast path. The count is this
	 * vCPU's own (its flush and sync run here). */
	if ((vgic && vgic->vcpu[vcpu->index].lr_live) ||
	    (esr & (AV_ESR_DABT_ISV | AV_ESR_DABT_CM | AV_ESR_DABT_S1PTW | AV_GENMASK(5, 4))) !=
		    AV_ESR_DABT_ISV)
		return -1;
	return try_mmio(vcpu, esr, far, hpfar, true);
}

/*
 * av_vm_fast_exit()'s MSR/MRS traps: handle_sys64()'s, for the rows that may run here
 * (av__sysreg_fast_row(): fixed rows, handlers flagged AV_SYSREG_F_FAST).
 */
static __attribute__((noinline)) int sysreg_fast(struct av_vcpu *vcpu, uint64_t esr)
{
	struct av_vm *vm = vcpu->vm;
	uint32_t iss = av_esr_get_iss(esr);
	struct av_sysreg_table *t;
	const struct av_sysreg_desc *row;

	if (vm->handler[AV_ESR_EC_SYS64])
		return -1;
	row = av__sysreg_fast_row(&vm->host_sys, &vm->sys, iss, &t);
	if (!row)
		return -1;
	sysreg_count_one(&vcpu->stats, av_sysreg_key_from_iss(iss));
	switch (av__sysreg_trap_row(t, row, vcpu, iss, &vcpu->ctxt.regs)) {
	case AV_ACCESS_HANDLED:
		insn_done(vcpu);
		av__vcpu_count_sync(vcpu, AV_ESR_EC_SYS64, AV_EXIT_RESUME);
		return AV_EXIT_RESUME;
	case AV_ACCESS_INJECT:
		inject_undef(vcpu);
		av__vcpu_count_sync(vcpu, AV_ESR_EC_SYS64, AV_EXIT_RESUME);
		return AV_EXIT_RESUME;
	default:
		av__vcpu_count_sync(vcpu, AV_ESR_EC_SYS64, AV_EXIT_TO_CALLER);
		return AV_EXIT_TO_CALLER;
	}
}

int av_vm_fast_exit(struct av_vcpu *vcpu, uint64_t esr, uint64_t far, uint64_t hpfar)
{
	unsigned ec = av_esr_get_ec(esr);

	switch (ec) {
	case AV_ESR_EC_HVC64:
		return smccc_fast(vcpu, esr, AV_ESR_EC_HVC64);
	case AV_ESR_EC_SMC64:
		return smccc_fast(vcpu, esr, AV_ESR_EC_SMC64);
	case AV_ESR_EC_DABT_LOW:
		return mmio_fast(vcpu, esr, far, hpfar);
	case AV_ESR_EC_SYS64:
		return sysreg_fast(vcpu, esr);
	default:
		return -1;
	}
}

/*
 * A data abort on an emulated or unclaimed address from an instruction the decoder does not
 * emulate (DC ZVA, SIMD structures, exclusives, atomics...): the answer of a memory system
 * that does not take the access. On a device, an exclusive or atomic gets the "unsupported
 * exclusive or atomic access" fault (DFSC 0x35), as from a device that answers such a
 * transaction with OKAY instead of EXOKAY; everything else a synchronous external abort.
 * Where no device is (a hole), nothing answers at all: a decode error, so a synchronous
 * external abort (DFSC 0x10) for every kind, unless the bus's unclaimed policy hands
 * unclaimed accesses to the caller, which then gets this one too. (RAZ/WI covers the
 * accesses the decoder emulates; an instruction it does not emulate gets the abort.) FAR
 * is the hardware's (for DC ZVA, an address in the block).
 */
static __attribute__((noinline, cold)) enum av_exit_action
mmio_not_emulated(const struct av_exit_ctx *ctx, uint32_t insn, uint64_t ipa)
{
	struct av_vcpu *vcpu = ctx->vcpu;
	struct av_vm *vm = vcpu->vm;
	enum av_insn_mem_kind kind = av_insn_mem_kind(insn);
	unsigned fsc = AV_FSC_SEA;

	if (!av_mmio_find(vm->bus, ipa)) {
		if (vm->bus->policy == AV_MMIO_UNCLAIMED_TO_CALLER)
			return AV_EXIT_TO_CALLER;
	} else if (kind == AV_INSN_KIND_EXCLUSIVE || kind == AV_INSN_KIND_ATOMIC) {
		fsc = AV_FSC_EXCL_ATOMIC;
	}
	if (first_time(&vm->logged_kind, LOGGED_NOEMUL) && av_log_budget_take(&vm->log_budget))
		av_warn("%s: vCPU %u: instruction 0x%08x at PC 0x%llx on emulated or unclaimed "
			"IPA 0x%llx is not emulated: data abort, DFSC 0x%02x (logged once)",
			vm_name(vm), vcpu->index, insn, (unsigned long long)vcpu->ctxt.regs.pc,
			(unsigned long long)ipa, fsc);
	inject_dabt(vcpu, ctx->exit->far, fsc, av_esr_get_dabt_wnr(ctx->exit->esr));
	return AV_EXIT_RESUME;
}

/* An emulated access with ISV = 0: fetch, decode and emulate the instruction. */
static __attribute__((noinline)) enum av_exit_action mmio_decode(const struct av_exit_ctx *ctx,
								      uint64_t ipa)
{
	struct av_vcpu *vcpu = ctx->vcpu;
	struct av_vm *vm = vcpu->vm;
	bool wnr = av_esr_get_dabt_wnr(ctx->exit->esr);
	struct av_insn_mem m;
	struct av_insn_mmio io;
	struct av_mmio_insn_ctx bus_ctx;
	uint32_t insn;
	unsigned fp;
	int ret;

	/* Only A64 instructions are decoded; an AArch32 EL0 access gets an abort. */
	if (!vm->ops || !vm->ops->fetch_insn || av_pstate_is_aarch32(vcpu->ctxt.regs.pstate) ||
	    vm->ops->fetch_insn(vm->cookie, vcpu, vcpu->ctxt.regs.pc, &insn) != 0) {
		if (first_time(&vm->logged_kind, LOGGED_ISV0) &&
		    av_log_budget_take(&vm->log_budget))
			av_warn("%s: vCPU %u: MMIO abort with ISV=0 at PC 0x%llx that cannot be "
				"decoded (no fetch_insn, AArch32, or fetch failed): injecting an "
				"external abort (logged once)",
				vm_name(vm), vcpu->index, (unsigned long long)vcpu->ctxt.regs.pc);
		inject_dabt_sea(vcpu, ctx->exit->far, wnr);
		return AV_EXIT_RESUME;
	}
	if (av_insn_decode_mem(insn, &m) != 0)
		return mmio_not_emulated(ctx, insn, ipa);
	bus_ctx = (struct av_mmio_insn_ctx){ .bus = vm->bus, .vcpu = vcpu };
	io = (struct av_insn_mmio){
		.far = ctx->exit->far,
		.ipa = ipa,
		.fn = av_mmio_insn_access,
		.cookie = &bus_ctx,
	};
	/* A SIMD&FP transfer register is read (store) or written (load) in ctxt.regs.v:
	 * with lazy FP/SIMD switching the live value is in the hardware registers. */
	fp = m.is_fp ? AV_VM_EL1_FPSIMD : 0;
	el1_get(vcpu, AV_VM_EL1_SCTLR | AV_VM_EL1_SP_EL0 | AV_VM_EL1_SP_EL1 | fp);
	io.big_endian = av_ctxt_data_big_endian(&vcpu->ctxt);
	av_ctxt_sp_load(&vcpu->ctxt);
	ret = av_insn_emulate_mem(&m, &vcpu->ctxt.regs, &io);
	if (ret == 0) {
		/* A writeback to SP changes SP_EL0 or SP_EL1 (the one PSTATE.SP selects). */
		av_ctxt_sp_store(&vcpu->ctxt);
		el1_put(vcpu, AV_VM_EL1_SP_EL0 | AV_VM_EL1_SP_EL1 | (m.is_store ? 0 : fp));
		insn_done(vcpu);
		return AV_EXIT_RESUME;
	}
	/* Nothing was changed: the use ends before any injection starts its own. */
	el1_put(vcpu, 0);
	switch (ret) {
	case -AV_ENOENT: /* the bus said "to the caller"; nothing was changed */
		return AV_EXIT_TO_CALLER;
	case -AV_ENOTSUP: /* a CONSTRAINED UNPREDICTABLE form: UNDEFINED is permitted */
		inject_undef(vcpu);
		return AV_EXIT_RESUME;
	default:
		inject_dabt_sea(vcpu, ctx->exit->far, wnr);
		return AV_EXIT_RESUME;
	}
}

/* @dev: av_mmio_find()'s answer for @ipa (NULL: the bus's unclaimed policy applies). */
static enum av_exit_action mmio_access(const struct av_exit_ctx *ctx, uint64_t ipa,
				       struct av_mmio_dev *dev)
{
	struct av_vcpu *vcpu = ctx->vcpu;
	uint64_t esr = ctx->exit->esr;

	/* DC IVAC and friends on a device address have nothing to maintain. */
	if (av_esr_get_dabt_cm(esr)) {
		skip_trapped(vcpu, 4);
		return AV_EXIT_RESUME;
	}
	if (av_esr_get_dabt_isv(esr))
		return mmio_isv(vcpu, esr, ctx->exit->far, ipa, dev, false);
	return mmio_decode(ctx, ipa);
}

/* Faults HPFAR_EL2 describes: stage 2 translation/AF/permission/address size, or S1PTW.
 * @esr is an instruction or data abort syndrome (FSC and S1PTW share their bits). */
static bool is_stage2_fault(uint64_t esr)
{
	switch (av_esr_fsc_class(av_esr_get_abort_fsc(esr))) {
	case AV_ESR_FSC_TRANSLATION:
	case AV_ESR_FSC_ACCESS_FLAG:
	case AV_ESR_FSC_PERMISSION:
	case AV_ESR_FSC_ADDR_SIZE:
		return true;
	default:
		return av_esr_get_abort_s1ptw(esr);
	}
}

static enum av_vm_fault host_s2_fault(const struct av_exit_ctx *ctx, uint64_t ipa)
{
	const struct av_vm *vm = ctx->vcpu->vm;

	if (!vm->ops || !vm->ops->s2_fault)
		return AV_VM_FAULT_UNCLAIMED;
	return vm->ops->s2_fault(vm->cookie, ctx->vcpu, ipa, ctx->exit->esr);
}

static enum av_exit_action handle_dabt(const struct av_exit_ctx *ctx)
{
	struct av_vcpu *vcpu = ctx->vcpu;
	const struct av_vm *vm = vcpu->vm;
	uint64_t esr = ctx->exit->esr, ipa;
	bool s1ptw = av_esr_get_abort_s1ptw(esr);
	struct av_mmio_dev *dev;

	/* External aborts and the like routed to EL2: reflect them to the guest. */
	if (!is_stage2_fault(esr)) {
		inject_dabt_sea(vcpu, ctx->exit->far, av_esr_get_dabt_wnr(esr));
		return AV_EXIT_RESUME;
	}
	ipa = av_esr_fault_ipa(ctx->exit->hpfar, ctx->exit->far);
	/* One bus lookup per exit: the device found here is the one accessed. */
	dev = !s1ptw && vm->bus ? av_mmio_find(vm->bus, ipa) : NULL;
	if (dev)
		return mmio_access(ctx, ipa, dev);
	switch (host_s2_fault(ctx, ipa)) {
	case AV_VM_FAULT_RETRY:
		return AV_EXIT_RESUME;
	case AV_VM_FAULT_TO_CALLER:
		return AV_EXIT_TO_CALLER;
	case AV_VM_FAULT_UNCLAIMED:
		/* Not RAM: the bus's unclaimed policy decides (abort, RAZ/WI, to the caller). */
		if (!s1ptw && vm->bus)
			return mmio_access(ctx, ipa, NULL);
		break;
	default:
		break;
	}
	inject_dabt_sea(vcpu, ctx->exit->far, av_esr_get_dabt_wnr(esr));
	return AV_EXIT_RESUME;
}

static enum av_exit_action handle_iabt(const struct av_exit_ctx *ctx)
{
	struct av_vcpu *vcpu = ctx->vcpu;

	if (is_stage2_fault(ctx->exit->esr)) {
		switch (host_s2_fault(ctx, av_esr_fault_ipa(ctx->exit->hpfar, ctx->exit->far))) {
		case AV_VM_FAULT_RETRY:
			return AV_EXIT_RESUME;
		case AV_VM_FAULT_TO_CALLER:
			return AV_EXIT_TO_CALLER;
		default:
			break;
		}
	}
	inject_iabt_sea(vcpu, ctx->exit->far);
	return AV_EXIT_RESUME;
}

static enum av_exit_action handle_wfx(const struct av_exit_ctx *ctx)
{
	struct av_vcpu *vcpu = ctx->vcpu;

	skip_trapped(vcpu, av_esr_get_il(ctx->exit->esr) ? 4 : 2);
	/* WFIT and WFET are hidden (ID_AA64ISAR2_EL1.WFxT = 0); if used anyway, an early
	 * wake-up is what they permit. */
	if (av_esr_get_wfx_ti(ctx->exit->esr) == AV_ESR_WFX_WFI)
		return wait_for_interrupt(vcpu);
	return AV_EXIT_YIELD;
}

/* Lazy FP/SIMD switching is the world switch's; a trap that reaches here is the host's. */
static enum av_exit_action handle_fp(const struct av_exit_ctx *ctx)
{
	(void)ctx;
	return AV_EXIT_TO_CALLER;
}

/*
 * SVE (EC 0x19) and pointer authentication (EC 0x09) arrive only while trapped, and then
 * the ID registers hide them (id_hidden[]; AV_VM_ID_KEEP_PAUTH is for a host that lets the
 * guest have the keys): the guest gets what a CPU without the feature gives, an Undefined
 * Instruction exception. Defined behaviour, so not logged. A host that switches the state
 * lazily installs its own handler (av_vm_set_exit_handler()).
 */
static enum av_exit_action handle_hidden_feature(const struct av_exit_ctx *ctx)
{
	inject_undef(ctx->vcpu);
	return AV_EXIT_RESUME;
}

static const av_exit_handler_fn builtin_handlers[AV_VM_NR_EC] = {
	[AV_ESR_EC_WFX] = handle_wfx,
	[AV_ESR_EC_PAC] = handle_hidden_feature,
	[AV_ESR_EC_SVE] = handle_hidden_feature,
	[AV_ESR_EC_FP_ASIMD] = handle_fp,
	[AV_ESR_EC_HVC64] = handle_smccc,
	[AV_ESR_EC_SMC64] = handle_smccc,
	[AV_ESR_EC_SYS64] = handle_sys64,
	[AV_ESR_EC_IABT_LOW] = handle_iabt,
	[AV_ESR_EC_DABT_LOW] = handle_dabt,
};

/*
 * The built-in handlers read the syndrome from ctx->exit->esr through the av_esr_get_*()
 * accessors and never look at ctx->esr, which is NULL on the dispatcher's own path.
 */
static enum av_exit_action builtin_dispatch(const struct av_exit_ctx *ctx, unsigned ec)
{
	av_exit_handler_fn fn = builtin_handlers[ec % AV_VM_NR_EC];

	return fn ? fn(ctx) : handle_unknown(ctx);
}

enum av_exit_action av_vm_exit_default(const struct av_exit_ctx *ctx)
{
	if (!ctx || !ctx->vcpu || !ctx->exit || !ctx->esr)
		return AV_EXIT_TO_CALLER;
	return builtin_dispatch(ctx, ctx->esr->ec);
}

static enum av_exit_action handle_async(struct av_vcpu *vcpu, const struct av_exit *exit)
{
	struct av_vm *vm = vcpu->vm;

	if (exit->kind == AV_EXIT_SERROR && first_time(&vm->logged_kind, LOGGED_SERROR) &&
	    av_log_budget_take(&vm->log_budget))
		av_warn("%s: vCPU %u: SError exit, ESR_EL2 0x%llx (logged once)", vm_name(vm),
			vcpu->index, (unsigned long long)exit->esr);
	if (vm->ops && vm->ops->irq)
		return vm->ops->irq(vm->cookie, vcpu, exit->kind);
	return AV_EXIT_TO_CALLER;
}

enum av_exit_action av_vm_handle_exit(struct av_vcpu *vcpu, const struct av_exit *exit)
{
	struct av_vm *vm;
	enum av_exit_action act;

	if (!vcpu || !exit || !vcpu->vm)
		return AV_EXIT_TO_CALLER;
	vm = vcpu->vm;
	vcpu->stats.exits++;
	if ((unsigned)exit->kind < AV_EXIT_KIND_COUNT)
		vcpu->stats.kind[exit->kind]++;

	if (exit->kind == AV_EXIT_SYNC) {
		unsigned ec = av_esr_get_ec(exit->esr);
		struct av_exit_ctx ctx = { .vcpu = vcpu, .exit = exit };
		av_exit_handler_fn fn = vm->handler[ec];

		vcpu->stats.ec[ec]++;
		if (fn) {
			/* A replacement handler gets the whole decoded syndrome. */
			struct av_esr esr;

			av_esr_decode(exit->esr, &esr);
			ctx.esr = &esr;
			ctx.cookie = vm->handler_cookie[ec];
			act = fn(&ctx);
		} else {
			act = builtin_dispatch(&ctx, ec);
		}
	} else if ((unsigned)exit->kind < AV_EXIT_KIND_COUNT) {
		act = handle_async(vcpu, exit);
	} else {
		act = AV_EXIT_TO_CALLER;
	}

	if ((unsigned)act >= AV_EXIT_ACTION_COUNT)
		act = AV_EXIT_TO_CALLER;
	if (act == AV_EXIT_BLOCK)
		vcpu->state = AV_VCPU_BLOCKED;
	vcpu->stats.action[act]++;
	return act;
}

void av_vcpu_stats_add_sync(struct av_vcpu *vcpu, unsigned ec, enum av_exit_action action,
			    uint64_t n)
{
	if (!vcpu || ec >= AV_VM_NR_EC || (unsigned)action >= AV_EXIT_ACTION_COUNT)
		return;
	vcpu->stats.exits += n;
	vcpu->stats.kind[AV_EXIT_SYNC] += n;
	vcpu->stats.ec[ec] += n;
	vcpu->stats.action[action] += n;
}

int av_vm_set_exit_handler(struct av_vm *vm, unsigned ec, av_exit_handler_fn fn, void *cookie)
{
	if (!vm || ec >= AV_VM_NR_EC)
		return -AV_EINVAL;
	vm->handler[ec] = fn;
	vm->handler_cookie[ec] = fn ? cookie : NULL;
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * Set-up
 */

#define VM_ERR(err, code, field, ...) av__error(err, code, "vm", field, __VA_ARGS__)

/* The configuration checks of av_vm_init() that need no state (RAM: av_psci_init()). */
static int vm_config_check(const struct av_vm_config *cfg, struct av_error *err)
{
	if (cfg->nr_vcpus == 0 || cfg->nr_vcpus > AV_VM_MAX_VCPUS)
		return VM_ERR(err, -AV_EINVAL, "nr_vcpus", "%u vCPUs (1..%u)", cfg->nr_vcpus,
			      AV_VM_MAX_VCPUS);
	if (cfg->boot_vcpu >= cfg->nr_vcpus)
		return VM_ERR(err, -AV_EINVAL, "boot_vcpu", "vCPU %u of %u", cfg->boot_vcpu,
			      cfg->nr_vcpus);
	if (cfg->vgic && cfg->vgic->nr_vcpus < cfg->nr_vcpus)
		return VM_ERR(err, -AV_EINVAL, "vgic", "serves %u vCPUs, the VM has %u",
			      cfg->vgic->nr_vcpus, cfg->nr_vcpus);
	if (cfg->hypercall_last < cfg->hypercall_first)
		return VM_ERR(err, -AV_EINVAL, "hypercall_last", "0x%x below hypercall_first 0x%x",
			      cfg->hypercall_last, cfg->hypercall_first);
	if (cfg->fast_hypercall && cfg->fast_hypercall_last >= cfg->fast_hypercall_first &&
	    (cfg->hypercall_first || cfg->hypercall_last) &&
	    (cfg->fast_hypercall_first < cfg->hypercall_first ||
	     cfg->fast_hypercall_last > cfg->hypercall_last))
		return VM_ERR(err, -AV_EINVAL, "fast_hypercall_first",
			      "fast range 0x%x..0x%x outside the hook's 0x%x..0x%x",
			      cfg->fast_hypercall_first, cfg->fast_hypercall_last,
			      cfg->hypercall_first, cfg->hypercall_last);
	for (unsigned i = 0; cfg->mpidr && i < cfg->nr_vcpus; i++) {
		if (cfg->mpidr[i] & ~AV_PSCI_MPIDR_AFF_MASK)
			return VM_ERR(err, -AV_EINVAL, "mpidr",
				      "vCPU %u: 0x%llx has bits outside Aff3..Aff0", i,
				      (unsigned long long)cfg->mpidr[i]);
		for (unsigned j = 0; j < i; j++)
			if (cfg->mpidr[i] == cfg->mpidr[j])
				return VM_ERR(err, -AV_EEXIST, "mpidr",
					      "vCPUs %u and %u have the same MPIDR 0x%llx", j, i,
					      (unsigned long long)cfg->mpidr[i]);
	}
	return 0;
}

int av_vm_init(struct av_vm *vm, const struct av_vm_config *cfg, struct av_error *err)
{
	struct av_psci_config pc;
	uint64_t window;
	int ret;

	if (!vm || !cfg)
		return VM_ERR(err, -AV_EINVAL, vm ? "cfg" : "vm", "NULL");
	ret = vm_config_check(cfg, err);
	if (ret)
		return ret;
	memset(vm, 0, sizeof(*vm));
	vm->name = cfg->name;
	vm->nr_vcpus = cfg->nr_vcpus;
	vm->boot_vcpu = cfg->boot_vcpu;
	vm->id_flags = cfg->id_flags;
	vm->s2 = cfg->s2;
	vm->vgic = cfg->vgic;
	vm->bus = cfg->bus;
	vm->ops = cfg->ops;
	vm->cookie = cfg->cookie;
	vm->hc_hook = cfg->ops && cfg->ops->hypercall;
	vm->fast_hc = cfg->fast_hypercall_last >= cfg->fast_hypercall_first ? cfg->fast_hypercall
									     : NULL;
	vm->fast_hc_first = cfg->fast_hypercall_first;
	vm->fast_hc_last = cfg->fast_hypercall_last;
	vm->hc_first = cfg->hypercall_first;
	vm->hc_last = cfg->hypercall_first || cfg->hypercall_last ? cfg->hypercall_last
								   : UINT32_MAX;

	for (unsigned i = 0; i < cfg->nr_vcpus; i++) {
		uint64_t m = cfg->mpidr ? cfg->mpidr[i] : AV_FIELD_PREP(AV_MPIDR_AFF0, i);

		vm->mpidr[i] = m;
		vm->psci_cpus[i].mpidr = m;
		vm->psci_cpus[i].state = i == cfg->boot_vcpu ? AV_PSCI_STATE_ON : AV_PSCI_STATE_OFF;
	}
	pc = (struct av_psci_config){
		.ops = &vm_psci_ops,
		.cookie = vm,
		.cpus = vm->psci_cpus,
		.ncpus = cfg->nr_vcpus,
		.ram = cfg->ram,
		.nram = cfg->nram,
		.vendor_reset2 = cfg->psci_vendor_reset2,
	};
	ret = av_psci_init(&vm->psci, &pc, err);
	if (ret)
		return ret;
	ret = av_sysreg_table_init(&vm->sys, vm_rows, AV_ARRAY_SIZE(vm_rows), AV_SYSREG_UNDEF, vm);
	if (ret)
		return VM_ERR(err, ret, "sysreg_rows", "built-in table: %s", av_strerror(ret));
	ret = av_sysreg_table_init(&vm->host_sys, cfg->sysreg_rows, cfg->nsysreg_rows,
				   AV_SYSREG_UNDEF, cfg->cookie);
	if (ret)
		return VM_ERR(err, ret, "sysreg_rows", "%s (unsorted, duplicate or bad rows)",
			      av_strerror(ret));
	window = cfg->log_window;
	if (!window)
		window = cfg->ops && cfg->ops->counter ? AV_VM_LOG_WINDOW : AV_VM_LOG_WINDOW_LINES;
	av_log_budget_init(&vm->log_budget, vm_name(vm),
			   cfg->log_lines ? cfg->log_lines : AV_VM_LOG_LINES, window,
			   cfg->ops ? cfg->ops->counter : NULL, cfg->cookie);
	vm->sys.log_budget = &vm->log_budget;
	vm->host_sys.log_budget = &vm->log_budget;
	av__error_clear(err);
	return 0;
}

/* EL1 registers of a vCPU coming out of reset; VMPIDR/VPIDR are kept. */
static void el1_reset(struct av_vcpu *vcpu)
{
	uint64_t vmpidr = vcpu->ctxt.el1.vmpidr, vpidr = vcpu->ctxt.el1.vpidr;

	memset(&vcpu->ctxt.el1, 0, sizeof(vcpu->ctxt.el1));
	vcpu->ctxt.el1.vmpidr = vmpidr;
	vcpu->ctxt.el1.vpidr = vpidr;
	vcpu->ctxt.el1.sctlr = AV_SCTLR_EL1_RESET;
	memset(&vcpu->sys, 0, sizeof(vcpu->sys)); /* no breakpoints, watchpoints, MDSCR */
	vcpu->sys.os_lock = true; /* OSLSR_EL1.OSLK is 1 after a cold reset */
}

/* MPIDR_EL1 bit 31 is RES1. */
#define MPIDR_RES1 AV_GENMASK(31, 31)

int av_vcpu_init(struct av_vcpu *vcpu, struct av_vm *vm, unsigned index, uint64_t midr)
{
	int ret = 0;

	if (!vcpu || !vm || index >= vm->nr_vcpus)
		return -AV_EINVAL;
	vm_lock(vm);
	if (vm->vcpus[index]) {
		ret = -AV_EEXIST;
	} else {
		memset(vcpu, 0, sizeof(*vcpu));
		vcpu->vm = vm;
		vcpu->index = index;
		vcpu->mpidr = vm->mpidr[index];
		vcpu->ctxt.el1.vmpidr = vcpu->mpidr | MPIDR_RES1;
		vcpu->ctxt.el1.vpidr = midr;
		el1_reset(vcpu);
		vcpu->state = index == vm->boot_vcpu ? AV_VCPU_RUNNING : AV_VCPU_OFF;
		ret = av_vtimer_init(&vcpu->vtimer, vm->vgic, index, 0, 0, NULL);
		if (ret == 0)
			vm->vcpus[index] = vcpu;
	}
	vm_unlock(vm);
	return ret;
}

int av_vcpu_power_on(struct av_vcpu *vcpu)
{
	struct av_vm *vm;
	int ret = 0;

	if (!vcpu || !vcpu->vm)
		return -AV_EINVAL;
	vm = vcpu->vm;
	vm_lock(vm);
	if (vcpu->state != AV_VCPU_ON_PENDING) {
		ret = -AV_EBUSY;
	} else {
		av_boot_cpu_regs(&vcpu->ctxt.regs, vcpu->boot_entry, vcpu->boot_context);
		el1_reset(vcpu);
		/* Disabling both timers lowers their lines before the state is reset. */
		av_vtimer_write_ctl(&vcpu->vtimer, AV_VTIMER_VIRT, 0, 0, NULL);
		av_vtimer_write_ctl(&vcpu->vtimer, AV_VTIMER_PHYS, 0, 0, NULL);
		av_vtimer_init(&vcpu->vtimer, vm->vgic, vcpu->index,
			       vcpu->vtimer.timer[AV_VTIMER_VIRT].ppi,
			       vcpu->vtimer.timer[AV_VTIMER_PHYS].ppi, NULL);
		vcpu->mmio.valid = false;
		vcpu->state = AV_VCPU_RUNNING;
		av_psci_cpu_set_state(&vm->psci, vcpu->mpidr, AV_PSCI_STATE_ON);
	}
	vm_unlock(vm);
	return ret;
}

int av_vcpu_mmio_complete(struct av_vcpu *vcpu, uint64_t val)
{
	if (!vcpu)
		return -AV_EINVAL;
	if (!vcpu->mmio.valid)
		return -AV_ENOENT;
	if (!vcpu->mmio.is_write)
		load_to_rt(vcpu, &vcpu->mmio, val);
	skip_trapped(vcpu, vcpu->mmio.insn_len);
	vcpu->mmio.valid = false;
	return 0;
}
