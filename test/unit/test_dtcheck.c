/* SPDX-License-Identifier: MIT */
/* Unit tests: the VM-spec conformance check. Trees armvirt generates pass; the same trees
 * edited with libfdt's read-write API (PSCI node removed, wrong timer PPIs, no console, ...)
 * fail with findings that name the node and property. QEMU's own virt DTBs, dumped by a
 * ctest fixture and passed as arguments, are the independent reference that must pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libfdt.h>

#include <armvirt/platform.h>

#define MiB (1024ull * 1024)
#define BUF_SIZE (64 * 1024)

static uint64_t dtb_store[BUF_SIZE / 8];
#define DTB ((void *)dtb_store)

/* QEMU DTB paths from the command line (ctest passes them; the test skips without). */
static int qemu_argc;
static char **qemu_argv;

struct findings {
	unsigned n;
	struct av_dtcheck_finding f[32];
};

static void collect(const struct av_dtcheck_finding *f, void *cookie)
{
	struct findings *fs = cookie;

	if (fs->n < 32)
		fs->f[fs->n++] = *f;
}

static void dump(const struct findings *fs)
{
	for (unsigned i = 0; i < fs->n; i++)
		print_message("  %s: %s: %s\n",
			      fs->f[i].severity == AV_DTCHECK_ERROR ? "error" : "warning",
			      fs->f[i].node, fs->f[i].msg);
}

/* Run the check; return the findings and totals. */
static struct av_dtcheck_summary run(const void *fdt, size_t size, struct findings *fs)
{
	struct av_dtcheck_summary sum;

	memset(fs, 0, sizeof(*fs));
	assert_int_equal(av_dtcheck(fdt, size, collect, fs, &sum), 0);
	assert_int_equal(sum.errors + sum.warnings, fs->n);
	return sum;
}

/* Assert a finding of @p sev on @p node whose message contains @p part. */
static void expect(const struct findings *fs, enum av_dtcheck_severity sev, const char *node,
		   const char *part)
{
	for (unsigned i = 0; i < fs->n; i++)
		if (fs->f[i].severity == sev && strcmp(fs->f[i].node, node) == 0 &&
		    strstr(fs->f[i].msg, part) != NULL)
			return;
	dump(fs);
	fail_msg("no %s on %s containing \"%s\"", sev == AV_DTCHECK_ERROR ? "error" : "warning",
		 node, part);
}

/* Build armvirt's default tree (GIC @p v, @p n vCPUs) and open it for editing. */
static void generated(enum av_vmspec_gic_version v, unsigned n)
{
	static struct av_vmspec spec;
	size_t used;

	assert_int_equal(av_vmspec_virt(&spec, v, n, 512 * MiB), 0);
	spec.chosen.bootargs = "console=ttyAMA0";
	assert_int_equal(av_fdt_build(&spec, DTB, BUF_SIZE, &used), 0);
	assert_int_equal(fdt_open_into(DTB, DTB, BUF_SIZE), 0);
}

static int off(const char *path)
{
	int o = fdt_path_offset(DTB, path);

	if (o < 0)
		fail_msg("%s missing", path);
	return o;
}

/* Keep only the first @p len bytes of a property. */
static void truncate_prop(const char *path, const char *name, int len)
{
	uint8_t copy[256];
	int have;
	const void *v = fdt_getprop(DTB, off(path), name, &have);

	assert_non_null(v);
	assert_true(len <= have && len <= (int)sizeof(copy));
	memcpy(copy, v, (size_t)len);
	assert_int_equal(fdt_setprop(DTB, off(path), name, copy, len), 0);
}

static void test_generated_pass(void **state)
{
	struct findings fs;
	struct av_dtcheck_summary s;
	(void)state;

	for (int v = 2; v <= 3; v++) {
		for (unsigned n = 1; n <= 8; n++) {
			generated((enum av_vmspec_gic_version)v, n);
			s = run(DTB, BUF_SIZE, &fs);
			if (s.errors || s.warnings) {
				dump(&fs);
				fail_msg("GICv%d, %u vCPUs: findings on a generated tree", v, n);
			}
		}
	}
}

