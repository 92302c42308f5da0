/* SPDX-License-Identifier: MIT */
/* Unit tests: PSCI 1.1 and SMCCC 1.1 dispatch. Function IDs and return codes are written
 * out as numbers from DEN0022/DEN0028 rather than through the header's macros, so that a
 * wrong constant in the header cannot hide itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include <armvirt/boot.h>
#include <armvirt/psci.h>
#include <armvirt/regs.h>
#include <armvirt/types.h>

#define NOT_SUPPORTED 0xffffffffffffffffull /* -1 */
#define INVALID_PARAMS 0xfffffffffffffffeull /* -2 */
#define DENIED 0xfffffffffffffffdull         /* -3 */
#define ALREADY_ON 0xfffffffffffffffcull     /* -4 */
#define ON_PENDING 0xfffffffffffffffbull     /* -5 */
#define INTERNAL_FAILURE 0xfffffffffffffffaull /* -6 */
#define INVALID_ADDRESS 0xfffffffffffffff7ull  /* -9 */

struct host {
	int calls_on, calls_off, calls_suspend, calls_sysoff, calls_reset, calls_wa;
	uint64_t on_target, on_entry, on_ctx;
	uint64_t off_mpidr;
	uint32_t susp_state;
	bool susp_powerdown;
	enum av_psci_reset reset_kind;
	uint32_t reset_type;
	uint64_t reset_cookie;
	uint32_t wa_fid;
	uint64_t wa_arg;
	int fail_on, fail_off, fail_suspend, fail_sysoff, fail_reset;
	bool start_inside; /* cpu_on marks the target ON itself */
	struct av_psci *psci;
};

static int h_cpu_on(void *c, uint64_t target, uint64_t entry, uint64_t ctx)
{
	struct host *h = c;
	enum av_psci_state st;

	h->calls_on++;
	h->on_target = target;
	h->on_entry = entry;
	h->on_ctx = ctx;
	/* The target is ON_PENDING while the host starts it. */
	assert_int_equal(av_psci_cpu_get_state(h->psci, target, &st), 0);
	assert_int_equal(st, AV_PSCI_STATE_ON_PENDING);
	if (h->start_inside)
		assert_int_equal(av_psci_cpu_set_state(h->psci, target, AV_PSCI_STATE_ON), 0);
	return h->fail_on;
}

static int h_cpu_off(void *c, uint64_t mpidr)
{
	struct host *h = c;

	h->calls_off++;
	h->off_mpidr = mpidr;
	return h->fail_off;
}

static int h_suspend(void *c, uint64_t mpidr, uint32_t ps, bool powerdown)
{
	struct host *h = c;

	(void)mpidr;
	h->calls_suspend++;
	h->susp_state = ps;
	h->susp_powerdown = powerdown;
	return h->fail_suspend;
}

static int h_sysoff(void *c)
{
	struct host *h = c;

	h->calls_sysoff++;
	return h->fail_sysoff;
}

static int h_reset(void *c, enum av_psci_reset kind, uint32_t type, uint64_t cookie)
{
	struct host *h = c;

	h->calls_reset++;
	h->reset_kind = kind;
	h->reset_type = type;
	h->reset_cookie = cookie;
	return h->fail_reset;
}

/* WORKAROUND_1 supported, WORKAROUND_2 not required, WORKAROUND_3 unknown. */
static int32_t h_workaround(void *c, uint32_t fid, bool query, uint64_t arg)
{
	struct host *h = c;

	if (query) {
		if (fid == 0x80008000u)
			return 0;
		if (fid == 0x80007fffu)
			return -2;
		return -1;
	}
	h->calls_wa++;
	h->wa_fid = fid;
	h->wa_arg = arg;
	return 0;
}

static const struct av_psci_ops full_ops = {
	.cpu_on = h_cpu_on,
	.cpu_off = h_cpu_off,
	.suspend = h_suspend,
	.system_off = h_sysoff,
	.system_reset = h_reset,
	.arch_workaround = h_workaround,
};

