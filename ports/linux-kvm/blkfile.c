// SPDX-License-Identifier: MIT
/*
 * A virtio-blk backend over a host file: memcpy through a shared mapping or
 * preadv/pwritev, msync/fdatasync, fallocate (armvirt/port/blkfile.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
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

/*
 * Bus errors in a copy through a mapping. A thread copying sets copy_env and the bounds of
 * the mapping; a SIGBUS at an address inside them jumps back to the copy, which fails the
 * request. Any other SIGBUS goes to the action that was installed before.
 */
static pthread_mutex_t bus_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction bus_prev;
static _Thread_local sigjmp_buf *copy_env;
static _Thread_local const uint8_t *copy_lo, *copy_hi;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	sigjmp_buf *env = copy_env;
	const uint8_t *a = si ? (const uint8_t *)si->si_addr : NULL;
	if (env && a >= copy_lo && a < copy_hi) {
		copy_env = NULL;
		siglongjmp(*env, 1);
	}
	if (bus_prev.sa_flags & SA_SIGINFO) {
		if (bus_prev.sa_sigaction) {
			bus_prev.sa_sigaction(sig, si, uc);
			return;
		}
	} else if (bus_prev.sa_handler == SIG_IGN) {
		if (!si || si->si_code <= 0)
			return; /* sent by a process, and ignored before */
	} else if (bus_prev.sa_handler != SIG_DFL) {
		bus_prev.sa_handler(sig);
		return;
	}
	signal(SIGBUS, SIG_DFL);
	raise(SIGBUS);
}

/* Make on_sigbus() the SIGBUS action, unless it is already; false when that fails. */
static bool install_sigbus(void)
{
	struct sigaction cur, sa;
	bool ok = true;
	pthread_mutex_lock(&bus_lock);
	if (sigaction(SIGBUS, NULL, &cur)) {
		ok = false;
	} else if (!(cur.sa_flags & SA_SIGINFO) || cur.sa_sigaction != on_sigbus) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_sigbus;
		/* SIGBUS stays unblocked in the handler: no signal mask for the jump to restore */
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		bus_prev = cur;
		ok = sigaction(SIGBUS, &sa, NULL) == 0;
	}
	pthread_mutex_unlock(&bus_lock);
	return ok;
}

/* Map a regular file whole, or leave f->map NULL (the preadv/pwritev path). */
static void map_file(struct av_blkfile *f)
{
	if (f->size > SIZE_MAX || !install_sigbus())
		return;
	void *m = mmap(NULL, (size_t)f->size, PROT_READ | (f->readonly ? 0 : PROT_WRITE),
		       MAP_SHARED, f->fd, 0);
	f->map = m == MAP_FAILED ? NULL : m;
}

int av_blkfile_open(struct av_blkfile *f, const char *path, bool readonly, char *err,
		    size_t errlen)
{
	if (!f || !path)
		return fail(-AV_EINVAL, err, errlen, "no file");
	memset(f, 0, sizeof(*f));
	f->fd = -1;
	f->readonly = readonly;

	/* O_NONBLOCK: a FIFO without a writer is refused below, not waited on. */
	int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC | O_NONBLOCK);
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
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		int e = errno;
		close(fd);
		return fail(-AV_EIO, err, errlen, "%s", strerror(e));
	}
	f->fd = fd;
	f->size = size;
	if (S_ISREG(st.st_mode))
		map_file(f);
	if (err && errlen)
		err[0] = '\0';
	return 0;
}

void av_blkfile_unmap(struct av_blkfile *f)
{
	if (f && f->map) {
		munmap(f->map, (size_t)f->size);
		f->map = NULL;
		/* The pages written stay dirty in the page cache: fdatasync() covers them. */
		f->dirty_lo = f->dirty_hi = 0;
	}
}

void av_blkfile_close(struct av_blkfile *f)
{
	av_blkfile_unmap(f);
	if (f && f->fd >= 0) {
		close(f->fd);
		f->fd = -1;
	}
}

static bool in_file(const struct av_blkfile *f, uint64_t offset, uint64_t len)
{
	return offset <= f->size && len <= f->size - offset;
}

