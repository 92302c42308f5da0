/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for PSCI (armvirt/psci.h) against a power-state model.
 *
 * The table: two to six CPUs with affinities in different fields (Aff0, Aff1, Aff3), one
 * RAM range. Input: one configuration byte, then steps of 16 bytes: a call from any CPU
 * (a function ID from the PSCI and SMCCC lists or raw, SMC32 and SMC64 forms, arguments
 * from a set of boundaries: every table MPIDR, MPIDRs with non-affinity bits, unknown
 * ones, RAM edges, unaligned addresses, power_state values, reset types) whose host
 * callbacks fail or succeed as the input says, or a host state change
 * (av_psci_cpu_set_state(), av_psci_reset()).
 * The model predicts, from the documented rules (psci.h), every call's outcome:
 *  - the caller is ON once it calls; CPU_ON of an unknown or malformed MPIDR is
 *    INVALID_PARAMETERS, of an ON CPU ALREADY_ON, of an ON_PENDING one ON_PENDING, with an
 *    unaligned or out-of-RAM entry INVALID_ADDRESS, else the host's cpu_on is called for
 *    that target with its entry and context id, the target ON_PENDING during the call,
 *    and its result decides SUCCESS (ON_PENDING) or INTERNAL_FAILURE (OFF);
 *  - CPU_OFF turns the caller OFF with the CPU_OFF action (or DENIED, state kept);
 *  - AFFINITY_INFO reports the model's state (level 0 only);
 *  - SYSTEM_OFF / SYSTEM_RESET give their action or INTERNAL_FAILURE;
 *  - no call changes any other CPU's state; x0 is written with sign extension, registers
 *    past the result count are left alone; the action is one of enum av_psci_action.
 */
#include <armvirt/psci.h>

#include <string.h>

#include "fuzz.h"

#define NMAX 6
#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x08000000ull

static struct av_psci psci;
static struct av_psci_cpu cpus[NMAX];
static enum av_psci_state model[NMAX];
static unsigned ncpus;
static const uint8_t *step;
static struct {
	int calls;
	uint64_t target, entry, ctx;
	enum av_psci_state during;
} on;

static int find(uint64_t mpidr)
{
	for (unsigned i = 0; i < ncpus; i++)
		if (cpus[i].mpidr == mpidr)
			return (int)i;
	return -1;
}

static int h_cpu_on(void *cookie, uint64_t target, uint64_t entry, uint64_t ctx)
{
	int t = find(target);

	CHECK(t >= 0);
	on.calls++;
	on.target = target;
	on.entry = entry;
	on.ctx = ctx;
	on.during = cpus[t].state;
	return (step[1] & 1) ? -AV_EIO : 0;
}

static int h_cpu_off(void *cookie, uint64_t mpidr) { return (step[1] & 2) ? -AV_EIO : 0; }
static int h_suspend(void *cookie, uint64_t mpidr, uint32_t ps, bool pd)
{
	return (step[1] & 4) ? -AV_EIO : 0;
}
static int h_off(void *cookie) { return (step[1] & 8) ? -AV_EIO : 0; }
static int h_reset(void *cookie, enum av_psci_reset kind, uint32_t type, uint64_t ck)
{
	return (step[1] & 16) ? -AV_EIO : 0;
}
static int32_t h_wa(void *cookie, uint32_t fid, bool query, uint64_t arg)
{
	return (step[1] & 32) ? -1 : 0;
}

static const struct av_psci_ops ops_full = { h_cpu_on, h_cpu_off, h_suspend, h_off, h_reset,
					     h_wa, NULL };
static const struct av_psci_ops ops_min = { .cpu_on = h_cpu_on };
static const struct av_psci_range ram = { RAM_BASE, RAM_SIZE };

static const uint32_t fids[] = {
	AV_PSCI_VERSION, AV_PSCI_CPU_SUSPEND_32, AV_PSCI_CPU_SUSPEND_64, AV_PSCI_CPU_OFF,
	AV_PSCI_CPU_ON_32, AV_PSCI_CPU_ON_64, AV_PSCI_AFFINITY_INFO_32, AV_PSCI_AFFINITY_INFO_64,
	AV_PSCI_MIGRATE_INFO_TYPE, AV_PSCI_SYSTEM_OFF, AV_PSCI_SYSTEM_RESET, AV_PSCI_FEATURES,
	AV_PSCI_SYSTEM_RESET2_32, AV_PSCI_SYSTEM_RESET2_64, AV_PSCI_MIGRATE_32,
	AV_PSCI_CPU_FREEZE, AV_PSCI_SYSTEM_SUSPEND_64, 0x80000000u, 0x80000001u, 0x80008000u,
	0x80007fffu, 0x80003fffu, 0xc6000010u, 0x85000000u, 0x04000003u,
};

