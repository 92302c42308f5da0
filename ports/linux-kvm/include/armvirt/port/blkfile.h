/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/port/blkfile.h
 * @brief A virtio-blk backend over a host file or block device (POSIX, Linux).
 *
 * `struct av_virtio_blk_ops` (armvirt/dev/virtio_blk.h) implemented with positioned
 * vectored I/O on a file descriptor, for any VMM hosted on Linux:
 *
 * | op | host call |
 * | --- | --- |
 * | read / write, regular file | memcpy() between the guest's buffers and a MAP_SHARED mapping of the whole file (PROT_READ only when read-only), made at open; a bus error while copying (the file shrank, a write found the file system full, an I/O error) fails the request |
 * | read / write, otherwise | preadv() / pwritev() at the offset, straight between the guest's buffers and the file; interrupted calls (EINTR) are repeated and short transfers continued; a read past the end of the file (it shrank) fails |
 * | flush | msync(MS_SYNC) of the range written through the mapping since the last flush, then fdatasync() |
 * | discard | fallocate(FALLOC_FL_PUNCH_HOLE \| FALLOC_FL_KEEP_SIZE); a file system that cannot punch holes makes it a no-op (discard is a hint) |
 * | write_zeroes | fallocate(FALLOC_FL_ZERO_RANGE \| KEEP_SIZE), else PUNCH_HOLE \| KEEP_SIZE, else zeroes written; a method the file system refuses (EOPNOTSUPP) is not tried again |
 *
 * av_blkfile_open() checks the file the way a user needs to hear about it, one reason per
 * failure: missing, permission denied, a directory, neither a regular file nor a block
 * device, empty, a size that is not a multiple of 512 bytes, or writable access refused
 * (EACCES, EROFS or EPERM on a read-write open of a file that opens read-only: the
 * reason suggests `,ro`). Block devices are sized with BLKGETSIZE64.
 *
 * The mapping: a regular file is mapped whole when it fits the address space and mmap()
 * accepts it; block devices and files mmap() refuses (ENODEV, ENOMEM, ...) keep the
 * preadv()/pwritev() path, as does a file after av_blkfile_unmap(). Copies through the
 * mapping cost user space a memcpy() instead of the kernel a user-access copy and a
 * page-cache lookup per 4 KiB page (doc/benchmarks.md). The size stays the one seen at
 * open: shrinking the file underneath a running VMM is the user's error, but it does not
 * kill the VMM: av_blkfile_open() of a file it maps makes a process-wide SIGBUS handler
 * the signal's action (again, if something replaced it since), which turns a bus error
 * inside a backend copy into -AV_EIO for that request and passes any other SIGBUS on to
 * the action it replaced (the default one terminates). A VMM that installs its own SIGBUS
 * handler after opening its disks should chain to this one, or unmap its disks.
 *
 * Concurrency: the ops keep no file position, so they may run on any thread; the
 * caller serialises them per device as armvirt/virtio.h asks.
 */
#ifndef ARMVIRT_PORT_BLKFILE_H
#define ARMVIRT_PORT_BLKFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/dev/virtio_blk.h>

#ifdef __cplusplus
extern "C" {
#endif

/** A disk file opened by av_blkfile_open(); the context of av_blkfile_ops. */
struct av_blkfile {
	int fd;            /**< the file, -1 when closed */
	uint64_t size;     /**< bytes (a non-zero multiple of 512) */
	bool readonly;     /**< opened read-only: write, discard and write-zeroes fail */
	bool no_zero_range; /**< FALLOC_FL_ZERO_RANGE refused: not tried again */
	bool no_punch_hole; /**< FALLOC_FL_PUNCH_HOLE refused: not tried again */
	void *map;         /**< the whole file mapped MAP_SHARED, or NULL (preadv/pwritev) */
	uint64_t dirty_lo; /**< written through @c map since the last flush: [lo, hi) */
	uint64_t dirty_hi; /**< (lo == hi: nothing) */
};

/**
 * Open a disk file (O_CLOEXEC; O_RDWR, or O_RDONLY with @p readonly) and check it.
 * @param f        receives the open file (fd -1 on failure)
 * @param path     the file
 * @param readonly open it read-only
 * @param err      receives the reason on failure, one line without the file name (e.g.
 *                 "1000 bytes: not a multiple of the 512-byte sector"); may be NULL
 * @param errlen   size of @p err
 * @return 0; -AV_ENOENT (missing), -AV_EPERM (permission, read-only file system),
 *         -AV_EINVAL (a directory, another kind of file, empty, a bad size, NULL
 *         arguments) or -AV_EIO (another host error).
 */
int av_blkfile_open(struct av_blkfile *f, const char *path, bool readonly, char *err,
		    size_t errlen);

/**
 * Close the file (safe on a closed or failed `struct av_blkfile`). Data written through
 * the mapping stays in the host's page cache, as pwritev()'s would (a guest that wants it
 * on stable storage sends FLUSH).
 * @param f the file
 */
void av_blkfile_close(struct av_blkfile *f);

/**
 * Drop the file's mapping, if it has one: later requests use preadv()/pwritev(). What was
 * written through the mapping is kept (the page cache is the file's); the range not yet
 * flushed is synced by the next flush. For a VMM that prefers the system calls, and for
 * tests of that path.
 * @param f the open file
 */
void av_blkfile_unmap(struct av_blkfile *f);

/**
 * The virtio-blk backend over a `struct av_blkfile` (its @c ctx): read, write, flush,
 * discard and write_zeroes as the file comment says; each returns 0 or -AV_EIO
 * (-AV_EPERM for a change to a read-only file, -AV_ERANGE outside the file).
 * Use it for every device; the model leaves out the writes of a read-only one.
 */
extern const struct av_virtio_blk_ops av_blkfile_ops;

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_PORT_BLKFILE_H */
