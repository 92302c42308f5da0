/* SPDX-License-Identifier: MIT */
/* virtio host micro-benchmark: the library's share of one request, a virtio-blk-like chain
 * (16-byte header, a 4 KiB buffer, a 1-byte status) in a 256-entry queue, through the
 * virtio-mmio registers: the kick (QueueNotify), the device popping the chain and pushing
 * it, the interrupt decision, the driver's InterruptStatus read and acknowledge. The
 * "driver" writes the ring directly. Prints figures (best and median over several runs);
 * nothing here passes or fails on timing. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <armvirt/virtio.h>

#include "bench.h"

#define RAM_GPA 0x40000000ull
#define RAM_SIZE (1u << 20)
#define QSIZE 256u
#define DESC 0x0000u   /* ring offsets in the RAM */
#define AVAIL 0x1000u
#define USED 0x2000u
#define TABLES 0x4000u /* one 3-entry indirect table per head */
#define DATA 0x10000u

static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
static const struct av_virtio_mem_region region = { RAM_GPA, RAM_SIZE, ram, false };
static const struct av_virtio_mem_regions regions = { &region, 1 };
static const struct av_virtio_mem mem = { &av_virtio_mem_regions_ops, (void *)&regions };

static struct av_virtio_dev dev;
static struct av_virtq vq[1];
static uint16_t avail_idx, last_used;

static void put16(uint32_t off, uint16_t v) { memcpy(ram + off, &v, 2); }
static uint16_t get16(uint32_t off) { uint16_t v; memcpy(&v, ram + off, 2); return v; }

static void put_desc(uint32_t off, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
	memcpy(ram + off, &addr, 8);
	memcpy(ram + off + 8, &len, 4);
	put16(off + 12, flags);
	put16(off + 14, next);
}

static void d_notify(struct av_virtio_dev *vdev, unsigned q)
{
	struct av_virtq_seg seg[8];
	struct av_virtq_chain c = { seg, 8, 0, 0, 0, 0, 0 };

	while (av_virtq_pop(&vq[q], &c) == 1) {
		*(uint8_t *)seg[c.n_out + c.n_in - 1].addr = 0; /* status: OK */
		av_virtq_push(&vq[q], c.head, 1);
	}
	av_virtio_notify_used(vdev, &vq[q]);
}

static const struct av_virtio_dev_ops d_ops = { d_notify, NULL, NULL, NULL, NULL };

static uint32_t rd(uint64_t off)
{
	uint64_t v = 0;

	av_virtio_mmio_ops.read(&dev, NULL, off, 4, &v);
	return (uint32_t)v;
}

static void wr(uint64_t off, uint32_t v)
{
	av_virtio_mmio_ops.write(&dev, NULL, off, 4, v);
}

/* Bring the device up with @features; heads 0, 3, 6, ... carry 3-descriptor chains
 * (direct) or point to their own indirect table. */
