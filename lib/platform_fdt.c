/* SPDX-License-Identifier: MIT */
/*
 * The guest device tree, generated from a validated VM description.
 *
 * The tree is written with libfdt's sequential-write API straight into the caller's buffer
 * and packed at the end, so its size is exactly what it needs; a buffer that is too small
 * gives -AV_ENOSPC, never a truncated tree.
 *
 * Node order: root properties, /chosen, /aliases, memory, /reserved-memory, /cpus, /psci,
 * the timer, the GIC, the flash (if any), then every device through its ops (UARTs, RTC,
 * virtio-mmio, other devices), and last the APB clock if a device asked for it. Sequential
 * writing cannot go back, so phandles are handed out from a counter before their nodes
 * exist: the GIC's first (the root's interrupt-parent needs it), the clock's when the first
 * PrimeCell asks.
 */
#include <armvirt/platform.h>

#include <armvirt/bits.h>
#include <armvirt/log.h>
#include <limits.h>
#include <libfdt.h>

#include "compat.h"

/* Longest node name or path the builder writes ("virtio_mmio@ffffffffffff" fits). */
#define NAME_MAX_LEN 64

/* libfdt error → AV_E*. */
static int fdt_rc(int err)
{
	if (err >= 0)
		return 0;
	if (err == -FDT_ERR_NOSPACE)
		return -AV_ENOSPC;
	return -AV_EINVAL;
}

/* ---- helpers for emit hooks ---- */

uint32_t av_dt_alloc_phandle(struct av_dt_ctx *ctx)
{
	return ctx->next_phandle++;
}

uint32_t av_dt_apb_clock(struct av_dt_ctx *ctx)
{
	if (ctx->clk_phandle == 0)
		ctx->clk_phandle = av_dt_alloc_phandle(ctx);
	return ctx->clk_phandle;
}

int av_dt_begin_node(struct av_dt_ctx *ctx, const char *name, uint64_t unit)
{
	char buf[NAME_MAX_LEN];
	int n;

	if (ctx == NULL || name == NULL)
		return -AV_EINVAL;
	n = av_snprintf(buf, sizeof(buf), "%s@%llx", name, (unsigned long long)unit);
	if (n < 0 || (size_t)n >= sizeof(buf))
		return -AV_EINVAL;
	return fdt_rc(fdt_begin_node(ctx->fdt, buf));
}

int av_dt_begin_dev(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev)
{
	if (dev == NULL || dev->ops == NULL)
		return -AV_EINVAL;
	return av_dt_begin_node(ctx, dev->ops->name, dev->mmio.base);
}

int av_dt_end_node(struct av_dt_ctx *ctx)
{
	return fdt_rc(fdt_end_node(ctx->fdt));
}

int av_dt_prop_empty(struct av_dt_ctx *ctx, const char *name)
{
	void *val;

	/* Not fdt_property(fdt, name, NULL, 0): libfdt 1.6.1 hands the NULL to memcpy
	 * (undefined behaviour). A placeholder of length 0 copies nothing. */
	return fdt_rc(fdt_property_placeholder(ctx->fdt, name, 0, &val));
}

int av_dt_prop_u32(struct av_dt_ctx *ctx, const char *name, uint32_t val)
{
	return fdt_rc(fdt_property_u32(ctx->fdt, name, val));
}

int av_dt_prop_u64(struct av_dt_ctx *ctx, const char *name, uint64_t val)
{
	return fdt_rc(fdt_property_u64(ctx->fdt, name, val));
}

int av_dt_prop_cells(struct av_dt_ctx *ctx, const char *name, const uint32_t *cells, size_t n)
{
	void *val;
	uint8_t *p;
	int rc;

	if (n > (size_t)INT_MAX / 4)
		return -AV_EINVAL;
	rc = fdt_property_placeholder(ctx->fdt, name, (int)(n * 4), &val);
	if (rc < 0)
		return fdt_rc(rc);
	p = val;
	for (size_t i = 0; i < n; i++) {
		fdt32_t be = cpu_to_fdt32(cells[i]);

		memcpy(p + i * 4, &be, 4);
	}
	return 0;
}

int av_dt_prop_str(struct av_dt_ctx *ctx, const char *name, const char *val)
{
	return fdt_rc(fdt_property_string(ctx->fdt, name, val));
}

