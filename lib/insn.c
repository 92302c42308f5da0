/* SPDX-License-Identifier: MIT */
/*
 * A64 load/store decoding and emulation for data aborts without a valid syndrome.
 *
 * The decoder first picks the encoding family (single register, pair, literal,
 * ordered/exclusive), then the addressing form within it, and finally maps the
 * size/V/opc combination to an access through one table per family. Everything it does
 * not recognise is -AV_ENOTSUP. The emulator computes the address, checks it against the
 * fault, performs every device access, and only then touches the register file.
 */
#include <armvirt/insn.h>
#include <armvirt/log.h>

#include "compat.h"

/* Values of AV_INSN_OP0 that select the load/store group: x1x0. */
#define INSN_OP0_LS_MASK 0x5u
#define INSN_OP0_LS      0x4u

/* Values of AV_INSN_LS_FAMILY. */
#define FAMILY_ORDERED 0x1u /* exclusive, ordered, CAS, SIMD structures (V=1) */
#define FAMILY_LITERAL 0x3u /* literal (op2 00), RCpc unscaled / MOPS / MTE (op2 01) */
#define FAMILY_PAIR    0x5u /* register pair */
#define FAMILY_SINGLE  0x7u /* single register */

/* Values of AV_INSN_LS_OP4 for the imm9 forms. */
#define IMM9_UNSCALED 0x0u
#define IMM9_POST     0x1u
#define IMM9_UNPRIV   0x2u
#define IMM9_PRE      0x3u

/* AV_INSN_LS_OP4 for the register-offset form and the atomic-memory class. */
#define OP4_REGOFF 0x2u
#define OP4_ATOMIC 0x0u

/* Values of AV_INSN_LDP_IDX. */
#define PAIR_NOALLOC 0x0u
#define PAIR_POST    0x1u
#define PAIR_OFFSET  0x2u
#define PAIR_PRE     0x3u

/* LDAPR within the atomic-memory class: o3 = 1, opc = 0b100, Rs = 0b11111. */
#define ATOM_LDAPR_OPC 0x4u

/* A register field with every bit set: ZR/SP, or an unused "should be one" field. */
#define REG_ALL_ONES 31u

/* Addresses compare on bits 55:0 (top-byte-ignore); accesses stay in a 4 KiB page. */
#define VA_BITS     AV_GENMASK(55, 0)
#define PAGE_FRAME  AV_GENMASK(55, 12)
#define W_BITS      AV_GENMASK(31, 0)

/* Register width of a general-purpose access of @size bytes that does not sign-extend. */
static uint8_t gpr_bits(unsigned size)
{
	return size == 8 ? 64 : 32;
}

/* log2 of an access size (1, 2, 4, 8, 16); 0 for anything else. */
static unsigned size_log2(unsigned size)
{
	unsigned l = 0;

	while (l < 4 && (1u << l) < size)
		l++;
	return (1u << l) == size ? l : 0;
}

/*
 * Size, direction and extension of a single-register access (every single-register
 * form and the RCpc unscaled form share this table).
 */
static int single_kind(struct av_insn_mem *m, uint32_t insn)
{
	unsigned size = (unsigned)AV_FIELD_GET(AV_INSN_LS_SIZE, insn);
	unsigned opc = (unsigned)AV_FIELD_GET(AV_INSN_LS_OPC, insn);

	m->size = (uint8_t)(1u << size);
	if (AV_FIELD_GET(AV_INSN_LS_V, insn)) {
		/* opc 00/01: B/H/S/D store/load; opc 10/11 with size 00: Q store/load. */
		if (opc >= 2) {
			if (size != 0)
				return -AV_ENOTSUP;
			m->size = 16;
		}
		m->is_fp = true;
		m->is_store = opc == 0 || opc == 2;
		m->reg_bits = (uint8_t)(8u * m->size);
		return 0;
	}
	switch (opc) {
	case 0: /* STRB/STRH/STR */
		m->is_store = true;
		m->reg_bits = gpr_bits(m->size);
		return 0;
	case 1: /* LDRB/LDRH/LDR */
		m->reg_bits = gpr_bits(m->size);
		return 0;
	case 2: /* LDRSB/LDRSH/LDRSW to X; size 11 is PRFM or unallocated */
		if (size == 3)
			return -AV_ENOTSUP;
		m->sign_extend = true;
		m->reg_bits = 64;
		return 0;
	default: /* LDRSB/LDRSH to W; size 1x unallocated */
		if (size >= 2)
			return -AV_ENOTSUP;
		m->sign_extend = true;
		m->reg_bits = 32;
		return 0;
	}
}

