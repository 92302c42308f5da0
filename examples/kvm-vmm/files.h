/* SPDX-License-Identifier: MIT */
/*
 * armvirt-vmm's input files (--kernel, --initrd, --firmware, --firmware-vars): opened without
 * blocking (a FIFO is refused, not waited on), only regular files accepted, read whole with
 * a file that shrinks under the reader reported as such. Host-only code without KVM,
 * unit-tested on any machine (test/kvm/test_cli.c). Every failure is one line in @err,
 * starting with the option and the path ("--initrd /tmp/x: a directory, not a file").
 */
#ifndef ARMVIRT_VMM_FILES_H
#define ARMVIRT_VMM_FILES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Open @path for option @opt with open(2) @flags (plus O_CLOEXEC and O_NOCTTY; O_CREAT
 * creates it 0644). Only a regular file is kept: a directory, a FIFO, a device or a socket
 * is refused by kind, and a FIFO without a writer does not block the open.
 * @return the descriptor (blocking mode) with the file's size in @len, or -1 with the
 *         reason in @err.
 */
int vmm_open_regular(const char *opt, const char *path, int flags, off_t *len, char *err,
		     size_t errlen);

/*
 * Read exactly @len bytes from @fd's current offset into @buf (EINTR retried).
 * @return 0; or -1 with the reason in @err: a read error, or end of file before @len bytes
 *         (the file shrank while it was read, or reports a size it does not have).
 */
int vmm_read_all(int fd, const char *opt, const char *path, void *buf, size_t len, char *err,
		 size_t errlen);

/*
 * A whole regular file of 1 to @max bytes in malloc'd memory (free() it). @room names
 * what @max is in the message for a larger file ("the guest's 256 MiB of RAM").
 * @return the buffer with its size in @len, or NULL with the reason in @err.
 */
void *vmm_load_file(const char *opt, const char *path, uint64_t max, const char *room,
		    size_t *len, char *err, size_t errlen);

#endif /* ARMVIRT_VMM_FILES_H */
