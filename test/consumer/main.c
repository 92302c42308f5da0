/* SPDX-License-Identifier: MIT */
/* An out-of-tree program using an installed armvirt: it must compile, link and run. */
#include <armvirt/armvirt.h>

#include <stdio.h>
#include <string.h>

int main(void)
{
	char line[128];

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
	printf("armvirt consumer OK\n");
	return 0;
}