/* vCPU MPIDRs: 0x0 (boot), 0x1, 0x100, Aff3 = 1 */
#define CPU0 0x0ull
#define CPU1 0x1ull
#define CPU2 0x100ull
#define CPU3 0x100000000ull
#define RAM_BASE 0x40000000ull
#define RAM_SIZE 0x10000000ull

struct fix {
	struct host h;
	struct av_psci_cpu cpus[4];
	struct av_psci_range ram[1];
	struct av_psci psci;
};

static void setup(struct fix *f, const struct av_psci_ops *ops)
{
	struct av_psci_config cfg;

	memset(f, 0, sizeof(*f));
	f->cpus[0] = (struct av_psci_cpu){ CPU0, AV_PSCI_STATE_ON };
	f->cpus[1] = (struct av_psci_cpu){ CPU1, AV_PSCI_STATE_OFF };
	f->cpus[2] = (struct av_psci_cpu){ CPU2, AV_PSCI_STATE_OFF };
	f->cpus[3] = (struct av_psci_cpu){ CPU3, AV_PSCI_STATE_OFF };
	f->ram[0] = (struct av_psci_range){ RAM_BASE, RAM_SIZE };
	memset(&cfg, 0, sizeof(cfg));
	cfg.ops = ops;
	cfg.cookie = &f->h;
	cfg.cpus = f->cpus;
	cfg.ncpus = 4;
	cfg.ram = f->ram;
	cfg.nram = 1;
	assert_int_equal(av_psci_init(&f->psci, &cfg, NULL), 0);
	f->h.psci = &f->psci;
}

/* Make a call from @caller with x0..x3; return x0 and the action. */
static uint64_t call(struct fix *f, uint64_t caller, uint64_t x0, uint64_t x1, uint64_t x2,
		     uint64_t x3, enum av_psci_action *act)
{
	struct av_regs r;
	enum av_psci_action a = (enum av_psci_action)99;

	memset(&r, 0, sizeof(r));
	for (int i = 0; i < 31; i++)
		r.x[i] = 0x1111111111111111ull * (uint64_t)(i % 15 + 1);
	r.x[0] = x0;
	r.x[1] = x1;
	r.x[2] = x2;
	r.x[3] = x3;
	r.pc = 0x1234;
	assert_int_equal(av_psci_call(&f->psci, caller, &r, &a), 0);
	assert_int_equal(r.pc, 0x1234);
	for (int i = 4; i < 31; i++) /* never clobbered */
		assert_int_equal(r.x[i], 0x1111111111111111ull * (uint64_t)(i % 15 + 1));
	if (act)
		*act = a;
	return r.x[0];
}

static enum av_psci_state state_of(struct fix *f, uint64_t mpidr)
{
	enum av_psci_state st;

	assert_int_equal(av_psci_cpu_get_state(&f->psci, mpidr, &st), 0);
	return st;
}

/* @ret is @code and @err names @field with @msg. */
static void expect_err(int ret, const struct av_error *err, int code, const char *field,
		       const char *msg)
{
	if (ret != code || strcmp(err->field, field) || strcmp(err->msg, msg))
		fail_msg("%d \"%s: %s\", want %d \"%s: %s\"", ret, err->field, err->msg, code,
			 field, msg);
}

