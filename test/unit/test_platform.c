/* SPDX-License-Identifier: MIT */
/* Unit tests: the VM description (QEMU-virt default, every validation rule with the field it
 * reports) and the device tree built from it, read back node by node with libfdt, checked
 * with fdt_check_full, and decompiled by dtc as an independent reader. */
#define _POSIX_C_SOURCE 200809L
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libfdt.h>

#include <armvirt/platform.h>

#define MiB (1024ull * 1024)

/* DTB output buffer, 8-byte aligned. */
static uint64_t dtb_store[(256 * 1024) / 8];
#define DTB ((void *)dtb_store)

static struct av_vmspec spec;

/*
 * The build links with --wrap=fdt_property (test/CMakeLists.txt): every call the builder
 * makes lands here first. libfdt 1.6.1 memcpy()s the value even for length 0, so a NULL
 * value is undefined behaviour that the uninstrumented system libfdt hides.
 */
int __real_fdt_property(void *fdt, const char *name, const void *val, int len);
int __wrap_fdt_property(void *fdt, const char *name, const void *val, int len);
static unsigned fdt_property_null;

int __wrap_fdt_property(void *fdt, const char *name, const void *val, int len)
{
	static const char none[1];

	if (val == NULL) {
		fdt_property_null++;
		val = none;
	}
	return __real_fdt_property(fdt, name, val, len);
}

/* ---- defaults ---- */

static void test_default_valid(void **state)
{
	struct av_vmspec_error err;
	(void)state;

	for (unsigned n = 1; n <= 8; n++) {
		assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, n, 512 * MiB), 0);
		assert_int_equal(av_vmspec_validate(&spec, &err), 0);
		assert_string_equal(err.field, "");
		assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV2, n, 512 * MiB), 0);
		assert_int_equal(av_vmspec_validate(&spec, &err), 0);
	}
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, AV_VMSPEC_MAX_VCPUS, 4096 * MiB), 0);
	assert_int_equal(av_vmspec_validate(&spec, NULL), 0);
	assert_int_equal(av_vmspec_virt(NULL, AV_VMSPEC_GICV3, 1, MiB), -AV_EINVAL);
	assert_int_equal(av_vmspec_virt(&spec, (enum av_vmspec_gic_version)4, 1, MiB), -AV_EINVAL);
	assert_int_equal(av_vmspec_validate(NULL, &err), -AV_EINVAL);
}

static void test_default_layout(void **state)
{
	(void)state;
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 20, 512 * MiB), 0);
	assert_int_equal(spec.ram[0].base, 0x40000000);
	assert_int_equal(spec.ram[0].size, 0x20000000);
	assert_int_equal(spec.gic.dist.base, 0x08000000);
	assert_int_equal(spec.gic.redist.base, 0x080a0000);
	assert_int_equal(spec.gic.redist.size, 20 * 0x20000);
	assert_int_equal(spec.gic.cpu.size, 0);
	/* QEMU virt: clusters of 16 with a GICv3. */
	assert_int_equal(spec.vcpus[15].mpidr, 0x00f);
	assert_int_equal(spec.vcpus[17].mpidr, 0x101);
	assert_int_equal(spec.uarts[0].mmio.base, 0x09000000);
	assert_int_equal(spec.uarts[0].spi, 1);
	assert_ptr_equal(spec.uarts[0].ops, &av_dt_pl011_ops);
	assert_int_equal(spec.rtc.mmio.base, 0x09010000);
	assert_int_equal(spec.rtc.spi, 2);
	assert_int_equal(spec.nr_virtio, 32);
	assert_int_equal(spec.virtio[0].mmio.base, 0x0a000000);
	assert_int_equal(spec.virtio[31].mmio.base, 0x0a003e00);
	assert_int_equal(spec.virtio[31].mmio.size, 0x200);
	assert_int_equal(spec.virtio[31].spi, 47);
	assert_int_equal(spec.timer.sec_phys_intid, 29);
	assert_int_equal(spec.timer.phys_intid, 30);
	assert_int_equal(spec.timer.virt_intid, 27);
	assert_int_equal(spec.timer.hyp_intid, 26);
	assert_int_equal(spec.gic.maint_intid, 25);
	assert_int_equal(spec.psci.conduit, AV_VMSPEC_CONDUIT_HVC);
	assert_int_equal(spec.chosen.stdout_uart, 0);

	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV2, 8, 512 * MiB), 0);
	assert_int_equal(spec.gic.cpu.base, 0x08010000);
	assert_int_equal(spec.gic.redist.size, 0);
	assert_int_equal(spec.gic.hyp.size, 0);
	assert_int_equal(spec.vcpus[7].mpidr, 7);

	/* The largest GICv3 redistributor region QEMU's layout allows still validates. */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, 512 * MiB), 0);
	spec.gic.redist.size = AV_VIRT_GICR_MAX_SIZE;
	assert_int_equal(av_vmspec_validate(&spec, NULL), 0);
	spec.gic.redist.size += 0x10000;
	assert_int_equal(av_vmspec_validate(&spec, NULL), -AV_EEXIST);
}

/* QEMU virt's flash: absent by default; av_vmspec_virt_flash() adds its two banks. */
static int flash_region(const struct av_vmspec_region_info *info, void *cookie)
{
	unsigned *seen = cookie;

	if (info->kind != AV_VMSPEC_REGION_FLASH)
		return 0;
	assert_string_equal(info->array, "flash.banks");
	assert_int_equal(info->index, (int)*seen);
	assert_null(info->dev);
	assert_int_equal(info->region.base, (uint64_t)*seen * 0x4000000);
	assert_int_equal(info->region.size, 0x4000000);
	(*seen)++;
	return 0;
}

static void test_virt_flash(void **state)
{
	unsigned seen = 0;
	(void)state;

	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 2, 512 * MiB), 0);
	assert_int_equal(spec.flash.nr_banks, 0);
	assert_int_equal(av_vmspec_virt_flash(&spec), 0);
	assert_int_equal(spec.flash.nr_banks, 2);
	assert_int_equal(spec.flash.banks[0].base, 0);
	assert_int_equal(spec.flash.banks[0].size, 64 * MiB);
	assert_int_equal(spec.flash.banks[1].base, 0x04000000);
	assert_int_equal(spec.flash.banks[1].size, 64 * MiB);
	assert_int_equal(spec.flash.bank_width, 4);
	assert_int_equal(av_vmspec_validate(&spec, NULL), 0);
	assert_int_equal(av_vmspec_for_each_region(&spec, flash_region, &seen), 0);
	assert_int_equal(seen, 2);
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV2, 8, 512 * MiB), 0);
	assert_int_equal(av_vmspec_virt_flash(&spec), 0);
	assert_int_equal(av_vmspec_validate(&spec, NULL), 0);
	assert_int_equal(av_vmspec_virt_flash(NULL), -AV_EINVAL);
}

/* ---- validation: one mutation per rule ---- */

struct vcase {
	const char *what;
	enum av_vmspec_gic_version gic;
	unsigned nr_vcpus;
	void (*mutate)(struct av_vmspec *s);
	int rc;
	const char *field;
	const char *msg_part;
};

static int user_emit(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev);
static const struct av_dt_dev_ops no_emit_ops = { .name = "x", .align = 0x1000 };
static const struct av_dt_dev_ops bad_align_ops = { .name = "x", .align = 0x300, .emit = user_emit };

