/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/boot.h
 * @brief Booting guests: the Linux arm64 Image header, placement of kernel, DTB and
 *        initrd in guest RAM, ELF64 images for bare-metal guests, raw binaries, one entry
 *        point for a kernel file of any of these formats, and the boot register state.
 *
 * A VMM that takes a kernel file from its user calls av_boot_detect() (what is it?),
 * av_boot_prepare() (check and place it, with the DTB and the initrd) and av_boot_load()
 * (copy it): arm64 Images, ELF64 AArch64 executables and raw binaries (loaded at RAM +
 * AV_BOOT_RAW_OFFSET, as kvmtool does) all boot with x0 = DTB.
 *
 * The library reads images from caller memory and never writes guest memory itself: it
 * computes where things go and describes the copies; the caller performs them, either
 * through an av_boot_copy_fn callback (av_image_load(), av_boot_apply()) or by walking the
 * list of `struct av_load_op` itself.
 *
 * Linux arm64 Image (Documentation/arch/arm64/booting.rst): a 64-byte little-endian
 * header. The kernel is placed text_offset bytes above a 2 MiB-aligned base in RAM and
 * needs image_size bytes from there; flags bit 3 says whether that base may be anywhere
 * in RAM or should be as low as possible. The DTB must be 8-byte aligned, at most 2 MiB,
 * and must not cross a 2 MiB boundary. An initrd must lie, together with the kernel,
 * inside one 1 GiB-aligned window of 32 GiB. On entry x0 holds the DTB's address, x1..x3
 * are zero, and the CPU is in EL1h with D, A, I and F masked.
 *
 * All arithmetic on image fields and addresses is overflow-checked.
 */
#ifndef ARMVIRT_BOOT_H
#define ARMVIRT_BOOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/bits.h>
#include <armvirt/regs.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Linux arm64 Image header (all fields little-endian) ---- */
#define AV_IMAGE_HDR_SIZE 64                   /**< header length in bytes */
#define AV_IMAGE_OFF_CODE0 0x00                /**< u32 executable code */
#define AV_IMAGE_OFF_CODE1 0x04                /**< u32 executable code */
#define AV_IMAGE_OFF_TEXT_OFFSET 0x08          /**< u64 image load offset */
#define AV_IMAGE_OFF_IMAGE_SIZE 0x10           /**< u64 effective image size */
#define AV_IMAGE_OFF_FLAGS 0x18                /**< u64 kernel flags */
#define AV_IMAGE_OFF_MAGIC 0x38                /**< u32 magic "ARM\x64" */
#define AV_IMAGE_OFF_RES5 0x3c                 /**< u32 reserved / PE header offset */
#define AV_IMAGE_MAGIC 0x644d5241u             /**< "ARM\x64" read as a little-endian u32 */

#define AV_IMAGE_FLAG_BE AV_BIT(0)             /**< kernel endianness: 1 = big-endian */
#define AV_IMAGE_FLAG_PAGE_SIZE AV_GENMASK(2, 1) /**< kernel page size (av_image_page_size) */
#define AV_IMAGE_FLAG_PHYS_ANY AV_BIT(3)       /**< 1: 2 MiB base may be anywhere in RAM */

/** text_offset assumed for images whose image_size is 0 (kernels before v3.17). */
#define AV_IMAGE_LEGACY_TEXT_OFFSET 0x80000ull

#define AV_BOOT_KERNEL_ALIGN 0x200000ull       /**< the kernel's base is 2 MiB aligned */
#define AV_BOOT_DTB_ALIGN 8ull                 /**< DTB alignment */
#define AV_BOOT_DTB_MAX 0x200000ull            /**< largest DTB (2 MiB) */
#define AV_BOOT_DTB_BLOCK 0x200000ull          /**< a DTB must not cross this boundary */
#define AV_BOOT_INITRD_ALIGN 0x1000ull         /**< initrd alignment used by the placer */
#define AV_BOOT_INITRD_WINDOW_ALIGN 0x40000000ull /**< 1 GiB */
#define AV_BOOT_INITRD_WINDOW 0x800000000ull   /**< 32 GiB: kernel and initrd in one window */

/** Kernel page size from flags bits 2:1. */
enum av_image_page_size {
	AV_IMAGE_PAGE_UNSPECIFIED = 0, /**< not specified */
	AV_IMAGE_PAGE_4K = 1,          /**< 4 KiB */
	AV_IMAGE_PAGE_16K = 2,         /**< 16 KiB */
	AV_IMAGE_PAGE_64K = 3,         /**< 64 KiB */
};

