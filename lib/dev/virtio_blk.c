/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk device model (virtio 1.2 §5.2).
 *
 * A request is a chain: the 16-byte header (type, reserved, sector) at the start of the
 * readable part, then the data (OUT: readable; IN, GET_ID: writable), then one status byte,
 * the last byte of the writable part. Segment boundaries mean nothing: the header may be
 * split across descriptors or share one with the data, so everything is addressed by byte
 * offset within the readable or writable part. Every request that has a status byte is
 * completed with a status; one without is returned with nothing written.
 */
#include <armvirt/dev/virtio_blk.h>

#include "compat.h"
#include "error_detail.h"
#include "virtio_util.h"

/* struct virtio_blk_config offsets */
#define CFG_CAPACITY 0
#define CFG_SEG_MAX 12
#define CFG_BLK_SIZE 20
#define CFG_MAX_DISCARD_SECTORS 36
#define CFG_MAX_DISCARD_SEG 40
#define CFG_DISCARD_ALIGNMENT 44
#define CFG_MAX_WRITE_ZEROES_SECTORS 48
#define CFG_MAX_WRITE_ZEROES_SEG 52
#define CFG_WRITE_ZEROES_MAY_UNMAP 56

#define HDR_BYTES 16u  /* struct virtio_blk_req header */
#define RANGE_BYTES 16u /* struct virtio_blk_discard_write_zeroes */
#define RANGE_F_UNMAP 1u
/* Sectors one discard or write-zeroes request may cover (a bound on the host's work). */
#define MAX_RANGE_SECTORS (1u << 22)

#define BLK_ERR(err, field, ...) av__error(err, -AV_EINVAL, "virtio_blk", field, __VA_ARGS__)

struct blk_req {
	const struct av_virtq_chain *ch;
	uint32_t type;
	uint64_t sector;
	uint64_t in_data;  /* writable bytes before the status byte */
	uint32_t written;  /* data bytes written into the writable part */
};

static struct av_virtio_blk *to_blk(struct av_virtio_dev *vdev)
{
	return (struct av_virtio_blk *)vdev; /* the first member */
}

static uint64_t capacity(const struct av_virtio_blk *blk)
{
	return blk->p.size / AV_VIRTIO_BLK_SECTOR;
}

/* [sector, sector + bytes / 512) lies inside the disk (no overflow on the way). */
static bool in_range(const struct av_virtio_blk *blk, uint64_t sector, uint64_t bytes)
{
	uint64_t cap = capacity(blk);

	return sector <= cap && bytes / AV_VIRTIO_BLK_SECTOR <= cap - sector;
}

static bool negotiated(const struct av_virtio_blk *blk, uint64_t feature)
{
	return (blk->vdev.driver_features & feature) != 0;
}

/* The byte range [off, off + len) of seg[0 .. n) as an iov list in blk->iov. */
static unsigned build_iov(struct av_virtio_blk *blk, const struct av_virtq_seg *seg, unsigned n,
			  uint64_t off, uint64_t len)
{
	unsigned k = 0;

	for (unsigned i = 0; i < n && len; i++) {
		uint64_t take;

		if (off >= seg[i].len) {
			off -= seg[i].len;
			continue;
		}
		take = seg[i].len - off;
		if (take > len)
			take = len;
		/* Never more pieces than segments, and blk->iov has as many as blk->seg. */
		blk->iov[k].base = (uint8_t *)seg[i].addr + off;
		blk->iov[k].len = (size_t)take;
		k++;
		len -= take;
		off = 0;
	}
	return k;
}

/* After a write on a device whose flush the driver did not negotiate: write-through. */
static int make_stable(struct av_virtio_blk *blk)
{
	if (blk->p.ops->flush && !negotiated(blk, AV_VIRTIO_BLK_F_FLUSH))
		return blk->p.ops->flush(blk->p.ctx);
	return 0;
}