/* Single register, bits 25:24 = 00, bit 21 = 0: unscaled, post, unprivileged, pre. */
static int decode_imm9(struct av_insn_mem *m, uint32_t insn)
{
	unsigned op4 = (unsigned)AV_FIELD_GET(AV_INSN_LS_OP4, insn);
	int ret = single_kind(m, insn);

	if (ret)
		return ret;
	m->imm = av_sext(AV_FIELD_GET(AV_INSN_LS_IMM9, insn), AV_MASK_WIDTH(AV_INSN_LS_IMM9));
	switch (op4) {
	case IMM9_UNSCALED:
		break;
	case IMM9_POST:
		m->wb = AV_INSN_WB_POST;
		break;
	case IMM9_PRE:
		m->wb = AV_INSN_WB_PRE;
		break;
	default: /* IMM9_UNPRIV: general-purpose registers only */
		if (m->is_fp)
			return -AV_ENOTSUP;
		m->unpriv = true;
		break;
	}
	return 0;
}

/* Single register, bits 25:24 = 00, bit 21 = 1, bits 11:10 = 10: register offset. */
static int decode_regoff(struct av_insn_mem *m, uint32_t insn)
{
	unsigned option = (unsigned)AV_FIELD_GET(AV_INSN_LS_OPTION, insn);
	int ret;

	switch (option) {
	case AV_INSN_EXT_UXTW:
	case AV_INSN_EXT_LSL:
	case AV_INSN_EXT_SXTW:
	case AV_INSN_EXT_SXTX:
		break;
	default: /* option<1> == 0 is unallocated */
		return -AV_ENOTSUP;
	}
	ret = single_kind(m, insn);
	if (ret)
		return ret;
	m->addr = AV_INSN_ADDR_REG;
	m->ext = (enum av_insn_ext)option;
	m->rm = (uint8_t)AV_FIELD_GET(AV_INSN_LS_RM, insn);
	if (AV_FIELD_GET(AV_INSN_LS_S, insn))
		m->shift = (uint8_t)size_log2(m->size);
	return 0;
}

/* Single register, atomic-memory class: only LDAPR is a plain load. */
static int decode_atomic(struct av_insn_mem *m, uint32_t insn)
{
	if (AV_FIELD_GET(AV_INSN_LS_V, insn) || !AV_FIELD_GET(AV_INSN_ATOM_A, insn) ||
	    AV_FIELD_GET(AV_INSN_ATOM_R, insn) || !AV_FIELD_GET(AV_INSN_ATOM_O3, insn) ||
	    AV_FIELD_GET(AV_INSN_ATOM_OPC, insn) != ATOM_LDAPR_OPC ||
	    AV_FIELD_GET(AV_INSN_ATOM_RS, insn) != REG_ALL_ONES)
		return -AV_ENOTSUP;
	m->size = (uint8_t)(1u << AV_FIELD_GET(AV_INSN_LS_SIZE, insn));
	m->reg_bits = gpr_bits(m->size);
	m->acquire = true;
	m->rcpc = true;
	return 0;
}

static int decode_single(struct av_insn_mem *m, uint32_t insn)
{
	unsigned op2 = (unsigned)AV_FIELD_GET(AV_INSN_LS_OP2, insn);
	int ret;

	if (op2 == 1) {
		/* Unsigned offset, scaled by the access size. */
		ret = single_kind(m, insn);
		if (ret)
			return ret;
		m->imm = (int64_t)AV_FIELD_GET(AV_INSN_LS_IMM12, insn) * m->size;
		return 0;
	}
	if (op2 != 0)
		return -AV_ENOTSUP;
	if (!AV_FIELD_GET(AV_INSN_LS_OP3, insn))
		return decode_imm9(m, insn);
	switch (AV_FIELD_GET(AV_INSN_LS_OP4, insn)) {
	case OP4_REGOFF:
		return decode_regoff(m, insn);
	case OP4_ATOMIC:
		return decode_atomic(m, insn);
	default: /* LDRAA/LDRAB */
		return -AV_ENOTSUP;
	}
}

