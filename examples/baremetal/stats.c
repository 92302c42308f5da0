/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm, statistics: what pCPU 0 prints once every VM is off.
 */
#include "bm_internal.h"

static void stats_line(void *cookie, const char *line)
{
	(void)cookie;
	port_printf("%s\n", line);
}

void print_stats(void)
{
	port_printf("armvirt-bm: all VMs are off; exit statistics:\n");
	for (unsigned i = 0; i < nr_vms; i++) {
		struct bm_vm *vm = &vms[i];
		uint64_t entries = 0, fp = 0;

		if (!vm->started)
			continue;
		console_flush_partial(vm);
		for (unsigned c = 0; c < vm->spec.nr_vcpus; c++) {
			struct bm_vcpu *bv = &vm->vcpus[c];

			entries += bv->arch.entries;
			fp += bv->arch.fp_traps;
			/* Hypercalls the vectors answered: counted like the dispatcher's. */
			av_vcpu_stats_add_sync(&bv->v, AV_ESR_EC_HVC64, AV_EXIT_RESUME,
					       bv->arch.fast_hvc_hits);
			bv->arch.fast_hvc_hits = 0;
		}
		av_vm_stats_print(&vm->vm, stats_line, NULL);
		bm_virtio_stats(vm);
		bm_firmware_stats(vm);
		port_printf("%s: guest entries %llu, lazy FP/SIMD switches %llu%s\n",
			    vm->desc->name, (unsigned long long)entries, (unsigned long long)fp,
			    vm->reset_requested ? " (reset requested: treated as power-off)" : "");
		for (unsigned c = 0; c < vm->spec.nr_vcpus; c++) {
			const struct av_sched_entity *se = &vm->vcpus[c].se;

			port_printf("%s: vCPU %u: priority %u, %s, ran %llu ms in %llu runs, "
				    "%llu migrations\n", vm->desc->name, c, se->prio,
				    vm->vcpus[c].pinned ? "pinned" : "migrating",
				    (unsigned long long)(se->runtime * 1000 / port_counter_freq()),
				    (unsigned long long)se->nr_runs,
				    (unsigned long long)se->nr_migrations);
		}
	}
	for (unsigned c = 0; c < plat->ncpus; c++)
		port_printf("armvirt-bm: pCPU %u: %llu picks, %llu switches, %llu GIC maintenance "
			    "interrupts\n", c, (unsigned long long)sched.rq[c].nr_picks,
			    (unsigned long long)sched.rq[c].nr_switches,
			    (unsigned long long)maint_taken[c]);
}