static void m_ipa_small(struct av_vmspec *s) { s->ipa_bits = 31; }
static void m_ipa_big(struct av_vmspec *s) { s->ipa_bits = 53; }
static void m_no_ram(struct av_vmspec *s) { s->nr_ram = 0; }
static void m_ram_many(struct av_vmspec *s) { s->nr_ram = AV_VMSPEC_MAX_RAM + 1; }
static void m_ram_empty(struct av_vmspec *s) { s->ram[0].size = 0; }
static void m_ram_misaligned(struct av_vmspec *s) { s->ram[0].base = 0x40000800; }
static void m_ram_size_misaligned(struct av_vmspec *s) { s->ram[0].size = 0x20000100; }
static void m_ram_beyond_ipa(struct av_vmspec *s)
{
	s->ipa_bits = 32;
	s->ram[0].base = 0xc0000000;
	s->ram[0].size = 0x80000000;
}
static void m_ram_overlaps_uart(struct av_vmspec *s)
{
	s->nr_ram = 2;
	s->ram[1].base = 0x08ff0000;
	s->ram[1].size = 0x20000;
}
static void m_ram_overlaps_ram(struct av_vmspec *s)
{
	s->nr_ram = 2;
	s->ram[1].base = 0x50000000;
	s->ram[1].size = 0x1000;
}
static void m_uart_overlaps_virtio(struct av_vmspec *s)
{
	s->nr_uarts = 2;
	s->uarts[1] = s->uarts[0];
	s->uarts[1].mmio.base = 0x0a000000;
	s->uarts[1].spi = 3;
}
static void m_shmem_overlaps_ram(struct av_vmspec *s)
{
	s->nr_shmem = 1;
	s->shmem[0].region.base = 0x5fff0000;
	s->shmem[0].region.size = 0x20000;
}
static void m_shmem_misaligned(struct av_vmspec *s)
{
	s->nr_shmem = 1;
	s->shmem[0].region.base = 0x0b000800;
	s->shmem[0].region.size = 0x1000;
}
static void m_redist_overlaps_dist(struct av_vmspec *s) { s->gic.redist.base = 0x08000000; }
static void m_redist_small(struct av_vmspec *s) { s->gic.redist.size = 0x20000; }
static void m_dist_misaligned(struct av_vmspec *s) { s->gic.dist.base = 0x08001000; }
static void m_dist_small(struct av_vmspec *s) { s->gic.dist.size = 0x1000; }
static void m_gic_version(struct av_vmspec *s) { s->gic.version = (enum av_vmspec_gic_version)4; }
static void m_v3_with_gicc(struct av_vmspec *s) { s->gic.cpu.size = 0x2000; }
static void m_v2_with_gicr(struct av_vmspec *s) { s->gic.redist.size = 0x20000; }
static void m_v2_gicc_small(struct av_vmspec *s) { s->gic.cpu.size = 0x1000; }
static void m_v2_gich_alone(struct av_vmspec *s)
{
	s->gic.hyp.base = AV_VIRT_GICH_BASE;
	s->gic.hyp.size = AV_VIRT_GICH_SIZE;
}
static void m_its(struct av_vmspec *s)
{
	s->gic.its.base = AV_VIRT_GITS_BASE;
	s->gic.its.size = AV_VIRT_GITS_SIZE;
}
static void m_v2_with_its(struct av_vmspec *s) { m_its(s); }
static void m_its_small(struct av_vmspec *s)
{
	m_its(s);
	s->gic.its.size = 0x10000;
}
static void m_its_misaligned(struct av_vmspec *s)
{
	m_its(s);
	s->gic.its.base = AV_VIRT_GITS_BASE + 0x1000;
}
static void m_its_overlaps_gicr(struct av_vmspec *s)
{
	m_its(s);
	s->gic.its.base = AV_VIRT_GICR_BASE;
}
static void m_nr_spis(struct av_vmspec *s) { s->gic.nr_spis = 100; }
static void m_maint_spi(struct av_vmspec *s) { s->gic.maint_intid = 40; }
static void m_no_vcpus(struct av_vmspec *s) { s->nr_vcpus = 0; }
static void m_many_vcpus(struct av_vmspec *s) { s->nr_vcpus = AV_VMSPEC_MAX_VCPUS + 1; }
static void m_dup_mpidr(struct av_vmspec *s) { s->vcpus[2].mpidr = s->vcpus[0].mpidr; }
static void m_mpidr_bits(struct av_vmspec *s) { s->vcpus[1].mpidr = 0x80000001; }
static void m_timer_spi(struct av_vmspec *s) { s->timer.virt_intid = 32; }
static void m_timer_sgi(struct av_vmspec *s) { s->timer.sec_phys_intid = 3; }
static void m_timer_dup(struct av_vmspec *s) { s->timer.hyp_intid = s->timer.virt_intid; }
static void m_timer_maint(struct av_vmspec *s) { s->timer.hyp_intid = 25; }
static void m_timer_ppi12(struct av_vmspec *s) { s->timer.virt_intid = 28; }
static void m_pmu_spi(struct av_vmspec *s) { s->pmu_intid = 40; }
static void m_pmu_timer(struct av_vmspec *s) { s->pmu_intid = 27; }
static void m_psci_01(struct av_vmspec *s) { s->psci.major = 0; s->psci.minor = 1; }
static void m_psci_2(struct av_vmspec *s) { s->psci.major = 2; }
static void m_psci_conduit(struct av_vmspec *s) { s->psci.conduit = (enum av_vmspec_conduit)7; }
static void m_spi_range(struct av_vmspec *s) { s->uarts[0].spi = 224; }
static void m_spi_shared(struct av_vmspec *s) { s->rtc.spi = 1; }
static void m_spi_shared_virtio(struct av_vmspec *s) { s->virtio[3].spi = 16; }
static void m_uart_no_irq(struct av_vmspec *s) { s->uarts[0].spi = AV_VMSPEC_NO_IRQ; }
static void m_uart_no_ops(struct av_vmspec *s) { s->uarts[0].ops = NULL; }
static void m_dev_no_emit(struct av_vmspec *s)
{
	s->nr_devs = 1;
	s->devs[0].ops = &no_emit_ops;
	s->devs[0].mmio.base = 0x0b000000;
	s->devs[0].mmio.size = 0x1000;
	s->devs[0].spi = AV_VMSPEC_NO_IRQ;
}
static void m_dev_bad_align(struct av_vmspec *s)
{
	m_dev_no_emit(s);
	s->devs[0].ops = &bad_align_ops;
}
static void m_virtio_misaligned(struct av_vmspec *s) { s->virtio[4].mmio.base += 0x100; }
static void m_many_uarts(struct av_vmspec *s) { s->nr_uarts = AV_VMSPEC_MAX_UARTS + 1; }
static void m_many_virtio(struct av_vmspec *s) { s->nr_virtio = AV_VMSPEC_MAX_VIRTIO + 1; }
static void m_resv_outside(struct av_vmspec *s)
{
	s->nr_resv = 1;
	s->resv[0].region.base = 0x5ffff000;
	s->resv[0].region.size = 0x2000;
}
static void m_resv_misaligned(struct av_vmspec *s)
{
	s->nr_resv = 1;
	s->resv[0].region.base = 0x40000000;
	s->resv[0].region.size = 0x800;
}
static void m_resv_overlap(struct av_vmspec *s)
{
	s->nr_resv = 2;
	s->resv[0].region.base = 0x40000000;
	s->resv[0].region.size = 0x2000;
	s->resv[1].region.base = 0x40001000;
	s->resv[1].region.size = 0x2000;
}
static void m_stdout(struct av_vmspec *s) { s->chosen.stdout_uart = 1; }
static void m_initrd_reversed(struct av_vmspec *s)
{
	s->chosen.initrd_start = 0x48000000;
	s->chosen.initrd_end = 0x47000000;
}
static void m_initrd_outside(struct av_vmspec *s)
{
	s->chosen.initrd_start = 0x5ff00000;
	s->chosen.initrd_end = 0x60100000;
}
static void m_seed(struct av_vmspec *s) { s->chosen.rng_seed_len = AV_VMSPEC_MAX_SEED + 1; }
static void m_flash_many(struct av_vmspec *s)
{
	av_vmspec_virt_flash(s);
	s->flash.nr_banks = AV_VMSPEC_MAX_FLASH + 1;
}
static void m_flash_width(struct av_vmspec *s)
{
	av_vmspec_virt_flash(s);
	s->flash.bank_width = 3;
}
static void m_flash_empty(struct av_vmspec *s)
{
	av_vmspec_virt_flash(s);
	s->flash.banks[1].size = 0;
}
static void m_flash_misaligned(struct av_vmspec *s)
{
	av_vmspec_virt_flash(s);
	s->flash.banks[1].base += 0x800;
}
static void m_flash_overlaps_gic(struct av_vmspec *s)
{
	av_vmspec_virt_flash(s);
	s->flash.banks[1].size = 0x4010000;
}
static void m_flash_overlaps_bank(struct av_vmspec *s)
{
	av_vmspec_virt_flash(s);
	s->flash.banks[1].base = 0x3000000;
}
static void m_flash_overlaps_ram(struct av_vmspec *s)
{
	av_vmspec_virt_flash(s);
	s->flash.nr_banks = 1;
	s->flash.banks[0].base = 0x5c000000;
}

