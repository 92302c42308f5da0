// SPDX-License-Identifier: MIT
/*
 * A virtio-blk backend over a host file: preadv/pwritev, fdatasync, fallocate
 * (armvirt/port/blkfile.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/falloc.h>
#include <linux/fs.h>

#include <armvirt/port/blkfile.h>

#include "port_err.h"

#define SECTOR 512u
#define IOV_CHUNK 64u           /* iovecs handed to one preadv/pwritev */
#define ZERO_CHUNK 65536u       /* bytes per write when zeroes are written */

#define fail av__port_fail

static int errno_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENOTDIR:
		return -AV_ENOENT;
	case EACCES:
	case EPERM:
	case EROFS:
		return -AV_EPERM;
	default:
		return -AV_EIO;
	}
}

int av_blkfile_open(struct av_blkfile *f, const char *path, bool readonly, char *err,
		    size_t errlen)
{
	if (!f || !path)
		return fail(-AV_EINVAL, err, errlen, "no file");
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->readonly = readonly;

	int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0 && !readonly && (errno == EACCES || errno == EROFS || errno == EPERM)) {
		int e = errno;
		int probe = open(path, O_RDONLY | O_CLOEXEC);
		if (probe >= 0) {
			close(probe);
			return fail(-AV_EPERM, err, errlen,
				    "cannot be opened for writing (%s); add ,ro for a read-only disk",
				    strerror(e));
		}
		errno = e;
	}
	if (fd < 0) {
		if (errno == EISDIR)
			return fail(-AV_EINVAL, err, errlen, "a directory, not a disk image");
		return fail(errno_code(errno), err, errlen, "%s", strerror(errno));
	}

	struct stat st;
	uint64_t size = 0;
	if (fstat(fd, &st)) {
		int e = errno;
		close(fd);
		return fail(-AV_EIO, err, errlen, "%s", strerror(e));
	}
	if (S_ISDIR(st.st_mode)) {
		close(fd);
		return fail(-AV_EINVAL, err, errlen, "a directory, not a disk image");
	}
	if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size)) {
			int e = errno;
			close(fd);
			return fail(-AV_EIO, err, errlen, "block device size: %s", strerror(e));
		}
	} else {
		close(fd);
		return fail(-AV_EINVAL, err, errlen, "neither a regular file nor a block device");
	}
	if (!size) {
		close(fd);
		return fail(-AV_EINVAL, err, errlen, "empty (0 bytes)");
	}
	if (size % SECTOR) {
		close(fd);
		return fail(-AV_EINVAL, err, errlen,
			    "%llu bytes: not a multiple of the %u-byte sector",
			    (unsigned long long)size, SECTOR);
	}
	f->fd = fd;
	f->size = size;
	if (err && errlen)
		err[0] = '\0';
	return 0;
}