int av_dt_prop_strlist(struct av_dt_ctx *ctx, const char *name, const char *const *list,
		       size_t n)
{
	size_t len = 0, off = 0;
	void *val;
	int rc;

	for (size_t i = 0; i < n; i++) {
		len += strlen(list[i]) + 1;
		if (len > (size_t)INT_MAX)
			return -AV_EINVAL;
	}
	rc = fdt_property_placeholder(ctx->fdt, name, (int)len, &val);
	if (rc < 0)
		return fdt_rc(rc);
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(list[i]) + 1;

		memcpy((char *)val + off, list[i], l);
		off += l;
	}
	return 0;
}

/* A (base, size) pair in two address and two size cells. */
static void reg_cells(uint32_t *c, uint64_t base, uint64_t size)
{
	c[0] = (uint32_t)(base >> 32);
	c[1] = (uint32_t)base;
	c[2] = (uint32_t)(size >> 32);
	c[3] = (uint32_t)size;
}

int av_dt_prop_reg(struct av_dt_ctx *ctx, uint64_t base, uint64_t size)
{
	uint32_t c[4];

	reg_cells(c, base, size);
	return av_dt_prop_cells(ctx, "reg", c, 4);
}

int av_dt_prop_spi(struct av_dt_ctx *ctx, uint32_t spi, uint32_t flags)
{
	const uint32_t c[3] = { AV_DT_IRQ_TYPE_SPI, spi, flags };

	return av_dt_prop_cells(ctx, "interrupts", c, 3);
}

/* ---- device kinds ---- */

/* The properties every AMBA PrimeCell shares: compatible pair, reg, interrupt. */
static int primecell_common(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev,
			    const char *compat)
{
	const char *const list[] = { compat, "arm,primecell" };
	int rc;

	rc = av_dt_prop_strlist(ctx, "compatible", list, 2);
	if (!rc)
		rc = av_dt_prop_reg(ctx, dev->mmio.base, dev->mmio.size);
	if (!rc && dev->spi != AV_VMSPEC_NO_IRQ)
		rc = av_dt_prop_spi(ctx, dev->spi, AV_DT_IRQ_LEVEL_HIGH);
	return rc;
}

