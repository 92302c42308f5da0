/* SPDX-License-Identifier: MIT */
/*
 * An out-of-tree program using an installed armvirt: it must compile, link and run. It builds
 * a device tree, so linking needs libfdt (pkg-config --static, armvirt::libfdt).
 */
#include <armvirt/armvirt.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[128];

	/* <armvirt/version.h> is installed, and the library linked is the headers' version. */
	if (av_version() != AV_VERSION || strcmp(av_version_string(), AV_VERSION_STRING) != 0)
		return 1;
	if (strcmp(av_strerror(-AV_EINVAL), "AV_EINVAL: invalid argument") != 0)
		return 1;
	av_snprintf(line, sizeof(line), "%s %#x", "consumer", 0x2a);
	if (strcmp(line, "consumer 0x2a") != 0)
		return 1;
	{
		/* QEMU 7.2's syndrome for a 64-bit load from an unmapped IPA. */
		struct av_esr e;
		if (av_esr_decode(0x93c38006u, &e) != 0 || e.ec != AV_ESR_EC_DABT_LOW)
			return 1;
		av_esr_format(&e, line, sizeof(line));
		printf("%s\n", line);
	}
	{
		static struct av_vmspec spec;
		static uint8_t dtb[0x10000] __attribute__((aligned(8)));
		size_t used = 0;

		if (av_vmspec_virt(&spec, AV_VMSPEC_GICV2, 1, 0x8000000ull) != 0 ||
		    av_fdt_build(&spec, dtb, sizeof(dtb), &used) != 0 || used < 40 ||
		    dtb[0] != 0xd0 || dtb[1] != 0x0d || dtb[2] != 0xfe || dtb[3] != 0xed)
			return 1;
		printf("device tree: %zu bytes\n", used);
	}
	printf("armvirt consumer OK\n");
	return 0;
}