/* Register pair: LDP/STP/LDPSW/LDNP/STNP, general-purpose and SIMD&FP. */
static int decode_pair(struct av_insn_mem *m, uint32_t insn)
{
	unsigned opc = (unsigned)AV_FIELD_GET(AV_INSN_LDP_OPC, insn);
	unsigned idx = (unsigned)AV_FIELD_GET(AV_INSN_LDP_IDX, insn);
	bool load = AV_FIELD_GET(AV_INSN_LDP_L, insn) != 0;

	switch (idx) {
	case PAIR_NOALLOC:
		m->nontemporal = true;
		break;
	case PAIR_POST:
		m->wb = AV_INSN_WB_POST;
		break;
	case PAIR_OFFSET:
		break;
	case PAIR_PRE:
		m->wb = AV_INSN_WB_PRE;
		break;
	default: /* bit 25 set: not a load/store */
		return -AV_ENOTSUP;
	}
	if (AV_FIELD_GET(AV_INSN_LS_V, insn)) {
		/* S, D, Q; opc 11 unallocated */
		if (opc == 3)
			return -AV_ENOTSUP;
		m->is_fp = true;
		m->size = (uint8_t)(4u << opc);
		m->reg_bits = (uint8_t)(8u * m->size);
	} else {
		switch (opc) {
		case 0: /* W */
			m->size = 4;
			m->reg_bits = 32;
			break;
		case 1: /* LDPSW; the store is STGP, the no-allocate form unallocated */
			if (!load || idx == PAIR_NOALLOC)
				return -AV_ENOTSUP;
			m->size = 4;
			m->reg_bits = 64;
			m->sign_extend = true;
			break;
		case 2: /* X */
			m->size = 8;
			m->reg_bits = 64;
			break;
		default:
			return -AV_ENOTSUP;
		}
	}
	m->is_store = !load;
	m->is_pair = true;
	m->rt2 = (uint8_t)AV_FIELD_GET(AV_INSN_LDP_RT2, insn);
	m->imm = av_sext(AV_FIELD_GET(AV_INSN_LDP_IMM7, insn), AV_MASK_WIDTH(AV_INSN_LDP_IMM7)) *
		 m->size;
	return 0;
}

/* Load register (literal): LDR W/X/S/D/Q and LDRSW; PRFM and V=1 opc 11 are refused. */
static int decode_literal(struct av_insn_mem *m, uint32_t insn)
{
	unsigned opc = (unsigned)AV_FIELD_GET(AV_INSN_LIT_OPC, insn);

	if (opc == 3)
		return -AV_ENOTSUP;
	if (AV_FIELD_GET(AV_INSN_LS_V, insn)) {
		m->is_fp = true;
		m->size = (uint8_t)(4u << opc);
		m->reg_bits = (uint8_t)(8u * m->size);
	} else if (opc == 2) {
		m->size = 4;
		m->reg_bits = 64;
		m->sign_extend = true;
	} else {
		m->size = opc ? 8 : 4;
		m->reg_bits = gpr_bits(m->size);
	}
	m->addr = AV_INSN_ADDR_LITERAL;
	m->imm = av_sext(AV_FIELD_GET(AV_INSN_LIT_IMM19, insn),
			 AV_MASK_WIDTH(AV_INSN_LIT_IMM19)) * 4;
	return 0;
}

/* RCpc unscaled immediate: STLUR, LDAPUR, LDAPURS* (general-purpose registers only). */
static int decode_rcpc_unscaled(struct av_insn_mem *m, uint32_t insn)
{
	int ret;

	if (AV_FIELD_GET(AV_INSN_LS_V, insn) || AV_FIELD_GET(AV_INSN_LS_OP3, insn) ||
	    AV_FIELD_GET(AV_INSN_LS_OP4, insn) != IMM9_UNSCALED)
		return -AV_ENOTSUP;
	ret = single_kind(m, insn);
	if (ret)
		return ret;
	m->imm = av_sext(AV_FIELD_GET(AV_INSN_LS_IMM9, insn), AV_MASK_WIDTH(AV_INSN_LS_IMM9));
	if (m->is_store) {
		m->release = true;
	} else {
		m->acquire = true;
		m->rcpc = true;
	}
	return 0;
}