static const struct vcase vcases[] = {
	{ "ipa too small", 3, 1, m_ipa_small, -AV_ERANGE, "ipa_bits", "32..52" },
	{ "ipa too big", 3, 1, m_ipa_big, -AV_ERANGE, "ipa_bits", "32..52" },
	{ "no RAM", 3, 1, m_no_ram, -AV_ERANGE, "nr_ram", "RAM" },
	{ "too much RAM", 3, 1, m_ram_many, -AV_ERANGE, "nr_ram", "RAM" },
	{ "empty RAM", 3, 1, m_ram_empty, -AV_EINVAL, "ram[0].size", "empty" },
	{ "RAM base misaligned", 3, 1, m_ram_misaligned, -AV_EINVAL, "ram[0].base", "aligned" },
	{ "RAM size misaligned", 3, 1, m_ram_size_misaligned, -AV_EINVAL, "ram[0].size", "multiple" },
	{ "RAM beyond IPA", 3, 1, m_ram_beyond_ipa, -AV_ERANGE, "ram[0].base", "32-bit IPA" },
	{ "RAM overlaps UART", 3, 1, m_ram_overlaps_uart, -AV_EEXIST, "uarts[0].mmio.base",
	  "overlaps ram[1]" },
	{ "RAM overlaps RAM", 3, 1, m_ram_overlaps_ram, -AV_EEXIST, "ram[1].base", "overlaps ram[0]" },
	{ "UART overlaps virtio", 3, 1, m_uart_overlaps_virtio, -AV_EEXIST, "virtio[0].mmio.base",
	  "overlaps uarts[1].mmio" },
	{ "shmem overlaps RAM", 3, 1, m_shmem_overlaps_ram, -AV_EEXIST, "shmem[0].region.base",
	  "overlaps ram[0]" },
	{ "shmem misaligned", 3, 1, m_shmem_misaligned, -AV_EINVAL, "shmem[0].region.base",
	  "aligned" },
	{ "GICR overlaps GICD", 3, 1, m_redist_overlaps_dist, -AV_EEXIST, "gic.redist.base",
	  "overlaps gic.dist" },
	{ "GICR too small", 3, 4, m_redist_small, -AV_ERANGE, "gic.redist.size", "4 vCPUs" },
	{ "GICD misaligned", 3, 1, m_dist_misaligned, -AV_EINVAL, "gic.dist.base", "0x10000" },
	{ "GICD small", 3, 1, m_dist_small, -AV_EINVAL, "gic.dist.size", "64 KiB" },
	{ "GIC version", 3, 1, m_gic_version, -AV_EINVAL, "gic.version", "2 nor 3" },
	{ "GICv3 with GICC", 3, 1, m_v3_with_gicc, -AV_EINVAL, "gic.cpu.size", "GICv2 frame" },
	{ "GICv2 with GICR", 2, 1, m_v2_with_gicr, -AV_EINVAL, "gic.redist.size", "GICv3" },
	{ "GICv2 GICC small", 2, 1, m_v2_gicc_small, -AV_EINVAL, "gic.cpu.size", "8 KiB" },
	{ "GICv2 GICH alone", 2, 1, m_v2_gich_alone, -AV_EINVAL, "gic.vcpu.size", "together" },
	{ "GICv2 with ITS", 2, 1, m_v2_with_its, -AV_EINVAL, "gic.its.size", "ITS is set on a GICv2" },
	{ "ITS small", 3, 1, m_its_small, -AV_EINVAL, "gic.its.size", "128 KiB" },
	{ "ITS misaligned", 3, 1, m_its_misaligned, -AV_EINVAL, "gic.its.base", "0x10000" },
	{ "ITS overlaps GICR", 3, 1, m_its_overlaps_gicr, -AV_EEXIST, "gic.its.base", "overlaps" },
	{ "SPI count", 3, 1, m_nr_spis, -AV_ERANGE, "gic.nr_spis", "multiple of 32" },
	{ "maintenance not PPI", 3, 1, m_maint_spi, -AV_ERANGE, "gic.maint_intid", "not a PPI" },
	{ "no vCPUs", 3, 0, NULL, -AV_ERANGE, "nr_vcpus", "1..64" },
	{ "zero vCPUs", 3, 1, m_no_vcpus, -AV_ERANGE, "nr_vcpus", "0 vCPUs" },
	{ "too many vCPUs", 3, 1, m_many_vcpus, -AV_ERANGE, "nr_vcpus", "65 vCPUs" },
	{ "GICv2 with 9 vCPUs", 2, 9, NULL, -AV_ERANGE, "nr_vcpus", "GICv2 addresses at most 8" },
	{ "duplicate MPIDR", 3, 4, m_dup_mpidr, -AV_EEXIST, "vcpus[2].mpidr", "also vcpus[0]" },
	{ "MPIDR non-affinity bits", 3, 2, m_mpidr_bits, -AV_EINVAL, "vcpus[1].mpidr", "Aff3..Aff0" },
	{ "timer SPI", 3, 1, m_timer_spi, -AV_ERANGE, "timer.virt_intid", "INTID 32 is not a PPI" },
	{ "timer SGI", 3, 1, m_timer_sgi, -AV_ERANGE, "timer.sec_phys_intid", "not a PPI" },
	{ "timer duplicate", 3, 1, m_timer_dup, -AV_EEXIST, "timer.hyp_intid", "timer.virt_intid" },
	{ "timer not the spec's PPI", 3, 1, m_timer_ppi12, -AV_ERANGE, "timer.virt_intid",
	  "PPI 11" },
	{ "PMU SPI", 3, 1, m_pmu_spi, -AV_ERANGE, "pmu_intid", "INTID 40 is not a PPI" },
	{ "PMU = timer", 3, 1, m_pmu_timer, -AV_EEXIST, "pmu_intid", "timer" },
	{ "timer = maintenance", 3, 1, m_timer_maint, -AV_EEXIST, "timer.hyp_intid",
	  "gic.maint_intid" },
	{ "PSCI 0.1", 3, 1, m_psci_01, -AV_ERANGE, "psci.minor", "0.2 or 1.x" },
	{ "PSCI 2.0", 3, 1, m_psci_2, -AV_ERANGE, "psci.major", "0.2 or 1.x" },
	{ "PSCI conduit", 3, 1, m_psci_conduit, -AV_EINVAL, "psci.conduit", "hvc nor smc" },
	{ "SPI out of range", 3, 1, m_spi_range, -AV_ERANGE, "uarts[0].spi", "224 SPIs" },
	{ "SPI shared", 3, 1, m_spi_shared, -AV_EEXIST, "rtc.spi", "also used by uarts[0]" },
	{ "virtio SPI shared", 3, 1, m_spi_shared_virtio, -AV_EEXIST, "virtio[3].spi",
	  "used by virtio[0]" },
	{ "UART without IRQ", 3, 1, m_uart_no_irq, -AV_EINVAL, "uarts[0].spi", "needs an interrupt" },
	{ "UART without ops", 3, 1, m_uart_no_ops, -AV_EINVAL, "uarts[0].ops", "no device ops" },
	{ "device without emit", 3, 1, m_dev_no_emit, -AV_EINVAL, "devs[0].ops", "emit" },
	{ "device bad alignment", 3, 1, m_dev_bad_align, -AV_EINVAL, "devs[0].ops", "power of two" },
	{ "virtio misaligned", 3, 1, m_virtio_misaligned, -AV_EINVAL, "virtio[4].mmio.base",
	  "0x200" },
	{ "too many UARTs", 3, 1, m_many_uarts, -AV_ERANGE, "nr_uarts", "at most 4" },
	{ "too many virtio", 3, 1, m_many_virtio, -AV_ERANGE, "nr_virtio", "at most 32" },
	{ "reserved outside RAM", 3, 1, m_resv_outside, -AV_ERANGE, "resv[0].region.base",
	  "inside one RAM" },
	{ "reserved misaligned", 3, 1, m_resv_misaligned, -AV_EINVAL, "resv[0].region.size", "4 KiB" },
	{ "reserved overlap", 3, 1, m_resv_overlap, -AV_EEXIST, "resv[1].region.base",
	  "overlaps resv[0]" },
	{ "stdout UART index", 3, 1, m_stdout, -AV_ERANGE, "chosen.stdout_uart", "1 UARTs" },
	{ "initrd reversed", 3, 1, m_initrd_reversed, -AV_EINVAL, "chosen.initrd_end", "below" },
	{ "initrd outside RAM", 3, 1, m_initrd_outside, -AV_ERANGE, "chosen.initrd_start",
	  "inside one RAM" },
	{ "rng-seed too long", 3, 1, m_seed, -AV_ERANGE, "chosen.rng_seed_len", "at most 64" },
	{ "too many flash banks", 3, 1, m_flash_many, -AV_ERANGE, "flash.nr_banks", "at most 2" },
	{ "flash bank width", 3, 1, m_flash_width, -AV_EINVAL, "flash.bank_width", "1, 2 or 4" },
	{ "flash bank empty", 3, 1, m_flash_empty, -AV_EINVAL, "flash.banks[1].size", "empty" },
	{ "flash bank misaligned", 3, 1, m_flash_misaligned, -AV_EINVAL, "flash.banks[1].base",
	  "aligned" },
	{ "flash overlaps GICD", 2, 1, m_flash_overlaps_gic, -AV_EEXIST, "flash.banks[1].base",
	  "overlaps gic.dist" },
	{ "flash banks overlap", 3, 1, m_flash_overlaps_bank, -AV_EEXIST, "flash.banks[1].base",
	  "overlaps flash.banks[0]" },
	{ "flash overlaps RAM", 3, 1, m_flash_overlaps_ram, -AV_EEXIST, "flash.banks[0].base",
	  "overlaps ram[0]" },
};

