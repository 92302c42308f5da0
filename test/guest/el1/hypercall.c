/* SPDX-License-Identifier: MIT */
/*
 * hypercall: the armvirt ECHO service round trip, NOT_SUPPORTED for unknown vendor and
 * unowned function IDs, PSCI_VERSION, PSCI_FEATURES and SMCCC_VERSION.
 */
#include "rt.h"

const char *rt_prog = "hypercall";

static void echo(void)
{
	const uint64_t a = 0x0123456789abcdefull, b = 0xfedcba9876543210ull,
		       c = 0xa5a55a5adeadbeefull;
	unsigned undef = rt_undef_calls;
	struct smccc_res r = rt_hvc(ARMVIRT_HC_ECHO, a, b, c);

	if (rt_undef_calls != undef || (int64_t)r.a0 == SMCCC_RET_NOT_SUPPORTED) {
		rt_skip("echo", "ECHO not implemented");
		return;
	}
	rt_check(r.a0 == 0 && r.a1 == a && r.a2 == b && r.a3 == c, "echo",
		 "x0=0x%lx x1=0x%lx x2=0x%lx x3=0x%lx", r.a0, r.a1, r.a2, r.a3);

	/* Many round trips with changing values: nothing may leak between calls. */
	for (uint64_t i = 0; i < 256; i++) {
		uint64_t v = i * 0x9e3779b97f4a7c15ull;

		r = rt_hvc(ARMVIRT_HC_ECHO, v, ~v, v ^ i);
		if (r.a0 != 0 || r.a1 != v || r.a2 != ~v || r.a3 != (v ^ i)) {
			rt_fail("echo_repeat", "call %lu: x0=0x%lx x1=0x%lx", i, r.a0, r.a1);
			return;
		}
	}
	rt_pass("echo_repeat");
}

static void not_supported(const char *name, uint32_t fid)
{
	unsigned undef = rt_undef_calls;
	struct smccc_res r = rt_hvc(fid, 1, 2, 3);

	if (rt_undef_calls != undef) {
		rt_skip(name, "hvc is UNDEFINED here");
		return;
	}
	rt_check((int64_t)r.a0 == SMCCC_RET_NOT_SUPPORTED, name, "fid 0x%x returned x0=0x%lx",
		 fid, r.a0);
}

void test_main(void)
{
	int64_t v, f;

	echo();
	not_supported("unknown_vendor64", 0xC600FF7Fu);
	not_supported("unknown_vendor32", 0x860000F0u);
	not_supported("unknown_owner", 0xC3000001u); /* OEM service range */

	v = rt_psci(PSCI_VERSION, 0, 0, 0);
	rt_printf("%s: PSCI_VERSION = 0x%lx\n", rt_prog, (uint64_t)v);
	if (rt_armvirt)
		rt_check(v >= 0x10000, "psci_version", "0x%lx, want >= 1.0", (uint64_t)v);
	else
		rt_check(v >= 0x2, "psci_version", "0x%lx, want >= 0.2", (uint64_t)v);

	f = v >= 0x10000 ? rt_psci(PSCI_FEATURES, SMCCC_VERSION, 0, 0) : PSCI_RET_NOT_SUPPORTED;
	if (f == PSCI_RET_SUCCESS) {
		struct smccc_res r = rt_hvc(SMCCC_VERSION, 0, 0, 0);

		if (rt_plat.psci_smc)
			r.a0 = (uint64_t)rt_psci(SMCCC_VERSION, 0, 0, 0);
		rt_printf("%s: SMCCC_VERSION = 0x%lx\n", rt_prog, r.a0);
		rt_check((int64_t)r.a0 >= 0x10000, "smccc_version", "0x%lx, want >= 1.0", r.a0);
		if (rt_armvirt)
			rt_check(r.a0 == 0x10001, "smccc_version_1_1", "0x%lx, want 0x10001", r.a0);
	} else {
		rt_skip("smccc_version", "PSCI_FEATURES(SMCCC_VERSION) not supported");
	}
	if (rt_armvirt)
		rt_check(rt_undef_calls == 0, "no_undef", "%u hvc/smc were UNDEFINED", rt_undef_calls);
}
