/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/insn.h
 * @brief A64 load/store decoding and emulation, for data aborts that report ISV=0.
 *
 * When a guest's access to an emulated device traps and the syndrome carries no
 * instruction information (ESR_EL2.ISV == 0: pairs, writeback forms, SIMD&FP registers,
 * register offsets...), the hypervisor reads the instruction word at the guest's PC and
 * hands it to av_insn_decode_mem(). av_insn_emulate_mem() then performs the access
 * through a caller-supplied MMIO callback and updates the register file as the
 * instruction would have.
 *
 * Decoded: LDR/STR (B/H/W/X and SIMD&FP B/H/S/D/Q) with unsigned offset, pre- and
 * post-index, unscaled offset (LDUR/STUR), register offset (UXTW/LSL/SXTW/SXTX with the
 * S bit) and PC-relative literal (LDR W/X/S/D/Q, LDRSW); the sign-extending
 * LDRSB/LDRSH/LDRSW to W and X; LDP/STP/LDPSW/LDNP/STNP (general and SIMD&FP) in every
 * index mode; LDAR/STLR (B/H/W/X); LDAPR (FEAT_LRCPC); LDAPUR/STLUR and the sign-extending
 * LDAPURS* (FEAT_LRCPC2); the unprivileged LDTR/STTR family.
 *
 * Rejected with -AV_ENOTSUP: everything else, in particular exclusives (LDXR/STXR/LDAXP),
 * atomics (LDADD/SWP/CAS/CASP), LDLAR/STLLR, SIMD structure loads (LD1..LD4/ST1..ST4),
 * SVE and MTE accesses, memory copy/set, prefetches (PRFM/PRFUM), pointer-authenticated
 * loads (LDRAA/LDRAB) and every unallocated encoding in the load/store classes.
 *
 * Field names follow the "Loads and Stores" encoding tables of the Arm ARM (DDI 0487).
 * Freestanding: only stdint.h, stddef.h and stdbool.h.
 */
#ifndef ARMVIRT_INSN_H
#define ARMVIRT_INSN_H

#include <armvirt/bits.h>
#include <armvirt/regs.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Instruction fields. The load/store group is identified by op0 (bits 28:25) == x1x0.
 * Within it, the "family" bits 29:27 are 0b001 (exclusive / ordered / atomic-pair),
 * 0b011 (literal, RCpc unscaled), 0b101 (register pair) or 0b111 (single register).
 */
