/* SPDX-License-Identifier: MIT */
/* EL1 guest runtime: console, reporting, exceptions, PSCI/hypercalls, secondary vCPUs. */
#include "rt.h"

struct rt_platform rt_plat;
bool rt_armvirt;
volatile unsigned rt_undef_calls;
struct rt_probe rt_probe_state[RT_MAX_CPUS];
rt_sync_fn rt_sync_hook[RT_MAX_CPUS];
rt_irq_fn rt_irq_hook[RT_MAX_CPUS];

static volatile bool probe_armed[RT_MAX_CPUS];
static rt_secondary_fn secondary_fn[RT_MAX_CPUS];
static unsigned checks_failed, checks_passed, checks_skipped;

void rt_secondary_entry(void);
void rt_primary_main(uint64_t dtb);
void rt_secondary_main(uint64_t cpu);
void rt_exception(struct rt_frame *f, uint64_t kind);

/* ---- console (PL011) ---- */
#define UART_DR 0x000
#define UART_FR 0x018
#define UART_FR_TXFF (1u << 5)

void rt_putc(char c)
{
	while (mmio_read32(RT_UART_BASE + UART_FR) & UART_FR_TXFF)
		;
	mmio_write32(RT_UART_BASE + UART_DR, (uint8_t)c);
}

void rt_puts(const char *s)
{
	while (*s)
		rt_putc(*s++);
}

static void put_num(uint64_t v, unsigned base, bool neg, unsigned width, char pad)
{
	char buf[24];
	unsigned n = 0;

	do {
		unsigned d = (unsigned)(v % base);

		buf[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
		v /= base;
	} while (v);
	if (neg)
		buf[n++] = '-';
	while (width > n) {
		rt_putc(pad);
		width--;
	}
	while (n)
		rt_putc(buf[--n]);
}

/* %c %s %d %i %u %x %p, flag 0, a width, length l / ll / z. */
void rt_vprintf(const char *fmt, va_list ap)
{
	for (; *fmt; fmt++) {
		unsigned width = 0, lng = 0;
		char pad = ' ';

		if (*fmt != '%') {
			rt_putc(*fmt);
			continue;
		}
		fmt++;
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (unsigned)(*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			lng++;
			fmt++;
		}
		switch (*fmt) {
		case 'c':
			rt_putc((char)va_arg(ap, int));
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);

			rt_puts(s ? s : "(null)");
			break;
		}
		case 'd':
		case 'i': {
			int64_t v = lng ? va_arg(ap, int64_t) : va_arg(ap, int);

			put_num(v < 0 ? (uint64_t)-v : (uint64_t)v, 10, v < 0, width, pad);
			break;
		}
		case 'u':
			put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 10, false, width, pad);
			break;
		case 'x':
			put_num(lng ? va_arg(ap, uint64_t) : va_arg(ap, unsigned), 16, false, width, pad);
			break;
		case 'p':
			rt_puts("0x");
			put_num((uint64_t)va_arg(ap, void *), 16, false, width, pad);
			break;
		case '%':
			rt_putc('%');
			break;
		case '\0':
			return;
		default:
			rt_putc('%');
			rt_putc(*fmt);
			break;
		}
	}
}

void rt_printf(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	rt_vprintf(fmt, ap);
	va_end(ap);
}

/* ---- reporting ---- */
void rt_pass(const char *name)
{
	checks_passed++;
	rt_printf("PASS %s.%s\n", rt_prog, name);
}

static void vfail(const char *name, const char *fmt, va_list ap)
{
	checks_failed++;
	rt_printf("FAIL %s.%s: ", rt_prog, name);
	rt_vprintf(fmt, ap);
	rt_putc('\n');
}

void rt_fail(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
}

bool rt_check(bool ok, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (ok) {
		rt_pass(name);
		return true;
	}
	va_start(ap, fmt);
	vfail(name, fmt, ap);
	va_end(ap);
	return false;
}

void rt_skip(const char *name, const char *why)
{
	if (rt_armvirt) {
		rt_fail(name, "required check could not run under armvirt (%s)", why);
		return;
	}
	checks_skipped++;
	rt_printf("SKIP %s.%s: not under armvirt (%s)\n", rt_prog, name, why);
}

