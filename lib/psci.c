/* SPDX-License-Identifier: MIT */
/*
 * PSCI 1.1 and SMCCC 1.1 dispatch.
 *
 * Function IDs are decoded from W0. A call is classified by owning entity: Arm
 * architecture calls (SMCCC_VERSION, SMCCC_ARCH_*) and standard secure calls (PSCI);
 * everything else is NOT_SUPPORTED. Within PSCI, a function with both SMC32 and SMC64
 * forms is handled once, with the argument width taken from the ID.
 */
#include <armvirt/boot.h>
#include <armvirt/psci.h>

#include "compat.h"
#include "error_detail.h"

static struct av_psci_cpu *find_cpu(const struct av_psci *p, uint64_t mpidr)
{
	for (size_t i = 0; i < p->cfg.ncpus; i++)
		if (p->cfg.cpus[i].mpidr == mpidr)
			return &p->cfg.cpus[i];
	return NULL;
}

static bool state_ok(enum av_psci_state s)
{
	return s == AV_PSCI_STATE_OFF || s == AV_PSCI_STATE_ON_PENDING || s == AV_PSCI_STATE_ON;
}

#define PSCI_ERR(err, code, field, ...) av__error(err, code, "psci", field, __VA_ARGS__)

int av_psci_init(struct av_psci *psci, const struct av_psci_config *cfg, struct av_error *err)
{
	if (!psci || !cfg)
		return PSCI_ERR(err, -AV_EINVAL, psci ? "cfg" : "psci", "NULL");
	if (!cfg->ops)
		return PSCI_ERR(err, -AV_EINVAL, "ops", "NULL (the host callbacks are required)");
	if (!cfg->cpus || cfg->ncpus == 0)
		return PSCI_ERR(err, -AV_EINVAL, cfg->cpus ? "ncpus" : "cpus",
				"no power-state table (%lu rows)", (unsigned long)cfg->ncpus);
	if (cfg->ncpus > 1 && !cfg->ops->cpu_on)
		return PSCI_ERR(err, -AV_EINVAL, "ops", "cpu_on is NULL with %lu CPUs",
				(unsigned long)cfg->ncpus);
	if (cfg->nram && !cfg->ram)
		return PSCI_ERR(err, -AV_EINVAL, "ram", "NULL with nram = %lu",
				(unsigned long)cfg->nram);
	for (size_t i = 0; i < cfg->nram; i++)
		if (cfg->ram[i].size == 0 || cfg->ram[i].size - 1 > UINT64_MAX - cfg->ram[i].base)
			return PSCI_ERR(err, -AV_EINVAL, "ram", "range %lu: %s", (unsigned long)i,
					cfg->ram[i].size ? "wraps around" : "size 0");
	for (size_t i = 0; i < cfg->ncpus; i++) {
		if (cfg->cpus[i].mpidr & ~AV_PSCI_MPIDR_AFF_MASK)
			return PSCI_ERR(err, -AV_EINVAL, "cpus",
					"row %lu: MPIDR 0x%llx has bits outside Aff3..Aff0",
					(unsigned long)i, (unsigned long long)cfg->cpus[i].mpidr);
		if (!state_ok(cfg->cpus[i].state))
			return PSCI_ERR(err, -AV_EINVAL, "cpus", "row %lu: state %d is not a PSCI state",
					(unsigned long)i, (int)cfg->cpus[i].state);
		for (size_t j = 0; j < i; j++)
			if (cfg->cpus[j].mpidr == cfg->cpus[i].mpidr)
				return PSCI_ERR(err, -AV_EEXIST, "cpus",
						"rows %lu and %lu have the same MPIDR 0x%llx",
						(unsigned long)j, (unsigned long)i,
						(unsigned long long)cfg->cpus[i].mpidr);
	}
	psci->cfg = *cfg;
	av__error_clear(err);
	return 0;
}

int av_psci_cpu_set_state(struct av_psci *psci, uint64_t mpidr, enum av_psci_state state)
{
	struct av_psci_cpu *c;

	if (!psci || !state_ok(state))
		return -AV_EINVAL;
	c = find_cpu(psci, mpidr);
	if (!c)
		return -AV_ENOENT;
	c->state = state;
	return 0;
}

int av_psci_cpu_get_state(const struct av_psci *psci, uint64_t mpidr, enum av_psci_state *state)
{
	const struct av_psci_cpu *c;

	if (!psci || !state)
		return -AV_EINVAL;
	c = find_cpu(psci, mpidr);
	if (!c)
		return -AV_ENOENT;
	*state = c->state;
	return 0;
}

