/* SPDX-License-Identifier: MIT */
/*
 * Library-internal part of the system-register emulation (lib/sysreg.c).
 */
#ifndef ARMVIRT_LIB_SYSREG_INTERNAL_H
#define ARMVIRT_LIB_SYSREG_INTERNAL_H

#include <armvirt/sysreg.h>

/*
 * av_sysreg_trap() over two tables: the row of the trapped key in @first, else in @second,
 * whose unmatched behaviour applies to a key neither has. The VM's dispatcher (the host's
 * rows, then the built-in ones) looks each key up once per table and calls no further.
 */
enum av_access_result av__sysreg_trap2(struct av_sysreg_table *first,
				       struct av_sysreg_table *second, void *vcpu, uint32_t iss,
				       struct av_regs *regs);

/* A key without a row in @t: logged once (budget permitting), then t->unmatched. */
enum av_access_result av__sysreg_unmatched(struct av_sysreg_table *t,
					   const struct av_sysreg_access *acc, uint64_t *val);

/* av_sysreg_lookup(), inlined into the trap paths (lib/sysreg.c, the VM's fast path): the
 * group's entry, then for a group mapped key by key the block's. */
static inline __attribute__((always_inline)) const struct av_sysreg_desc *
av__sysreg_row(const struct av_sysreg_table *t, uint32_t key)
{
	/* The group (op0, op1, CRn): op1 and CRn are adjacent in the key (bits 16:10). */
	unsigned g = (unsigned)(AV_FIELD_GET(AV_SYSREG_OP0, key) << 7) |
		     (unsigned)((key >> 10) & 0x7f);
	unsigned e;

	if (key & ~(uint32_t)AV_SYSREG_KEY_MASK)
		return NULL;
	e = t->index.group[g];
	if (e & AV_SYSREG_INDEX_ONE_ROW)
		return &t->rows[e & ~AV_SYSREG_INDEX_ONE_ROW];
	if (e == 0)
		return NULL;
	if (e <= AV_SYSREG_INDEX_BLOCKS) {
		unsigned r = t->index.block[e - 1][(av_sysreg_crm(key) << 3) | av_sysreg_op2(key)];

		return r ? &t->rows[r - 1] : NULL;
	}
	return av_sysreg_find(t->rows, t->nrows, key);
}

/* Carry out a fixed behaviour (every kind but HANDLER). */
static inline enum av_access_result av__sysreg_fixed(enum av_sysreg_kind kind, uint64_t value,
						     bool is_write, uint64_t *val)
{
	switch (kind) {
	case AV_SYSREG_RAZ_WI:
		if (!is_write)
			*val = 0;
		return AV_ACCESS_HANDLED;
	case AV_SYSREG_CONST:
		if (!is_write)
			*val = value;
		return AV_ACCESS_HANDLED;
	case AV_SYSREG_RO:
		if (is_write)
			return AV_ACCESS_INJECT;
		*val = value;
		return AV_ACCESS_HANDLED;
	default:
		return AV_ACCESS_INJECT;
	}
}

/* av_sysreg_emulate() with the row already looked up (NULL: none). */
static inline __attribute__((always_inline)) enum av_access_result
av__sysreg_emulate_row(struct av_sysreg_table *t, const struct av_sysreg_desc *row, void *vcpu,
		       const struct av_sysreg_access *acc, uint64_t *val)
{
	struct av_sysreg_ctx ctx;

	if (!acc->is_write)
		*val = 0;
	if (!row)
		return av__sysreg_unmatched(t, acc, val);
	if (row->kind != AV_SYSREG_HANDLER)
		return av__sysreg_fixed(row->kind, row->value, acc->is_write, val);
	ctx = (struct av_sysreg_ctx){
		.table = t,
		.desc = row,
		.vcpu = vcpu,
		.key = acc->key,
		.rt = acc->rt,
		.is_write = acc->is_write,
	};
	return row->access(&ctx, val);
}

/* av_sysreg_trap() with the row already looked up in @t (NULL: none). */
static inline __attribute__((always_inline)) enum av_access_result
av__sysreg_trap_row(struct av_sysreg_table *t, const struct av_sysreg_desc *row, void *vcpu,
		    uint32_t iss, struct av_regs *regs)
{
	struct av_sysreg_access acc;
	enum av_access_result res;
	uint64_t val = 0;

	av_sysreg_decode_iss(iss, &acc);
	if (acc.is_write && acc.rt < 31)
		val = regs->x[acc.rt];
	res = av__sysreg_emulate_row(t, row, vcpu, &acc, &val);
	if (res != AV_ACCESS_HANDLED)
		return res;
	if (!acc.is_write && acc.rt < 31)
		regs->x[acc.rt] = val;
	regs->pc += 4;
	return res;
}

/*
 * For the fast path (av_vm_fast_exit(), inlined there): the row of the key of @iss, looked
 * up as av__sysreg_trap2() does (in @first, else in @second: *@t = that table), if it may
 * run there: a RAZ_WI or CONST row, an RO read, or a HANDLER row with AV_SYSREG_F_FAST.
 * NULL otherwise (no row: logged; UNDEF, a write to RO: injections; other handlers).
 * Emulate it with av__sysreg_trap_row(*@t, row, ...).
 */
static inline __attribute__((always_inline)) const struct av_sysreg_desc *
av__sysreg_fast_row(struct av_sysreg_table *first, struct av_sysreg_table *second, uint32_t iss,
		    struct av_sysreg_table **t)
{
	uint32_t key = av_sysreg_key_from_iss(iss);
	const struct av_sysreg_desc *row = av__sysreg_row(first, key);

	*t = first;
	if (!row) {
		*t = second;
		row = av__sysreg_row(second, key);
	}
	if (!row || row->kind == AV_SYSREG_UNDEF ||
	    (row->kind == AV_SYSREG_RO && (iss & AV_SYSREG_ISS_DIR) == 0) ||
	    (row->kind == AV_SYSREG_HANDLER && !(row->flags & AV_SYSREG_F_FAST)))
		return NULL;
	return row;
}

#endif