static void test_init_errors(void **state)
{
	struct av_psci p;
	struct av_psci_cpu cpus[2] = { { 0, AV_PSCI_STATE_ON }, { 1, AV_PSCI_STATE_OFF } };
	struct av_psci_range bad = { 0x1000, 0 };
	struct av_psci_ops noon = { 0 };
	struct av_psci_config cfg = { .ops = &full_ops, .cpus = cpus, .ncpus = 2 };
	struct av_error e;
	(void)state;

	expect_err(av_psci_init(NULL, &cfg, &e), &e, -AV_EINVAL, "psci", "NULL");
	expect_err(av_psci_init(&p, NULL, &e), &e, -AV_EINVAL, "cfg", "NULL");
	expect_err(av_psci_init(&p, &cfg, &e), &e, 0, "", "");
	cfg.ncpus = 0;
	expect_err(av_psci_init(&p, &cfg, &e), &e, -AV_EINVAL, "ncpus",
		   "no power-state table (0 rows)");
	cfg.ncpus = 2;
	cfg.ops = &noon;
	expect_err(av_psci_init(&p, &cfg, &e), &e, -AV_EINVAL, "ops", /* needed for SMP */
		   "cpu_on is NULL with 2 CPUs");
	cfg.ncpus = 1;
	assert_int_equal(av_psci_init(&p, &cfg, NULL), 0);          /* not for one vCPU */
	cfg.ncpus = 2;
	cfg.ops = &full_ops;
	cpus[1].mpidr = 0;
	expect_err(av_psci_init(&p, &cfg, &e), &e, -AV_EEXIST, "cpus",
		   "rows 0 and 1 have the same MPIDR 0x0");
	cpus[1].mpidr = 0x80000001ull; /* MPIDR bit 31 (RES1 in hardware) is not affinity */
	expect_err(av_psci_init(&p, &cfg, &e), &e, -AV_EINVAL, "cpus",
		   "row 1: MPIDR 0x80000001 has bits outside Aff3..Aff0");
	cpus[1].mpidr = 1;
	cpus[1].state = (enum av_psci_state)7;
	expect_err(av_psci_init(&p, &cfg, &e), &e, -AV_EINVAL, "cpus",
		   "row 1: state 7 is not a PSCI state");
	cpus[1].state = AV_PSCI_STATE_OFF;
	cfg.ram = &bad;
	cfg.nram = 1;
	expect_err(av_psci_init(&p, &cfg, &e), &e, -AV_EINVAL, "ram", "range 0: size 0");
	cfg.ram = NULL;
	expect_err(av_psci_init(&p, &cfg, &e), &e, -AV_EINVAL, "ram", "NULL with nram = 1");
	cfg.nram = 0;
	assert_int_equal(av_psci_init(&p, &cfg, NULL), 0);
}

static void test_versions_and_unknown(void **state)
{
	struct fix f;
	enum av_psci_action a;
	uint64_t x[8] = { 0 };
	struct av_psci_result res;
	(void)state;

	setup(&f, &full_ops);
	assert_int_equal(call(&f, CPU0, 0x84000000u, 0, 0, 0, &a), 0x10001); /* PSCI 1.1 */
	assert_int_equal(a, AV_PSCI_ACT_RESUME);
	assert_int_equal(call(&f, CPU0, 0x80000000u, 0, 0, 0, &a), 0x10001); /* SMCCC 1.1 */
	/* Upper 32 bits of X0 are not part of the function ID. */
	assert_int_equal(call(&f, CPU0, 0xdead000084000000ull, 0, 0, 0, &a), 0x10001);
	assert_int_equal(call(&f, CPU0, 0x84000006u, 0, 0, 0, &a), 2); /* MIGRATE_INFO_TYPE */

	/* Unknown or unimplemented: -1. */
	assert_int_equal(call(&f, CPU0, 0x840000ffu, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x84000005u, 0, 0, 0, NULL), NOT_SUPPORTED); /* MIGRATE */
	assert_int_equal(call(&f, CPU0, 0xc4000005u, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x84000007u, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x8400000eu, 0, 0, 0, NULL), NOT_SUPPORTED); /* SYS_SUSP */
	assert_int_equal(call(&f, CPU0, 0x8400000bu, 0, 0, 0, NULL), NOT_SUPPORTED); /* FREEZE */
	/* SMC64 forms that DEN0022 does not define. */
	assert_int_equal(call(&f, CPU0, 0xc4000000u, 0, 0, 0, NULL), NOT_SUPPORTED); /* VERSION */
	assert_int_equal(call(&f, CPU0, 0xc4000002u, 0, 0, 0, NULL), NOT_SUPPORTED); /* CPU_OFF */
	assert_int_equal(call(&f, CPU0, 0xc4000008u, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0xc400000au, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0xc4000006u, 0, 0, 0, NULL), NOT_SUPPORTED);
	/* SMCCC: unknown arch call, SoC ID, yielding call, other owners, MBZ bits. */
	assert_int_equal(call(&f, CPU0, 0x80000002u, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x8000abcdu, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x04000000u, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x86000000u, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0xc2000001u, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x84010000u, 0, 0, 0, NULL), NOT_SUPPORTED);

	/* av_psci_handle: result registers and errors. */
	x[0] = 0x84000000u;
	assert_int_equal(av_psci_handle(&f.psci, CPU0, x, &res), 0);
	assert_int_equal(res.nregs, 1);
	assert_int_equal(res.x[0], 0x10001);
	assert_int_equal(av_psci_handle(&f.psci, 0x55, x, &res), -AV_ENOENT);
	assert_int_equal(av_psci_handle(NULL, CPU0, x, &res), -AV_EINVAL);
	assert_int_equal(av_psci_handle(&f.psci, CPU0, NULL, &res), -AV_EINVAL);
	assert_int_equal(av_psci_handle(&f.psci, CPU0, x, NULL), -AV_EINVAL);
	assert_int_equal(av_psci_call(&f.psci, CPU0, NULL, NULL), -AV_EINVAL);
}

