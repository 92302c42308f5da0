/* SPDX-License-Identifier: MIT */
/*
 * The EL1 guest runtime shared by the guest test programs: console, checks, exception
 * handling, DTB discovery, PSCI/hypercalls, GIC and timer helpers. Everything runs with
 * the MMU off (all data accesses are Device-nGnRnE), so every access must be aligned and
 * cross-vCPU communication uses plain volatile accesses with barriers, never exclusives.
 */
#ifndef ARMVIRT_GUEST_RT_H
#define ARMVIRT_GUEST_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RT_MAX_CPUS 8

/* ---- the VM layout of the contract (QEMU virt) ---- */
#define RT_UART_BASE      0x09000000ul
#define RT_UNMAPPED_IPA   0x0c000000ul
#define RT_VTIMER_INTID   27u

/* ---- SMCCC / PSCI function IDs and return codes ---- */
#define SMCCC_VERSION         0x80000000u
#define PSCI_VERSION          0x84000000u
#define PSCI_CPU_OFF          0x84000002u
#define PSCI_CPU_ON_64        0xC4000003u
#define PSCI_AFFINITY_INFO_64 0xC4000004u
#define PSCI_SYSTEM_OFF       0x84000008u
#define PSCI_FEATURES         0x8400000Au
#define ARMVIRT_HC_ECHO       0xC6000001u
#define ARMVIRT_HC_YIELD      0xC6000002u

#define SMCCC_RET_NOT_SUPPORTED  (-1L)
#define PSCI_RET_SUCCESS            0L
#define PSCI_RET_NOT_SUPPORTED     (-1L)
#define PSCI_RET_INVALID_PARAMS    (-2L)
#define PSCI_RET_DENIED            (-3L)
#define PSCI_RET_ALREADY_ON        (-4L)
#define PSCI_RET_ON_PENDING        (-5L)

#define PSCI_AFF_ON         0
#define PSCI_AFF_OFF        1
#define PSCI_AFF_ON_PENDING 2

/* ---- system registers ---- */
#define read_sysreg(r) ({ uint64_t v_; __asm__ volatile("mrs %0, " #r : "=r"(v_)); v_; })
#define write_sysreg(r, v) __asm__ volatile("msr " #r ", %0" : : "r"((uint64_t)(v)) : "memory")
#define isb() __asm__ volatile("isb" : : : "memory")
#define dsb(opt) __asm__ volatile("dsb " #opt : : : "memory")
#define dmb(opt) __asm__ volatile("dmb " #opt : : : "memory")

static inline uint64_t field(uint64_t v, unsigned lsb, unsigned width)
{
	return (v >> lsb) & ((1ull << width) - 1);
}

/* ---- MMIO ---- */
static inline uint32_t mmio_read32(uint64_t a) { return *(volatile uint32_t *)a; }
static inline uint64_t mmio_read64(uint64_t a) { return *(volatile uint64_t *)a; }
static inline uint8_t mmio_read8(uint64_t a) { return *(volatile uint8_t *)a; }
static inline void mmio_write32(uint64_t a, uint32_t v) { *(volatile uint32_t *)a = v; }
static inline void mmio_write8(uint64_t a, uint8_t v) { *(volatile uint8_t *)a = v; }

/* ---- console and reporting ---- */
void rt_putc(char c);
void rt_puts(const char *s);
void rt_vprintf(const char *fmt, va_list ap);
void rt_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Checks. Each prints "PASS <prog>.<name>" or "FAIL <prog>.<name>: <detail>". A skip prints
 * "SKIP <prog>.<name>: <why>" and is only allowed when not under armvirt: under armvirt
 * rt_skip() reports a FAIL instead (nothing may be skipped silently there).
 */
