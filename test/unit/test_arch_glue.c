/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: the portable part of the arch layer's dispatcher glue
 * (armvirt/arch/aarch64_vm.h): the exit record of av_arch_vcpu_run() as a struct av_exit.
 * The hooks themselves run at EL2 (the qemu.bm.* guest tests).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <armvirt/arch/aarch64_vm.h>

static void test_exit_record(void **state)
{
	static const struct {
		unsigned arch;
		enum av_exit_kind kind;
	} kinds[] = {
		{ AV_ARCH_EXIT_SYNC, AV_EXIT_SYNC },
		{ AV_ARCH_EXIT_IRQ, AV_EXIT_IRQ },
		{ AV_ARCH_EXIT_FIQ, AV_EXIT_FIQ },
		{ AV_ARCH_EXIT_SERROR, AV_EXIT_SERROR },
	};
	(void)state;

	for (unsigned i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		/* QEMU's ISV=1 load syndrome, a FAR and an HPFAR (IPA 0x50000000). */
		struct av_arch_exit ax = { .kind = kinds[i].arch, .esr = 0x93c38006u,
					   .far = 0x50000010u, .hpfar = 0x500000u };
		struct av_exit e = av_arch_vm_exit(kinds[i].arch, &ax);

		assert_int_equal(e.kind, kinds[i].kind);
		assert_int_equal(e.esr, 0x93c38006u);
		assert_int_equal(e.far, 0x50000010u);
		assert_int_equal(e.hpfar, 0x500000u);
		assert_int_equal(av_esr_fault_ipa(e.hpfar, e.far), 0x50000010u);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exit_record),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
