/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm, running vCPUs: kicks and wake-ups, physical interrupts, the EL2 timer, the per-vCPU
 * run loop (bm_vcpu_run()), the save half of the world switch (vcpu_unload()) and the
 * per-pCPU scheduler loop (pcpu_loop()).
 */
#include "bm_internal.h"

/*
 * Per pCPU: a kick SGI sent to it asks for a scheduling decision (sched_kick()), not only a
 * flush of its running vCPU's vGIC state (bm_vgic_kick(), which sets that vCPU's vgic_dirty
 * first). Apart from struct bm_pcpu, whose layout the world switch's figures depend on.
 */
static bool kick_resched[PORT_MAX_CPUS];

static inline void arm_el2_timer(unsigned self, struct bm_vcpu *bv);

/* Make pCPU @cpu take a scheduling decision: a kick SGI, or a flag for this one. */
void sched_kick(unsigned cpu)
{
	if (cpu == AV_SCHED_NO_CPU)
		return;
	if (cpu == port_this_cpu()->index) {
		pcpus[cpu].resched = true;
		av_arch_cpu_request(); /* the running vCPU comes back to bm_vcpu_run() */
	} else {
		__atomic_store_n(&kick_resched[cpu], true, __ATOMIC_RELEASE);
		port_kick(cpu);
	}
}

/*
 * vGIC: an interrupt became deliverable to vCPU @idx. Wake it (the scheduler names the
 * pCPU to reschedule, if any); if it is running on another pCPU, kick that pCPU so the
 * vCPU exits and its next entry flushes the list registers.
 */
void bm_vgic_kick(void *cookie, unsigned idx)
{
	struct bm_vm *vm = cookie;
	struct bm_vcpu *bv = &vm->vcpus[idx];
	unsigned kick = AV_SCHED_NO_CPU, self = port_this_cpu()->index;

	__atomic_store_n(&bv->vgic_dirty, true, __ATOMIC_RELEASE);
	/* Raised by the library's fast path for the vCPU running here: it comes back to
	 * bm_vcpu_run() to flush (av_arch_cpu_request()). Another pCPU's gets a kick below. */
	if (pcpus[self].cur == bv)
		av_arch_cpu_request();
	if (!bv->added)
		return;
	av_sched_wake(&sched, &bv->se, &kick);
	if (kick == AV_SCHED_NO_CPU) {
		if (__atomic_load_n(&bv->se.state, __ATOMIC_ACQUIRE) == AV_SCHED_RUNNING) {
			unsigned cpu = __atomic_load_n(&bv->se.cpu, __ATOMIC_ACQUIRE);

			if (cpu != self)
				port_kick(cpu);
		}
		return;
	}
	if (kick == self) {
		struct bm_vcpu *cur = pcpus[kick].cur;

		/* This pCPU runs something of at least its priority: no preemption, only the
		 * end of the current slice to arm (av_sched_next_event() has it now). Armed
		 * here, EL2's own timer: the running vCPU (on the library's fast path, an IVC
		 * call) need not come back to the run loop for it. */
		if (cur && cur != bv && cur->se.prio >= bv->se.prio) {
			pcpus[kick].sched_ev_ok = false;
			arm_el2_timer(kick, cur);
			return;
		}
	}
	sched_kick(kick);
}

/* IVC doorbells: the receiver VM's interrupt (its vGIC routes it and kicks, above). */
static void bm_ivc_doorbell(void *cookie, unsigned vmid, uint32_t intid, enum av_ivc_db_op op)
{
	struct bm_vm *vm = &vms[vmid];

	(void)cookie;
	if (!vm->started)
		return;
	if (op == AV_IVC_DB_PULSE)
		av_vgic_pulse(&vm->vgic, 0, intid, NULL);
	else
		av_vgic_set_level(&vm->vgic, 0, intid, op == AV_IVC_DB_RAISE, NULL);
}

const struct av_ivc_ops bm_ivc_ops = { .doorbell = bm_ivc_doorbell };

/* ---------------------------------------------------------------------------------------
 * Interrupts (always taken by polling the GIC with IRQs masked)
 */

static bool logged_irq[1024 / 32 * 32];
uint64_t maint_taken[PORT_MAX_CPUS];

