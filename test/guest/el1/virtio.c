/* SPDX-License-Identifier: MIT */
/*
 * virtio: the 32 virtio-mmio slots of the VM (QEMU virt layout: 0x0a000000 + n * 0x200,
 * SPI n, INTID 48 + n) driven directly, as a correct driver and as a hostile one.
 *
 * - Every slot answers MagicValue "virt", Version 2; DeviceID 0 (empty) or a known device;
 *   at least one virtio-blk. Empty slots read as zero and ignore writes.
 * - Register rules of the transport: 8/16-bit accesses to registers below 0x100 read as
 *   zero and are ignored, read-only registers ignore writes, QueueNotify of a queue that
 *   does not exist is ignored, FEATURES_OK is refused without VIRTIO_F_VERSION_1.
 * - The virtio-blk like a driver: reset, ACKNOWLEDGE, DRIVER, features, FEATURES_OK, queue
 *   0 in guest RAM, DRIVER_OK; reads checked against the test disk's pattern (virtio-disk.pl:
 *   sector s holds "AVBLKSEC", s, the sector count, then bytes (i + 7 s) & 0xff), requests
 *   beyond the capacity, a write read back and restored (or refused with IOERR on a
 *   read-only disk), GET_ID, FLUSH, an unknown request type; the used-buffer interrupt is
 *   taken through the GIC. virtio-rng, when present, fills a buffer.
 * - Hostile queues: each malformed request must end with DEVICE_NEEDS_RESET (and a
 *   configuration-change interrupt) or complete with IOERR, nothing outside the writable
 *   buffers the test gave may change (the whole DMA arena is compared with a copy taken
 *   before the kick), and after a reset the device must serve a good read again.
 *
 * Bootargs (optional, for the hypervisors' runs): "virtio-blk=rw|ro" (the disk's mode,
 * which VIRTIO_BLK_F_RO must match), "virtio-rng=0|1" (whether a virtio-rng must exist).
 * Off armvirt (plain QEMU with -device virtio-blk-device) the checks that rest on armvirt's
 * documented behaviour print SKIP (the hostile cases QEMU's device accepts still run, their
 * outcome printed), and the hostile cases aimed at device windows are not run at all (QEMU
 * would really DMA into them).
 */
#include "ivc.h"
#include "rt.h"

const char *rt_prog = "virtio";

int ivc_dt_scan(void); /* rt/ivcdt.c: /memory and the other ranges of the DTB */

/* ---- virtio-mmio (virtio 1.2 §4.2.2) ---- */
#define VIO_BASE       0x0a000000ul
#define VIO_SLOT_SIZE  0x200ul
#define VIO_SLOTS      32u
#define VIO_SPI0_INTID 48u

#define R_MAGIC        0x000
#define R_VERSION      0x004
#define R_DEVICE_ID    0x008
#define R_VENDOR_ID    0x00c
#define R_DEV_FEAT     0x010
#define R_DEV_FEAT_SEL 0x014
#define R_DRV_FEAT     0x020
#define R_DRV_FEAT_SEL 0x024
#define R_QUEUE_SEL    0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM    0x038
#define R_QUEUE_READY  0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS   0x060
#define R_INT_ACK      0x064
#define R_STATUS       0x070
#define R_DESC_LO      0x080
#define R_DESC_HI      0x084
#define R_AVAIL_LO     0x090
#define R_AVAIL_HI     0x094
#define R_USED_LO      0x0a0
#define R_USED_HI      0x0a4
#define R_CONFIG_GEN   0x0fc
#define R_CONFIG       0x100

#define MAGIC_VIRT 0x74726976u

#define S_ACK         0x01u
#define S_DRIVER      0x02u
#define S_DRIVER_OK   0x04u
#define S_FEATURES_OK 0x08u
#define S_NEEDS_RESET 0x40u

#define INT_VRING  1u
#define INT_CONFIG 2u

#define F_INDIRECT (1ull << 28)
#define F_VERSION_1 (1ull << 32)

#define ID_BLOCK   2u
#define ID_CONSOLE 3u
#define ID_RNG     4u

#define BLK_F_SEG_MAX  (1ull << 2)
#define BLK_F_RO       (1ull << 5)
#define BLK_F_BLK_SIZE (1ull << 6)
#define BLK_F_FLUSH    (1ull << 9)

#define BLK_T_IN     0u
#define BLK_T_OUT    1u
#define BLK_T_FLUSH  4u
#define BLK_T_GET_ID 8u
#define BLK_S_OK     0u
#define BLK_S_IOERR  1u
#define BLK_S_UNSUPP 2u
#define SECTOR       512u

#define D_NEXT     1u
#define D_WRITE    2u
#define D_INDIRECT 4u

/* ---- the queue and the DMA arena ---- */
#define QSIZE 16u
struct vdesc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};
static struct vdesc ring_desc[QSIZE] __attribute__((aligned(4096)));
static uint16_t ring_avail[3 + QSIZE] __attribute__((aligned(64)));   /* flags idx ring used_event */
static uint32_t ring_used[1 + 2 * QSIZE + 1] __attribute__((aligned(64))); /* flags|idx, elems */

#define ARENA_SIZE 0x8000u
static uint8_t arena[ARENA_SIZE] __attribute__((aligned(4096)));
static uint8_t shadow[ARENA_SIZE] __attribute__((aligned(4096)));
#define CANARY 0xc3u

struct given {
	uint64_t addr;
	uint32_t len;
};
static struct given writable[40];
static unsigned nwritable, arena_used;

struct dev {
	uint64_t base;
	unsigned slot;
	uint32_t id;
	uint64_t offered, features;
	uint16_t avail_idx, used_seen;
};

static struct {
	uint64_t ram_base, ram_end;
	bool blk_ro_set, blk_ro, rng_set, rng_expected;
	bool dt_found[VIO_SLOTS];
	uint32_t dt_intid[VIO_SLOTS];
	bool dt_level[VIO_SLOTS];
	unsigned ndt;
} env;

static struct dev blk, rng;
static uint32_t total_sectors; /* from sector 0 of the disk */
static volatile uint32_t irq_count[VIO_SLOTS], irq_isr_or[VIO_SLOTS];
static volatile uint32_t stray_irqs;

/* ---- small helpers ---- */
/* An information line ("virtio: ..."): the detail behind a FAIL. */
static void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void note(const char *fmt, ...)
{
	va_list ap;

	rt_printf("%s: ", rt_prog);
	va_start(ap, fmt);
	rt_vprintf(fmt, ap);
	va_end(ap);
	rt_putc('\n');
}

static uint32_t rd(const struct dev *d, uint32_t off) { return mmio_read32(d->base + off); }
static void wr(const struct dev *d, uint32_t off, uint32_t v) { mmio_write32(d->base + off, v); }

