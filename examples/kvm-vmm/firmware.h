/* SPDX-License-Identifier: MIT */
/*
 * armvirt-vmm's firmware files (--firmware, --firmware-vars): the memory behind the two
 * flash banks. Host-only code without KVM, unit-tested on any machine.
 */
#ifndef ARMVIRT_VMM_FIRMWARE_H
#define ARMVIRT_VMM_FIRMWARE_H

#include <stddef.h>
#include <stdint.h>

/* The memory of one flash bank. */
struct vmm_fw_bank {
	uint8_t *mem;  /* page-aligned, @size bytes */
	uint64_t size; /* the bank's size */
	int fd;        /* the file kept open (and locked) while mapped, or -1 */
};

/*
 * The code bank: @size bytes of private memory, all 0xff (erased flash), with the file at
 * @path copied to its start. The file must be a non-empty regular file of at most @size
 * bytes. @return 0, or -1 with a one-line reason in @err.
 */
int vmm_fw_load_code(struct vmm_fw_bank *b, const char *path, uint64_t size, char *err,
		     size_t errlen);

/*
 * The variable bank: with @path, the file mapped shared (guest writes land in it), locked
 * against a second armvirt-vmm; a missing or empty file becomes @size bytes of 0xff, a
 * file of another size is refused. Without @path (NULL), @size bytes of private memory,
 * all 0xff. @return 0, or -1 with a one-line reason in @err.
 */
int vmm_fw_map_vars(struct vmm_fw_bank *b, const char *path, uint64_t size, char *err,
		    size_t errlen);

/* Flush a file-backed bank to its file, unmap it and close the file. */
void vmm_fw_close(struct vmm_fw_bank *b);

#endif /* ARMVIRT_VMM_FIRMWARE_H */
