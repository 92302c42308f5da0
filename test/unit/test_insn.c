/* SPDX-License-Identifier: MIT */
/*
 * Unit tests: A64 load/store decoding and emulation.
 *
 * The decoder is checked against the cross assembler: insn_cases.h is generated at build
 * time from insn/cases.txt by assembling every line with aarch64-linux-gnu-as, and each
 * word is decoded here and compared with the fields the list states. Unallocated
 * encodings are reached by changing a field of an assembled word (the list's `set=`), so
 * no instruction word is written by hand, here or in the emulation tests, which look
 * their instructions up in the same table by assembly text.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <armvirt/insn.h>
#include <armvirt/types.h>

#include "insn_cases.h"

/* ---- expectations ---- */

struct bitset {
	unsigned hi, lo;
	uint32_t val;
};

struct expect {
	bool reject;
	unsigned nset;
	struct bitset set[4];
	struct av_insn_mem m;
};

static uint32_t mask_of(unsigned hi, unsigned lo)
{
	return (uint32_t)(((UINT64_C(1) << (hi + 1)) - 1) & ~((UINT64_C(1) << lo) - 1));
}

/* Parse one expectation string; fails the test on a malformed one. */
static void parse_expect(const struct insn_case *c, struct expect *e)
{
	char buf[256];
	bool dir = false, bits = false;

	memset(e, 0, sizeof(*e));
	assert_true(strlen(c->expect) < sizeof(buf));
	strcpy(buf, c->expect);
	for (char *tok = strtok(buf, " "); tok; tok = strtok(NULL, " ")) {
		char *eq = strchr(tok, '=');
		const char *val = eq ? eq + 1 : "";
		long long n = eq ? strtoll(val, NULL, 0) : 0;

		if (eq)
			*eq = '\0';
		if (!strcmp(tok, "reject")) {
			e->reject = true;
		} else if (!strcmp(tok, "set")) {
			unsigned hi, lo, v;
			assert_true(e->nset < 4);
			assert_int_equal(sscanf(val, "%u:%u:%u", &hi, &lo, &v), 3);
			assert_true(hi < 32 && lo <= hi);
			e->set[e->nset++] = (struct bitset){ hi, lo, v };
		} else if (!strcmp(tok, "ld") || !strcmp(tok, "st")) {
			e->m.is_store = tok[0] == 's';
			dir = true;
		} else if (!strcmp(tok, "size")) {
			e->m.size = (uint8_t)n;
		} else if (!strcmp(tok, "bits")) {
			e->m.reg_bits = (uint8_t)n;
			bits = true;
		} else if (!strcmp(tok, "sx")) {
			e->m.sign_extend = true;
		} else if (!strcmp(tok, "fp")) {
			e->m.is_fp = true;
		} else if (!strcmp(tok, "pair")) {
			e->m.is_pair = true;
		} else if (!strcmp(tok, "acq")) {
			e->m.acquire = true;
		} else if (!strcmp(tok, "rcpc")) {
			e->m.rcpc = true;
		} else if (!strcmp(tok, "rel")) {
			e->m.release = true;
		} else if (!strcmp(tok, "nt")) {
			e->m.nontemporal = true;
		} else if (!strcmp(tok, "unpriv")) {
			e->m.unpriv = true;
		} else if (!strcmp(tok, "lit")) {
			e->m.addr = AV_INSN_ADDR_LITERAL;
		} else if (!strcmp(tok, "rt")) {
			e->m.rt = (uint8_t)n;
		} else if (!strcmp(tok, "rt2")) {
			e->m.rt2 = (uint8_t)n;
		} else if (!strcmp(tok, "rn")) {
			e->m.rn = (uint8_t)n;
		} else if (!strcmp(tok, "rm")) {
			e->m.rm = (uint8_t)n;
		} else if (!strcmp(tok, "imm")) {
			e->m.imm = n;
		} else if (!strcmp(tok, "shift")) {
			e->m.shift = (uint8_t)n;
		} else if (!strcmp(tok, "ext")) {
			e->m.addr = AV_INSN_ADDR_REG;
			if (!strcmp(val, "uxtw"))
				e->m.ext = AV_INSN_EXT_UXTW;
			else if (!strcmp(val, "lsl"))
				e->m.ext = AV_INSN_EXT_LSL;
			else if (!strcmp(val, "sxtw"))
				e->m.ext = AV_INSN_EXT_SXTW;
			else if (!strcmp(val, "sxtx"))
				e->m.ext = AV_INSN_EXT_SXTX;
			else
				fail_msg("%s: bad ext '%s'", c->text, val);
		} else if (!strcmp(tok, "wb")) {
			if (!strcmp(val, "pre"))
				e->m.wb = AV_INSN_WB_PRE;
			else if (!strcmp(val, "post"))
				e->m.wb = AV_INSN_WB_POST;
			else
				fail_msg("%s: bad wb '%s'", c->text, val);
		} else {
			fail_msg("%s: unknown expectation key '%s'", c->text, tok);
		}
	}
	if (e->reject) {
		assert_false(dir);
		return;
	}
	if (!dir)
		fail_msg("%s: expectation states neither ld nor st", c->text);
	if (e->nset)
		fail_msg("%s: set= is only for reject lines", c->text);
	if (!bits)
		e->m.reg_bits = (uint8_t)(e->m.is_fp ? 8 * e->m.size : e->m.size == 8 ? 64 : 32);
	e->m.insn = c->word;
}

static uint32_t patched_word(const struct insn_case *c, const struct expect *e)
{
	uint32_t w = c->word;

	for (unsigned i = 0; i < e->nset; i++) {
		uint32_t mask = mask_of(e->set[i].hi, e->set[i].lo);
		w = (w & ~mask) | ((e->set[i].val << e->set[i].lo) & mask);
	}
	return w;
}

/* Compare every field; report each mismatch and return how many there were. */
static int compare_mem(const char *text, const struct av_insn_mem *got,
		       const struct av_insn_mem *want)
{
	int bad = 0;
#define CMP(f)                                                                          \
	do {                                                                            \
		if ((long long)got->f != (long long)want->f) {                          \
			print_error("%s: %s = %lld, expected %lld\n", text, #f,         \
				    (long long)got->f, (long long)want->f);             \
			bad++;                                                          \
		}                                                                       \
	} while (0)
	CMP(insn);
	CMP(is_store);
	CMP(is_pair);
	CMP(is_fp);
	CMP(sign_extend);
	CMP(acquire);
	CMP(rcpc);
	CMP(release);
	CMP(nontemporal);
	CMP(unpriv);
	CMP(size);
	CMP(reg_bits);
	CMP(rt);
	CMP(rt2);
	CMP(rn);
	CMP(rm);
	CMP(shift);
	CMP(addr);
	CMP(ext);
	CMP(wb);
	CMP(imm);
#undef CMP
	return bad;
}

static bool all_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return false;
	return true;
}