/*
 * The largest VM: AV_MAX_VCPUS (64) vCPUs with GICv3, and 8 with GICv2. The description
 * validates, the tree has a cpu node per vCPU and passes the check; the vGIC and the VM
 * accept the same counts (test_vgic.c, test_vm.c), one more is refused everywhere.
 */
static void test_generated_max_vcpus(void **state)
{
	static const struct {
		enum av_vmspec_gic_version v;
		unsigned n;
	} cases[] = { { AV_VMSPEC_GICV3, AV_MAX_VCPUS }, { AV_VMSPEC_GICV2, AV_MAX_VCPUS_GICV2 } };
	static struct av_vmspec spec;
	struct av_vmspec_error err;
	struct findings fs;
	struct av_dtcheck_summary s;
	(void)state;

	assert_int_equal(AV_MAX_VCPUS, 64);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[32];

		generated(cases[i].v, cases[i].n);
		s = run(DTB, BUF_SIZE, &fs);
		if (s.errors || s.warnings) {
			dump(&fs);
			fail_msg("GICv%d, %u vCPUs: findings on a generated tree", (int)cases[i].v,
				 cases[i].n);
		}
		snprintf(path, sizeof(path), "/cpus/cpu@%x",
			 cases[i].n == 64 ? 0x30f : cases[i].n - 1);
		off(path);
		assert_int_equal(av_vmspec_virt(&spec, cases[i].v, cases[i].n + 1, 512 * MiB), 0);
		assert_int_equal(av_vmspec_validate(&spec, &err), -AV_ERANGE);
		assert_string_equal(err.field, "nr_vcpus");
	}
}

