/* SPDX-License-Identifier: MIT */
/*
 * Table-driven emulation of trapped MSR/MRS (EC 0x18).
 *
 * Invariants: a table's rows are sorted in encoding order (av_sysreg_key_order()), each
 * row covers [key, last] (last = key for a single register), the covered intervals do
 * not overlap, and every HANDLER row has a callback. av_sysreg_table_init() refuses a
 * table that breaks them, so av_sysreg_find() can binary-search without further checks.
 *
 * The index (struct av_sysreg_index) maps the key space, 2^16 encodings, in 512 groups of
 * 128 keys, (op0, op1, CRn) then (CRm, op2): a group is empty, one row, or mapped key by key
 * in a block of row numbers. av_sysreg_lookup() reads at most two entries; a group the
 * index could not map (blocks used up, or a table of more than 254 rows) says "search".
 *
 * Unhandled keys are logged once per table: the keys already reported sit in a small
 * ring (struct av_sysreg_table.warned) read and written with relaxed atomics, so
 * concurrent traps on several CPUs at worst log a key twice.
 */
#include <armvirt/log.h>
#include <armvirt/sysreg.h>

#include "compat.h"
#include "sysreg_internal.h"

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

/* Keys per group; rows a block can number (an entry is r + 1 in a byte). */
#define GROUP_KEYS AV_SYSREG_INDEX_GROUP_KEYS
#define BLOCK_ROWS 254u

/* The index entry of group @g, whose rows are rows[first, end) (each meets the group). */
static uint16_t index_group(struct av_sysreg_index *ix, unsigned *blocks,
			    const struct av_sysreg_desc *rows, size_t n, size_t first, size_t end,
			    uint32_t g)
{
	uint32_t lo = g * GROUP_KEYS, hi = lo + GROUP_KEYS - 1;
	uint8_t *b;

	if (first == end)
		return 0;
	if (end - first == 1 && row_first(&rows[first]) <= lo && row_last(&rows[first]) >= hi &&
	    first < AV_SYSREG_INDEX_SEARCH)
		return (uint16_t)(AV_SYSREG_INDEX_ONE_ROW | first);
	if (n > BLOCK_ROWS || *blocks >= AV_SYSREG_INDEX_BLOCKS)
		return AV_SYSREG_INDEX_SEARCH;
	b = ix->block[*blocks];
	for (size_t r = first; r < end; r++) {
		uint32_t from = row_first(&rows[r]), to = row_last(&rows[r]);

		from = from < lo ? 0 : from - lo;
		to = to > hi ? GROUP_KEYS - 1 : to - lo;
		for (uint32_t k = from; k <= to; k++)
			b[k] = (uint8_t)(r + 1);
	}
	return (uint16_t)++*blocks;
}

/* Build @ix for checked rows (sorted, disjoint). */
static void index_build(struct av_sysreg_index *ix, const struct av_sysreg_desc *rows, size_t n)
{
	unsigned blocks = 0;
	size_t first = 0;

	for (uint32_t g = 0; g < AV_SYSREG_INDEX_GROUPS; g++) {
		uint32_t lo = g * GROUP_KEYS, hi = lo + GROUP_KEYS - 1;
		size_t end;

		/* Skip the rows that end before the group; then take those starting in it. */
		while (first < n && row_last(&rows[first]) < lo)
			first++;
		end = first;
		while (end < n && row_first(&rows[end]) <= hi)
			end++;
		ix->group[g] = index_group(ix, &blocks, rows, n, first, end, g);
	}
}

const struct av_sysreg_desc *av_sysreg_lookup(const struct av_sysreg_table *t, uint32_t key)
{
	return av__sysreg_row(t, key);
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
	index_build(&t->index, rows, n);
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

enum av_access_result av__sysreg_unmatched(struct av_sysreg_table *t,
					   const struct av_sysreg_access *acc, uint64_t *val)
{
	warn_unhandled(t, acc);
	return av__sysreg_fixed(t->unmatched, 0, acc->is_write, val);
}

enum av_access_result av_sysreg_emulate(struct av_sysreg_table *t, void *vcpu,
					const struct av_sysreg_access *acc, uint64_t *val)
{
	return av__sysreg_emulate_row(t, av__sysreg_row(t, acc->key), vcpu, acc, val);
}

enum av_access_result av_sysreg_trap(struct av_sysreg_table *t, void *vcpu, uint32_t iss,
				     struct av_regs *regs)
{
	return av__sysreg_trap_row(t, av__sysreg_row(t, av_sysreg_key_from_iss(iss)), vcpu, iss,
				   regs);
}

enum av_access_result av__sysreg_trap2(struct av_sysreg_table *first,
				       struct av_sysreg_table *second, void *vcpu, uint32_t iss,
				       struct av_regs *regs)
{
	uint32_t key = av_sysreg_key_from_iss(iss);
	const struct av_sysreg_desc *row = av__sysreg_row(first, key);

	if (row)
		return av__sysreg_trap_row(first, row, vcpu, iss, regs);
	return av__sysreg_trap_row(second, av__sysreg_row(second, key), vcpu, iss, regs);
}
