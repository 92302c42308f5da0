/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the vGIC (armvirt/vgic.h), GICv2 and GICv3.
 *
 * Input: two configuration bytes (model, vCPUs, SPIs, list registers), then operations of
 * twelve bytes each: a distributor or redistributor access of any width (1, 2, 4, 8 and
 * odd ones) at any offset, reads and writes of any value; a level change, pulse, SGI
 * (av_vgic_send_sgi(), ICC_SGI1R_EL1), HW link or resample switch with arbitrary
 * arguments; a PPI raised straight into a list register (av_vgic_raise_listed()); a flush; the guest acknowledging, completing, deactivating or clearing list
 * registers as a CPU interface would; a sync; an incremental flush (av_vgic_flush_new():
 * when it lists, its list registers hold what a sync and a flush of the same state would;
 * when it declines, nothing changed); a save whose snapshot is mutated then
 * restored. A fake backend holds the list registers; a table gives resampled line levels.
 * Invariants checked after every operation (a violation traps):
 *  - av_vgic_check() holds;
 *  - no INTID is in two valid list registers of one vCPU; a flush writes no LR beyond
 *    the backend's count;
 *  - calls with arguments out of range return -AV_EINVAL and change nothing;
 *  - av_vgic_save() succeeds when no LR is live and a restore of its own snapshot gives
 *    the same snapshot back; a mutated snapshot is either refused (nothing changes) or
 *    restored into a state that passes the check.
 */
#include <armvirt/vgic.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static struct av_vgic G, before;
static struct av_vgic_snapshot snap, snap2;
static struct av_vgic_lr lrs[AV_VGIC_MAX_VCPUS][AV_VGIC_MAX_LRS];
static unsigned nr_lrs;
static uint8_t level[AV_VGIC_NR_PRIVATE + 64];

static unsigned f_nr_lrs(void *cookie, unsigned vcpu)
{
	return nr_lrs;
}

static void f_write(void *cookie, unsigned vcpu, unsigned idx, const struct av_vgic_lr *lr)
{
	CHECK(vcpu < G.nr_vcpus && idx < nr_lrs);
	lrs[vcpu][idx] = *lr;
}

static void f_read(void *cookie, unsigned vcpu, unsigned idx, struct av_vgic_lr *lr)
{
	CHECK(vcpu < G.nr_vcpus && idx < nr_lrs);
	*lr = lrs[vcpu][idx];
}

static void f_maint(void *cookie, unsigned vcpu, unsigned flags)
{
	CHECK(vcpu < G.nr_vcpus);
}

static int f_level(void *cookie, unsigned vcpu, uint32_t intid)
{
	CHECK(vcpu < G.nr_vcpus);
	return intid < sizeof(level) ? (int)level[intid] - 1 : 0; /* -1: unknown */
}

static const struct av_vgic_lr_ops ops = { f_nr_lrs, f_write, f_read, f_maint };

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static void check_all(void)
{
	struct av_error err;

	if (av_vgic_check(&G, &err)) {
		fprintf(stderr, "av_vgic_check: %s: %s\n", err.field, err.msg);
		__builtin_trap();
	}
	for (unsigned c = 0; c < G.nr_vcpus; c++)
		for (unsigned i = 0; i < nr_lrs; i++)
			for (unsigned j = i + 1; j < nr_lrs && lrs[c][i].state; j++)
				CHECK(!lrs[c][j].state || lrs[c][j].vintid != lrs[c][i].vintid);
}

/* The guest's CPU interface on LR @i of @c: @how picks acknowledge (pending -> active),
 * deactivate (active part cleared), both (EOI of a just-acked one) or a full clear. */
