/* SPDX-License-Identifier: MIT */
/*
 * armvirt-vmm's virtio devices: the --disk files (virtio-blk), the virtio-console
 * (--console virtio), the virtio-rng (--rng) and the virtio-net devices (--network tap) on the virtio-mmio slots of the VM
 * description, every other slot an empty one.
 *
 * Slot order (the first free slot first): the disks in command-line order (slot 0 is
 * /dev/vda), then the console, then the entropy source, then the networks (eth0 first). Slot n is at 0x0a000000 + n * 0x200
 * with SPI 16 + n (AV_VIRT_VIRTIO_*).
 */
#ifndef ARMVIRT_VMM_VIRTIO_H
#define ARMVIRT_VMM_VIRTIO_H

#include <stddef.h>
#include <stdio.h>

#include <armvirt/mmio.h>
#include <armvirt/platform.h>
#include <armvirt/port/kvm.h>

#include "cli.h"

/* Largest number of bus entries the slots take (one per virtio-mmio slot). */
#define VMM_VIRTIO_BUS_ENTRIES AV_VMSPEC_MAX_VIRTIO

/*
 * Open and check the --disk files (before anything else is set up).
 * @return 0; or -1 with one line in @err ("--disk FILE: reason").
 */
int vmm_virtio_open_disks(const struct vmm_opts *o, char *err, size_t errlen);

/*
 * Open the --network TAP interfaces (before the VM is created).
 * @return 0; or -1 with one line in @err ("--network tap=NAME: reason").
 */
int vmm_virtio_open_nets(const struct vmm_opts *o, char *err, size_t errlen);

/*
 * Create the devices over the VM's RAM (after av_kvm_create_vm()) and register every
 * virtio-mmio slot of @spec on @bus.
 * @return 0; or -1 with one line in @err.
 */
int vmm_virtio_setup(struct av_kvm *kvm, const struct av_vmspec *spec, struct av_mmio_bus *bus,
		     const struct vmm_opts *o, char *err, size_t errlen);

/* Whether a virtio-console exists (console input goes there). */
bool vmm_virtio_has_console(void);

/* Console input for the guest: the bytes the virtio-console took (0: no buffer posted). */
size_t vmm_virtio_console_input(const void *buf, size_t len);

/* --stats: one line per device. */
void vmm_virtio_print_stats(FILE *out);

/* Whether @d is an empty slot (statistics summed into one line). */
bool vmm_virtio_is_empty_slot(const struct av_mmio_dev *d);

/* Stop the I/O thread (--io-thread) before the VM's memory goes. */
void vmm_virtio_stop(void);

/* Stop the I/O thread and close the disk files and eventfds. */
void vmm_virtio_close(void);

#endif /* ARMVIRT_VMM_VIRTIO_H */