/* Exclusive/ordered class: only LDAR/STLR (o2 = 1, o1 = 0, o0 = 1, Rs = Rt2 = 11111). */
static int decode_ordered(struct av_insn_mem *m, uint32_t insn)
{
	if (!AV_FIELD_GET(AV_INSN_ORD_O2, insn) || AV_FIELD_GET(AV_INSN_ORD_O1, insn) ||
	    !AV_FIELD_GET(AV_INSN_ORD_O0, insn) ||
	    AV_FIELD_GET(AV_INSN_ORD_RS, insn) != REG_ALL_ONES ||
	    AV_FIELD_GET(AV_INSN_ORD_RT2, insn) != REG_ALL_ONES)
		return -AV_ENOTSUP;
	m->size = (uint8_t)(1u << AV_FIELD_GET(AV_INSN_LS_SIZE, insn));
	m->reg_bits = gpr_bits(m->size);
	if (AV_FIELD_GET(AV_INSN_ORD_L, insn)) {
		m->acquire = true;
	} else {
		m->is_store = true;
		m->release = true;
	}
	return 0;
}

int av_insn_decode_mem(uint32_t insn, struct av_insn_mem *out)
{
	struct av_insn_mem m;
	unsigned family = (unsigned)AV_FIELD_GET(AV_INSN_LS_FAMILY, insn);
	unsigned op2 = (unsigned)AV_FIELD_GET(AV_INSN_LS_OP2, insn);
	bool fp = AV_FIELD_GET(AV_INSN_LS_V, insn) != 0;
	int ret;

	if (!out)
		return -AV_EINVAL;
	memset(out, 0, sizeof(*out));
	if ((AV_FIELD_GET(AV_INSN_OP0, insn) & INSN_OP0_LS_MASK) != INSN_OP0_LS)
		return -AV_ENOTSUP;

	memset(&m, 0, sizeof(m));
	m.insn = insn;
	m.rt = (uint8_t)AV_FIELD_GET(AV_INSN_LS_RT, insn);
	m.rn = (uint8_t)AV_FIELD_GET(AV_INSN_LS_RN, insn);
	switch (family) {
	case FAMILY_SINGLE:
		ret = decode_single(&m, insn);
		break;
	case FAMILY_PAIR:
		ret = decode_pair(&m, insn);
		break;
	case FAMILY_LITERAL:
		if (op2 == 0)
			ret = decode_literal(&m, insn);
		else
			ret = decode_rcpc_unscaled(&m, insn);
		break;
	default: /* FAMILY_ORDERED; SIMD structures (V=1) and bits 25:24 != 00 refused */
		if (fp || op2 != 0)
			ret = -AV_ENOTSUP;
		else
			ret = decode_ordered(&m, insn);
		break;
	}
	if (ret)
		return ret;
	if (m.addr == AV_INSN_ADDR_LITERAL)
		m.rn = 0;
	memcpy(out, &m, sizeof(m));
	return 0;
}

/* SYS #op1, Cn, Cm, #op2, Xt (L = 0): bits 31:19 = 1101010100001; the DC instructions
 * are op1 = 3 (bits 18:16; DC ZVA/GVA/GZVA, CVAC, CIVAC...) or 0 (IVAC) with CRn = 7. */
#define INSN_SYS_MASK  AV_GENMASK(31, 19)
#define INSN_SYS       0xd5080000u
#define INSN_SYS_CRN   AV_GENMASK(15, 12)
#define INSN_SYS_CRN_CACHE 7u

enum av_insn_mem_kind av_insn_mem_kind(uint32_t insn)
{
	unsigned family = (unsigned)AV_FIELD_GET(AV_INSN_LS_FAMILY, insn);
	unsigned op2 = (unsigned)AV_FIELD_GET(AV_INSN_LS_OP2, insn);
	bool fp = AV_FIELD_GET(AV_INSN_LS_V, insn) != 0;