/* The bm_vcpu whose EL1/timer/GIC state is in this pCPU's registers, or NULL. */
static struct bm_vcpu *loaded_vcpu(const struct av_arch_cpu *cpu)
{
	if (!cpu->loaded)
		return NULL;
	return (struct bm_vcpu *)(void *)((char *)cpu->loaded - offsetof(struct bm_vcpu, arch));
}

/* CNTV_CTL_EL0 of the loaded vCPU says its virtual timer's line is high. */
static bool vtimer_firing(void)
{
	uint64_t ctl;

	__asm__ volatile("mrs %0, cntv_ctl_el0" : "=r"(ctl));
	return (ctl & (AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK | AV_CNT_CTL_ISTATUS)) ==
	       (AV_CNT_CTL_ENABLE | AV_CNT_CTL_ISTATUS);
}

static void bm_irq_handle(unsigned intid, uint32_t iar)
{
	unsigned self = port_this_cpu()->index;
	struct bm_pcpu *pc = &pcpus[self];
	struct bm_vcpu *bv;
	struct bm_vm *vm;

	switch (intid) {
	case PORT_PPI_VTIMER:
		/*
		 * The loaded vCPU's timer (a descheduled vCPU's is parked, disabled): leave the
		 * physical PPI active; the guest's EOI of the HW-linked virtual interrupt
		 * deactivates it. The line goes high in the vGIC; while the guest handles it
		 * (active) the physical PPI cannot fire again, and the vGIC forgets the line when
		 * the guest deactivates it. If the guest lowers the line itself (disables or
		 * masks the timer) before taking it, the vGIC's resample (bm_vgic_line_level())
		 * drops it and releases the physical PPI. A stale assertion is dropped here.
		 */
		bv = loaded_vcpu(av_arch_this_cpu());
		if (bv && vtimer_firing()) {
			pc->vtimer_left_active = true; /* vcpu_unload() looks at it */
			av_vgic_set_level(&bv->vm->vgic, bv->v.index, AV_VIRT_TIMER_VIRT_INTID, true,
					  NULL);
			return;
		}
		break;
	case PORT_PPI_HYP_TIMER:
		/* Shared by the scheduler (slices, deadlines) and the emulated EL1 physical
		 * timer of the running vCPU; re-armed before the next entry or idle. */
		port_timer_cancel();
		pc->armed = UINT64_MAX;
		pc->sched_ev_ok = false;
		pc->timer_dirty = true;
		if (pc->cur)
			av_vtimer_update(&pc->cur->v.vtimer, port_counter(), NULL);
		if (av_sched_tick(&sched, self, port_counter()) == 1)
			pc->resched = true;
		break;
	case PORT_PPI_GIC_MAINT:
		/* Level-sensitive while its condition holds: turn the requests off, the next
		 * av_vgic_flush() before entry asks again for what it still needs. */
		maint_taken[self]++;
		bv = pc->cur ? pc->cur : pc->parked;
		if (bv)
			bv->vm->vgic.lr_ops->set_maint(bv->vm->vgic.lr_cookie, bv->v.index, 0);
		break;
	case PORT_PPI_PMU:
		/* A guest counter overflowed: pmu.c clears the source, the line drops. */
		bm_pmu_irq(loaded_vcpu(av_arch_this_cpu()));
		break;
	case PORT_SGI_KICK:
		/* Something to schedule: pick again. Only something to deliver to the vCPU
		 * running here (vgic_dirty): the run loop flushes it and re-enters. An idle
		 * pCPU picks anyway. */
		if (__atomic_exchange_n(&kick_resched[self], false, __ATOMIC_ACQUIRE) || !pc->cur)
			pc->resched = true;
		break;
	case BM_UART_INTID:
		console_rx_irq();
		break;
	default:
		/* A passed-through SPI: forwarded HW-linked, the guest's EOI deactivates it. */
		vm = intid >= 32 ? pt_owner(intid) : NULL;
		if (vm && !__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE)) {
			av_vgic_pulse(&vm->vgic, 0, intid, NULL);
			return;
		}
		if (intid < BM_ARRAY_SIZE(logged_irq) && !logged_irq[intid]) {
			logged_irq[intid] = true;
			port_printf("armvirt-bm: unexpected interrupt %u on pCPU %u (logged once)\n",
				    intid, self);
		}
		break;
	}
	port_irq_deactivate(iar);
}

