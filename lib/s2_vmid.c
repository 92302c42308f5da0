/* SPDX-License-Identifier: MIT */
/*
 * VMID allocator with generations.
 *
 * A VM's `struct av_vmid` is valid while its generation equals the allocator's. When the
 * VMID space of the current generation is exhausted, the allocator rolls over: the
 * generation is bumped, the used-VMID map is cleared, the caller's flush callback
 * invalidates every TLB once, and VMIDs are handed out again.
 *
 * A CPU may still be running a guest with a VMID of the old generation when another CPU
 * rolls over. To keep two VMs from ever sharing a VMID on a CPU, the VMID each CPU last
 * entered a guest with is reserved in the new generation and stays with its VM: when that
 * VM asks again, it keeps the reserved VMID instead of getting a new one.
 *
 * Everything here runs under the caller's lock (see armvirt/s2.h).
 */
#include <armvirt/s2.h>

#include "compat.h"
#include "error_detail.h"

static inline void vmid_set(struct av_vmid_alloc *a, uint32_t id)
{
	a->map[id / 64] |= AV_BIT(id % 64);
}

static inline bool vmid_eq(const struct av_vmid *x, const struct av_vmid *y)
{
	return x->generation == y->generation && x->vmid == y->vmid;
}

#define VMID_ERR(err, field, ...) av__error(err, -AV_EINVAL, "vmid", field, __VA_ARGS__)

int av_vmid_alloc_init(struct av_vmid_alloc *a, unsigned bits, struct av_vmid_cpu *cpus,
		       unsigned ncpus, void (*flush)(void *cookie), void *cookie,
		       struct av_error *err)
{
	if (!a)
		return VMID_ERR(err, "a", "NULL");
	if (bits != 8 && bits != 16)
		return VMID_ERR(err, "bits", "%u (8 or 16)", bits);
	if (!flush)
		return VMID_ERR(err, "flush", "NULL (the rollover TLB flush is required)");
	if (!cpus || !ncpus)
		return VMID_ERR(err, cpus ? "ncpus" : "cpus", "no per-CPU array (%u entries)", ncpus);
	/* After a rollover every CPU may hold one VMID, and one more must remain free. */
	if ((uint64_t)ncpus + 2 > (UINT64_C(1) << bits))
		return VMID_ERR(err, "ncpus", "%u CPUs need more than the %u-bit VMIDs (at most %lu)",
				ncpus, bits, (unsigned long)((UINT64_C(1) << bits) - 2));
	memset(a, 0, sizeof(*a));
	memset(cpus, 0, ncpus * sizeof(*cpus));
	a->bits = bits;
	a->generation = 1;
	a->next = 1;
	a->cpus = cpus;
	a->ncpus = ncpus;
	a->flush = flush;
	a->cookie = cookie;
	vmid_set(a, 0); /* the host's */
	av__error_clear(err);
	return 0;
}

/* A free VMID of this generation, searching from a->next and wrapping; 0 if none. */
static uint32_t vmid_find_free(struct av_vmid_alloc *a)
{
	uint32_t limit = UINT32_C(1) << a->bits;
	uint32_t id = a->next;

	for (uint32_t n = 0; n < limit; n++, id++) {
		uint64_t word;

		if (id >= limit)
			id = 0;
		word = a->map[id / 64];
		if (word == ~UINT64_C(0)) {
			/* Skip the rest of a full word. */
			uint32_t skip = 63 - id % 64;

			n += skip;
			id += skip;
			continue;
		}
		if (!(word & AV_BIT(id % 64)))
			return id;
	}
	return 0;
}

static void vmid_rollover(struct av_vmid_alloc *a)
{
	memset(a->map, 0, (size_t)((UINT32_C(1) << a->bits) / 8));
	vmid_set(a, 0);
	a->generation++;
	for (unsigned c = 0; c < a->ncpus; c++) {
		struct av_vmid_cpu *pc = &a->cpus[c];
		/* A CPU that has not entered a guest since the last rollover keeps its VMID. */
		struct av_vmid keep = pc->active.generation ? pc->active : pc->reserved;

		pc->reserved = keep;
		pc->active.generation = 0;
		pc->active.vmid = 0;
		if (keep.generation)
			vmid_set(a, keep.vmid);
	}
	a->next = 1;
	a->flush(a->cookie);
}

/* If @vm's old VMID is reserved by a CPU, move it (and the reservations) to this generation. */
static bool vmid_take_reserved(struct av_vmid_alloc *a, struct av_vmid *vm)
{
	struct av_vmid old = *vm;
	bool found = false;

	if (!old.generation)
		return false;
	for (unsigned c = 0; c < a->ncpus; c++) {
		if (vmid_eq(&a->cpus[c].reserved, &old)) {
			a->cpus[c].reserved.generation = a->generation;
			found = true;
		}
	}
	if (found)
		vm->generation = a->generation;
	return found;
}

int av_vmid_get(struct av_vmid_alloc *a, struct av_vmid *vm, unsigned cpu)
{
	uint32_t old_vmid = vm->vmid;
	uint32_t id;

	if (cpu >= a->ncpus)
		return -AV_EINVAL;
	if (vm->generation != a->generation && !vmid_take_reserved(a, vm)) {
		id = vmid_find_free(a);
		if (!id) {
			vmid_rollover(a);
			if (!vmid_take_reserved(a, vm))
				id = vmid_find_free(a);
		}
		if (vm->generation != a->generation) {
			/* Cannot fail: init keeps the VMID space larger than the CPUs. */
			vmid_set(a, id);
			a->next = id + 1 < (UINT32_C(1) << a->bits) ? id + 1 : 1;
			vm->vmid = id;
			vm->generation = a->generation;
		}
	}
	a->cpus[cpu].active = *vm;
	return vm->vmid != old_vmid ? 1 : 0;
}