static void setup(uint64_t features, bool indirect)
{
	memset(ram, 0, sizeof(ram));
	memset(&dev, 0, sizeof(dev));
	memset(vq, 0, sizeof(vq));
	vq[0].num_max = QSIZE;
	dev.device_id = AV_VIRTIO_ID_BLOCK;
	dev.vq = vq;
	dev.num_queues = 1;
	dev.ops = &d_ops;
	if (av_virtio_dev_init(&dev, &mem, NULL, NULL))
		exit(1);
	wr(AV_VIRTIO_MMIO_STATUS, AV_VIRTIO_STATUS_ACKNOWLEDGE | AV_VIRTIO_STATUS_DRIVER);
	wr(AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 1);
	wr(AV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)(features >> 32));
	wr(AV_VIRTIO_MMIO_DRIVER_FEATURES_SEL, 0);
	wr(AV_VIRTIO_MMIO_DRIVER_FEATURES, (uint32_t)features);
	wr(AV_VIRTIO_MMIO_STATUS, rd(AV_VIRTIO_MMIO_STATUS) | AV_VIRTIO_STATUS_FEATURES_OK);
	wr(AV_VIRTIO_MMIO_QUEUE_SEL, 0);
	wr(AV_VIRTIO_MMIO_QUEUE_NUM, QSIZE);
	wr(AV_VIRTIO_MMIO_QUEUE_DESC_LOW, (uint32_t)(RAM_GPA + DESC));
	wr(AV_VIRTIO_MMIO_QUEUE_DRIVER_LOW, (uint32_t)(RAM_GPA + AVAIL));
	wr(AV_VIRTIO_MMIO_QUEUE_DEVICE_LOW, (uint32_t)(RAM_GPA + USED));
	wr(AV_VIRTIO_MMIO_QUEUE_READY, 1);
	wr(AV_VIRTIO_MMIO_STATUS, rd(AV_VIRTIO_MMIO_STATUS) | AV_VIRTIO_STATUS_DRIVER_OK);
	if (!av_virtio_dev_live(&dev) || !vq[0].ready)
		exit(1);
	for (unsigned h = 0; h + 2 < QSIZE; h += 3) {
		uint64_t data = RAM_GPA + DATA + 0x1100ull * (h / 3u % 64u);
		uint32_t t = indirect ? TABLES + 48u * h : DESC + 16u * h;

		put_desc(t, data, 16, AV_VIRTQ_DESC_F_NEXT, (uint16_t)(indirect ? 1 : h + 1));
		put_desc(t + 16, data + 16, 4096, AV_VIRTQ_DESC_F_WRITE | AV_VIRTQ_DESC_F_NEXT,
			 (uint16_t)(indirect ? 2 : h + 2));
		put_desc(t + 32, data + 16 + 4096, 1, AV_VIRTQ_DESC_F_WRITE, 0);
		if (indirect)
			put_desc(DESC + 16u * h, RAM_GPA + t, 48, AV_VIRTQ_DESC_F_INDIRECT, 0);
	}
	avail_idx = last_used = 0;
}

/* @batch requests: published, one kick, served, one interrupt, acknowledged, collected. */
static void cycle(unsigned batch)
{
	for (unsigned i = 0; i < batch; i++) {
		uint16_t head = (uint16_t)(3u * ((avail_idx + i) % (QSIZE / 3)));

		put16(AVAIL + 4 + 2 * ((avail_idx + i) % QSIZE), head);
	}
	avail_idx = (uint16_t)(avail_idx + batch);
	__atomic_store_n((uint16_t *)(void *)(ram + AVAIL + 2), avail_idx, __ATOMIC_RELEASE);
	wr(AV_VIRTIO_MMIO_QUEUE_NOTIFY, 0);
	wr(AV_VIRTIO_MMIO_INTERRUPT_ACK, rd(AV_VIRTIO_MMIO_INTERRUPT_STATUS));
	last_used = get16(USED + 2);
	put16(AVAIL + 4 + 2 * QSIZE, last_used); /* used_event, as Linux does */
	if (last_used != avail_idx)
		exit(2);
}

static void run(const char *name, uint64_t features, bool indirect, unsigned batch)
{
	enum { RUNS = 9, REQS = 400000 };
	uint64_t t[RUNS];
	unsigned cycles = REQS / batch;

	setup(features, indirect);
	for (unsigned i = 0; i < cycles / 10; i++)
		cycle(batch);
	for (unsigned r = 0; r < RUNS; r++) {
		uint64_t t0 = now_ns();

		for (unsigned i = 0; i < cycles; i++)
			cycle(batch);
		t[r] = now_ns() - t0;
	}
	qsort(t, RUNS, sizeof(t[0]), cmp_u64);
	printf("%-44s best %6.1f ns  median %6.1f ns\n", name, (double)t[0] / REQS,
	       (double)t[RUNS / 2] / REQS);
}

int main(void)
{
	const uint64_t v1 = AV_VIRTIO_F_VERSION_1;
	const uint64_t all = v1 | AV_VIRTIO_F_INDIRECT_DESC | AV_VIRTIO_F_EVENT_IDX;

	printf("virtio-mmio + split virtqueue, per request (3 buffers, queue of %u)\n", QSIZE);
	run("direct, EVENT_IDX, 1 per kick", all, false, 1);
	run("indirect, EVENT_IDX, 1 per kick", all, true, 1);
	run("direct, no EVENT_IDX, 1 per kick", v1, false, 1);
	run("direct, EVENT_IDX, 8 per kick", all, false, 8);
	run("indirect, EVENT_IDX, 32 per kick", all, true, 32);
	return 0;
}
