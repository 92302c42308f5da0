/* SPDX-License-Identifier: MIT */
/*
 * armvirt-vmm's command line, parsed without touching the host (unit-tested on any
 * machine).
 */
#ifndef ARMVIRT_VMM_CLI_H
#define ARMVIRT_VMM_CLI_H

#include <stdbool.h>
#include <stddef.h>

#define VMM_DEFAULT_MEM_MIB 256u
#define VMM_MAX_MEM_MIB (1024u * 1024u) /* 1 TiB: beyond any IPA size the VM uses */
#define VMM_MAX_CPUS 64u                /* AV_VMSPEC_MAX_VCPUS */
#define VMM_GICV2_MAX_CPUS 8u
#define VMM_SVE_MAX_VL 2048u            /* the architecture's largest vector length, bits */
#define VMM_MAX_DISKS 16u               /* --disk: /dev/vda .. /dev/vdp */
#define VMM_DISK_PATH_MAX 4096u         /* a --disk file name, with its NUL */
#define VMM_MAX_NETS 8u                 /* --network tap: eth0 .. eth7 */
#define VMM_IFNAME_MAX 16u              /* IFNAMSIZ: an interface name with its NUL */
#define VMM_PARAMS_MAX 2047u            /* --params: arm64 Linux's COMMAND_LINE_SIZE (2048)
					 * less its NUL; Linux would cut a longer one */

enum vmm_cmd {
	VMM_CMD_RUN = 0,
	VMM_CMD_HELP,
	VMM_CMD_VERSION,
};

/* --console: where the guest's console input and output go. */
enum vmm_console {
	VMM_CONSOLE_SERIAL = 0, /* the PL011 (ttyAMA0); the default */
	VMM_CONSOLE_VIRTIO,     /* a virtio-console (hvc0); the PL011 stays, for earlycon */
};

/* --disk FILE[,ro] */
struct vmm_disk {
	char path[VMM_DISK_PATH_MAX]; /* the file (the option's value up to its first comma) */
	bool readonly;                /* ",ro" */
};

/* --network tap[=IFNAME][,mac=MAC] */
struct vmm_net {
	char ifname[VMM_IFNAME_MAX]; /* "": the kernel names the interface (tapN) */
	unsigned char mac[6];        /* given, or 52:54:00:12:34:(0x56 + index) */
	bool mac_given;              /* ",mac=" */
};

/* 0 for "not given" in irqchip: the VMM picks GICv3 when the host has it. */
struct vmm_opts {
	enum vmm_cmd cmd;
	const char *kernel;     /* --kernel FILE (run needs it or --firmware) */
	const char *firmware;   /* --firmware FILE: flash bank 0, entered at its base */
	const char *fw_vars;    /* --firmware-vars FILE: flash bank 1, kept in FILE (with
				 * --kernel too: the banks without a firmware) */
	const char *initrd;     /* --initrd FILE */
	const char *params;     /* --params "cmdline" */
	const char *dtb_dump;   /* --dtb-dump FILE */
	const char *kvm_device; /* --kvm-device PATH (default /dev/kvm) */
	unsigned mem_mib;       /* --mem MiB */
	unsigned cpus;          /* --cpus N */
	unsigned irqchip;       /* --irqchip gicv3|gicv3-its|gicv2: 3 or 2; 0 = automatic */
	bool its;               /* --irqchip gicv3-its: an in-kernel ITS too */
	bool stats;             /* --stats */
	bool pmu;               /* --pmu: a PMUv3 for every vCPU (KVM_ARM_VCPU_PMU_V3) */
	bool no_sve;            /* --no-sve: no SVE even when the host offers it */
	unsigned sve_max_vl;    /* --sve-max-vl BITS: 0 = the host's largest */
	bool no_ptrauth;        /* --no-ptrauth: no pointer authentication */
	enum vmm_console console; /* --console serial|virtio */
	bool rng;               /* --rng: a virtio-rng fed by getrandom() */
	bool io_thread;         /* --io-thread: virtio kicks by ioeventfd to an I/O thread */
	unsigned nr_disks;      /* --disk, in order: the first is /dev/vda */
	struct vmm_disk disks[VMM_MAX_DISKS];
	unsigned nr_nets;       /* --network tap, in order: the first is eth0 */
	struct vmm_net nets[VMM_MAX_NETS];
	bool net_none;          /* --network none */
};

/*
 * Parse argv. Options take their value as the next argument or after '='.
 * @return 0 and @o filled; or -1 with a one-line reason in @err (no newline).
 */
int vmm_parse_args(int argc, char *const argv[], struct vmm_opts *o, char *err, size_t errlen);

/*
 * Parse a MAC address "xx:xx:xx:xx:xx:xx" (hex digits, either case): a unicast, non-zero
 * address. @return 0, or -1 with the reason in @why.
 */
int vmm_parse_mac(const char *s, unsigned char mac[6], const char **why);

/* Format a one-line reason into @err (when @err and @errlen are non-zero). @return -1. */
int vmm_errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The usage text. */
extern const char vmm_usage[];

#endif /* ARMVIRT_VMM_CLI_H */