static int pl011_emit(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev)
{
	static const char *const clock_names[] = { "uartclk", "apb_pclk" };
	uint32_t clk = av_dt_apb_clock(ctx);
	const uint32_t clocks[] = { clk, clk };
	int rc;

	rc = av_dt_begin_dev(ctx, dev);
	if (!rc)
		rc = primecell_common(ctx, dev, "arm,pl011");
	if (!rc)
		rc = av_dt_prop_cells(ctx, "clocks", clocks, 2);
	if (!rc)
		rc = av_dt_prop_strlist(ctx, "clock-names", clock_names, 2);
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int pl031_emit(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev)
{
	int rc;

	rc = av_dt_begin_dev(ctx, dev);
	if (!rc)
		rc = primecell_common(ctx, dev, "arm,pl031");
	if (!rc)
		rc = av_dt_prop_u32(ctx, "clocks", av_dt_apb_clock(ctx));
	if (!rc)
		rc = av_dt_prop_str(ctx, "clock-names", "apb_pclk");
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int virtio_mmio_emit(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev)
{
	int rc;

	rc = av_dt_begin_dev(ctx, dev);
	if (!rc)
		rc = av_dt_prop_str(ctx, "compatible", "virtio,mmio");
	if (!rc)
		rc = av_dt_prop_reg(ctx, dev->mmio.base, dev->mmio.size);
	if (!rc && dev->spi != AV_VMSPEC_NO_IRQ)
		rc = av_dt_prop_spi(ctx, dev->spi, AV_DT_IRQ_EDGE_RISING);
	if (!rc)
		rc = av_dt_prop_empty(ctx, "dma-coherent");
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

const struct av_dt_dev_ops av_dt_pl011_ops = {
	.name = "pl011", .align = 0x1000, .needs_irq = true, .emit = pl011_emit,
};

const struct av_dt_dev_ops av_dt_pl031_ops = {
	.name = "pl031", .align = 0x1000, .needs_irq = false, .emit = pl031_emit,
};

const struct av_dt_dev_ops av_dt_virtio_mmio_ops = {
	.name = "virtio_mmio", .align = 0x200, .needs_irq = true, .emit = virtio_mmio_emit,
};

/* ---- the fixed nodes ---- */

/* The path of a device's node, as av_dt_begin_dev() names it. */
static int dev_path(char *buf, size_t size, const struct av_vmspec_dev *dev)
{
	int n = av_snprintf(buf, size, "/%s@%llx", dev->ops->name,
			    (unsigned long long)dev->mmio.base);

	return n < 0 || (size_t)n >= size ? -AV_EINVAL : 0;
}

static int emit_chosen(struct av_dt_ctx *ctx)
{
	const struct av_vmspec *spec = ctx->spec;
	const struct av_vmspec_chosen *c = &spec->chosen;
	char path[NAME_MAX_LEN];
	int rc;

	rc = fdt_rc(fdt_begin_node(ctx->fdt, "chosen"));
	if (!rc && c->bootargs != NULL)
		rc = av_dt_prop_str(ctx, "bootargs", c->bootargs);
	if (!rc && c->stdout_uart >= 0) {
		rc = dev_path(path, sizeof(path), &spec->uarts[c->stdout_uart]);
		if (!rc)
			rc = av_dt_prop_str(ctx, "stdout-path", path);
	}
	if (!rc && c->initrd_end > c->initrd_start) {
		rc = av_dt_prop_u64(ctx, "linux,initrd-start", c->initrd_start);
		if (!rc)
			rc = av_dt_prop_u64(ctx, "linux,initrd-end", c->initrd_end);
	}
	if (!rc && c->rng_seed_len)
		rc = fdt_rc(fdt_property(ctx->fdt, "rng-seed", c->rng_seed, (int)c->rng_seed_len));
	if (!rc && c->has_kaslr_seed)
		rc = av_dt_prop_u64(ctx, "kaslr-seed", c->kaslr_seed);
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int emit_aliases(struct av_dt_ctx *ctx)
{
	const struct av_vmspec *spec = ctx->spec;
	char name[16], path[NAME_MAX_LEN];
	int rc;

	if (spec->nr_uarts == 0)
		return 0;
	rc = fdt_rc(fdt_begin_node(ctx->fdt, "aliases"));
	for (unsigned i = 0; !rc && i < spec->nr_uarts; i++) {
		av_snprintf(name, sizeof(name), "serial%u", i);
		rc = dev_path(path, sizeof(path), &spec->uarts[i]);
		if (!rc)
			rc = av_dt_prop_str(ctx, name, path);
	}
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int emit_memory(struct av_dt_ctx *ctx)
{
	const struct av_vmspec *spec = ctx->spec;
	int rc = 0;

	for (unsigned i = 0; !rc && i < spec->nr_ram; i++) {
		rc = av_dt_begin_node(ctx, "memory", spec->ram[i].base);
		if (!rc)
			rc = av_dt_prop_str(ctx, "device_type", "memory");
		if (!rc)
			rc = av_dt_prop_reg(ctx, spec->ram[i].base, spec->ram[i].size);
		if (!rc)
			rc = av_dt_end_node(ctx);
	}
	return rc;
}

static int emit_reserved(struct av_dt_ctx *ctx)
{
	const struct av_vmspec *spec = ctx->spec;
	int rc;

	if (spec->nr_shmem == 0 && spec->nr_resv == 0)
		return 0;
	rc = fdt_rc(fdt_begin_node(ctx->fdt, "reserved-memory"));
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#address-cells", 2);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#size-cells", 2);
	if (!rc)
		rc = av_dt_prop_empty(ctx, "ranges");
	for (unsigned i = 0; !rc && i < spec->nr_resv; i++) {
		const struct av_vmspec_resv *r = &spec->resv[i];

		rc = av_dt_begin_node(ctx, "reserved", r->region.base);
		if (!rc)
			rc = av_dt_prop_reg(ctx, r->region.base, r->region.size);
		if (!rc && r->no_map)
			rc = av_dt_prop_empty(ctx, "no-map");
		if (!rc)
			rc = av_dt_end_node(ctx);
	}
	for (unsigned i = 0; !rc && i < spec->nr_shmem; i++) {
		const struct av_vmspec_shmem *s = &spec->shmem[i];
		const char *compat = s->compatible ? s->compatible : "armvirt,shared-memory";

		rc = av_dt_begin_node(ctx, "shmem", s->region.base);
		if (!rc)
			rc = av_dt_prop_str(ctx, "compatible", compat);
		if (!rc)
			rc = av_dt_prop_reg(ctx, s->region.base, s->region.size);
		if (!rc)
			rc = av_dt_prop_empty(ctx, "no-map");
		if (!rc)
			rc = av_dt_end_node(ctx);
	}
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int emit_cpus(struct av_dt_ctx *ctx)
{
	const struct av_vmspec *spec = ctx->spec;
	uint32_t addr_cells = 1;
	int rc;

	/* Aff3 needs a second address cell (reg = <Aff3> <Aff2..Aff0>). */
	for (unsigned i = 0; i < spec->nr_vcpus; i++)
		if (spec->vcpus[i].mpidr & AV_VMSPEC_MPIDR_AFF3)
			addr_cells = 2;

	rc = fdt_rc(fdt_begin_node(ctx->fdt, "cpus"));
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#address-cells", addr_cells);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#size-cells", 0);
	for (unsigned i = 0; !rc && i < spec->nr_vcpus; i++) {
		uint64_t mpidr = spec->vcpus[i].mpidr & AV_VMSPEC_MPIDR_AFF_MASK;

		rc = av_dt_begin_node(ctx, "cpu", mpidr);
		if (!rc)
			rc = av_dt_prop_str(ctx, "device_type", "cpu");
		if (!rc)
			rc = av_dt_prop_str(ctx, "compatible", "arm,armv8");
		if (!rc)
			rc = addr_cells == 2 ? av_dt_prop_u64(ctx, "reg", mpidr)
					     : av_dt_prop_u32(ctx, "reg", (uint32_t)mpidr);
		if (!rc)
			rc = av_dt_prop_str(ctx, "enable-method", "psci");
		if (!rc)
			rc = av_dt_end_node(ctx);
	}
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int emit_psci(struct av_dt_ctx *ctx)
{
	static const char *const v1[] = { "arm,psci-1.0", "arm,psci-0.2" };
	const struct av_vmspec_psci *p = &ctx->spec->psci;
	int rc;

	rc = fdt_rc(fdt_begin_node(ctx->fdt, "psci"));
	if (!rc)
		rc = p->major >= 1 ? av_dt_prop_strlist(ctx, "compatible", v1, 2)
				   : av_dt_prop_str(ctx, "compatible", "arm,psci-0.2");
	if (!rc)
		rc = av_dt_prop_str(ctx, "method",
				    p->conduit == AV_VMSPEC_CONDUIT_SMC ? "smc" : "hvc");
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

/*
 * The third cell of a PPI: active-high level, and on a GICv2 the mask of the CPUs the PPI
 * reaches (every vCPU). A GICv3 has no such mask.
 */
static uint32_t ppi_flags(const struct av_vmspec *spec)
{
	uint32_t flags = AV_DT_IRQ_LEVEL_HIGH;

	if (spec->gic.version == AV_VMSPEC_GICV2)
		flags |= (uint32_t)AV_FIELD_PREP(AV_DT_IRQ_PPI_CPUS,
						 (1u << spec->nr_vcpus) - 1);
	return flags;
}

static int emit_timer(struct av_dt_ctx *ctx)
{
	const struct av_vmspec *spec = ctx->spec;
	const uint32_t intids[] = { spec->timer.sec_phys_intid, spec->timer.phys_intid,
				    spec->timer.virt_intid, spec->timer.hyp_intid };
	uint32_t cells[12];
	int rc;

	for (unsigned i = 0; i < 4; i++) {
		cells[i * 3 + 0] = AV_DT_IRQ_TYPE_PPI;
		cells[i * 3 + 1] = intids[i] - 16;
		cells[i * 3 + 2] = ppi_flags(spec);
	}
	rc = fdt_rc(fdt_begin_node(ctx->fdt, "timer"));
	if (!rc)
		rc = av_dt_prop_str(ctx, "compatible", "arm,armv8-timer");
	if (!rc)
		rc = av_dt_prop_cells(ctx, "interrupts", cells, 12);
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

/* The PMUv3 and its overflow PPI (only when the description has one). */
static int emit_pmu(struct av_dt_ctx *ctx)
{
	const struct av_vmspec *spec = ctx->spec;
	uint32_t cells[3] = { AV_DT_IRQ_TYPE_PPI, spec->pmu_intid - 16, ppi_flags(spec) };
	int rc;

	if (!spec->pmu_intid)
		return 0;
	rc = fdt_rc(fdt_begin_node(ctx->fdt, "pmu"));
	if (!rc)
		rc = av_dt_prop_str(ctx, "compatible", "arm,armv8-pmuv3");
	if (!rc)
		rc = av_dt_prop_cells(ctx, "interrupts", cells, 3);
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

/* The ITS, a child of the GIC node: an MSI controller whose MSI specifier is the DeviceID. */
static int emit_its(struct av_dt_ctx *ctx, const struct av_vmspec_region *its)
{
	int rc = av_dt_begin_node(ctx, "its", its->base);

	if (!rc)
		rc = av_dt_prop_str(ctx, "compatible", "arm,gic-v3-its");
	if (!rc)
		rc = av_dt_prop_empty(ctx, "msi-controller");
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#msi-cells", 1);
	if (!rc)
		rc = av_dt_prop_reg(ctx, its->base, its->size);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "phandle", av_dt_alloc_phandle(ctx));
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int emit_gic(struct av_dt_ctx *ctx)
{
	const struct av_vmspec *spec = ctx->spec;
	const struct av_vmspec_gic *g = &spec->gic;
	bool its = g->version == AV_VMSPEC_GICV3 && g->its.size;
	uint32_t reg[16];
	size_t n = 0;
	int rc;

	reg_cells(&reg[n], g->dist.base, g->dist.size);
	n += 4;
	if (g->version == AV_VMSPEC_GICV3) {
		reg_cells(&reg[n], g->redist.base, g->redist.size);
		n += 4;
	} else {
		reg_cells(&reg[n], g->cpu.base, g->cpu.size);
		n += 4;
		if (g->hyp.size) {
			reg_cells(&reg[n], g->hyp.base, g->hyp.size);
			n += 4;
			reg_cells(&reg[n], g->vcpu.base, g->vcpu.size);
			n += 4;
		}
	}

	rc = av_dt_begin_node(ctx, "intc", g->dist.base);
	if (!rc)
		rc = av_dt_prop_str(ctx, "compatible",
				    g->version == AV_VMSPEC_GICV3 ? "arm,gic-v3"
								  : "arm,cortex-a15-gic");
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#interrupt-cells", 3);
	/* An ITS child has a reg of its own: the GIC then translates 2+2-cell addresses. */
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#address-cells", its ? 2 : 0);
	if (!rc && its)
		rc = av_dt_prop_u32(ctx, "#size-cells", 2);
	if (!rc && its)
		rc = av_dt_prop_empty(ctx, "ranges");
	if (!rc)
		rc = av_dt_prop_empty(ctx, "interrupt-controller");
	if (!rc)
		rc = av_dt_prop_cells(ctx, "reg", reg, n);
	if (!rc && g->version == AV_VMSPEC_GICV3)
		rc = av_dt_prop_u32(ctx, "#redistributor-regions", 1);
	if (!rc && g->maint_intid) {
		const uint32_t maint[3] = { AV_DT_IRQ_TYPE_PPI, g->maint_intid - 16,
					    ppi_flags(spec) };

		rc = av_dt_prop_cells(ctx, "interrupts", maint, 3);
	}
	if (!rc)
		rc = av_dt_prop_u32(ctx, "phandle", ctx->gic_phandle);
	if (!rc && its)
		rc = emit_its(ctx, &g->its);
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

/* The flash: one cfi-flash node named after its lowest bank, reg listing every bank. */
static int emit_flash(struct av_dt_ctx *ctx)
{
	const struct av_vmspec_flash *f = &ctx->spec->flash;
	uint32_t reg[AV_VMSPEC_MAX_FLASH * 4];
	uint64_t lowest = UINT64_MAX;
	int rc;

	if (f->nr_banks == 0)
		return 0;
	for (unsigned i = 0; i < f->nr_banks; i++) {
		reg_cells(&reg[i * 4], f->banks[i].base, f->banks[i].size);
		if (f->banks[i].base < lowest)
			lowest = f->banks[i].base;
	}
	rc = av_dt_begin_node(ctx, "flash", lowest);
	if (!rc)
		rc = av_dt_prop_str(ctx, "compatible", "cfi-flash");
	if (!rc)
		rc = av_dt_prop_cells(ctx, "reg", reg, f->nr_banks * 4);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "bank-width", f->bank_width);
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int emit_dev(struct av_dt_ctx *ctx, const struct av_vmspec_dev *dev)
{
	return dev->ops->emit(ctx, dev);
}

static int emit_devices(struct av_dt_ctx *ctx)
{
	const struct av_vmspec *spec = ctx->spec;
	int rc = 0;

	for (unsigned i = 0; !rc && i < spec->nr_uarts; i++)
		rc = emit_dev(ctx, &spec->uarts[i]);
	if (!rc && spec->rtc.ops != NULL)
		rc = emit_dev(ctx, &spec->rtc);
	for (unsigned i = 0; !rc && i < spec->nr_virtio; i++)
		rc = emit_dev(ctx, &spec->virtio[i]);
	for (unsigned i = 0; !rc && i < spec->nr_devs; i++)
		rc = emit_dev(ctx, &spec->devs[i]);
	return rc;
}

static int emit_clock(struct av_dt_ctx *ctx)
{
	int rc;

	if (ctx->clk_phandle == 0)
		return 0;
	rc = fdt_rc(fdt_begin_node(ctx->fdt, "apb-pclk"));
	if (!rc)
		rc = av_dt_prop_str(ctx, "compatible", "fixed-clock");
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#clock-cells", 0);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "clock-frequency", AV_VIRT_APB_CLOCK_HZ);
	if (!rc)
		rc = av_dt_prop_str(ctx, "clock-output-names", "clk24mhz");
	if (!rc)
		rc = av_dt_prop_u32(ctx, "phandle", ctx->clk_phandle);
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

static int emit_root(struct av_dt_ctx *ctx)
{
	int rc;

	rc = fdt_rc(fdt_begin_node(ctx->fdt, ""));
	if (!rc)
		rc = av_dt_prop_str(ctx, "compatible", "linux,dummy-virt");
	if (!rc)
		rc = av_dt_prop_str(ctx, "model", "armvirt");
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#address-cells", 2);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "#size-cells", 2);
	if (!rc)
		rc = av_dt_prop_u32(ctx, "interrupt-parent", ctx->gic_phandle);
	if (!rc)
		rc = emit_chosen(ctx);
	if (!rc)
		rc = emit_aliases(ctx);
	if (!rc)
		rc = emit_memory(ctx);
	if (!rc)
		rc = emit_reserved(ctx);
	if (!rc)
		rc = emit_cpus(ctx);
	if (!rc)
		rc = emit_psci(ctx);
	if (!rc)
		rc = emit_timer(ctx);
	if (!rc)
		rc = emit_pmu(ctx);
	if (!rc)
		rc = emit_gic(ctx);
	if (!rc)
		rc = emit_flash(ctx);
	if (!rc)
		rc = emit_devices(ctx);
	if (!rc)
		rc = emit_clock(ctx);
	if (!rc)
		rc = av_dt_end_node(ctx);
	return rc;
}

int av_fdt_build(const struct av_vmspec *spec, void *buf, size_t size, size_t *used)
{
	struct av_dt_ctx ctx;
	int rc;

	if (spec == NULL || buf == NULL)
		return -AV_EINVAL;
	rc = av_vmspec_validate(spec, NULL);
	if (rc)
		return rc;
	if (size > (size_t)INT_MAX)
		size = (size_t)INT_MAX;

	memset(&ctx, 0, sizeof(ctx));
	ctx.fdt = buf;
	ctx.spec = spec;
	ctx.next_phandle = 1;

	rc = fdt_rc(fdt_create(buf, (int)size));
	if (!rc)
		rc = fdt_rc(fdt_finish_reservemap(buf));
	if (!rc) {
		ctx.gic_phandle = av_dt_alloc_phandle(&ctx);
		rc = emit_root(&ctx);
	}
	if (!rc)
		rc = fdt_rc(fdt_finish(buf));
	if (!rc)
		rc = fdt_rc(fdt_pack(buf));
	if (rc) {
		av_dbg("fdt: build failed: %s", av_strerror(rc));
		return rc;
	}
	if (used != NULL)
		*used = fdt_totalsize(buf);
	return 0;
}