/* After a put: the physical virtual-timer PPI, if a guest left it active, is deactivated. */
static void vtimer_ppi_release(struct bm_pcpu *pc)
{
	if (!pc->vtimer_left_active)
		return;
	pc->vtimer_left_active = false;
	if (port_irq_is_active(PORT_PPI_VTIMER))
		port_irq_deactivate(PORT_PPI_VTIMER);
}

/*
 * The vGIC's input-level callback (av_vgic_set_resample()) for the timer PPIs of vCPU @idx:
 * the virtual timer's from the hardware registers if the vCPU is loaded here, from its
 * saved ones if it is loaded nowhere; the emulated physical timer's from its registers.
 * A virtual timer found low releases the physical PPI this pCPU left active for it.
 */
int bm_vgic_line_level(void *cookie, unsigned idx, uint32_t intid)
{
	struct bm_vm *vm = cookie;
	struct av_arch_cpu *cpu = av_arch_this_cpu();
	struct bm_vcpu *bv;
	uint64_t ctl, cval, now = port_counter();
	int on;

	if (idx >= vm->spec.nr_vcpus)
		return -1;
	bv = &vm->vcpus[idx];
	if (intid != AV_VIRT_TIMER_VIRT_INTID) {
		/* The emulated timer belongs to the running vCPU: only its own pCPU reads it. */
		if (pcpus[cpu->index].cur != bv)
			return -1;
		on = av_vtimer_ppi_level(&bv->v.vtimer, intid, now);
		return on < 0 ? -1 : on > 0; /* negative: not a timer PPI, can't tell */
	}
	if (cpu->loaded == &bv->arch) {
		if (vtimer_firing())
			return 1;
		vtimer_ppi_release(&pcpus[cpu->index]);
		return 0;
	}
	on = __atomic_load_n(&bv->on_cpu, __ATOMIC_ACQUIRE);
	if (on != -1 && on != (int)cpu->index)
		return -1; /* its timer is live on another pCPU */
	ctl = bv->v.ctxt.el1.cntv_ctl;
	cval = bv->v.ctxt.el1.cntv_cval;
	return (ctl & (AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK)) == AV_CNT_CTL_ENABLE &&
	       now - bv->arch.cntvoff >= cval;
}

void bm_irq_drain(void)
{
	/* Bounded: a source that stays asserted must not keep the pCPU here forever. */
	for (unsigned n = 0; n < 64; n++) {
		uint32_t iar = port_irq_ack();
		unsigned intid = port_irq_intid(iar);

		if (intid >= 1020)
			return;
		bm_irq_handle(intid, iar);
	}
}

/*
 * An IRQ exit of @bv, the vCPU running here: every interrupt taken here, without the exit
 * dispatcher. Its own virtual timer's PPI goes into a list register at once
 * (av_vgic_raise_listed(): the LRs stay live, no sync, no flush); a kick leaves the flush to
 * the run loop (the sender set vgic_dirty if this vCPU has something new) and asks for a
 * scheduling decision only if the sender wanted one; anything else is handled as after any
 * other exit (LRs folded back first, then bm_irq_handle(), then a flush). Returns false with
 * nothing taken (a spurious exit: the general path).
 */
static __attribute__((noinline)) bool irq_exit_fast(struct bm_vcpu *bv)
{
	struct bm_vm *vm = bv->vm;
	unsigned self = port_this_cpu()->index, idx = bv->v.index;
	bool any = false, live = vm->lr_live[idx] || vm->lr_maint[idx];

	for (unsigned n = 0; n < 64; n++) {
		uint32_t iar = port_irq_ack();
		unsigned intid = port_irq_intid(iar);

		if (intid >= 1020)
			break;
		any = true;
		if (intid == PORT_SGI_KICK) {
			bm_irq_handle(intid, iar);
			continue;
		}
		if (intid == PORT_PPI_VTIMER && vtimer_firing()) {
			pcpus[self].vtimer_left_active = true; /* as bm_irq_handle() */
			if (av_vgic_raise_listed(&vm->vgic, idx, AV_VIRT_TIMER_VIRT_INTID, NULL) ==
			    1) {
				live = true;
				continue;
			}
			live = false; /* folded back: flush */
			bv->vgic_dirty = true;
			continue;
		}
		if (live) {
			av_vgic_sync(&vm->vgic, idx);
			live = false;
		}
		bv->vgic_dirty = true;
		bm_irq_handle(intid, iar);
	}
	if (!any)
		return false;
	bv->lr_unsynced = live;
	bv->v.stats.exits++;
	bv->v.stats.kind[AV_EXIT_IRQ]++;
	bv->v.stats.action[AV_EXIT_RESUME]++;
	return true;
}

