/* SPDX-License-Identifier: MIT */
/*
 * Table-driven emulation of trapped MSR/MRS (EC 0x18).
 *
 * Invariants: a table's rows are sorted in encoding order (av_sysreg_key_order()), each
 * row covers [key, last] (last = key for a single register), the covered intervals do
 * not overlap, and every HANDLER row has a callback. av_sysreg_table_init() refuses a
 * table that breaks them, so av_sysreg_find() can binary-search without further checks.
 *
 * Unhandled keys are logged once per table: the keys already reported sit in a small
 * ring (struct av_sysreg_table.warned) read and written with relaxed atomics, so
 * concurrent traps on several CPUs at worst log a key twice.
 */
#include <armvirt/log.h>
#include <armvirt/sysreg.h>

#include "compat.h"

/* Encoding-order bounds of a row. */
static uint32_t row_first(const struct av_sysreg_desc *r)
{
	return av_sysreg_key_order(r->key);
}

static uint32_t row_last(const struct av_sysreg_desc *r)
{
	return av_sysreg_key_order(r->last ? r->last : r->key);
}

static const char *row_name(const struct av_sysreg_desc *r, char *buf, size_t size)
{
	if (r->name)
		return r->name;
	av_sysreg_format_generic(r->key, buf, size);
	return buf;
}

int av_sysreg_table_check(const struct av_sysreg_desc *rows, size_t n)
{
	const uint32_t bad_bits = ~(uint32_t)AV_SYSREG_KEY_MASK;
	char b0[AV_SYSREG_NAME_MAX], b1[AV_SYSREG_NAME_MAX];

	if (!rows && n)
		return -AV_EINVAL;
	for (size_t i = 0; i < n; i++) {
		const struct av_sysreg_desc *r = &rows[i];

		if ((r->key & bad_bits) || (r->last & bad_bits)) {
			av_err("sysreg: row %zu (%s): key has bits outside the encoding", i,
			       row_name(r, b0, sizeof(b0)));
			return -AV_EINVAL;
		}
		if ((unsigned)r->kind >= AV_SYSREG_KIND_MAX) {
			av_err("sysreg: row %zu (%s): bad kind %u", i, row_name(r, b0, sizeof(b0)),
			       (unsigned)r->kind);
			return -AV_EINVAL;
		}
		if (r->kind == AV_SYSREG_HANDLER && !r->access) {
			av_err("sysreg: row %zu (%s): handler row without a callback", i,
			       row_name(r, b0, sizeof(b0)));
			return -AV_EINVAL;
		}
		if (row_last(r) < row_first(r)) {
			av_err("sysreg: row %zu (%s): range ends before it starts", i,
			       row_name(r, b0, sizeof(b0)));
			return -AV_EINVAL;
		}
		if (i == 0)
			continue;
		if (row_first(r) == row_first(&rows[i - 1])) {
			av_err("sysreg: rows %zu (%s) and %zu (%s) have the same key", i - 1,
			       row_name(&rows[i - 1], b0, sizeof(b0)), i,
			       row_name(r, b1, sizeof(b1)));
			return -AV_EEXIST;
		}
		if (row_first(r) < row_first(&rows[i - 1])) {
			av_err("sysreg: row %zu (%s) is out of order after %s", i,
			       row_name(r, b0, sizeof(b0)), row_name(&rows[i - 1], b1, sizeof(b1)));
			return -AV_EINVAL;
		}
		if (row_first(r) <= row_last(&rows[i - 1])) {
			av_err("sysreg: row %zu (%s) overlaps the range of %s", i,
			       row_name(r, b0, sizeof(b0)), row_name(&rows[i - 1], b1, sizeof(b1)));
			return -AV_EEXIST;
		}
	}
	return 0;
}

int av_sysreg_table_init(struct av_sysreg_table *t, const struct av_sysreg_desc *rows,
			 size_t n, enum av_sysreg_kind unmatched, void *cookie)
{
	int ret;

	if (!t || (unmatched != AV_SYSREG_UNDEF && unmatched != AV_SYSREG_RAZ_WI))
		return -AV_EINVAL;
	ret = av_sysreg_table_check(rows, n);
	if (ret)
		return ret;
	memset(t, 0, sizeof(*t));
	t->rows = rows;
	t->nrows = n;
	t->unmatched = unmatched;
	t->cookie = cookie;
	return 0;
}

