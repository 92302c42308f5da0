/* SPDX-License-Identifier: MIT */
/**
 * @file port.h
 * @brief The qemu-virt bare-metal port: what a hypervisor built on armvirt gets from the board.
 *
 * Boot flow: start.S enters at EL2 with the board's DTB, sets up a stack and the port's
 * early vectors and calls port_primary_main(), which
 *  1. discovers the platform from the DTB (memory, CPUs, GIC, UART, PSCI conduit) with
 *     libfdt — the only time libfdt runs, so its FP/SIMD use never meets a guest's state;
 *  2. builds the EL2 stage-1 identity map and turns the MMU and caches on (port_mmu_*);
 *  3. initialises the distributor and this CPU (port_cpu_setup(): arch per-CPU block in
 *     TPIDR_EL2, arch vectors in VBAR_EL2, GIC CPU interface / redistributor);
 *  4. calls the application's hyp_main().
 * Secondary CPUs are started by the application with port_cpu_on() (PSCI CPU_ON through
 * SMC); each enters port_secondary_entry with its index as context id, gets its own stack,
 * turns its MMU on with the shared tables, runs port_cpu_setup() and calls
 * hyp_secondary_main() (weak default: idle in WFI with interrupts unmasked).
 * Pass/fail leaves QEMU through semihosting (port_exit()).
 */
#ifndef ARMVIRT_PORT_QEMU_VIRT_H
#define ARMVIRT_PORT_QEMU_VIRT_H

#include <stdbool.h>
#include <stdint.h>

#include <armvirt/arch/aarch64.h>

/** The most CPUs the port starts. */
#define PORT_MAX_CPUS 8

/** SGI the port uses to kick another CPU (port_kick()). */
#define PORT_SGI_KICK 1u
/** PPI of the EL2 physical timer (CNTHP), the hypervisor's own tick. */
#define PORT_PPI_HYP_TIMER 26u
/** PPI of the EL1 virtual timer (CNTV), the guest's timer. */
#define PORT_PPI_VTIMER 27u
/** PPI of the GIC virtual interface maintenance interrupt. */
#define PORT_PPI_GIC_MAINT 25u
/** PPI of the PMUv3 overflow interrupt (QEMU virt: PPI 7). */
#define PORT_PPI_PMU 23u

/** The board as the DTB describes it. */
struct port_platform {
	const void *dtb;         /**< QEMU's device tree */
	uint64_t ram_base;       /**< first memory node */
	uint64_t ram_size;       /**< its size in bytes */
	uint64_t image_start;    /**< this image's footprint, which must stay the hypervisor's */
	uint64_t image_end;      /**< end of the footprint (exclusive) */
	uint64_t uart_base;      /**< the PL011 /chosen/stdout-path names */
	unsigned gic_version;    /**< 2 or 3 */
	uint64_t gicd_base;      /**< GIC distributor */
	uint64_t gicr_base;      /**< GICv3 redistributors */
	uint64_t gicr_size;      /**< size of the redistributor region */
	uint64_t gicc_base;      /**< GICv2 CPU interface */
	uint64_t gich_base;      /**< GICv2 virtual interface control */
	uint64_t gicv_base;      /**< GICv2 virtual CPU interface */
	unsigned ncpus;          /**< CPUs in the DTB (at most #PORT_MAX_CPUS) */
	uint64_t mpidr[PORT_MAX_CPUS]; /**< their MPIDR_EL1 affinity values */
	bool psci_smc;           /**< PSCI conduit is SMC (true with virtualization=on) */
};

/** Per-CPU data; TPIDR_EL2 points to it (the arch block is first). */
struct port_cpu {
	struct av_arch_cpu arch; /**< the arch layer's per-CPU block (must stay first) */
	unsigned index;          /**< logical CPU number (DTB order) */
	uint64_t mpidr;          /**< MPIDR_EL1 affinity from the DTB */
	uint64_t gicr;           /**< GICv3: this CPU's redistributor RD_base */
	uint32_t gic_cpu_mask;   /**< GICv2: this CPU interface's ITARGETSR bit */
	bool online;             /**< set once port_cpu_setup() finished */
	void *app;               /**< free for the application */
};

/** A spinlock for the port and applications (test-and-set, WFE while contended). */
struct port_spinlock {
	uint32_t locked; /**< 0 free, 1 held */
};

/**
 * Provided by the application: runs on the primary CPU after discovery. Returns the exit code.
 * @param plat the platform found in the DTB
 * @return the exit code, passed to port_exit()
 */