static void test_oracle(void **state)
{
	int bad = 0, accepted = 0, rejected = 0;
	(void)state;

	for (size_t i = 0; i < INSN_CASES_COUNT; i++) {
		const struct insn_case *c = &insn_cases[i];
		struct av_insn_mem got;
		struct expect e;
		uint32_t w;
		int ret;

		parse_expect(c, &e);
		w = patched_word(c, &e);
		if (e.nset && w == c->word) {
			print_error("%s: set= does not change %#010x\n", c->text, c->word);
			bad++;
		}
		memset(&got, 0xa5, sizeof(got));
		ret = av_insn_decode_mem(w, &got);
		if (e.reject) {
			rejected++;
			if (ret != -AV_ENOTSUP) {
				print_error("%s (%#010x): decoded (ret %d), expected a reject\n",
					    c->text, w, ret);
				bad++;
			} else if (!all_zero(&got, sizeof(got))) {
				print_error("%s: output not cleared\n", c->text);
				bad++;
			}
			continue;
		}
		accepted++;
		if (ret != 0) {
			print_error("%s (%#010x): rejected (%s)\n", c->text, w, av_strerror(ret));
			bad++;
			continue;
		}
		bad += compare_mem(c->text, &got, &e.m);
	}
	print_message("insn oracle: %d cases, %d decoded, %d rejected\n", (int)INSN_CASES_COUNT,
		      accepted, rejected);
	assert_int_equal(bad, 0);
	assert_true(INSN_CASES_COUNT >= 350);
	assert_true(accepted >= 300);
	assert_true(rejected >= 100);
}

/* The list covers every form, size and index mode (guards against cases being dropped). */
struct shape {
	int st, fp, size, sx, bits, pair, nt, addr, wb, rt31, rn31;
};
#define ANY -1
/* SHAPE() overrides its ANY defaults with the caller's designated initializers. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Winitializer-overrides"
#else
#pragma GCC diagnostic ignored "-Woverride-init"
#endif
#define SHAPE(...) ((struct shape){ .st = ANY, .fp = ANY, .size = ANY, .sx = ANY, .bits = ANY, \
				     .pair = ANY, .nt = ANY, .addr = ANY, .wb = ANY,      \
				     .rt31 = ANY, .rn31 = ANY, __VA_ARGS__ })

static bool field_ok(int want, long long got)
{
	return want == ANY || want == got;
}

static int count_shape(struct shape s)
{
	int n = 0;

	for (size_t i = 0; i < INSN_CASES_COUNT; i++) {
		struct av_insn_mem m;
		struct expect e;

		parse_expect(&insn_cases[i], &e);
		if (e.reject || av_insn_decode_mem(insn_cases[i].word, &m))
			continue;
		if (field_ok(s.st, m.is_store) && field_ok(s.fp, m.is_fp) &&
		    field_ok(s.size, m.size) && field_ok(s.sx, m.sign_extend) &&
		    field_ok(s.bits, m.reg_bits) && field_ok(s.pair, m.is_pair) &&
		    field_ok(s.nt, m.nontemporal) && field_ok(s.addr, m.addr) &&
		    field_ok(s.wb, m.wb) && field_ok(s.rt31, m.rt == 31) &&
		    field_ok(s.rn31, m.rn == 31))
			n++;
	}
	return n;
}

static void print_shape(const struct shape *s)
{
	print_error("no case for shape st=%d fp=%d size=%d sx=%d bits=%d pair=%d nt=%d addr=%d "
		    "wb=%d rt31=%d rn31=%d (-1: any)\n", s->st, s->fp, s->size, s->sx, s->bits,
		    s->pair, s->nt, s->addr, s->wb, s->rt31, s->rn31);
}

#define NEED(...)                                                                     \
	do {                                                                          \
		struct shape s_ = SHAPE(__VA_ARGS__);                                 \
		if (count_shape(s_) == 0) {                                           \
			print_shape(&s_);                                             \
			missing++;                                                    \
		}                                                                     \
	} while (0)

static void test_oracle_coverage(void **state)
{
	static const int wbs[] = { AV_INSN_WB_NONE, AV_INSN_WB_PRE, AV_INSN_WB_POST };
	int missing = 0;
	(void)state;

	for (int st = 0; st < 2; st++) {
		for (int sz = 1; sz <= 16; sz *= 2) {
			for (size_t w = 0; w < 3; w++) {
				NEED(.st = st, .fp = 1, .size = sz, .pair = 0, .addr = 0,
				     .wb = wbs[w]);
				NEED(.st = st, .fp = 1, .size = sz, .pair = 0, .wb = wbs[w],
				     .rn31 = 1);
				if (sz <= 8) {
					NEED(.st = st, .fp = 0, .size = sz, .sx = 0, .pair = 0,
					     .addr = 0, .wb = wbs[w]);
					NEED(.st = st, .fp = 0, .size = sz, .pair = 0, .wb = wbs[w],
					     .rn31 = 1);
				}
			}
			NEED(.st = st, .fp = 1, .size = sz, .addr = AV_INSN_ADDR_REG);
			if (sz <= 8) {
				NEED(.st = st, .fp = 0, .size = sz, .sx = 0,
				     .addr = AV_INSN_ADDR_REG);
				NEED(.st = st, .fp = 0, .size = sz, .pair = 0, .rt31 = 1);
			}
			if (sz >= 4) {
				for (size_t w = 0; w < 3; w++)
					NEED(.st = st, .fp = 1, .size = sz, .pair = 1, .nt = 0,
					     .wb = wbs[w]);
				NEED(.st = st, .fp = 1, .size = sz, .pair = 1, .nt = 1);
			}
			if (sz == 4 || sz == 8) {
				for (size_t w = 0; w < 3; w++)
					NEED(.st = st, .fp = 0, .size = sz, .sx = 0, .pair = 1,
					     .nt = 0, .wb = wbs[w]);
				NEED(.st = st, .fp = 0, .size = sz, .pair = 1, .nt = 1);
				NEED(.st = st, .fp = 0, .size = sz, .pair = 1, .rt31 = 1);
			}
		}
	}
	/* Sign-extending loads to W and X, in every addressing form. */
	for (int sz = 1; sz <= 4; sz *= 2) {
		for (int bits = 32; bits <= 64; bits += 32) {
			if (sz == 4 && bits == 32)
				continue;
			for (size_t w = 0; w < 3; w++)
				NEED(.st = 0, .fp = 0, .size = sz, .sx = 1, .bits = bits, .pair = 0,
				     .addr = 0, .wb = wbs[w]);
			NEED(.st = 0, .size = sz, .sx = 1, .bits = bits, .addr = AV_INSN_ADDR_REG);
		}
	}
	for (size_t w = 0; w < 3; w++)
		NEED(.sx = 1, .pair = 1, .wb = wbs[w]);
	/* Literals: W, X, LDRSW, S, D, Q. */
	NEED(.fp = 0, .size = 4, .sx = 0, .addr = AV_INSN_ADDR_LITERAL);
	NEED(.fp = 0, .size = 8, .addr = AV_INSN_ADDR_LITERAL);
	NEED(.fp = 0, .size = 4, .sx = 1, .addr = AV_INSN_ADDR_LITERAL);
	NEED(.fp = 1, .size = 4, .addr = AV_INSN_ADDR_LITERAL);
	NEED(.fp = 1, .size = 8, .addr = AV_INSN_ADDR_LITERAL);
	NEED(.fp = 1, .size = 16, .addr = AV_INSN_ADDR_LITERAL);
	assert_int_equal(missing, 0);
}

