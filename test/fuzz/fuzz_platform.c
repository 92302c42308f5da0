/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the platform builder (armvirt/platform.h): random VM descriptions
 * through av_vmspec_validate(), av_fdt_build() and av_dtcheck().
 *
 * Input: one byte choosing the starting point (av_vmspec_virt() with GICv2 or GICv3, 1 to
 * 8 vCPUs), then mutations of 10 bytes each, each setting one field of the description
 * (IPA size, RAM regions, vCPU affinities, GIC frames and SPI count, maintenance, timer
 * and PMU interrupts, PSCI conduit and version, UARTs, RTC, virtio slots, shared and
 * reserved memory, /chosen) to a boundary value or raw bits.
 * Invariants checked (a violation traps):
 *  - av_fdt_build() refuses what av_vmspec_validate() refuses, with the same code;
 *  - a description av_vmspec_validate() accepts builds, and av_dtcheck() finds no error
 *    in the blob (the two halves of the platform module agree, a description without a
 *    console included: a warning); the blob fits the size av_fdt_build() reports.
 */
#include <armvirt/platform.h>

#include <stdio.h>
#include <string.h>

#include "fuzz.h"

static struct av_vmspec spec;
static uint64_t dtb[(1u << 20) / 8];
static char args[300];

static const uint64_t vals[16] = {
	0, 1, 0x1000, 0x10000, 0x20000, 0x40000000ull, 0x7fffffffull, 0x80000000ull,
	0x100000000ull, 0xfffff000ull, 1ull << 40, (1ull << 40) - 0x1000, 0x09000000ull,
	0x08000000ull, ~0ull, 0x200,
};

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t val(const uint8_t *a)
{
	return (a[0] & 0x80) ? get64(a + 1) : vals[a[0] & 15] + ((uint64_t)(a[1] & 0xf) << 12);
}

static void region(struct av_vmspec_region *r, const uint8_t *a)
{
	if (a[0] & 0x40)
		r->size = val(a);
	else
		r->base = val(a);
}

static void dev(struct av_vmspec_dev *d, const uint8_t *a)
{
	if (a[0] & 0x20)
		d->spi = a[2] & 0x80 ? AV_VMSPEC_NO_IRQ : a[3] * 4u + (a[2] & 3);
	else
		region(&d->mmio, a);
}

static void mutate(const uint8_t *m)
{
	const uint8_t *a = m + 1;
	unsigned i = a[8];

	switch (m[0] % 24) {
	case 0: spec.ipa_bits = 30 + a[8] % 24; break;
	case 1: spec.nr_ram = a[8] % (AV_VMSPEC_MAX_RAM + 2); break;
	case 2: region(&spec.ram[i % AV_VMSPEC_MAX_RAM], a); break;
	case 3: spec.nr_vcpus = a[8] % 12; break;
	case 4: spec.vcpus[i % AV_VMSPEC_MAX_VCPUS].mpidr = (a[0] & 0x80) ? get64(a + 1)
							    : (uint64_t)a[1] << (8 * (a[2] & 3)); break;
	case 5: region(i & 1 ? &spec.gic.dist : &spec.gic.redist, a); break;
	case 6: region(i & 1 ? &spec.gic.cpu : i & 2 ? &spec.gic.hyp : &spec.gic.vcpu, a); break;
	case 7: spec.gic.nr_spis = a[1] | (a[2] & 7) << 8; break;
	case 8: spec.gic.maint_intid = a[1] % 40; break;
	case 9: {
		uint32_t *t[4] = { &spec.timer.sec_phys_intid, &spec.timer.phys_intid,
				   &spec.timer.virt_intid, &spec.timer.hyp_intid };

		*t[i & 3] = a[1] % 40;
		break;
	}
	case 10: spec.pmu_intid = a[1] % 40; break;
	case 11: spec.psci.conduit = (enum av_vmspec_conduit)(a[1] % 3); break;
	case 12: spec.psci.major = a[1] % 3; spec.psci.minor = a[2] % 4; break;
	case 13: spec.nr_uarts = a[8] % (AV_VMSPEC_MAX_UARTS + 2); break;
	case 14: dev(&spec.uarts[i % AV_VMSPEC_MAX_UARTS], a); break;
	case 15:
		if (a[3] & 1)
			spec.rtc.ops = (a[3] & 2) ? NULL : &av_dt_pl031_ops;
		else
			dev(&spec.rtc, a);
		break;
	case 16: spec.nr_virtio = a[8] % (AV_VMSPEC_MAX_VIRTIO + 2); break;
	case 17: dev(&spec.virtio[i % AV_VMSPEC_MAX_VIRTIO], a); break;
	case 18: spec.nr_shmem = a[8] % 3; region(&spec.shmem[i % 2].region, a); break;
	case 19:
		spec.nr_resv = a[8] % 3;
		region(&spec.resv[i % 2].region, a);
		spec.resv[i % 2].no_map = a[3] & 1;
		break;
	case 20: spec.chosen.stdout_uart = (int)(a[1] % 6) - 1; break;
	case 21:
		if (a[0] & 1)
			spec.chosen.initrd_start = val(a);
		else
			spec.chosen.initrd_end = val(a);
		break;
	case 22:
		spec.chosen.rng_seed_len = a[1] % 70;
		spec.chosen.has_kaslr_seed = a[2] & 1;
		spec.chosen.kaslr_seed = get64(a);
		break;
	default:
		memset(args, 'a' + (a[1] % 26), sizeof(args) - 1);
		args[(a[2] | a[3] << 8) % sizeof(args)] = 0;
		spec.chosen.bootargs = (a[4] & 1) ? NULL : args;
		break;
	}
}

static void finding(const struct av_dtcheck_finding *f, void *cookie)
{
	(void)cookie;
	if (f->severity == AV_DTCHECK_ERROR)
		fprintf(stderr, "dtcheck: %s: %s\n", f->node, f->msg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_dtcheck_summary sum;
	struct av_vmspec_error err;
	size_t used = 0;
	int rc, brc;

	if (size < 1)
		return 0;
	CHECK(av_vmspec_virt(&spec, (data[0] & 1) ? AV_VMSPEC_GICV3 : AV_VMSPEC_GICV2,
			     1 + ((data[0] >> 1) & 7), 256ull << 20) == 0);
	for (data++, size--; size >= 10; data += 10, size -= 10)
		mutate(data);
	rc = av_vmspec_validate(&spec, &err);
	brc = av_fdt_build(&spec, dtb, sizeof(dtb), &used);
	if (rc) {
		CHECK(brc == rc);
		return 0;
	}
	CHECK(brc == 0 && used > 0 && used <= sizeof(dtb));
	CHECK(av_dtcheck(dtb, used, finding, NULL, &sum) == 0);
	CHECK(sum.errors == 0);
	return 0;
}
