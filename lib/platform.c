/* SPDX-License-Identifier: MIT */
/*
 * The VM description: QEMU-virt defaults and validation.
 *
 * Validation walks the description once in a fixed order and stops at the first problem,
 * which it reports with the path of the offending field ("uarts[0].mmio.base") and a
 * message. Region checks (bounds and overlaps) run on one flat list produced by
 * av_vmspec_for_each_region(), the same list a caller uses to build its stage-2 map, so
 * what is validated and what is mapped cannot differ.
 */
#include <armvirt/platform.h>

#include <armvirt/bits.h>
#include <armvirt/log.h>
#include <stdarg.h>

#include "compat.h"
#include "error_detail.h"

#define SZ_4K 0x1000ull
#define SZ_8K 0x2000ull
#define SZ_64K 0x10000ull

/* Every region the description can hold. */
#define MAX_REGIONS                                                                    \
	(AV_VMSPEC_MAX_RAM + 5 + AV_VMSPEC_MAX_UARTS + 1 + AV_VMSPEC_MAX_VIRTIO +       \
	 AV_VMSPEC_MAX_DEVS + AV_VMSPEC_MAX_SHMEM + AV_VMSPEC_MAX_FLASH)

/* Every device that can carry an SPI. */
#define MAX_DEVS (AV_VMSPEC_MAX_UARTS + 1 + AV_VMSPEC_MAX_VIRTIO + AV_VMSPEC_MAX_DEVS)

/* ---- defaults ---- */

int av_vmspec_virt(struct av_vmspec *spec, enum av_vmspec_gic_version gic, unsigned nr_vcpus,
		   uint64_t ram_size)
{
	unsigned cluster, n;

	if (spec == NULL || (gic != AV_VMSPEC_GICV2 && gic != AV_VMSPEC_GICV3))
		return -AV_EINVAL;
	memset(spec, 0, sizeof(*spec));

	spec->ipa_bits = AV_VIRT_IPA_BITS;
	spec->nr_ram = 1;
	spec->ram[0].base = AV_VIRT_RAM_BASE;
	spec->ram[0].size = ram_size;

	/* Affinity as QEMU's virt assigns it: clusters of 16 CPUs (GICv3) or 8 (GICv2). */
	cluster = gic == AV_VMSPEC_GICV3 ? 16 : 8;
	spec->nr_vcpus = nr_vcpus;
	n = nr_vcpus < AV_VMSPEC_MAX_VCPUS ? nr_vcpus : AV_VMSPEC_MAX_VCPUS;
	/* cppcheck-suppress knownConditionTrueFalse ; n is the caller's, not always 0 */
	for (unsigned i = 0; i < n; i++)
		spec->vcpus[i].mpidr = AV_FIELD_PREP(AV_VMSPEC_MPIDR_AFF0, i % cluster) |
				       AV_FIELD_PREP(AV_VMSPEC_MPIDR_AFF1, i / cluster);

	spec->gic.version = gic;
	spec->gic.dist.base = AV_VIRT_GICD_BASE;
	spec->gic.dist.size = AV_VIRT_GICD_SIZE;
	if (gic == AV_VMSPEC_GICV3) {
		spec->gic.redist.base = AV_VIRT_GICR_BASE;
		spec->gic.redist.size = (uint64_t)(n ? n : 1) * AV_VMSPEC_GICR_STRIDE;
	} else {
		spec->gic.cpu.base = AV_VIRT_GICC_BASE;
		spec->gic.cpu.size = AV_VIRT_GICC_SIZE;
	}
	spec->gic.maint_intid = AV_VIRT_GIC_MAINT_INTID;
	spec->gic.nr_spis = AV_VIRT_NR_SPIS;

	spec->timer.sec_phys_intid = AV_VIRT_TIMER_SEC_PHYS_INTID;
	spec->timer.phys_intid = AV_VIRT_TIMER_PHYS_INTID;
	spec->timer.virt_intid = AV_VIRT_TIMER_VIRT_INTID;
	spec->timer.hyp_intid = AV_VIRT_TIMER_HYP_INTID;

	spec->psci.conduit = AV_VMSPEC_CONDUIT_HVC;
	spec->psci.major = 1;
	spec->psci.minor = 0;

	spec->nr_uarts = 1;
	spec->uarts[0].ops = &av_dt_pl011_ops;
	spec->uarts[0].mmio.base = AV_VIRT_UART_BASE;
	spec->uarts[0].mmio.size = AV_VIRT_PRIMECELL_SIZE;
	spec->uarts[0].spi = AV_VIRT_UART_SPI;

	spec->rtc.ops = &av_dt_pl031_ops;
	spec->rtc.mmio.base = AV_VIRT_RTC_BASE;
	spec->rtc.mmio.size = AV_VIRT_PRIMECELL_SIZE;
	spec->rtc.spi = AV_VIRT_RTC_SPI;

	spec->nr_virtio = AV_VMSPEC_MAX_VIRTIO;
	for (unsigned i = 0; i < AV_VMSPEC_MAX_VIRTIO; i++) {
		spec->virtio[i].ops = &av_dt_virtio_mmio_ops;
		spec->virtio[i].mmio.base = AV_VIRT_VIRTIO_BASE + i * AV_VIRT_VIRTIO_SIZE;
		spec->virtio[i].mmio.size = AV_VIRT_VIRTIO_SIZE;
		spec->virtio[i].spi = AV_VIRT_VIRTIO_SPI + i;
	}

	spec->chosen.stdout_uart = 0;
	return 0;
}