bool rt_need_cpus(unsigned n)
{
	if (rt_plat.ncpus >= n)
		return true;
	if (rt_armvirt)
		rt_fail("cpus", "the VM has %u vCPU(s), the test needs %u", rt_plat.ncpus, n);
	else
		rt_skip("cpus", "too few CPUs");
	return false;
}

void rt_finish(void)
{
	if (checks_failed)
		rt_printf("FAIL %s: %u of %u checks failed\n", rt_prog, checks_failed,
			  checks_failed + checks_passed);
	else if (checks_passed == 0 && checks_skipped == 0)
		rt_printf("FAIL %s: no check ran\n", rt_prog);
	else
		rt_printf("PASS %s (%u checks, %u skipped)\n", rt_prog, checks_passed, checks_skipped);
	rt_poweroff();
}

void rt_poweroff(void)
{
	rt_psci(PSCI_SYSTEM_OFF, 0, 0, 0);
	rt_printf("FAIL %s: PSCI SYSTEM_OFF returned\n", rt_prog);
	rt_park();
}

/* ---- SMCCC calls ---- */
struct smccc_res rt_hvc(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = a0;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("hvc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
			   "x14", "x15", "x16", "x17", "memory");
	return (struct smccc_res){ x0, x1, x2, x3 };
}

static struct smccc_res smc_call(uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = a0;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13",
			   "x14", "x15", "x16", "x17", "memory");
	return (struct smccc_res){ x0, x1, x2, x3 };
}

int64_t rt_psci(uint64_t fid, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct smccc_res r = rt_plat.psci_smc ? smc_call(fid, a1, a2, a3) : rt_hvc(fid, a1, a2, a3);

	return (int64_t)r.a0;
}

/* ---- vCPUs ---- */
unsigned rt_cpu_index(void)
{
	uint64_t aff = rt_mpidr_aff();

	for (unsigned i = 0; i < rt_plat.ncpus; i++)
		if (rt_plat.mpidr[i] == aff)
			return i;
	return 0;
}

uint64_t rt_mpidr_aff(void)
{
	return read_sysreg(mpidr_el1) & 0xff00ffffffull;
}

static unsigned this_cpu(void)
{
	uint64_t i = read_sysreg(tpidr_el1);

	return i < RT_MAX_CPUS ? (unsigned)i : 0;
}

int64_t rt_cpu_on(unsigned cpu, rt_secondary_fn fn)
{
	if (cpu >= rt_plat.ncpus)
		return PSCI_RET_INVALID_PARAMS;
	secondary_fn[cpu] = fn;
	dsb(sy);
	return rt_psci(PSCI_CPU_ON_64, rt_plat.mpidr[cpu], (uint64_t)rt_secondary_entry, cpu);
}

void rt_cpu_off(void)
{
	irq_disable();
	rt_psci(PSCI_CPU_OFF, 0, 0, 0);
	rt_printf("FAIL %s: PSCI CPU_OFF returned on vCPU %u\n", rt_prog, this_cpu());
	rt_poweroff();
}

void rt_secondary_main(uint64_t cpu)
{
	rt_secondary_fn fn;

	write_sysreg(tpidr_el1, cpu);
	dmb(sy);
	fn = secondary_fn[cpu];
	if (fn)
		fn((unsigned)cpu);
	rt_cpu_off();
}

bool rt_wait_us(volatile uint32_t *flag, uint32_t want, uint64_t us)
{
	uint64_t freq = read_sysreg(cntfrq_el0);
	uint64_t end = rt_cntvct() + (freq ? freq / 1000000 * us + 1 : us * 100);

	while (*flag != want) {
		if (rt_cntvct() > end)
			return false;
		/* A hint that lets a single-threaded emulator run the other vCPUs. */
		__asm__ volatile("yield" : : : "memory");
	}
	dmb(sy);
	return true;
}

/* ---- exceptions ---- */
void rt_probe_arm(void)
{
	unsigned c = this_cpu();

	rt_probe_state[c].count = 0;
	rt_probe_state[c].esr = rt_probe_state[c].far = rt_probe_state[c].elr = 0;
	probe_armed[c] = true;
	dsb(sy);
}

void rt_probe_disarm(void)
{
	probe_armed[this_cpu()] = false;
	dsb(sy);
}