int hyp_main(const struct port_platform *plat);

/**
 * May be provided by the application: runs on secondary CPU @p cpu once it is set up.
 * The port's weak default idles in WFI with interrupts unmasked.
 * @param plat the platform found in the DTB
 * @param cpu this CPU's index
 */
__attribute__((noreturn)) void hyp_secondary_main(const struct port_platform *plat, unsigned cpu);

/**
 * Console output (polled PL011).
 * @param c the character
 */
void port_putc(char c);
/**
 * Write a string to the console.
 * @param s NUL-terminated string
 */
void port_puts(const char *s);
/** One piece of port_writev(). */
struct port_iov {
	const char *base; /**< bytes */
	size_t len;       /**< how many */
};
/**
 * Write pieces of text to the console as one unit (no other output in between), the bytes
 * as they are (a line ends with "\r\n": give both), without a call per byte: for output
 * that comes in bulk (a guest's console).
 * @param iov the pieces
 * @param n   how many
 */
void port_writev(const struct port_iov *iov, unsigned n);
/**
 * Format to the console (armvirt's formatter, av_vsnprintf()).
 * @param fmt printf-style format
 */
void port_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * End the run: QEMU exits with @p code through semihosting (needs -semihosting).
 * @param code exit status (0: pass)
 */
__attribute__((noreturn)) void port_exit(int code);

/**
 * Print a message and end the run with status 1.
 * @param msg one-line message
 */
__attribute__((noreturn)) void port_panic(const char *msg);

/**
 * Called by the port's vectors for an exception the hypervisor did not expect.
 * @param kind the EL2 vector entry taken
 * @param esr ESR_EL2
 * @param elr ELR_EL2
 * @param far FAR_EL2
 */
__attribute__((noreturn)) void port_el2_fault(uint64_t kind, uint64_t esr, uint64_t elr,
					      uint64_t far);

/**
 * C entry points from start.S.
 * @param dtb the board's DTB (X0 at entry)
 */
__attribute__((noreturn)) void port_primary_main(const void *dtb);
/**
 * C entry point of a secondary CPU from start.S.
 * @param cpu the CPU's index (the PSCI CPU_ON context id)
 */
__attribute__((noreturn)) void port_secondary_main(uint64_t cpu);

/* ---- CPUs ---- */

/**
 * The calling CPU's data (TPIDR_EL2).
 * @return this CPU's data
 */
static inline struct port_cpu *port_this_cpu(void)
{
	return (struct port_cpu *)(void *)av_arch_this_cpu();
}

/**
 * CPU @p index's data.
 * @param index CPU index
 * @return the CPU's data
 */
struct port_cpu *port_cpu(unsigned index);

/**
 * Set up the calling CPU (per-CPU block, arch vectors, GIC CPU interface, kick SGI).
 * @param index this CPU's index
 * @param mpidr the CPU's MPIDR_EL1 affinity
 */
void port_cpu_setup(unsigned index, uint64_t mpidr);

/**
 * Start secondary CPU @p index through PSCI CPU_ON (SMC conduit, function 0xC4000003) at
 * port_secondary_entry with context id @p index.
 * @param p the platform
 * @param index CPU index
 * @return the PSCI status (0 success), -1 bad index, -2 no SMC conduit
 */
int port_cpu_on(const struct port_platform *p, unsigned index);

/**
 * True once CPU @p index finished port_cpu_setup().
 * @param index CPU index
 * @return true once the CPU is online, else false
 */
bool port_cpu_online(unsigned index);

/**
 * Send the kick SGI (#PORT_SGI_KICK) to CPU @p cpu.
 * @param cpu the CPU to interrupt
 */
void port_kick(unsigned cpu);

/**
 * Send SGI @p sgi (0..15) to CPU @p cpu.
 * @param cpu the target CPU index
 * @param sgi SGI number (0..15)
 */
void port_send_sgi(unsigned cpu, unsigned sgi);

/**
 * Take a spinlock.
 * @param l the lock
 */
void port_spin_lock(struct port_spinlock *l);
/**
 * Release a spinlock.
 * @param l the lock
 */
void port_spin_unlock(struct port_spinlock *l);

/* ---- interrupts ---- */