/*
 * The EL2 timer of pCPU @self: the scheduler's next event (slice end, earliest deadline of
 * its blocked vCPUs) or the emulated EL1 physical timer of @bv (the vCPU about to run),
 * whichever comes first. The scheduler's part is the one the last pick returned
 * (av_sched_pick_event()) until a wake-up or a tick on this pCPU changes it.
 *
 * Re-armed only for an earlier event: one armed for an earlier time than needed (a slice
 * end that each switch moves later, an event that went away) fires early once, and its
 * interrupt (bm_irq_handle()) finds nothing due and has it armed again from scratch. So a
 * switch between two runnable vCPUs, whose slice end moves on each time, writes no timer.
 */
static bool phys_timer_on(const struct bm_vcpu *bv)
{
	/* Not while its line is high already: that would fire again at once, for as long as
	 * the guest leaves the interrupt raised (av_vtimer_next_raise()). */
	return bv && (bv->v.vtimer.timer[AV_VTIMER_PHYS].ctl &
		      (AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK)) == AV_CNT_CTL_ENABLE;
}

static __attribute__((noinline)) void arm_el2_timer_slow(unsigned self, struct bm_vcpu *bv)
{
	struct bm_pcpu *pc = &pcpus[self];
	bool phys = phys_timer_on(bv);
	uint64_t now = 0, when;

	if (!pc->sched_ev_ok || phys)
		now = port_counter();
	if (!pc->sched_ev_ok) {
		pc->sched_ev = av_sched_next_event(&sched, self, now);
		pc->sched_ev_ok = true;
	}
	when = pc->sched_ev;
	pc->timer_dirty = false;
	if (phys) {
		uint64_t p = av_vtimer_next_raise(&bv->v.vtimer, AV_VTIMER_BIT(AV_VTIMER_PHYS), now);

		if (p < when)
			when = p;
	}
	if (when >= pc->armed)
		return; /* armed already, or for earlier (AV_SCHED_NO_EVENT is the largest) */
	pc->armed = when;
	if (!now)
		now = port_counter();
	port_timer_arm(when > now ? when - now : 1);
}

static inline void arm_el2_timer(unsigned self, struct bm_vcpu *bv)
{
	struct bm_pcpu *pc = &pcpus[self];

	/* The scheduler's event known, no emulated timer, armed for that or earlier. */
	if (pc->sched_ev_ok && pc->sched_ev >= pc->armed && !phys_timer_on(bv)) {
		pc->timer_dirty = false;
		return;
	}
	arm_el2_timer_slow(self, bv);
}

/* The virtual timer's interrupt of @bv is raised in its vGIC, or active. */
static bool vtimer_raised(struct bm_vcpu *bv)
{
	struct av_vgic_irq_state st;

	return av_vgic_get_irq(&bv->vm->vgic, bv->v.index, AV_VIRT_TIMER_VIRT_INTID, &st) == 0 &&
	       (st.line || st.active);
}

/*
 * The deadline of a WFI of the loaded vCPU @bv: the earliest expiry of its timers whose
 * interrupt is not raised yet, the emulated physical one and the hardware virtual one
 * (live in CNTV_*).
 */
static uint64_t wfi_deadline(struct bm_vcpu *bv, uint64_t now)
{
	const struct av_vtimer_timer *p = &bv->v.vtimer.timer[AV_VTIMER_PHYS];
	uint64_t ctl, cval, when = AV_SCHED_NO_DEADLINE;

	__asm__ volatile("mrs %0, cntv_ctl_el0; mrs %1, cntv_cval_el0" : "=r"(ctl), "=r"(cval));
	/* The virtual count is the physical one minus CNTVOFF. */
	if ((ctl & (AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK)) == AV_CNT_CTL_ENABLE) {
		when = cval + bv->arch.cntvoff < cval ? UINT64_MAX - 1 : cval + bv->arch.cntvoff;
		/* Firing already, and its interrupt taken into the vGIC (or being handled): no
		 * deadline, as for the physical timer below; a deadline of now would end every
		 * WFI at once for as long as the guest leaves it so. */
		if (when <= now && vtimer_raised(bv))
			when = AV_SCHED_NO_DEADLINE;
	}
	if ((p->ctl & (AV_CNT_CTL_ENABLE | AV_CNT_CTL_IMASK)) == AV_CNT_CTL_ENABLE) {
		/* A line already high wakes the WFI through the vGIC if it can at all. */
		uint64_t pw = av_vtimer_next_raise(&bv->v.vtimer, AV_VTIMER_BIT(AV_VTIMER_PHYS),
						   now);

		if (pw < when)
			when = pw;
	}
	return when < now ? now : when;
}