static void guest_lr(unsigned c, unsigned i, unsigned how)
{
	struct av_vgic_lr *lr = &lrs[c][i];

	switch (how & 3) {
	case 0: /* IAR */
		if (lr->state == AV_VGIC_LR_PENDING)
			lr->state = AV_VGIC_LR_ACTIVE;
		break;
	case 1: /* EOIR/DIR */
		lr->state &= AV_VGIC_LR_PENDING;
		break;
	case 2: /* IAR then EOIR */
		if (lr->state == AV_VGIC_LR_PENDING)
			lr->state = AV_VGIC_LR_INVALID;
		break;
	default: /* a pending-and-active LR acknowledged again is not possible; EOI both */
		if (lr->state == AV_VGIC_LR_PENDING_ACTIVE)
			lr->state = AV_VGIC_LR_PENDING;
		break;
	}
}

/* A call that must refuse its arguments: -AV_EINVAL and the vGIC unchanged. */
#define REFUSED(call)                                            \
	do {                                                     \
		memcpy(&before, &G, sizeof(G));                  \
		CHECK((call) == -AV_EINVAL);                     \
		CHECK(memcmp(&before, &G, sizeof(G)) == 0);      \
	} while (0)

static void snapshot_op(const uint8_t *a)
{
	int rc = av_vgic_save(&G, &snap);
	bool live = false;

	for (unsigned c = 0; c < G.nr_vcpus; c++)
		live |= G.vcpu[c].lr_live != 0;
	CHECK(live ? rc == -AV_EBUSY : rc == 0);
	if (rc)
		return;
	if (!(a[0] & 1)) {
		/* Round trip: the same state comes back. */
		CHECK(av_vgic_restore(&G, &snap) == 0);
		CHECK(av_vgic_save(&G, &snap2) == 0);
		CHECK(memcmp(&snap, &snap2, sizeof(snap)) == 0);
		return;
	}
	/* Mutate: a few bytes anywhere, weighted towards the header, vCPUs and used IRQs. */
	for (unsigned k = 0; k < 3; k++) {
		size_t off = ((size_t)a[1 + 3 * k] << 8 | a[2 + 3 * k]);

		if (a[0] & 2)
			off %= 24 + sizeof(snap.vcpu) + (size_t)(AV_VGIC_NR_PRIVATE * 2) * sizeof(snap.irq[0]);
		else
			off = offsetof(struct av_vgic_snapshot, irq) +
			      (size_t)(AV_VGIC_MAX_VCPUS * AV_VGIC_NR_PRIVATE) * sizeof(snap.irq[0]) +
			      off % (64 * sizeof(snap.irq[0]));
		((uint8_t *)&snap)[off % sizeof(snap)] ^= a[3 + 3 * k];
	}
	memcpy(&before, &G, sizeof(G));
	rc = av_vgic_restore(&G, &snap);
	if (rc) {
		CHECK(rc == -AV_EINVAL);
		CHECK(memcmp(&before, &G, sizeof(G)) == 0);
	}
}

/* The valid LRs of vCPU @c as sorted keys (INTID, state, source, HW); their count. */
static unsigned lr_keys(unsigned c, uint32_t *keys)
{
	unsigned n = 0;

	for (unsigned i = 0; i < nr_lrs; i++) {
		const struct av_vgic_lr *lr = &lrs[c][i];
		uint32_t k;
		unsigned j;

		if (lr->state == AV_VGIC_LR_INVALID)
			continue;
		k = lr->vintid << 12 | (uint32_t)lr->state << 8 | (uint32_t)lr->source << 1 | lr->hw;
		for (j = n++; j > 0 && keys[j - 1] > k; j--)
			keys[j] = keys[j - 1];
		keys[j] = k;
	}
	return n;
}

/*
 * av_vgic_flush_new() of vCPU @c against a sync and a flush of the same state: when it lists
 * (1), the valid LRs hold the same interrupts in the same states; when it declines (0),
 * nothing changed.
 */
