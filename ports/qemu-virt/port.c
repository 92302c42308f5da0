/* SPDX-License-Identifier: MIT */
/* qemu-virt port: platform discovery from the DTB, console, exit. */
#include <stdarg.h>

#include <libfdt.h>

#include <armvirt/bits.h>
#include <armvirt/esr.h>
#include <armvirt/log.h>

#include "port.h"

/* PL011 registers used by the polled console (PrimeCell UART TRM, DDI0183). */
#define PL011_DR 0x000
#define PL011_FR 0x018
#define PL011_FR_TXFF AV_BIT(5)
#define PL011_FR_TXFE AV_BIT(7)
#define PL011_LCR_H 0x02c
#define PL011_LCR_H_FEN AV_BIT(4)
#define PL011_TX_FIFO 16 /* bytes the transmit FIFO holds (with LCR_H.FEN) */

/* NOLINTNEXTLINE(bugprone-reserved-identifier): the linker script's names */
extern char __image_start[], __image_end[];

static struct port_platform platform;
static struct port_spinlock console_lock;

/* NOLINTNEXTLINE(misc-no-recursion): one level, for the '\r' before a '\n' */
void port_putc(char c)
{
	if (!platform.uart_base)
		return;
	if (c == '\n')
		port_putc('\r');
	while (port_read32(platform.uart_base + PL011_FR) & PL011_FR_TXFF)
		;
	port_write32(platform.uart_base + PL011_DR, (uint8_t)c);
}

void port_puts(const char *s)
{
	/* One string at a time across CPUs (not from interrupt handlers: see port.h). */
	port_spin_lock(&console_lock);
	while (*s)
		port_putc(*s++);
	port_spin_unlock(&console_lock);
}

/*
 * Bytes that may be written to DR now without looking at FR again: the whole FIFO when it
 * is enabled and empty, else one once it is not full.
 */
static unsigned tx_room(uint64_t uart, bool fifo)
{
	uint32_t fr;

	while ((fr = port_read32(uart + PL011_FR)) & PL011_FR_TXFF)
		;
	return fifo && (fr & PL011_FR_TXFE) ? PL011_TX_FIFO : 1;
}

void port_writev(const struct port_iov *iov, unsigned n)
{
	uint64_t uart = platform.uart_base;
	unsigned room = 0;
	bool fifo;

	if (!uart)
		return;
	port_spin_lock(&console_lock);
	fifo = port_read32(uart + PL011_LCR_H) & PL011_LCR_H_FEN;
	for (unsigned k = 0; k < n; k++) {
		const char *p = iov[k].base;
		size_t left = iov[k].len;

		while (left) {
			size_t m;

			if (!room)
				room = tx_room(uart, fifo);
			m = room < left ? room : left;
			for (size_t i = 0; i < m; i++)
				port_write32(uart + PL011_DR, (uint8_t)p[i]);
			p += m;
			left -= m;
			room -= (unsigned)m;
		}
	}
	port_spin_unlock(&console_lock);
}

void port_printf(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	av_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	port_puts(line);
}

static void semihost_call(uint64_t op, uint64_t arg)
{
	register uint64_t x0 __asm__("x0") = op;
	register uint64_t x1 __asm__("x1") = arg;

	__asm__ volatile("hlt #0xf000" : "+r"(x0) : "r"(x1) : "memory");
}

void port_exit(int code)
{
	/* SYS_EXIT with ADP_Stopped_ApplicationExit and the status (AArch64 form). */
	uint64_t block[2] = { 0x20026, (uint64_t)(int64_t)code };

	semihost_call(0x18, (uint64_t)(uintptr_t)block);
	/* Without -semihosting the hlt above faults into port_el2_fault() instead. */
	for (;;)
		__asm__ volatile("wfe");
}

void port_panic(const char *msg)
{
	console_lock.locked = 0; /* fatal: never wait for a holder that will not return */
	port_printf("\narmvirt: PANIC: %s\n", msg);
	port_exit(1);
}

void port_el2_fault(uint64_t kind, uint64_t esr, uint64_t elr, uint64_t far)
{
	struct av_esr e;
	char line[160];

	console_lock.locked = 0; /* fatal: the faulting code may hold the console */
	if (av_esr_decode(esr, &e) == 0)
		av_esr_format(&e, line, sizeof(line));
	else
		line[0] = '\0';
	port_printf("\narmvirt: unexpected EL2 exception (vector %u) at %#llx, FAR %#llx\n"
		    "armvirt: %s\n",
		    (unsigned)kind, (unsigned long long)elr, (unsigned long long)far, line);
	/* A fault on the semihosting hlt itself means QEMU runs without -semihosting. */
	if (e.ec == AV_ESR_EC_UNKNOWN)
		port_puts("armvirt: (is QEMU running with -semihosting?)\n");
	port_exit(1);
}

static void log_to_console(enum av_log_level level, const char *line, void *cookie)
{
	static const char *const tag[] = { "error", "warn", "info", "debug" };
	(void)cookie;
	port_printf("armvirt: %s: %s\n", tag[level & 3], line);
}

/* ---- DTB discovery ---- */