/* ---------------------------------------------------------------------------------------
 * Running vCPUs
 */

enum bm_stop {
	BM_STOP_BLOCK,   /* WFI: wait for an interrupt */
	BM_STOP_OFF,     /* PSCI CPU_OFF */
	BM_STOP_VM,      /* the VM is stopping */
	BM_STOP_RESCHED, /* a scheduling decision is due */
	BM_STOP_YIELD,   /* WFE or a yield hypercall: the pick yields for it */
};

/* An MMIO access a device handed to the caller: nobody here finishes it, so the guest
 * gets a synchronous external abort. Out of line, so the run loop's hot paths keep their
 * shape. */
static __attribute__((noinline, cold)) void mmio_to_caller_abort(struct bm_vm *vm,
								  struct bm_vcpu *bv, uint64_t far)
{
	bv->v.el1_regs = AV_VM_EL1_ALL;
	av_arch_vm_el1_get(vm, &bv->v);
	av_ctxt_inject_dabt(&bv->v.ctxt, far, AV_FSC_SEA, bv->v.mmio.is_write);
	av_arch_vm_el1_put(vm, &bv->v);
	bv->v.el1_regs = 0;
	bv->v.mmio.valid = false;
	bv->v.stats.inject_dabt++;
}

static bool vm_stopping(const struct bm_vcpu *bv)
{
	return __atomic_load_n(&bv->vm->stopping, __ATOMIC_ACQUIRE);
}

/* PSCI SYSTEM_OFF / SYSTEM_RESET: every vCPU of @vm leaves the scheduler. */
static void vm_stop(struct bm_vm *vm, bool reset)
{
	unsigned self = port_this_cpu()->index;

	bm_lock(vm);
	vm->reset_requested = reset;
	__atomic_store_n(&vm->stopping, true, __ATOMIC_RELEASE);
	bm_unlock(vm);
	for (unsigned i = 0; i < vm->spec.nr_vcpus; i++)
		if (vm->vcpus[i].added)
			av_sched_power_off(&sched, &vm->vcpus[i].se);
	/* Running ones are dropped at their pCPU's next pick; pCPU 0 checks for the end. */
	for (unsigned c = 0; c < plat->ncpus; c++)
		if (c != self)
			port_kick(c);
}

static bool logged_to_caller[BM_MAX_VMS];

/* Fold @bv's list registers back into its vGIC: nothing to do if no LR held anything and
 * no maintenance was asked (@lrs false). */
static inline void lrs_fold(struct bm_vcpu *bv, bool lrs)
{
	if (lrs)
		av_vgic_sync(&bv->vm->vgic, bv->v.index);
	bv->lr_unsynced = false;
}

/*
 * Run @bv on this pCPU until it blocks, turns itself off, its VM stops or a scheduling
 * decision is due. Exits for the running vCPU stay here: no state is switched.
 *
 * The library answers the exits it can alone (av_vm_fast_exit(): SMCCC calls it answers
 * itself, IVC calls of a VM with edge doorbells through bm_fast_ivc(), MMIO at a bus device
 * while no LR is live) inside av_arch_vcpu_run(), from the
 * vectors, without coming back here; what it makes pending for this pCPU (a vGIC kick, a
 * rescheduling) asks for the vCPU back (av_arch_cpu_request(), cleared below before the
 * checks), and the exit returns as AV_ARCH_EXIT_HANDLED. Other pCPUs kick with an SGI,
 * which exits.
 */
static enum bm_stop bm_vcpu_run(struct bm_vcpu *bv)
{
	struct av_arch_cpu *cpu = av_arch_this_cpu();
	unsigned self = cpu->index;
	struct bm_pcpu *pc = &pcpus[self];
	struct bm_vm *vm = bv->vm;
	struct av_arch_exit ax;
	struct av_exit exit;