static void test_features(void **state)
{
	struct fix f;
	static const uint32_t yes[] = { 0x84000000u, 0x84000001u, 0xc4000001u, 0x84000002u,
					0x84000003u, 0xc4000003u, 0x84000004u, 0xc4000004u,
					0x84000006u, 0x84000008u, 0x84000009u, 0x8400000au,
					0x84000012u, 0xc4000012u, 0x80000000u };
	static const uint32_t no[] = { 0x84000005u, 0xc4000005u, 0x84000007u, 0xc4000007u,
				       0x8400000bu, 0x8400000cu, 0x8400000eu, 0xc400000eu,
				       0x84000013u, 0xc4000002u, 0x80000001u, 0x80008000u,
				       0x12345678u, 0xc4000000u };
	(void)state;

	setup(&f, &full_ops);
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_int_equal(call(&f, CPU0, 0x8400000au, yes[i], 0, 0, NULL), 0);
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_int_equal(call(&f, CPU0, 0x8400000au, no[i], 0, 0, NULL), NOT_SUPPORTED);
	/* CPU_SUSPEND flags: original format (bit 1 clear), no OS-initiated mode (bit 0). */
	assert_int_equal(call(&f, CPU0, 0x8400000au, 0xc4000001u, 0, 0, NULL) & 3, 0);
	/* PSCI_FEATURES takes a 32-bit ID: upper bits of x1 ignored. */
	assert_int_equal(call(&f, CPU0, 0x8400000au, 0xffffffff84000000ull, 0, 0, NULL), 0);
}