/* ---- decode details ---- */

static uint32_t word_of(const char *text)
{
	for (size_t i = 0; i < INSN_CASES_COUNT; i++)
		if (!strcmp(insn_cases[i].text, text))
			return insn_cases[i].word;
	fail_msg("'%s' is not in insn/cases.txt", text);
	return 0;
}

static struct av_insn_mem decode(const char *text)
{
	struct av_insn_mem m;

	assert_int_equal(av_insn_decode_mem(word_of(text), &m), 0);
	return m;
}

static void test_decode_args(void **state)
{
	(void)state;
	assert_int_equal(av_insn_decode_mem(word_of("ldr x0, [x1]"), NULL), -AV_EINVAL);
	/* Every register-number field reaches the output unchanged. */
	for (size_t i = 0; i < INSN_CASES_COUNT; i++) {
		struct av_insn_mem a, b;

		if (av_insn_decode_mem(insn_cases[i].word, &a))
			continue;
		assert_int_equal(av_insn_decode_mem(insn_cases[i].word, &b), 0);
		assert_memory_equal(&a, &b, sizeof(a));
	}
}

static void test_format(void **state)
{
	/* Lines whose format is the assembler's own spelling. */
	static const char *const same[] = {
		"ldp x0, x1, [sp, #-512]!", "stp x29, x30, [sp, #-16]!", "ldp x29, x30, [sp], #16",
		"ldpsw x5, x6, [x7, #252]!", "ldnp q11, q12, [x13, #-1024]", "stnp xzr, xzr, [x13]",
		"ldrb w0, [x1]", "ldrsb x23, [x24, #4095]", "ldrsw x30, [sp]",
		"strh wzr, [x7, #8190]",
		"str q16, [x17, #16]", "ldr b31, [sp, #4095]", "ldr x16, [x17, x18, lsl #3]",
		"ldrsw x10, [x11, w12, sxtw #2]", "ldrb w6, [sp, w7, uxtw]", "ldrb w0, [x1, x2]",
		"ldr q31, [x0, x1, sxtx]", "str d23, [x24, w25, uxtw #3]", "ldar x5, [x6]",
		"stlrb w7, [x8]", "ldapr w18, [x19]", "ldtrsh x21, [sp, #255]", "sttr xzr, [sp]",
		"ldr x12, [x13], #-256", "str xzr, [x14, #-256]!", "ldp s3, s4, [sp, #-256]!",
		"ldr wzr, [x20, #4]", "ldrsb wzr, [x0, #1]",
	};
	char buf[64];
	struct av_insn_mem m;
	(void)state;

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		m = decode(same[i]);
		assert_int_equal(av_insn_format_mem(&m, buf, sizeof(buf)), strlen(same[i]));
		assert_string_equal(buf, same[i]);
	}
	m = decode("ldur x13, [x14, #-256]");
	av_insn_format_mem(&m, buf, sizeof(buf));
	assert_string_equal(buf, "ldr x13, [x14, #-256]");
	m = decode("ldr x3, . - 1048576");
	av_insn_format_mem(&m, buf, sizeof(buf));
	assert_string_equal(buf, "ldr x3, [pc, #-1048576]");
	m = decode("ldapursw x14, [x15, #255]");
	av_insn_format_mem(&m, buf, sizeof(buf));
	assert_string_equal(buf, "ldaprsw x14, [x15, #255]");
	m = decode("ldrb w3, [x4, x5, lsl #0]");
	av_insn_format_mem(&m, buf, sizeof(buf));
	assert_string_equal(buf, "ldrb w3, [x4, x5]");

	/* Every decodable case formats to a sane line; truncation is reported. */
	for (size_t i = 0; i < INSN_CASES_COUNT; i++) {
		int n;

		if (av_insn_decode_mem(insn_cases[i].word, &m))
			continue;
		n = av_insn_format_mem(&m, buf, sizeof(buf));
		assert_true(n > 8 && n < (int)sizeof(buf));
		assert_int_equal(strlen(buf), n);
		assert_int_equal(strncmp(buf, insn_cases[i].text, 2), 0);
	}
	m = decode("ldp x0, x1, [sp, #-512]!");
	assert_int_equal(av_insn_format_mem(&m, buf, 5), 24);
	assert_string_equal(buf, "ldp ");
	assert_int_equal(av_insn_format_mem(&m, NULL, 0), 24);
	assert_int_equal(av_insn_format_mem(NULL, buf, sizeof(buf)), -AV_EINVAL);
}

/* ---- emulation against a fake device ---- */

#define DEV_VA   UINT64_C(0x0000ffff80042000) /* page-aligned guest VA of the device */
#define DEV_IPA  UINT64_C(0x09000000)         /* its IPA */
#define DEV_SIZE 256

struct access {
	uint64_t ipa;
	unsigned size;
	bool write;
	uint64_t val;
};

struct fake_dev {
	uint8_t mem[DEV_SIZE];
	int calls;
	struct access log[8];
	int fail_at; /* index of the call that fails, or -1 */
	int fail_ret;
};

static int dev_access(void *cookie, uint64_t ipa, unsigned size, bool is_write, uint64_t *val)
{
	struct fake_dev *d = cookie;
	uint64_t v = 0;

	assert_true(size == 1 || size == 2 || size == 4 || size == 8);
	assert_true(ipa >= DEV_IPA && ipa + size <= DEV_IPA + DEV_SIZE);
	assert_true(d->calls < 8);
	d->log[d->calls] = (struct access){ ipa, size, is_write, is_write ? *val : 0 };
	if (d->calls++ == d->fail_at)
		return d->fail_ret;
	if (is_write) {
		for (unsigned i = 0; i < size; i++)
			d->mem[ipa - DEV_IPA + i] = (uint8_t)(*val >> (8 * i));
		return 0;
	}
	for (unsigned i = 0; i < size; i++)
		v |= (uint64_t)d->mem[ipa - DEV_IPA + i] << (8 * i);
	/* Junk above the access size must be ignored. */
	if (size < 8)
		v |= UINT64_C(0x5a5a5a5a5a5a5a5a) << (8 * size);
	*val = v;
	return 0;
}

static void dev_init(struct fake_dev *d)
{
	memset(d, 0, sizeof(*d));
	for (int i = 0; i < DEV_SIZE; i++)
		d->mem[i] = (uint8_t)(0x80 + i); /* offset 0x10 holds 0x90, 0x91, ... */
	d->fail_at = -1;
}