	if ((insn & INSN_SYS_MASK) == INSN_SYS)
		return AV_FIELD_GET(INSN_SYS_CRN, insn) == INSN_SYS_CRN_CACHE ? AV_INSN_KIND_PLAIN :
										 AV_INSN_KIND_NONE;
	if ((AV_FIELD_GET(AV_INSN_OP0, insn) & INSN_OP0_LS_MASK) != INSN_OP0_LS)
		return AV_INSN_KIND_NONE;
	if (family == FAMILY_ORDERED && !fp && op2 == 0) {
		bool o1 = AV_FIELD_GET(AV_INSN_ORD_O1, insn) != 0;

		if (AV_FIELD_GET(AV_INSN_ORD_O2, insn)) /* CAS, or LDAR/STLR/LDLAR/STLLR */
			return o1 ? AV_INSN_KIND_ATOMIC : AV_INSN_KIND_PLAIN;
		/* CASP is the o1 = 1 form with size 0x; LDXP/STXP are size 1x. */
		if (o1 && !(AV_FIELD_GET(AV_INSN_LS_SIZE, insn) & 2))
			return AV_INSN_KIND_ATOMIC;
		return AV_INSN_KIND_EXCLUSIVE;
	}
	/* The atomic-memory class of single register: everything but LDAPR. */
	if (family == FAMILY_SINGLE && !fp && op2 == 0 && AV_FIELD_GET(AV_INSN_LS_OP3, insn) &&
	    AV_FIELD_GET(AV_INSN_LS_OP4, insn) == OP4_ATOMIC &&
	    !(AV_FIELD_GET(AV_INSN_ATOM_O3, insn) &&
	      AV_FIELD_GET(AV_INSN_ATOM_OPC, insn) == ATOM_LDAPR_OPC))
		return AV_INSN_KIND_ATOMIC;
	return AV_INSN_KIND_PLAIN;
}

/* ---- emulation ---- */

/* The mask of an element of @bytes bytes (1..8). */
static uint64_t bytes_mask(unsigned bytes)
{
	return AV_GENMASK(8 * bytes - 1, 0);
}

static bool mem_valid(const struct av_insn_mem *m)
{
	unsigned sz = m->size;

	if (sz != 1 && sz != 2 && sz != 4 && sz != 8 && !(sz == 16 && m->is_fp))
		return false;
	if (m->rt > 31 || m->rt2 > 31 || m->rn > 31 || m->rm > 31 || m->shift > 4)
		return false;
	if (m->is_fp ? m->reg_bits != 8 * sz || m->sign_extend :
		       (m->reg_bits != 32 && m->reg_bits != 64) || 8 * sz > m->reg_bits)
		return false;
	if (m->sign_extend && (m->is_store || 8 * sz == m->reg_bits))
		return false;
	switch (m->wb) {
	case AV_INSN_WB_NONE:
		break;
	case AV_INSN_WB_PRE:
	case AV_INSN_WB_POST:
		if (m->addr != AV_INSN_ADDR_IMM)
			return false;
		break;
	default:
		return false;
	}
	switch (m->addr) {
	case AV_INSN_ADDR_IMM:
		return true;
	case AV_INSN_ADDR_LITERAL:
		return !m->is_store && !m->is_pair;
	case AV_INSN_ADDR_REG:
		return m->ext == AV_INSN_EXT_UXTW || m->ext == AV_INSN_EXT_LSL ||
		       m->ext == AV_INSN_EXT_SXTW || m->ext == AV_INSN_EXT_SXTX;
	default:
		return false;
	}
}

/* Address of the first element and the base register's value after writeback. */
static void mem_addresses(const struct av_insn_mem *m, const struct av_regs *r, uint64_t *va,
			  uint64_t *wb)
{
	uint64_t base, off;

	if (m->addr == AV_INSN_ADDR_LITERAL) {
		*va = r->pc + (uint64_t)m->imm;
		*wb = 0;
		return;
	}
	base = m->rn == REG_ALL_ONES ? r->sp : r->x[m->rn];
	if (m->addr == AV_INSN_ADDR_REG) {
		off = m->rm == REG_ALL_ONES ? 0 : r->x[m->rm];
		if (m->ext == AV_INSN_EXT_UXTW)
			off &= W_BITS;
		else if (m->ext == AV_INSN_EXT_SXTW)
			off = (uint64_t)av_sext(off, 32);
		off <<= m->shift;
	} else {
		off = (uint64_t)m->imm;
	}
	*wb = base + off;
	*va = m->wb == AV_INSN_WB_POST ? base : base + off;
}

int av_insn_mem_address(const struct av_insn_mem *m, const struct av_regs *regs, uint64_t *va)
{
	uint64_t wb;

	if (!m || !regs || !va || !mem_valid(m))
		return -AV_EINVAL;
	mem_addresses(m, regs, va, &wb);
	return 0;
}