	for (;;) {
		enum av_exit_action act;
		unsigned kind;
		bool lrs;

		cpu->request = 0;
		if (__atomic_load_n(&vm->stopping, __ATOMIC_ACQUIRE))
			return BM_STOP_VM;
		if (pc->resched)
			return BM_STOP_RESCHED;
		if (bv->vgic_dirty ||
		    (!bv->lr_unsynced && (vm->lr_live[bv->v.index] || vm->lr_maint[bv->v.index]))) {
			bv->vgic_dirty = false;
			if (bv->lr_unsynced) {
				/* LRs still live (a kick from another pCPU taken by irq_exit_fast()):
				 * only what is new is listed, if the vGIC can tell; otherwise they are
				 * folded back before the flush rewrites them. */
				if (av_vgic_flush_new(&vm->vgic, bv->v.index) == 1)
					goto flushed;
				av_vgic_sync(&vm->vgic, bv->v.index);
				bv->lr_unsynced = false;
			}
			av_vgic_flush(&vm->vgic, bv->v.index);
		}
flushed:
		if (pc->timer_dirty)
			arm_el2_timer(self, bv);
		kind = av_arch_vcpu_run(cpu, &bv->arch, &ax);
		lrs = vm->lr_live[bv->v.index] || vm->lr_maint[bv->v.index];
		if (kind != AV_ARCH_EXIT_SYNC) {
			if (kind == AV_ARCH_EXIT_HANDLED) {
				/* The library's fast path answered it, touching no LR: they stay
				 * live in the hardware (lr_unsynced) until something needs the
				 * vGIC's view (a flush, another exit, a switch). Back here for a
				 * request or an action. */
				if (lrs)
					bv->lr_unsynced = true;
				act = (enum av_exit_action)cpu->exit_action;
				goto dispatched;
			}
			/* Interrupts: taken without the dispatcher (irq_exit_fast()). */
			if (kind == AV_ARCH_EXIT_IRQ && irq_exit_fast(bv))
				continue;
			lrs_fold(bv, lrs);
			bv->vgic_dirty = true;
			bm_irq_drain();
		} else {
			lrs_fold(bv, lrs);
			/*
			 * WFI, and MMIO at a device of the VM's bus while LRs were live (the
			 * library's fast path leaves those here): answered and counted without the
			 * dispatcher. An MMIO access cannot block or stop the vCPU; whatever it
			 * makes pending is seen by the checks at the top of the loop.
			 */
			if (av_vm_try_fast(&bv->v, ax.esr, ax.far, ax.hpfar, &act)) {
				if (act == AV_EXIT_RESUME)
					continue;
				if (act == AV_EXIT_BLOCK)
					return BM_STOP_BLOCK;
				goto dispatched;
			}
			if (AV_FIELD_GET(AV_GENMASK(31, 26), ax.esr) == AV_ESR_EC_SYS64 &&
			    (av_sysreg_key_from_iss((uint32_t)ax.esr) & ~(uint32_t)AV_SYSREG_OP2) ==
				    AV_SYSREG(3, 3, 14, 2, 0))
				pc->timer_dirty = true; /* CNTP_{TVAL,CTL,CVAL}_EL0: the emulated timer */
		}
		exit = av_arch_vm_exit(kind, &ax);
		act = av_vm_handle_exit(&bv->v, &exit);
dispatched:
		switch (act) {
		case AV_EXIT_RESUME:
			continue;
		case AV_EXIT_YIELD: /* WFE: the rest of the slice to an equal priority */
			return BM_STOP_YIELD;
		case AV_EXIT_BLOCK:
			return BM_STOP_BLOCK;
		case AV_EXIT_TO_CALLER:
			/* An interrupt exit (handled above), or something nobody emulates: an
			 * MMIO access a device handed over gets a synchronous external abort, the
			 * rest an undefined-instruction exception. */
			if (bv->v.mmio.valid) {
				mmio_to_caller_abort(vm, bv, ax.far);
			} else if (kind == AV_ARCH_EXIT_SYNC) {
				if (!logged_to_caller[vm->index] &&
				    av_log_budget_take(&vm->vm.log_budget)) {
					logged_to_caller[vm->index] = true;
					av_warn("%s: vCPU %u: unhandled exit (ESR_EL2 %#llx, PC %#llx): "
						"injecting UNDEF (logged once)", vm->desc->name,
						bv->v.index, (unsigned long long)ax.esr,
						(unsigned long long)bv->v.ctxt.regs.pc);
				}
				bv->v.el1_regs = AV_VM_EL1_ALL; /* the hooks move what is named */
				av_arch_vm_el1_get(vm, &bv->v);
				av_ctxt_inject_undef(&bv->v.ctxt);
				av_arch_vm_el1_put(vm, &bv->v);
				bv->v.el1_regs = 0;
				bv->v.stats.inject_undef++;
			}
			continue;
		case AV_EXIT_VCPU_OFF:
			return BM_STOP_OFF;
		case AV_EXIT_SYSTEM_OFF:
			vm_stop(vm, false);
			return BM_STOP_VM;
		case AV_EXIT_SYSTEM_RESET:
			vm_stop(vm, true);
			return BM_STOP_VM;
		default:
			continue;
		}
	}
}