int av_vmspec_virt_flash(struct av_vmspec *spec)
{
	if (spec == NULL)
		return -AV_EINVAL;
	spec->flash.nr_banks = 2;
	for (unsigned i = 0; i < 2; i++) {
		spec->flash.banks[i].base = AV_VIRT_FLASH_BASE + i * AV_VIRT_FLASH_BANK_SIZE;
		spec->flash.banks[i].size = AV_VIRT_FLASH_BANK_SIZE;
	}
	spec->flash.bank_width = AV_VIRT_FLASH_BANK_WIDTH;
	return 0;
}

/* ---- region list ---- */

static unsigned clamp(unsigned n, unsigned max)
{
	return n < max ? n : max;
}

static int visit(int (*fn)(const struct av_vmspec_region_info *, void *), void *cookie,
		 enum av_vmspec_region_kind kind, const char *array, int index,
		 const struct av_vmspec_region *r, const struct av_vmspec_dev *dev)
{
	struct av_vmspec_region_info info = {
		.kind = kind, .array = array, .index = index, .region = *r, .dev = dev,
	};

	return fn(&info, cookie);
}

static int visit_devs(int (*fn)(const struct av_vmspec_region_info *, void *), void *cookie,
		      const char *array, const struct av_vmspec_dev *devs, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		int rc = visit(fn, cookie, AV_VMSPEC_REGION_DEVICE, array, (int)i, &devs[i].mmio,
			       &devs[i]);
		if (rc)
			return rc;
	}
	return 0;
}