const struct av_sysreg_desc *av_sysreg_find(const struct av_sysreg_desc *rows, size_t n,
					    uint32_t key)
{
	uint32_t want = av_sysreg_key_order(key);
	size_t lo = 0, hi = n;

	if (key & ~(uint32_t)AV_SYSREG_KEY_MASK)
		return NULL;
	/* Find the last row starting at or before the key, then test its end. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (row_first(&rows[mid]) <= want)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || row_last(&rows[lo - 1]) < want)
		return NULL;
	return &rows[lo - 1];
}

/* True when @key is one of the unhandled keys this table remembers having logged. */
static bool warned_already(const struct av_sysreg_table *t, uint32_t key)
{
	uint32_t tag = key + 1; /* 0 marks an empty slot */

	for (unsigned i = 0; i < AV_SYSREG_WARN_SLOTS; i++) {
		if (__atomic_load_n(&t->warned[i], __ATOMIC_RELAXED) == tag)
			return true;
	}
	return false;
}

/* Remember that @key was logged (approximately, see top: a ring of the latest keys). */
static void remember_warning(struct av_sysreg_table *t, uint32_t key)
{
	/* Separate load and store, not a read-modify-write: no atomics library needed. */
	uint32_t next = __atomic_load_n(&t->warn_next, __ATOMIC_RELAXED);

	__atomic_store_n(&t->warn_next, next + 1, __ATOMIC_RELAXED);
	__atomic_store_n(&t->warned[next % AV_SYSREG_WARN_SLOTS], key + 1, __ATOMIC_RELAXED);
}

static void warn_unhandled(struct av_sysreg_table *t, const struct av_sysreg_access *acc)
{
	char gen[AV_SYSREG_NAME_MAX];
	const char *name = av_sysreg_name(acc->key);
	unsigned op0 = av_sysreg_op0(acc->key), op1 = av_sysreg_op1(acc->key);
	unsigned crn = av_sysreg_crn(acc->key), crm = av_sysreg_crm(acc->key);
	unsigned op2 = av_sysreg_op2(acc->key);

	/* A key the budget drops is not remembered: it is logged once the budget allows. */
	if (!av_log_enabled(AV_LOG_WARN) || warned_already(t, acc->key) ||
	    !av_log_budget_take(t->log_budget))
		return;
	remember_warning(t, acc->key);
	av_sysreg_format_generic(acc->key, gen, sizeof(gen));
	if (!name)
		name = gen;
	av_warn("sysreg: unhandled %s %s (op0=%u op1=%u CRn=%u CRm=%u op2=%u): "
		"add { .key = AV_SYSREG(%u, %u, %u, %u, %u), .name = \"%s\", "
		".kind = AV_SYSREG_RAZ_WI },",
		acc->is_write ? "MSR" : "MRS", name, op0, op1, crn, crm, op2, op0, op1, crn, crm,
		op2, name);
}

/* Carry out a fixed behaviour (every kind but HANDLER). */
static enum av_access_result fixed(enum av_sysreg_kind kind, uint64_t value, bool is_write,
				   uint64_t *val)
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

enum av_access_result av_sysreg_emulate(struct av_sysreg_table *t, void *vcpu,
					const struct av_sysreg_access *acc, uint64_t *val)
{
	const struct av_sysreg_desc *row = av_sysreg_find(t->rows, t->nrows, acc->key);
	struct av_sysreg_ctx ctx;

	if (!acc->is_write)
		*val = 0;
	if (!row) {
		warn_unhandled(t, acc);
		return fixed(t->unmatched, 0, acc->is_write, val);
	}
	if (row->kind != AV_SYSREG_HANDLER)
		return fixed(row->kind, row->value, acc->is_write, val);
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

enum av_access_result av_sysreg_trap(struct av_sysreg_table *t, void *vcpu, uint32_t iss,
				     struct av_regs *regs)
{
	struct av_sysreg_access acc;
	enum av_access_result res;
	uint64_t val = 0;

	av_sysreg_decode_iss(iss, &acc);
	if (acc.is_write && acc.rt < 31)
		val = regs->x[acc.rt];
	res = av_sysreg_emulate(t, vcpu, &acc, &val);
	if (res != AV_ACCESS_HANDLED)
		return res;
	if (!acc.is_write && acc.rt < 31)
		regs->x[acc.rt] = val;
	regs->pc += 4;
	return res;
}