static void regs_init(struct av_regs *r)
{
	uint64_t s = 0x0123456789abcdefu;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < 31; i++)
		r->x[i] = s = s * 6364136223846793005u + 1442695040888963407u;
	for (int i = 0; i < 32; i++) {
		r->v[i][0] = s = s * 6364136223846793005u + 1442695040888963407u;
		r->v[i][1] = ~s;
	}
	r->sp = 0x7ff0;
	r->pc = 0x40080000;
	r->pstate = 0x3c5;
}

struct emu {
	struct av_regs r, want; /* register file, and what it must be afterwards */
	struct fake_dev dev;
	bool big_endian;
};

static void emu_init(struct emu *e)
{
	memset(e, 0, sizeof(*e));
	regs_init(&e->r);
	dev_init(&e->dev);
}

/* Emulate @text with FAR = @far; on success the PC must have advanced. */
static int emu_run(struct emu *e, const char *text, uint64_t far)
{
	struct av_insn_mem m = decode(text);
	struct av_insn_mmio io = {
		.far = far,
		.ipa = DEV_IPA + (far - DEV_VA),
		.big_endian = e->big_endian,
		.fn = dev_access,
		.cookie = &e->dev,
	};
	int ret;

	e->want = e->r;
	e->want.pc += 4;
	ret = av_insn_emulate_mem(&m, &e->r, &io);
	if (ret)
		e->want.pc -= 4;
	return ret;
}

/* The register file must equal e->want exactly. */
static void emu_check(struct emu *e)
{
	for (int i = 0; i < 31; i++)
		if (e->r.x[i] != e->want.x[i])
			fail_msg("x%d = %#llx, expected %#llx", i, (unsigned long long)e->r.x[i],
				 (unsigned long long)e->want.x[i]);
	for (int i = 0; i < 32; i++)
		if (e->r.v[i][0] != e->want.v[i][0] || e->r.v[i][1] != e->want.v[i][1])
			fail_msg("v%d = %#llx:%#llx, expected %#llx:%#llx", i,
				 (unsigned long long)e->r.v[i][1], (unsigned long long)e->r.v[i][0],
				 (unsigned long long)e->want.v[i][1],
				 (unsigned long long)e->want.v[i][0]);
	assert_int_equal(e->r.sp, e->want.sp);
	assert_int_equal(e->r.pc, e->want.pc);
	assert_memory_equal(&e->r, &e->want, sizeof(e->r));
}

static void check_access(const struct emu *e, int i, uint64_t off, unsigned size, bool write)
{
	assert_true(i < e->dev.calls);
	assert_int_equal(e->dev.log[i].ipa, DEV_IPA + off);
	assert_int_equal(e->dev.log[i].size, size);
	assert_int_equal(e->dev.log[i].write, write);
}

/* The guest VA of device offset @off. */
#define VA(off) (DEV_VA + (off))

static void test_emulate_loads(void **state)
{
	struct emu e;
	(void)state;

	/* Zero-extension; W destinations clear bits 63:32. */
	emu_init(&e);
	e.r.x[1] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldrb w0, [x1]", VA(0x10)), 0);
	e.want.x[0] = 0x90;
	emu_check(&e);
	check_access(&e, 0, 0x10, 1, false);
	assert_int_equal(e.dev.calls, 1);

	emu_init(&e);
	e.r.x[3] = VA(0x10) - 2;
	assert_int_equal(emu_run(&e, "ldrh w2, [x3, #2]", VA(0x10)), 0);
	e.want.x[2] = 0x9190;
	emu_check(&e);

	emu_init(&e);
	e.r.x[9] = VA(0x20) - 4;
	assert_int_equal(emu_run(&e, "ldr w8, [x9, #4]", VA(0x20)), 0);
	e.want.x[8] = 0xa3a2a1a0;
	emu_check(&e);
	check_access(&e, 0, 0x20, 4, false);

	emu_init(&e);
	e.r.x[14] = VA(0x18) - 8;
	assert_int_equal(emu_run(&e, "ldr x13, [x14, #8]", VA(0x18)), 0);
	e.want.x[13] = 0x9f9e9d9c9b9a9998;
	emu_check(&e);
	check_access(&e, 0, 0x18, 8, false);

	/* Sign-extension to W and X. */
	emu_init(&e);
	e.r.x[22] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldrsb w21, [x22]", VA(0x10)), 0);
	e.want.x[21] = 0xffffff90;
	emu_check(&e);

	emu_init(&e);
	e.r.x[24] = VA(0x11) - 4095;
	assert_int_equal(emu_run(&e, "ldrsb x23, [x24, #4095]", VA(0x11)), 0);
	e.want.x[23] = 0xffffffffffffff91;
	emu_check(&e);

	emu_init(&e);
	e.r.x[3] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldrsh w2, [x3]", VA(0x10)), 0);
	e.want.x[2] = 0xffff9190;
	emu_check(&e);

	emu_init(&e);
	e.r.sp = VA(0x20) - 2;
	assert_int_equal(emu_run(&e, "ldrsh x27, [sp, #2]", VA(0x20)), 0);
	e.want.x[27] = 0xffffffffffffa1a0;
	emu_check(&e);

	emu_init(&e);
	e.r.x[29] = VA(0x20) - 16380;
	assert_int_equal(emu_run(&e, "ldrsw x28, [x29, #16380]", VA(0x20)), 0);
	e.want.x[28] = 0xffffffffa3a2a1a0;
	emu_check(&e);

	/* A positive value is not sign-extended. */
	emu_init(&e);
	e.dev.mem[0x30] = 0x7f;
	e.r.x[22] = VA(0x30);
	assert_int_equal(emu_run(&e, "ldrsb w21, [x22]", VA(0x30)), 0);
	e.want.x[21] = 0x7f;
	emu_check(&e);

	/* XZR/WZR destinations: the device is read, the value discarded. */
	emu_init(&e);
	e.r.x[19] = VA(0x40);
	assert_int_equal(emu_run(&e, "ldr xzr, [x19]", VA(0x40)), 0);
	emu_check(&e);
	assert_int_equal(e.dev.calls, 1);
	emu_init(&e);
	e.r.x[20] = VA(0x40) - 4;
	assert_int_equal(emu_run(&e, "ldr wzr, [x20, #4]", VA(0x40)), 0);
	emu_check(&e);
	check_access(&e, 0, 0x40, 4, false);

	/* Acquire, RCpc, unprivileged forms access like plain loads. */
	emu_init(&e);
	e.r.x[6] = VA(0x18);
	assert_int_equal(emu_run(&e, "ldar x5, [x6]", VA(0x18)), 0);
	e.want.x[5] = 0x9f9e9d9c9b9a9998;
	emu_check(&e);
	emu_init(&e);
	e.r.x[10] = VA(0x11);
	assert_int_equal(emu_run(&e, "ldapursb x9, [x10, #-1]", VA(0x10)), 0);
	e.want.x[9] = 0xffffffffffffff90;
	emu_check(&e);
	emu_init(&e);
	e.r.sp = VA(0x10) - 255;
	assert_int_equal(emu_run(&e, "ldtrsh x21, [sp, #255]", VA(0x10)), 0);
	e.want.x[21] = 0xffffffffffff9190;
	emu_check(&e);
}

