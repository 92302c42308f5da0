/* SPDX-License-Identifier: MIT */
/*
 * A virtio driver simulator for unit tests: the guest side of a virtio-mmio device.
 *
 * - Fake guest RAM (struct vd_ram): a heap buffer at a guest-physical base, with guard
 *   bytes before and after it (vd_ram_guards_ok() says whether anything wrote outside
 *   the RAM; under ASan the guards are also poisoned, so reading one is reported), the
 *   av_virtio_mem (av_virtio_mem_regions_ops) a device is given, and a bump allocator
 *   for rings and buffers. The struct points into itself: do not copy or move it.
 * - The driver (struct vdrv): talks to a device only through its virtio-mmio registers
 *   (av_virtio_mmio_ops through an av_mmio_dev entry made by av_virtio_mmio_entry()),
 *   the way Linux's virtio_mmio driver does: vd_init() resets it, sets ACKNOWLEDGE and
 *   DRIVER, negotiates features, sets FEATURES_OK (and checks it stuck), sets up each
 *   queue (QueueSel, QueueNumMax, QueueNum, the three addresses, QueueReady) and sets
 *   DRIVER_OK. Then vd_add() places a chain of buffers (direct, or through an indirect
 *   table) in the available ring, vd_kick() writes QueueNotify, vd_get_used() collects
 *   used entries (and, with VIRTIO_F_EVENT_IDX, sets used_event to the next entry as
 *   Linux does). The interrupt hook in vdrv::irq records the line level (vdrv::irq_level)
 *   and the rises (vdrv::irq_rises).
 *
 * All guest-memory fields are written little-endian. Failures of the simulator's own
 * preconditions (no RAM left, a bad queue index) abort the test through cmocka's fail().
 *
 * Typical use:
 *
 *     struct vd_ram ram;
 *     struct vdrv d;
 *     vd_ram_init(&ram, 0x40000000, 1 << 20);
 *     vd_setup(&d, &ram);
 *     ... fill the device, av_virtio_dev_init(&dev, &ram.mem, &d.irq, NULL) ...
 *     vd_attach(&d, &dev);
 *     assert_int_equal(vd_init(&d, VD_F_ALL, 1, 256), 0);
 *     uint64_t buf = vd_ram_alloc(&ram, 512, 16);
 *     struct vd_buf b[2] = { { req, 16, false }, { buf, 512, true } };
 *     int head = vd_add(&d, 0, b, 2, false);
 *     vd_kick(&d, 0);
 *     uint32_t len;
 *     assert_int_equal(vd_get_used(&d, 0, &len), head);
 *     ...
 *     vd_ram_fini(&ram);   (fails the test if a guard byte changed)
 */
#ifndef ARMVIRT_TEST_VIRTIO_DRV_H
#define ARMVIRT_TEST_VIRTIO_DRV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/mmio.h>
#include <armvirt/virtio.h>

/* ---- Fake guest RAM ---- */

#define VD_GUARD 4096u   /* guard bytes on each side of the RAM */
#define VD_GUARD_BYTE 0xa5u

struct vd_ram {
	uint8_t *block;                      /* guard + RAM + guard (heap) */
	uint8_t *host;                       /* the RAM: block + VD_GUARD */
	uint64_t gpa;                        /* guest-physical base */
	uint64_t size;                       /* bytes */
	uint64_t brk;                        /* next free byte for vd_ram_alloc() (offset) */
	struct av_virtio_mem_region region;  /* one read-write region */
	struct av_virtio_mem_regions regions;
	struct av_virtio_mem mem;            /* hand this to av_virtio_dev_init() */
};