static uint64_t fdt_cells(const fdt32_t *p, int cells)
{
	uint64_t v = 0;

	for (int i = 0; i < cells; i++)
		v = (v << 32) | fdt32_to_cpu(p[i]);
	return v;
}

/* Read reg entry @p idx of @p node (root-level address/size cells). */
static int fdt_reg(const void *fdt, int node, int idx, uint64_t *base, uint64_t *size)
{
	int parent = fdt_parent_offset(fdt, node);
	int ac = fdt_address_cells(fdt, parent), sc = fdt_size_cells(fdt, parent);
	int len;
	const fdt32_t *reg = fdt_getprop(fdt, node, "reg", &len);

	if (!reg || ac < 1 || ac > 2 || sc < 0 || sc > 2 || len < (idx + 1) * (ac + sc) * 4)
		return -1;
	reg += idx * (ac + sc);
	*base = fdt_cells(reg, ac);
	*size = sc ? fdt_cells(reg + ac, sc) : 0;
	return 0;
}

static void discover(const void *fdt)
{
	int node, len;
	uint64_t size;

	platform.dtb = fdt;
	platform.image_start = (uint64_t)(uintptr_t)__image_start;
	platform.image_end = (uint64_t)(uintptr_t)__image_end;

	/* Console: /chosen/stdout-path, else the first arm,pl011. */
	node = -1;
	{
		int chosen = fdt_path_offset(fdt, "/chosen");
		const char *path = chosen >= 0 ? fdt_getprop(fdt, chosen, "stdout-path", &len) : NULL;
		if (path) {
			int n = (int)strnlen(path, (size_t)len);
			const char *colon = memchr(path, ':', (size_t)n);
			/* A full path only: libfdt 1.6.1 follows aliases without a depth limit. */
			if (n > 0 && path[0] == '/')
				node = fdt_path_offset_namelen(fdt, path, colon ? (int)(colon - path) : n);
		}
	}
	if (node < 0)
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,pl011");
	if (node >= 0)
		fdt_reg(fdt, node, 0, &platform.uart_base, &size);

	node = fdt_node_offset_by_prop_value(fdt, -1, "device_type", "memory", sizeof("memory"));
	if (node >= 0)
		fdt_reg(fdt, node, 0, &platform.ram_base, &platform.ram_size);

	node = fdt_node_offset_by_compatible(fdt, -1, "arm,gic-v3");
	if (node >= 0) {
		platform.gic_version = 3;
		fdt_reg(fdt, node, 0, &platform.gicd_base, &size);
		fdt_reg(fdt, node, 1, &platform.gicr_base, &platform.gicr_size);
	} else {
		node = fdt_node_offset_by_compatible(fdt, -1, "arm,cortex-a15-gic");
		if (node >= 0) {
			platform.gic_version = 2;
			fdt_reg(fdt, node, 0, &platform.gicd_base, &size);
			fdt_reg(fdt, node, 1, &platform.gicc_base, &size);
			fdt_reg(fdt, node, 2, &platform.gich_base, &size);
			fdt_reg(fdt, node, 3, &platform.gicv_base, &size);
		}
	}

	int cpus = fdt_path_offset(fdt, "/cpus");
	if (cpus >= 0) {
		fdt_for_each_subnode(node, fdt, cpus) {
			const char *type = fdt_getprop(fdt, node, "device_type", NULL);
			uint64_t mpidr;
			if (!type || strcmp(type, "cpu") != 0 || platform.ncpus >= PORT_MAX_CPUS)
				continue;
			if (fdt_reg(fdt, node, 0, &mpidr, &size) == 0)
				platform.mpidr[platform.ncpus++] = mpidr;
		}
	}

	node = fdt_node_offset_by_compatible(fdt, -1, "arm,psci-0.2");
	if (node >= 0) {
		const char *method = fdt_getprop(fdt, node, "method", NULL);
		platform.psci_smc = method && strcmp(method, "smc") == 0;
	}
}

void port_primary_main(const void *dtb)
{
	int rc;

	if (fdt_check_header(dtb) != 0) {
		/* No console is known without a DTB; end the run with a distinctive status. */
		port_exit(3);
	}
	discover(dtb);
	/* libfdt is done: from here on the hypervisor never touches FP/SIMD registers. */
	port_mmu_build(&platform);
	port_mmu_enable();
	av_log_set_hook(log_to_console, AV_LOG_INFO, NULL);
	if (!platform.gic_version || !platform.ncpus)
		port_panic("the DTB describes no GIC or no CPU");
	port_gic_init(&platform);
	port_cpu_setup(0, platform.mpidr[0]);
	rc = hyp_main(&platform);
	port_exit(rc);
}

void port_secondary_main(uint64_t cpu)
{
	port_mmu_enable();
	port_cpu_setup((unsigned)cpu, platform.mpidr[cpu]);
	hyp_secondary_main(&platform, (unsigned)cpu);
}

__attribute__((weak)) void hyp_secondary_main(const struct port_platform *plat, unsigned cpu)
{
	(void)plat;
	(void)cpu;
	port_irq_unmask();
	for (;;)
		port_wfi();
}
