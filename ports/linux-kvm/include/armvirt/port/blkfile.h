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
 * | read / write | preadv() / pwritev() at the offset, straight between the guest's buffers and the file; interrupted calls (EINTR) are repeated and short transfers continued; a read past the end of the file (it shrank) fails |
 * | flush | fdatasync() |
 * | discard | fallocate(FALLOC_FL_PUNCH_HOLE \| FALLOC_FL_KEEP_SIZE); a file system that cannot punch holes makes it a no-op (discard is a hint) |
 * | write_zeroes | fallocate(FALLOC_FL_ZERO_RANGE \| KEEP_SIZE), else PUNCH_HOLE \| KEEP_SIZE, else zeroes written; a method the file system refuses (EOPNOTSUPP) is not tried again |
 *
 * av_blkfile_open() checks the file the way a user needs to hear about it, one reason per
 * failure: missing, permission denied, a directory, neither a regular file nor a block
 * device, empty, a size that is not a multiple of 512 bytes, or writable access refused
 * (EACCES, EROFS or EPERM on a read-write open of a file that opens read-only: the
 * reason suggests `,ro`). Block devices are sized with BLKGETSIZE64.
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
 * Close the file (safe on a closed or failed `struct av_blkfile`).
 * @param f the file
 */
void av_blkfile_close(struct av_blkfile *f);

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