static void test_validate_rules(void **state)
{
	struct av_vmspec_error err;
	(void)state;

	for (size_t i = 0; i < sizeof(vcases) / sizeof(vcases[0]); i++) {
		const struct vcase *c = &vcases[i];
		int rc;

		assert_int_equal(av_vmspec_virt(&spec, c->gic, c->nr_vcpus, 512 * MiB), 0);
		if (c->mutate)
			c->mutate(&spec);
		rc = av_vmspec_validate(&spec, &err);
		if (rc != c->rc || strcmp(err.field, c->field) != 0 ||
		    strstr(err.msg, c->msg_part) == NULL)
			fail_msg("case \"%s\": rc %d (want %d), field \"%s\" (want \"%s\"), msg \"%s\" "
				 "(want \"%s\")", c->what, rc, c->rc, err.field, c->field, err.msg,
				 c->msg_part);
		/* av_fdt_build refuses what validation refuses, with the same code. */
		assert_int_equal(av_fdt_build(&spec, DTB, sizeof(dtb_store), NULL), c->rc);
	}
}

/* ---- region iteration ---- */

struct region_count {
	unsigned n[AV_VMSPEC_REGION_FLASH + 1];
	unsigned total;
	int stop_at;
};

static int count_region(const struct av_vmspec_region_info *info, void *cookie)
{
	struct region_count *rc = cookie;

	rc->n[info->kind]++;
	rc->total++;
	if (info->kind == AV_VMSPEC_REGION_DEVICE)
		assert_non_null(info->dev);
	return rc->stop_at && (int)rc->total == rc->stop_at ? 77 : 0;
}

static void test_for_each_region(void **state)
{
	struct region_count c;
	(void)state;

	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 2, 512 * MiB), 0);
	spec.nr_shmem = 1;
	spec.shmem[0].region.base = 0x0b000000;
	spec.shmem[0].region.size = 0x10000;
	memset(&c, 0, sizeof(c));
	assert_int_equal(av_vmspec_for_each_region(&spec, count_region, &c), 0);
	assert_int_equal(c.n[AV_VMSPEC_REGION_RAM], 1);
	assert_int_equal(c.n[AV_VMSPEC_REGION_GIC], 2);
	assert_int_equal(c.n[AV_VMSPEC_REGION_DEVICE], 1 + 1 + 32);
	assert_int_equal(c.n[AV_VMSPEC_REGION_SHMEM], 1);
	assert_int_equal(c.n[AV_VMSPEC_REGION_FLASH], 0);
	assert_int_equal(av_vmspec_virt_flash(&spec), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(av_vmspec_for_each_region(&spec, count_region, &c), 0);
	assert_int_equal(c.n[AV_VMSPEC_REGION_FLASH], 2);
	m_its(&spec);
	assert_int_equal(av_vmspec_validate(&spec, NULL), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(av_vmspec_for_each_region(&spec, count_region, &c), 0);
	assert_int_equal(c.n[AV_VMSPEC_REGION_GIC], 3);

	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV2, 2, 512 * MiB), 0);
	spec.gic.hyp.base = AV_VIRT_GICH_BASE;
	spec.gic.hyp.size = AV_VIRT_GICH_SIZE;
	spec.gic.vcpu.base = AV_VIRT_GICV_BASE;
	spec.gic.vcpu.size = AV_VIRT_GICV_SIZE;
	assert_int_equal(av_vmspec_validate(&spec, NULL), 0);
	memset(&c, 0, sizeof(c));
	assert_int_equal(av_vmspec_for_each_region(&spec, count_region, &c), 0);
	assert_int_equal(c.n[AV_VMSPEC_REGION_GIC], 4);

	memset(&c, 0, sizeof(c));
	c.stop_at = 3;
	assert_int_equal(av_vmspec_for_each_region(&spec, count_region, &c), 77);
	assert_int_equal(c.total, 3);
	assert_int_equal(av_vmspec_for_each_region(NULL, count_region, &c), -AV_EINVAL);
	assert_int_equal(av_vmspec_for_each_region(&spec, NULL, &c), -AV_EINVAL);
}