#define AV_INSN_OP0        AV_GENMASK(28, 25) /**< top-level group; x1x0 = load/store */
#define AV_INSN_LS_FAMILY  AV_GENMASK(29, 27) /**< load/store family (see above) */
#define AV_INSN_LS_V       AV_GENMASK(26, 26) /**< 1: SIMD&FP register file */
#define AV_INSN_LS_SIZE    AV_GENMASK(31, 30) /**< single register: log2 access size */
#define AV_INSN_LS_OP2     AV_GENMASK(25, 24) /**< single register: 01 = unsigned offset */
#define AV_INSN_LS_OPC     AV_GENMASK(23, 22) /**< single register: store/load/sign-extend */
#define AV_INSN_LS_OP3     AV_GENMASK(21, 21) /**< single register: 1 = register offset/atomic */
#define AV_INSN_LS_IMM12   AV_GENMASK(21, 10) /**< unsigned offset, scaled by the size */
#define AV_INSN_LS_IMM9    AV_GENMASK(20, 12) /**< signed unscaled offset */
#define AV_INSN_LS_OP4     AV_GENMASK(11, 10) /**< imm9: unscaled/post/unpriv/pre (00..11) */
#define AV_INSN_LS_RM      AV_GENMASK(20, 16) /**< register offset: Rm */
#define AV_INSN_LS_OPTION  AV_GENMASK(15, 13) /**< register offset: extend type */
#define AV_INSN_LS_S       AV_GENMASK(12, 12) /**< register offset: shift by the size */
#define AV_INSN_LS_RN      AV_GENMASK(9, 5)   /**< base register (31 = SP) */
#define AV_INSN_LS_RT      AV_GENMASK(4, 0)   /**< transfer register (31 = ZR for GPRs) */
#define AV_INSN_LDP_OPC    AV_GENMASK(31, 30) /**< pair: element size / LDPSW */
#define AV_INSN_LDP_IDX    AV_GENMASK(25, 23) /**< pair: no-alloc/post/offset/pre (000..011) */
#define AV_INSN_LDP_L      AV_GENMASK(22, 22) /**< pair: 1 = load */
#define AV_INSN_LDP_IMM7   AV_GENMASK(21, 15) /**< pair: signed offset, scaled by the element */
#define AV_INSN_LDP_RT2    AV_GENMASK(14, 10) /**< pair: second transfer register */
#define AV_INSN_LIT_OPC    AV_GENMASK(31, 30) /**< literal: W/X/LDRSW/PRFM or S/D/Q */
#define AV_INSN_LIT_IMM19  AV_GENMASK(23, 5)  /**< literal: signed word offset from the PC */
#define AV_INSN_ORD_O2     AV_GENMASK(23, 23) /**< exclusive/ordered: 1 = ordered or CAS */
#define AV_INSN_ORD_L      AV_GENMASK(22, 22) /**< exclusive/ordered: 1 = load */
#define AV_INSN_ORD_O1     AV_GENMASK(21, 21) /**< exclusive/ordered: 1 = pair or CAS */
#define AV_INSN_ORD_RS     AV_GENMASK(20, 16) /**< exclusive/ordered: Rs (0b11111 if unused) */
#define AV_INSN_ORD_O0     AV_GENMASK(15, 15) /**< exclusive/ordered: 1 = acquire/release */
#define AV_INSN_ORD_RT2    AV_GENMASK(14, 10) /**< exclusive/ordered: Rt2 (0b11111 if unused) */
#define AV_INSN_ATOM_A     AV_GENMASK(23, 23) /**< atomic: acquire */
#define AV_INSN_ATOM_R     AV_GENMASK(22, 22) /**< atomic: release */
#define AV_INSN_ATOM_RS    AV_GENMASK(20, 16) /**< atomic: Rs (0b11111 for LDAPR) */
#define AV_INSN_ATOM_O3    AV_GENMASK(15, 15) /**< atomic: o3 (1 for LDAPR) */
#define AV_INSN_ATOM_OPC   AV_GENMASK(14, 12) /**< atomic: opc (0b100 for LDAPR) */

/** How the address is formed. */
enum av_insn_addr {
	AV_INSN_ADDR_IMM = 0, /**< base register (Rn, 31 = SP) plus a signed byte offset `imm` */
	AV_INSN_ADDR_REG,     /**< base register plus extended and shifted Rm */
	AV_INSN_ADDR_LITERAL, /**< PC plus a signed byte offset `imm` */
};

/** Extension applied to Rm for AV_INSN_ADDR_REG (values are the `option` field). */
enum av_insn_ext {
	AV_INSN_EXT_NONE = 0, /**< no register offset */
	AV_INSN_EXT_UXTW = 2, /**< Wm zero-extended */
	AV_INSN_EXT_LSL = 3,  /**< Xm as is (UXTX, written LSL) */
	AV_INSN_EXT_SXTW = 6, /**< Wm sign-extended */
	AV_INSN_EXT_SXTX = 7, /**< Xm as is (SXTX) */
};

/** Base-register writeback. */
enum av_insn_wb {
	AV_INSN_WB_NONE = 0, /**< no writeback */
	AV_INSN_WB_PRE,      /**< access at Rn + imm, then Rn = Rn + imm (`[Xn, #imm]!`) */
	AV_INSN_WB_POST,     /**< access at Rn, then Rn = Rn + imm (`[Xn], #imm`) */
};

/**
 * A decoded load or store.
 *
 * Register numbers are the raw 5-bit fields. For a general-purpose transfer register, 31
 * is the zero register; for a SIMD&FP one (`is_fp`) it is V31. The base register `rn`
 * 31 is SP. Fields that do not apply to the form are zero (`rt2` outside pairs, `rm`,
 * `ext`, `shift` outside register offsets, `rn` for literals).
 */