/* Reverse the bytes of an element (lo holds bits 63:0, hi bits 127:64 of a Q element). */
static void swap_element(uint64_t *lo, uint64_t *hi, unsigned size)
{
	uint64_t t;

	switch (size) {
	case 2:
		*lo = __builtin_bswap16((uint16_t)*lo);
		break;
	case 4:
		*lo = __builtin_bswap32((uint32_t)*lo);
		break;
	case 8:
		*lo = __builtin_bswap64(*lo);
		break;
	case 16:
		t = __builtin_bswap64(*lo);
		*lo = __builtin_bswap64(*hi);
		*hi = t;
		break;
	default:
		break;
	}
}

static int mmio_call(const struct av_insn_mmio *io, uint64_t ipa, unsigned size, bool write,
		     uint64_t *val)
{
	int ret = io->fn(io->cookie, ipa, size, write, val);

	if (ret > 0)
		return -AV_EIO;
	return ret;
}

int av_insn_emulate_mem(const struct av_insn_mem *m, struct av_regs *regs,
			const struct av_insn_mmio *io)
{
	uint64_t val[2][2] = { { 0, 0 }, { 0, 0 } }; /* [element][low/high 64 bits] */
	unsigned n = m && m->is_pair ? 2 : 1;
	unsigned piece, pieces, total;
	uint64_t va, wb, off, ipa;
	int ret;

	if (!m || !regs || !io || !io->fn || !mem_valid(m))
		return -AV_EINVAL;
	if (!m->is_store && !m->is_fp) {
		if (m->wb != AV_INSN_WB_NONE && m->rn != REG_ALL_ONES &&
		    (m->rn == m->rt || (m->is_pair && m->rn == m->rt2)))
			return -AV_ENOTSUP;
	}
	if (!m->is_store && m->is_pair && m->rt == m->rt2)
		return -AV_ENOTSUP;

	mem_addresses(m, regs, &va, &wb);
	total = n * m->size;
	off = (io->far - va) & VA_BITS;
	if (off >= total || io->ipa < off)
		return -AV_EFAULT;
	if (((va ^ io->far) & PAGE_FRAME) || (((va + total - 1) ^ io->far) & PAGE_FRAME))
		return -AV_EFAULT;
	ipa = io->ipa - off;

	piece = m->size > 8 ? 8 : m->size;
	pieces = m->size > 8 ? 2 : 1;
	if (m->is_store) {
		for (unsigned e = 0; e < n; e++) {
			unsigned r = e ? m->rt2 : m->rt;

			if (m->is_fp) {
				val[e][0] = regs->v[r][0];
				val[e][1] = m->size == 16 ? regs->v[r][1] : 0;
			} else {
				val[e][0] = r == REG_ALL_ONES ? 0 : regs->x[r];
			}
			if (m->size < 16)
				val[e][0] &= bytes_mask(m->size);
			if (io->big_endian)
				swap_element(&val[e][0], &val[e][1], m->size);
		}
	}
	for (unsigned e = 0; e < n; e++) {
		for (unsigned p = 0; p < pieces; p++) {
			uint64_t v = val[e][p];

			ret = mmio_call(io, ipa + e * m->size + p * piece, piece, m->is_store, &v);
			if (ret)
				return ret;
			if (!m->is_store)
				val[e][p] = v & bytes_mask(piece);
		}
	}

	/* Every device access succeeded: commit to the register file. */
	if (!m->is_store) {
		for (unsigned e = 0; e < n; e++) {
			unsigned r = e ? m->rt2 : m->rt;
			uint64_t lo = val[e][0], hi = val[e][1];

			if (io->big_endian)
				swap_element(&lo, &hi, m->size);
			if (m->is_fp) {
				regs->v[r][0] = lo;
				regs->v[r][1] = hi;
				continue;
			}
			if (m->sign_extend)
				lo = (uint64_t)av_sext(lo, 8u * m->size);
			if (m->reg_bits == 32)
				lo &= W_BITS;
			if (r != REG_ALL_ONES)
				regs->x[r] = lo;
		}
	}
	if (m->wb != AV_INSN_WB_NONE) {
		if (m->rn == REG_ALL_ONES)
			regs->sp = wb;
		else
			regs->x[m->rn] = wb;
	}
	regs->pc += 4;
	return 0;
}

/* ---- formatting ---- */

struct regname {
	char s[8];
};