/** What av_image_parse() found. */
struct av_image_info {
	uint64_t text_offset;               /**< load offset from the 2 MiB-aligned base */
	uint64_t image_size;                /**< bytes the kernel needs from its load address */
	uint64_t file_size;                 /**< bytes to copy (the image file's length) */
	uint64_t flags;                     /**< raw flags field */
	enum av_image_page_size page_size;  /**< from flags */
	bool big_endian;                    /**< flags bit 0 */
	bool phys_anywhere;                 /**< flags bit 3 */
	bool legacy;                        /**< image_size was 0: text_offset 0x80000 assumed,
					         image_size is the file size */
};

/** av_image_parse() option: accept big-endian kernels. */
#define AV_IMAGE_ALLOW_BE 0x1u

/**
 * Parse and check a Linux arm64 Image header.
 *
 * An image_size of 0 marks a kernel older than v3.17: text_offset is then taken as
 * 0x80000 and image_size as the file size (the kernel's BSS is unknown; the placer keeps
 * the space above the kernel free as far as it can by putting the DTB and initrd at the
 * top of RAM).
 *
 * @param img   the image file
 * @param len   its length
 * @param opts  `AV_IMAGE_*` options
 * @param info  receives the result
 * @return 0; -AV_EINVAL for NULL pointers or unknown options; -AV_EBADIMG when shorter than
 *         the header, with a bad magic, when text_offset + image_size overflows, or when
 *         the file is longer than image_size; -AV_ENOTSUP for a big-endian kernel without
 *         AV_IMAGE_ALLOW_BE.
 */
int av_image_parse(const void *img, size_t len, unsigned opts, struct av_image_info *info);

/** "Choose the address yourself" for av_boot_req addresses. */
#define AV_BOOT_ADDR_AUTO UINT64_MAX

/** Placement request: the RAM region and what goes into it. */
struct av_boot_req {
	uint64_t ram_base;    /**< first byte of guest RAM */
	uint64_t ram_size;    /**< RAM length; ram_base + ram_size must not exceed 2^64 - 1 */
	uint64_t kernel_base; /**< AV_BOOT_ADDR_AUTO (lowest 2 MiB-aligned base in RAM) or a
			           2 MiB-aligned base; a kernel without AV_IMAGE_FLAG_PHYS_ANY
			           only accepts the lowest one */
	uint64_t dtb_size;    /**< 1 .. 2 MiB */
	uint64_t dtb_addr;    /**< AV_BOOT_ADDR_AUTO or an explicit address to check */
	uint64_t initrd_size; /**< 0: no initrd */
	uint64_t initrd_addr; /**< AV_BOOT_ADDR_AUTO or an explicit address to check */
};

/** Where everything goes. */
struct av_boot_layout {
	uint64_t kernel_base;  /**< 2 MiB-aligned base */
	uint64_t kernel_addr;  /**< kernel_base + text_offset: copy the Image here; the entry */
	uint64_t kernel_size;  /**< image_size: [kernel_addr, +kernel_size) belongs to the kernel */
	uint64_t dtb_addr;     /**< DTB address (x0) */
	uint64_t dtb_size;     /**< DTB size */
	uint64_t initrd_addr;  /**< initrd address (0 when none) */
	uint64_t initrd_size;  /**< initrd size (0 when none) */
	uint64_t entry;        /**< PC at boot */
};

/**
 * Place a kernel, its DTB and an optional initrd in RAM.
 *
 * The kernel goes at the requested or lowest 2 MiB-aligned base plus text_offset. Automatic
 * DTB and initrd addresses are chosen as high as possible (DTB at the top, the initrd just
 * below it), leaving the memory after the kernel free, and never overlap the kernel's
 * image_size footprint or each other; the DTB is 8-byte aligned and within one 2 MiB
 * block, the initrd 4 KiB aligned and inside the 32 GiB window of the kernel. Explicit
 * addresses are checked against the same rules. The gap between the 2 MiB base and the
 * kernel (text_offset) is usable, as the protocol allows.
 *
 * @param img the image
 * @param req what to place and where (RAM, DTB, initrd)
 * @param out the placement, filled in on success
 * @return 0; -AV_EINVAL for NULL pointers, an empty or wrapping RAM region, a zero DTB
 *         size, a misaligned kernel base, DTB or initrd address, or a DTB crossing 2 MiB;
 *         -AV_ERANGE for a DTB over 2 MiB, an explicit address outside RAM or the initrd
 *         window, or a kernel base other than the lowest for a kernel that must be low;
 *         -AV_EEXIST when explicit regions overlap; -AV_ENOSPC when something does not fit.
 */