/**
 * Handler of interrupts taken at EL2 while the hypervisor runs with IRQs unmasked (not of
 * those that end a guest's run: those come back as AV_ARCH_EXIT_IRQ). Called with the
 * interrupt acknowledged and its priority dropped; the port deactivates it afterwards.
 * Must not take the console lock (port_printf) if the interrupted code might hold it.
 */
typedef void (*port_irq_fn)(unsigned intid, void *cookie);
/**
 * Install the handler of interrupts taken at EL2.
 * @param fn the handler, NULL for none
 * @param cookie passed unchanged to @p fn
 */
void port_irq_set_handler(port_irq_fn fn, void *cookie);

/**
 * Enable (and give the default priority to) INTID @p intid at the physical GIC.
 * @param intid interrupt ID
 */
void port_irq_enable(unsigned intid);
/**
 * Disable INTID @p intid at the physical GIC.
 * @param intid interrupt ID
 */
void port_irq_disable(unsigned intid);

/**
 * Route SPI @p intid to CPU @p cpu (GICD_IROUTER on GICv3, GICD_ITARGETSR on GICv2).
 * @param intid interrupt ID
 * @param cpu the target CPU index
 */
void port_irq_route(unsigned intid, unsigned cpu);

/**
 * True if INTID @p intid is active at the physical GIC (this CPU's bank for SGIs/PPIs).
 * @param intid interrupt ID
 * @return true when the interrupt is active, else false
 */
bool port_irq_is_active(unsigned intid);

/**
 * Acknowledge the highest-priority pending interrupt and drop its priority (EOImode = 1).
 * @return the raw IAR value: pass it to port_irq_deactivate(); port_irq_intid() gives the
 *         INTID (1020..1023: nothing to acknowledge).
 */
uint32_t port_irq_ack(void);
/**
 * The INTID of a value from port_irq_ack().
 * @param iar the value port_irq_ack() returned
 * @return the INTID
 */
unsigned port_irq_intid(uint32_t iar);
/**
 * Deactivate an acknowledged interrupt (ICC_DIR_EL1 / GICC_DIR). Not for an interrupt
 * forwarded to a guest with a HW list register: the guest's EOI deactivates it.
 * @param iar the value port_irq_ack() returned
 */
void port_irq_deactivate(uint32_t iar);

/** Unmask / mask IRQs at EL2 (PSTATE.I). */
static inline void port_irq_unmask(void)
{
	__asm__ volatile("msr daifclr, #2" : : : "memory");
}

/** Mask IRQs at EL2 (PSTATE.I = 1). */
static inline void port_irq_mask(void)
{
	__asm__ volatile("msr daifset, #2" : : : "memory");
}

/** Wait for an interrupt (WFI); returns when one is pending, masked or not. */
static inline void port_wfi(void)
{
	__asm__ volatile("dsb sy; wfi" : : : "memory");
}

/* ---- the EL2 physical timer ---- */

/**
 * CNTPCT_EL0.
 * @return CNTPCT_EL0
 */
uint64_t port_counter(void);
/**
 * CNTFRQ_EL0 (62.5 MHz on QEMU virt).
 * @return CNTFRQ_EL0 in Hz
 */
uint64_t port_counter_freq(void);
/**
 * Fire PPI 26 (CNTHP) @p ticks from now.
 * @param ticks counter ticks from now
 */
void port_timer_arm(uint64_t ticks);
/** Disable the CNTHP timer. */
void port_timer_cancel(void);

/* ---- internal to the port (boot) ---- */
/**
 * Build the EL2 stage-1 identity map of @p p's RAM and devices.
 * @param p the platform
 */
void port_mmu_build(const struct port_platform *p);
/** Turn this CPU's EL2 MMU and caches on with the shared tables. */
void port_mmu_enable(void);
/**
 * Initialise the physical GIC's distributor.
 * @param p the platform
 */
void port_gic_init(const struct port_platform *p);
/**
 * Initialise this CPU's GIC CPU interface or redistributor.
 * @param c this CPU's data
 */
void port_gic_cpu_init(struct port_cpu *c);

/**
 * Read a 32-bit device register.
 * @param addr physical address of the register
 * @return the 32-bit value read
 */
static inline uint32_t port_read32(uint64_t addr)
{
	return *(volatile uint32_t *)(uintptr_t)addr;
}

/**
 * Write a 32-bit device register.
 * @param addr physical address of the register
 * @param v the value
 */
static inline void port_write32(uint64_t addr, uint32_t v)
{
	*(volatile uint32_t *)(uintptr_t)addr = v;
}

#endif