/* Allocate @size bytes of zeroed RAM at guest-physical @gpa, guards filled. */
void vd_ram_init(struct vd_ram *ram, uint64_t gpa, uint64_t size);
/* Check the guards (cmocka failure if one changed) and free the RAM. */
void vd_ram_fini(struct vd_ram *ram);
/* True if no guard byte changed. */
bool vd_ram_guards_ok(const struct vd_ram *ram);
/* Host pointer of guest-physical [gpa, gpa + len), which must lie in the RAM. */
void *vd_ram_ptr(const struct vd_ram *ram, uint64_t gpa, uint64_t len);
/* Guest-physical address of a host pointer into the RAM. */
uint64_t vd_ram_gpa(const struct vd_ram *ram, const void *host);
/* Allocate @size zeroed bytes aligned to @align (a power of two); fails the test if full. */
uint64_t vd_ram_alloc(struct vd_ram *ram, uint64_t size, uint64_t align);

/* Little-endian guest memory accessors (gpa inside the RAM). */
uint16_t vd_ld16(const struct vd_ram *ram, uint64_t gpa);
uint32_t vd_ld32(const struct vd_ram *ram, uint64_t gpa);
uint64_t vd_ld64(const struct vd_ram *ram, uint64_t gpa);
void vd_st16(struct vd_ram *ram, uint64_t gpa, uint16_t v);
void vd_st32(struct vd_ram *ram, uint64_t gpa, uint32_t v);
void vd_st64(struct vd_ram *ram, uint64_t gpa, uint64_t v);

/* ---- The driver ---- */

#define VD_MAX_QUEUES 8
#define VD_IND_MAX 32 /* most descriptors vd_add() puts in one indirect table */
#define VD_BASE 0x0a000000ull /* the guest-physical base of the register window */
/* Every feature bit the transport offers (ask for these to get them all). */
#define VD_F_ALL (AV_VIRTIO_F_VERSION_1 | AV_VIRTIO_F_INDIRECT_DESC | AV_VIRTIO_F_EVENT_IDX)

/* A buffer of a chain: guest-physical address, length, device-writable. */
struct vd_buf {
	uint64_t gpa;
	uint32_t len;
	bool write;
};

/* The driver's view of one queue. Addresses are guest-physical. */
struct vd_queue {
	uint16_t num;       /* size (0: not set up) */
	uint64_t desc;      /* descriptor table */
	uint64_t avail;     /* available ring */
	uint64_t used;      /* used ring */
	uint64_t ind;       /* indirect tables: num * VD_IND_MAX descriptors, one area per head */
	uint16_t avail_idx; /* the driver's available index (as last published) */
	uint16_t last_used; /* next used entry to collect */
	uint16_t free_head; /* first free descriptor (free list through next_free) */
	uint16_t num_free;  /* free descriptors */
	uint16_t next_free[AV_VIRTQ_MAX_SIZE];
	uint16_t chain_len[AV_VIRTQ_MAX_SIZE]; /* descriptors a head's chain holds (0: free) */
};

struct vdrv {
	struct vd_ram *ram;
	struct av_virtio_dev *dev;
	struct av_mmio_dev mmio;      /* the register window (av_virtio_mmio_entry()) */
	struct av_virtio_irq irq;     /* give this to av_virtio_dev_init() */
	bool irq_level;               /* the device's interrupt line */
	unsigned irq_rises;           /* times it went high */
	unsigned irq_calls;           /* calls of the hook */
	uint64_t device_features;     /* read by vd_init() */
	uint64_t features;            /* negotiated by vd_init() */
	unsigned nq;                  /* queues set up */
	struct vd_queue q[VD_MAX_QUEUES];
};

/* Prepare @d over @ram (fills d->irq; no device yet). */
void vd_setup(struct vdrv *d, struct vd_ram *ram);
/* Make the register window of @dev (an av_virtio_dev already initialised). */
void vd_attach(struct vdrv *d, struct av_virtio_dev *dev);

/* Register accesses through the window (asserts the bus answers AV_ACCESS_HANDLED). */
uint32_t vd_read(struct vdrv *d, uint64_t offset, unsigned size);
void vd_write(struct vdrv *d, uint64_t offset, unsigned size, uint32_t val);
uint32_t vd_rd32(struct vdrv *d, uint64_t offset);
void vd_wr32(struct vdrv *d, uint64_t offset, uint32_t val);