/* ---- device tree ---- */

static size_t build(void)
{
	size_t used = 0;

	assert_int_equal(av_fdt_build(&spec, DTB, sizeof(dtb_store), &used), 0);
	assert_int_equal(fdt_check_full(DTB, used), 0);
	assert_int_equal(fdt_totalsize(DTB), used);
	return used;
}

static int node(const char *path)
{
	int off = fdt_path_offset(DTB, path);

	if (off < 0)
		fail_msg("node %s missing", path);
	return off;
}

static void assert_str_prop(const char *path, const char *name, const char *want)
{
	int len;
	const char *v = fdt_getprop(DTB, node(path), name, &len);

	assert_non_null(v);
	assert_int_equal(len, (int)strlen(want) + 1);
	assert_string_equal(v, want);
}

/* A string-list property equal to @p want (strings separated by '\0', @p wlen bytes). */
static void assert_strlist_prop(const char *path, const char *name, const char *want, int wlen)
{
	int len;
	const char *v = fdt_getprop(DTB, node(path), name, &len);

	assert_non_null(v);
	assert_int_equal(len, wlen);
	assert_memory_equal(v, want, (size_t)wlen);
}

static void assert_cells(const char *path, const char *name, const uint32_t *want, int n)
{
	int len;
	const fdt32_t *v = fdt_getprop(DTB, node(path), name, &len);

	assert_non_null(v);
	assert_int_equal(len, n * 4);
	for (int i = 0; i < n; i++)
		if (fdt32_ld(&v[i]) != want[i])
			fail_msg("%s/%s cell %d: 0x%x, want 0x%x", path, name, i, fdt32_ld(&v[i]),
				 want[i]);
}

static uint32_t u32_prop(const char *path, const char *name)
{
	int len;
	const fdt32_t *v = fdt_getprop(DTB, node(path), name, &len);

	assert_non_null(v);
	assert_int_equal(len, 4);
	return fdt32_ld(v);
}

static uint64_t u64_prop(const char *path, const char *name)
{
	int len;
	const fdt64_t *v = fdt_getprop(DTB, node(path), name, &len);

	assert_non_null(v);
	assert_int_equal(len, 8);
	return fdt64_ld(v);
}

static bool has_prop(const char *path, const char *name)
{
	return fdt_getprop(DTB, node(path), name, NULL) != NULL;
}

static const uint8_t seed[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };

static void rich_spec(enum av_vmspec_gic_version v)
{
	assert_int_equal(av_vmspec_virt(&spec, v, 2, 512 * MiB), 0);
	spec.chosen.bootargs = "console=ttyAMA0 earlycon";
	spec.chosen.initrd_start = 0x48000000;
	spec.chosen.initrd_end = 0x48123456;
	memcpy(spec.chosen.rng_seed, seed, sizeof(seed));
	spec.chosen.rng_seed_len = sizeof(seed);
	spec.chosen.kaslr_seed = 0x0123456789abcdefull;
	spec.chosen.has_kaslr_seed = true;
	spec.nr_shmem = 1;
	spec.shmem[0].region.base = 0x0b000000;
	spec.shmem[0].region.size = 0x100000;
	spec.nr_resv = 1;
	spec.resv[0].region.base = 0x5f000000;
	spec.resv[0].region.size = 0x200000;
	spec.resv[0].no_map = true;
	assert_int_equal(av_vmspec_validate(&spec, NULL), 0);
}

static void test_fdt_gicv3(void **state)
{
	int gic, len, off, count;
	uint32_t gic_ph, clk_ph;
	(void)state;

	rich_spec(AV_VMSPEC_GICV3);
	build();

	/* root */
	assert_str_prop("/", "compatible", "linux,dummy-virt");
	assert_int_equal(u32_prop("/", "#address-cells"), 2);
	assert_int_equal(u32_prop("/", "#size-cells"), 2);
	gic_ph = u32_prop("/", "interrupt-parent");
	gic = fdt_node_offset_by_phandle(DTB, gic_ph);
	assert_int_equal(gic, node("/intc@8000000"));

	/* chosen */
	assert_str_prop("/chosen", "bootargs", "console=ttyAMA0 earlycon");
	assert_str_prop("/chosen", "stdout-path", "/pl011@9000000");
	assert_true(fdt_path_offset(DTB, "/pl011@9000000") >= 0);
	assert_int_equal(u64_prop("/chosen", "linux,initrd-start"), 0x48000000);
	assert_int_equal(u64_prop("/chosen", "linux,initrd-end"), 0x48123456);
	assert_int_equal(u64_prop("/chosen", "kaslr-seed"), 0x0123456789abcdefull);
	{
		const void *v = fdt_getprop(DTB, node("/chosen"), "rng-seed", &len);

		assert_int_equal(len, sizeof(seed));
		assert_memory_equal(v, seed, sizeof(seed));
	}
	assert_str_prop("/aliases", "serial0", "/pl011@9000000");

	/* memory and reserved memory */
	assert_str_prop("/memory@40000000", "device_type", "memory");
	assert_cells("/memory@40000000", "reg", (const uint32_t[]){ 0, 0x40000000, 0, 0x20000000 }, 4);
	assert_cells("/reserved-memory", "#address-cells", (const uint32_t[]){ 2 }, 1);
	assert_true(has_prop("/reserved-memory", "ranges"));
	assert_cells("/reserved-memory/reserved@5f000000", "reg",
		     (const uint32_t[]){ 0, 0x5f000000, 0, 0x200000 }, 4);
	assert_true(has_prop("/reserved-memory/reserved@5f000000", "no-map"));
	assert_str_prop("/reserved-memory/shmem@b000000", "compatible", "armvirt,shared-memory");
	assert_cells("/reserved-memory/shmem@b000000", "reg",
		     (const uint32_t[]){ 0, 0x0b000000, 0, 0x100000 }, 4);
	assert_true(has_prop("/reserved-memory/shmem@b000000", "no-map"));

	/* cpus */
	assert_int_equal(u32_prop("/cpus", "#address-cells"), 1);
	assert_int_equal(u32_prop("/cpus", "#size-cells"), 0);
	for (int i = 0; i < 2; i++) {
		char p[32];

		snprintf(p, sizeof(p), "/cpus/cpu@%d", i);
		assert_str_prop(p, "device_type", "cpu");
		assert_str_prop(p, "compatible", "arm,armv8");
		assert_str_prop(p, "enable-method", "psci");
		assert_int_equal(u32_prop(p, "reg"), (uint32_t)i);
	}

	/* psci */
	assert_strlist_prop("/psci", "compatible", "arm,psci-1.0\0arm,psci-0.2", 26);
	assert_str_prop("/psci", "method", "hvc");

	/* timer: PPIs 13, 14, 11, 10, level high, no CPU mask on a GICv3 */
	assert_str_prop("/timer", "compatible", "arm,armv8-timer");
	assert_cells("/timer", "interrupts",
		     (const uint32_t[]){ 1, 13, 4, 1, 14, 4, 1, 11, 4, 1, 10, 4 }, 12);
	/* no PMU unless the description has its PPI */
	assert_true(fdt_path_offset(DTB, "/pmu") < 0);

	/* GIC */
	assert_str_prop("/intc@8000000", "compatible", "arm,gic-v3");
	assert_true(has_prop("/intc@8000000", "interrupt-controller"));
	assert_int_equal(u32_prop("/intc@8000000", "#interrupt-cells"), 3);
	assert_cells("/intc@8000000", "reg",
		     (const uint32_t[]){ 0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0x40000 }, 8);
	assert_cells("/intc@8000000", "interrupts", (const uint32_t[]){ 1, 9, 4 }, 3);
	assert_int_equal(u32_prop("/intc@8000000", "phandle"), gic_ph);

	/* PL011, its clock, PL031 */
	assert_strlist_prop("/pl011@9000000", "compatible", "arm,pl011\0arm,primecell", 24);
	assert_cells("/pl011@9000000", "reg", (const uint32_t[]){ 0, 0x09000000, 0, 0x1000 }, 4);
	assert_cells("/pl011@9000000", "interrupts", (const uint32_t[]){ 0, 1, 4 }, 3);
	assert_strlist_prop("/pl011@9000000", "clock-names", "uartclk\0apb_pclk", 17);
	{
		const fdt32_t *clk = fdt_getprop(DTB, node("/pl011@9000000"), "clocks", &len);

		assert_int_equal(len, 8);
		clk_ph = fdt32_ld(&clk[0]);
		assert_int_equal(fdt32_ld(&clk[1]), clk_ph);
	}
	assert_int_not_equal(clk_ph, gic_ph);
	off = fdt_node_offset_by_phandle(DTB, clk_ph);
	assert_int_equal(off, node("/apb-pclk"));
	assert_str_prop("/apb-pclk", "compatible", "fixed-clock");
	assert_int_equal(u32_prop("/apb-pclk", "clock-frequency"), 24000000);
	assert_int_equal(u32_prop("/apb-pclk", "#clock-cells"), 0);
	assert_strlist_prop("/pl031@9010000", "compatible", "arm,pl031\0arm,primecell", 24);
	assert_cells("/pl031@9010000", "interrupts", (const uint32_t[]){ 0, 2, 4 }, 3);
	assert_int_equal(u32_prop("/pl031@9010000", "clocks"), clk_ph);
	assert_str_prop("/pl031@9010000", "clock-names", "apb_pclk");

	/* virtio-mmio: 32 slots, edge-triggered SPIs 16.., dma-coherent */
	count = 0;
	off = -1;
	while ((off = fdt_node_offset_by_compatible(DTB, off, "virtio,mmio")) >= 0)
		count++;
	assert_int_equal(count, 32);
	assert_cells("/virtio_mmio@a000a00", "reg", (const uint32_t[]){ 0, 0x0a000a00, 0, 0x200 }, 4);
	assert_cells("/virtio_mmio@a000a00", "interrupts", (const uint32_t[]){ 0, 21, 1 }, 3);
	assert_true(has_prop("/virtio_mmio@a000a00", "dma-coherent"));

	/* phandles are unique */
	{
		uint32_t seen[8];
		int n = 0;

		for (off = fdt_next_node(DTB, -1, NULL); off >= 0; off = fdt_next_node(DTB, off, NULL)) {
			uint32_t ph = fdt_get_phandle(DTB, off);

			if (ph == 0)
				continue;
			for (int i = 0; i < n; i++)
				assert_int_not_equal(seen[i], ph);
			assert_true(n < 8);
			seen[n++] = ph;
		}
		assert_int_equal(n, 2);
	}
}

