/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm-linux-net*.bin: Linux VMs on the virtual switch (doc/baremetal.md "Networks").
 *
 *   linux-net        linux0 and linux1 on network 1 (scripts/demo.sh)
 *   linux-net-iso    the same, and linux2 alone on network 2 (BM_NET_ISO)
 *   linux-net-flood  the same, and linux2 on network 1 too (BM_NET_FLOOD)
 *
 * Every VM gets its own copy of the Image QEMU loaded at 0x4400_0000 (-device loader), the
 * initramfs (-initrd) and the command line (-append); 320 MiB of RAM, one vCPU free to run
 * on every pCPU and a virtio-rng; no virtio-console, so that console input (Ctrl-] n)
 * reaches the shells on their PL011s. The guests tell themselves apart by
 * their MAC address (02:41:56:00:<VM index>:<port>). test/guest/baremetal-net.sh.
 */
#include "progs.h"

#define BM_LINUX_IMAGE_PA 0x44000000ull
#define NET_VM(nm, cpu, net) \
	{ .name = (nm), .ram_size = BM_MIB(320), .nr_vcpus = 1, .first_pcpu = (cpu), \
	  .affinity = BM_ALL_PCPUS, .prio = 10, .kernel = BM_LOADER(BM_LINUX_IMAGE_PA), \
	  .initrd = BM_BOARD_INITRD, .cmdline = NULL, \
	  .devices = BM_DEV_ALL | BM_DEV_VIRTIO_RNG, .nets = { (net) } }

const struct bm_vm_desc bm_vms[] = {
	NET_VM("linux0", 0, 1),
	NET_VM("linux1", 1, 1),
#if defined(BM_NET_ISO)
	NET_VM("linux2", 0, 2),
#elif defined(BM_NET_FLOOD)
	NET_VM("linux2", 0, 1),
#endif
};
const unsigned bm_nr_vms = sizeof(bm_vms) / sizeof(bm_vms[0]);