static void test_emulate_stores(void **state)
{
	struct emu e;
	uint8_t before[DEV_SIZE];
	(void)state;

	emu_init(&e);
	e.r.x[1] = 0x1122334455667788;
	e.r.x[2] = VA(0x10) - 1;
	memcpy(before, e.dev.mem, sizeof(before));
	assert_int_equal(emu_run(&e, "strb w1, [x2, #1]", VA(0x10)), 0);
	emu_check(&e);
	check_access(&e, 0, 0x10, 1, true);
	assert_int_equal(e.dev.log[0].val, 0x88);
	before[0x10] = 0x88;
	assert_memory_equal(e.dev.mem, before, DEV_SIZE);

	emu_init(&e);
	e.r.x[5] = 0x1122334455667788;
	e.r.x[6] = VA(0x20);
	assert_int_equal(emu_run(&e, "strh w5, [x6]", VA(0x20)), 0);
	emu_check(&e);
	assert_int_equal(e.dev.log[0].val, 0x7788);
	assert_int_equal(e.dev.mem[0x20], 0x88);
	assert_int_equal(e.dev.mem[0x21], 0x77);
	assert_int_equal(e.dev.mem[0x22], 0xa2);

	emu_init(&e);
	e.r.x[11] = 0x1122334455667788;
	e.r.x[12] = VA(0x20) - 16380;
	assert_int_equal(emu_run(&e, "str w11, [x12, #16380]", VA(0x20)), 0);
	emu_check(&e);
	check_access(&e, 0, 0x20, 4, true);
	assert_int_equal(e.dev.log[0].val, 0x55667788);

	emu_init(&e);
	e.r.x[16] = 0x1122334455667788;
	e.r.x[17] = VA(0x28) - 32760;
	assert_int_equal(emu_run(&e, "str x16, [x17, #32760]", VA(0x28)), 0);
	emu_check(&e);
	check_access(&e, 0, 0x28, 8, true);
	assert_int_equal(e.dev.log[0].val, 0x1122334455667788);
	assert_int_equal(e.dev.mem[0x28], 0x88);
	assert_int_equal(e.dev.mem[0x2f], 0x11);

	/* WZR/XZR sources store zeros. */
	emu_init(&e);
	e.r.x[3] = VA(0x10) - 4095;
	assert_int_equal(emu_run(&e, "strb wzr, [x3, #4095]", VA(0x10)), 0);
	emu_check(&e);
	assert_int_equal(e.dev.mem[0x10], 0);
	assert_int_equal(e.dev.mem[0x11], 0x91);
	emu_init(&e);
	e.r.x[18] = VA(0x30) - 8;
	assert_int_equal(emu_run(&e, "str xzr, [x18, #8]", VA(0x30)), 0);
	emu_check(&e);
	assert_int_equal(e.dev.log[0].val, 0);
	assert_true(all_zero(&e.dev.mem[0x30], 8));

	/* Store-release through SP. */
	emu_init(&e);
	e.r.x[11] = 0xdeadbeefcafef00d;
	e.r.sp = VA(0x40);
	assert_int_equal(emu_run(&e, "stlr w11, [sp]", VA(0x40)), 0);
	emu_check(&e);
	assert_int_equal(e.dev.log[0].val, 0xcafef00d);
}

static void test_emulate_pairs(void **state)
{
	struct emu e;
	(void)state;

	emu_init(&e);
	e.r.x[4] = VA(0x10) - 504;
	assert_int_equal(emu_run(&e, "ldp x2, x3, [x4, #504]", VA(0x10)), 0);
	e.want.x[2] = 0x9796959493929190;
	e.want.x[3] = 0x9f9e9d9c9b9a9998;
	emu_check(&e);
	assert_int_equal(e.dev.calls, 2);
	check_access(&e, 0, 0x10, 8, false);
	check_access(&e, 1, 0x18, 8, false);

	emu_init(&e);
	e.r.x[2] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldp w0, w1, [x2]", VA(0x10)), 0);
	e.want.x[0] = 0x93929190;
	e.want.x[1] = 0x97969594;
	emu_check(&e);

	emu_init(&e);
	e.r.x[2] = VA(0x10);
	e.dev.mem[0x17] = 0x12;
	assert_int_equal(emu_run(&e, "ldpsw x0, x1, [x2]", VA(0x10)), 0);
	e.want.x[0] = 0xffffffff93929190;
	e.want.x[1] = 0x12969594;
	emu_check(&e);
	check_access(&e, 1, 0x14, 4, false);

	emu_init(&e);
	e.r.x[8] = 0x1111111122222222;
	e.r.x[9] = 0x3333333344444444;
	e.r.x[10] = VA(0x20) - 4;
	assert_int_equal(emu_run(&e, "stp w8, w9, [x10, #4]", VA(0x20)), 0);
	emu_check(&e);
	check_access(&e, 0, 0x20, 4, true);
	check_access(&e, 1, 0x24, 4, true);
	assert_int_equal(e.dev.log[0].val, 0x22222222);
	assert_int_equal(e.dev.log[1].val, 0x44444444);

	emu_init(&e);
	e.r.x[5] = 0x5555555555555555;
	e.r.x[6] = VA(0x20) + 512;
	assert_int_equal(emu_run(&e, "stp xzr, x5, [x6, #-512]", VA(0x20)), 0);
	emu_check(&e);
	assert_int_equal(e.dev.log[0].val, 0);
	assert_int_equal(e.dev.log[1].val, 0x5555555555555555);

	emu_init(&e);
	e.r.x[10] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldp x9, xzr, [x10]", VA(0x10)), 0);
	e.want.x[9] = 0x9796959493929190;
	emu_check(&e);
	assert_int_equal(e.dev.calls, 2);

	/* The FAR may point into the second element: addresses follow from it. */
	emu_init(&e);
	e.r.x[4] = VA(0x10) - 504;
	assert_int_equal(emu_run(&e, "ldp x2, x3, [x4, #504]", VA(0x1c)), 0);
	e.want.x[2] = 0x9796959493929190;
	e.want.x[3] = 0x9f9e9d9c9b9a9998;
	emu_check(&e);
	check_access(&e, 0, 0x10, 8, false);
}