static void test_fdt_gicv2(void **state)
{
	(void)state;
	rich_spec(AV_VMSPEC_GICV2);
	spec.psci.conduit = AV_VMSPEC_CONDUIT_SMC;
	spec.psci.major = 0;
	spec.psci.minor = 2;
	build();
	assert_str_prop("/intc@8000000", "compatible", "arm,cortex-a15-gic");
	assert_cells("/intc@8000000", "reg",
		     (const uint32_t[]){ 0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000 }, 8);
	/* GICv2 PPIs carry the CPU mask: two vCPUs -> 0x3 in bits [15:8] */
	assert_cells("/intc@8000000", "interrupts", (const uint32_t[]){ 1, 9, 0x304 }, 3);
	assert_cells("/timer", "interrupts",
		     (const uint32_t[]){ 1, 13, 0x304, 1, 14, 0x304, 1, 11, 0x304, 1, 10, 0x304 }, 12);
	assert_str_prop("/psci", "compatible", "arm,psci-0.2");
	assert_str_prop("/psci", "method", "smc");
	/* the PMU node: PPI 7, level high, the CPU mask on a GICv2 */
	spec.pmu_intid = AV_VIRT_PMU_INTID;
	build();
	assert_str_prop("/pmu", "compatible", "arm,armv8-pmuv3");
	assert_cells("/pmu", "interrupts", (const uint32_t[]){ 1, 7, 0x304 }, 3);
	spec.pmu_intid = 0;

	/* with GICH/GICV for nested virtualization, and 8 vCPUs */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV2, 8, 512 * MiB), 0);
	spec.gic.hyp.base = AV_VIRT_GICH_BASE;
	spec.gic.hyp.size = AV_VIRT_GICH_SIZE;
	spec.gic.vcpu.base = AV_VIRT_GICV_BASE;
	spec.gic.vcpu.size = AV_VIRT_GICV_SIZE;
	build();
	assert_cells("/intc@8000000", "reg",
		     (const uint32_t[]){ 0, 0x08000000, 0, 0x10000, 0, 0x08010000, 0, 0x10000,
					 0, 0x08030000, 0, 0x10000, 0, 0x08040000, 0, 0x10000 }, 16);
	assert_cells("/intc@8000000", "interrupts", (const uint32_t[]){ 1, 9, 0xff04 }, 3);
	assert_true(fdt_path_offset(DTB, "/cpus/cpu@7") >= 0);
}

/* An ITS becomes an arm,gic-v3-its child of the GIC, which then has 2+2 address cells. */
static void test_fdt_its(void **state)
{
	(void)state;
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 2, 512 * MiB), 0);
	build();
	assert_int_equal(u32_prop("/intc@8000000", "#address-cells"), 0);
	assert_false(has_prop("/intc@8000000", "ranges"));
	assert_true(fdt_path_offset(DTB, "/intc@8000000/its@8080000") < 0);

	m_its(&spec);
	build();
	assert_int_equal(u32_prop("/intc@8000000", "#address-cells"), 2);
	assert_int_equal(u32_prop("/intc@8000000", "#size-cells"), 2);
	assert_true(has_prop("/intc@8000000", "ranges"));
	assert_str_prop("/intc@8000000/its@8080000", "compatible", "arm,gic-v3-its");
	assert_true(has_prop("/intc@8000000/its@8080000", "msi-controller"));
	assert_int_equal(u32_prop("/intc@8000000/its@8080000", "#msi-cells"), 1);
	assert_cells("/intc@8000000/its@8080000", "reg",
		     (const uint32_t[]){ 0, 0x08080000, 0, 0x20000 }, 4);
	assert_true(u32_prop("/intc@8000000/its@8080000", "phandle") != 0);
	/* the GIC's own reg and phandle are unchanged */
	assert_cells("/intc@8000000", "reg",
		     (const uint32_t[]){ 0, 0x08000000, 0, 0x10000, 0, 0x080a0000, 0, 0x40000 }, 8);
	assert_int_equal(u32_prop("/", "interrupt-parent"), u32_prop("/intc@8000000", "phandle"));
}

