/* SPDX-License-Identifier: MIT */
/*
 * Per-CPU data, secondary CPU bring-up through PSCI, IPIs, the EL2 physical timer, the
 * spinlock primitive and the arch layer's EL2 interrupt/fault hooks.
 */
#include <armvirt/esr.h>
#include <armvirt/traps.h>

#include "port.h"

/* PSCI 0.2+ function IDs (Arm DEN 0022, SMC64 calling convention). */
#define PSCI_CPU_ON_64 0xc4000003u

static struct port_cpu cpus[PORT_MAX_CPUS];
static port_irq_fn irq_handler;
static void *irq_cookie;

extern char port_secondary_entry[];

struct port_cpu *port_cpu(unsigned index)
{
	return &cpus[index];
}

void port_cpu_setup(unsigned index, uint64_t mpidr)
{
	struct port_cpu *c = &cpus[index];

	c->index = index;
	c->mpidr = mpidr;
	/* TPIDR_EL2 -> c->arch (first member, so it is also c), VBAR_EL2 -> arch vectors. */
	av_arch_cpu_init(&c->arch, index);
	port_gic_cpu_init(c);
	/* Physical IRQs/FIQs/SErrors are taken to EL2 only when routed there: with IMO = 0 they
	 * would target EL1 and stay masked while the hypervisor runs. A vCPU's HCR_EL2 (loaded
	 * by the arch layer) keeps the routing. */
	__asm__ volatile("msr hcr_el2, %0; isb"
			 : : "r"((uint64_t)(AV_HCR_RW | AV_HCR_IMO | AV_HCR_FMO | AV_HCR_AMO)));
	/* The hypervisor's own tick and IPIs, taken when it runs with IRQs unmasked. */
	port_irq_enable(PORT_SGI_KICK);
	port_irq_enable(PORT_PPI_HYP_TIMER);
	__atomic_store_n(&c->online, true, __ATOMIC_RELEASE);
}

static uint64_t smc_call(uint64_t fn, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t x0 __asm__("x0") = fn;
	register uint64_t x1 __asm__("x1") = a1;
	register uint64_t x2 __asm__("x2") = a2;
	register uint64_t x3 __asm__("x3") = a3;

	/* SMCCC: x0-x17 may be clobbered by the callee. */
	__asm__ volatile("smc #0"
			 : "+r"(x0), "+r"(x1), "+r"(x2), "+r"(x3)
			 :
			 : "x4", "x5", "x6", "x7", "x8", "x9", "x10", "x11", "x12", "x13", "x14",
			   "x15", "x16", "x17", "memory");
	return x0;
}

int port_cpu_on(const struct port_platform *p, unsigned index)
{
	int64_t rc;

	if (index == 0 || index >= p->ncpus)
		return -1;
	if (!p->psci_smc)
		return -2; /* the firmware's conduit must be SMC: an HVC at EL2 would trap to us */
	cpus[index].mpidr = p->mpidr[index];
	/* Entry is a physical address: the image is identity-mapped. Context id = index. */
	rc = (int64_t)smc_call(PSCI_CPU_ON_64, p->mpidr[index],
			       (uint64_t)(uintptr_t)port_secondary_entry, index);
	return (int)rc;
}

bool port_cpu_online(unsigned index)
{
	return __atomic_load_n(&cpus[index].online, __ATOMIC_ACQUIRE);
}

void port_kick(unsigned cpu)
{
	port_send_sgi(cpu, PORT_SGI_KICK);
}

void port_irq_set_handler(port_irq_fn fn, void *cookie)
{
	irq_cookie = cookie;
	irq_handler = fn;
}

/* ---- spinlock (test-and-set with acquire/release; WFE while contended) ---- */

void port_spin_lock(struct port_spinlock *l)
{
	while (__atomic_exchange_n(&l->locked, 1u, __ATOMIC_ACQUIRE)) {
		while (__atomic_load_n(&l->locked, __ATOMIC_RELAXED))
			__asm__ volatile("wfe");
	}
}

void port_spin_unlock(struct port_spinlock *l)
{
	__atomic_store_n(&l->locked, 0u, __ATOMIC_RELEASE);
	/* Wake CPUs waiting in WFE (a store-release clears their monitors only sometimes). */
	__asm__ volatile("dsb ish; sev" : : : "memory");
}

/* ---- EL2 physical timer (CNTHP_*_EL2, PPI 26) ---- */

uint64_t port_counter(void)
{
	uint64_t v;

	__asm__ volatile("isb; mrs %0, cntpct_el0" : "=r"(v));
	return v;
}

uint64_t port_counter_freq(void)
{
	uint64_t v;

	__asm__ volatile("mrs %0, cntfrq_el0" : "=r"(v));
	return v;
}

void port_timer_arm(uint64_t ticks)
{
	__asm__ volatile("msr cnthp_cval_el2, %0" : : "r"(port_counter() + ticks));
	__asm__ volatile("msr cnthp_ctl_el2, %0; isb" : : "r"((uint64_t)1)); /* ENABLE, unmasked */
}

void port_timer_cancel(void)
{
	__asm__ volatile("msr cnthp_ctl_el2, xzr; isb");
}

/* ---- arch-layer hooks ---- */

void av_arch_hyp_irq(bool fiq)
{
	uint32_t iar = port_irq_ack();
	unsigned intid = port_irq_intid(iar);

	(void)fiq;
	if (intid >= 1020)
		return; /* spurious */
	if (intid == PORT_PPI_HYP_TIMER)
		port_timer_cancel(); /* level-sensitive: quiet it before deactivation */
	if (irq_handler)
		irq_handler(intid, irq_cookie);
	port_irq_deactivate(iar);
}

void av_arch_hyp_fault(const struct av_arch_fault *f)
{
	port_el2_fault(f->vector, f->esr, f->elr, f->far);
}