static void test_arch_features(void **state)
{
	struct fix f;
	struct av_psci_ops noworkaround = full_ops;
	enum av_psci_action a;
	(void)state;

	setup(&f, &full_ops);
	assert_int_equal(call(&f, CPU0, 0x80000001u, 0x80000001u, 0, 0, NULL), 0);
	assert_int_equal(call(&f, CPU0, 0x80000001u, 0x80008000u, 0, 0, NULL), 0);
	assert_int_equal(call(&f, CPU0, 0x80000001u, 0x80007fffu, 0, 0, NULL), (uint64_t)-2);
	assert_int_equal(call(&f, CPU0, 0x80000001u, 0x80003fffu, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x80000001u, 0x80000002u, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x80000001u, 0x84000000u, 0, 0, NULL), NOT_SUPPORTED);
	/* Calling a supported workaround: host performs it, x0 left alone. */
	assert_int_equal(call(&f, CPU0, 0x80008000u, 7, 0, 0, &a), 0x80008000u);
	assert_int_equal(a, AV_PSCI_ACT_RESUME);
	assert_int_equal(f.h.calls_wa, 1);
	assert_int_equal(f.h.wa_fid, 0x80008000u);
	assert_int_equal(f.h.wa_arg, 7);
	/* Not supported / not required ones answer -1 and are not performed. */
	assert_int_equal(call(&f, CPU0, 0x80003fffu, 0, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x80007fffu, 1, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(f.h.calls_wa, 1);

	/* Without a callback every workaround is NOT_SUPPORTED. */
	noworkaround.arch_workaround = NULL;
	setup(&f, &noworkaround);
	assert_int_equal(call(&f, CPU0, 0x80000001u, 0x80008000u, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x80000001u, 0x80007fffu, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x80000001u, 0x80003fffu, 0, 0, NULL), NOT_SUPPORTED);
	assert_int_equal(call(&f, CPU0, 0x80008000u, 0, 0, 0, NULL), NOT_SUPPORTED);
}

static void test_cpu_on_state_machine(void **state)
{
	struct fix f;
	struct av_regs r;
	(void)state;

	setup(&f, &full_ops);
	assert_int_equal(state_of(&f, CPU1), AV_PSCI_STATE_OFF);
	/* AFFINITY_INFO before: OFF (1). */
	assert_int_equal(call(&f, CPU0, 0xc4000004u, CPU1, 0, 0, NULL), 1);

	/* CPU_ON (SMC64): target pending, callback sees entry and context. */
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1, RAM_BASE + 0x80000, 0xabcdef0123ull,
			      NULL), 0);
	assert_int_equal(f.h.calls_on, 1);
	assert_int_equal(f.h.on_target, CPU1);
	assert_int_equal(f.h.on_entry, RAM_BASE + 0x80000);
	assert_int_equal(f.h.on_ctx, 0xabcdef0123ull);
	assert_int_equal(state_of(&f, CPU1), AV_PSCI_STATE_ON_PENDING);
	assert_int_equal(call(&f, CPU0, 0xc4000004u, CPU1, 0, 0, NULL), 2); /* ON_PENDING */
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1, RAM_BASE, 0, NULL), ON_PENDING);
	assert_int_equal(f.h.calls_on, 1);

	/* The host starts it: context id in x0, EL1h DAIF masked at the entry. */
	assert_int_equal(av_boot_cpu_regs(&r, f.h.on_entry, f.h.on_ctx), 0);
	assert_int_equal(r.x[0], 0xabcdef0123ull);
	assert_int_equal(r.pc, RAM_BASE + 0x80000);
	assert_int_equal(r.pstate, 0x3c5);
	assert_int_equal(av_psci_cpu_set_state(&f.psci, CPU1, AV_PSCI_STATE_ON), 0);
	assert_int_equal(call(&f, CPU0, 0x84000004u, CPU1, 0, 0, NULL), 0); /* ON */
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1, RAM_BASE, 0, NULL), ALREADY_ON);
	assert_int_equal(call(&f, CPU0, 0x84000003u, CPU0, RAM_BASE, 0, NULL), ALREADY_ON);

	/* A pending vCPU that makes a call is running: it becomes ON. */
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU2, RAM_BASE, 0, NULL), 0);
	assert_int_equal(state_of(&f, CPU2), AV_PSCI_STATE_ON_PENDING);
	assert_int_equal(call(&f, CPU2, 0x84000000u, 0, 0, 0, NULL), 0x10001);
	assert_int_equal(state_of(&f, CPU2), AV_PSCI_STATE_ON);

	/* CPU_OFF from CPU1: callback, OFF, action CPU_OFF; then it can be turned on again. */
	{
		enum av_psci_action a;

		call(&f, CPU1, 0x84000002u, 0, 0, 0, &a);
		assert_int_equal(a, AV_PSCI_ACT_CPU_OFF);
		assert_int_equal(f.h.calls_off, 1);
		assert_int_equal(f.h.off_mpidr, CPU1);
		assert_int_equal(state_of(&f, CPU1), AV_PSCI_STATE_OFF);
		assert_int_equal(call(&f, CPU0, 0x84000004u, CPU1, 0, 0, NULL), 1);
	}

	/* The host may start the vCPU synchronously inside cpu_on. */
	f.h.start_inside = true;
	assert_int_equal(call(&f, CPU0, 0x84000003u, CPU1, RAM_BASE, 5, NULL), 0);
	assert_int_equal(state_of(&f, CPU1), AV_PSCI_STATE_ON);
}