int av_vmspec_for_each_region(const struct av_vmspec *spec,
			      int (*fn)(const struct av_vmspec_region_info *info, void *cookie),
			      void *cookie)
{
	const struct av_vmspec_gic *g;
	int rc;

	if (spec == NULL || fn == NULL)
		return -AV_EINVAL;
	g = &spec->gic;

	for (unsigned i = 0; i < clamp(spec->nr_ram, AV_VMSPEC_MAX_RAM); i++) {
		rc = visit(fn, cookie, AV_VMSPEC_REGION_RAM, "ram", (int)i, &spec->ram[i], NULL);
		if (rc)
			return rc;
	}

	rc = visit(fn, cookie, AV_VMSPEC_REGION_GIC, "gic.dist", -1, &g->dist, NULL);
	if (!rc && g->version == AV_VMSPEC_GICV3)
		rc = visit(fn, cookie, AV_VMSPEC_REGION_GIC, "gic.redist", -1, &g->redist, NULL);
	if (!rc && g->version == AV_VMSPEC_GICV3 && g->its.size)
		rc = visit(fn, cookie, AV_VMSPEC_REGION_GIC, "gic.its", -1, &g->its, NULL);
	if (!rc && g->version == AV_VMSPEC_GICV2)
		rc = visit(fn, cookie, AV_VMSPEC_REGION_GIC, "gic.cpu", -1, &g->cpu, NULL);
	if (!rc && g->version == AV_VMSPEC_GICV2 && g->hyp.size)
		rc = visit(fn, cookie, AV_VMSPEC_REGION_GIC, "gic.hyp", -1, &g->hyp, NULL);
	if (!rc && g->version == AV_VMSPEC_GICV2 && g->vcpu.size)
		rc = visit(fn, cookie, AV_VMSPEC_REGION_GIC, "gic.vcpu", -1, &g->vcpu, NULL);
	if (rc)
		return rc;

	rc = visit_devs(fn, cookie, "uarts", spec->uarts,
			clamp(spec->nr_uarts, AV_VMSPEC_MAX_UARTS));
	if (!rc && spec->rtc.ops != NULL)
		rc = visit(fn, cookie, AV_VMSPEC_REGION_DEVICE, "rtc", -1, &spec->rtc.mmio,
			   &spec->rtc);
	if (!rc)
		rc = visit_devs(fn, cookie, "virtio", spec->virtio,
				clamp(spec->nr_virtio, AV_VMSPEC_MAX_VIRTIO));
	if (!rc)
		rc = visit_devs(fn, cookie, "devs", spec->devs,
				clamp(spec->nr_devs, AV_VMSPEC_MAX_DEVS));
	if (rc)
		return rc;

	for (unsigned i = 0; i < clamp(spec->nr_shmem, AV_VMSPEC_MAX_SHMEM); i++) {
		rc = visit(fn, cookie, AV_VMSPEC_REGION_SHMEM, "shmem", (int)i,
			   &spec->shmem[i].region, NULL);
		if (rc)
			return rc;
	}

	for (unsigned i = 0; i < clamp(spec->flash.nr_banks, AV_VMSPEC_MAX_FLASH); i++) {
		rc = visit(fn, cookie, AV_VMSPEC_REGION_FLASH, "flash.banks", (int)i,
			   &spec->flash.banks[i], NULL);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- validation ---- */

struct region_list {
	unsigned n;
	struct av_vmspec_region_info r[MAX_REGIONS];
};

static int collect(const struct av_vmspec_region_info *info, void *cookie)
{
	struct region_list *l = cookie;

	if (l->n >= MAX_REGIONS)
		return -AV_ERANGE;
	l->r[l->n++] = *info;
	return 0;
}

/* The path of a field: array, optional [index], optional .member. */
static void field_path(char *buf, size_t size, const char *array, int index, const char *member)
{
	const char *dot = member && member[0] ? "." : "";

	if (member == NULL)
		member = "";
	if (index >= 0)
		av_snprintf(buf, size, "%s[%d]%s%s", array, index, dot, member);
	else
		av_snprintf(buf, size, "%s%s%s", array, dot, member);
}

__attribute__((format(printf, 6, 7)))
static int fail(struct av_vmspec_error *err, int code, const char *array, int index,
		const char *member, const char *fmt, ...)
{
	char field[sizeof(err->field)];
	char msg[sizeof(err->msg)];
	va_list ap;

	field_path(field, sizeof(field), array, index, member);
	va_start(ap, fmt);
	av_vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return av__error(err, code, "vmspec", field, "%s", msg);
}

/* The member of a region's field path: "mmio" for devices, "region" for shared memory. */
static const char *region_member(const struct av_vmspec_region_info *r, const char *leaf,
				 char *buf, size_t size)
{
	const char *pre = r->kind == AV_VMSPEC_REGION_DEVICE ? "mmio."
			  : r->kind == AV_VMSPEC_REGION_SHMEM ? "region." : "";

	av_snprintf(buf, size, "%s%s", pre, leaf);
	return buf;
}

static bool streq(const char *a, const char *b)
{
	size_t n = strlen(a);

	return n == strlen(b) && memcmp(a, b, n) == 0;
}

static bool is_pow2(uint64_t v)
{
	return v != 0 && (v & (v - 1)) == 0;
}

/* Alignment a region must have. */
static uint64_t region_align(const struct av_vmspec_region_info *r)
{
	if (r->kind == AV_VMSPEC_REGION_DEVICE)
		return r->dev->ops->align ? r->dev->ops->align : 1;
	if (r->kind == AV_VMSPEC_REGION_GIC &&
	    (streq(r->array, "gic.dist") || streq(r->array, "gic.redist") ||
	     streq(r->array, "gic.its")))
		return SZ_64K;
	return SZ_4K;
}

static int check_regions(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	struct region_list l;
	uint64_t ipa_end = 1ull << spec->ipa_bits;
	char m[24], path[48];
	int rc;

	l.n = 0;
	rc = av_vmspec_for_each_region(spec, collect, &l);
	if (rc)
		return fail(err, rc, "", -1, NULL, "too many regions");

	for (unsigned i = 0; i < l.n; i++) {
		const struct av_vmspec_region_info *a = &l.r[i];
		uint64_t align = region_align(a);

		if (a->region.size == 0)
			return fail(err, -AV_EINVAL, a->array, a->index,
				    region_member(a, "size", m, sizeof(m)), "region is empty");
		if (a->region.base & (align - 1))
			return fail(err, -AV_EINVAL, a->array, a->index,
				    region_member(a, "base", m, sizeof(m)),
				    "0x%llx is not aligned to 0x%llx",
				    (unsigned long long)a->region.base, (unsigned long long)align);
		if (a->region.size & (align - 1))
			return fail(err, -AV_EINVAL, a->array, a->index,
				    region_member(a, "size", m, sizeof(m)),
				    "0x%llx is not a multiple of 0x%llx",
				    (unsigned long long)a->region.size, (unsigned long long)align);
		if (a->region.base >= ipa_end || a->region.size > ipa_end - a->region.base)
			return fail(err, -AV_ERANGE, a->array, a->index,
				    region_member(a, "base", m, sizeof(m)),
				    "0x%llx+0x%llx goes beyond the %u-bit IPA space",
				    (unsigned long long)a->region.base,
				    (unsigned long long)a->region.size, spec->ipa_bits);
	}

	/* All regions now lie below ipa_end (<= 2^52), so base + size cannot overflow. */
	for (unsigned i = 0; i < l.n; i++) {
		for (unsigned j = 0; j < i; j++) {
			const struct av_vmspec_region_info *a = &l.r[i], *b = &l.r[j];

			if (a->region.base < b->region.base + b->region.size &&
			    b->region.base < a->region.base + a->region.size) {
				field_path(path, sizeof(path), b->array, b->index,
					   b->kind == AV_VMSPEC_REGION_DEVICE ? "mmio"
					   : b->kind == AV_VMSPEC_REGION_SHMEM ? "region" : NULL);
				return fail(err, -AV_EEXIST, a->array, a->index,
					    region_member(a, "base", m, sizeof(m)),
					    "0x%llx+0x%llx overlaps %s (0x%llx+0x%llx)",
					    (unsigned long long)a->region.base,
					    (unsigned long long)a->region.size, path,
					    (unsigned long long)b->region.base,
					    (unsigned long long)b->region.size);
			}
		}
	}
	return 0;
}

static int check_vcpus(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	if (spec->nr_vcpus == 0 || spec->nr_vcpus > AV_VMSPEC_MAX_VCPUS)
		return fail(err, -AV_ERANGE, "nr_vcpus", -1, NULL, "%u vCPUs (1..%u supported)",
			    spec->nr_vcpus, AV_VMSPEC_MAX_VCPUS);
	if (spec->gic.version == AV_VMSPEC_GICV2 && spec->nr_vcpus > AV_VMSPEC_GICV2_MAX_VCPUS)
		return fail(err, -AV_ERANGE, "nr_vcpus", -1, NULL,
			    "%u vCPUs, but a GICv2 addresses at most %u", spec->nr_vcpus,
			    AV_VMSPEC_GICV2_MAX_VCPUS);
	for (unsigned i = 0; i < spec->nr_vcpus; i++) {
		uint64_t mpidr = spec->vcpus[i].mpidr;

		if (mpidr & ~AV_VMSPEC_MPIDR_AFF_MASK)
			return fail(err, -AV_EINVAL, "vcpus", (int)i, "mpidr",
				    "0x%llx has bits outside Aff3..Aff0",
				    (unsigned long long)mpidr);
		for (unsigned j = 0; j < i; j++)
			if (spec->vcpus[j].mpidr == mpidr)
				return fail(err, -AV_EEXIST, "vcpus", (int)i, "mpidr",
					    "0x%llx is also vcpus[%u].mpidr",
					    (unsigned long long)mpidr, j);
	}
	return 0;
}

static bool is_ppi(uint32_t intid)
{
	return intid >= 16 && intid < 32;
}

static int check_gic(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	const struct av_vmspec_gic *g = &spec->gic;

	if (g->version != AV_VMSPEC_GICV2 && g->version != AV_VMSPEC_GICV3)
		return fail(err, -AV_EINVAL, "gic.version", -1, NULL, "%d is neither 2 nor 3",
			    (int)g->version);
	if (g->dist.size < SZ_64K)
		return fail(err, -AV_EINVAL, "gic.dist", -1, "size",
			    "0x%llx is smaller than the 64 KiB distributor",
			    (unsigned long long)g->dist.size);
	if (g->version == AV_VMSPEC_GICV3) {
		uint64_t need = (uint64_t)spec->nr_vcpus * AV_VMSPEC_GICR_STRIDE;

		if (g->redist.size < need)
			return fail(err, -AV_ERANGE, "gic.redist", -1, "size",
				    "0x%llx is too small for %u vCPUs (0x%llx)",
				    (unsigned long long)g->redist.size, spec->nr_vcpus,
				    (unsigned long long)need);
		if (g->cpu.size || g->hyp.size || g->vcpu.size)
			return fail(err, -AV_EINVAL,
				    g->cpu.size ? "gic.cpu" : g->hyp.size ? "gic.hyp" : "gic.vcpu",
				    -1, "size", "a GICv2 frame is set on a GICv3");
		if (g->its.size && g->its.size < AV_VIRT_GITS_SIZE)
			return fail(err, -AV_EINVAL, "gic.its", -1, "size",
				    "0x%llx is smaller than the 128 KiB ITS frames",
				    (unsigned long long)g->its.size);
	} else {
		if (g->cpu.size < SZ_8K)
			return fail(err, -AV_EINVAL, "gic.cpu", -1, "size",
				    "0x%llx is smaller than the 8 KiB CPU interface",
				    (unsigned long long)g->cpu.size);
		if ((g->hyp.size == 0) != (g->vcpu.size == 0))
			return fail(err, -AV_EINVAL, g->hyp.size ? "gic.vcpu" : "gic.hyp", -1,
				    "size", "GICH and GICV go together");
		if (g->vcpu.size && g->vcpu.size < SZ_8K)
			return fail(err, -AV_EINVAL, "gic.vcpu", -1, "size",
				    "0x%llx is smaller than the 8 KiB virtual CPU interface",
				    (unsigned long long)g->vcpu.size);
		if (g->redist.size)
			return fail(err, -AV_EINVAL, "gic.redist", -1, "size",
				    "a GICv3 redistributor region is set on a GICv2");
		if (g->its.size)
			return fail(err, -AV_EINVAL, "gic.its", -1, "size",
				    "an ITS is set on a GICv2");
	}
	if (g->nr_spis < 32 || g->nr_spis > AV_VMSPEC_MAX_SPIS ||
	    (g->nr_spis % 32 && g->nr_spis != AV_VMSPEC_MAX_SPIS))
		return fail(err, -AV_ERANGE, "gic.nr_spis", -1, NULL,
			    "%u is not a multiple of 32 in 32..960 (or 988)", g->nr_spis);
	if (g->maint_intid && !is_ppi(g->maint_intid))
		return fail(err, -AV_ERANGE, "gic.maint_intid", -1, NULL,
			    "INTID %u is not a PPI (16..31)", g->maint_intid);
	return 0;
}

static int check_timer(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	static const char *const names[] = { "timer.sec_phys_intid", "timer.phys_intid",
					     "timer.virt_intid", "timer.hyp_intid" };
	const uint32_t v[] = { spec->timer.sec_phys_intid, spec->timer.phys_intid,
			       spec->timer.virt_intid, spec->timer.hyp_intid };
	static const uint32_t std[] = { AV_VIRT_TIMER_SEC_PHYS_INTID, AV_VIRT_TIMER_PHYS_INTID,
					AV_VIRT_TIMER_VIRT_INTID, AV_VIRT_TIMER_HYP_INTID };

	for (unsigned i = 0; i < AV_ARRAY_SIZE(v); i++) {
		if (!is_ppi(v[i]))
			return fail(err, -AV_ERANGE, names[i], -1, NULL,
				    "INTID %u is not a PPI (16..31)", v[i]);
		if (v[i] == spec->gic.maint_intid)
			return fail(err, -AV_EEXIST, names[i], -1, NULL,
				    "INTID %u is also gic.maint_intid", v[i]);
		for (unsigned j = 0; j < i; j++)
			if (v[j] == v[i])
				return fail(err, -AV_EEXIST, names[i], -1, NULL,
					    "INTID %u is also %s", v[i], names[j]);
	}
	/* The VM System Specification fixes the timer PPIs (13, 14, 11, 10), and av_dtcheck()
	 * reports any other as an error: a description the checker refuses is not valid. */
	for (unsigned i = 0; i < AV_ARRAY_SIZE(v); i++)
		if (v[i] != std[i])
			return fail(err, -AV_ERANGE, names[i], -1, NULL,
				    "INTID %u (PPI %u) is not the VM System Specification's PPI %u "
				    "(INTID %u)", v[i], v[i] - 16, std[i] - 16, std[i]);
	if (!spec->pmu_intid)
		return 0;
	if (!is_ppi(spec->pmu_intid))
		return fail(err, -AV_ERANGE, "pmu_intid", -1, NULL, "INTID %u is not a PPI (16..31)",
			    spec->pmu_intid);
	for (unsigned i = 0; i < AV_ARRAY_SIZE(v); i++)
		if (v[i] == spec->pmu_intid || spec->gic.maint_intid == spec->pmu_intid)
			return fail(err, -AV_EEXIST, "pmu_intid", -1, NULL,
				    "INTID %u is also a timer or maintenance PPI", spec->pmu_intid);
	return 0;
}

static int check_psci(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	const struct av_vmspec_psci *p = &spec->psci;

	if (p->conduit != AV_VMSPEC_CONDUIT_HVC && p->conduit != AV_VMSPEC_CONDUIT_SMC)
		return fail(err, -AV_EINVAL, "psci.conduit", -1, NULL, "%d is neither hvc nor smc",
			    (int)p->conduit);
	if (!((p->major == 0 && p->minor == 2) || p->major == 1))
		return fail(err, -AV_ERANGE, p->major == 0 ? "psci.minor" : "psci.major", -1, NULL,
			    "PSCI %u.%u: 0.2 or 1.x is required", p->major, p->minor);
	return 0;
}

struct irq_user {
	const char *array;
	int index;
	uint32_t spi;
};

static int check_dev(const struct av_vmspec *spec, const char *array, int index,
		     const struct av_vmspec_dev *d, struct irq_user *users, unsigned *nusers,
		     struct av_vmspec_error *err)
{
	char path[48];

	if (d->ops == NULL)
		return fail(err, -AV_EINVAL, array, index, "ops", "no device ops");
	if (d->ops->emit == NULL || d->ops->name == NULL || d->ops->name[0] == '\0')
		return fail(err, -AV_EINVAL, array, index, "ops",
			    "device ops without a name or emit hook");
	if (d->ops->align && !is_pow2(d->ops->align))
		return fail(err, -AV_EINVAL, array, index, "ops",
			    "alignment 0x%llx is not a power of two",
			    (unsigned long long)d->ops->align);
	if (d->spi == AV_VMSPEC_NO_IRQ) {
		if (d->ops->needs_irq)
			return fail(err, -AV_EINVAL, array, index, "spi",
				    "a %s needs an interrupt", d->ops->name);
		return 0;
	}
	if (d->spi >= spec->gic.nr_spis)
		return fail(err, -AV_ERANGE, array, index, "spi",
			    "SPI %u is beyond the GIC's %u SPIs", d->spi, spec->gic.nr_spis);
	for (unsigned i = 0; i < *nusers; i++) {
		if (users[i].spi == d->spi) {
			field_path(path, sizeof(path), users[i].array, users[i].index, NULL);
			return fail(err, -AV_EEXIST, array, index, "spi",
				    "SPI %u is also used by %s", d->spi, path);
		}
	}
	users[*nusers].array = array;
	users[*nusers].index = index;
	users[*nusers].spi = d->spi;
	(*nusers)++;
	return 0;
}

static int check_devs(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	struct irq_user users[MAX_DEVS];
	unsigned nusers = 0;
	int rc;

	if (spec->nr_uarts > AV_VMSPEC_MAX_UARTS)
		return fail(err, -AV_ERANGE, "nr_uarts", -1, NULL, "%u UARTs (at most %u)",
			    spec->nr_uarts, AV_VMSPEC_MAX_UARTS);
	if (spec->nr_virtio > AV_VMSPEC_MAX_VIRTIO)
		return fail(err, -AV_ERANGE, "nr_virtio", -1, NULL, "%u slots (at most %u)",
			    spec->nr_virtio, AV_VMSPEC_MAX_VIRTIO);
	if (spec->nr_devs > AV_VMSPEC_MAX_DEVS)
		return fail(err, -AV_ERANGE, "nr_devs", -1, NULL, "%u devices (at most %u)",
			    spec->nr_devs, AV_VMSPEC_MAX_DEVS);
	if (spec->nr_shmem > AV_VMSPEC_MAX_SHMEM)
		return fail(err, -AV_ERANGE, "nr_shmem", -1, NULL, "%u regions (at most %u)",
			    spec->nr_shmem, AV_VMSPEC_MAX_SHMEM);

	for (unsigned i = 0; i < spec->nr_uarts; i++) {
		rc = check_dev(spec, "uarts", (int)i, &spec->uarts[i], users, &nusers, err);
		if (rc)
			return rc;
	}
	if (spec->rtc.ops != NULL) {
		rc = check_dev(spec, "rtc", -1, &spec->rtc, users, &nusers, err);
		if (rc)
			return rc;
	}
	for (unsigned i = 0; i < spec->nr_virtio; i++) {
		rc = check_dev(spec, "virtio", (int)i, &spec->virtio[i], users, &nusers, err);
		if (rc)
			return rc;
	}
	for (unsigned i = 0; i < spec->nr_devs; i++) {
		rc = check_dev(spec, "devs", (int)i, &spec->devs[i], users, &nusers, err);
		if (rc)
			return rc;
	}
	return 0;
}

/* True when [base, base + size) lies inside one RAM region (regions already checked). */
static bool in_ram(const struct av_vmspec *spec, uint64_t base, uint64_t size)
{
	for (unsigned i = 0; i < spec->nr_ram; i++) {
		const struct av_vmspec_region *r = &spec->ram[i];

		if (base >= r->base && base - r->base <= r->size &&
		    size <= r->size - (base - r->base))
			return true;
	}
	return false;
}

static int check_resv(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	if (spec->nr_resv > AV_VMSPEC_MAX_RESV)
		return fail(err, -AV_ERANGE, "nr_resv", -1, NULL, "%u regions (at most %u)",
			    spec->nr_resv, AV_VMSPEC_MAX_RESV);
	for (unsigned i = 0; i < spec->nr_resv; i++) {
		const struct av_vmspec_region *r = &spec->resv[i].region;

		if (r->size == 0)
			return fail(err, -AV_EINVAL, "resv", (int)i, "region.size",
				    "region is empty");
		if ((r->base | r->size) & (SZ_4K - 1))
			return fail(err, -AV_EINVAL, "resv", (int)i,
				    r->base & (SZ_4K - 1) ? "region.base" : "region.size",
				    "not 4 KiB aligned");
		if (!in_ram(spec, r->base, r->size))
			return fail(err, -AV_ERANGE, "resv", (int)i, "region.base",
				    "0x%llx+0x%llx is not inside one RAM region",
				    (unsigned long long)r->base, (unsigned long long)r->size);
		for (unsigned j = 0; j < i; j++) {
			const struct av_vmspec_region *o = &spec->resv[j].region;

			if (r->base < o->base + o->size && o->base < r->base + r->size)
				return fail(err, -AV_EEXIST, "resv", (int)i, "region.base",
					    "overlaps resv[%u]", j);
		}
	}
	return 0;
}

static int check_flash(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	const struct av_vmspec_flash *f = &spec->flash;

	if (f->nr_banks > AV_VMSPEC_MAX_FLASH)
		return fail(err, -AV_ERANGE, "flash.nr_banks", -1, NULL, "%u banks (at most %u)",
			    f->nr_banks, AV_VMSPEC_MAX_FLASH);
	if (f->nr_banks && f->bank_width != 1 && f->bank_width != 2 && f->bank_width != 4)
		return fail(err, -AV_EINVAL, "flash.bank_width", -1, NULL,
			    "%u bytes (1, 2 or 4)", f->bank_width);
	return 0;
}

static int check_chosen(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	const struct av_vmspec_chosen *c = &spec->chosen;

	if (c->stdout_uart < -1 || c->stdout_uart >= (int)spec->nr_uarts)
		return fail(err, -AV_ERANGE, "chosen.stdout_uart", -1, NULL,
			    "%d is not a UART index (%u UARTs) or -1", c->stdout_uart,
			    spec->nr_uarts);
	if (c->initrd_end < c->initrd_start)
		return fail(err, -AV_EINVAL, "chosen.initrd_end", -1, NULL,
			    "0x%llx is below initrd_start 0x%llx",
			    (unsigned long long)c->initrd_end, (unsigned long long)c->initrd_start);
	if (c->initrd_end > c->initrd_start &&
	    !in_ram(spec, c->initrd_start, c->initrd_end - c->initrd_start))
		return fail(err, -AV_ERANGE, "chosen.initrd_start", -1, NULL,
			    "initrd 0x%llx..0x%llx is not inside one RAM region",
			    (unsigned long long)c->initrd_start, (unsigned long long)c->initrd_end);
	if (c->rng_seed_len > AV_VMSPEC_MAX_SEED)
		return fail(err, -AV_ERANGE, "chosen.rng_seed_len", -1, NULL,
			    "%u bytes (at most %u)", c->rng_seed_len, AV_VMSPEC_MAX_SEED);
	return 0;
}

int av_vmspec_validate(const struct av_vmspec *spec, struct av_vmspec_error *err)
{
	int rc;

	if (err != NULL)
		memset(err, 0, sizeof(*err));
	if (spec == NULL)
		return fail(err, -AV_EINVAL, "", -1, NULL, "no description");
	if (spec->ipa_bits < 32 || spec->ipa_bits > 52)
		return fail(err, -AV_ERANGE, "ipa_bits", -1, NULL, "%u is outside 32..52",
			    spec->ipa_bits);
	if (spec->nr_ram == 0 || spec->nr_ram > AV_VMSPEC_MAX_RAM)
		return fail(err, -AV_ERANGE, "nr_ram", -1, NULL, "%u RAM regions (1..%u)",
			    spec->nr_ram, AV_VMSPEC_MAX_RAM);

	rc = check_vcpus(spec, err);
	if (!rc)
		rc = check_gic(spec, err);
	if (!rc)
		rc = check_timer(spec, err);
	if (!rc)
		rc = check_psci(spec, err);
	if (!rc)
		rc = check_devs(spec, err);
	if (!rc)
		rc = check_flash(spec, err);
	if (!rc)
		rc = check_regions(spec, err);
	if (!rc)
		rc = check_resv(spec, err);
	if (!rc)
		rc = check_chosen(spec, err);
	return rc;
}