static void wr64(const struct dev *d, uint32_t lo, uint64_t v)
{
	wr(d, lo, (uint32_t)v);
	wr(d, lo + 4, (uint32_t)(v >> 32));
}

static uint64_t us_ticks(uint64_t us)
{
	uint64_t f = read_sysreg(cntfrq_el0);

	return f ? f / 1000000 * us + 1 : us * 100;
}

/* Clean and invalidate [a, a + n) to the point of coherency: the guest runs with the MMU
 * off (non-cacheable), the device may reach the same memory through a cacheable view. */
static void cache_sync(const void *a, size_t n)
{
	uint64_t line = 4ull << field(read_sysreg(ctr_el0), 16, 4);
	uint64_t p = (uint64_t)a & ~(line - 1), e = (uint64_t)a + n;

	dsb(sy);
	for (; p < e; p += line)
		__asm__ volatile("dc civac, %0" : : "r"(p) : "memory");
	dsb(sy);
}

static void dma_sync(void)
{
	cache_sync(ring_desc, sizeof(ring_desc));
	cache_sync(ring_avail, sizeof(ring_avail));
	cache_sync(ring_used, sizeof(ring_used));
	cache_sync(arena, sizeof(arena));
}

/* ---- the device tree: /chosen bootargs and the virtio,mmio nodes ---- */
static bool bootarg(const uint8_t *v, uint32_t len, uint32_t i, const char *key, char *val)
{
	uint32_t j = 0;

	if (i && v[i - 1] != ' ')
		return false;
	while (key[j] && i + j < len && v[i + j] == (uint8_t)key[j])
		j++;
	if (key[j] || i + j >= len)
		return false;
	*val = (char)v[i + j];
	return true;
}

static void dt_prop(const struct rt_dt_node *n, const char *name, const uint8_t *v, uint32_t len,
		    void *ctx)
{
	char c;

	(void)ctx;
	if (n->depth != 1 || strcmp(n->name, "chosen") || strcmp(name, "bootargs"))
		return;
	for (uint32_t i = 0; i < len; i++) {
		if (bootarg(v, len, i, "virtio-blk=", &c)) {
			env.blk_ro_set = true;
			env.blk_ro = c == 'r' && i + 12 < len && v[i + 12] == 'o';
		}
		if (bootarg(v, len, i, "virtio-rng=", &c)) {
			env.rng_set = true;
			env.rng_expected = c == '1';
		}
	}
}

static void dt_end(const struct rt_dt_node *n, void *ctx)
{
	uint32_t ac = n->parent ? n->parent->ac : 2;
	uint64_t base;
	unsigned slot;

	(void)ctx;
	if (!rt_dt_strlist_has(n->compat, n->compat_len, "virtio,mmio") || !n->reg ||
	    n->reg_len < 4 * ac || ac < 1 || ac > 2)
		return;
	env.ndt++;
	base = rt_dt_cells(n->reg, ac);
	if (base < VIO_BASE || base >= VIO_BASE + VIO_SLOTS * VIO_SLOT_SIZE)
		return;
	slot = (unsigned)((base - VIO_BASE) / VIO_SLOT_SIZE);
	env.dt_found[slot] = true;
	if (n->intr && n->intr_len >= 12) {
		uint32_t type = rt_be32(n->intr), num = rt_be32(n->intr + 4);
		uint32_t fl = rt_be32(n->intr + 8) & 0xf;

		env.dt_intid[slot] = num + (type == 1 ? 16 : 32);
		env.dt_level[slot] = fl == 4 || fl == 8;
	}
}

static void read_dt(void)
{
	struct rt_dt_walker w = { .prop = dt_prop, .end = dt_end };

	rt_dt_walk(rt_plat.dtb, &w, NULL);
	ivc_dt_scan();
	env.ram_base = 0x40000000;
	env.ram_end = env.ram_base + (128u << 20);
	for (unsigned i = 0; i < ivc.nram; i++)
		if (ivc.ram[i].base <= (uint64_t)arena &&
		    (uint64_t)arena < ivc.ram[i].base + ivc.ram[i].size) {
			env.ram_base = ivc.ram[i].base;
			env.ram_end = ivc.ram[i].base + ivc.ram[i].size;
		}
}

/* ---- interrupts ---- */
static void irq_handler(uint32_t intid, uint32_t iar)
{
	(void)iar;
	if (intid >= VIO_SPI0_INTID && intid < VIO_SPI0_INTID + VIO_SLOTS) {
		unsigned s = intid - VIO_SPI0_INTID;
		uint64_t b = VIO_BASE + s * VIO_SLOT_SIZE;
		uint32_t isr = mmio_read32(b + R_INT_STATUS);

		mmio_write32(b + R_INT_ACK, isr);
		irq_isr_or[s] |= isr;
		irq_count[s]++;
		return;
	}
	stray_irqs++;
	rt_printf("FAIL virtio: unexpected interrupt %u\n", intid);
}

static void irq_setup(const struct dev *d)
{
	uint32_t intid = VIO_SPI0_INTID + d->slot;

	if (env.dt_found[d->slot] && env.dt_intid[d->slot])
		intid = env.dt_intid[d->slot];
	gicx_config(intid, env.dt_level[d->slot], 0x80);
	gicx_enable(intid);
}

/* ---- the arena ---- */
static void arena_reset(void)
{
	memset(arena, CANARY, sizeof(arena));
	arena_used = 64; /* a canary gap before the first buffer */
	nwritable = 0;
}

/* A buffer of @len bytes (16-byte aligned) with 64 canary bytes after it. */
static uint8_t *arena_alloc(uint32_t len, bool device_writes)
{
	uint8_t *p = arena + arena_used;

	arena_used += (len + 15) / 16 * 16 + 64;
	if (arena_used > ARENA_SIZE) {
		rt_printf("FAIL virtio: arena exhausted\n");
		rt_poweroff();
	}
	if (device_writes && nwritable < sizeof(writable) / sizeof(writable[0]))
		writable[nwritable++] = (struct given){ (uint64_t)p, len };
	return p;
}

static bool may_write(uint64_t a)
{
	for (unsigned i = 0; i < nwritable; i++)
		if (a - writable[i].addr < writable[i].len)
			return true;
	return false;
}

/* Bytes of the arena that changed but were not in a writable buffer the test gave. */
static unsigned arena_damage(uint64_t *first)
{
	unsigned bad = 0;

	for (uint32_t off = 0; off < ARENA_SIZE; off += 8) {
		if (*(volatile uint64_t *)(arena + off) == *(volatile uint64_t *)(shadow + off))
			continue;
		for (uint32_t i = off; i < off + 8; i++)
			if (arena[i] != shadow[i] && !may_write((uint64_t)arena + i)) {
				if (!bad)
					*first = (uint64_t)arena + i;
				bad++;
			}
	}
	return bad;
}