/* Issue 18, finding 5: no NULL value reaches fdt_property(), empty properties included. */
static void test_fdt_no_null_value(void **state)
{
	(void)state;
	for (int v = 2; v <= 3; v++) {
		fdt_property_null = 0;
		rich_spec((enum av_vmspec_gic_version)v);
		build();
		assert_true(has_prop("/virtio_mmio@a000a00", "dma-coherent"));
		assert_true(has_prop("/intc@8000000", "interrupt-controller"));
		assert_int_equal(fdt_property_null, 0);
	}
}

static void test_fdt_options(void **state)
{
	(void)state;
	/* Aff3 needs two address cells in /cpus. */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 2, 512 * MiB), 0);
	spec.vcpus[1].mpidr = 0x0100000000ull | 0x000102ull;
	build();
	assert_int_equal(u32_prop("/cpus", "#address-cells"), 2);
	assert_int_equal(u64_prop("/cpus/cpu@100000102", "reg"), 0x100000102ull);
	assert_int_equal(u64_prop("/cpus/cpu@0", "reg"), 0);

	/* No console, no RTC, no virtio, no maintenance interrupt, no seeds. */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, 512 * MiB), 0);
	spec.nr_uarts = 0;
	spec.chosen.stdout_uart = -1;
	spec.rtc.ops = NULL;
	spec.nr_virtio = 0;
	spec.gic.maint_intid = 0;
	build();
	assert_false(has_prop("/chosen", "stdout-path"));
	assert_false(has_prop("/chosen", "bootargs"));
	assert_false(has_prop("/chosen", "linux,initrd-start"));
	assert_false(has_prop("/chosen", "rng-seed"));
	assert_false(has_prop("/intc@8000000", "interrupts"));
	assert_true(fdt_path_offset(DTB, "/aliases") < 0);
	assert_true(fdt_path_offset(DTB, "/apb-pclk") < 0);
	assert_true(fdt_path_offset(DTB, "/reserved-memory") < 0);
	assert_true(fdt_node_offset_by_compatible(DTB, -1, "virtio,mmio") < 0);

	/* Two RAM regions give two memory nodes. */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, 512 * MiB), 0);
	spec.nr_ram = 2;
	spec.ram[1].base = 0x100000000ull;
	spec.ram[1].size = 0x40000000ull;
	build();
	assert_cells("/memory@100000000", "reg", (const uint32_t[]){ 1, 0, 0, 0x40000000 }, 4);
}

static void test_fdt_flash(void **state)
{
	(void)state;
	/* none by default */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, 512 * MiB), 0);
	build();
	assert_true(fdt_node_offset_by_compatible(DTB, -1, "cfi-flash") < 0);

	/* QEMU virt's: one node, both banks in reg, bank-width 4 */
	assert_int_equal(av_vmspec_virt_flash(&spec), 0);
	build();
	assert_int_equal(fdt_node_offset_by_compatible(DTB, -1, "cfi-flash"), node("/flash@0"));
	assert_str_prop("/flash@0", "compatible", "cfi-flash");
	assert_cells("/flash@0", "reg",
		     (const uint32_t[]){ 0, 0, 0, 0x4000000, 0, 0x4000000, 0, 0x4000000 }, 8);
	assert_int_equal(u32_prop("/flash@0", "bank-width"), 4);
	assert_true(fdt_node_offset_by_compatible(DTB, node("/flash@0"), "cfi-flash") < 0);

	/* banks listed in description order; the node is named after the lowest one */
	spec.flash.banks[0].base = 0x4000000;
	spec.flash.banks[1].base = 0x1000000;
	spec.flash.banks[1].size = 0x2000000;
	spec.flash.bank_width = 2;
	build();
	assert_cells("/flash@1000000", "reg",
		     (const uint32_t[]){ 0, 0x4000000, 0, 0x4000000, 0, 0x1000000, 0, 0x2000000 },
		     8);
	assert_int_equal(u32_prop("/flash@1000000", "bank-width"), 2);

	/* one bank above 4 GiB */
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV2, 1, 512 * MiB), 0);
	spec.flash.nr_banks = 1;
	spec.flash.banks[0].base = 0x100000000ull;
	spec.flash.banks[0].size = 0x100000;
	spec.flash.bank_width = 1;
	build();
	assert_cells("/flash@100000000", "reg", (const uint32_t[]){ 1, 0, 0, 0x100000 }, 4);
	assert_int_equal(u32_prop("/flash@100000000", "bank-width"), 1);
}

/* A caller-defined device kind with its own emit hook. */
static int user_emit_calls;
static int user_emit_fail;

static int user_emit(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev)
{
	static const char *const compat[] = { "acme,widget-2", "acme,widget" };
	uint32_t ph;
	int rc;

	user_emit_calls++;
	if (user_emit_fail)
		return -AV_EIO;
	ph = av_dt_alloc_phandle(ctx);
	rc = av_dt_begin_dev(ctx, dev);
	if (!rc)
		rc = av_dt_prop_strlist(ctx, "compatible", compat, 2);
	if (!rc)
		rc = av_dt_prop_reg(ctx, dev->mmio.base, dev->mmio.size);
	if (!rc)
		rc = av_dt_prop_spi(ctx, dev->spi, AV_DT_IRQ_LEVEL_HIGH);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "phandle", ph);
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static const struct av_dt_dev_ops widget_ops = {
	.name = "widget", .align = 0x1000, .needs_irq = true, .emit = user_emit,
};

static void test_fdt_user_device(void **state)
{
	(void)state;
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 1, 512 * MiB), 0);
	spec.nr_devs = 1;
	spec.devs[0].ops = &widget_ops;
	spec.devs[0].mmio.base = 0x0b100000;
	spec.devs[0].mmio.size = 0x1000;
	spec.devs[0].spi = 100;
	user_emit_calls = 0;
	user_emit_fail = 0;
	build();
	assert_int_equal(user_emit_calls, 1);
	assert_strlist_prop("/widget@b100000", "compatible", "acme,widget-2\0acme,widget", 26);
	assert_cells("/widget@b100000", "interrupts", (const uint32_t[]){ 0, 100, 4 }, 3);
	/* its phandle comes from the same counter: distinct from the GIC's and the clock's */
	assert_int_equal(u32_prop("/widget@b100000", "phandle"), 3);
	user_emit_fail = 1;
	assert_int_equal(av_fdt_build(&spec, DTB, sizeof(dtb_store), NULL), -AV_EIO);
}

static void test_fdt_enospc(void **state)
{
	static uint64_t small[(64 * 1024) / 8];
	uint8_t *b = (uint8_t *)small;
	size_t used, sizes[] = { 0, 8, 40, 100, 1000, 4000 };
	(void)state;

	rich_spec(AV_VMSPEC_GICV3);
	used = build();
	assert_true(used < 8192);
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		memset(small, 0xa5, sizeof(small));
		assert_int_equal(av_fdt_build(&spec, small, sizes[i], NULL), -AV_ENOSPC);
		for (size_t j = sizes[i]; j < sizeof(small); j++)
			if (b[j] != 0xa5)
				fail_msg("byte %zu written with a %zu-byte buffer", j, sizes[i]);
	}
	/* Smaller than the packed tree fails; the packed size plus libfdt's few bytes of
	 * working space (AV_FDT_SLACK) always works, and never writes beyond the buffer. */
	assert_int_equal(av_fdt_build(&spec, small, used - 1, NULL), -AV_ENOSPC);
	memset(small, 0xa5, sizeof(small));
	assert_int_equal(av_fdt_build(&spec, small, used + AV_FDT_SLACK, NULL), 0);
	assert_int_equal(fdt_check_full(small, used), 0);
	for (size_t j = used + AV_FDT_SLACK; j < sizeof(small); j++)
		assert_int_equal(b[j], 0xa5);
	assert_int_equal(av_fdt_build(NULL, small, used, NULL), -AV_EINVAL);
	assert_int_equal(av_fdt_build(&spec, NULL, used, NULL), -AV_EINVAL);
}