void av_blkfile_close(struct av_blkfile *f)
{
	if (f && f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
}

static bool in_file(const struct av_blkfile *f, uint64_t offset, uint64_t len)
{
	return offset <= f->size && len <= f->size - offset;
}

/*
 * preadv/pwritev over @iov[0 .. n) at @offset until every byte moved: EINTR repeats the
 * call, a short transfer continues after the last byte moved. A read that returns 0
 * (end of file) fails.
 */
static int xfer(const struct av_blkfile *f, uint64_t offset, const struct av_iov *iov,
		unsigned n, bool write)
{
	struct iovec v[IOV_CHUNK];
	unsigned next = 0;  /* first av_iov not yet in v */
	size_t skip = 0;    /* bytes of iov[next] already moved */

	if (!f || f->fd < 0 || (n && !iov))
		return -AV_EINVAL;
	if (write && f->readonly)
		return -AV_EPERM;
	while (next < n) {
		unsigned cnt = 0;
		uint64_t want = 0;
		for (unsigned i = next; i < n && cnt < IOV_CHUNK; i++) {
			size_t off = i == next ? skip : 0;
			if (iov[i].len == off)
				continue;
			v[cnt].iov_base = (char *)iov[i].base + off;
			v[cnt].iov_len = iov[i].len - off;
			want += v[cnt].iov_len;
			cnt++;
		}
		if (!cnt)
			break;
		if (!in_file(f, offset, want))
			return -AV_ERANGE;
		ssize_t r = write ? pwritev(f->fd, v, (int)cnt, (off_t)offset)
				  : preadv(f->fd, v, (int)cnt, (off_t)offset);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -AV_EIO;
		offset += (uint64_t)r;
		/* Advance over the bytes moved. */
		size_t done = (size_t)r;
		while (next < n && done) {
			size_t left = iov[next].len - skip;
			if (done < left) {
				skip += done;
				done = 0;
			} else {
				done -= left;
				next++;
				skip = 0;
			}
		}
		while (next < n && iov[next].len == skip) {
			next++;
			skip = 0;
		}
	}
	return 0;
}

static int file_read(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n)
{
	return xfer(ctx, offset, iov, n, false);
}

static int file_write(void *ctx, uint64_t offset, const struct av_iov *iov, unsigned n)
{
	return xfer(ctx, offset, iov, n, true);
}

static int file_flush(void *ctx)
{
	const struct av_blkfile *f = ctx;
	int r;
	if (!f || f->fd < 0)
		return -AV_EINVAL;
	do
		r = fdatasync(f->fd);
	while (r && errno == EINTR);
	return r ? -AV_EIO : 0;
}

/* fallocate with EINTR repeated: 0, 1 when the file system does not support @mode, or
 * -AV_EIO. */
static int falloc(int fd, int mode, uint64_t offset, uint64_t len)
{
	int r;
	do
		r = fallocate(fd, mode, (off_t)offset, (off_t)len);
	while (r && errno == EINTR);
	if (!r)
		return 0;
	return errno == EOPNOTSUPP || errno == ENOSYS || errno == EINVAL ? 1 : -AV_EIO;
}

static int check_change(const struct av_blkfile *f, uint64_t offset, uint64_t len)
{
	if (!f || f->fd < 0)
		return -AV_EINVAL;
	if (f->readonly)
		return -AV_EPERM;
	return in_file(f, offset, len) ? 0 : -AV_ERANGE;
}

static int file_discard(void *ctx, uint64_t offset, uint64_t len)
{
	struct av_blkfile *f = ctx;
	int r = check_change(f, offset, len);
	if (r || !len || f->no_punch_hole)
		return r;
	r = falloc(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
	if (r == 1) {
		f->no_punch_hole = true; /* a hint the file system cannot take: nothing done */
		r = 0;
	}
	return r;
}

static int write_zero_bytes(const struct av_blkfile *f, uint64_t offset, uint64_t len)
{
	static const uint8_t zero[ZERO_CHUNK];
	while (len) {
		size_t chunk = len < ZERO_CHUNK ? (size_t)len : ZERO_CHUNK;
		struct av_iov v = { (void *)zero, chunk };
		int r = xfer(f, offset, &v, 1, true);
		if (r)
			return r;
		offset += chunk;
		len -= chunk;
	}
	return 0;
}

static int file_write_zeroes(void *ctx, uint64_t offset, uint64_t len, bool may_unmap)
{
	struct av_blkfile *f = ctx;
	(void)may_unmap; /* every method below leaves the range reading as zeroes */
	int r = check_change(f, offset, len);
	if (r || !len)
		return r;
	if (!f->no_zero_range) {
		r = falloc(f->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, offset, len);
		if (r <= 0)
			return r;
		f->no_zero_range = true;
	}
	if (!f->no_punch_hole) {
		r = falloc(f->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, offset, len);
		if (r <= 0)
			return r;
		f->no_punch_hole = true;
	}
	return write_zero_bytes(f, offset, len);
}

const struct av_virtio_blk_ops av_blkfile_ops = {
	.read = file_read,
	.write = file_write,
	.flush = file_flush,
	.discard = file_discard,
	.write_zeroes = file_write_zeroes,
};