/* Status: read, write (the raw register). */
uint32_t vd_status(struct vdrv *d);
void vd_set_status(struct vdrv *d, uint32_t status);
/* Reset (Status 0) and forget every queue on the driver side. */
void vd_reset(struct vdrv *d);

/*
 * Bring the device up as Linux does: reset, ACKNOWLEDGE, DRIVER, features (the device's
 * offered bits & @want), FEATURES_OK, then @nq queues of min(@qsize, QueueNumMax) entries
 * (rings and indirect tables allocated in RAM with vd_ram_alloc(): about 540 bytes per
 * entry, so 1 MiB of RAM holds e.g. a 1024-entry queue and some buffers), DRIVER_OK.
 * Returns 0; -1 if the device refused FEATURES_OK (FAILED is then set), -2 if a queue does
 * not exist (QueueNumMax 0) or did not become ready.
 */
int vd_init(struct vdrv *d, uint64_t want, unsigned nq, uint16_t qsize);
/* The steps of vd_init(): negotiate (returns whether FEATURES_OK stuck), one queue
 * (returns 0 or -2), DRIVER_OK. */
bool vd_negotiate(struct vdrv *d, uint64_t want);
int vd_setup_queue(struct vdrv *d, unsigned q, uint16_t qsize);
void vd_driver_ok(struct vdrv *d);

/*
 * Add a chain of @n buffers to queue @q and publish it in the available ring (no kick):
 * direct descriptors, or (@indirect) one descriptor pointing to a table of @n (at most
 * VD_IND_MAX). Returns the head, or -1 if there are not enough free descriptors.
 */
int vd_add(struct vdrv *d, unsigned q, const struct vd_buf *bufs, unsigned n, bool indirect);
/* Write QueueNotify for @q. */
void vd_kick(struct vdrv *d, unsigned q);
/* Whether the device asks for a kick after the available index moved from @old to the
 * current one (VIRTQ_USED_F_NO_NOTIFY, or avail_event with EVENT_IDX). */
bool vd_kick_wanted(struct vdrv *d, unsigned q, uint16_t old);
/*
 * Collect the next used entry of @q: returns its id (the head) and its length in @len (may
 * be NULL) and frees the chain's descriptors; -1 if the used ring has nothing new.
 * With EVENT_IDX, then sets used_event to the new last_used.
 */
int vd_get_used(struct vdrv *d, unsigned q, uint32_t *len);
/* Entries the device has used and the driver not yet collected. */
uint16_t vd_used_pending(struct vdrv *d, unsigned q);

/* Raw ring access for hostile tests. */
/* Write a descriptor at guest-physical @gpa (an entry of an indirect table, say). */
void vd_put_desc(struct vd_ram *ram, uint64_t gpa, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next);
/* Write descriptor @i of @q's table. */
void vd_set_desc(struct vdrv *d, unsigned q, unsigned i, uint64_t addr, uint32_t len,
		 uint16_t flags, uint16_t next);
/* Put @head in the next available slot and publish avail_idx + 1 (no free-list change). */
void vd_publish(struct vdrv *d, unsigned q, uint16_t head);
/* Write the available index (publishing whatever the ring holds). */
void vd_set_avail_idx(struct vdrv *d, unsigned q, uint16_t idx);
/* The available ring's flags (VIRTQ_AVAIL_F_NO_INTERRUPT) and used_event. */
void vd_set_avail_flags(struct vdrv *d, unsigned q, uint16_t flags);
void vd_set_used_event(struct vdrv *d, unsigned q, uint16_t v);

/* Interrupts: read InterruptStatus and acknowledge what it shows; returns it. */
uint32_t vd_ack(struct vdrv *d);

/* Configuration space (offset from 0x100), 1, 2 or 4 bytes. */
uint32_t vd_config_read(struct vdrv *d, uint32_t off, unsigned size);
void vd_config_write(struct vdrv *d, uint32_t off, unsigned size, uint32_t val);

#endif /* ARMVIRT_TEST_VIRTIO_DRV_H */