int av_psci_reset(struct av_psci *psci, uint64_t boot_mpidr)
{
	if (!psci)
		return -AV_EINVAL;
	if (!find_cpu(psci, boot_mpidr))
		return -AV_ENOENT;
	for (size_t i = 0; i < psci->cfg.ncpus; i++)
		psci->cfg.cpus[i].state = psci->cfg.cpus[i].mpidr == boot_mpidr ?
						  AV_PSCI_STATE_ON : AV_PSCI_STATE_OFF;
	return 0;
}

static void ret1(struct av_psci_result *res, int64_t v)
{
	res->x[0] = (uint64_t)v;
	res->nregs = 1;
}

static bool entry_valid(const struct av_psci *p, uint64_t addr)
{
	const struct av_psci_config *c = &p->cfg;

	if (addr & 3)
		return false;
	if (c->ops->entry_valid)
		return c->ops->entry_valid(c->cookie, addr);
	if (!c->ram)
		return true;
	for (size_t i = 0; i < c->nram; i++)
		if (addr >= c->ram[i].base && addr - c->ram[i].base < c->ram[i].size)
			return true;
	return false;
}

/* PSCI_FEATURES: the answer for one function ID. */
static int64_t psci_features(uint32_t fid)
{
	switch (fid) {
	/* NOLINTNEXTLINE(bugprone-branch-clone): 0 here is a format, below a "supported" */
	case AV_PSCI_CPU_SUSPEND_32:
	case AV_PSCI_CPU_SUSPEND_64:
		/* Original power_state format, platform-coordinated only. */
		return 0;
	case AV_PSCI_VERSION:
	case AV_PSCI_CPU_OFF:
	case AV_PSCI_CPU_ON_32:
	case AV_PSCI_CPU_ON_64:
	case AV_PSCI_AFFINITY_INFO_32:
	case AV_PSCI_AFFINITY_INFO_64:
	case AV_PSCI_MIGRATE_INFO_TYPE:
	case AV_PSCI_SYSTEM_OFF:
	case AV_PSCI_SYSTEM_RESET:
	case AV_PSCI_FEATURES:
	case AV_PSCI_SYSTEM_RESET2_32:
	case AV_PSCI_SYSTEM_RESET2_64:
	case AV_SMCCC_VERSION:
		return AV_PSCI_RET_SUCCESS;
	default:
		return AV_PSCI_RET_NOT_SUPPORTED;
	}
}

static void cpu_on(struct av_psci *p, bool is64, const uint64_t x[8], struct av_psci_result *res)
{
	uint64_t target = is64 ? x[1] : (uint32_t)x[1];
	uint64_t entry = is64 ? x[2] : (uint32_t)x[2];
	uint64_t ctx = is64 ? x[3] : (uint32_t)x[3];
	struct av_psci_cpu *t;
	int err;

	if (target & ~AV_PSCI_MPIDR_AFF_MASK) {
		ret1(res, AV_PSCI_RET_INVALID_PARAMETERS);
		return;
	}
	t = find_cpu(p, target);
	if (!t) {
		ret1(res, AV_PSCI_RET_INVALID_PARAMETERS);
		return;
	}
	if (t->state == AV_PSCI_STATE_ON) {
		ret1(res, AV_PSCI_RET_ALREADY_ON);
		return;
	}
	if (t->state == AV_PSCI_STATE_ON_PENDING) {
		ret1(res, AV_PSCI_RET_ON_PENDING);
		return;
	}
	if (!entry_valid(p, entry)) {
		ret1(res, AV_PSCI_RET_INVALID_ADDRESS);
		return;
	}
	t->state = AV_PSCI_STATE_ON_PENDING;
	err = -AV_ENOTSUP;
	if (p->cfg.ops->cpu_on)
		err = p->cfg.ops->cpu_on(p->cfg.cookie, target, entry, ctx);
	if (err) {
		t->state = AV_PSCI_STATE_OFF;
		ret1(res, AV_PSCI_RET_INTERNAL_FAILURE);
		return;
	}
	ret1(res, AV_PSCI_RET_SUCCESS);
}

static void cpu_suspend(struct av_psci *p, struct av_psci_cpu *self, bool is64, const uint64_t x[8],
			struct av_psci_result *res)
{
	uint32_t ps = (uint32_t)x[1];
	uint64_t entry = is64 ? x[2] : (uint32_t)x[2];
	bool powerdown = AV_FIELD_GET(AV_PSCI_PSTATE_TYPE, ps);