static uint8_t do_in(struct av_virtio_blk *blk, struct blk_req *r)
{
	const struct av_virtq_chain *ch = r->ch;
	uint64_t len = r->in_data;
	unsigned n;

	blk->reads++;
	/* The used ring's length is 32 bits: data plus status must fit. */
	if (len % AV_VIRTIO_BLK_SECTOR || len >= UINT32_MAX || !in_range(blk, r->sector, len))
		return AV_VIRTIO_BLK_S_IOERR;
	if (len) {
		n = build_iov(blk, av__chain_in(ch), ch->n_in, 0, len);
		if (blk->p.ops->read(blk->p.ctx, r->sector * AV_VIRTIO_BLK_SECTOR, blk->iov, n) < 0)
			return AV_VIRTIO_BLK_S_IOERR;
	}
	r->written = (uint32_t)len;
	blk->bytes_read += len;
	return AV_VIRTIO_BLK_S_OK;
}

static uint8_t do_out(struct av_virtio_blk *blk, struct blk_req *r)
{
	const struct av_virtq_chain *ch = r->ch;
	uint64_t len = ch->out_len - HDR_BYTES;
	uint64_t off = r->sector * AV_VIRTIO_BLK_SECTOR; /* used once in range */
	unsigned n;

	blk->writes++;
	if (blk->p.readonly || len % AV_VIRTIO_BLK_SECTOR || !in_range(blk, r->sector, len))
		return AV_VIRTIO_BLK_S_IOERR;
	if (len) {
		n = build_iov(blk, ch->seg, ch->n_out, HDR_BYTES, len);
		if (blk->p.ops->write(blk->p.ctx, off, blk->iov, n) < 0 || make_stable(blk) < 0)
			return AV_VIRTIO_BLK_S_IOERR;
	}
	blk->bytes_written += len;
	return AV_VIRTIO_BLK_S_OK;
}

