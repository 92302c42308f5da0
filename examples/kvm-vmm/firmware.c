// SPDX-License-Identifier: MIT
/* armvirt-vmm's firmware files: the code bank read from a file, the variable bank in one. */
#define _GNU_SOURCE
#include "firmware.h"

#include "cli.h"
#include "files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* @size bytes of private anonymous memory filled with 0xff (erased flash), or NULL. */
static uint8_t *erased(uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0xff, size);
	return p;
}

static void bank_clear(struct vmm_fw_bank *b, uint64_t size)
{
	b->mem = NULL;
	b->size = size;
	b->fd = -1;
}

int vmm_fw_load_code(struct vmm_fw_bank *b, const char *path, uint64_t size, char *err,
		     size_t errlen)
{
	off_t len = 0;
	bank_clear(b, size);
	int fd = vmm_open_regular("--firmware", path, O_RDONLY, &len, err, errlen);
	if (fd < 0)
		return -1;
	int ret = -1;
	if (len == 0) {
		vmm_errf(err, errlen, "--firmware %s: empty file", path);
	} else if ((uint64_t)len > size) {
		vmm_errf(err, errlen, "--firmware %s: %lld bytes, more than the %llu MiB flash bank", path,
		    (long long)len, (unsigned long long)(size >> 20));
	} else if (!(b->mem = erased(size))) {
		vmm_errf(err, errlen, "--firmware %s: cannot map %llu MiB: %s", path,
		    (unsigned long long)(size >> 20), strerror(errno));
	} else if (vmm_read_all(fd, "--firmware", path, b->mem, (size_t)len, err, errlen) == 0) {
		ret = 0;
	}
	close(fd);
	if (ret && b->mem) {
		munmap(b->mem, size);
		b->mem = NULL;
	}
	return ret;
}

int vmm_fw_map_vars(struct vmm_fw_bank *b, const char *path, uint64_t size, char *err,
		    size_t errlen)
{
	off_t len = 0;
	bank_clear(b, size);
	if (!path) {
		b->mem = erased(size);
		return b->mem ? 0 : vmm_errf(err, errlen, "cannot map the %llu MiB variable bank: %s",
					(unsigned long long)(size >> 20), strerror(errno));
	}
	int fd = vmm_open_regular("--firmware-vars", path, O_RDWR | O_CREAT, &len, err, errlen);
	if (fd < 0)
		return -1;
	const char *why = NULL;
	int e = 0;
	bool extended = false;
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		e = errno;
		why = e == EWOULDBLOCK ? "in use by another armvirt-vmm" : "cannot lock it";
		if (e == EWOULDBLOCK)
			e = 0;
	} else if (len != 0 && (uint64_t)len != size) {
		close(fd);
		return vmm_errf(err, errlen, "--firmware-vars %s: %lld bytes, a variable store has %llu "
			   "(%llu MiB); give a missing or empty file for a new one", path,
			   (long long)len, (unsigned long long)size, (unsigned long long)(size >> 20));
	} else if (len == 0 && ftruncate(fd, (off_t)size)) {
		e = errno;
		why = "cannot extend it";
	} else {
		extended = len == 0;
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			e = errno;
			why = "cannot map it";
		} else {
			b->mem = p;
			if (extended) {
				memset(p, 0xff, size);
				msync(p, size, MS_SYNC);
			}
		}
	}
	if (why) {
		if (extended) /* leave the file empty, as it was */
			(void)!ftruncate(fd, 0);
		close(fd);
		return e ? vmm_errf(err, errlen, "--firmware-vars %s: %s: %s", path, why, strerror(e))
			 : vmm_errf(err, errlen, "--firmware-vars %s: %s", path, why);
	}
	b->fd = fd;
	return 0;
}

void vmm_fw_close(struct vmm_fw_bank *b)
{
	if (b->mem) {
		if (b->fd >= 0)
			msync(b->mem, b->size, MS_SYNC);
		munmap(b->mem, b->size);
	}
	if (b->fd >= 0)
		close(b->fd);
	b->mem = NULL;
	b->fd = -1;
}