int av_boot_place(const struct av_image_info *img, const struct av_boot_req *req,
		  struct av_boot_layout *out);

/**
 * Copy callback: write @p len bytes from @p src to guest-physical @p dst, or zero them
 * when @p src is NULL. @return 0 or a negative `AV_E*` code (passed back to the caller).
 */
typedef int (*av_boot_copy_fn)(void *cookie, uint64_t dst, const void *src, uint64_t len);

/**
 * Copy a parsed Image to its place: one call of @p fn for `info->file_size` bytes at
 * `layout->kernel_addr`.
 * @param img the image file
 * @param len its length in bytes
 * @param info the image's description from av_image_parse()
 * @param layout the placement from av_boot_place() or av_boot_prepare()
 * @param fn copies bytes into guest memory
 * @param cookie passed unchanged to @p fn
 * @return 0, -AV_EINVAL for NULL pointers or when @p len differs from info->file_size, or
 *         the callback's error.
 */
int av_image_load(const void *img, size_t len, const struct av_image_info *info,
		  const struct av_boot_layout *layout, av_boot_copy_fn fn, void *cookie);

/* ---- ELF64 ---- */
#define AV_ELF_EHDR_SIZE 64   /**< ELF64 file header size */
#define AV_ELF_PHDR_SIZE 56   /**< ELF64 program header size */
#define AV_ELF_EM_AARCH64 183 /**< e_machine for AArch64 */
#define AV_ELF_ET_EXEC 2      /**< e_type: executable */
#define AV_ELF_PT_LOAD 1      /**< p_type: loadable segment */

/** One step of loading: copy from the file, or zero-fill. */
enum av_load_kind {
	AV_LOAD_COPY = 0, /**< copy @c len bytes from file offset @c src to @c dst */
	AV_LOAD_ZERO = 1, /**< zero @c len bytes at @c dst */
};

/** A copy or zero operation in guest-physical memory. */
struct av_load_op {
	enum av_load_kind kind; /**< copy or zero */
	uint64_t dst;           /**< guest-physical destination */
	uint64_t src;           /**< AV_LOAD_COPY: offset in the file */
	uint64_t len;           /**< bytes */
};

/** av_elf_parse() option: place segments at p_vaddr instead of p_paddr. */
#define AV_ELF_USE_VADDR 0x1u

/** What av_elf_parse() found. */
struct av_elf_info {
	uint64_t entry;     /**< entry point, translated to the load address space */
	uint64_t low;       /**< lowest loaded address */
	uint64_t high;      /**< one past the highest loaded address */
	size_t nops;        /**< operations produced (or needed, on -AV_ENOSPC) */
};

/**
 * Check an ELF64 executable for AArch64 and describe how to load it into
 * [@p ram_base, @p ram_base + @p ram_size).
 *
 * Every PT_LOAD segment with a non-zero p_memsz becomes an AV_LOAD_COPY of p_filesz bytes
 * (when non-zero) followed by an AV_LOAD_ZERO of the rest (when non-zero), at p_paddr
 * (or p_vaddr with AV_ELF_USE_VADDR). The entry point e_entry is translated from the
 * virtual to the load address of the segment containing it and must be inside a loaded
 * segment.
 *
 * @param elf       the file
 * @param len       its length
 * @param ram_base  guest RAM start
 * @param ram_size  guest RAM length
 * @param opts      `AV_ELF_*` options
 * @param ops       receives the operations (may be NULL when @p max_ops is 0)
 * @param max_ops   entries in @p ops
 * @param info      receives entry, extent and operation count
 * @return 0; -AV_EINVAL for NULL pointers, unknown options or a bad RAM region;
 *         -AV_EBADIMG for a short file, bad magic or version, a program header table
 *         or segment outside the file, p_filesz > p_memsz, an address range that wraps,
 *         overlapping segments, no loadable segment or an entry outside the segments;
 *         -AV_ENOTSUP for a 32-bit, big-endian, non-AArch64, non-ET_EXEC file or an
 *         extended program header count; -AV_ERANGE for a segment outside RAM;
 *         -AV_ENOSPC when @p max_ops is too small (info->nops says how many are needed).
 */
int av_elf_parse(const void *elf, size_t len, uint64_t ram_base, uint64_t ram_size,
		 unsigned opts, struct av_load_op *ops, size_t max_ops, struct av_elf_info *info);