static void test_psci(void **state)
{
	struct findings fs;
	(void)state;

	generated(AV_VMSPEC_GICV3, 2);
	assert_int_equal(fdt_del_node(DTB, off("/psci")), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/", "no PSCI node");

	generated(AV_VMSPEC_GICV3, 2);
	assert_int_equal(fdt_setprop_string(DTB, off("/psci"), "compatible", "arm,psci"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/psci", "PSCI 0.1");

	generated(AV_VMSPEC_GICV3, 2);
	assert_int_equal(fdt_delprop(DTB, off("/psci"), "method"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/psci", "no \"method\"");

	generated(AV_VMSPEC_GICV3, 2);
	assert_int_equal(fdt_setprop_string(DTB, off("/psci"), "method", "svc"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/psci", "method is \"svc\"");

	/* psci-0.2 alone, smc: fine */
	generated(AV_VMSPEC_GICV3, 2);
	assert_int_equal(fdt_setprop_string(DTB, off("/psci"), "compatible", "arm,psci-0.2"), 0);
	assert_int_equal(fdt_setprop_string(DTB, off("/psci"), "method", "smc"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 0);
}

static void set_timer_cell(unsigned idx, uint32_t val)
{
	assert_int_equal(fdt_setprop_inplace_namelen_partial(DTB, off("/timer"), "interrupts", 10,
							     idx * 4, &(fdt32_t){ cpu_to_fdt32(val) },
							     4), 0);
}

static void test_timer(void **state)
{
	struct findings fs;
	(void)state;

	/* non-secure physical timer on PPI 15 instead of 14 */
	generated(AV_VMSPEC_GICV3, 2);
	set_timer_cell(4, 15);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/timer",
	       "interrupts[1] (non-secure physical timer) is PPI 15, expected PPI 14");

	/* virtual timer as an SPI */
	generated(AV_VMSPEC_GICV2, 2);
	set_timer_cell(6, 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/timer", "interrupts[2] (virtual timer) is not a PPI");

	/* hypervisor timer missing: a warning */
	generated(AV_VMSPEC_GICV3, 1);
	truncate_prop("/timer", "interrupts", 36);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 0);
	expect(&fs, AV_DTCHECK_WARNING, "/timer", "no hypervisor timer PPI");

	/* only two timer interrupts: an error */
	generated(AV_VMSPEC_GICV3, 1);
	truncate_prop("/timer", "interrupts", 24);
	assert_int_not_equal(run(DTB, BUF_SIZE, &fs).errors, 0);
	expect(&fs, AV_DTCHECK_ERROR, "/timer", "has 2 entries");

	/* no timer at all */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_del_node(DTB, off("/timer")), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/", "no architected timer");

	/* no interrupts property */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_delprop(DTB, off("/timer"), "interrupts"), 0);
	run(DTB, BUF_SIZE, &fs);
	expect(&fs, AV_DTCHECK_ERROR, "/timer", "no \"interrupts\"");
}

static void test_console(void **state)
{
	struct findings fs;
	(void)state;

	/* stdout-path removed: the alias still reaches the UART (warning) */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_delprop(DTB, off("/chosen"), "stdout-path"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 0);
	expect(&fs, AV_DTCHECK_WARNING, "/chosen", "no stdout-path");

	/* stdout-path and aliases removed: no UART console (a warning, test_no_console) */
	assert_int_equal(fdt_del_node(DTB, off("/aliases")), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 0);
	expect(&fs, AV_DTCHECK_WARNING, "/chosen", "no console");

	/* stdout-path to nowhere */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_setprop_string(DTB, off("/chosen"), "stdout-path", "/uart@0"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/chosen", "stdout-path \"/uart@0\" does not lead");

	/* an alias with options is fine */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_setprop_string(DTB, off("/chosen"), "stdout-path", "serial0:115200n8"),
			 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors + fs.n, 0);

	/* disabled console */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_setprop_string(DTB, off("/pl011@9000000"), "status", "disabled"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/pl011@9000000", "disabled");

	/* stdout-path to something that is not a UART: a warning */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_setprop_string(DTB, off("/chosen"), "stdout-path", "/pl031@9010000"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 0);
	expect(&fs, AV_DTCHECK_WARNING, "/pl031@9010000", "not a known UART");

	/* no /chosen: its own error, and no console */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_del_node(DTB, off("/chosen")), 0);
	assert_int_equal(fdt_del_node(DTB, off("/aliases")), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/", "no /chosen");
	expect(&fs, AV_DTCHECK_WARNING, "/", "no console");

	/*
	 * Aliases whose values are alias names, a cycle (found by fuzz.dtcheck): libfdt 1.6.1
	 * would follow them until the stack overflows. An alias's value is a full path, so
	 * neither stdout-path nor the serialN look-up gets a node.
	 */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_setprop_string(DTB, off("/aliases"), "serial0", "serial1"), 0);
	assert_int_equal(fdt_setprop_string(DTB, off("/aliases"), "serial1", "serial0"), 0);
	assert_int_equal(fdt_setprop_string(DTB, off("/chosen"), "stdout-path", "serial0:115200n8"),
			 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/chosen", "does not lead to a node");
	assert_int_equal(fdt_delprop(DTB, off("/chosen"), "stdout-path"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 0);
	expect(&fs, AV_DTCHECK_WARNING, "/chosen", "no console");
}

/*
 * A description without a console (chosen.stdout_uart -1, or no UART at all) validates and
 * builds; the tree it gives has no error either, only the "no console" warning (the VM
 * spec's console may be a virtio-console, which no stdout-path names).
 */
static void test_no_console(void **state)
{
	static struct av_vmspec spec;
	struct av_vmspec_error err;
	struct av_dtcheck_summary s;
	struct findings fs;
	size_t used;
	(void)state;

	for (int uarts = 0; uarts <= 1; uarts++) {
		assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 2, 512 * MiB), 0);
		spec.chosen.stdout_uart = -1;
		if (!uarts)
			spec.nr_uarts = 0;
		assert_int_equal(av_vmspec_validate(&spec, &err), 0);
		assert_int_equal(av_fdt_build(&spec, DTB, BUF_SIZE, &used), 0);
		s = run(DTB, used, &fs);
		if (s.errors) {
			dump(&fs);
			fail_msg("%d UART(s), no stdout_uart: validates, but dtcheck finds errors",
				 uarts);
		}
		/* no UART: "no console"; one: "no stdout-path" (reached through /aliases) */
		expect(&fs, AV_DTCHECK_WARNING, "/chosen", uarts ? "no stdout-path" : "no console");
	}
}

static void test_cpus_memory_gic(void **state)
{
	struct findings fs;
	(void)state;

	generated(AV_VMSPEC_GICV3, 2);
	assert_int_equal(fdt_setprop_string(DTB, off("/cpus/cpu@1"), "enable-method", "spin-table"),
			 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/cpus/cpu@1", "enable-method is \"spin-table\"");

	generated(AV_VMSPEC_GICV3, 2);
	assert_int_equal(fdt_delprop(DTB, off("/cpus/cpu@1"), "enable-method"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/cpus/cpu@1", "no enable-method");

	/* the only CPU may go without */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_delprop(DTB, off("/cpus/cpu@0"), "enable-method"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 0);
	expect(&fs, AV_DTCHECK_WARNING, "/cpus/cpu@0", "only CPU");

	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_del_node(DTB, off("/cpus")), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/", "no /cpus");

	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_del_node(DTB, off("/memory@40000000")), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/", "no memory node");

	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_delprop(DTB, off("/memory@40000000"), "reg"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/memory@40000000", "without \"reg\"");

	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_delprop(DTB, off("/intc@8000000"), "interrupt-controller"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/intc@8000000", "no \"interrupt-controller\"");

	generated(AV_VMSPEC_GICV2, 1);
	assert_int_equal(fdt_delprop(DTB, off("/intc@8000000"), "reg"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/intc@8000000", "no \"reg\"");

	generated(AV_VMSPEC_GICV3, 1);
	truncate_prop("/intc@8000000", "reg", 16);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, "/intc@8000000", "reg has 1 entries; arm,gic-v3 needs 2");

	/* no GIC: the GIC check and the timer's interrupt parent both complain */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_del_node(DTB, off("/intc@8000000")), 0);
	run(DTB, BUF_SIZE, &fs);
	expect(&fs, AV_DTCHECK_ERROR, "/", "no GICv2 or GICv3 node");
	expect(&fs, AV_DTCHECK_ERROR, "/timer", "interrupt parent is not a GIC");
}

/* armvirt's tree with an ITS; check_its() on each broken variant. */
static void generated_its(void)
{
	static struct av_vmspec spec;
	size_t used;

	assert_int_equal(av_vmspec_virt(&spec, AV_VMSPEC_GICV3, 2, 512 * MiB), 0);
	spec.gic.its.base = AV_VIRT_GITS_BASE;
	spec.gic.its.size = AV_VIRT_GITS_SIZE;
	assert_int_equal(av_fdt_build(&spec, DTB, BUF_SIZE, &used), 0);
	assert_int_equal(fdt_open_into(DTB, DTB, BUF_SIZE), 0);
}

static void test_its(void **state)
{
	static const char its[] = "/intc@8000000/its@8080000";
	struct findings fs;
	struct av_dtcheck_summary s;
	(void)state;

	generated_its();
	s = run(DTB, BUF_SIZE, &fs);
	if (s.errors || s.warnings) {
		dump(&fs);
		fail_msg("findings on a generated tree with an ITS");
	}

	generated_its();
	assert_int_equal(fdt_delprop(DTB, off(its), "msi-controller"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, its, "no \"msi-controller\"");

	generated_its();
	assert_int_equal(fdt_setprop_u32(DTB, off(its), "#msi-cells", 0), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, its, "#msi-cells is not 1");

	generated_its();
	assert_int_equal(fdt_delprop(DTB, off(its), "#msi-cells"), 0);
	s = run(DTB, BUF_SIZE, &fs);
	assert_int_equal(s.errors, 0);
	expect(&fs, AV_DTCHECK_WARNING, its, "no \"#msi-cells\"");

	generated_its();
	assert_int_equal(fdt_delprop(DTB, off(its), "reg"), 0);
	assert_int_equal(run(DTB, BUF_SIZE, &fs).errors, 1);
	expect(&fs, AV_DTCHECK_ERROR, its, "no \"reg\"");

	/* the GIC's #address-cells 0 cannot carry the ITS frame */
	generated_its();
	assert_int_equal(fdt_setprop_u32(DTB, off("/intc@8000000"), "#address-cells", 0), 0);
	run(DTB, BUF_SIZE, &fs);
	expect(&fs, AV_DTCHECK_ERROR, its, "reg is not one frame");

	generated_its();
	assert_int_equal(fdt_delprop(DTB, off("/intc@8000000"), "ranges"), 0);
	s = run(DTB, BUF_SIZE, &fs);
	assert_int_equal(s.errors, 0);
	expect(&fs, AV_DTCHECK_WARNING, "/intc@8000000", "no \"ranges\"");

	/* an ITS under a GICv2 node */
	generated_its();
	assert_int_equal(fdt_setprop_string(DTB, off("/intc@8000000"), "compatible",
					    "arm,cortex-a15-gic"), 0);
	run(DTB, BUF_SIZE, &fs);
	expect(&fs, AV_DTCHECK_ERROR, its, "child of the GICv3");
}

static void test_invalid_blobs(void **state)
{
	static uint8_t junk[256];
	struct av_dtcheck_summary sum;
	(void)state;

	memset(junk, 0x5a, sizeof(junk));
	assert_int_equal(av_dtcheck(junk, sizeof(junk), NULL, NULL, &sum), -AV_EBADIMG);
	assert_int_equal(av_dtcheck(NULL, 100, NULL, NULL, &sum), -AV_EINVAL);
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_pack(DTB), 0);
	/* a buffer shorter than the blob's totalsize */
	assert_int_equal(av_dtcheck(DTB, fdt_totalsize(DTB) - 1, NULL, NULL, &sum), -AV_EBADIMG);
	assert_int_equal(av_dtcheck(DTB, 10, NULL, NULL, &sum), -AV_EBADIMG);
	/* corrupt the struct block */
	assert_int_equal(av_dtcheck(DTB, fdt_totalsize(DTB), NULL, NULL, &sum), 0);
	((uint8_t *)DTB)[fdt_off_dt_struct(DTB) + 3] = 0x7f;
	assert_int_equal(av_dtcheck(DTB, fdt_totalsize(DTB), NULL, NULL, &sum), -AV_EBADIMG);
	/* no callback is fine */
	generated(AV_VMSPEC_GICV3, 1);
	assert_int_equal(fdt_del_node(DTB, off("/psci")), 0);
	assert_int_equal(av_dtcheck(DTB, BUF_SIZE, NULL, NULL, &sum), 0);
	assert_int_equal(sum.errors, 1);
}

/*
 * Issue 18, finding 5: the header is checked before libfdt reads the blob. A generated tree
 * with its header edited one field at a time, and with its structure block moved to an
 * offset that is not a multiple of 4 (libfdt 1.6.1 would read it with misaligned loads), is
 * refused; moved by 4 bytes it is still fine.
 */
static uint64_t hdr_store[BUF_SIZE / 8];
#define HDR ((uint8_t *)hdr_store)

/* A packed generated tree in HDR with @shift bytes inserted before its structure block. */
static size_t shifted_blob(unsigned shift)
{
	uint32_t st, total;

	generated(AV_VMSPEC_GICV3, 2);
	assert_int_equal(fdt_pack(DTB), 0);
	st = fdt_off_dt_struct(DTB);
	total = fdt_totalsize(DTB);
	assert_true(fdt_off_dt_strings(DTB) >= st + fdt_size_dt_struct(DTB));
	assert_true(total + shift <= sizeof(hdr_store));
	memset(HDR, 0, total + shift);
	memcpy(HDR, DTB, st);
	memcpy(HDR + st + shift, (uint8_t *)DTB + st, total - st);
	fdt_set_off_dt_struct(HDR, st + shift);
	fdt_set_off_dt_strings(HDR, fdt_off_dt_strings(DTB) + shift);
	fdt_set_totalsize(HDR, total + shift);
	return total + shift;
}

static void test_header_checked(void **state)
{
	struct av_dtcheck_summary sum;
	size_t size;
	uint32_t st, str, total;
	(void)state;

	for (unsigned shift = 1; shift <= 4; shift++) {
		size = shifted_blob(shift);
		if (av_dtcheck(HDR, size, NULL, NULL, &sum) != (shift == 4 ? 0 : -AV_EBADIMG))
			fail_msg("structure block moved by %u bytes: wrong verdict", shift);
	}
	/* One header field at a time. */
	for (unsigned k = 0; ; k++) {
		size = shifted_blob(0);
		st = fdt_off_dt_struct(HDR);
		str = fdt_off_dt_strings(HDR);
		total = fdt_totalsize(HDR);
		assert_int_equal(av_dtcheck(HDR, size, NULL, NULL, &sum), 0);
		switch (k) {
		case 0: fdt_set_magic(HDR, 0xd00dfeee); break;
		case 1: fdt_set_version(HDR, 16); break;
		case 2: fdt_set_last_comp_version(HDR, 18); break;
		case 3: fdt_set_totalsize(HDR, (uint32_t)size + 1); break;
		case 4: fdt_set_totalsize(HDR, 39); break;
		case 5: fdt_set_off_mem_rsvmap(HDR, 44); break;        /* not 8-byte aligned */
		case 6: fdt_set_off_mem_rsvmap(HDR, total - 8); break; /* no room for its end */
		case 7: fdt_set_off_mem_rsvmap(HDR, 16); break;        /* inside the header */
		case 8: fdt_set_off_dt_struct(HDR, 0); break;
		case 9: fdt_set_size_dt_struct(HDR, fdt_size_dt_struct(HDR) - 2); break;
		case 10: fdt_set_size_dt_struct(HDR, 0xfffffff0u); break;
		case 11: fdt_set_off_dt_strings(HDR, st + 4); break;  /* overlaps the structure */
		case 12: fdt_set_off_dt_strings(HDR, total); break;   /* past the end */
		case 13: fdt_set_size_dt_strings(HDR, 0xffffffffu); break;
		case 14: fdt_set_off_dt_struct(HDR, str); break;      /* overlaps the strings */
		default: k = UINT32_MAX; break;
		}
		if (k == UINT32_MAX)
			break;
		if (av_dtcheck(HDR, size, NULL, NULL, &sum) != -AV_EBADIMG)
			fail_msg("header mutation %u accepted", k);
	}
	/* libfdt wants an 8-byte aligned blob: a misaligned one is the caller's error. */
	size = shifted_blob(0);
	memmove(HDR + 4, HDR, size);
	assert_int_equal(av_dtcheck(HDR + 4, size, NULL, NULL, &sum), -AV_EINVAL);
}

/*
 * Issue 18, finding 3: findings name their node without a path lookup per finding, each
 * check lists at most AV_DTCHECK_MAX_LISTED and then one "N more" line, and the totals
 * count them all. (unit.dtcheck_linear times the same on a 2.8 MB tree.)
 */
struct capture {
	unsigned calls, cpu, more;
	struct av_dtcheck_finding first_cpu, more_f, mem[2];
	unsigned nmem;
};

static void capture(const struct av_dtcheck_finding *f, void *cookie)
{
	struct capture *c = cookie;

	c->calls++;
	if (strncmp(f->node, "/cpus/", 6) == 0 && c->cpu++ == 0)
		c->first_cpu = *f;
	if (strstr(f->msg, "more findings") != NULL) {
		c->more++;
		c->more_f = *f;
	}
	if (strstr(f->msg, "memory node without") != NULL && c->nmem < 2)
		c->mem[c->nmem++] = *f;
}

#define OK(x) assert_int_equal((x), 0)

static void test_findings_capped(void **state)
{
	static const char long_name[] =
		"a-node-name-long-enough-to-push-a-child-path-past-64-bytes";
	struct av_dtcheck_summary sum;
	struct capture c;
	char name[32];
	(void)state;

	OK(fdt_create(DTB, BUF_SIZE));
	OK(fdt_finish_reservemap(DTB));
	OK(fdt_begin_node(DTB, ""));
	OK(fdt_begin_node(DTB, "chosen"));
	OK(fdt_end_node(DTB));
	OK(fdt_begin_node(DTB, "soc"));
	OK(fdt_begin_node(DTB, "memory@0"));        /* no reg: "/soc/memory@0" */
	OK(fdt_property_string(DTB, "device_type", "memory"));
	OK(fdt_end_node(DTB));
	OK(fdt_begin_node(DTB, long_name));
	OK(fdt_begin_node(DTB, "memory@1"));        /* no reg, path too long: "/" */
	OK(fdt_property_string(DTB, "device_type", "memory"));
	OK(fdt_end_node(DTB));
	OK(fdt_end_node(DTB));
	OK(fdt_end_node(DTB));
	OK(fdt_begin_node(DTB, "cpus"));
	for (unsigned i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "cpu@%u", i);
		OK(fdt_begin_node(DTB, name));
		OK(fdt_property_string(DTB, "device_type", "cpu"));
		OK(fdt_end_node(DTB));
	}
	OK(fdt_end_node(DTB));
	OK(fdt_end_node(DTB));
	OK(fdt_finish(DTB));

	memset(&c, 0, sizeof(c));
	assert_int_equal(av_dtcheck(DTB, BUF_SIZE, capture, &c, &sum), 0);
	/* psci, timer, GIC, two memory nodes, 50 CPUs without reg or enable-method; no console
	 * (a warning). */
	assert_int_equal(sum.errors, 3 + 2 + 100);
	assert_int_equal(sum.warnings, 1);
	assert_int_equal(c.cpu, AV_DTCHECK_MAX_LISTED);
	assert_string_equal(c.first_cpu.node, "/cpus/cpu@0");
	assert_non_null(strstr(c.first_cpu.msg, "no \"reg\""));
	assert_int_equal(c.more, 1);
	assert_int_equal(c.more_f.severity, AV_DTCHECK_ERROR);
	assert_string_equal(c.more_f.node, "/");
	assert_non_null(strstr(c.more_f.msg, "80 more findings of this check not listed "
					     "(80 errors, 0 warnings)"));
	assert_int_equal(c.calls, 4 + 2 + AV_DTCHECK_MAX_LISTED + 1);
	assert_int_equal(c.nmem, 2);
	assert_string_equal(c.mem[0].node, "/soc/memory@0");
	assert_string_equal(c.mem[1].node, "/");
	/* Without a callback the totals are the same. */
	assert_int_equal(av_dtcheck(DTB, BUF_SIZE, NULL, NULL, &sum), 0);
	assert_int_equal(sum.errors, 105);
}

static void test_qemu_reference(void **state)
{
	(void)state;
	if (qemu_argc == 0)
		skip();
	for (int i = 0; i < qemu_argc; i++) {
		static uint8_t buf[2 << 20];
		struct findings fs;
		struct av_dtcheck_summary s;
		FILE *f = fopen(qemu_argv[i], "rb");
		size_t n;

		if (f == NULL)
			fail_msg("cannot open %s", qemu_argv[i]);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		s = run(buf, n, &fs);
		print_message("%s: %u errors, %u warnings\n", qemu_argv[i], s.errors, s.warnings);
		dump(&fs);
		assert_int_equal(s.errors, 0);
	}
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_pass),
		cmocka_unit_test(test_generated_max_vcpus),
		cmocka_unit_test(test_psci),
		cmocka_unit_test(test_timer),
		cmocka_unit_test(test_console),
		cmocka_unit_test(test_no_console),
		cmocka_unit_test(test_cpus_memory_gic),
		cmocka_unit_test(test_its),
		cmocka_unit_test(test_invalid_blobs),
		cmocka_unit_test(test_header_checked),
		cmocka_unit_test(test_findings_capped),
		cmocka_unit_test(test_qemu_reference),
	};

	qemu_argc = argc - 1;
	qemu_argv = argv + 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
