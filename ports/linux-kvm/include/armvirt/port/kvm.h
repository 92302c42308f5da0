/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/port/kvm.h
 * @brief The Linux KVM port: armvirt's VM description run on /dev/kvm (aarch64 hosts).
 *
 * The port owns what only the host can do: the VM and vCPU file descriptors, guest RAM
 * (anonymous mappings handed to KVM as memory slots), the in-kernel vGIC (GICv3 or GICv2
 * through KVM_CREATE_DEVICE, placed where the `struct av_vmspec` says), interrupt lines
 * (KVM_IRQ_LINE) and one thread per vCPU. Its run loop turns each KVM exit into an
 * armvirt typed exit (`struct av_kvm_exit`) and hands it to the library: MMIO exits to the
 * caller's `struct av_mmio_bus`; NISV exits (data aborts without a valid syndrome, e.g.
 * LDP/STP or post-indexed accesses to an emulated device) to the A64 decoder
 * (av_insn_decode_mem(), av_insn_emulate_mem()) after fetching the instruction from guest
 * memory (through the guest's stage 1, see armvirt/port/s1walk.h), with the register
 * writeback done through KVM_GET/SET_ONE_REG; PSCI system events end the run.
 *
 * PSCI runs inside KVM (0.2 or later: CPU_ON, AFFINITY_INFO, SYSTEM_OFF/RESET...), as do
 * the vGIC, the architected timers and SMCCC discovery calls.
 *
 * Lifecycle: av_kvm_open() (checks /dev/kvm: API 12 and the capabilities the port needs),
 * optionally av_kvm_set_features() (SVE, pointer authentication), av_kvm_create_vm() (VM,
 * RAM, vCPUs, vGIC and, if the description has one, the ITS), load the guest with av_kvm_ram() /
 * av_kvm_copy_to_guest() and av_kvm_set_regs(), av_kvm_run() (blocks until the guest powers
 * off or resets, an error occurs or av_kvm_request_stop() is called), av_kvm_close().
 *
 * Errors: every call returns 0 or a negative `AV_E*` code and leaves a one-line
 * explanation in av_kvm_error() (e.g. "KVM capability KVM_CAP_ARM_NISV_TO_USER is not
 * available").
 *
 * Locking: device accesses from every vCPU thread are serialised by one mutex, which the
 * caller takes too (av_kvm_lock_devices()) when it touches a device from another thread
 * (console input, say). av_kvm_irq_line() may be called with or without it held.
 * A device that may be slow (a disk doing host I/O in its handler) can have its own lock
 * instead: embed its bus entry in a `struct av_kvm_locked_dev` and set
 * AV_KVM_MMIO_F_OWN_LOCK; its MMIO exits then take only that mutex, so the other devices
 * are not held up (NISV exits take the device lock too, inside the shared one).
 */
#ifndef ARMVIRT_PORT_KVM_H
#define ARMVIRT_PORT_KVM_H

#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include <armvirt/log.h>
#include <armvirt/mmio.h>
#include <armvirt/platform.h>
#include <armvirt/regs.h>
#include <armvirt/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/** KVM_GET_API_VERSION value the port speaks. */
#define AV_KVM_API_VERSION 12
/** Most vCPUs the port runs (the description's limit). */
#define AV_KVM_MAX_VCPUS AV_VMSPEC_MAX_VCPUS
/** Signal used to kick vCPU threads out of KVM_RUN (a no-op handler is installed). */
#define AV_KVM_KICK_SIGNAL SIGUSR2

/**
 * av_mmio_dev::flags bit (one the bus leaves alone): the device is the @c mmio of a
 * `struct av_kvm_locked_dev`, and the run loop serialises its accesses with that struct's
 * @c lock rather than the shared device lock.
 */
#define AV_KVM_MMIO_F_OWN_LOCK 0x80000000u

/**
 * A bus entry with its own lock (AV_KVM_MMIO_F_OWN_LOCK). The caller initialises @c lock
 * and takes it whenever it touches the device from another thread.
 */
struct av_kvm_locked_dev {
	struct av_mmio_dev mmio; /**< the bus entry (registered with av_mmio_register()) */
	pthread_mutex_t lock;    /**< serialises the device */
};

/** armvirt's typed exits, as the run loop classifies KVM exits. */
enum av_kvm_exit_kind {
	AV_KVM_EXIT_MMIO = 0,      /**< KVM_EXIT_MMIO: an access with a valid syndrome */
	AV_KVM_EXIT_NISV,          /**< KVM_EXIT_ARM_NISV: decoded and emulated in userspace */
	AV_KVM_EXIT_SYSTEM_OFF,    /**< PSCI SYSTEM_OFF (KVM_SYSTEM_EVENT_SHUTDOWN) */
	AV_KVM_EXIT_SYSTEM_RESET,  /**< PSCI SYSTEM_RESET (KVM_SYSTEM_EVENT_RESET) */
	AV_KVM_EXIT_SYSTEM_OTHER,  /**< another system event (crash, suspend, wakeup) */
	AV_KVM_EXIT_INTR,          /**< KVM_RUN interrupted (a signal or a kick) */
	AV_KVM_EXIT_UNKNOWN,       /**< anything else: the run fails */
	AV_KVM_EXIT_NR             /**< number of kinds */
};

/** One exit, as the run loop saw and handled it (passed to the observer). */
struct av_kvm_exit {
	enum av_kvm_exit_kind kind; /**< what it was */
	unsigned vcpu;              /**< vCPU index */
	uint32_t reason;            /**< KVM's exit_reason */
	uint64_t ipa;               /**< MMIO/NISV: address of the access */
	unsigned size;              /**< MMIO: access width in bytes (NISV: element size) */
	bool is_write;              /**< MMIO/NISV: a store */
	uint64_t value;             /**< MMIO: value written or read */
	uint32_t insn;              /**< NISV: the instruction word (0 if not fetched) */
	/**
	 * 0: handled. Negative `AV_E*`: the bus or the decoder refused the access; an
	 * external data abort was injected (KVM_CAP_ARM_INJECT_EXT_DABT), or without that
	 * capability an MMIO read returned zero and a write was ignored.
	 */
	int result;
	/** MMIO/NISV: the device that took the access (NULL: none claimed it). */
	const struct av_mmio_dev *dev;
};

/**
 * Exit observer, called on the vCPU's thread after each exit was handled, with the device
 * lock not held. Must not block for long.
 */
typedef void (*av_kvm_observer_fn)(void *cookie, const struct av_kvm_exit *exit);

/** Why av_kvm_run() returned. */
enum av_kvm_stop {
	AV_KVM_STOP_NONE = 0,   /**< still running */
	AV_KVM_STOP_POWEROFF,   /**< the guest called PSCI SYSTEM_OFF */
	AV_KVM_STOP_RESET,      /**< the guest called PSCI SYSTEM_RESET */
	AV_KVM_STOP_REQUEST,    /**< av_kvm_request_stop() */
	AV_KVM_STOP_ERROR,      /**< a fatal exit or host error (see av_kvm_error()) */
};

/** What /dev/kvm offers, as av_kvm_open() found it. */
struct av_kvm_caps {
	int api_version;     /**< KVM_GET_API_VERSION */
	unsigned max_ipa;    /**< KVM_CAP_ARM_VM_IPA_SIZE: largest IPA size in bits */
	unsigned max_vcpus;  /**< KVM_CAP_MAX_VCPUS (or NR_VCPUS) */
	bool gicv3;          /**< an in-kernel vGICv3 can be created */
	bool gicv2;          /**< an in-kernel vGICv2 can be created */
	bool ext_dabt;       /**< KVM_CAP_ARM_INJECT_EXT_DABT */
	bool sve;            /**< KVM_CAP_ARM_SVE: vCPUs may have SVE */
	/** KVM_CAP_ARM_PTRAUTH_ADDRESS and _GENERIC: vCPUs may have pointer authentication */
	bool ptrauth;
	bool its;            /**< an in-kernel ITS (KVM_DEV_TYPE_ARM_VGIC_ITS) can be created */
	bool ioeventfd;      /**< KVM_CAP_IOEVENTFD: av_kvm_ioeventfd() */
	bool irqfd;          /**< KVM_CAP_IRQFD: av_kvm_irqfd() */
};

/**
 * Optional vCPU features, chosen with av_kvm_set_features() before av_kvm_create_vm();
 * all off in a zeroed `struct av_kvm`.
 */
struct av_kvm_features {
	/**
	 * SVE (KVM_ARM_VCPU_SVE, then KVM_ARM_VCPU_FINALIZE). The guest sees
	 * ID_AA64PFR0_EL1.SVE, ID_AA64ZFR0_EL1 and ZCR_EL1 as KVM presents them. SIMD&FP
	 * registers of such a vCPU are reached as the low 128 bits of its Z registers
	 * (KVM_REG_ARM64_SVE_ZREG), which the NISV emulation does.
	 */
	bool sve;
	/**
	 * With @c sve: the largest vector length offered, in bits (a multiple of 128, at most
	 * 2048); lengths above it are removed from KVM_REG_ARM64_SVE_VLS. 0: every length the
	 * host offers. More than the host offers is refused by av_kvm_create_vm().
	 */
	unsigned sve_max_vl;
	/** Address and generic pointer authentication (KVM_ARM_VCPU_PTRAUTH_ADDRESS + _GENERIC). */
	bool ptrauth;
};

/** One vCPU. Fields belong to the port. */
struct av_kvm_vcpu {
	struct av_kvm *kvm;                /**< owner */
	unsigned index;                    /**< 0 = boot vCPU */
	int fd;                            /**< vCPU file descriptor */
	void *run;                         /**< the mmap'ed `struct kvm_run` */
	size_t run_size;                   /**< its size */
	pthread_t thread;                  /**< its thread while running */
	av_atomic_bool thread_live;        /**< @c thread is valid (may be kicked) */
	uint64_t exits[AV_KVM_EXIT_NR];    /**< exits by kind */
};

/** A guest RAM region and its host mapping. */
struct av_kvm_ram {
	uint64_t ipa;   /**< guest-physical base */
	uint64_t size;  /**< bytes */
	uint8_t *hva;   /**< host mapping */
};

/** The port's state for one VM. Caller-allocated; zero it, then av_kvm_open(). */
struct av_kvm {
	int sys_fd;                                 /**< /dev/kvm */
	int vm_fd;                                  /**< the VM */
	int gic_fd;                                 /**< the vGIC device */
	int its_fd;                                 /**< the in-kernel ITS, or -1 */
	struct av_kvm_caps caps;                    /**< what the host offers */
	struct av_kvm_features feat;                /**< vCPU features (av_kvm_set_features()) */
	/** With SVE: the largest vector length the vCPUs have, in bits (after creation). */
	unsigned sve_vl;
	const struct av_vmspec *spec;               /**< the description (kept by pointer) */
	struct av_mmio_bus *bus;                    /**< emulated devices */
	pthread_mutex_t dev_lock;                   /**< serialises device accesses */
	bool dev_lock_init;                         /**< dev_lock initialised */
	unsigned nr_ram;                            /**< RAM regions mapped */
	struct av_kvm_ram ram[AV_VMSPEC_MAX_RAM];   /**< RAM */
	unsigned nr_vcpus;                          /**< vCPUs created */
	struct av_kvm_vcpu vcpus[AV_KVM_MAX_VCPUS]; /**< vCPUs */
	av_atomic_int stop;                         /**< enum av_kvm_stop, first one wins */
	av_kvm_observer_fn observer;                /**< optional exit observer */
	void *observer_cookie;                      /**< its cookie */
	uint64_t mmio_refused;                      /**< MMIO exits the bus refused */
	/** The budget of the log lines the guest can cause (accesses nothing emulates):
	 *  #AV_KVM_LOG_LINES per second of CLOCK_MONOTONIC, set up by av_kvm_open(). */
	struct av_log_budget log_budget;
	char err[192];                              /**< last error, one line */
};

/** Guest-triggered log lines per second a KVM VM may print (struct av_kvm::log_budget). */
#define AV_KVM_LOG_LINES 10

/**
 * Open @p path (NULL: "/dev/kvm") and check it: API version #AV_KVM_API_VERSION and the
 * capabilities KVM_CAP_USER_MEMORY, KVM_CAP_ONE_REG, KVM_CAP_DEVICE_CTRL,
 * KVM_CAP_ARM_PSCI_0_2, KVM_CAP_ARM_VM_IPA_SIZE, KVM_CAP_ARM_NISV_TO_USER and
 * KVM_CAP_IMMEDIATE_EXIT, and which vGICs can be created.
 *
 * @param kvm the KVM VM
 * @param path the KVM device, NULL for /dev/kvm
 * @return 0; -AV_ENOENT when the device cannot be opened; -AV_ENOTSUP for another API
 *         version or a missing capability (named in av_kvm_error()); -AV_EINVAL for NULL.
 */
int av_kvm_open(struct av_kvm *kvm, const char *path);

/**
 * Choose the vCPUs' optional features (before av_kvm_create_vm()).
 * @param kvm the KVM VM
 * @param f the vCPU features wanted
 * @return 0; -AV_ENOTSUP when the host lacks one (SVE: KVM_CAP_ARM_SVE; pointer
 *         authentication: KVM_CAP_ARM_PTRAUTH_ADDRESS and _GENERIC), named in
 *         av_kvm_error(); -AV_EINVAL for NULL, a vector length that is not a multiple of 128
 *         in 128..2048, or sve_max_vl without sve.
 */
int av_kvm_set_features(struct av_kvm *kvm, const struct av_kvm_features *f);

/**
 * Create the VM for @p spec (validated first): the IPA size spec->ipa_bits
 * (KVM_VM_TYPE_ARM_IPA_SIZE), NISV exits to userspace, one memory slot per RAM region,
 * spec->nr_vcpus vCPUs initialised with the preferred target and PSCI 0.2 (all but vCPU 0
 * powered off) and with the MPIDRs of the description and the features of
 * av_kvm_set_features(), and the in-kernel vGIC of spec->gic.version at the description's
 * addresses, with spec->gic.nr_spis SPIs, and with spec->gic.its an in-kernel ITS there
 * (KVM_DEV_TYPE_ARM_VGIC_ITS, KVM_VGIC_ITS_ADDR_TYPE, KVM_DEV_ARM_VGIC_CTRL_INIT).
 *
 * @param kvm   opened with av_kvm_open()
 * @param spec  the VM description; must stay valid while the VM exists
 * @param bus   the emulated devices (MMIO and NISV exits go there)
 * @return 0; av_vmspec_validate()'s error; -AV_ERANGE when the host cannot provide the
 *         IPA size, the vCPU count, the memory or the SVE vector length; -AV_ENOTSUP for
 *         a vGIC or an ITS the host lacks;
 *         -AV_EIO for another KVM failure.
 */
int av_kvm_create_vm(struct av_kvm *kvm, const struct av_vmspec *spec, struct av_mmio_bus *bus);

/**
 * Install an exit observer (before av_kvm_run()).
 * @param kvm the KVM VM
 * @param fn called for every exit, NULL to remove
 * @param cookie passed unchanged to @p fn
 */
void av_kvm_set_observer(struct av_kvm *kvm, av_kvm_observer_fn fn, void *cookie);

/**
 * Host pointer to guest-physical [@p ipa, @p ipa + @p len) if it lies inside one RAM
 * region, else NULL.
 * @param kvm the KVM VM
 * @param ipa guest-physical start address
 * @param len length in bytes
 * @return the host pointer, or NULL
 */
void *av_kvm_ram(struct av_kvm *kvm, uint64_t ipa, uint64_t len);

/**
 * Copy into guest RAM (or zero it when @p src is NULL); the shape of `av_boot_copy_fn`
 * (armvirt/boot.h), with the `struct av_kvm *` as the cookie.
 * @param kvm the KVM VM
 * @param ipa guest-physical start address
 * @param src bytes to copy
 * @param len length in bytes
 * @return 0 or -AV_EFAULT when the range is not inside one RAM region.
 */
int av_kvm_copy_to_guest(void *kvm, uint64_t ipa, const void *src, uint64_t len);

/**
 * Set a vCPU's general registers, SP_EL1, PC and PSTATE (before av_kvm_run()), e.g. from
 * av_boot_linux_regs(). SIMD&FP registers are left at KVM's reset values (zero).
 * @param kvm the KVM VM
 * @param vcpu vCPU index
 * @param regs the registers to set
 * @return 0, -AV_EINVAL for a bad index, -AV_EIO when KVM refuses.
 */
int av_kvm_set_regs(struct av_kvm *kvm, unsigned vcpu, const struct av_regs *regs);

/**
 * Drive the level of SPI @p spi (INTID @p spi + 32) of the in-kernel vGIC.
 * @param kvm the KVM VM
 * @param spi SPI number (INTID - 32)
 * @param level the line level
 * @return 0, -AV_EINVAL for an SPI beyond the GIC, -AV_EIO when KVM refuses.
 */
int av_kvm_irq_line(struct av_kvm *kvm, unsigned spi, bool level);

/**
 * Have KVM signal @p fd (an eventfd) for a guest write of @p len bytes at @p gpa instead
 * of exiting to user space (KVM_IOEVENTFD, MMIO): with @p match, only for a write of
 * @p *match (KVM_IOEVENTFD_FLAG_DATAMATCH), e.g. a virtio-mmio QueueNotify of one queue.
 * The write then never reaches the bus; the thread reading @p fd does what it would have
 * done (av_virtio_queue_notify()).
 * @param kvm   the KVM VM (created)
 * @param gpa   guest-physical address
 * @param len   1, 2, 4 or 8
 * @param match the value to match, or NULL for any
 * @param fd    an eventfd
 * @return 0, -AV_ENOTSUP without KVM_CAP_IOEVENTFD, -AV_EINVAL, -AV_EIO when KVM refuses.
 */
int av_kvm_ioeventfd(struct av_kvm *kvm, uint64_t gpa, unsigned len, const uint64_t *match,
		     int fd);

/**
 * Have a write to @p fd (an eventfd) inject an edge on SPI @p spi (KVM_IRQFD; the SPI
 * number is the GSI of KVM's default arm64 routing), without a KVM_IRQ_LINE ioctl.
 * @param kvm the KVM VM (created)
 * @param spi SPI number (INTID - 32)
 * @param fd  an eventfd
 * @return 0, -AV_ENOTSUP without KVM_CAP_IRQFD, -AV_EINVAL, -AV_EIO when KVM refuses.
 */
int av_kvm_irqfd(struct av_kvm *kvm, unsigned spi, int fd);

/**
 * Take the device lock (see the file comment).
 * @param kvm the KVM VM
 */
void av_kvm_lock_devices(struct av_kvm *kvm);
/**
 * Release the device lock.
 * @param kvm the KVM VM
 */
void av_kvm_unlock_devices(struct av_kvm *kvm);

/**
 * Run every vCPU on its own thread until the VM stops; the calling thread waits.
 * @param kvm the KVM VM
 * @return why it stopped (AV_KVM_STOP_ERROR: av_kvm_error() says why).
 */
enum av_kvm_stop av_kvm_run(struct av_kvm *kvm);

/**
 * Ask a running VM to stop with @p why (the first reason recorded wins): every vCPU
 * thread leaves KVM_RUN at once. Async-signal-safe, so a signal handler may call it.
 * @param kvm the KVM VM
 * @param why the reason av_kvm_run() returns
 */
void av_kvm_request_stop(struct av_kvm *kvm, enum av_kvm_stop why);

/**
 * Release everything (file descriptors, RAM). Safe on a partly set-up or zeroed @p kvm.
 * @param kvm the KVM VM
 */
void av_kvm_close(struct av_kvm *kvm);

/**
 * The last error as one line ("" when none).
 * @param kvm the KVM VM
 * @return the message, never NULL
 */
const char *av_kvm_error(const struct av_kvm *kvm);

/**
 * Name of an exit kind ("mmio", "nisv", "system-off", ...).
 * @param kind the exit kind
 * @return the name, a constant string
 */
const char *av_kvm_exit_name(enum av_kvm_exit_kind kind);

/**
 * Sum of one exit kind over every vCPU.
 * @param kvm the KVM VM
 * @param kind the exit kind
 * @return the count
 */
uint64_t av_kvm_exit_count(const struct av_kvm *kvm, enum av_kvm_exit_kind kind);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_PORT_KVM_H */