/* dtc, an independent reader, decompiles the blob without a single warning. */
static void dtc_clean(const char *tag)
{
	char dtb[] = "/tmp/av_platform_XXXXXX";
	char cmd[512], errf[64];
	size_t used;
	FILE *f;
	int fd, rc;
	long errlen;

	if (system("command -v dtc >/dev/null 2>&1") != 0)
		skip();
	used = build();
	fd = mkstemp(dtb);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, DTB, used), (ssize_t)used);
	close(fd);
	snprintf(errf, sizeof(errf), "%s.err", dtb);
	snprintf(cmd, sizeof(cmd), "dtc -I dtb -O dts -o /dev/null %s 2>%s", dtb, errf);
	rc = system(cmd);
	f = fopen(errf, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	errlen = ftell(f);
	if (errlen > 0) {
		char msg[1024] = { 0 };

		fseek(f, 0, SEEK_SET);
		if (fread(msg, 1, sizeof(msg) - 1, f) == 0)
			msg[0] = '\0';
		fclose(f);
		fail_msg("dtc (%s) printed: %s", tag, msg);
	}
	fclose(f);
	unlink(errf);
	unlink(dtb);
	assert_int_equal(rc, 0);
}

static void test_fdt_dtc(void **state)
{
	(void)state;
	rich_spec(AV_VMSPEC_GICV3);
	dtc_clean("gicv3");
	rich_spec(AV_VMSPEC_GICV2);
	dtc_clean("gicv2");
	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 2, 512 * MiB), 0);
	spec.vcpus[1].mpidr = 0x0100000000ull;
	dtc_clean("aff3");
	rich_spec(AV_VMSPEC_GICV3);
	assert_int_equal(av_vmspec_virt_flash(&spec), 0);
	dtc_clean("flash");
}

/* Every tree armvirt builds passes its own conformance check without findings. */
static void count_findings(const struct av_dtcheck_finding *f, void *cookie)
{
	(void)cookie;
	print_message("finding: %s: %s\n", f->node, f->msg);
}

static void test_fdt_conforms(void **state)
{
	struct av_dtcheck_summary sum;
	(void)state;

	for (int v = 2; v <= 3; v++) {
		for (unsigned n = 1; n <= 4; n += 3) {
			size_t used;

			assert_int_equal(av_vmspec_virt(&spec, (enum av_vmspec_gic_version)v, n,
							 256 * MiB), 0);
			if (n > 1)
				assert_int_equal(av_vmspec_virt_flash(&spec), 0);
			used = build();
			assert_int_equal(av_dtcheck(DTB, used, count_findings, NULL, &sum), 0);
			assert_int_equal(sum.errors, 0);
			assert_int_equal(sum.warnings, 0);
		}
	}
}

/*
 * Issue 18, finding 7: the two halves of the platform module agree. Random descriptions
 * (GIC version, vCPU count and clusters, RAM, SPI count, maintenance, PMU and timer PPIs,
 * PSCI, virtio slots, RTC, ITS, bootargs): whatever av_vmspec_validate() accepts builds a tree that
 * av_dtcheck() passes without an error or a warning. Timer PPIs are random half of the
 * time, so both verdicts occur.
 */
static uint32_t prop_rng = 0x12345678u;

static uint32_t prop_rand(uint32_t n)
{
	prop_rng ^= prop_rng << 13;
	prop_rng ^= prop_rng >> 17;
	prop_rng ^= prop_rng << 5;
	return n ? prop_rng % n : prop_rng;
}

static void random_spec(void)
{
	enum av_vmspec_gic_version v = prop_rand(2) ? AV_VMSPEC_GICV3 : AV_VMSPEC_GICV2;
	unsigned n = 1 + prop_rand(v == AV_VMSPEC_GICV3 ? 64 : 8);
	uint32_t *timer[] = { &spec.timer.sec_phys_intid, &spec.timer.phys_intid,
			      &spec.timer.virt_intid, &spec.timer.hyp_intid };

	assert_int_equal(av_vmspec_virt(&spec, v, n, (1 + prop_rand(64)) * 16 * MiB), 0);
	spec.gic.nr_spis = 32 * (1 + prop_rand(30));
	spec.gic.maint_intid = prop_rand(4) ? 25 : 16 + prop_rand(16);
	spec.pmu_intid = prop_rand(2) ? 0 : 16 + prop_rand(16);
	if (prop_rand(2))
		for (unsigned i = 0; i < 4; i++)
			*timer[i] = 16 + prop_rand(16);
	spec.psci.conduit = prop_rand(2) ? AV_VMSPEC_CONDUIT_SMC : AV_VMSPEC_CONDUIT_HVC;
	spec.psci.major = (uint16_t)prop_rand(2);
	spec.psci.minor = (uint16_t)(spec.psci.major ? prop_rand(4) : 2);
	spec.nr_virtio = prop_rand(AV_VMSPEC_MAX_VIRTIO + 1);
	if (prop_rand(3) == 0)
		spec.rtc.ops = NULL;
	if (v == AV_VMSPEC_GICV3 && prop_rand(2)) {
		spec.gic.its.base = AV_VIRT_GITS_BASE;
		spec.gic.its.size = AV_VIRT_GITS_SIZE;
	}
	if (prop_rand(2))
		spec.chosen.bootargs = "console=ttyAMA0";
}

static void test_fdt_random_conforms(void **state)
{
	struct av_dtcheck_summary sum;
	unsigned valid = 0, refused = 0;
	(void)state;

	for (unsigned i = 0; i < 400; i++) {
		size_t used;

		random_spec();
		if (av_vmspec_validate(&spec, NULL) != 0) {
			refused++;
			continue;
		}
		valid++;
		used = build();
		assert_int_equal(av_dtcheck(DTB, used, count_findings, NULL, &sum), 0);
		if (sum.errors || sum.warnings)
			fail_msg("description %u (GICv%d, %u vCPUs, timer %u/%u/%u/%u): %u errors, "
				 "%u warnings", i, (int)spec.gic.version, spec.nr_vcpus,
				 spec.timer.sec_phys_intid, spec.timer.phys_intid,
				 spec.timer.virt_intid, spec.timer.hyp_intid, sum.errors,
				 sum.warnings);
	}
	print_message("%u valid, %u refused\n", valid, refused);
	assert_true(valid >= 100);
	assert_true(refused >= 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_valid),
		cmocka_unit_test(test_default_layout),
		cmocka_unit_test(test_virt_flash),
		cmocka_unit_test(test_validate_rules),
		cmocka_unit_test(test_for_each_region),
		cmocka_unit_test(test_fdt_gicv3),
		cmocka_unit_test(test_fdt_gicv2),
		cmocka_unit_test(test_fdt_its),
		cmocka_unit_test(test_fdt_options),
		cmocka_unit_test(test_fdt_no_null_value),
		cmocka_unit_test(test_fdt_flash),
		cmocka_unit_test(test_fdt_user_device),
		cmocka_unit_test(test_fdt_enospc),
		cmocka_unit_test(test_fdt_dtc),
		cmocka_unit_test(test_fdt_conforms),
		cmocka_unit_test(test_fdt_random_conforms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
