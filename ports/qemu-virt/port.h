/* SPDX-License-Identifier: MIT */
/**
 * @file port.h
 * @brief The qemu-virt bare-metal port: what a hypervisor built on armvirt gets from the board.
 *
 * Boot flow: start.S enters at EL2 with the board's DTB, sets up a stack and vectors and calls
 * port_primary_main(), which discovers the platform from the DTB (memory, CPUs, GIC, UART,
 * timer), brings up the console and the armvirt log hook, then calls the application's
 * hyp_main(). Pass/fail leaves QEMU through semihosting (port_exit()).
 */
#ifndef ARMVIRT_PORT_QEMU_VIRT_H
#define ARMVIRT_PORT_QEMU_VIRT_H

#include <stdbool.h>
#include <stdint.h>

#define PORT_MAX_CPUS 8

/** The board as the DTB describes it. */
struct port_platform {
	const void *dtb;         /**< QEMU's device tree */
	uint64_t ram_base;       /**< first memory node */
	uint64_t ram_size;
	uint64_t image_start;    /**< this image's footprint, which must stay the hypervisor's */
	uint64_t image_end;
	uint64_t uart_base;      /**< the PL011 /chosen/stdout-path names */
	unsigned gic_version;    /**< 2 or 3 */
	uint64_t gicd_base;
	uint64_t gicr_base;      /**< GICv3 redistributors */
	uint64_t gicr_size;
	uint64_t gicc_base;      /**< GICv2 CPU interface */
	uint64_t gich_base;      /**< GICv2 virtual interface control */
	uint64_t gicv_base;      /**< GICv2 virtual CPU interface */
	unsigned ncpus;
	uint64_t mpidr[PORT_MAX_CPUS];
	bool psci_smc;           /**< PSCI conduit is SMC (true with virtualization=on) */
};

/** Provided by the application: runs on the primary CPU after discovery. Returns the exit code. */
int hyp_main(const struct port_platform *plat);

/** Console output (polled PL011). */
void port_putc(char c);
void port_puts(const char *s);
void port_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/** End the run: QEMU exits with @p code through semihosting (needs -semihosting). */
__attribute__((noreturn)) void port_exit(int code);

/** Print a message and end the run with status 1. */
__attribute__((noreturn)) void port_panic(const char *msg);

/** Called by the port's vectors for an exception the hypervisor did not expect. */
__attribute__((noreturn)) void port_el2_fault(uint64_t kind, uint64_t esr, uint64_t elr,
					      uint64_t far);

/** C entry points from start.S. */
__attribute__((noreturn)) void port_primary_main(const void *dtb);
__attribute__((noreturn)) void port_secondary_main(uint64_t cpu);

/** Read-modify-free MMIO accessors. */
static inline uint32_t port_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

static inline void port_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

#endif