/* Copy between @iov[0 .. n) and the mapping at @p. */
static void copy_segments(uint8_t *p, const struct av_iov *iov, unsigned n, bool write)
{
	for (unsigned i = 0; i < n; i++) {
		if (!iov[i].len)
			continue;
		if (write)
			memcpy(p, iov[i].base, iov[i].len);
		else
			memcpy(iov[i].base, p, iov[i].len);
		p += iov[i].len;
	}
}

/* The copies of one request through the mapping; 1 when a bus error interrupted them. */
static int map_copy(uint8_t *p, const struct av_iov *iov, unsigned n, bool write,
		    const uint8_t *lo, const uint8_t *hi)
{
	/* volatile: kept out of registers across sigsetjmp() (-Wclobbered) */
	uint8_t *volatile vp = p;
	const struct av_iov *volatile viov = iov;
	volatile unsigned vn = n;
	volatile bool vwrite = write;
	sigjmp_buf env;

	copy_lo = lo;
	copy_hi = hi;
	if (sigsetjmp(env, 0))
		return 1;
	copy_env = &env;
	copy_segments(vp, viov, vn, vwrite);
	copy_env = NULL;
	return 0;
}

/* A request through the mapping: the whole of it inside the file, then the copies. */
static int map_xfer(struct av_blkfile *f, uint64_t offset, const struct av_iov *iov,
		    unsigned n, bool write)
{
	uint64_t total = 0;
	for (unsigned i = 0; i < n; i++) {
		if (iov[i].len > f->size - total)
			return -AV_ERANGE;
		total += iov[i].len;
	}
	if (!in_file(f, offset, total))
		return -AV_ERANGE;
	if (!total)
		return 0;
	if (write) {
		/* Before the copy: a copy cut short may still have changed some pages. */
		if (f->dirty_lo == f->dirty_hi) {
			f->dirty_lo = offset;
			f->dirty_hi = offset + total;
		} else {
			if (offset < f->dirty_lo)
				f->dirty_lo = offset;
			if (offset + total > f->dirty_hi)
				f->dirty_hi = offset + total;
		}
	}
	uint8_t *base = f->map;
	return map_copy(base + offset, iov, n, write, base, base + f->size) ? -AV_EIO : 0;
}

/*
 * A request: through the mapping when there is one, otherwise preadv/pwritev over
 * @iov[0 .. n) at @offset until every byte moved: EINTR repeats the call, a short
 * transfer continues after the last byte moved. A read that returns 0 (end of file) fails.
 */
static int xfer(struct av_blkfile *f, uint64_t offset, const struct av_iov *iov,
		unsigned n, bool write)
{
	struct iovec v[IOV_CHUNK];
	unsigned next = 0;  /* first av_iov not yet in v */
	size_t skip = 0;    /* bytes of iov[next] already moved */

	if (!f || f->fd < 0 || (n && !iov))
		return -AV_EINVAL;
	if (write && f->readonly)
		return -AV_EPERM;
	if (f->map)
		return map_xfer(f, offset, iov, n, write);
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

/*
 * The pages written through the mapping since the last flush (msync), then the file's
 * data and the metadata needed to read it (fdatasync: fallocate's changes too).
 */
static int file_flush(void *ctx)
{
	struct av_blkfile *f = ctx;
	int r;
	if (!f || f->fd < 0)
		return -AV_EINVAL;
	if (f->map && f->dirty_hi > f->dirty_lo) {
		uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
		uint64_t lo = f->dirty_lo & ~(page - 1);
		if (msync((uint8_t *)f->map + lo, (size_t)(f->dirty_hi - lo), MS_SYNC))
			return -AV_EIO;
	}
	do
		r = fdatasync(f->fd);
	while (r && errno == EINTR);
	if (r)
		return -AV_EIO;
	f->dirty_lo = f->dirty_hi = 0;
	return 0;
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

static int write_zero_bytes(struct av_blkfile *f, uint64_t offset, uint64_t len)
{
	static const uint8_t zero[ZERO_CHUNK] = { 0 };
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