/**
 * Perform load operations through @p fn, reading copy sources from @p file.
 * @param file the kernel file
 * @param len its length in bytes
 * @param ops the copy operations
 * @param nops number of entries in @p ops
 * @param fn copies bytes into guest memory
 * @param cookie passed unchanged to @p fn
 * @return 0; -AV_EINVAL for NULL pointers or an operation outside @p file; or the
 *         callback's error (operations before it were done).
 */
int av_boot_apply(const void *file, size_t len, const struct av_load_op *ops, size_t nops,
		  av_boot_copy_fn fn, void *cookie);

/* ---- Kernel files of any format: detection, placement, loading ---- */

/**
 * Load offset of a raw binary: it is copied to guest RAM base + 0x80000 and entered at its
 * first byte, as kvmtool does (and as a pre-v3.17 arm64 Image would be).
 */
#define AV_BOOT_RAW_OFFSET 0x80000ull

/** What a kernel file is (av_boot_detect()). */
enum av_boot_format {
	AV_BOOT_FMT_NONE = 0, /**< nothing: an empty file */
	AV_BOOT_FMT_IMAGE,    /**< Linux arm64 Image: "ARM\x64" at offset 0x38 */
	AV_BOOT_FMT_ELF,      /**< starts with "\x7fELF" (valid or not) */
	AV_BOOT_FMT_RAW,      /**< anything else: a raw binary */
};

/**
 * Tell a kernel file's format from its first bytes: an arm64 Image when it is at least 64
 * bytes long and has the Image magic, ELF when it starts with the ELF magic (also when it
 * is shorter than the magic but matches it as far as it goes: such a file is a truncated
 * ELF file, never code), a raw binary otherwise.
 * @param file the kernel file
 * @param len its length in bytes
 * @return the format; AV_BOOT_FMT_NONE for an empty file or a NULL @p file.
 */
enum av_boot_format av_boot_detect(const void *file, size_t len);

/** The format's name for messages ("arm64 Image", "ELF64 AArch64 executable", "raw binary
 *  (no arm64 Image header)", "empty file"). Never NULL.
 * @param fmt the format
 * @return the name, never NULL
 */
const char *av_boot_format_name(enum av_boot_format fmt);

/** av_boot_prepare() option: accept a big-endian arm64 Image (AV_IMAGE_ALLOW_BE). */
#define AV_BOOT_ALLOW_BE 0x1u
/** av_boot_prepare() option: load ELF segments at p_vaddr, not p_paddr (AV_ELF_USE_VADDR). */
#define AV_BOOT_ELF_VADDR 0x2u

/** A kernel file checked and placed by av_boot_prepare(), ready for av_boot_load(). */
struct av_boot_kernel {
	enum av_boot_format format;  /**< what the file is */
	const void *file;            /**< the file (the caller's memory, kept until loaded) */
	size_t len;                  /**< its length */
	struct av_image_info image;  /**< AV_BOOT_FMT_IMAGE: the parsed header */
	struct av_elf_info elf;      /**< AV_BOOT_FMT_ELF: entry, extent, operation count */
	uint64_t ram_base;           /**< guest RAM of the request */
	uint64_t ram_size;           /**< guest RAM of the request */
	unsigned elf_opts;           /**< `AV_ELF_*` options for the ELF walk */
	/** NULL on success; otherwise what is wrong, as a phrase for a one-line message
	 *  ("truncated ELF: ...", "ELF segment outside guest RAM", "the kernel, the DTB and
	 *  the initrd do not fit in guest RAM", ...). A static string. */
	const char *error;
};