static void test_cpu_on_errors(void **state)
{
	struct fix f;
	(void)state;

	setup(&f, &full_ops);
	/* Unknown MPIDR, non-affinity bits. */
	assert_int_equal(call(&f, CPU0, 0xc4000003u, 0x2, RAM_BASE, 0, NULL), INVALID_PARAMS);
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1 | 0x80000000ull, RAM_BASE, 0, NULL),
			 INVALID_PARAMS);
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1 | (1ull << 40), RAM_BASE, 0, NULL),
			 INVALID_PARAMS);
	/* Entry outside RAM, misaligned, or just past the end. */
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1, 0x1000, 0, NULL), INVALID_ADDRESS);
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1, RAM_BASE + 2, 0, NULL), INVALID_ADDRESS);
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1, RAM_BASE + RAM_SIZE, 0, NULL),
			 INVALID_ADDRESS);
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1, RAM_BASE + RAM_SIZE - 4, 0, NULL), 0);
	assert_int_equal(f.h.calls_on, 1);

	/* Callback failure: INTERNAL_FAILURE and the target is OFF again. */
	f.h.fail_on = -AV_EIO;
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU2, RAM_BASE, 0, NULL), INTERNAL_FAILURE);
	assert_int_equal(state_of(&f, CPU2), AV_PSCI_STATE_OFF);
	f.h.fail_on = 0;

	/* SMC32: arguments are W registers; Aff3 cannot be named, upper bits ignored. */
	assert_int_equal(call(&f, CPU0, 0x84000003u, 0xffffffff00000100ull,
			      0xffffffff00000000ull | RAM_BASE, 0xffffffff00000042ull, NULL), 0);
	assert_int_equal(f.h.on_target, CPU2);
	assert_int_equal(f.h.on_entry, RAM_BASE);
	assert_int_equal(f.h.on_ctx, 0x42);
	/* SMC64 with the same x1 names Aff3 = 0xff...: invalid. */
	assert_int_equal(call(&f, CPU0, 0xc4000003u, 0xffffffff00000001ull, RAM_BASE, 0, NULL),
			 INVALID_PARAMS);
	/* Aff3 reachable through SMC64 only. */
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU3, RAM_BASE, 0x1122334455667788ull, NULL),
			 0);
	assert_int_equal(f.h.on_target, CPU3);
	assert_int_equal(f.h.on_ctx, 0x1122334455667788ull);
}

static bool only_page_zero(void *cookie, uint64_t addr)
{
	(void)cookie;
	return addr < 0x1000;
}

static void test_entry_valid_callback(void **state)
{
	struct fix f;
	struct av_psci_ops ops = full_ops;
	(void)state;

	ops.entry_valid = only_page_zero;
	setup(&f, &ops);
	/* The callback overrides the RAM ranges. */
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1, RAM_BASE, 0, NULL), INVALID_ADDRESS);
	assert_int_equal(call(&f, CPU0, 0xc4000003u, CPU1, 0x800, 0, NULL), 0);
}

static void test_affinity_info(void **state)
{
	struct fix f;
	(void)state;

	setup(&f, &full_ops);
	assert_int_equal(call(&f, CPU0, 0x84000004u, CPU0, 0, 0, NULL), 0);
	assert_int_equal(call(&f, CPU0, 0xc4000004u, CPU3, 0, 0, NULL), 1);
	assert_int_equal(call(&f, CPU0, 0x84000004u, CPU0, 1, 0, NULL), INVALID_PARAMS);
	assert_int_equal(call(&f, CPU0, 0x84000004u, CPU0, 3, 0, NULL), INVALID_PARAMS);
	assert_int_equal(call(&f, CPU0, 0x84000004u, 0x7, 0, 0, NULL), INVALID_PARAMS);
	assert_int_equal(call(&f, CPU0, 0xc4000004u, 1ull << 63, 0, 0, NULL), INVALID_PARAMS);
	/* SMC32: x1 truncated to W1, so CPU3 (Aff3) reads as MPIDR 0. */
	assert_int_equal(call(&f, CPU0, 0x84000004u, CPU3, 0, 0, NULL), 0);
}