static struct regname gpr_name(unsigned r, bool x)
{
	struct regname n = { { 0 } };

	if (r == REG_ALL_ONES)
		av_snprintf(n.s, sizeof(n.s), "%s", x ? "xzr" : "wzr");
	else
		av_snprintf(n.s, sizeof(n.s), "%c%u", x ? 'x' : 'w', r);
	return n;
}

/* The base register of an address: register 31 is SP there, not XZR. */
static struct regname base_name(unsigned r)
{
	struct regname n = { { 0 } };

	if (r == REG_ALL_ONES)
		av_snprintf(n.s, sizeof(n.s), "sp");
	else
		n = gpr_name(r, true);
	return n;
}

static struct regname xfer_name(const struct av_insn_mem *m, unsigned r)
{
	struct regname n = { { 0 } };

	if (!m->is_fp)
		return gpr_name(r, m->reg_bits == 64);
	av_snprintf(n.s, sizeof(n.s), "%c%u", "bhsdq"[size_log2(m->size)], r);
	return n;
}

static const char *ext_name(enum av_insn_ext ext)
{
	switch (ext) {
	case AV_INSN_EXT_UXTW: return "uxtw";
	case AV_INSN_EXT_SXTW: return "sxtw";
	case AV_INSN_EXT_SXTX: return "sxtx";
	default: return "lsl";
	}
}

int av_insn_format_mem(const struct av_insn_mem *m, char *buf, size_t size)
{
	char mn[16], regs[24], addr[40];
	struct regname base, t1, t2, rm;
	const char *dir, *order = "", *suffix = "";

	if (!m || (!buf && size))
		return -AV_EINVAL;
	dir = m->is_store ? "st" : "ld";
	if (!m->is_fp) {
		if (m->size == 1)
			suffix = m->sign_extend ? "sb" : "b";
		else if (m->size == 2)
			suffix = m->sign_extend ? "sh" : "h";
		else if (m->size == 4 && m->sign_extend)
			suffix = "sw";
	}
	if (m->is_pair) {
		av_snprintf(mn, sizeof(mn), "%s%s%s", dir, m->nontemporal ? "np" : "p",
			    m->sign_extend ? "sw" : "");
	} else {
		if (m->acquire)
			order = m->rcpc ? "ap" : "a";
		else if (m->release)
			order = "l";
		av_snprintf(mn, sizeof(mn), "%s%s%sr%s", dir, order, m->unpriv ? "t" : "", suffix);
	}

	t1 = xfer_name(m, m->rt);
	t2 = xfer_name(m, m->rt2);
	if (m->is_pair)
		av_snprintf(regs, sizeof(regs), "%s, %s", t1.s, t2.s);
	else
		av_snprintf(regs, sizeof(regs), "%s", t1.s);

	base = base_name(m->rn);
	switch (m->addr) {
	case AV_INSN_ADDR_LITERAL:
		av_snprintf(addr, sizeof(addr), "[pc, #%lld]", (long long)m->imm);
		break;
	case AV_INSN_ADDR_REG:
		rm = gpr_name(m->rm, m->ext == AV_INSN_EXT_LSL || m->ext == AV_INSN_EXT_SXTX);
		if (m->ext == AV_INSN_EXT_LSL && m->shift == 0)
			av_snprintf(addr, sizeof(addr), "[%s, %s]", base.s, rm.s);
		else if (m->shift == 0)
			av_snprintf(addr, sizeof(addr), "[%s, %s, %s]", base.s, rm.s,
				    ext_name(m->ext));
		else
			av_snprintf(addr, sizeof(addr), "[%s, %s, %s #%u]", base.s, rm.s,
				    ext_name(m->ext), (unsigned)m->shift);
		break;
	default:
		if (m->wb == AV_INSN_WB_PRE)
			av_snprintf(addr, sizeof(addr), "[%s, #%lld]!", base.s, (long long)m->imm);
		else if (m->wb == AV_INSN_WB_POST)
			av_snprintf(addr, sizeof(addr), "[%s], #%lld", base.s, (long long)m->imm);
		else if (m->imm)
			av_snprintf(addr, sizeof(addr), "[%s, #%lld]", base.s, (long long)m->imm);
		else
			av_snprintf(addr, sizeof(addr), "[%s]", base.s);
		break;
	}
	return av_snprintf(buf, size, "%s %s, %s", mn, regs, addr);
}