static void test_emulate_writeback(void **state)
{
	struct emu e;
	(void)state;

	/* Pre-index: access at Rn + imm, Rn updated. */
	emu_init(&e);
	e.r.x[12] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldr x11, [x12, #8]!", VA(0x18)), 0);
	e.want.x[11] = 0x9f9e9d9c9b9a9998;
	e.want.x[12] = VA(0x18);
	emu_check(&e);

	/* Post-index: access at Rn, then Rn + imm. */
	emu_init(&e);
	e.r.x[13] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldr x12, [x13], #-256", VA(0x10)), 0);
	e.want.x[12] = 0x9796959493929190;
	e.want.x[13] = VA(0x10) - 256;
	emu_check(&e);

	/* SP as the base, pre and post, single and pair. */
	emu_init(&e);
	e.r.x[13] = 0x0102030405060708;
	e.r.sp = VA(0x40);
	assert_int_equal(emu_run(&e, "str x13, [sp, #-16]!", VA(0x30)), 0);
	e.want.sp = VA(0x30);
	emu_check(&e);
	check_access(&e, 0, 0x30, 8, true);
	assert_int_equal(e.dev.mem[0x30], 0x08);

	emu_init(&e);
	e.r.x[29] = 0x2929292929292929;
	e.r.x[30] = 0x3030303030303030;
	e.r.sp = VA(0x50);
	assert_int_equal(emu_run(&e, "stp x29, x30, [sp, #-16]!", VA(0x40)), 0);
	e.want.sp = VA(0x40);
	emu_check(&e);
	check_access(&e, 0, 0x40, 8, true);
	check_access(&e, 1, 0x48, 8, true);
	assert_int_equal(e.dev.mem[0x47], 0x29);
	assert_int_equal(e.dev.mem[0x48], 0x30);

	emu_init(&e);
	e.r.sp = VA(0x10);
	assert_int_equal(emu_run(&e, "ldp x29, x30, [sp], #16", VA(0x10)), 0);
	e.want.x[29] = 0x9796959493929190;
	e.want.x[30] = 0x9f9e9d9c9b9a9998;
	e.want.sp = VA(0x20);
	emu_check(&e);

	emu_init(&e);
	e.r.sp = VA(0x10) - 255;
	assert_int_equal(emu_run(&e, "ldrb w2, [sp, #255]!", VA(0x10)), 0);
	e.want.x[2] = 0x90;
	e.want.sp = VA(0x10);
	emu_check(&e);

	emu_init(&e);
	e.r.x[18] = VA(0x20);
	assert_int_equal(emu_run(&e, "ldp w16, w17, [x18], #-256", VA(0x20)), 0);
	e.want.x[16] = 0xa3a2a1a0;
	e.want.x[17] = 0xa7a6a5a4;
	e.want.x[18] = VA(0x20) - 256;
	emu_check(&e);

	/* A store with writeback and Rn == Rt stores the value before the writeback. */
	emu_init(&e);
	e.r.x[2] = VA(0x20) - 8;
	assert_int_equal(emu_run(&e, "str x2, [x2, #8]!", VA(0x20)), 0);
	e.want.x[2] = VA(0x20);
	emu_check(&e);
	assert_int_equal(e.dev.log[0].val, VA(0x20) - 8);
	emu_init(&e);
	e.r.x[5] = 0x55;
	e.r.x[6] = VA(0x30);
	assert_int_equal(emu_run(&e, "stp x5, x6, [x6, #-16]!", VA(0x20)), 0);
	e.want.x[6] = VA(0x20);
	emu_check(&e);
	assert_int_equal(e.dev.log[1].val, VA(0x30));

	/* A SIMD&FP load with writeback may share the register number with the base. */
	emu_init(&e);
	e.r.x[1] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldr d1, [x1, #8]!", VA(0x18)), 0);
	e.want.x[1] = VA(0x18);
	e.want.v[1][0] = 0x9f9e9d9c9b9a9998;
	e.want.v[1][1] = 0;
	emu_check(&e);
}

static void test_emulate_fp(void **state)
{
	struct emu e;
	(void)state;

	/* Q: two 8-byte accesses, low address first. */
	emu_init(&e);
	e.r.x[15] = VA(0x10) - 65520;
	assert_int_equal(emu_run(&e, "ldr q14, [x15, #65520]", VA(0x10)), 0);
	e.want.v[14][0] = 0x9796959493929190;
	e.want.v[14][1] = 0x9f9e9d9c9b9a9998;
	emu_check(&e);
	assert_int_equal(e.dev.calls, 2);
	check_access(&e, 0, 0x10, 8, false);
	check_access(&e, 1, 0x18, 8, false);

	/* Narrow FP loads clear the rest of the V register. */
	emu_init(&e);
	e.r.x[8] = VA(0x20) - 16380;
	assert_int_equal(emu_run(&e, "ldr s7, [x8, #16380]", VA(0x20)), 0);
	e.want.v[7][0] = 0xa3a2a1a0;
	e.want.v[7][1] = 0;
	emu_check(&e);
	emu_init(&e);
	e.r.x[1] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldr b0, [x1]", VA(0x10)), 0);
	e.want.v[0][0] = 0x90;
	e.want.v[0][1] = 0;
	emu_check(&e);

	emu_init(&e);
	e.r.sp = VA(0x20) - 8;
	assert_int_equal(emu_run(&e, "str d13, [sp, #8]", VA(0x20)), 0);
	emu_check(&e);
	check_access(&e, 0, 0x20, 8, true);
	assert_int_equal(e.dev.log[0].val, e.r.v[13][0]);

	emu_init(&e);
	e.r.x[30] = VA(0x20) - 65520;
	assert_int_equal(emu_run(&e, "str q0, [x30, #65520]", VA(0x20)), 0);
	emu_check(&e);
	check_access(&e, 0, 0x20, 8, true);
	check_access(&e, 1, 0x28, 8, true);
	assert_int_equal(e.dev.log[0].val, e.r.v[0][0]);
	assert_int_equal(e.dev.log[1].val, e.r.v[0][1]);

	/* Q pair: four accesses. */
	emu_init(&e);
	e.r.x[18] = VA(0x40) + 1024;
	assert_int_equal(emu_run(&e, "ldp q16, q17, [x18, #-1024]", VA(0x40)), 0);
	e.want.v[16][0] = 0xc7c6c5c4c3c2c1c0;
	e.want.v[16][1] = 0xcfcecdcccbcac9c8;
	e.want.v[17][0] = 0xd7d6d5d4d3d2d1d0;
	e.want.v[17][1] = 0xdfdedddcdbdad9d8;
	emu_check(&e);
	assert_int_equal(e.dev.calls, 4);
	check_access(&e, 3, 0x58, 8, false);

	emu_init(&e);
	e.r.x[7] = VA(0x10);
	assert_int_equal(emu_run(&e, "stp s5, s6, [x7], #252", VA(0x10)), 0);
	e.want.x[7] = VA(0x10) + 252;
	emu_check(&e);
	assert_int_equal(e.dev.log[0].val, e.r.v[5][0] & 0xffffffff);
	assert_int_equal(e.dev.log[1].val, e.r.v[6][0] & 0xffffffff);
	check_access(&e, 1, 0x14, 4, true);
}

static void test_emulate_regoff_literal(void **state)
{
	struct emu e;
	(void)state;

	/* SXTW #3 with a negative index; bits 63:32 of Wm are ignored. */
	emu_init(&e);
	e.r.x[1] = VA(0x20);
	e.r.x[2] = 0x12345678fffffffe;
	assert_int_equal(emu_run(&e, "ldr x0, [x1, w2, sxtw #3]", VA(0x10)), 0);
	e.want.x[0] = 0x9796959493929190;
	emu_check(&e);

	emu_init(&e);
	e.r.x[4] = VA(0x10) - 0x10;
	e.r.x[5] = 0xffffffff00000010;
	assert_int_equal(emu_run(&e, "ldrh w3, [x4, w5, uxtw]", VA(0x10)), 0);
	e.want.x[3] = 0x9190;
	emu_check(&e);

	emu_init(&e);
	e.r.x[1] = VA(0x10) - 0x20;
	e.r.x[2] = 0x10;
	assert_int_equal(emu_run(&e, "strh wzr, [x1, w2, uxtw #1]", VA(0x10)), 0);
	emu_check(&e);
	check_access(&e, 0, 0x10, 2, true);

	emu_init(&e);
	e.r.x[17] = VA(0x10) + 0x40;
	e.r.x[18] = (uint64_t)-8;
	assert_int_equal(emu_run(&e, "ldr x16, [x17, x18, lsl #3]", VA(0x10)), 0);
	e.want.x[16] = 0x9796959493929190;
	emu_check(&e);

	emu_init(&e);
	e.r.sp = VA(0x20);
	assert_int_equal(emu_run(&e, "ldrsw x16, [sp, wzr, uxtw]", VA(0x20)), 0);
	e.want.x[16] = 0xffffffffa3a2a1a0;
	emu_check(&e);

	emu_init(&e);
	e.r.x[27] = VA(0x40) - 0x20;
	e.r.x[28] = 2;
	assert_int_equal(emu_run(&e, "ldr q26, [x27, x28, lsl #4]", VA(0x40)), 0);
	e.want.v[26][0] = 0xc7c6c5c4c3c2c1c0;
	e.want.v[26][1] = 0xcfcecdcccbcac9c8;
	emu_check(&e);

	/* Literals are PC-relative. */
	emu_init(&e);
	e.r.pc = VA(0x10) - 1048572;
	assert_int_equal(emu_run(&e, "ldr x2, . + 1048572", VA(0x10)), 0);
	e.want.x[2] = 0x9796959493929190;
	emu_check(&e);
	emu_init(&e);
	e.r.pc = VA(0x20) - 16;
	assert_int_equal(emu_run(&e, "ldrsw x4, . + 16", VA(0x20)), 0);
	e.want.x[4] = 0xffffffffa3a2a1a0;
	emu_check(&e);
}

static void test_emulate_errors(void **state)
{
	struct emu e;
	struct av_insn_mem m;
	struct av_insn_mmio io = { .fn = dev_access };
	(void)state;

	/* A failing callback leaves the registers untouched, whichever access fails. */
	static const struct {
		const char *text;
		int calls;
	} failing[] = {
		{ "ldp x29, x30, [sp], #16", 2 }, { "ldr q14, [x15], #-256", 2 },
		{ "ldp q21, q22, [x23], #-1024", 4 }, { "stp x29, x30, [sp, #-16]!", 2 },
		{ "ldr x11, [x12, #8]!", 1 }, { "str q31, [sp], #16", 2 },
	};
	for (size_t i = 0; i < sizeof(failing) / sizeof(failing[0]); i++) {
		for (int at = 0; at < failing[i].calls; at++) {
			struct av_regs before;
			uint64_t va;

			emu_init(&e);
			m = decode(failing[i].text);
			e.r.sp = e.r.x[12] = e.r.x[15] = e.r.x[23] = VA(0x40);
			assert_int_equal(av_insn_mem_address(&m, &e.r, &va), 0);
			e.dev.fail_at = at;
			e.dev.fail_ret = -AV_EIO;
			before = e.r;
			assert_int_equal(emu_run(&e, failing[i].text, va), -AV_EIO);
			assert_memory_equal(&e.r, &before, sizeof(before));
			assert_int_equal(e.dev.calls, at + 1);
		}
	}
	/* A positive callback return is an error too. */
	emu_init(&e);
	e.r.x[1] = VA(0x10);
	e.dev.fail_at = 0;
	e.dev.fail_ret = 1;
	assert_int_equal(emu_run(&e, "ldrb w0, [x1]", VA(0x10)), -AV_EIO);
	emu_check(&e);

	/* FAR outside the access, IPA underflow, and an access leaving the FAR's page. */
	emu_init(&e);
	e.r.x[1] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldrb w0, [x1]", VA(0x11)), -AV_EFAULT);
	assert_int_equal(emu_run(&e, "ldrb w0, [x1]", VA(0x0f)), -AV_EFAULT);
	assert_int_equal(e.dev.calls, 0);
	emu_check(&e);
	e.r.x[4] = VA(0x10) - 504;
	assert_int_equal(emu_run(&e, "ldp x2, x3, [x4, #504]", VA(0x20)), -AV_EFAULT);
	e.r.x[14] = DEV_VA - 4 - 8;
	assert_int_equal(emu_run(&e, "ldr x13, [x14, #8]", DEV_VA + 3), -AV_EFAULT);
	e.r.x[4] = DEV_VA + 0x1000 - 8 - 504;
	assert_int_equal(emu_run(&e, "ldp x2, x3, [x4, #504]", DEV_VA + 0x1000 - 8),
			 -AV_EFAULT);
	m = decode("ldr x13, [x14, #8]");
	e.r.x[14] = VA(0x10) - 8;
	io.far = VA(0x17);
	e.want = e.r;
	io.ipa = 3; /* the access would start 7 bytes below IPA 3 */
	io.cookie = &e.dev;
	assert_int_equal(av_insn_emulate_mem(&m, &e.r, &io), -AV_EFAULT);
	assert_int_equal(e.dev.calls, 0);
	emu_check(&e);

	/* Top-byte-ignore: a tag in the base register does not disturb the FAR check. */
	emu_init(&e);
	e.r.x[1] = VA(0x10) | UINT64_C(0x5a00000000000000);
	assert_int_equal(emu_run(&e, "ldrb w0, [x1]", VA(0x10)), 0);
	e.want.x[0] = 0x90;
	emu_check(&e);

	/* CONSTRAINED UNPREDICTABLE loads are refused before any access. */
	emu_init(&e);
	e.r.x[1] = e.r.x[2] = e.r.x[3] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldr x1, [x1], #8", VA(0x10)), -AV_ENOTSUP);
	assert_int_equal(emu_run(&e, "ldp x1, x1, [x2]", VA(0x10)), -AV_ENOTSUP);
	assert_int_equal(emu_run(&e, "ldp x3, x4, [x3], #16", VA(0x10)), -AV_ENOTSUP);
	assert_int_equal(e.dev.calls, 0);
	emu_check(&e);
	/* ...but the same register without writeback, or as SP, is fine. */
	e.r.x[30] = VA(0x10) - 16;
	assert_int_equal(emu_run(&e, "ldr x30, [x30, #16]", VA(0x10)), 0);
	e.want.x[30] = 0x9796959493929190;
	emu_check(&e);

	/* Bad arguments. */
	m = decode("ldrb w0, [x1]");
	io.far = e.r.x[1] = VA(0x10);
	io.ipa = DEV_IPA + 0x10;
	assert_int_equal(av_insn_emulate_mem(NULL, &e.r, &io), -AV_EINVAL);
	assert_int_equal(av_insn_emulate_mem(&m, NULL, &io), -AV_EINVAL);
	assert_int_equal(av_insn_emulate_mem(&m, &e.r, NULL), -AV_EINVAL);
	io.fn = NULL;
	assert_int_equal(av_insn_emulate_mem(&m, &e.r, &io), -AV_EINVAL);
	io.fn = dev_access;
	m.size = 3;
	assert_int_equal(av_insn_emulate_mem(&m, &e.r, &io), -AV_EINVAL);
	m = decode("ldrb w0, [x1]");
	m.wb = (enum av_insn_wb)7;
	assert_int_equal(av_insn_emulate_mem(&m, &e.r, &io), -AV_EINVAL);
	m = decode("ldr x0, [x1, x2]");
	m.ext = AV_INSN_EXT_NONE;
	assert_int_equal(av_insn_emulate_mem(&m, &e.r, &io), -AV_EINVAL);
	m = decode("ldr x2, . + 1048572");
	m.is_store = true;
	assert_int_equal(av_insn_emulate_mem(&m, &e.r, &io), -AV_EINVAL);
	assert_int_equal(av_insn_mem_address(NULL, &e.r, &io.far), -AV_EINVAL);
}

static void test_emulate_big_endian(void **state)
{
	struct emu e;
	(void)state;

	emu_init(&e);
	e.big_endian = true;
	e.r.x[9] = VA(0x20) - 4;
	assert_int_equal(emu_run(&e, "ldr w8, [x9, #4]", VA(0x20)), 0);
	e.want.x[8] = 0xa0a1a2a3;
	emu_check(&e);

	emu_init(&e);
	e.big_endian = true;
	e.r.x[3] = VA(0x10);
	assert_int_equal(emu_run(&e, "ldrsh w2, [x3]", VA(0x10)), 0);
	e.want.x[2] = 0xffff9091;
	emu_check(&e);

	emu_init(&e);
	e.big_endian = true;
	e.r.x[15] = VA(0x10) - 65520;
	assert_int_equal(emu_run(&e, "ldr q14, [x15, #65520]", VA(0x10)), 0);
	e.want.v[14][1] = 0x9091929394959697;
	e.want.v[14][0] = 0x98999a9b9c9d9e9f;
	emu_check(&e);

	emu_init(&e);
	e.big_endian = true;
	e.r.x[5] = 0x1122334455667788;
	e.r.x[6] = VA(0x20);
	assert_int_equal(emu_run(&e, "strh w5, [x6]", VA(0x20)), 0);
	emu_check(&e);
	assert_int_equal(e.dev.mem[0x20], 0x77);
	assert_int_equal(e.dev.mem[0x21], 0x88);

	emu_init(&e);
	e.big_endian = true;
	e.r.v[0][0] = 0x0706050403020100;
	e.r.v[0][1] = 0x0f0e0d0c0b0a0908;
	e.r.x[30] = VA(0x20) - 65520;
	assert_int_equal(emu_run(&e, "str q0, [x30, #65520]", VA(0x20)), 0);
	emu_check(&e);
	for (int i = 0; i < 16; i++)
		assert_int_equal(e.dev.mem[0x20 + i], 15 - i);
}

/* av_insn_mem_kind(): words from binutils 2.40 (-march=armv8.2-a+lse+rcpc). */
static void test_mem_kind(void **state)
{
	static const struct {
		uint32_t insn;
		enum av_insn_mem_kind kind;
	} cases[] = {
		{ 0xc85f7ce1, AV_INSN_KIND_EXCLUSIVE }, /* ldxr x1, [x7] */
		{ 0xc8027ce1, AV_INSN_KIND_EXCLUSIVE }, /* stxr w2, x1, [x7] */
		{ 0xc87f84e0, AV_INSN_KIND_EXCLUSIVE }, /* ldaxp x0, x1, [x7] */
		{ 0xf82100e2, AV_INSN_KIND_ATOMIC },    /* ldadd x1, x2, [x7] */
		{ 0xb82100ff, AV_INSN_KIND_ATOMIC },    /* stadd w1, [x7] */
		{ 0xb8e180e2, AV_INSN_KIND_ATOMIC },    /* swpal w1, w2, [x7] */
		{ 0xc8a17ce2, AV_INSN_KIND_ATOMIC },    /* cas x1, x2, [x7] */
		{ 0x48207ce2, AV_INSN_KIND_ATOMIC },    /* casp x0, x1, x2, x3, [x7] */
		{ 0xf8bfc0e1, AV_INSN_KIND_PLAIN },     /* ldapr x1, [x7] */
		{ 0x88dffce1, AV_INSN_KIND_PLAIN },     /* ldar w1, [x7] */
		{ 0x889ffce1, AV_INSN_KIND_PLAIN },     /* stlr w1, [x7] */
		{ 0xd50b7427, AV_INSN_KIND_PLAIN },     /* dc zva, x7 */
		{ 0xd50b7e27, AV_INSN_KIND_PLAIN },     /* dc civac, x7 */
		{ 0x4c4070e0, AV_INSN_KIND_PLAIN },     /* ld1 {v0.16b}, [x7] */
		{ 0x4c0078e0, AV_INSN_KIND_PLAIN },     /* st1 {v0.4s}, [x7] */
		{ 0xf98000e0, AV_INSN_KIND_PLAIN },     /* prfm pldl1keep, [x7] */
		{ 0xbd4000e2, AV_INSN_KIND_PLAIN },     /* ldr s2, [x7] */
		{ 0xb94000e1, AV_INSN_KIND_PLAIN },     /* ldr w1, [x7] */
		{ 0xd503201f, AV_INSN_KIND_NONE },      /* nop */
		{ 0xd5380000, AV_INSN_KIND_NONE },      /* mrs x0, midr_el1 */
		{ 0xd508871f, AV_INSN_KIND_NONE },      /* tlbi vmalle1 */
		{ 0x8b020020, AV_INSN_KIND_NONE },      /* add x0, x1, x2 */
	};
	(void)state;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_int_equal(av_insn_mem_kind(cases[i].insn), cases[i].kind);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oracle),
		cmocka_unit_test(test_oracle_coverage),
		cmocka_unit_test(test_decode_args),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_emulate_loads),
		cmocka_unit_test(test_emulate_stores),
		cmocka_unit_test(test_emulate_pairs),
		cmocka_unit_test(test_emulate_writeback),
		cmocka_unit_test(test_emulate_fp),
		cmocka_unit_test(test_emulate_regoff_literal),
		cmocka_unit_test(test_emulate_errors),
		cmocka_unit_test(test_emulate_big_endian),
		cmocka_unit_test(test_mem_kind),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