static void test_cpu_off_suspend(void **state)
{
	struct fix f;
	enum av_psci_action a;
	(void)state;

	setup(&f, &full_ops);
	/* CPU_OFF refused by the host: DENIED, still ON. */
	f.h.fail_off = -AV_EBUSY;
	assert_int_equal(call(&f, CPU0, 0x84000002u, 0, 0, 0, &a), DENIED);
	assert_int_equal(a, AV_PSCI_ACT_RESUME);
	assert_int_equal(state_of(&f, CPU0), AV_PSCI_STATE_ON);
	f.h.fail_off = 0;

	/* Standby: WFI, SUCCESS. */
	assert_int_equal(call(&f, CPU0, 0x84000001u, 0x01000005u, 0, 0, &a), 0);
	assert_int_equal(a, AV_PSCI_ACT_WFI);
	assert_int_equal(f.h.susp_state, 0x01000005u);
	assert_false(f.h.susp_powerdown);
	/* Powerdown: handled as standby, entry point still validated. */
	assert_int_equal(call(&f, CPU0, 0xc4000001u, 0x00010000u, RAM_BASE, 9, &a), 0);
	assert_int_equal(a, AV_PSCI_ACT_WFI);
	assert_true(f.h.susp_powerdown);
	assert_int_equal(call(&f, CPU0, 0xc4000001u, 0x00010000u, 0x10, 9, &a), INVALID_ADDRESS);
	assert_int_equal(a, AV_PSCI_ACT_RESUME);
	/* SMC32 powerdown: entry is W2. */
	assert_int_equal(call(&f, CPU0, 0x84000001u, 0x00010000u, 0xffffffff00000000ull | RAM_BASE,
			      0, &a), 0);
	/* The standby entry point is ignored. */
	assert_int_equal(call(&f, CPU0, 0x84000001u, 0, 0x3, 0, &a), 0);
	/* Reserved bits set. */
	assert_int_equal(call(&f, CPU0, 0x84000001u, 0x00020000u, 0, 0, &a), INVALID_PARAMS);
	assert_int_equal(call(&f, CPU0, 0x84000001u, 0x04000000u, 0, 0, &a), INVALID_PARAMS);
	assert_int_equal(a, AV_PSCI_ACT_RESUME);
	/* Host refuses the state. */
	f.h.fail_suspend = -AV_ENOTSUP;
	assert_int_equal(call(&f, CPU0, 0x84000001u, 0, 0, 0, &a), INVALID_PARAMS);
	assert_int_equal(a, AV_PSCI_ACT_RESUME);
}