/*
 * Take @bv's state off this pCPU (the world switch's "save" half): the list registers are
 * emptied (the last av_vgic_sync() folded them back), maintenance requests off; a vCPU that
 * may migrate gives back the FP/SIMD registers; EL1 registers, virtual timer (then
 * disabled) and GIC CPU-interface state are saved. The physical timer PPI is deactivated if
 * the guest left it active: the vGIC keeps the virtual interrupt's state, and the next
 * vCPU's timer must be able to fire (the GIC is asked only if the PPI was left active since
 * the last unload on this pCPU). Then another pCPU may run @bv.
 */
static void vcpu_unload(struct av_arch_cpu *cpu, struct bm_vcpu *bv)
{
	struct bm_pcpu *pc = &pcpus[cpu->index];
	struct bm_vm *vm = bv->vm;
	unsigned idx = bv->v.index;

	if (bv->lr_unsynced) {
		av_vgic_sync(&vm->vgic, idx);
		bv->lr_unsynced = false;
	}
	/* LRs and maintenance already off (a vCPU without interrupts in flight): nothing to
	 * clear. pcpu_loop() flushes every vCPU it switches in that has anything listed: the
	 * flush also resamples its level lines (a timer the guest reprogrammed), which must not
	 * wait for an exit. One with nothing listed has no line to resample. */
	if (vm->lr_live[idx] || vm->lr_maint[idx]) {
		bm_lr_clear(vm, idx);
		bm_lr_set_maint(vm, idx, 0);
	}
	if (cpu->fp_owner == &bv->arch && !bv->pinned)
		av_arch_fpsimd_flush(cpu);
	if (cpu->loaded == &bv->arch) {
		av_arch_vcpu_put(cpu);
		vtimer_ppi_release(pc);
	}
	__atomic_store_n(&bv->on_cpu, -1, __ATOMIC_RELEASE);
}


/*
 * A vCPU that turned itself off (PSCI CPU_OFF) and was powered on again before this pCPU
 * dropped it from the scheduler (bm_cpu_on() got -AV_EBUSY): power it on now.
 */
static void recheck_off(struct bm_vcpu *bv)
{
	unsigned kick = AV_SCHED_NO_CPU;

	bm_lock(bv->vm);
	if (!bv->vm->stopping &&
	    __atomic_load_n(&bv->v.state, __ATOMIC_ACQUIRE) == AV_VCPU_ON_PENDING &&
	    __atomic_load_n(&bv->se.state, __ATOMIC_ACQUIRE) == AV_SCHED_OFF &&
	    av_sched_power_on(&sched, &bv->se, &kick) == 0)
		sched_kick(kick);
	bm_unlock(bv->vm);
}

/*
 * What every pCPU does: ask the scheduler which vCPU runs next (av_sched_pick()), switch
 * to it if it is another one, run it until a scheduling point, tell the scheduler why it
 * stopped (block with the timer deadline, power off, ...), again. An idle pCPU waits in
 * WFI with the EL2 timer armed for the scheduler's next event. pCPU 0 returns once every
 * VM is off.
 */