	if (AV_FIELD_GET(AV_PSCI_PSTATE_RES0_LO, ps) || AV_FIELD_GET(AV_PSCI_PSTATE_RES0_HI, ps)) {
		ret1(res, AV_PSCI_RET_INVALID_PARAMETERS);
		return;
	}
	if (powerdown && !entry_valid(p, entry)) {
		ret1(res, AV_PSCI_RET_INVALID_ADDRESS);
		return;
	}
	if (p->cfg.ops->suspend && p->cfg.ops->suspend(p->cfg.cookie, self->mpidr, ps, powerdown)) {
		ret1(res, AV_PSCI_RET_INVALID_PARAMETERS);
		return;
	}
	ret1(res, AV_PSCI_RET_SUCCESS);
	res->action = AV_PSCI_ACT_WFI;
}

static void affinity_info(struct av_psci *p, bool is64, const uint64_t x[8],
			  struct av_psci_result *res)
{
	uint64_t target = is64 ? x[1] : (uint32_t)x[1];
	uint32_t level = (uint32_t)x[2];
	const struct av_psci_cpu *t;

	if (level != 0 || (target & ~AV_PSCI_MPIDR_AFF_MASK)) {
		ret1(res, AV_PSCI_RET_INVALID_PARAMETERS);
		return;
	}
	t = find_cpu(p, target);
	if (!t) {
		ret1(res, AV_PSCI_RET_INVALID_PARAMETERS);
		return;
	}
	switch (t->state) {
	case AV_PSCI_STATE_ON:
		ret1(res, AV_PSCI_AFFINITY_ON);
		break;
	case AV_PSCI_STATE_ON_PENDING:
		ret1(res, AV_PSCI_AFFINITY_ON_PENDING);
		break;
	case AV_PSCI_STATE_OFF:
	default:
		ret1(res, AV_PSCI_AFFINITY_OFF);
		break;
	}
}

static void system_reset(struct av_psci *p, enum av_psci_reset kind, uint32_t type, uint64_t cookie,
			 struct av_psci_result *res)
{
	const struct av_psci_ops *ops = p->cfg.ops;

	if (ops->system_reset && ops->system_reset(p->cfg.cookie, kind, type, cookie)) {
		ret1(res, AV_PSCI_RET_INTERNAL_FAILURE);
		return;
	}
	res->action = AV_PSCI_ACT_SYSTEM_RESET;
}

static void system_reset2(struct av_psci *p, bool is64, const uint64_t x[8],
			  struct av_psci_result *res)
{
	uint32_t type = (uint32_t)x[1];
	uint64_t cookie = is64 ? x[2] : (uint32_t)x[2];

	if (AV_FIELD_GET(AV_PSCI_RESET2_VENDOR, type)) {
		if (!p->cfg.vendor_reset2) {
			ret1(res, AV_PSCI_RET_INVALID_PARAMETERS);
			return;
		}
		system_reset(p, AV_PSCI_RESET_VENDOR, type, cookie, res);
		return;
	}
	if (AV_FIELD_GET(AV_PSCI_RESET2_ID, type) != AV_PSCI_RESET2_SYSTEM_WARM_RESET) {
		ret1(res, AV_PSCI_RET_INVALID_PARAMETERS);
		return;
	}
	system_reset(p, AV_PSCI_RESET_WARM, type, cookie, res);
}