static uint8_t do_flush(struct av_virtio_blk *blk)
{
	blk->flushes++;
	if (!blk->p.ops->flush)
		return AV_VIRTIO_BLK_S_UNSUPP;
	return blk->p.ops->flush(blk->p.ctx) < 0 ? AV_VIRTIO_BLK_S_IOERR : AV_VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(struct av_virtio_blk *blk, struct blk_req *r)
{
	uint64_t n = r->in_data < AV_VIRTIO_BLK_ID_BYTES ? r->in_data : AV_VIRTIO_BLK_ID_BYTES;

	blk->get_ids++;
	r->written = (uint32_t)av__seg_write(av__chain_in(r->ch), r->ch->n_in, 0, blk->serial, n);
	return AV_VIRTIO_BLK_S_OK;
}

/* DISCARD and WRITE_ZEROES: one struct virtio_blk_discard_write_zeroes after the header. */
static uint8_t do_range(struct av_virtio_blk *blk, struct blk_req *r)
{
	const struct av_virtq_chain *ch = r->ch;
	bool zeroes = r->type == AV_VIRTIO_BLK_T_WRITE_ZEROES;
	uint8_t range[RANGE_BYTES];
	uint64_t sector, bytes;
	uint32_t nsect, flags;
	int rc;

	if (zeroes)
		blk->write_zeroes++;
	else
		blk->discards++;
	if (blk->p.readonly)
		return AV_VIRTIO_BLK_S_IOERR;
	if (zeroes ? !blk->p.ops->write_zeroes : !blk->p.ops->discard)
		return AV_VIRTIO_BLK_S_UNSUPP;
	/* Exactly one segment (max_discard_seg and max_write_zeroes_seg are 1). */
	if (ch->out_len - HDR_BYTES != RANGE_BYTES)
		return AV_VIRTIO_BLK_S_IOERR;
	av__seg_read(ch->seg, ch->n_out, HDR_BYTES, range, RANGE_BYTES);
	sector = av__le64(range);
	nsect = av__le32(range + 8);
	flags = av__le32(range + 12);
	/* Unknown flags, and unmap on a discard, are unsupported (virtio 1.2 §5.2.6.2). */
	if ((flags & ~RANGE_F_UNMAP) || (!zeroes && flags))
		return AV_VIRTIO_BLK_S_UNSUPP;
	bytes = (uint64_t)nsect * AV_VIRTIO_BLK_SECTOR;
	if (nsect > MAX_RANGE_SECTORS || !in_range(blk, sector, bytes))
		return AV_VIRTIO_BLK_S_IOERR;
	if (!nsect)
		return AV_VIRTIO_BLK_S_OK;
	if (zeroes)
		rc = blk->p.ops->write_zeroes(blk->p.ctx, sector * AV_VIRTIO_BLK_SECTOR, bytes,
					      (flags & RANGE_F_UNMAP) != 0);
	else
		rc = blk->p.ops->discard(blk->p.ctx, sector * AV_VIRTIO_BLK_SECTOR, bytes);
	if (rc >= 0 && zeroes)
		rc = make_stable(blk);
	return rc < 0 ? AV_VIRTIO_BLK_S_IOERR : AV_VIRTIO_BLK_S_OK;
}

/* One request: returns the bytes written into the chain's writable part. */
static uint32_t handle(void *ctx, const struct av_virtq_chain *ch)
{
	struct av_virtio_blk *blk = ctx;
	struct blk_req r = { .ch = ch };
	uint8_t hdr[HDR_BYTES];
	uint8_t status;

	if (ch->in_len == 0) {
		/* No status byte: nothing can be reported. */
		blk->errors++;
		return 0;
	}
	r.in_data = ch->in_len - 1;
	if (ch->out_len < HDR_BYTES ||
	    av__seg_read(ch->seg, ch->n_out, 0, hdr, HDR_BYTES) != HDR_BYTES) {
		status = AV_VIRTIO_BLK_S_IOERR;
	} else {
		r.type = av__le32(hdr);
		r.sector = av__le64(hdr + 8);
		switch (r.type) {
		case AV_VIRTIO_BLK_T_IN:
			status = do_in(blk, &r);
			break;
		case AV_VIRTIO_BLK_T_OUT:
			status = do_out(blk, &r);
			break;
		case AV_VIRTIO_BLK_T_FLUSH:
			status = do_flush(blk);
			break;
		case AV_VIRTIO_BLK_T_GET_ID:
			status = do_get_id(blk, &r);
			break;
		case AV_VIRTIO_BLK_T_DISCARD:
		case AV_VIRTIO_BLK_T_WRITE_ZEROES:
			status = do_range(blk, &r);
			break;
		default:
			status = AV_VIRTIO_BLK_S_UNSUPP;
			break;
		}
	}
	if (status != AV_VIRTIO_BLK_S_OK) {
		blk->errors++;
		r.written = 0;
	}
	av__seg_write(av__chain_in(ch), ch->n_in, r.in_data, &status, 1);
	return r.written + 1;
}

int av_virtio_blk_process(struct av_virtio_blk *blk)
{
	if (!blk || !av_virtio_dev_live(&blk->vdev))
		return 0;
	return av__virtq_serve(&blk->vdev, &blk->vq, blk->seg, AV_ARRAY_SIZE(blk->seg),
			       handle, blk);
}

static void blk_notify(struct av_virtio_dev *vdev, unsigned queue)
{
	if (queue == 0)
		av_virtio_blk_process(to_blk(vdev));
}

static const struct av_virtio_dev_ops blk_dev_ops = {
	.notify = blk_notify,
};

/* The features the backend and parameters allow, and the config fields they need. */
static void setup_config(struct av_virtio_blk *blk)
{
	const struct av_virtio_blk_ops *ops = blk->p.ops;
	uint64_t f = AV_VIRTIO_BLK_F_SEG_MAX | AV_VIRTIO_BLK_F_BLK_SIZE;
	uint8_t *c = blk->config;

	av__put_le64(c + CFG_CAPACITY, capacity(blk));
	av__put_le32(c + CFG_SEG_MAX, AV_VIRTIO_BLK_SEG_MAX);
	av__put_le32(c + CFG_BLK_SIZE, AV_VIRTIO_BLK_SECTOR);
	if (blk->p.readonly)
		f |= AV_VIRTIO_BLK_F_RO;
	if (ops->flush)
		f |= AV_VIRTIO_BLK_F_FLUSH;
	if (ops->discard && !blk->p.readonly) {
		f |= AV_VIRTIO_BLK_F_DISCARD;
		av__put_le32(c + CFG_MAX_DISCARD_SECTORS, MAX_RANGE_SECTORS);
		av__put_le32(c + CFG_MAX_DISCARD_SEG, 1);
		av__put_le32(c + CFG_DISCARD_ALIGNMENT, 1);
	}
	if (ops->write_zeroes && !blk->p.readonly) {
		f |= AV_VIRTIO_BLK_F_WRITE_ZEROES;
		av__put_le32(c + CFG_MAX_WRITE_ZEROES_SECTORS, MAX_RANGE_SECTORS);
		av__put_le32(c + CFG_MAX_WRITE_ZEROES_SEG, 1);
		/* A backend that can discard may deallocate when asked to unmap. */
		c[CFG_WRITE_ZEROES_MAY_UNMAP] = ops->discard ? 1 : 0;
	}
	blk->vdev.device_features = f;
}

int av_virtio_blk_init(struct av_virtio_blk *blk, const struct av_virtio_blk_params *p,
		       const struct av_virtio_mem *mem, const struct av_virtio_irq *irq,
		       struct av_error *err)
{
	size_t n;

	if (!blk)
		return BLK_ERR(err, "blk", "is NULL");
	if (!p)
		return BLK_ERR(err, "params", "is NULL");
	if (!p->ops || !p->ops->read)
		return BLK_ERR(err, "ops->read", "is NULL");
	if (!p->readonly && !p->ops->write)
		return BLK_ERR(err, "ops->write", "is NULL on a writable device");
	if (p->size == 0 || p->size % AV_VIRTIO_BLK_SECTOR)
		return BLK_ERR(err, "size", "0x%llx is not a non-zero multiple of 512",
			       (unsigned long long)p->size);
	memset(blk, 0, sizeof(*blk));
	blk->p = *p;
	if (p->serial) {
		for (n = 0; n < AV_VIRTIO_BLK_ID_BYTES && p->serial[n]; n++)
			;
		memcpy(blk->serial, p->serial, n);
	}
	/* The copy is blk->serial (not NUL-terminated at 20 bytes); keep no caller pointer. */
	blk->p.serial = NULL;
	setup_config(blk);
	blk->vq.num_max = AV_VIRTIO_BLK_QUEUE_SIZE;
	blk->vdev.device_id = AV_VIRTIO_ID_BLOCK;
	blk->vdev.vq = &blk->vq;
	blk->vdev.num_queues = 1;
	blk->vdev.config = blk->config;
	blk->vdev.config_size = sizeof(blk->config);
	blk->vdev.ops = &blk_dev_ops;
	return av_virtio_dev_init(&blk->vdev, mem, irq, err);
}

/* ---- RAM backend ---- */

static int ram_check(const struct av_virtio_blk_ram *ram, uint64_t offset, uint64_t len)
{
	if (!ram || offset > ram->size || len > ram->size - offset)
		return -AV_ERANGE;
	return 0;
}

static uint64_t iov_bytes(const struct av_iov *iov, unsigned n)
{
	uint64_t t = 0;

	for (unsigned i = 0; i < n; i++)
		t += iov[i].len;
	return t;
}

static int ram_rw(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n, bool write)
{
	struct av_virtio_blk_ram *ram = ctx;
	int rc = ram_check(ram, offset, iov_bytes(iov, n));

	if (rc)
		return rc;
	for (unsigned i = 0; i < n; i++) {
		if (write)
			memcpy(ram->base + offset, iov[i].base, iov[i].len);
		else
			memcpy(iov[i].base, ram->base + offset, iov[i].len);
		offset += iov[i].len;
	}
	return 0;
}

static int ram_read(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n)
{
	return ram_rw(ctx, offset, iov, n, false);
}

static int ram_write(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n)
{
	return ram_rw(ctx, offset, iov, n, true);
}

static int ram_flush(void *ctx)
{
	(void)ctx;
	return 0;
}

static int ram_discard(void *ctx, uint64_t offset, uint64_t len)
{
	struct av_virtio_blk_ram *ram = ctx;
	int rc = ram_check(ram, offset, len);

	if (!rc)
		memset(ram->base + offset, 0, (size_t)len);
	return rc;
}

static int ram_write_zeroes(void *ctx, uint64_t offset, uint64_t len, bool may_unmap)
{
	(void)may_unmap;
	return ram_discard(ctx, offset, len);
}

const struct av_virtio_blk_ops av_virtio_blk_ram_ops = {
	.read = ram_read,
	.write = ram_write,
	.flush = ram_flush,
	.discard = ram_discard,
	.write_zeroes = ram_write_zeroes,
};