void pcpu_loop(unsigned self)
{
	struct av_arch_cpu *cpu = av_arch_this_cpu();
	struct bm_pcpu *pc = &pcpus[self];
	struct bm_vcpu *off_check = NULL;

	for (;;) {
		struct av_sched_entity *e;
		struct bm_vcpu *bv, *prev;
		uint64_t now;

		pc->resched = false;
		now = port_counter();
		e = av_sched_pick_event(&sched, self, now, &pc->sched_ev);
picked:
		pc->sched_ev_ok = true;
		bv = e ? e->owner : NULL;
		if (off_check) {
			recheck_off(off_check);
			off_check = NULL;
		}

		/* The switch: the previous vCPU's state leaves this pCPU, unless it stays. */
		prev = pc->cur ? pc->cur : pc->parked;
		if (prev && prev != bv) {
			if (!bv && prev->pinned && !vm_stopping(prev)) {
				/* Idle next: a pinned vCPU stays loaded (its virtual timer live). */
				bm_lr_set_maint(prev->vm, prev->v.index, 0);
				pc->parked = prev;
			} else {
				vcpu_unload(cpu, prev);
				pc->parked = NULL;
			}
		}
		__atomic_store_n(&pc->cur, bv, __ATOMIC_RELEASE);

		if (!bv) {
			if (self == 0 && all_done())
				return;
			if (self != 0 && prev && prev != pc->parked && vm_stopping(prev))
				port_kick(0); /* it checks whether everything is off */
			arm_el2_timer(self, NULL);
			if (!pc->resched)
				port_wfi();
			bm_irq_drain();
			continue;
		}
		if (pc->parked == bv)
			pc->parked = NULL;
		if (bv != prev) {
			/* Wait until the pCPU it last ran on has saved it (a migration). */
			while (__atomic_load_n(&bv->on_cpu, __ATOMIC_ACQUIRE) != -1 &&
			       __atomic_load_n(&bv->on_cpu, __ATOMIC_ACQUIRE) != (int)self)
				;
			__atomic_store_n(&bv->on_cpu, (int)self, __ATOMIC_RELEASE);
			pc->timer_dirty = true;
			/* Its LRs are empty here: a flush lists what it has, unless it has nothing
			 * (av_vgic_flush_idle(): nothing listed, no LR the vGIC would clear). */
			if (!av_vgic_flush_idle(&bv->vm->vgic, bv->v.index))
				bv->vgic_dirty = true;
		}
		if (vm_stopping(bv)) {
			av_sched_power_off(&sched, &bv->se);
			continue;
		}
		switch (__atomic_load_n(&bv->v.state, __ATOMIC_ACQUIRE)) {
		case AV_VCPU_OFF:
			bm_lock(bv->vm);
			if (bv->v.state == AV_VCPU_OFF)
				av_sched_power_off(&sched, &bv->se);
			bm_unlock(bv->vm);
			off_check = bv;
			continue;
		case AV_VCPU_ON_PENDING:
			/* PSCI CPU_ON: fresh registers, EL1 and GIC interface state. */
			if (cpu->fp_owner == &bv->arch)
				av_arch_fpsimd_flush(cpu);
			if (cpu->loaded == &bv->arch) {
				av_arch_vcpu_put(cpu);
				vtimer_ppi_release(pc);
			}
			bv->arch.gic = (struct av_arch_gic_state){ .sre = 1 };
			bm_pmu_vcpu_reset(bv);
			av_vcpu_power_on(&bv->v);
			bv->vgic_dirty = true;
			break;
		case AV_VCPU_BLOCKED:
			bv->v.state = AV_VCPU_RUNNING;
			break;
		default:
			break;
		}
		/* A deadline may have woken it: let its emulated physical timer raise its line. */
		if (bv->v.vtimer.timer[AV_VTIMER_PHYS].ctl & AV_CNT_CTL_ENABLE)
			av_vtimer_update(&bv->v.vtimer, now, NULL);

		switch (bm_vcpu_run(bv)) {
		case BM_STOP_BLOCK:
			now = port_counter();
			if (av_sched_block(&sched, &bv->se, wfi_deadline(bv, now)) == 1) {
				/* Woken since it started running: resume it (WFI returns early). */
				bv->v.state = AV_VCPU_RUNNING;
			} else {
				console_flush_partial(bv->vm); /* idle: show a prompt */
			}
			break;
		case BM_STOP_OFF:
			bm_lock(bv->vm);
			if (bv->v.state == AV_VCPU_OFF)
				av_sched_power_off(&sched, &bv->se);
			bm_unlock(bv->vm);
			off_check = bv;
			break;
		case BM_STOP_VM:
			av_sched_power_off(&sched, &bv->se);
			break;
		case BM_STOP_RESCHED:
			break;
		case BM_STOP_YIELD:
			/* Its yield and the pick in one scheduler call. */
			pc->resched = false;
			now = port_counter();
			e = av_sched_yield_pick(&sched, self, now, &pc->sched_ev);
			goto picked;
		}
	}
}