static void flush_new_op(unsigned c)
{
	static struct av_vgic_lr saved[AV_VGIC_MAX_VCPUS][AV_VGIC_MAX_LRS];
	uint32_t full[AV_VGIC_MAX_LRS], inc[AV_VGIC_MAX_LRS];
	unsigned nfull;
	int rc;

	memcpy(&before, &G, sizeof(G));
	memcpy(saved, lrs, sizeof(lrs));
	CHECK(av_vgic_sync(&G, c) == 0 && av_vgic_flush(&G, c) == 0);
	nfull = lr_keys(c, full);
	memcpy(&G, &before, sizeof(G));
	memcpy(lrs, saved, sizeof(lrs));
	rc = av_vgic_flush_new(&G, c);
	if (rc == 1) {
		CHECK(lr_keys(c, inc) == nfull);
		CHECK(memcmp(inc, full, nfull * sizeof(full[0])) == 0);
	} else {
		CHECK(rc == 0);
		CHECK(memcmp(&before, &G, sizeof(G)) == 0);
		CHECK(memcmp(saved, lrs, sizeof(lrs)) == 0);
	}
}

/*
 * The 16-bit frame offset of an access: bits 0-7 from a[3], 8-11 from the high half of a[2]
 * (its low half is the size and the write bit, so an offset taken from all of a[2] could
 * write only where bit 11 is set, never GICD_CTLR or ISENABLER), 12-15 from a[1] bits 2-5.
 */
static uint64_t frame_off(const uint8_t *a)
{
	return (uint64_t)(a[3] | (a[2] >> 4) << 8 | ((a[1] >> 2) & 0xf) << 12);
}