/* ---- the driver ---- */
/* One descriptor, field by field (aligned accesses), in a ring or an indirect table. */
static void put_desc(volatile struct vdesc *t, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	t->addr = addr;
	t->len = len;
	t->flags = flags;
	t->next = next;
}

static void set_desc(unsigned i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	put_desc(&ring_desc[i], addr, len, flags, next);
}

/* Reset and bring the device up to DRIVER_OK with @want features (of those offered) and
 * queue 0 of QSIZE entries; false (and a note) if a step fails. */
static bool dev_setup(struct dev *d, uint64_t want)
{
	uint32_t st;

	wr(d, R_STATUS, 0);
	if (rd(d, R_STATUS) != 0) {
		note("slot %u: " "Status not 0 after reset", d->slot);
		return false;
	}
	wr(d, R_STATUS, S_ACK);
	wr(d, R_STATUS, S_ACK | S_DRIVER);
	wr(d, R_DEV_FEAT_SEL, 0);
	d->offered = rd(d, R_DEV_FEAT);
	wr(d, R_DEV_FEAT_SEL, 1);
	d->offered |= (uint64_t)rd(d, R_DEV_FEAT) << 32;
	d->features = d->offered & want;
	wr(d, R_DRV_FEAT_SEL, 0);
	wr(d, R_DRV_FEAT, (uint32_t)d->features);
	wr(d, R_DRV_FEAT_SEL, 1);
	wr(d, R_DRV_FEAT, (uint32_t)(d->features >> 32));
	wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	st = rd(d, R_STATUS);
	if (!(st & S_FEATURES_OK)) {
		note("slot %u: " "FEATURES_OK refused", d->slot);
		return false;
	}
	wr(d, R_QUEUE_SEL, 0);
	if (rd(d, R_QUEUE_NUM_MAX) < QSIZE) {
		note("slot %u: " "QueueNumMax below 16", d->slot);
		return false;
	}
	if (rd(d, R_QUEUE_READY) != 0) {
		note("slot %u: " "QueueReady set after reset", d->slot);
		return false;
	}
	memset(ring_desc, 0, sizeof(ring_desc));
	memset(ring_avail, 0, sizeof(ring_avail));
	memset(ring_used, 0, sizeof(ring_used));
	d->avail_idx = d->used_seen = 0;
	dma_sync();
	wr(d, R_QUEUE_NUM, QSIZE);
	wr64(d, R_DESC_LO, (uint64_t)ring_desc);
	wr64(d, R_AVAIL_LO, (uint64_t)ring_avail);
	wr64(d, R_USED_LO, (uint64_t)ring_used);
	wr(d, R_QUEUE_READY, 1);
	if (rd(d, R_QUEUE_READY) != 1) {
		note("slot %u: " "QueueReady does not read 1", d->slot);
		return false;
	}
	wr(d, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
	st = rd(d, R_STATUS);
	if (st != (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)) {
		note("slot %u: " "Status after DRIVER_OK is not 0x0f", d->slot);
		return false;
	}
	return true;
}

enum outcome_kind { O_DONE, O_NEEDS_RESET, O_TIMEOUT };
struct outcome {
	enum outcome_kind kind;
	uint32_t id, len; /* the used element (O_DONE) */
};

static const char *outcome_name(enum outcome_kind k)
{
	return k == O_DONE ? "completed" : k == O_NEEDS_RESET ? "DEVICE_NEEDS_RESET" : "timeout";
}

/* Put @head in the next avail entry, advance the avail index by @advance (1, or more for a
 * hostile jump) and notify @queue; the arena is copied first (arena_damage() compares). */
static void kick_idx(struct dev *d, uint16_t head, uint16_t advance, uint32_t queue)
{
	memcpy(shadow, arena, sizeof(arena));
	ring_avail[2 + d->avail_idx % QSIZE] = head;
	dmb(sy);
	d->avail_idx = (uint16_t)(d->avail_idx + advance);
	ring_avail[1] = d->avail_idx;
	dma_sync();
	wr(d, R_QUEUE_NOTIFY, queue);
}

static void kick(struct dev *d, uint16_t head)
{
	kick_idx(d, head, 1, 0);
}

/* Wait (bounded: 2 s) for the next used entry or DEVICE_NEEDS_RESET. */
static struct outcome wait_used(struct dev *d)
{
	uint64_t end = rt_cntvct() + us_ticks(2000000);
	struct outcome o = { O_TIMEOUT, 0, 0 };

	irq_enable();
	for (;;) {
		uint16_t idx;

		cache_sync(ring_used, sizeof(ring_used));
		idx = (uint16_t)(*(volatile uint32_t *)&ring_used[0] >> 16);
		if (idx != d->used_seen) {
			unsigned e = d->used_seen % QSIZE;

			dmb(sy);
			o.kind = O_DONE;
			o.id = ((volatile uint32_t *)ring_used)[1 + 2 * e];
			o.len = ((volatile uint32_t *)ring_used)[2 + 2 * e];
			d->used_seen++;
			break;
		}
		if (rd(d, R_STATUS) & S_NEEDS_RESET) {
			o.kind = O_NEEDS_RESET;
			break;
		}
		if (rt_cntvct() > end)
			break;
		__asm__ volatile("yield" : : : "memory");
	}
	/* The interrupt may follow the ring update (a VMM's I/O thread): up to 50 ms more. */
	{
		uint32_t want = o.kind == O_NEEDS_RESET ? INT_CONFIG : INT_VRING;
		uint64_t e2 = rt_cntvct() + us_ticks(50000);

		while (!(irq_isr_or[d->slot] & want) && rt_cntvct() < e2)
			__asm__ volatile("yield" : : : "memory");
	}
	irq_disable();
	cache_sync(arena, sizeof(arena));
	return o;
}

/* ---- virtio-blk requests ---- */
struct blk_req {
	uint8_t *hdr, *data, *status;
	uint32_t data_len;
};

/* A request in the arena: header (readable), @len data bytes (writable for reads), status. */
static struct blk_req blk_prepare(uint32_t type, uint64_t sector, uint32_t len)
{
	struct blk_req r;

	r.hdr = arena_alloc(16, false);
	r.data = len ? arena_alloc(len, type == BLK_T_IN || type == BLK_T_GET_ID) : NULL;
	r.status = arena_alloc(1, true);
	r.data_len = len;
	*(volatile uint32_t *)r.hdr = type;
	*(volatile uint32_t *)(r.hdr + 4) = 0;
	*(volatile uint64_t *)(r.hdr + 8) = sector;
	*r.status = 0xff;
	return r;
}

/* The plain three-descriptor chain (or two without data) from descriptor 0. */
static void blk_chain(const struct blk_req *r, uint32_t type)
{
	uint16_t dflags = type == BLK_T_OUT ? 0 : D_WRITE;

	if (r->data_len) {
		set_desc(0, (uint64_t)r->hdr, 16, D_NEXT, 1);
		set_desc(1, (uint64_t)r->data, r->data_len, dflags | D_NEXT, 2);
		set_desc(2, (uint64_t)r->status, 1, D_WRITE, 0);
	} else {
		set_desc(0, (uint64_t)r->hdr, 16, D_NEXT, 1);
		set_desc(1, (uint64_t)r->status, 1, D_WRITE, 0);
	}
}

/* Run one request; returns the status byte (0x100 + kind when it did not complete). */
static uint32_t blk_run(struct blk_req *r, uint32_t type, struct outcome *out)
{
	struct outcome o;

	blk_chain(r, type);
	kick(&blk, 0);
	o = wait_used(&blk);
	if (out)
		*out = o;
	if (o.kind != O_DONE)
		return 0x100 + o.kind;
	return *r->status;
}

static uint8_t pattern_byte(uint32_t sector, uint32_t i)
{
	static const char tag[8] = { 'A', 'V', 'B', 'L', 'K', 'S', 'E', 'C' };

	if (i < 8)
		return (uint8_t)tag[i];
	if (i < 12)
		return (uint8_t)(sector >> (8 * (i - 8)));
	if (i < 16)
		return (uint8_t)(total_sectors >> (8 * (i - 12)));
	return (uint8_t)(i + 7 * sector);
}

/* What the write test puts into a sector: the pattern inverted. */
static uint8_t flipped(uint32_t sector, uint32_t i)
{
	return (uint8_t)(pattern_byte(sector, i) ^ 0xffu);
}

/* The first byte of @n sectors from @sector that differs from the pattern, or -1. */
static long pattern_diff(const uint8_t *p, uint32_t sector, uint32_t n)
{
	for (uint32_t s = 0; s < n; s++)
		for (uint32_t i = 0; i < SECTOR; i++)
			if (p[s * SECTOR + i] != pattern_byte(sector + s, i))
				return (long)(s * SECTOR + i);
	return -1;
}

/* A read of @n sectors at @sector: status OK, used length n * 512 + 1, the pattern, no
 * byte outside the buffers changed (a note if not). */
static bool blk_read_ok(uint32_t sector, uint32_t n)
{
	struct outcome o;
	struct blk_req r;
	uint32_t st;
	long diff;
	uint64_t bad = 0;

	arena_reset();
	r = blk_prepare(BLK_T_IN, sector, n * SECTOR);
	st = blk_run(&r, BLK_T_IN, &o);
	if (st != BLK_S_OK || o.len != n * SECTOR + 1) {
		note("read of %u sector(s) at %u: status 0x%x, used length %u (want %u)", n, sector,
		     st, o.len, n * SECTOR + 1);
		return false;
	}
	diff = pattern_diff(r.data, sector, n);
	if (diff >= 0) {
		note("sector %u byte %ld = 0x%x, want 0x%x", sector + (uint32_t)diff / SECTOR,
		     diff % SECTOR, r.data[diff],
		     pattern_byte(sector + (uint32_t)diff / SECTOR, (uint32_t)diff % SECTOR));
		return false;
	}
	if (arena_damage(&bad)) {
		note("a byte outside the buffers changed at 0x%lx", bad);
		return false;
	}
	return true;
}

/* ---- probing the slots ---- */
static const char *id_name(uint32_t id)
{
	return id == ID_BLOCK ? "blk" : id == ID_CONSOLE ? "console" : id == ID_RNG ? "rng" : "?";
}

/* Everything but MagicValue, Version and DeviceID of an empty slot reads 0, writes vanish. */
static bool empty_slot_ok(uint64_t b)
{
	static const uint32_t regs[] = { R_DEV_FEAT, R_QUEUE_NUM_MAX, R_QUEUE_READY, R_INT_STATUS,
					 R_STATUS, R_CONFIG_GEN, R_CONFIG };

	mmio_write32(b + R_STATUS, S_ACK);
	mmio_write32(b + R_QUEUE_SEL, 0);
	mmio_write32(b + R_QUEUE_NUM, QSIZE);
	for (unsigned i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		if (mmio_read32(b + regs[i]) != 0) {
			note("empty slot 0x%lx: register 0x%x = 0x%x, want 0", b, regs[i],
			     mmio_read32(b + regs[i]));
			return false;
		}
	return true;
}

static void probe_slots(void)
{
	unsigned bad = 0, bad_id = 0, bad_empty = 0, bad_dt = 0, nblk = 0, nrng = 0, ndev = 0;

	for (unsigned s = 0; s < VIO_SLOTS; s++) {
		uint64_t b = VIO_BASE + s * VIO_SLOT_SIZE;
		uint32_t magic = mmio_read32(b + R_MAGIC), ver = mmio_read32(b + R_VERSION);
		uint32_t id = mmio_read32(b + R_DEVICE_ID);

		if (magic != MAGIC_VIRT || ver != 2) {
			note("slot %u (0x%lx): MagicValue 0x%x, Version %u; want 0x%x, 2", s, b, magic,
			     ver, MAGIC_VIRT);
			bad++;
			continue;
		}
		if (id == 0) {
			bad_empty += !empty_slot_ok(b);
			continue;
		}
		ndev++;
		note("slot %u (0x%lx, INTID %u): device %u (%s), vendor 0x%x", s, b,
		     VIO_SPI0_INTID + s, id, id_name(id), mmio_read32(b + R_VENDOR_ID));
		if (id == ID_BLOCK && nblk++ == 0)
			blk = (struct dev){ .base = b, .slot = s, .id = id };
		else if (id == ID_RNG && nrng++ == 0)
			rng = (struct dev){ .base = b, .slot = s, .id = id };
		else if (id != ID_BLOCK && id != ID_RNG && id != ID_CONSOLE)
			bad_id++;
		/* The driver finds the device through its node: reg and SPI must match. */
		if (!env.dt_found[s] || env.dt_intid[s] != VIO_SPI0_INTID + s) {
			note("slot %u: %s", s, env.dt_found[s] ? "the DT node's interrupt is not SPI 16 + slot"
							       : "no virtio,mmio node in the DT");
			bad_dt++;
		}
	}
	rt_check(bad == 0, "slots", "%u of 32 slots without MagicValue \"virt\" / Version 2", bad);
	rt_check(bad_empty == 0, "empty_slots", "%u empty slots answer more than the ID registers",
		 bad_empty);
	rt_check(bad_id == 0, "device_ids", "%u slots with an unexpected DeviceID", bad_id);
	rt_check(nblk >= 1, "blk_present", "no virtio-blk among the %u devices", ndev);
	rt_check(bad_dt == 0, "dt_nodes", "%u devices without a matching DT node", bad_dt);
	if (env.rng_set)
		rt_check((nrng > 0) == env.rng_expected, "rng_expected", "virtio-rng %s, bootargs say %s",
			 nrng ? "present" : "absent", env.rng_expected ? "1" : "0");
}

/* ---- register rules ---- */
/* One @size-byte access (1, 2 or 4; a write with @write) under the fault probe; false (and
 * a note) if it aborted. */
static bool probed(uint64_t a, unsigned size, bool write, uint32_t wval, uint32_t *rval)
{
	struct probe_res r;

	if (write)
		size == 1 ? probe_write8(a, (uint8_t)wval, &r) :
		size == 2 ? probe_write16(a, (uint16_t)wval, &r) : probe_write32(a, wval, &r);
	else
		size == 1 ? probe_read8(a, &r) : size == 2 ? probe_read16(a, &r) : probe_read32(a, &r);
	if (r.count) {
		note("%u-bit %s at 0x%lx aborted: ESR_EL1 0x%lx", 8 * size, write ? "write" : "read",
		     a, r.esr);
		return false;
	}
	if (rval)
		*rval = (uint32_t)r.val;
	return true;
}

static void register_rules(void)
{
	static const uint32_t ro[] = { R_MAGIC, R_VERSION, R_DEVICE_ID, R_VENDOR_ID, R_DEV_FEAT,
				       R_QUEUE_NUM_MAX, R_INT_STATUS, R_CONFIG_GEN };
	unsigned bad = 0;
	uint32_t v, before[sizeof(ro) / sizeof(ro[0])];

	/* Narrow reads of 32-bit registers (MagicValue, Version, DeviceID): zero. */
	for (unsigned off = 0; off < 12; off++) {
		for (unsigned size = 1; size <= 2; size++) {
			if (off % size)
				continue;
			v = 0xdead;
			if (!probed(blk.base + off, size, false, 0, &v) || v != 0) {
				note("%u-bit read at register offset 0x%x = 0x%x, want 0", 8 * size,
				     off, v);
				bad++;
			}
		}
	}
	rt_check(bad == 0, "narrow_reads", "%u narrow register reads not zero", bad);

	/* Narrow writes: ignored (Status keeps ACKNOWLEDGE, QueueSel stays 0). */
	bad = 0;
	wr(&blk, R_STATUS, 0);
	wr(&blk, R_STATUS, S_ACK);
	wr(&blk, R_QUEUE_SEL, 0);
	if (!probed(blk.base + R_STATUS, 1, true, 0, NULL) ||
	    !probed(blk.base + R_STATUS, 2, true, 0, NULL) ||
	    !probed(blk.base + R_QUEUE_SEL, 1, true, 9, NULL) ||
	    !probed(blk.base + R_QUEUE_SEL + 2, 2, true, 9, NULL))
		bad++;
	v = rd(&blk, R_STATUS);
	if (v != S_ACK) {
		note("Status = 0x%x after 8/16-bit writes of 0, want 0x%x", v, S_ACK);
		bad++;
	}
	if (rd(&blk, R_QUEUE_NUM_MAX) == 0) {
		note("QueueNumMax of queue 0 reads 0 after narrow writes to QueueSel");
		bad++;
	}
	rt_check(bad == 0, "narrow_writes", "narrow register writes were not ignored");

	/* Writes to read-only registers: ignored. */
	bad = 0;
	for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		before[i] = rd(&blk, ro[i]);
	for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		probed(blk.base + ro[i], 4, true, ~before[i], NULL);
	for (unsigned i = 0; i < sizeof(ro) / sizeof(ro[0]); i++) {
		v = rd(&blk, ro[i]);
		if (v != before[i]) {
			note("read-only register 0x%x: 0x%x -> 0x%x after a write", ro[i], before[i], v);
			bad++;
		}
	}
	rt_check(bad == 0, "readonly_registers", "%u read-only registers changed", bad);

	/* A queue that does not exist: QueueNumMax 0. */
	wr(&blk, R_QUEUE_SEL, 20);
	v = rd(&blk, R_QUEUE_NUM_MAX);
	wr(&blk, R_QUEUE_SEL, 0);
	rt_check(v == 0, "queue_absent", "QueueNumMax of queue 20 = %u, want 0", v);
	wr(&blk, R_STATUS, 0);
}

/* FEATURES_OK without VIRTIO_F_VERSION_1 is refused (the transport has no legacy mode). */
static void features_without_version_1(void)
{
	uint32_t hi, st;

	wr(&blk, R_STATUS, 0);
	wr(&blk, R_STATUS, S_ACK);
	wr(&blk, R_STATUS, S_ACK | S_DRIVER);
	wr(&blk, R_DEV_FEAT_SEL, 1);
	hi = rd(&blk, R_DEV_FEAT);
	rt_check(hi & 1, "version_1_offered", "DeviceFeatures[63:32] = 0x%x, no VERSION_1", hi);
	wr(&blk, R_DRV_FEAT_SEL, 0);
	wr(&blk, R_DRV_FEAT, 0);
	wr(&blk, R_DRV_FEAT_SEL, 1);
	wr(&blk, R_DRV_FEAT, 0);
	wr(&blk, R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	st = rd(&blk, R_STATUS);
	wr(&blk, R_STATUS, 0);
	if (!rt_armvirt) {
		note("without VERSION_1, Status reads 0x%x after FEATURES_OK", st);
		rt_skip("features_ok_refused", "QEMU's transport accepts a legacy feature set");
		return;
	}
	rt_check(!(st & S_FEATURES_OK), "features_ok_refused",
		 "Status = 0x%x: FEATURES_OK accepted without VIRTIO_F_VERSION_1", st);
}

/* ---- virtio-blk as a driver ---- */
#define BLK_WANT (F_VERSION_1 | F_INDIRECT | BLK_F_SEG_MAX | BLK_F_RO | BLK_F_BLK_SIZE | BLK_F_FLUSH)

static bool blk_up(void)
{
	return dev_setup(&blk, BLK_WANT);
}

/* A request with no data (FLUSH, an unknown type); its status byte. */
static uint32_t blk_simple(uint32_t type)
{
	struct blk_req r;

	arena_reset();
	r = blk_prepare(type, 0, 0);
	return blk_run(&r, type, NULL);
}

static void blk_reads(void)
{
	struct blk_req r;
	uint64_t cap, bad = 0;
	uint32_t st, spots[3];
	long diff;
	bool ok = true;

	arena_reset();
	r = blk_prepare(BLK_T_IN, 0, SECTOR);
	st = blk_run(&r, BLK_T_IN, NULL);
	total_sectors = *(volatile uint32_t *)(r.data + 12);
	diff = st == BLK_S_OK ? pattern_diff(r.data, 0, 1) : 0;
	if (diff >= 0)
		note("sector 0: status 0x%x, first difference at byte %ld (0x%x)", st, diff,
		     r.data[diff]);
	rt_check(diff < 0 && !arena_damage(&bad), "read_sector0", "sector 0 does not hold the pattern");
	rt_check(irq_count[blk.slot] > 0 && (irq_isr_or[blk.slot] & INT_VRING), "used_irq",
		 "no used-buffer interrupt (INTID %u) after a completed request (%u IRQs, ISR 0x%x)",
		 VIO_SPI0_INTID + blk.slot, irq_count[blk.slot], irq_isr_or[blk.slot]);

	cap = rd(&blk, R_CONFIG) | (uint64_t)rd(&blk, R_CONFIG + 4) << 32;
	note("capacity %lu sectors, the disk's header says %u; features 0x%lx of 0x%lx", cap,
	     total_sectors, blk.features, blk.offered);
	rt_check(cap == total_sectors && cap >= 64, "capacity",
		 "config capacity %lu, the image has %u sectors (at least 64 expected)", cap,
		 total_sectors);
	if (cap != total_sectors || cap < 64)
		total_sectors = cap < 64 ? 64 : (uint32_t)cap;
	/* An 8-bit read of the configuration space returns the addressed byte. */
	st = mmio_read8(blk.base + R_CONFIG);
	rt_check(st == (cap & 0xff), "config_byte", "8-bit read of capacity[7:0] = 0x%x, want 0x%lx",
		 st, cap & 0xff);

	spots[0] = 1;
	spots[1] = 37;
	spots[2] = total_sectors - 1;
	for (unsigned i = 0; i < 3; i++)
		ok = blk_read_ok(spots[i], 1) && ok;
	ok = blk_read_ok(8, 4) && ok;
	rt_check(ok, "read_sectors", "sectors 1, 37, the last or 8..11 wrong");

	/* Two sectors into two descriptors of one request. */
	arena_reset();
	r = blk_prepare(BLK_T_IN, 20, SECTOR);
	{
		uint8_t *second = arena_alloc(SECTOR, true);

		set_desc(0, (uint64_t)r.hdr, 16, D_NEXT, 1);
		set_desc(1, (uint64_t)r.data, SECTOR, D_WRITE | D_NEXT, 2);
		set_desc(2, (uint64_t)second, SECTOR, D_WRITE | D_NEXT, 3);
		set_desc(3, (uint64_t)r.status, 1, D_WRITE, 0);
		kick(&blk, 0);
		st = wait_used(&blk).kind == O_DONE ? *r.status : 0x100;
		ok = st == BLK_S_OK && pattern_diff(r.data, 20, 1) < 0 &&
		     pattern_diff(second, 21, 1) < 0 && !arena_damage(&bad);
		rt_check(ok, "read_split", "sectors 20, 21 into two buffers: status 0x%x", st);
	}

	/* Beyond the capacity: IOERR. */
	arena_reset();
	r = blk_prepare(BLK_T_IN, total_sectors, SECTOR);
	st = blk_run(&r, BLK_T_IN, NULL);
	arena_reset();
	r = blk_prepare(BLK_T_IN, total_sectors - 1, 2 * SECTOR);
	spots[0] = blk_run(&r, BLK_T_IN, NULL);
	rt_check(st == BLK_S_IOERR && spots[0] == BLK_S_IOERR, "read_beyond_end",
		 "sector %u: status 0x%x; 2 sectors from the last: 0x%x; want IOERR (1)",
		 total_sectors, st, spots[0]);
}

static void blk_write(void)
{
	const uint32_t s = 50;
	bool ro = (blk.features & BLK_F_RO) != 0;
	struct blk_req r;
	uint32_t st, st2 = 0;
	long diff = -1;

	if (env.blk_ro_set)
		rt_check(ro == env.blk_ro, "ro_mode", "VIRTIO_BLK_F_RO %s, bootargs say %s",
			 ro ? "offered" : "not offered", env.blk_ro ? "ro" : "rw");
	arena_reset();
	r = blk_prepare(BLK_T_OUT, s, SECTOR);
	for (uint32_t i = 0; i < SECTOR; i++)
		r.data[i] = flipped(s, i);
	st = blk_run(&r, BLK_T_OUT, NULL);
	if (ro) {
		rt_check(st == BLK_S_IOERR, "write_refused",
			 "a write to the read-only disk: status 0x%x, want IOERR (1)", st);
		rt_check(blk_read_ok(s, 1), "write_refused_unchanged", "sector %u changed", s);
		return;
	}
	if (st == BLK_S_OK) {
		arena_reset();
		r = blk_prepare(BLK_T_IN, s, SECTOR);
		st2 = blk_run(&r, BLK_T_IN, NULL);
		for (uint32_t i = 0; i < SECTOR && diff < 0; i++)
			if (r.data[i] != flipped(s, i))
				diff = (long)i;
	}
	rt_check(st == BLK_S_OK && st2 == BLK_S_OK && diff < 0, "write_readback",
		 "write status 0x%x, read status 0x%x, first difference at %ld", st, st2, diff);
	/* Put the pattern back (the image may be a file that outlives the run). */
	arena_reset();
	r = blk_prepare(BLK_T_OUT, s, SECTOR);
	for (uint32_t i = 0; i < SECTOR; i++)
		r.data[i] = pattern_byte(s, i);
	st = blk_run(&r, BLK_T_OUT, NULL);
	rt_check(st == BLK_S_OK && blk_read_ok(s, 1), "write_restore",
		 "writing the pattern back: status 0x%x", st);
}

static void blk_misc(void)
{
	struct blk_req r;
	uint32_t st, v;
	bool printable = true;

	arena_reset();
	r = blk_prepare(BLK_T_GET_ID, 0, 20);
	st = blk_run(&r, BLK_T_GET_ID, NULL);
	for (unsigned i = 0; i < 20 && r.data[i]; i++)
		printable = printable && r.data[i] >= 0x20 && r.data[i] < 0x7f;
	if (st == BLK_S_OK) {
		rt_printf("%s: serial \"", rt_prog);
		for (unsigned i = 0; i < 20 && r.data[i]; i++)
			rt_putc(printable ? (char)r.data[i] : '?');
		rt_printf("\"\n");
	}
	rt_check(st == BLK_S_OK && printable, "get_id", "status 0x%x, %s", st,
		 printable ? "printable" : "not printable");

	rt_check(blk.offered & BLK_F_FLUSH, "flush_offered", "VIRTIO_BLK_F_FLUSH not offered");
	st = blk_simple(BLK_T_FLUSH);
	rt_check(st == BLK_S_OK, "flush", "FLUSH: status 0x%x", st);
	st = blk_simple(0x77);
	rt_check(st == BLK_S_UNSUPP, "unknown_type", "request type 0x77: status 0x%x, want UNSUPP (2)",
		 st);

	/* QueueNotify of queues that do not exist: ignored; the device goes on. */
	wr(&blk, R_QUEUE_NOTIFY, 1);
	wr(&blk, R_QUEUE_NOTIFY, 20);
	wr(&blk, R_QUEUE_NOTIFY, 0xffff);
	wr(&blk, R_QUEUE_NOTIFY, 0xffffffffu);
	v = rd(&blk, R_STATUS);
	rt_check(!(v & S_NEEDS_RESET) && blk_read_ok(3, 1), "notify_bad_queue",
		 "Status 0x%x after QueueNotify 1, 20, 0xffff, 0xffffffff", v);
}

/* ---- virtio-rng ---- */
static void rng_test(void)
{
	struct outcome o;
	uint8_t *buf;
	uint64_t bad = 0;
	bool varied = false;

	if (!rng.base)
		return;
	irq_setup(&rng);
	if (!rt_check(dev_setup(&rng, F_VERSION_1), "rng_init", "virtio-rng set-up failed"))
		return;
	arena_reset();
	buf = arena_alloc(64, true);
	set_desc(0, (uint64_t)buf, 64, D_WRITE, 0);
	kick(&rng, 0);
	o = wait_used(&rng);
	for (unsigned i = 1; i < o.len && i < 64; i++)
		varied = varied || buf[i] != buf[0];
	varied = varied || o.len < 8; /* a short answer may repeat a byte by chance */
	rt_check(o.kind == O_DONE && o.len >= 1 && o.len <= 64 && varied && !arena_damage(&bad),
		 "rng_read", "%s, %u bytes%s", outcome_name(o.kind), o.len,
		 varied ? "" : ", all equal");
	wr(&rng, R_STATUS, 0);
}

/* ---- hostile queues ---- */
static struct blk_req cur;       /* the request of the running case */
static uint64_t prot_addr;       /* a RAM range outside the arena that must not change */
static uint32_t prot_len;
static uint8_t prot_save[256], prot_want[256];

/* The good read of sector 1, whose descriptors the cases then spoil. */
static void good_req(void)
{
	cur = blk_prepare(BLK_T_IN, 1, SECTOR);
	blk_chain(&cur, BLK_T_IN);
}

static void bad_data(uint64_t addr, uint32_t len)
{
	good_req();
	set_desc(1, addr, len, D_WRITE | D_NEXT, 2);
	kick(&blk, 0);
}

static void h_outside_ram(void) { bad_data(env.ram_end + 0x1000000, SECTOR); }
static void h_unmapped_ipa(void) { bad_data(RT_UNMAPPED_IPA, SECTOR); }
static void h_wrap(void) { bad_data(0xfffffffffffffe00ull, 2 * SECTOR); }
static void h_huge_len(void) { bad_data((uint64_t)arena + 0x1000, 0xfffffe00u); }
static void h_gic(void) { bad_data(rt_plat.gicd, SECTOR); }
static void h_flash(void) { bad_data(0, SECTOR); }

/* The last 256 bytes of RAM (whatever lies there is saved and put back). */
static void h_straddle(void)
{
	prot_addr = env.ram_end - sizeof(prot_save);
	prot_len = sizeof(prot_save);
	for (uint32_t i = 0; i < prot_len; i++) {
		prot_save[i] = ((volatile uint8_t *)prot_addr)[i];
		prot_want[i] = (uint8_t)(0x5a ^ i);
		((volatile uint8_t *)prot_addr)[i] = prot_want[i];
	}
	cache_sync((void *)prot_addr, prot_len);
	bad_data(prot_addr, SECTOR);
}

/* A write request whose data the device would read from the GIC distributor. */
static void h_gic_source(void)
{
	cur = blk_prepare(BLK_T_OUT, 60, SECTOR);
	blk_chain(&cur, BLK_T_OUT);
	set_desc(1, rt_plat.gicd, SECTOR, D_NEXT, 2);
	kick(&blk, 0);
}

static void h_loop(void)
{
	good_req();
	set_desc(2, (uint64_t)cur.status, 1, D_WRITE | D_NEXT, 1); /* status -> data -> status ... */
	kick(&blk, 0);
}

static void h_next_range(void)
{
	good_req();
	set_desc(1, (uint64_t)cur.data, SECTOR, D_WRITE | D_NEXT, 200);
	kick(&blk, 0);
}

static void h_head_range(void)
{
	good_req();
	kick(&blk, QSIZE + 3);
}

static void h_avail_jump(void)
{
	good_req();
	kick_idx(&blk, 0, QSIZE + 2, 0);
}

/* A readable buffer after a writable one. */
static void h_read_after_write(void)
{
	uint8_t *extra;

	good_req();
	extra = arena_alloc(16, false);
	set_desc(2, (uint64_t)extra, 16, D_NEXT, 3);
	set_desc(3, (uint64_t)cur.status, 1, D_WRITE, 0);
	kick(&blk, 0);
}

/* A read whose data buffer is device-readable only: the device must not write it. */
static void h_ro_data(void)
{
	good_req();
	for (uint32_t i = 0; i < SECTOR; i++)
		cur.data[i] = (uint8_t)i;
	writable[0].len = 0; /* cur.data: no longer a buffer the device may write */
	set_desc(1, (uint64_t)cur.data, SECTOR, D_NEXT, 2);
	kick(&blk, 0);
}

/* Indirect tables: a chain of QSIZE + 1 descriptors; a table inside a table. */
static volatile struct vdesc *table(unsigned n)
{
	return (volatile struct vdesc *)arena_alloc(n * 16, false);
}

static void h_indirect_long(void)
{
	volatile struct vdesc *t = table(QSIZE + 1);

	cur = blk_prepare(BLK_T_IN, 2, 0);
	put_desc(&t[0], (uint64_t)cur.hdr, 16, D_NEXT, 1);
	for (unsigned i = 1; i < QSIZE; i++)
		put_desc(&t[i], (uint64_t)arena_alloc(SECTOR, true), SECTOR, D_WRITE | D_NEXT,
			 (uint16_t)(i + 1));
	put_desc(&t[QSIZE], (uint64_t)cur.status, 1, D_WRITE, 0);
	set_desc(0, (uint64_t)t, (QSIZE + 1) * 16, D_INDIRECT, 0);
	kick(&blk, 0);
}

static void h_indirect_nested(void)
{
	volatile struct vdesc *outer = table(1), *inner = table(3);

	good_req();
	put_desc(&inner[0], (uint64_t)cur.hdr, 16, D_NEXT, 1);
	put_desc(&inner[1], (uint64_t)cur.data, SECTOR, D_WRITE | D_NEXT, 2);
	put_desc(&inner[2], (uint64_t)cur.status, 1, D_WRITE, 0);
	put_desc(&outer[0], (uint64_t)inner, 3 * 16, D_INDIRECT, 0);
	set_desc(0, (uint64_t)outer, 16, D_INDIRECT, 0);
	kick(&blk, 0);
}

/*
 * ARMVIRT: the outcome rests on armvirt's documented checks (virtio.h: every buffer inside
 * guest RAM, chains no longer than the queue counting indirect tables): QEMU's own device
 * accepts the request (it DMAs to unassigned addresses, takes long indirect chains), so off
 * armvirt the case runs but its outcome is only printed (SKIP).
 * WINDOW: the buffer is a device window; QEMU would really DMA into it: not run off armvirt.
 * LENIENT: a completion with OK is acceptable too (nothing forbids reading no data) - what
 * matters is that nothing the device may not write changed.
 */
#define ARMVIRT 1u
#define WINDOW  2u
#define LENIENT 4u
#define INDIRECT 8u

struct hostile {
	const char *name;
	void (*build)(void);
	unsigned flags;
};

static const struct hostile cases[] = {
	{ "outside_ram", h_outside_ram, ARMVIRT },
	{ "unmapped_ipa", h_unmapped_ipa, ARMVIRT },
	{ "straddle_ram_end", h_straddle, ARMVIRT },
	{ "addr_len_wrap", h_wrap, ARMVIRT },
	{ "huge_len", h_huge_len, 0 },
	{ "gic_window", h_gic, WINDOW },
	{ "flash_window", h_flash, WINDOW },
	{ "gic_source", h_gic_source, WINDOW },
	{ "desc_loop", h_loop, 0 },
	{ "next_out_of_range", h_next_range, 0 },
	{ "head_out_of_range", h_head_range, 0 },
	{ "avail_jump", h_avail_jump, 0 },
	{ "read_after_write", h_read_after_write, 0 },
	{ "readonly_data", h_ro_data, LENIENT },
	{ "indirect_too_long", h_indirect_long, ARMVIRT | INDIRECT },
	{ "indirect_nested", h_indirect_nested, INDIRECT },
};

static void hostile(const struct hostile *h)
{
	char name[48] = "hostile_";
	struct outcome o;
	uint64_t bad = 0;
	unsigned damage, prot_bad = 0;
	bool outcome_ok, irq_ok = true, back;

	memcpy(name + 8, h->name, strlen(h->name) + 1);
	if (!rt_armvirt && (h->flags & WINDOW)) {
		rt_skip(name, "QEMU's device would DMA into the device window");
		return;
	}
	if (!blk_up()) {
		rt_fail(name, "the device could not be set up");
		return;
	}
	if ((h->flags & INDIRECT) && !(blk.features & F_INDIRECT)) {
		rt_skip(name, "VIRTIO_F_INDIRECT_DESC not offered");
		return;
	}
	arena_reset();
	irq_isr_or[blk.slot] = 0;
	prot_len = 0;
	h->build();
	o = wait_used(&blk);
	if (o.kind == O_NEEDS_RESET)
		irq_ok = (irq_isr_or[blk.slot] & INT_CONFIG) != 0;
	outcome_ok = o.kind == O_NEEDS_RESET ||
		     (o.kind == O_DONE && (*cur.status == BLK_S_IOERR ||
					    ((h->flags & LENIENT) && *cur.status <= BLK_S_UNSUPP)));
	damage = arena_damage(&bad);
	for (uint32_t i = 0; i < prot_len; i++) {
		volatile uint8_t *p = (volatile uint8_t *)prot_addr + i;

		prot_bad += *p != prot_want[i];
		*p = prot_save[i];
	}
	if (prot_len)
		cache_sync((void *)prot_addr, prot_len);
	note("%s: %s%s, status byte 0x%x, used len %u", h->name, outcome_name(o.kind),
	     o.kind == O_NEEDS_RESET ? (irq_ok ? " + config interrupt" : " without interrupt") : "",
	     *cur.status, o.len);
	wr(&blk, R_STATUS, 0);
	back = blk_up() && blk_read_ok(1, 1);
	if (!rt_armvirt && (h->flags & ARMVIRT)) {
		/* Run for the driver code's sake; QEMU's device answers its own way. */
		rt_skip(name, back ? "QEMU's device accepts it (outcome above)"
				   : "QEMU's device accepts it; NO GOOD READ AFTERWARDS");
		return;
	}
	rt_check(outcome_ok && irq_ok && !damage && !prot_bad && back, name,
		 "%s%s%s%s%s", outcome_ok ? "" : "neither DEVICE_NEEDS_RESET nor IOERR; ",
		 irq_ok ? "" : "no configuration-change interrupt with DEVICE_NEEDS_RESET; ",
		 damage ? "bytes outside the given buffers changed; " : "",
		 prot_bad ? "RAM below its end changed; " : "",
		 back ? "" : "no good read after the reset");
	if (damage)
		note("%s: %u bytes changed, the first at 0x%lx", h->name, damage, bad);
}

/* ---- main ---- */
void test_main(void)
{
	read_dt();
	gic_init_dist();
	if (gic_init_cpu()) {
		rt_fail("gic", "no redistributor for this vCPU");
		return;
	}
	rt_irq_hook[0] = irq_handler;
	note("RAM 0x%lx..0x%lx, %u virtio,mmio DT nodes, arena at %p", env.ram_base, env.ram_end,
	     env.ndt, (void *)arena);
	probe_slots();
	if (!blk.base)
		return;
	irq_setup(&blk);
	register_rules();
	features_without_version_1();
	if (!rt_check(blk_up(), "blk_init", "virtio-blk set-up failed (see above)"))
		return;
	blk_reads();
	blk_write();
	blk_misc();
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		hostile(&cases[i]);
	wr(&blk, R_STATUS, 0);
	rng_test();
	rt_check(stray_irqs == 0, "no_stray_irq", "%u unexpected interrupts", stray_irqs);
}