static bool is_call_insn(uint64_t pc)
{
	uint32_t insn;

	if (pc & 3)
		return false;
	insn = *(volatile uint32_t *)pc;
	/* HVC #imm / SMC #imm: 1101 0100 000 imm16 000 1x */
	return (insn & 0xffe0001eu) == 0xd4000002u;
}

static const char *const kind_names[16] = {
	"sync/SP_EL0", "irq/SP_EL0", "fiq/SP_EL0", "serror/SP_EL0",
	"sync", "irq", "fiq", "serror",
	"sync/lower64", "irq/lower64", "fiq/lower64", "serror/lower64",
	"sync/lower32", "irq/lower32", "fiq/lower32", "serror/lower32",
};

void rt_exception(struct rt_frame *f, uint64_t kind)
{
	unsigned cpu = this_cpu();

	if (kind == 5) {
		uint32_t iar = gic_ack();
		uint32_t intid = iar & (rt_plat.gic_version == 3 ? 0xffffffu : 0x3ffu);

		if (intid >= 1020 && intid <= 1023)
			return;
		if (rt_irq_hook[cpu])
			rt_irq_hook[cpu](intid, iar);
		else
			rt_printf("FAIL %s: unexpected interrupt %u on vCPU %u\n", rt_prog, intid, cpu);
		gic_eoi(iar);
		return;
	}
	if (kind == 4) {
		uint64_t ec = f->esr >> 26;

		if (ec == 0 && is_call_insn(f->elr)) {
			/* hvc/smc with nothing behind it: behave like NOT_SUPPORTED. */
			rt_undef_calls++;
			f->x[0] = (uint64_t)SMCCC_RET_NOT_SUPPORTED;
			f->elr += 4;
			return;
		}
		if (rt_sync_hook[cpu] && rt_sync_hook[cpu](f))
			return;
		if (probe_armed[cpu]) {
			struct rt_probe *p = &rt_probe_state[cpu];

			p->count++;
			p->esr = f->esr;
			p->far = f->far;
			p->elr = f->elr;
			f->elr += 4;
			return;
		}
	}
	if (kind == 8 && rt_sync_hook[cpu] && rt_sync_hook[cpu](f))
		return;
	rt_printf("FAIL unexpected exception ESR=0x%lx ELR=0x%lx FAR=0x%lx (%s, vCPU %u, %s)\n",
		  f->esr, f->elr, f->far, kind_names[kind & 15], cpu, rt_prog);
	rt_poweroff();
}

/* ---- boot ---- */
void rt_primary_main(uint64_t dtb)
{
	struct smccc_res r;
	int rc;

	write_sysreg(tpidr_el1, 0);
	/* Position-dependent code: it must run where it was linked (0x40080000). */
	uint64_t here, linked;
	__asm__ volatile("adrp %0, __image_start\n\tadd %0, %0, :lo12:__image_start"
			 : "=r"(here));
	__asm__ volatile("ldr %0, =__image_start" : "=r"(linked));
	if (here != linked) {
		rt_printf("FAIL %s: loaded at 0x%lx, linked at 0x%lx\n", rt_prog, here, linked);
		rt_poweroff();
	}
	rc = rt_dt_parse(dtb);
	if (rc) {
		rt_printf("FAIL %s: no usable DTB at x0=0x%lx (error %d)\n", rt_prog, dtb, rc);
		rt_poweroff();
	}
	write_sysreg(tpidr_el1, rt_cpu_index());
	r = rt_hvc(ARMVIRT_HC_ECHO, 0x5a, 0xa5, 0x3c);
	rt_armvirt = rt_plat.armvirt_model ||
		     (r.a0 == 0 && r.a1 == 0x5a && r.a2 == 0xa5 && r.a3 == 0x3c);
	rt_printf("%s: EL1 guest test, model \"%s\", GICv%d, %u vCPU(s), timer INTID %u, %s\n",
		  rt_prog, rt_plat.model, rt_plat.gic_version, rt_plat.ncpus,
		  rt_plat.vtimer_intid, rt_armvirt ? "under armvirt" : "not under armvirt");
	if (rt_plat.gic_version != 2 && rt_plat.gic_version != 3) {
		rt_printf("FAIL %s: no GIC node in the DTB\n", rt_prog);
		rt_poweroff();
	}
	test_main();
	rt_finish();
}