static void op(const uint8_t *a)
{
	unsigned c = a[1] % (G.nr_vcpus + 1); /* sometimes one past the last */
	bool in = c < G.nr_vcpus;
	static const unsigned sizes[8] = { 1, 2, 4, 8, 4, 8, 3, 16 };
	unsigned size = sizes[a[2] & 7];
	bool wr = a[2] & 8;
	uint32_t intid = (uint32_t)(a[3] | (a[2] >> 4) << 8) % 1100;
	uint64_t val = get64(a + 4), kicked = 0;
	int rc;

	switch (a[0] % 12) {
	case 0: { /* distributor */
		uint64_t off = frame_off(a);

		if (G.model == AV_VGIC_V3)
			rc = av_vgic_v3_dist_access(&G, off, size, wr, &val);
		else
			rc = av_vgic_v2_dist_access(&G, c, off & (a[1] & 0x80 ? 0xffff : 0xfff), size, wr,
						    &val);
		CHECK(rc == AV_ACCESS_HANDLED || rc == AV_ACCESS_INJECT || rc == -AV_EINVAL);
		CHECK(rc != -AV_EINVAL || (G.model == AV_VGIC_V2 && !in));
		break;
	}
	case 1: { /* redistributor (a GICv2 vGIC refuses) */
		uint64_t off = frame_off(a) | (uint64_t)(a[1] & 0x80) << 9;

		if (a[1] & 0x40)
			rc = av_vgic_v3_redist_region_access(&G, off + (uint64_t)c * AV_GICR_STRIDE, size,
							     wr, &val);
		else
			rc = av_vgic_v3_redist_access(&G, c, off, size, wr, &val);
		CHECK(rc == AV_ACCESS_HANDLED || rc == AV_ACCESS_INJECT || rc == -AV_EINVAL);
		break;
	}
	case 2:
		if (a[4] & 2) {
			/* Mostly a PPI, as a host forwarding its timer does. */
			rc = av_vgic_raise_listed(&G, c, a[4] & 4 ? intid : 16 + intid % 16, &kicked);
			CHECK(rc == 0 || rc == 1 || rc == -AV_EINVAL);
			CHECK(rc != 1 || !kicked);
			break;
		}
		rc = av_vgic_set_level(&G, c, intid, a[4] & 1, &kicked);
		CHECK(rc == 0 || rc == -AV_EINVAL);
		break;
	case 3:
		rc = av_vgic_pulse(&G, c, intid, &kicked);
		CHECK(rc == 0 || rc == -AV_EINVAL);
		break;
	case 4:
		if (a[4] & 1)
			rc = av_vgic_send_sgi(&G, c, get64(a + 4) >> 8, a[3] % 20, &kicked);
		else
			rc = av_vgic_v3_sgi1r_write(&G, c, val, &kicked);
		CHECK(rc == 0 || rc == -AV_EINVAL);
		CHECK(!(kicked >> G.nr_vcpus));
		break;
	case 5: {
		uint32_t hw = (uint32_t)(a[4] | a[5] << 8) % 1100;

		if (!in && intid < AV_VGIC_NR_PRIVATE) /* the vCPU names the bank of a PPI only */
			REFUSED(av_vgic_map_hw(&G, c, intid, hw));
		else
			CHECK(av_vgic_map_hw(&G, c, intid, hw) == 0 || intid < 16 ||
			      (hw && (hw < 16 || hw >= 1020)) || intid >= 32 + G.nr_spis);
		break;
	}
	case 6:
		if (!in) {
			REFUSED(a[4] & 1 ? av_vgic_flush_new(&G, c) : av_vgic_flush(&G, c));
			break;
		}
		if (a[4] & 1) {
			flush_new_op(c);
			break;
		}
		CHECK(av_vgic_flush(&G, c) == 0);
		break;
	case 7: /* the guest works on the list registers of a vCPU that ran */
		if (in && G.vcpu[c].lr_live)
			for (unsigned i = 0; i < nr_lrs; i++)
				if (a[4 + (i & 7)] & (1u << (i >> 3)))
					guest_lr(c, i, a[3] >> (2 * (i & 3)));
		break;
	case 8:
		if (!in) {
			REFUSED(av_vgic_sync(&G, c));
			break;
		}
		CHECK(av_vgic_sync(&G, c) == 0);
		break;
	case 9:
		snapshot_op(a + 1);
		break;
	case 10:
		level[intid % sizeof(level)] = a[4] % 3;
		rc = av_vgic_set_resample(&G, c, intid, a[5] & 1);
		CHECK(rc == 0 || rc == -AV_EINVAL);
		break;
	default: {
		struct av_vgic_irq_state st;

		(void)av_vgic_has_pending(&G, c);
		rc = av_vgic_get_irq(&G, c, intid, &st);
		CHECK(rc == 0 || rc == -AV_EINVAL);
		break;
	}
	}
	CHECK(!(kicked >> G.nr_vcpus));
	check_all();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned spis[4] = { 0, 32, 64, 20 };
	static const unsigned shifts[4] = { 0, 8, 16, 32 };
	struct av_vgic_config cfg = { .lr_ops = &ops, .line_level = f_level };
	static struct av_vgic *pristine[512];
	uint64_t mpidr[AV_VGIC_MAX_VCPUS];
	unsigned key;

	if (size < 2)
		return 0;
	cfg.model = (data[0] & 1) ? AV_VGIC_V3 : AV_VGIC_V2;
	cfg.nr_vcpus = 1 + ((data[0] >> 1) & 3);
	cfg.nr_spis = spis[(data[0] >> 3) & 3];
	nr_lrs = 1 + (data[1] & 3) * (data[1] & 4 ? 5 : 1); /* 1..16 */
	if (data[0] & 0x20) {
		for (unsigned i = 0; i < cfg.nr_vcpus; i++)
			mpidr[i] = ((uint64_t)i << shifts[data[1] >> 6]) + (data[0] & 0x40 ? 0x10000 : 0);
		cfg.mpidr = mpidr;
	}
	memset(lrs, 0, sizeof(lrs));
	memset(level, 0, sizeof(level));
	/* av_vgic_init() resets every slot: initialise each configuration once, copy after. */
	key = (data[0] & 0x7f) | (unsigned)(data[1] >> 6) << 7;
	if (!pristine[key]) {
		pristine[key] = malloc(sizeof(G));
		CHECK(pristine[key]);
		CHECK(av_vgic_init(pristine[key], &cfg, NULL) == 0);
	}
	memcpy(&G, pristine[key], sizeof(G));
	check_all();
	for (data += 2, size -= 2; size >= 12; data += 12, size -= 12)
		op(data);
	return 0;
}