bool rt_check(bool ok, const char *name, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void rt_pass(const char *name);
void rt_fail(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void rt_skip(const char *name, const char *why);
/* Prints the program's summary line ("PASS <prog>" or "FAIL <prog>: ...") and powers off. */
__attribute__((noreturn)) void rt_finish(void);
/* Whether the VM has at least `n` vCPUs; if not, a FAIL "cpus" under armvirt, else a SKIP. */
bool rt_need_cpus(unsigned n);
__attribute__((noreturn)) void rt_poweroff(void);

/* ---- the platform, from the DTB ---- */
struct rt_platform {
	uint64_t dtb;                /* the DTB's address, as the boot code received it */
	bool dtb_ok;
	bool armvirt_model;          /* root model = "armvirt" */
	bool psci_smc;               /* psci method = "smc" */
	int gic_version;             /* 2 or 3, 0 = not found */
	uint64_t gicd, gicr, gicr_size, gicc;
	unsigned ncpus;
	uint64_t mpidr[RT_MAX_CPUS]; /* affinity fields, in DTB order */
	uint32_t vtimer_intid;
	char model[40];
};
extern struct rt_platform rt_plat;
extern bool rt_armvirt;              /* running under the armvirt hypervisor */
extern const char *rt_prog;          /* the program's name, set by the program */

int rt_dt_parse(uint64_t dtb);       /* fills rt_plat; 0 or a negative error */
uint32_t rt_be32(const uint8_t *p);  /* a big-endian DTB cell */
uint64_t rt_dt_cells(const uint8_t *p, uint32_t n); /* n cells as one number */

/*
 * The DTB walker under rt_dt_parse() and the IVC scan: it keeps, per open node, its name,
 * depth, parent and the properties every client reads (compatible, reg, interrupts, and the
 * #address-cells/#size-cells its children use); each property is then offered to the
 * client's prop() too. Clients keep anything else per depth (n->depth < RT_DT_MAX_DEPTH).
 */
#define RT_DT_MAX_DEPTH 16
struct rt_dt_node {
	const char *name;
	unsigned depth;                   /* 0: the root */
	const struct rt_dt_node *parent;  /* NULL for the root */
	const char *compat;
	const uint8_t *reg, *intr;
	uint32_t compat_len, reg_len, intr_len;
	uint32_t ac, sc;                  /* cells for the children (2 and 1 by default) */
};
struct rt_dt_walker {
	void (*begin)(const struct rt_dt_node *n, void *ctx);   /* after the node's name */
	void (*prop)(const struct rt_dt_node *n, const char *name, const uint8_t *val,
		     uint32_t len, void *ctx);
	void (*end)(const struct rt_dt_node *n, void *ctx);     /* all properties and children seen */
	void *ctx;
};
/* 0, or a negative error (bad header or size, too deep, a malformed token stream). */
int rt_dt_walk(uint64_t dtb, const struct rt_dt_walker *w, uint32_t *totalsize);
bool rt_dt_strlist_has(const char *list, uint32_t len, const char *want);
unsigned rt_cpu_index(void);         /* this vCPU's index into rt_plat.mpidr */
uint64_t rt_mpidr_aff(void);         /* this vCPU's MPIDR affinity fields */

/* ---- calls to the hypervisor / firmware ---- */
struct smccc_res { uint64_t a0, a1, a2, a3; };
/* hvc #0 with x0..x3; x4..x17 treated as clobbered. */
struct smccc_res rt_hvc(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
/* A PSCI call through the DTB's conduit. */
int64_t rt_psci(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3);
/* Number of hvc/smc instructions that were UNDEFINED (no EL2/EL3 behind them); each returns -1. */
extern volatile unsigned rt_undef_calls;

/* ---- secondary vCPUs ---- */
typedef void (*rt_secondary_fn)(unsigned cpu);
/* PSCI CPU_ON of vCPU `cpu` (index into rt_plat.mpidr) running fn(cpu) on its own stack. */
int64_t rt_cpu_on(unsigned cpu, rt_secondary_fn fn);
/* Called on a secondary when fn returns, or directly: PSCI CPU_OFF. */
__attribute__((noreturn)) void rt_cpu_off(void);
/* Masks interrupts and sleeps forever (also a harmless CPU_ON entry point). */
__attribute__((noreturn)) void rt_park(void);

/* IRQ hook, per vCPU: called with the acknowledged INTID (the runtime does EOI afterwards). */
typedef void (*rt_irq_fn)(uint32_t intid, uint32_t iar);
/*
 * Starts vCPU `cpu` (rt/smp.c): PSCI CPU_ON; the secondary initialises its GIC interface,
 * installs `irq` as its IRQ hook, enables SGI `sgi` (priority 0x80), unmasks IRQs and runs
 * body(cpu) (PSCI CPU_OFF when it returns). Waits up to 1 s for it to come up and reports the
 * checks "cpu_on" and "secondary_up"; returns whether both passed.
 */
bool rt_start_secondary(unsigned cpu, uint32_t sgi, rt_irq_fn irq, rt_secondary_fn body);

/* ---- exceptions ---- */
struct rt_frame {
	uint64_t x[31];
	uint64_t elr, spsr, esr, far;
	uint64_t pad;
};
/*
 * Probing: while armed on this vCPU, a synchronous exception other than an hvc/smc UNDEF is
 * recorded (count, ESR, FAR, ELR) and the faulting instruction is skipped instead of being
 * reported as unexpected.
 */
struct rt_probe {
	volatile unsigned count;
	volatile uint64_t esr, far, elr;
};
void rt_probe_arm(void);
void rt_probe_disarm(void);
extern struct rt_probe rt_probe_state[RT_MAX_CPUS];

/*
 * Synchronous exception hook, per vCPU: called first for an exception taken from EL1 (SP_ELx)
 * other than an hvc/smc UNDEF, and for one taken from AArch64 EL0. It returns true when it
 * handled the exception (it may change the frame, e.g. ELR or SPSR, which the return
 * restores), false to go on as without it.
 */
typedef bool (*rt_sync_fn)(struct rt_frame *f);
extern rt_sync_fn rt_sync_hook[RT_MAX_CPUS];

/* IRQ hook, per vCPU (rt_irq_fn above). */
extern rt_irq_fn rt_irq_hook[RT_MAX_CPUS];

static inline void irq_enable(void) { __asm__ volatile("msr daifclr, #2" : : : "memory"); }
static inline void irq_disable(void) { __asm__ volatile("msr daifset, #2" : : : "memory"); }

/* ---- GIC ---- */
void gic_init_dist(void);            /* once, on the boot vCPU */
int gic_init_cpu(void);              /* on each vCPU; 0 or -1 (no redistributor found) */
void gic_enable_private(uint32_t intid, uint8_t prio); /* SGI or PPI, this vCPU */
void gic_disable_private(uint32_t intid);
uint32_t gic_ack(void);              /* raw IAR */
void gic_eoi(uint32_t iar);
void gic_send_sgi(unsigned cpu, uint32_t intid);
uint64_t gic_redist_base(void);      /* this vCPU's RD_base (GICv3) */
/* GICv2: the CPU-interface target bit of vCPU `cpu` (known once it ran gic_init_cpu()). */
uint32_t gic_v2_cpumask(unsigned cpu);
/* GICv2: the CPU number vCPU `cpu` has as an SGI source (IAR CPUID), 0xff if not known. */
uint32_t gic_v2_cpu_number(unsigned cpu);

static inline void rt_sev(void) { __asm__ volatile("dsb sy\n\tsev" : : : "memory"); }
static inline void rt_wfe(void) { __asm__ volatile("wfe" : : : "memory"); }

/* ---- time ---- */
static inline uint64_t rt_cntvct(void) { isb(); return read_sysreg(cntvct_el0); }
/* Spin (no exits) until cond() or `us` microseconds of virtual counter time elapse. */
bool rt_wait_us(volatile uint32_t *flag, uint32_t want, uint64_t us);

/* ---- freestanding C library subset ---- */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
int strcmp(const char *a, const char *b);

/* Provided by each program. */
void test_main(void);

#endif