static void test_system_calls(void **state)
{
	struct fix f;
	enum av_psci_action a;
	struct av_psci_ops minimal = { .cpu_on = h_cpu_on };
	(void)state;

	setup(&f, &full_ops);
	call(&f, CPU0, 0x84000008u, 0, 0, 0, &a);
	assert_int_equal(a, AV_PSCI_ACT_SYSTEM_OFF);
	assert_int_equal(f.h.calls_sysoff, 1);
	f.h.fail_sysoff = -AV_EIO;
	assert_int_equal(call(&f, CPU0, 0x84000008u, 0, 0, 0, &a), INTERNAL_FAILURE);
	assert_int_equal(a, AV_PSCI_ACT_RESUME);

	call(&f, CPU0, 0x84000009u, 0, 0, 0, &a);
	assert_int_equal(a, AV_PSCI_ACT_SYSTEM_RESET);
	assert_int_equal(f.h.reset_kind, AV_PSCI_RESET_COLD);
	f.h.fail_reset = -AV_EIO;
	assert_int_equal(call(&f, CPU0, 0x84000009u, 0, 0, 0, &a), INTERNAL_FAILURE);
	assert_int_equal(a, AV_PSCI_ACT_RESUME);
	f.h.fail_reset = 0;

	/* SYSTEM_RESET2: warm reset, 32 and 64-bit cookies. */
	call(&f, CPU0, 0xc4000012u, 0, 0x123456789ull, 0, &a);
	assert_int_equal(a, AV_PSCI_ACT_SYSTEM_RESET);
	assert_int_equal(f.h.reset_kind, AV_PSCI_RESET_WARM);
	assert_int_equal(f.h.reset_cookie, 0x123456789ull);
	call(&f, CPU0, 0x84000012u, 0xffffffff00000000ull, 0x123456789ull, 0, &a);
	assert_int_equal(a, AV_PSCI_ACT_SYSTEM_RESET);
	assert_int_equal(f.h.reset_cookie, 0x23456789ull);
	/* Other architectural types, vendor types without support. */
	f.h.calls_reset = 0;
	assert_int_equal(call(&f, CPU0, 0x84000012u, 1, 0, 0, &a), INVALID_PARAMS);
	assert_int_equal(call(&f, CPU0, 0x84000012u, 0x7fffffffu, 0, 0, &a), INVALID_PARAMS);
	assert_int_equal(call(&f, CPU0, 0xc4000012u, 0x80000000u, 0, 0, &a), INVALID_PARAMS);
	assert_int_equal(a, AV_PSCI_ACT_RESUME);
	assert_int_equal(f.h.calls_reset, 0);
	/* Vendor types with support. */
	f.psci.cfg.vendor_reset2 = true;
	call(&f, CPU0, 0xc4000012u, 0x80000010u, 77, 0, &a);
	assert_int_equal(a, AV_PSCI_ACT_SYSTEM_RESET);
	assert_int_equal(f.h.reset_kind, AV_PSCI_RESET_VENDOR);
	assert_int_equal(f.h.reset_type, 0x80000010u);
	assert_int_equal(f.h.reset_cookie, 77);
	f.h.fail_reset = -AV_EIO;
	assert_int_equal(call(&f, CPU0, 0xc4000012u, 0x80000010u, 77, 0, &a), INTERNAL_FAILURE);

	/* NULL optional callbacks: accepted, action tells the run loop. */
	setup(&f, &minimal);
	call(&f, CPU0, 0x84000008u, 0, 0, 0, &a);
	assert_int_equal(a, AV_PSCI_ACT_SYSTEM_OFF);
	call(&f, CPU0, 0x84000009u, 0, 0, 0, &a);
	assert_int_equal(a, AV_PSCI_ACT_SYSTEM_RESET);
	assert_int_equal(call(&f, CPU0, 0x84000001u, 0, 0, 0, &a), 0);
	assert_int_equal(a, AV_PSCI_ACT_WFI);
	call(&f, CPU0, 0x84000002u, 0, 0, 0, &a);
	assert_int_equal(a, AV_PSCI_ACT_CPU_OFF);
}

static void test_state_api(void **state)
{
	struct fix f;
	enum av_psci_state st;
	(void)state;

	setup(&f, &full_ops);
	assert_int_equal(av_psci_cpu_set_state(&f.psci, 0x77, AV_PSCI_STATE_ON), -AV_ENOENT);
	assert_int_equal(av_psci_cpu_set_state(&f.psci, CPU1, (enum av_psci_state)9), -AV_EINVAL);
	assert_int_equal(av_psci_cpu_set_state(NULL, CPU1, AV_PSCI_STATE_ON), -AV_EINVAL);
	assert_int_equal(av_psci_cpu_get_state(&f.psci, 0x77, &st), -AV_ENOENT);
	assert_int_equal(av_psci_cpu_get_state(&f.psci, CPU1, NULL), -AV_EINVAL);
	assert_int_equal(av_psci_cpu_set_state(&f.psci, CPU1, AV_PSCI_STATE_ON), 0);
	assert_int_equal(av_psci_reset(&f.psci, CPU2), 0);
	assert_int_equal(state_of(&f, CPU0), AV_PSCI_STATE_OFF);
	assert_int_equal(state_of(&f, CPU1), AV_PSCI_STATE_OFF);
	assert_int_equal(state_of(&f, CPU2), AV_PSCI_STATE_ON);
	assert_int_equal(av_psci_reset(&f.psci, 0x77), -AV_ENOENT);
	assert_int_equal(av_psci_reset(NULL, 0), -AV_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_errors),
		cmocka_unit_test(test_versions_and_unknown),
		cmocka_unit_test(test_features),
		cmocka_unit_test(test_arch_features),
		cmocka_unit_test(test_cpu_on_state_machine),
		cmocka_unit_test(test_cpu_on_errors),
		cmocka_unit_test(test_entry_valid_callback),
		cmocka_unit_test(test_affinity_info),
		cmocka_unit_test(test_cpu_off_suspend),
		cmocka_unit_test(test_system_calls),
		cmocka_unit_test(test_state_api),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
