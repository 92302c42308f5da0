/* SPDX-License-Identifier: MIT */
/*
 * armvirt-mkdtb: write the DTB armvirt generates for QEMU virt's layout, for the Linux boot
 * tests (and by hand). The tree is checked with av_dtcheck() before it is written.
 *
 * usage: armvirt-mkdtb [-g 2|3] [-c NCPUS] [-m MIB] [-b BOOTARGS] -o FILE.dtb
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <armvirt/platform.h>

static void print_finding(const struct av_dtcheck_finding *f, void *cookie)
{
	(void)cookie;
	fprintf(stderr, "armvirt-mkdtb: %s: %s: %s\n",
		f->severity == AV_DTCHECK_ERROR ? "error" : "warning", f->node, f->msg);
}

static int usage(void)
{
	fprintf(stderr, "usage: armvirt-mkdtb [-g 2|3] [-c NCPUS] [-m MIB] [-b BOOTARGS] -o FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	static struct av_vmspec spec;
	static uint64_t buf[(256 * 1024) / 8];
	struct av_vmspec_error err;
	struct av_dtcheck_summary sum;
	const char *bootargs = "console=ttyAMA0 earlycon", *out = NULL;
	unsigned gic = 3, ncpus = 1;
	unsigned long long mib = 512;
	size_t used;
	FILE *f;
	int opt, rc;

	while ((opt = getopt(argc, argv, "g:c:m:b:o:")) != -1) {
		switch (opt) {
		case 'g': gic = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'c': ncpus = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'm': mib = strtoull(optarg, NULL, 0); break;
		case 'b': bootargs = optarg; break;
		case 'o': out = optarg; break;
		default: return usage();
		}
	}
	if (out == NULL || optind != argc)
		return usage();

	rc = av_vmspec_virt(&spec, (enum av_vmspec_gic_version)gic, ncpus, mib << 20);
	if (rc) {
		fprintf(stderr, "armvirt-mkdtb: GIC version %u: %s\n", gic, av_strerror(rc));
		return 1;
	}
	spec.chosen.bootargs = bootargs;
	rc = av_vmspec_validate(&spec, &err);
	if (rc) {
		fprintf(stderr, "armvirt-mkdtb: %s: %s (%s)\n", err.field, err.msg, av_strerror(rc));
		return 1;
	}
	rc = av_fdt_build(&spec, buf, sizeof(buf), &used);
	if (rc) {
		fprintf(stderr, "armvirt-mkdtb: building the DTB: %s\n", av_strerror(rc));
		return 1;
	}
	if (av_dtcheck(buf, used, print_finding, NULL, &sum) != 0 || sum.errors) {
		fprintf(stderr, "armvirt-mkdtb: the generated tree fails the conformance check\n");
		return 1;
	}
	f = fopen(out, "wb");
	if (f == NULL || fwrite(buf, 1, used, f) != used || fclose(f) != 0) {
		perror(out);
		return 1;
	}
	printf("%s: %zu bytes, GICv%u, %u vCPU(s), %llu MiB\n", out, used, gic, ncpus, mib);
	return 0;
}