struct av_insn_mem {
	uint32_t insn;          /**< the instruction word */
	bool is_store;          /**< true: store; false: load */
	bool is_pair;           /**< two elements, to/from Rt and Rt2 (LDP/STP/LDNP/STNP/LDPSW) */
	bool is_fp;             /**< transfer registers are SIMD&FP (B/H/S/D/Q) */
	bool sign_extend;       /**< load sign-extends the element to `reg_bits` */
	bool acquire;           /**< load-acquire (LDAR, LDAPR, LDAPUR) */
	bool rcpc;              /**< the acquire is the RCpc kind (LDAPR, LDAPUR) */
	bool release;           /**< store-release (STLR, STLUR) */
	bool nontemporal;       /**< no-allocate hint (LDNP/STNP) */
	bool unpriv;            /**< unprivileged access (LDTR/STTR): checked as EL0 at EL1 */
	uint8_t size;           /**< bytes per element: 1, 2, 4, 8 or 16 (Q) */
	uint8_t reg_bits;       /**< register width: 32 (W) or 64 (X); SIMD&FP: 8 * size */
	uint8_t rt;             /**< first transfer register */
	uint8_t rt2;            /**< second transfer register (pairs) */
	uint8_t rn;             /**< base register (31 = SP) */
	uint8_t rm;             /**< offset register (31 = ZR) */
	uint8_t shift;          /**< left shift applied to the extended Rm */
	enum av_insn_addr addr; /**< address form */
	enum av_insn_ext ext;   /**< Rm extension (AV_INSN_ADDR_REG only) */
	enum av_insn_wb wb;     /**< writeback */
	int64_t imm;            /**< signed byte offset (IMM and LITERAL forms) */
};

/**
 * Decode a load/store instruction.
 *
 * @param insn  the A64 instruction word (as read from guest memory, little-endian)
 * @param out   filled on success; zeroed on failure
 * @return 0; -AV_ENOTSUP for anything that is not one of the forms listed in the file
 *         comment (including unallocated encodings); -AV_EINVAL if @p out is NULL.
 *
 * Encodings the Arm ARM calls CONSTRAINED UNPREDICTABLE but which have a plain reading
 * (writeback with Rn == Rt, LDP with Rt == Rt2) decode; av_insn_emulate_mem() refuses the
 * loads among them.
 */
int av_insn_decode_mem(uint32_t insn, struct av_insn_mem *out);

/** What kind of memory access an instruction word is (av_insn_mem_kind()). */
enum av_insn_mem_kind {
	AV_INSN_KIND_NONE = 0,  /**< not a data access of the load/store or DC classes */
	AV_INSN_KIND_PLAIN,     /**< any other load, store or DC (by VA) instruction */
	AV_INSN_KIND_EXCLUSIVE, /**< load/store exclusive: LDXR, STXR, LDAXP, STLXP... */
	AV_INSN_KIND_ATOMIC,    /**< FEAT_LSE atomics: LD\<op\>/ST\<op\>, SWP, CAS, CASP */
};

/**
 * Classify an instruction word by the memory access it makes, whether or not
 * av_insn_decode_mem() takes it: a data abort on an instruction the emulator refuses is
 * answered with the fault a memory system would give (for an exclusive or atomic access
 * to memory that does not support it, the "unsupported exclusive or atomic access" fault
 * status 0x35; for the others an external abort). LDAR/STLR, LDAPR and the other ordered
 * loads and stores are #AV_INSN_KIND_PLAIN; SIMD&FP structure loads and stores
 * (LD1..LD4, ST1..ST4), prefetches, and the DC instructions (SYS with op1 = 3, CRn = 7:
 * DC ZVA/GVA/GZVA and DC by VA) are #AV_INSN_KIND_PLAIN too.
 * @param insn the A64 instruction word
 * @return the kind of access
 */
enum av_insn_mem_kind av_insn_mem_kind(uint32_t insn);

/**
 * MMIO access callback used by av_insn_emulate_mem().
 *
 * @param cookie    av_insn_mmio::cookie
 * @param ipa       the intermediate physical address of the element (or Q half)
 * @param size      1, 2, 4 or 8 bytes
 * @param is_write  true for a store
 * @param val       store: the value to write (the @p size bytes at @p ipa, in little-endian
 *                  order, in the low bits); load: where to put the value read, in the same
 *                  form (bits above @p size bytes are ignored)
 * @return 0, or a negative `AV_E*` code, which av_insn_emulate_mem() returns unchanged
 *         (a positive return is taken as -AV_EIO).
 */