/* An argument: a table MPIDR, a malformed or unknown one, an address, or raw bits. */
static uint64_t arg(uint8_t sel, uint8_t raw)
{
	uint64_t base = cpus[raw % ncpus].mpidr;

	switch (sel & 15) {
	case 0: case 1: case 2: return base;
	case 3: return base | 0x80000000ull;           /* U/MT bits: not affinity */
	case 4: return base | 0x1000000000000ull;      /* above Aff3 */
	case 5: return base + 0x4000;                  /* unknown affinity */
	case 6: return RAM_BASE + raw * 4ull;
	case 7: return RAM_BASE + RAM_SIZE - 4 + (raw & 7);
	case 8: return RAM_BASE - 4 + (raw & 7);
	case 9: return RAM_BASE + 2;
	case 10: return (uint64_t)raw << 16 | (raw & 0x80 ? AV_PSCI_PSTATE_TYPE : 0);
	case 11: return 0x80000000ull | raw;           /* vendor reset type */
	case 12: return ~0ull;
	case 13: return 0x100000000ull + RAM_BASE;     /* RAM_BASE in the low 32 bits */
	default: return (uint64_t)raw * 0x0101010101010101ull;
	}
}

static bool in_ram(uint64_t a)
{
	return !(a & 3) && a >= RAM_BASE && a - RAM_BASE < RAM_SIZE;
}

