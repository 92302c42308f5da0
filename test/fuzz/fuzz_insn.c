/* SPDX-License-Identifier: MIT */
/*
 * libFuzzer harness for the load/store decoder and emulator.
 *
 * Input: a 32-bit instruction word (little-endian), then bytes that seed a generator for
 * the register file, the fault and the device. Every decoded word must satisfy the
 * structural invariants of struct av_insn_mem and format to a bounded line; it is then
 * emulated against a fake device with FAR inside (or, sometimes, outside) the access, and
 * the result, the device accesses and every register are checked. A violation traps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <armvirt/insn.h>
#include <armvirt/types.h>

#include "fuzz.h"

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += UINT64_C(0x9e3779b97f4a7c15));

	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

struct fake_dev {
	uint64_t next;  /* IPA the next access must use: ascending and contiguous */
	uint64_t end;   /* one past the last byte of the access */
	int calls;
	int fail_at;
	bool write_seen, read_seen;
};

static int dev_access(void *cookie, uint64_t ipa, unsigned size, bool is_write, uint64_t *val)
{
	struct fake_dev *d = cookie;

	CHECK(size == 1 || size == 2 || size == 4 || size == 8);
	CHECK(ipa == d->next && ipa + size <= d->end);
	d->next += size;
	if (is_write)
		d->write_seen = true;
	else
		d->read_seen = true;
	if (d->calls++ == d->fail_at)
		return -AV_EIO;
	if (!is_write)
		*val = rnd();
	return 0;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static unsigned log2u(unsigned v)
{
	unsigned l = 0;

	while ((1u << l) < v)
		l++;
	return l;
}

static void check_fields(const struct av_insn_mem *m, uint32_t word)
{
	unsigned sz = m->size;
	char buf[64], small[8];
	int n;

	CHECK(m->insn == word);
	CHECK(sz == 1 || sz == 2 || sz == 4 || sz == 8 || sz == 16);
	CHECK(m->rt < 32 && m->rt2 < 32 && m->rn < 32 && m->rm < 32);
	CHECK(m->rt == AV_FIELD_GET(AV_INSN_LS_RT, word));
	if (m->is_fp) {
		CHECK(m->reg_bits == 8 * sz && !m->sign_extend && !m->unpriv);
		CHECK(!m->acquire && !m->release);
	} else {
		CHECK(sz <= 8 && (m->reg_bits == 32 || m->reg_bits == 64) && 8 * sz <= m->reg_bits);
	}
	if (m->sign_extend)
		CHECK(!m->is_store && 8 * sz < m->reg_bits);
	CHECK(!m->acquire || !m->is_store);
	CHECK(!m->release || m->is_store);
	CHECK(!m->rcpc || m->acquire);
	CHECK(!m->nontemporal || (m->is_pair && m->wb == AV_INSN_WB_NONE));
	CHECK(!m->unpriv || (!m->is_pair && m->wb == AV_INSN_WB_NONE));
	CHECK(m->wb == AV_INSN_WB_NONE || m->wb == AV_INSN_WB_PRE || m->wb == AV_INSN_WB_POST);
	CHECK(m->wb == AV_INSN_WB_NONE || (m->addr == AV_INSN_ADDR_IMM && !m->acquire &&
					    !m->release));
	if (m->is_pair) {
		CHECK(sz >= 4 && m->addr == AV_INSN_ADDR_IMM && !m->acquire && !m->release);
		CHECK(m->imm % sz == 0);
		CHECK(m->imm >= -64 * (int64_t)sz && m->imm <= 63 * (int64_t)sz);
	} else {
		CHECK(m->rt2 == 0);
	}
	switch (m->addr) {
	case AV_INSN_ADDR_IMM:
		CHECK(m->rm == 0 && m->ext == AV_INSN_EXT_NONE && m->shift == 0);
		CHECK(m->imm >= -512 * 2 && m->imm <= 4095 * (int64_t)sz);
		if (m->acquire || m->release)
			CHECK(m->imm >= -256 && m->imm <= 255);
		break;
	case AV_INSN_ADDR_REG:
		CHECK(m->ext == AV_INSN_EXT_UXTW || m->ext == AV_INSN_EXT_LSL ||
		      m->ext == AV_INSN_EXT_SXTW || m->ext == AV_INSN_EXT_SXTX);
		CHECK(m->shift == 0 || m->shift == log2u(sz));
		CHECK(m->imm == 0 && !m->is_pair && !m->acquire && !m->release && !m->unpriv);
		break;
	case AV_INSN_ADDR_LITERAL:
		CHECK(!m->is_store && !m->is_pair && m->rn == 0 && m->rm == 0 && sz >= 4);
		CHECK(m->imm % 4 == 0 && m->imm >= -(1 << 20) && m->imm < (1 << 20));
		break;
	default:
		CHECK(0);
	}

	n = av_insn_format_mem(m, buf, sizeof(buf));
	CHECK(n > 0 && n < (int)sizeof(buf) && strlen(buf) == (size_t)n);
	CHECK(av_insn_format_mem(m, small, sizeof(small)) == n);
	CHECK(strlen(small) == sizeof(small) - 1);
}

/* Emulate @m against a random register file and fault, and check the outcome. */
static void check_emulation(const struct av_insn_mem *m)
{
	const uint64_t va_mask = (UINT64_C(1) << 56) - 1;
	struct av_regs r, before;
	struct av_insn_mmio io;
	struct fake_dev dev;
	unsigned n = m->is_pair ? 2 : 1;
	unsigned total = n * m->size;
	unsigned pieces = n * (m->size > 8 ? 2 : 1);
	uint64_t va, base, k, first;
	bool unpred, crosses, far_out, ipa_under, load_gpr = !m->is_store && !m->is_fp;
	int ret, want;

	uint64_t fill[sizeof(r) / 8];

	for (size_t i = 0; i < sizeof(fill) / sizeof(fill[0]); i++)
		fill[i] = rnd();
	memcpy(&r, fill, sizeof(r));
	/* Keep some addresses small and some page-aligned, to exercise the page check. */
	if (rnd() & 1) {
		uint64_t a = rnd() & 0xfff;
		r.sp = a;
		for (int i = 0; i < 31; i++)
			r.x[i] = rnd() & 1 ? a : r.x[i] & 0xff;
	}
	before = r;
	CHECK(av_insn_mem_address(m, &r, &va) == 0);
	CHECK(memcmp(&r, &before, sizeof(r)) == 0);
	base = m->rn == 31 ? r.sp : r.x[m->rn];
	if (m->addr == AV_INSN_ADDR_IMM)
		CHECK(va == (m->wb == AV_INSN_WB_POST ? base : base + (uint64_t)m->imm));
	if (m->addr == AV_INSN_ADDR_LITERAL)
		CHECK(va == r.pc + (uint64_t)m->imm);
	if (m->addr == AV_INSN_ADDR_REG) {
		uint64_t off = m->rm == 31 ? 0 : r.x[m->rm];

		if (m->ext == AV_INSN_EXT_UXTW)
			off = (uint32_t)off;
		else if (m->ext == AV_INSN_EXT_SXTW)
			off = (uint64_t)(int64_t)(int32_t)(uint32_t)off;
		CHECK(va == base + (off << m->shift));
	}

	/* Mostly a FAR inside the access, sometimes just past it. */
	k = rnd() & 3 ? total : total + 8;
	k = rnd() % k;
	memset(&io, 0, sizeof(io));
	io.far = va + k;
	if (rnd() & 1) /* a different tag in the FAR is ignored */
		io.far ^= rnd() & ~va_mask;
	io.ipa = rnd() & (rnd() & 1 ? 0xffffff : ~UINT64_C(0) >> 8);
	io.big_endian = rnd() & 1;
	io.fn = dev_access;
	io.cookie = &dev;
	memset(&dev, 0, sizeof(dev));
	dev.fail_at = rnd() & 1 ? (int)(rnd() % (pieces + 2)) : -1;
	first = io.ipa - k;
	dev.next = first;
	dev.end = first + total;

	unpred = (load_gpr && m->wb != AV_INSN_WB_NONE && m->rn != 31 &&
		  (m->rn == m->rt || (m->is_pair && m->rn == m->rt2))) ||
		 (!m->is_store && m->is_pair && m->rt == m->rt2);
	far_out = k >= total;
	ipa_under = io.ipa < k;
	crosses = ((va & va_mask) >> 12) != (((va + total - 1) & va_mask) >> 12);
	if (unpred)
		want = -AV_ENOTSUP;
	else if (far_out || ipa_under || crosses)
		want = -AV_EFAULT;
	else if (dev.fail_at >= 0 && dev.fail_at < (int)pieces)
		want = -AV_EIO;
	else
		want = 0;

	ret = av_insn_emulate_mem(m, &r, &io);
	CHECK(ret == want);
	if (ret) {
		CHECK(memcmp(&r, &before, sizeof(r)) == 0);
		CHECK(dev.calls == (ret == -AV_EIO ? dev.fail_at + 1 : 0));
		return;
	}
	CHECK(dev.calls == (int)pieces && dev.next == dev.end);
	CHECK(m->is_store ? dev.write_seen && !dev.read_seen : dev.read_seen && !dev.write_seen);
	CHECK(r.pc == before.pc + 4 && r.pstate == before.pstate);
	CHECK(r.fpsr == before.fpsr && r.fpcr == before.fpcr);

	/* Only Rt/Rt2 (loads) and Rn (writeback) may change. */
	for (unsigned i = 0; i < 31; i++) {
		bool dest = load_gpr && (i == m->rt || (m->is_pair && i == m->rt2));
		bool wbreg = m->wb != AV_INSN_WB_NONE && i == m->rn;

		if (wbreg) {
			uint64_t b = before.x[i];
			CHECK(r.x[i] == b + (uint64_t)m->imm);
			continue;
		}
		if (!dest) {
			CHECK(r.x[i] == before.x[i]);
			continue;
		}
		if (m->reg_bits == 32)
			CHECK(r.x[i] >> 32 == 0);
		if (m->sign_extend) {
			int64_t v = (int64_t)(r.x[i] << (64 - m->reg_bits)) >> (64 - m->reg_bits);
			int64_t lim = INT64_C(1) << (8 * m->size - 1);
			CHECK(v >= -lim && v < lim);
		} else if (m->size < 8) {
			CHECK(r.x[i] >> (8 * m->size) == 0);
		}
	}
	if (m->wb != AV_INSN_WB_NONE && m->rn == 31)
		CHECK(r.sp == before.sp + (uint64_t)m->imm);
	else
		CHECK(r.sp == before.sp);
	for (unsigned i = 0; i < 32; i++) {
		bool dest = !m->is_store && m->is_fp && (i == m->rt || (m->is_pair && i == m->rt2));

		if (!dest) {
			CHECK(r.v[i][0] == before.v[i][0] && r.v[i][1] == before.v[i][1]);
			continue;
		}
		if (m->size < 16)
			CHECK(r.v[i][1] == 0);
		if (m->size < 8)
			CHECK(r.v[i][0] >> (8 * m->size) == 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct av_insn_mem m, again;
	uint32_t word;
	int ret;

	if (size < 4)
		return 0;
	word = (uint32_t)data[0] | (uint32_t)data[1] << 8 | (uint32_t)data[2] << 16 |
	       (uint32_t)data[3] << 24;
	rng_state = UINT64_C(0xcbf29ce484222325);
	for (size_t i = 4; i < size; i++)
		rng_state = (rng_state ^ data[i]) * UINT64_C(0x100000001b3);

	memset(&m, 0x5a, sizeof(m));
	ret = av_insn_decode_mem(word, &m);
	if (ret) {
		CHECK(ret == -AV_ENOTSUP && all_zero(&m, sizeof(m)));
		return 0;
	}
	CHECK(av_insn_decode_mem(word, &again) == 0 && memcmp(&m, &again, sizeof(m)) == 0);
	check_fields(&m, word);
	check_emulation(&m);
	return 0;
}