typedef int (*av_insn_mmio_fn)(void *cookie, uint64_t ipa, unsigned size, bool is_write,
			       uint64_t *val);

/** The fault being emulated and where its accesses go. */
struct av_insn_mmio {
	uint64_t far;        /**< faulting virtual address (FAR_EL2) */
	uint64_t ipa;        /**< IPA of the byte at @c far (HPFAR_EL2.FIPA page, FAR[11:0]) */
	bool big_endian;     /**< data accesses are big-endian (SCTLR_EL1.EE or .E0E) */
	av_insn_mmio_fn fn;  /**< performs each element access */
	void *cookie;        /**< passed to @c fn */
};

/**
 * Emulate a decoded load or store against a register file.
 *
 * The effective address is computed from @p regs (Rn 31 is `regs->sp`; literals use
 * `regs->pc`). Bits 63:56 are ignored when comparing addresses (top-byte-ignore), and
 * the whole access must contain @c io->far and lie in the 4 KiB page that contains it
 * (the smallest translation granule: the IPA of any other page is unknown). Each byte at
 * virtual address `va` is accessed at IPA `io->ipa + (va - io->far)`.
 *
 * Elements are accessed in ascending address order with one callback each; a Q element
 * is two 8-byte callbacks (low address first). With @c io->big_endian each element's
 * bytes are reversed between memory and register, a Q element as one 16-byte unit.
 * General-purpose register 31 as a transfer register is the zero register: a store
 * writes zeros, a load's value is discarded. A load zero- or sign-extends to the
 * register width (a W destination has bits 63:32 cleared); a SIMD&FP load clears the
 * rest of the V register. Writeback updates Rn (SP for 31), and the PC advances by 4.
 *
 * Loads read every element before writing any register, and a store writes registers
 * only after every element was written, so on any error @p regs is unchanged (a failed
 * pair store may have written its first element to the device).
 *
 * CONSTRAINED UNPREDICTABLE forms: a general-purpose load with writeback whose Rn
 * (other than 31) is also Rt or Rt2, and a pair load with Rt == Rt2, return -AV_ENOTSUP
 * so that the caller injects an undefined-instruction exception (a permitted behaviour).
 * A store with writeback and Rn == Rt stores the value Rt had before the writeback (also
 * permitted).
 *
 * @param m the decoded load/store
 * @param regs the vCPU's registers
 * @param io the callbacks that perform the memory accesses
 * @return 0; -AV_EFAULT if the access does not contain @c io->far or leaves its page;
 *         -AV_ENOTSUP as above; -AV_EINVAL for NULL pointers or an inconsistent @p m;
 *         or the callback's error.
 */
int av_insn_emulate_mem(const struct av_insn_mem *m, struct av_regs *regs,
			const struct av_insn_mmio *io);

/**
 * The virtual address the first element of @p m accesses, computed from @p regs.
 *
 * @param m the decoded load/store
 * @param regs the vCPU's registers
 * @param va receives the virtual address accessed
 * @return 0, or -AV_EINVAL for NULL pointers or an inconsistent @p m.
 */
int av_insn_mem_address(const struct av_insn_mem *m, const struct av_regs *regs,
			uint64_t *va);

/**
 * Describe a decoded access on one line, assembler-like, e.g.
 * `ldp x1, x2, [sp, #-16]!`, `ldrsw x3, [x1, w2, sxtw #2]` or `ldarb w0, [x1]`. The
 * mnemonic shows acquire (`lda`, `ldap`), release (`stl`), non-temporal (`ldnp`) and
 * unprivileged (`ldtr`) forms; unscaled offsets print as `ldr`, literals as `[pc, #imm]`.
 *
 * @param m the decoded load/store
 * @param buf output buffer, always NUL-terminated when @p size > 0
 * @param size size of @p buf
 * @return what av_snprintf() returns: the length of the full line (the output is
 *         truncated, and NUL-terminated, when it is >= @p size); -AV_EINVAL if @p m is
 *         NULL, or @p buf is NULL with a non-zero @p size.
 */
int av_insn_format_mem(const struct av_insn_mem *m, char *buf, size_t size);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_INSN_H */