/**
 * Detect a kernel file's format, check it and place it with its DTB and initrd: the one
 * entry point for booting any supported kernel.
 *
 * - arm64 Image: av_image_parse() and av_boot_place() (text_offset above a 2 MiB-aligned
 *   base, @p req->kernel_base honoured).
 * - ELF: an ELF64 little-endian AArch64 ET_EXEC file; every PT_LOAD segment goes to its
 *   p_paddr (p_vaddr with AV_BOOT_ELF_VADDR) and must lie inside guest RAM; segments must
 *   not overlap each other; the entry is e_entry translated to the load address.
 *   layout->kernel_addr/kernel_size cover the lowest to the highest loaded byte (gaps
 *   included), and the DTB and initrd are placed outside that span.
 * - Raw binary: copied whole to `ram_base + AV_BOOT_RAW_OFFSET` and entered at its first
 *   byte; its footprint is the file (a program that needs BSS clears it itself, above the
 *   file: the DTB and initrd are put at the top of RAM, as far from it as they can be).
 *
 * For every format the DTB and initrd go where av_boot_place() puts them (automatic: top
 * of RAM; explicit: checked against the kernel's span) and the boot CPU is entered with
 * PC = layout->entry, x0 = layout->dtb_addr (av_boot_linux_regs()). ELF files and raw
 * binaries take no explicit kernel base: @p req->kernel_base must be AV_BOOT_ADDR_AUTO.
 *
 * @param file   the kernel file (must stay valid until av_boot_load())
 * @param len    its length
 * @param opts   `AV_BOOT_*` options
 * @param req    RAM, DTB and initrd request (as for av_boot_place())
 * @param k      receives the format, the parsed file and, on failure, k->error
 * @param out    receives the layout
 * @return 0; -AV_EINVAL for NULL pointers, unknown options, a bad request or an explicit
 *         kernel base for an ELF or raw file; -AV_EBADIMG for an empty file, a malformed
 *         Image or ELF file (truncated, overlapping segments, p_filesz > p_memsz, ...);
 *         -AV_ENOTSUP for a big-endian Image or an ELF file that is 32-bit, big-endian,
 *         not ET_EXEC or for another machine; -AV_ERANGE for an ELF segment outside RAM;
 *         av_boot_place()'s errors (-AV_ENOSPC: too big for RAM). k->error says which.
 */
int av_boot_prepare(const void *file, size_t len, unsigned opts, const struct av_boot_req *req,
		    struct av_boot_kernel *k, struct av_boot_layout *out);

/**
 * Copy a kernel prepared by av_boot_prepare() into guest RAM through @p fn: the Image or
 * raw file at layout->kernel_addr, or each ELF segment (its file bytes, then zeroes up to
 * p_memsz). The DTB and the initrd are the caller's to copy (to layout->dtb_addr and
 * layout->initrd_addr).
 * @param k the kernel from av_boot_prepare()
 * @param layout the placement from av_boot_place() or av_boot_prepare()
 * @param fn copies bytes into guest memory
 * @param cookie passed unchanged to @p fn
 * @return 0, -AV_EINVAL for NULL pointers or an unprepared @p k, or the callback's error.
 */
int av_boot_load(const struct av_boot_kernel *k, const struct av_boot_layout *layout,
		 av_boot_copy_fn fn, void *cookie);

/* ---- Boot register state ---- */
#define AV_BOOT_PSTATE_M AV_GENMASK(3, 0) /**< PSTATE.M: exception level and stack */
#define AV_BOOT_PSTATE_F AV_BIT(6)        /**< FIQ masked */
#define AV_BOOT_PSTATE_I AV_BIT(7)        /**< IRQ masked */
#define AV_BOOT_PSTATE_A AV_BIT(8)        /**< SError masked */
#define AV_BOOT_PSTATE_D AV_BIT(9)        /**< debug exceptions masked */
#define AV_BOOT_PSTATE_M_EL1H 5           /**< M value for EL1 using SP_EL1 */
/** EL1h with D, A, I and F masked (0x3c5): the state a kernel is entered in. */
#define AV_BOOT_PSTATE                                                        \
	(AV_FIELD_PREP(AV_BOOT_PSTATE_M, AV_BOOT_PSTATE_M_EL1H) | AV_BOOT_PSTATE_F | \
	 AV_BOOT_PSTATE_I | AV_BOOT_PSTATE_A | AV_BOOT_PSTATE_D)

/**
 * Set a vCPU's registers for entry at @p entry with @p x0 in x0: every other general,
 * SIMD&FP and status register zero, PC = @p entry, PSTATE = AV_BOOT_PSTATE. Used for the
 * boot CPU (x0 = DTB) and for CPUs started by PSCI CPU_ON (x0 = context id).
 * @param regs registers to fill in
 * @param entry the entry point (the first PC)
 * @param x0 the value of X0 (the DTB address for Linux)
 * @return 0 or -AV_EINVAL for a NULL @p regs.
 */
int av_boot_cpu_regs(struct av_regs *regs, uint64_t entry, uint64_t x0);

/**
 * av_boot_cpu_regs() for a Linux boot: PC = layout->entry, x0 = layout->dtb_addr.
 * @param regs registers to fill in
 * @param layout the placement from av_boot_place() or av_boot_prepare()
 * @return 0 or -AV_EINVAL for NULL pointers.
 */
int av_boot_linux_regs(struct av_regs *regs, const struct av_boot_layout *layout);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_BOOT_H */
