/* SPDX-License-Identifier: MIT */
/*
 * The whole portable API included into a C++17 translation unit (-pedantic -Werror), calling
 * the C library through those declarations: the link proves the extern "C" guards.
 */
#include <armvirt/armvirt.h>

#include <cstdio>
#include <cstring>

extern "C" int av_test_deprecated_names(void); /* deprecated.c */

static int check(bool ok, const char *what)
{
	if (!ok)
		std::printf("FAIL: %s\n", what);
	return ok ? 0 : 1;
}

int main()
{
	int bad = 0;
	struct av_esr e;
	char line[128];

	bad += check(av_version() == AV_VERSION, "av_version() == AV_VERSION");
	bad += check(std::strcmp(av_version_string(), AV_VERSION_STRING) == 0,
		     "av_version_string() == AV_VERSION_STRING");
	bad += check(std::strcmp(av_strerror(-AV_EINVAL), "AV_EINVAL: invalid argument") == 0,
		     "av_strerror()");
	/* QEMU's syndrome for a 64-bit load: an inline decoder and the library's agree. */
	bad += check(av_esr_decode(0x93c38006u, &e) == 0 && e.ec == AV_ESR_EC_DABT_LOW &&
			     e.u.dabt.isv && e.u.dabt.srt == 3 && !e.u.dabt.wnr,
		     "av_esr_decode()");
	bad += check(av_esr_format(&e, line, sizeof(line)) > 0, "av_esr_format()");
	bad += check(av_sysreg_key_order(AV_SYS_MIDR_EL1) < av_sysreg_key_order(AV_SYS_MPIDR_EL1),
		     "av_sysreg_key_order()");
	bad += check(av_test_deprecated_names() == 1, "deprecated names");
	if (bad)
		return 1;
	std::printf("PASS: headers (%s, C++%ld)\n", AV_VERSION_STRING, __cplusplus);
	return 0;
}