static void psci_call(struct av_psci *p, struct av_psci_cpu *self, uint32_t fid,
		      const uint64_t x[8], struct av_psci_result *res)
{
	const struct av_psci_ops *ops = p->cfg.ops;
	bool is64 = AV_FIELD_GET(AV_SMCCC_FID_SMC64, fid);

	switch (fid) {
	case AV_PSCI_VERSION:
		ret1(res, AV_PSCI_VERSION_1_1);
		break;
	case AV_PSCI_FEATURES:
		ret1(res, psci_features((uint32_t)x[1]));
		break;
	case AV_PSCI_CPU_SUSPEND_32:
	case AV_PSCI_CPU_SUSPEND_64:
		cpu_suspend(p, self, is64, x, res);
		break;
	case AV_PSCI_CPU_OFF:
		if (ops->cpu_off && ops->cpu_off(p->cfg.cookie, self->mpidr)) {
			ret1(res, AV_PSCI_RET_DENIED);
			break;
		}
		self->state = AV_PSCI_STATE_OFF;
		res->action = AV_PSCI_ACT_CPU_OFF;
		break;
	case AV_PSCI_CPU_ON_32:
	case AV_PSCI_CPU_ON_64:
		cpu_on(p, is64, x, res);
		break;
	case AV_PSCI_AFFINITY_INFO_32:
	case AV_PSCI_AFFINITY_INFO_64:
		affinity_info(p, is64, x, res);
		break;
	case AV_PSCI_MIGRATE_INFO_TYPE:
		ret1(res, AV_PSCI_MIGRATE_INFO_NONE);
		break;
	case AV_PSCI_SYSTEM_OFF:
		if (ops->system_off && ops->system_off(p->cfg.cookie)) {
			ret1(res, AV_PSCI_RET_INTERNAL_FAILURE);
			break;
		}
		res->action = AV_PSCI_ACT_SYSTEM_OFF;
		break;
	case AV_PSCI_SYSTEM_RESET:
		system_reset(p, AV_PSCI_RESET_COLD, 0, 0, res);
		break;
	case AV_PSCI_SYSTEM_RESET2_32:
	case AV_PSCI_SYSTEM_RESET2_64:
		system_reset2(p, is64, x, res);
		break;
	default:
		ret1(res, AV_PSCI_RET_NOT_SUPPORTED);
		break;
	}
}

static bool is_workaround(uint32_t fid)
{
	return fid == AV_SMCCC_ARCH_WORKAROUND_1 || fid == AV_SMCCC_ARCH_WORKAROUND_2 ||
	       fid == AV_SMCCC_ARCH_WORKAROUND_3;
}

static void arch_call(struct av_psci *p, uint32_t fid, const uint64_t x[8],
		      struct av_psci_result *res)
{
	const struct av_psci_ops *ops = p->cfg.ops;
	uint32_t q;

	switch (fid) {
	case AV_SMCCC_VERSION:
		ret1(res, AV_SMCCC_VERSION_1_1);
		return;
	case AV_SMCCC_ARCH_FEATURES:
		q = (uint32_t)x[1];
		if (q == AV_SMCCC_ARCH_FEATURES)
			ret1(res, AV_SMCCC_RET_SUCCESS);
		else if (is_workaround(q) && ops->arch_workaround)
			ret1(res, ops->arch_workaround(p->cfg.cookie, q, true, 0));
		else
			ret1(res, AV_SMCCC_RET_NOT_SUPPORTED);
		return;
	default:
		break;
	}
	if (is_workaround(fid) && ops->arch_workaround &&
	    ops->arch_workaround(p->cfg.cookie, fid, true, 0) >= 0) {
		ops->arch_workaround(p->cfg.cookie, fid, false, x[1]);
		return;
	}
	ret1(res, AV_SMCCC_RET_NOT_SUPPORTED);
}

int av_psci_handle(struct av_psci *psci, uint64_t caller, const uint64_t x[8],
		   struct av_psci_result *res)
{
	struct av_psci_cpu *self;
	uint32_t fid;

	if (!psci || !x || !res)
		return -AV_EINVAL;
	self = find_cpu(psci, caller);
	if (!self)
		return -AV_ENOENT;
	memset(res, 0, sizeof(*res));
	res->action = AV_PSCI_ACT_RESUME;
	/* A vCPU that makes a call is running. */
	self->state = AV_PSCI_STATE_ON;

	fid = (uint32_t)x[0];
	if (!AV_FIELD_GET(AV_SMCCC_FID_FAST, fid) || AV_FIELD_GET(AV_SMCCC_FID_MBZ, fid)) {
		ret1(res, AV_SMCCC_RET_NOT_SUPPORTED);
		return 0;
	}
	switch (AV_FIELD_GET(AV_SMCCC_FID_OEN, fid)) {
	case AV_SMCCC_OEN_ARCH:
		arch_call(psci, fid, x, res);
		break;
	case AV_SMCCC_OEN_STD:
		psci_call(psci, self, fid, x, res);
		break;
	default:
		ret1(res, AV_SMCCC_RET_NOT_SUPPORTED);
		break;
	}
	return 0;
}

int av_psci_call(struct av_psci *psci, uint64_t caller, struct av_regs *regs,
		 enum av_psci_action *action)
{
	struct av_psci_result res;
	int err;

	if (!regs)
		return -AV_EINVAL;
	err = av_psci_handle(psci, caller, regs->x, &res);
	if (err)
		return err;
	for (unsigned i = 0; i < res.nregs; i++)
		regs->x[i] = res.x[i];
	if (action)
		*action = res.action;
	return 0;
}