static void call(const uint8_t *a)
{
	unsigned c = a[2] % ncpus;
	uint32_t fid = (a[3] & 0x80) ? (uint32_t)(a[4] | a[5] << 8) | 0x84000000u
				     : fids[a[3] % (sizeof(fids) / sizeof(fids[0]))];
	bool is64 = fid & 0x40000000u;
	struct av_regs regs, old;
	enum av_psci_action act = AV_PSCI_ACT_RESUME;
	enum av_psci_state prev[NMAX];
	int64_t r0 = 0;
	int t = -1;

	memset(&regs, 0, sizeof(regs));
	regs.x[0] = fid | ((a[3] & 0x40) ? 0xdead00000000ull : 0);
	for (unsigned i = 1; i < 8; i++)
		regs.x[i] = arg(a[5 + i], a[9 + (i & 3)]);
	for (unsigned i = 8; i < 31; i++)
		regs.x[i] = 0x5a5a5a5a00000000ull | i;
	memcpy(&old, &regs, sizeof(regs));
	model[c] = AV_PSCI_STATE_ON;
	memcpy(prev, model, sizeof(prev));
	on.calls = 0;
	CHECK(av_psci_call(&psci, cpus[c].mpidr, &regs, &act) == 0);
	CHECK((unsigned)act <= AV_PSCI_ACT_SYSTEM_RESET);
	CHECK(regs.pc == old.pc && regs.pstate == old.pstate);
	for (unsigned i = 4; i < 31; i++)
		CHECK(regs.x[i] == old.x[i]);
	r0 = (int64_t)regs.x[0];
	if (regs.x[0] != old.x[0])
		CHECK(r0 >= -0x80000000ll && r0 <= 0x7fffffff); /* sign-extended 32-bit */
	{ /* the function ID is W0: X0[63:32] do not matter */
		uint64_t x1 = is64 ? old.x[1] : (uint32_t)old.x[1];
		uint64_t x2 = is64 ? old.x[2] : (uint32_t)old.x[2];
		uint64_t x3 = is64 ? old.x[3] : (uint32_t)old.x[3];

		switch (fid) {
		case AV_PSCI_CPU_ON_32:
		case AV_PSCI_CPU_ON_64:
			t = (x1 & ~AV_PSCI_MPIDR_AFF_MASK) ? -1 : find(x1);
			if (t < 0) {
				CHECK(r0 == AV_PSCI_RET_INVALID_PARAMETERS && !on.calls);
			} else if (model[t] == AV_PSCI_STATE_ON) {
				CHECK(r0 == AV_PSCI_RET_ALREADY_ON && !on.calls);
			} else if (model[t] == AV_PSCI_STATE_ON_PENDING) {
				CHECK(r0 == AV_PSCI_RET_ON_PENDING && !on.calls);
			} else if (!in_ram(x2)) {
				CHECK(r0 == AV_PSCI_RET_INVALID_ADDRESS && !on.calls);
			} else {
				CHECK(on.calls == 1 && on.target == x1 && on.entry == x2 && on.ctx == x3);
				CHECK(on.during == AV_PSCI_STATE_ON_PENDING);
				CHECK(r0 == ((a[1] & 1) ? AV_PSCI_RET_INTERNAL_FAILURE : AV_PSCI_RET_SUCCESS));
				model[t] = (a[1] & 1) ? AV_PSCI_STATE_OFF : AV_PSCI_STATE_ON_PENDING;
			}
			CHECK(act == AV_PSCI_ACT_RESUME);
			break;
		case AV_PSCI_CPU_OFF:
			if (psci.cfg.ops->cpu_off && (a[1] & 2)) {
				CHECK(r0 == AV_PSCI_RET_DENIED && act == AV_PSCI_ACT_RESUME);
			} else {
				CHECK(act == AV_PSCI_ACT_CPU_OFF);
				model[c] = AV_PSCI_STATE_OFF;
			}
			break;
		case AV_PSCI_AFFINITY_INFO_32:
		case AV_PSCI_AFFINITY_INFO_64:
			t = (x1 & ~AV_PSCI_MPIDR_AFF_MASK) ? -1 : find(x1);
			/* lowest_affinity_level is a uint32_t in both forms (DEN0022). */
			if (t < 0 || (uint32_t)x2 != 0)
				CHECK(r0 == AV_PSCI_RET_INVALID_PARAMETERS);
			else
				CHECK(r0 == (model[t] == AV_PSCI_STATE_ON ? 0
					     : model[t] == AV_PSCI_STATE_OFF ? 1 : 2));
			CHECK(act == AV_PSCI_ACT_RESUME);
			break;
		case AV_PSCI_SYSTEM_OFF:
			if (psci.cfg.ops->system_off && (a[1] & 8))
				CHECK(r0 == AV_PSCI_RET_INTERNAL_FAILURE && act == AV_PSCI_ACT_RESUME);
			else
				CHECK(act == AV_PSCI_ACT_SYSTEM_OFF);
			break;
		case AV_PSCI_SYSTEM_RESET:
			if (psci.cfg.ops->system_reset && (a[1] & 16))
				CHECK(r0 == AV_PSCI_RET_INTERNAL_FAILURE && act == AV_PSCI_ACT_RESUME);
			else
				CHECK(act == AV_PSCI_ACT_SYSTEM_RESET);
			break;
		case AV_PSCI_VERSION:
			CHECK(r0 == 0x10001);
			break;
		default:
			CHECK(act != AV_PSCI_ACT_CPU_OFF || fid == AV_PSCI_CPU_OFF);
			break;
		}
	}
	/* Only the caller and a CPU_ON target may change; the table agrees with the model. */
	for (unsigned i = 0; i < ncpus; i++) {
		if (fid != AV_PSCI_CPU_ON_32 && fid != AV_PSCI_CPU_ON_64 && i != c)
			CHECK(model[i] == prev[i]);
		CHECK(cpus[i].state == model[i]);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_psci_config cfg = { .cpus = cpus, .ram = &ram, .nram = 1 };

	if (size < 1)
		return 0;
	ncpus = 2 + data[0] % (NMAX - 1);
	for (unsigned i = 0; i < ncpus; i++) {
		static const uint64_t aff[NMAX] = { 0, 1, 0x100, 0x101, 0x100000000ull, 0x10203 };

		cpus[i].mpidr = aff[i];
		cpus[i].state = model[i] = i == 0 ? AV_PSCI_STATE_ON : AV_PSCI_STATE_OFF;
	}
	cfg.ncpus = ncpus;
	cfg.ops = (data[0] & 0x80) ? &ops_min : &ops_full;
	cfg.vendor_reset2 = data[0] & 0x40;
	CHECK(av_psci_init(&psci, &cfg, NULL) == 0);
	for (data++, size--; size >= 16; data += 16, size -= 16) {
		step = data;
		if ((data[0] & 7) != 7) {
			call(data);
		} else if (data[1] & 0x80) {
			unsigned c = data[2] % ncpus;

			CHECK(av_psci_reset(&psci, cpus[c].mpidr) == 0);
			for (unsigned i = 0; i < ncpus; i++)
				model[i] = i == c ? AV_PSCI_STATE_ON : AV_PSCI_STATE_OFF;
		} else {
			unsigned c = data[2] % ncpus, s = data[3] % 4;
			int rc = av_psci_cpu_set_state(&psci, cpus[c].mpidr, (enum av_psci_state)s);

			CHECK(s < 3 ? rc == 0 : rc == -AV_EINVAL);
			if (s < 3)
				model[c] = (enum av_psci_state)s;
			CHECK(av_psci_cpu_set_state(&psci, cpus[c].mpidr | 0x1000000, AV_PSCI_STATE_ON) ==
			      -AV_ENOENT);
		}
		for (unsigned i = 0; i < ncpus; i++)
			CHECK(cpus[i].state == model[i]);
	}
	return 0;
}
