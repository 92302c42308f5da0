// SPDX-License-Identifier: MIT
/*
 * The Linux KVM port: /dev/kvm checks, VM and vCPU creation, memory slots, the in-kernel
 * vGIC, interrupt lines and the per-vCPU run loops (MMIO, NISV and system-event exits).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <armvirt/insn.h>
#include <armvirt/log.h>
#include <armvirt/port/kvm.h>
#include <armvirt/port/s1walk.h>

/* ---- errors ---- */

__attribute__((format(printf, 2, 3)))
static int set_err(struct av_kvm *kvm, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(kvm->err, sizeof(kvm->err), fmt, ap);
	va_end(ap);
	return 0;
}

const char *av_kvm_error(const struct av_kvm *kvm)
{
	return kvm ? kvm->err : "";
}

static const char *const exit_names[AV_KVM_EXIT_NR] = {
	[AV_KVM_EXIT_MMIO] = "mmio",
	[AV_KVM_EXIT_NISV] = "nisv",
	[AV_KVM_EXIT_SYSTEM_OFF] = "system-off",
	[AV_KVM_EXIT_SYSTEM_RESET] = "system-reset",
	[AV_KVM_EXIT_SYSTEM_OTHER] = "system-other",
	[AV_KVM_EXIT_INTR] = "intr",
	[AV_KVM_EXIT_UNKNOWN] = "unknown",
};

const char *av_kvm_exit_name(enum av_kvm_exit_kind kind)
{
	if ((unsigned)kind >= AV_KVM_EXIT_NR)
		return "?";
	return exit_names[kind];
}

uint64_t av_kvm_exit_count(const struct av_kvm *kvm, enum av_kvm_exit_kind kind)
{
	uint64_t n = 0;
	if (!kvm || (unsigned)kind >= AV_KVM_EXIT_NR)
		return 0;
	for (unsigned i = 0; i < kvm->nr_vcpus; i++)
		n += kvm->vcpus[i].exits[kind];
	return n;
}

/* ---- /dev/kvm ---- */

struct cap_req {
	long cap;
	const char *name;
};

#define CAP(x) { x, #x }
static const struct cap_req required_caps[] = {
	CAP(KVM_CAP_USER_MEMORY),
	CAP(KVM_CAP_ONE_REG),
	CAP(KVM_CAP_DEVICE_CTRL),
	CAP(KVM_CAP_ARM_PSCI_0_2),
	CAP(KVM_CAP_ARM_VM_IPA_SIZE),
	CAP(KVM_CAP_ARM_NISV_TO_USER),
	CAP(KVM_CAP_IMMEDIATE_EXIT),
};

static void kick_handler(int sig)
{
	(void)sig;
}

/* The clock of the log budget: CLOCK_MONOTONIC in nanoseconds. */
static uint64_t mono_ns(void *cookie)
{
	struct timespec ts;

	(void)cookie;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int av_kvm_open(struct av_kvm *kvm, const char *path)
{
	if (!kvm)
		return -AV_EINVAL;
	memset(kvm, 0, sizeof(*kvm));
	av_log_budget_init(&kvm->log_budget, "guest", AV_KVM_LOG_LINES, 1000000000u, mono_ns,
			   NULL);
	kvm->sys_fd = kvm->vm_fd = kvm->gic_fd = kvm->its_fd = -1;
	if (!path)
		path = "/dev/kvm";

	kvm->sys_fd = open(path, O_RDWR | O_CLOEXEC);
	if (kvm->sys_fd < 0) {
		set_err(kvm, "cannot open %s: %s", path, strerror(errno));
		return -AV_ENOENT;
	}
	int ver = ioctl(kvm->sys_fd, KVM_GET_API_VERSION, 0);
	kvm->caps.api_version = ver;
	if (ver != AV_KVM_API_VERSION) {
		set_err(kvm, "%s: KVM API version %d, need %d", path, ver, AV_KVM_API_VERSION);
		return -AV_ENOTSUP;
	}
	for (size_t i = 0; i < sizeof(required_caps) / sizeof(required_caps[0]); i++) {
		int r = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, required_caps[i].cap);
		if (r <= 0) {
			set_err(kvm, "KVM capability %s is not available", required_caps[i].name);
			return -AV_ENOTSUP;
		}
		if (required_caps[i].cap == KVM_CAP_ARM_VM_IPA_SIZE)
			kvm->caps.max_ipa = (unsigned)r;
	}
	int r = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);
	if (r <= 0)
		r = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_NR_VCPUS);
	kvm->caps.max_vcpus = r > 0 ? (unsigned)r : 1;
	kvm->caps.ext_dabt = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION,
				   KVM_CAP_ARM_INJECT_EXT_DABT) > 0;
	kvm->caps.sve = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_SVE) > 0;
	kvm->caps.ioeventfd = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IOEVENTFD) > 0;
	kvm->caps.irqfd = ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_IRQFD) > 0;
	kvm->caps.readonly_mem =
		ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_READONLY_MEM) > 0;
	kvm->caps.ptrauth =
		ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PTRAUTH_ADDRESS) > 0 &&
		ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PTRAUTH_GENERIC) > 0;

	/* Which vGICs exist: a throw-away VM answers KVM_CREATE_DEVICE_TEST. */
	int vm = ioctl(kvm->sys_fd, KVM_CREATE_VM, 0);
	if (vm < 0) {
		set_err(kvm, "KVM_CREATE_VM failed: %s", strerror(errno));
		return -AV_EIO;
	}
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_V3,
					.flags = KVM_CREATE_DEVICE_TEST };
	kvm->caps.gicv3 = ioctl(vm, KVM_CREATE_DEVICE, &cd) == 0;
	cd.type = KVM_DEV_TYPE_ARM_VGIC_V2;
	cd.flags = KVM_CREATE_DEVICE_TEST;
	kvm->caps.gicv2 = ioctl(vm, KVM_CREATE_DEVICE, &cd) == 0;
	cd.type = KVM_DEV_TYPE_ARM_VGIC_ITS;
	cd.flags = KVM_CREATE_DEVICE_TEST;
	kvm->caps.its = kvm->caps.gicv3 && ioctl(vm, KVM_CREATE_DEVICE, &cd) == 0;
	close(vm);
	if (!kvm->caps.gicv3 && !kvm->caps.gicv2) {
		set_err(kvm, "KVM offers no in-kernel vGIC (KVM_DEV_TYPE_ARM_VGIC_V3/V2)");
		return -AV_ENOTSUP;
	}

	if (pthread_mutex_init(&kvm->dev_lock, NULL)) {
		set_err(kvm, "cannot initialise the device lock");
		return -AV_EIO;
	}
	kvm->dev_lock_init = true;

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(AV_KVM_KICK_SIGNAL, &sa, NULL);
	return 0;
}

/* ---- registers ---- */

#define CORE_REG(field) \
	(KVM_REG_ARM64 | KVM_REG_ARM_CORE | (offsetof(struct kvm_regs, field) / sizeof(__u32)))
#define CORE_REG64(field) (CORE_REG(field) | KVM_REG_SIZE_U64)
#define SYS_REG(op0, op1, crn, crm, op2) ARM64_SYS_REG(op0, op1, crn, crm, op2)

#define REG_SCTLR_EL1 SYS_REG(3, 0, 1, 0, 0)
#define REG_TTBR0_EL1 SYS_REG(3, 0, 2, 0, 0)
#define REG_TTBR1_EL1 SYS_REG(3, 0, 2, 0, 1)
#define REG_TCR_EL1 SYS_REG(3, 0, 2, 0, 2)
#define REG_MPIDR_EL1 SYS_REG(3, 0, 0, 0, 5)

static uint64_t reg_x(unsigned n)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U64 | KVM_REG_ARM_CORE |
	       ((offsetof(struct kvm_regs, regs.regs) + n * 8) / sizeof(__u32));
}

static uint64_t reg_v(unsigned n)
{
	return KVM_REG_ARM64 | KVM_REG_SIZE_U128 | KVM_REG_ARM_CORE |
	       ((offsetof(struct kvm_regs, fp_regs.vregs) + n * 16) / sizeof(__u32));
}

static int get_reg(int fd, uint64_t id, void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };
	return ioctl(fd, KVM_GET_ONE_REG, &r) ? -AV_EIO : 0;
}

static int set_reg(int fd, uint64_t id, const void *val)
{
	struct kvm_one_reg r = { .id = id, .addr = (uintptr_t)val };
	return ioctl(fd, KVM_SET_ONE_REG, &r) ? -AV_EIO : 0;
}

/* One Z register slice as KVM_REG_ARM64_SVE_ZREG moves it: 2048 bits, memory order. */
#define ZREG_BYTES 256

/*
 * SIMD&FP register Vn. KVM refuses the KVM_REG_ARM_CORE V registers of an SVE vCPU: there
 * Vn is the low 128 bits of Zn. Writing the whole slice with the bits above 127 zero is what
 * an AdvSIMD or FP write to Vn does to Zn architecturally.
 */
static int get_vreg(const struct av_kvm *kvm, int fd, unsigned n, uint64_t v[2])
{
	uint8_t z[ZREG_BYTES] __attribute__((aligned(16)));
	int ret;

	if (!kvm->feat.sve)
		return get_reg(fd, reg_v(n), v);
	ret = get_reg(fd, KVM_REG_ARM64_SVE_ZREG(n, 0), z);
	if (!ret)
		memcpy(v, z, 16);
	return ret;
}

static int set_vreg(const struct av_kvm *kvm, int fd, unsigned n, const uint64_t v[2])
{
	uint8_t z[ZREG_BYTES] __attribute__((aligned(16)));

	if (!kvm->feat.sve)
		return set_reg(fd, reg_v(n), v);
	memset(z, 0, sizeof(z));
	memcpy(z, v, 16);
	return set_reg(fd, KVM_REG_ARM64_SVE_ZREG(n, 0), z);
}

/* Which stack pointer an instruction at @pstate uses: SP_EL1 at EL1h, else SP_EL0. */
static uint64_t sp_reg(uint64_t pstate)
{
	return (pstate & 0xf) == 5 ? CORE_REG64(sp_el1) : CORE_REG64(regs.sp);
}

int av_kvm_set_regs(struct av_kvm *kvm, unsigned vcpu, const struct av_regs *regs)
{
	if (!kvm || !regs || vcpu >= kvm->nr_vcpus)
		return -AV_EINVAL;
	int fd = kvm->vcpus[vcpu].fd;
	int ret = 0;
	for (unsigned i = 0; i < 31 && !ret; i++)
		ret = set_reg(fd, reg_x(i), &regs->x[i]);
	if (!ret)
		ret = set_reg(fd, CORE_REG64(regs.pstate), &regs->pstate);
	if (!ret)
		ret = set_reg(fd, sp_reg(regs->pstate), &regs->sp);
	if (!ret)
		ret = set_reg(fd, CORE_REG64(regs.pc), &regs->pc);
	if (ret)
		set_err(kvm, "vCPU %u: KVM_SET_ONE_REG failed: %s", vcpu, strerror(errno));
	return ret;
}

/* ---- memory ---- */

void *av_kvm_ram(struct av_kvm *kvm, uint64_t ipa, uint64_t len)
{
	if (!kvm)
		return NULL;
	for (unsigned i = 0; i < kvm->nr_ram; i++) {
		const struct av_kvm_ram *r = &kvm->ram[i];
		if (ipa >= r->ipa && ipa - r->ipa <= r->size && len <= r->size - (ipa - r->ipa))
			return r->hva + (ipa - r->ipa);
	}
	return NULL;
}

int av_kvm_copy_to_guest(void *cookie, uint64_t ipa, const void *src, uint64_t len)
{
	void *dst = av_kvm_ram(cookie, ipa, len);
	if (!dst)
		return -AV_EFAULT;
	if (src)
		memcpy(dst, src, len);
	else
		memset(dst, 0, len);
	return 0;
}

/* Host pointer to [@ipa, @ipa + @len) in RAM or in a caller slot (mapped or not). */
static const void *guest_ptr(struct av_kvm *kvm, uint64_t ipa, uint64_t len)
{
	const void *p = av_kvm_ram(kvm, ipa, len);
	for (unsigned i = 0; !p && i < kvm->nr_slots; i++) {
		const struct av_kvm_slot *sl = &kvm->slots[i];
		if (ipa >= sl->ipa && ipa - sl->ipa <= sl->size && len <= sl->size - (ipa - sl->ipa))
			p = sl->hva + (ipa - sl->ipa);
	}
	return p;
}

/* Caller slot @i is KVM memory slot AV_VMSPEC_MAX_RAM + @i (RAM takes the first ones). */
/*
 * Guest RAM, 2 MiB-aligned in our address space: reserve @size plus 2 MiB, keep the aligned
 * part and unmap the slack on both sides. With the IPA base 2 MiB-aligned too, KVM can map
 * the RAM with stage-2 blocks once the kernel backs it with huge pages (MADV_HUGEPAGE);
 * with a misaligned mapping it falls back to 4 KiB pages and the guest takes many more
 * stage-2 faults while it touches its memory. @return the mapping or MAP_FAILED.
 */
#define RAM_ALIGN (UINT64_C(2) << 20)

static void *map_ram(uint64_t size)
{
	uint64_t len = size + RAM_ALIGN;
	if (len < size)
		return MAP_FAILED;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return MAP_FAILED;
	uintptr_t start = ((uintptr_t)p + RAM_ALIGN - 1) & ~(uintptr_t)(RAM_ALIGN - 1);
	size_t head = start - (uintptr_t)p, tail = len - head - size;
	if (head)
		munmap(p, head);
	if (tail)
		munmap((char *)start + size, tail);
	madvise((void *)start, size, MADV_HUGEPAGE);
	return (void *)start;
}

static int set_slot(struct av_kvm *kvm, unsigned i, bool map)
{
	const struct av_kvm_slot *sl = &kvm->slots[i];
	struct kvm_userspace_memory_region mr = {
		.slot = AV_VMSPEC_MAX_RAM + i,
		.flags = (sl->flags & AV_KVM_SLOT_READONLY) ? KVM_MEM_READONLY : 0,
		.guest_phys_addr = sl->ipa,
		.memory_size = map ? sl->size : 0,
		.userspace_addr = (uintptr_t)sl->hva,
	};
	if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr)) {
		set_err(kvm, "KVM_SET_USER_MEMORY_REGION (%s slot %u at %#llx) failed: %s",
			map ? "mapping" : "removing", i, (unsigned long long)sl->ipa,
			strerror(errno));
		return -AV_EIO;
	}
	return 0;
}

static bool overlaps(uint64_t a, uint64_t alen, uint64_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

int av_kvm_add_slot(struct av_kvm *kvm, uint64_t ipa, void *hva, uint64_t size,
		    unsigned flags, unsigned *id)
{
	if (!kvm || !hva || kvm->vm_fd < 0 || !kvm->spec)
		return -AV_EINVAL;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	if (!size || (ipa | size | (uintptr_t)hva) & (page - 1) || flags & ~AV_KVM_SLOT_READONLY) {
		set_err(kvm, "memory slot at %#llx (%#llx bytes, flags %#x): not page aligned or "
			"unknown flags", (unsigned long long)ipa, (unsigned long long)size, flags);
		return -AV_EINVAL;
	}
	if (ipa + size < ipa || (kvm->spec->ipa_bits < 64 && ipa + size > 1ull << kvm->spec->ipa_bits)) {
		set_err(kvm, "memory slot at %#llx: beyond the %u-bit IPA space",
			(unsigned long long)ipa, kvm->spec->ipa_bits);
		return -AV_EINVAL;
	}
	for (unsigned i = 0; i < kvm->nr_ram; i++)
		if (overlaps(ipa, size, kvm->ram[i].ipa, kvm->ram[i].size)) {
			set_err(kvm, "memory slot at %#llx overlaps RAM", (unsigned long long)ipa);
			return -AV_EINVAL;
		}
	for (unsigned i = 0; i < kvm->nr_slots; i++)
		if (overlaps(ipa, size, kvm->slots[i].ipa, kvm->slots[i].size)) {
			set_err(kvm, "memory slot at %#llx overlaps slot %u", (unsigned long long)ipa, i);
			return -AV_EINVAL;
		}
	if (kvm->nr_slots >= AV_KVM_MAX_SLOTS) {
		set_err(kvm, "more than %u memory slots", AV_KVM_MAX_SLOTS);
		return -AV_ENOSPC;
	}
	if ((flags & AV_KVM_SLOT_READONLY) && !kvm->caps.readonly_mem) {
		set_err(kvm, "KVM capability KVM_CAP_READONLY_MEM is not available");
		return -AV_ENOTSUP;
	}
	unsigned n = kvm->nr_slots;
	kvm->slots[n] = (struct av_kvm_slot){ .ipa = ipa, .size = size, .hva = hva, .flags = flags };
	int ret = set_slot(kvm, n, true);
	if (ret)
		return ret;
	kvm->slots[n].mapped = true;
	kvm->nr_slots = n + 1;
	if (id)
		*id = n;
	return 0;
}

int av_kvm_slot_map(struct av_kvm *kvm, unsigned id, bool map)
{
	if (!kvm || id >= kvm->nr_slots)
		return -AV_EINVAL;
	struct av_kvm_slot *sl = &kvm->slots[id];
	if (sl->mapped == map)
		return 0;
	int ret = set_slot(kvm, id, map);
	if (ret)
		return ret;
	sl->mapped = map;
	sl->toggles++;
	return 0;
}

/* ---- VM creation ---- */

int av_kvm_set_features(struct av_kvm *kvm, const struct av_kvm_features *f)
{
	if (!kvm || !f)
		return -AV_EINVAL;
	if (f->sve_max_vl && (!f->sve || f->sve_max_vl % 128 || f->sve_max_vl > 2048)) {
		set_err(kvm, "SVE vector length %u: expected a multiple of 128 up to 2048, with SVE",
			f->sve_max_vl);
		return -AV_EINVAL;
	}
	if (f->sve && !kvm->caps.sve) {
		set_err(kvm, "this host's KVM offers no SVE (KVM_CAP_ARM_SVE)");
		return -AV_ENOTSUP;
	}
	if (f->ptrauth && !kvm->caps.ptrauth) {
		set_err(kvm, "this host's KVM offers no pointer authentication "
			     "(KVM_CAP_ARM_PTRAUTH_ADDRESS/_GENERIC)");
		return -AV_ENOTSUP;
	}
	kvm->feat = *f;
	return 0;
}

/*
 * SVE before the vCPU runs: the vector lengths above feat.sve_max_vl are removed from
 * KVM_REG_ARM64_SVE_VLS (bit vq - 1 of the bitmap: vector length vq * 128 bits), then the
 * configuration is finalized. Records the largest length left in kvm->sve_vl.
 */
static int setup_sve(struct av_kvm *kvm, struct av_kvm_vcpu *v)
{
	uint64_t vls[KVM_ARM64_SVE_VLS_WORDS];
	unsigned host_max = 0, max = 0;
	unsigned limit = kvm->feat.sve_max_vl / 128;

	if (get_reg(v->fd, KVM_REG_ARM64_SVE_VLS, vls)) {
		set_err(kvm, "vCPU %u: reading KVM_REG_ARM64_SVE_VLS failed: %s", v->index,
			strerror(errno));
		return -AV_EIO;
	}
	for (unsigned vq = KVM_ARM64_SVE_VQ_MIN; vq <= KVM_ARM64_SVE_VQ_MAX; vq++) {
		unsigned w = (vq - KVM_ARM64_SVE_VQ_MIN) / 64, b = (vq - KVM_ARM64_SVE_VQ_MIN) % 64;

		if (!(vls[w] >> b & 1))
			continue;
		host_max = vq;
		if (limit && vq > limit)
			vls[w] &= ~(UINT64_C(1) << b);
		else
			max = vq;
	}
	if (limit && limit > host_max) {
		set_err(kvm, "SVE vector length %u bits: this host's KVM offers at most %u",
			limit * 128, host_max * 128);
		return -AV_ERANGE;
	}
	if (!max) {
		set_err(kvm, "SVE: no vector length of at most %u bits on this host", limit * 128);
		return -AV_ERANGE;
	}
	if (limit && set_reg(v->fd, KVM_REG_ARM64_SVE_VLS, vls)) {
		set_err(kvm, "vCPU %u: setting KVM_REG_ARM64_SVE_VLS failed: %s", v->index,
			strerror(errno));
		return -AV_EIO;
	}
	int what = KVM_ARM_VCPU_SVE;
	if (ioctl(v->fd, KVM_ARM_VCPU_FINALIZE, &what)) {
		set_err(kvm, "vCPU %u: KVM_ARM_VCPU_FINALIZE (SVE) failed: %s", v->index,
			strerror(errno));
		return -AV_EIO;
	}
	kvm->sve_vl = max * 128;
	return 0;
}

static int dev_attr(struct av_kvm *kvm, int fd, uint32_t group, uint64_t attr, void *val,
		    const char *what)
{
	struct kvm_device_attr a = { .group = group, .attr = attr, .addr = (uintptr_t)val };
	if (ioctl(fd, KVM_SET_DEVICE_ATTR, &a)) {
		set_err(kvm, "vGIC: setting %s failed: %s", what, strerror(errno));
		return -AV_EIO;
	}
	return 0;
}

static int vgic_attr(struct av_kvm *kvm, uint32_t group, uint64_t attr, void *val,
		     const char *what)
{
	return dev_attr(kvm, kvm->gic_fd, group, attr, val, what);
}

/* KVM's ITS emulation at @base (after the vGICv3 exists; initialised after it). */
static int create_its(struct av_kvm *kvm, uint64_t base)
{
	if (!kvm->caps.its) {
		set_err(kvm, "this host's KVM cannot create an in-kernel ITS "
			     "(KVM_DEV_TYPE_ARM_VGIC_ITS)");
		return -AV_ENOTSUP;
	}
	/* KVM's ITS is two 64 KiB frames (KVM_VGIC_V3_ITS_SIZE). */
	if (kvm->spec->gic.its.size != AV_VIRT_GITS_SIZE) {
		set_err(kvm, "the ITS frame must be %llu KiB for KVM", AV_VIRT_GITS_SIZE >> 10);
		return -AV_EINVAL;
	}
	struct kvm_create_device cd = { .type = KVM_DEV_TYPE_ARM_VGIC_ITS };
	if (ioctl(kvm->vm_fd, KVM_CREATE_DEVICE, &cd)) {
		set_err(kvm, "KVM_CREATE_DEVICE (ITS) failed: %s", strerror(errno));
		return -AV_EIO;
	}
	kvm->its_fd = (int)cd.fd;
	return dev_attr(kvm, kvm->its_fd, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_ITS_ADDR_TYPE, &base,
			"the ITS address");
}

static int create_vgic(struct av_kvm *kvm)
{
	const struct av_vmspec_gic *gic = &kvm->spec->gic;
	bool v3 = gic->version == AV_VMSPEC_GICV3;
	if (v3 ? !kvm->caps.gicv3 : !kvm->caps.gicv2) {
		set_err(kvm, "this host's KVM cannot create an in-kernel GICv%d (it offers %s)",
			v3 ? 3 : 2, kvm->caps.gicv3 ? "GICv3" : "GICv2");
		return -AV_ENOTSUP;
	}
	struct kvm_create_device cd = {
		.type = v3 ? KVM_DEV_TYPE_ARM_VGIC_V3 : KVM_DEV_TYPE_ARM_VGIC_V2,
	};
	if (ioctl(kvm->vm_fd, KVM_CREATE_DEVICE, &cd)) {
		set_err(kvm, "KVM_CREATE_DEVICE (vGICv%d) failed: %s", v3 ? 3 : 2, strerror(errno));
		return -AV_EIO;
	}
	kvm->gic_fd = (int)cd.fd;

	uint64_t dist = gic->dist.base;
	int ret;
	if (v3) {
		uint64_t redist = gic->redist.base;
		ret = vgic_attr(kvm, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_DIST, &dist,
				"the distributor address");
		if (!ret)
			ret = vgic_attr(kvm, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V3_ADDR_TYPE_REDIST,
					&redist, "the redistributor address");
	} else {
		uint64_t cpu = gic->cpu.base;
		ret = vgic_attr(kvm, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_DIST, &dist,
				"the distributor address");
		if (!ret)
			ret = vgic_attr(kvm, KVM_DEV_ARM_VGIC_GRP_ADDR, KVM_VGIC_V2_ADDR_TYPE_CPU, &cpu,
					"the CPU interface address");
	}
	uint32_t nr_irqs = gic->nr_spis + 32;
	if (!ret)
		ret = vgic_attr(kvm, KVM_DEV_ARM_VGIC_GRP_NR_IRQS, 0, &nr_irqs, "NR_IRQS");
	if (!ret && v3 && gic->its.size)
		ret = create_its(kvm, gic->its.base);
	if (!ret)
		ret = vgic_attr(kvm, KVM_DEV_ARM_VGIC_GRP_CTRL, KVM_DEV_ARM_VGIC_CTRL_INIT, NULL,
				"CTRL_INIT");
	if (!ret && kvm->its_fd >= 0)
		ret = dev_attr(kvm, kvm->its_fd, KVM_DEV_ARM_VGIC_GRP_CTRL,
			       KVM_DEV_ARM_VGIC_CTRL_INIT, NULL, "ITS: CTRL_INIT");
	return ret;
}

static int create_vcpu(struct av_kvm *kvm, unsigned idx, const struct kvm_vcpu_init *pref)
{
	struct av_kvm_vcpu *v = &kvm->vcpus[idx];
	v->kvm = kvm;
	v->index = idx;
	v->fd = ioctl(kvm->vm_fd, KVM_CREATE_VCPU, (unsigned long)idx);
	if (v->fd < 0) {
		set_err(kvm, "KVM_CREATE_VCPU %u failed: %s", idx, strerror(errno));
		return -AV_EIO;
	}
	kvm->nr_vcpus = idx + 1;
	int sz = ioctl(kvm->sys_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz <= 0) {
		set_err(kvm, "KVM_GET_VCPU_MMAP_SIZE failed: %s", strerror(errno));
		return -AV_EIO;
	}
	v->run_size = (size_t)sz;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		set_err(kvm, "mmap of vCPU %u's kvm_run failed: %s", idx, strerror(errno));
		return -AV_EIO;
	}

	struct kvm_vcpu_init init = *pref;
	init.features[0] |= 1u << KVM_ARM_VCPU_PSCI_0_2;
	if (kvm->spec->pmu_intid)
		init.features[0] |= 1u << KVM_ARM_VCPU_PMU_V3;
	if (idx)
		init.features[0] |= 1u << KVM_ARM_VCPU_POWER_OFF;
	if (kvm->feat.sve)
		init.features[0] |= 1u << KVM_ARM_VCPU_SVE;
	if (kvm->feat.ptrauth)
		init.features[0] |= 1u << KVM_ARM_VCPU_PTRAUTH_ADDRESS |
				    1u << KVM_ARM_VCPU_PTRAUTH_GENERIC;
	if (ioctl(v->fd, KVM_ARM_VCPU_INIT, &init)) {
		set_err(kvm, "KVM_ARM_VCPU_INIT (vCPU %u, target %u) failed: %s", idx, init.target,
			strerror(errno));
		return -AV_EIO;
	}
	if (kvm->feat.sve) {
		int ret = setup_sve(kvm, v);
		if (ret)
			return ret;
	}

	/* Give the vCPU the description's MPIDR (KVM's default usually matches already). */
	uint64_t mpidr, want = kvm->spec->vcpus[idx].mpidr;
	if (get_reg(v->fd, REG_MPIDR_EL1, &mpidr) == 0 &&
	    (mpidr & AV_VMSPEC_MPIDR_AFF_MASK) != want) {
		uint64_t val = (mpidr & ~AV_VMSPEC_MPIDR_AFF_MASK) | want;
		if (set_reg(v->fd, REG_MPIDR_EL1, &val)) {
			set_err(kvm, "vCPU %u: cannot set MPIDR_EL1 to %#llx: %s", idx,
				(unsigned long long)want, strerror(errno));
			return -AV_EIO;
		}
	}
	return 0;
}

/* One vCPU PMU attribute (KVM_ARM_VCPU_PMU_V3_CTRL group). */
static int pmu_attr(struct av_kvm *kvm, unsigned idx, uint64_t attr, void *val, const char *what)
{
	struct kvm_device_attr a = { .group = KVM_ARM_VCPU_PMU_V3_CTRL, .attr = attr,
				     .addr = (uintptr_t)val };

	if (ioctl(kvm->vcpus[idx].fd, KVM_SET_DEVICE_ATTR, &a)) {
		set_err(kvm, "vCPU %u: KVM_ARM_VCPU_PMU_V3_%s failed: %s", idx, what,
			strerror(errno));
		return -AV_EIO;
	}
	return 0;
}

/* The vCPUs' PMU (KVM_ARM_VCPU_PMU_V3): its overflow PPI, then INIT, once the vGIC is. */
static int init_pmu(struct av_kvm *kvm)
{
	int irq = (int)kvm->spec->pmu_intid, ret = 0;

	for (unsigned i = 0; irq && !ret && i < kvm->nr_vcpus; i++) {
		ret = pmu_attr(kvm, i, KVM_ARM_VCPU_PMU_V3_IRQ, &irq, "IRQ");
		if (!ret)
			ret = pmu_attr(kvm, i, KVM_ARM_VCPU_PMU_V3_INIT, NULL, "INIT");
	}
	return ret;
}

int av_kvm_create_vm(struct av_kvm *kvm, const struct av_vmspec *spec, struct av_mmio_bus *bus)
{
	if (!kvm || !spec || !bus || kvm->sys_fd < 0)
		return -AV_EINVAL;
	struct av_vmspec_error verr;
	int ret = av_vmspec_validate(spec, &verr);
	if (ret) {
		set_err(kvm, "invalid VM description: %s: %s", verr.field, verr.msg);
		return ret;
	}
	kvm->spec = spec;
	kvm->bus = bus;

	if (spec->ipa_bits > kvm->caps.max_ipa) {
		set_err(kvm, "the VM needs a %u-bit IPA space; KVM offers at most %u bits",
			spec->ipa_bits, kvm->caps.max_ipa);
		return -AV_ERANGE;
	}
	if (spec->nr_vcpus > kvm->caps.max_vcpus) {
		set_err(kvm, "%u vCPUs requested; KVM offers at most %u", spec->nr_vcpus,
			kvm->caps.max_vcpus);
		return -AV_ERANGE;
	}
	kvm->vm_fd = ioctl(kvm->sys_fd, KVM_CREATE_VM,
			   (unsigned long)KVM_VM_TYPE_ARM_IPA_SIZE(spec->ipa_bits));
	if (kvm->vm_fd < 0) {
		set_err(kvm, "KVM_CREATE_VM (%u-bit IPA) failed: %s", spec->ipa_bits,
			strerror(errno));
		return -AV_EIO;
	}

	struct kvm_enable_cap cap = { .cap = KVM_CAP_ARM_NISV_TO_USER };
	if (ioctl(kvm->vm_fd, KVM_ENABLE_CAP, &cap)) {
		set_err(kvm, "enabling KVM_CAP_ARM_NISV_TO_USER failed: %s", strerror(errno));
		return -AV_EIO;
	}

	for (unsigned i = 0; i < spec->nr_ram; i++) {
		struct av_kvm_ram *r = &kvm->ram[i];
		void *p = map_ram(spec->ram[i].size);
		if (p == MAP_FAILED) {
			set_err(kvm, "cannot map %llu MiB of guest RAM: %s",
				(unsigned long long)(spec->ram[i].size >> 20), strerror(errno));
			return -AV_ERANGE;
		}
		r->hva = p;
		r->ipa = spec->ram[i].base;
		r->size = spec->ram[i].size;
		kvm->nr_ram = i + 1;
		struct kvm_userspace_memory_region mr = {
			.slot = i,
			.guest_phys_addr = r->ipa,
			.memory_size = r->size,
			.userspace_addr = (uintptr_t)p,
		};
		if (ioctl(kvm->vm_fd, KVM_SET_USER_MEMORY_REGION, &mr)) {
			set_err(kvm, "KVM_SET_USER_MEMORY_REGION (slot %u, %#llx + %llu MiB) failed: %s",
				i, (unsigned long long)r->ipa, (unsigned long long)(r->size >> 20),
				strerror(errno));
			return errno == ENOMEM ? -AV_ERANGE : -AV_EIO;
		}
	}

	struct kvm_vcpu_init pref;
	memset(&pref, 0, sizeof(pref));
	if (ioctl(kvm->vm_fd, KVM_ARM_PREFERRED_TARGET, &pref)) {
		set_err(kvm, "KVM_ARM_PREFERRED_TARGET failed: %s", strerror(errno));
		return -AV_EIO;
	}
	if (spec->pmu_intid && ioctl(kvm->sys_fd, KVM_CHECK_EXTENSION, KVM_CAP_ARM_PMU_V3) <= 0) {
		set_err(kvm, "a PMU was asked for, but this host's KVM offers none "
			"(KVM_CAP_ARM_PMU_V3)");
		return -AV_ENOTSUP;
	}
	for (unsigned i = 0; i < spec->nr_vcpus; i++) {
		ret = create_vcpu(kvm, i, &pref);
		if (ret)
			return ret;
	}
	ret = create_vgic(kvm);
	return ret ? ret : init_pmu(kvm);
}

void av_kvm_set_observer(struct av_kvm *kvm, av_kvm_observer_fn fn, void *cookie)
{
	if (!kvm)
		return;
	kvm->observer = fn;
	kvm->observer_cookie = cookie;
}

int av_kvm_irq_line(struct av_kvm *kvm, unsigned spi, bool level)
{
	if (!kvm || kvm->vm_fd < 0 || !kvm->spec || spi >= kvm->spec->gic.nr_spis)
		return -AV_EINVAL;
	struct kvm_irq_level irq = {
		.irq = (KVM_ARM_IRQ_TYPE_SPI << KVM_ARM_IRQ_TYPE_SHIFT) |
		       ((spi + 32) << KVM_ARM_IRQ_NUM_SHIFT),
		.level = level,
	};
	return ioctl(kvm->vm_fd, KVM_IRQ_LINE, &irq) ? -AV_EIO : 0;
}

int av_kvm_ioeventfd(struct av_kvm *kvm, uint64_t gpa, unsigned len, const uint64_t *match,
		     int fd)
{
	if (!kvm || kvm->vm_fd < 0 || fd < 0 || (len != 1 && len != 2 && len != 4 && len != 8))
		return -AV_EINVAL;
	if (!kvm->caps.ioeventfd) {
		set_err(kvm, "KVM capability KVM_CAP_IOEVENTFD is not available");
		return -AV_ENOTSUP;
	}
	struct kvm_ioeventfd io = { .addr = gpa, .len = len, .fd = fd };
	if (match) {
		io.datamatch = *match;
		io.flags = KVM_IOEVENTFD_FLAG_DATAMATCH;
	}
	if (ioctl(kvm->vm_fd, KVM_IOEVENTFD, &io)) {
		set_err(kvm, "KVM_IOEVENTFD at %#llx failed: %s", (unsigned long long)gpa,
			strerror(errno));
		return -AV_EIO;
	}
	return 0;
}

int av_kvm_irqfd(struct av_kvm *kvm, unsigned spi, int fd)
{
	if (!kvm || kvm->vm_fd < 0 || !kvm->spec || spi >= kvm->spec->gic.nr_spis || fd < 0)
		return -AV_EINVAL;
	if (!kvm->caps.irqfd) {
		set_err(kvm, "KVM capability KVM_CAP_IRQFD is not available");
		return -AV_ENOTSUP;
	}
	struct kvm_irqfd irq = { .fd = (__u32)fd, .gsi = spi };
	if (ioctl(kvm->vm_fd, KVM_IRQFD, &irq)) {
		set_err(kvm, "KVM_IRQFD for SPI %u failed: %s", spi, strerror(errno));
		return -AV_EIO;
	}
	return 0;
}

void av_kvm_lock_devices(struct av_kvm *kvm)
{
	pthread_mutex_lock(&kvm->dev_lock);
}

void av_kvm_unlock_devices(struct av_kvm *kvm)
{
	pthread_mutex_unlock(&kvm->dev_lock);
}

/* ---- stopping ---- */

void av_kvm_request_stop(struct av_kvm *kvm, enum av_kvm_stop why)
{
	int none = AV_KVM_STOP_NONE;
	atomic_compare_exchange_strong(&kvm->stop, &none, (int)why);
	for (unsigned i = 0; i < kvm->nr_vcpus; i++) {
		struct av_kvm_vcpu *v = &kvm->vcpus[i];
		if (v->run)
			((struct kvm_run *)v->run)->immediate_exit = 1;
		if (atomic_load(&v->thread_live))
			pthread_kill(v->thread, AV_KVM_KICK_SIGNAL);
	}
}

static void fail(struct av_kvm_vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct av_kvm_vcpu *v, const char *fmt, ...)
{
	struct av_kvm *kvm = v->kvm;
	char line[sizeof(kvm->err) - 16];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* Only the first failure names the cause. */
	if (atomic_load(&kvm->stop) == AV_KVM_STOP_NONE) {
		pthread_mutex_lock(&kvm->dev_lock);
		if (!kvm->err[0])
			snprintf(kvm->err, sizeof(kvm->err), "vCPU %u: %.*s", v->index,
				 (int)sizeof(line) - 1, line);
		pthread_mutex_unlock(&kvm->dev_lock);
	}
	av_kvm_request_stop(kvm, AV_KVM_STOP_ERROR);
}

/* ---- exits ---- */

static int inject_dabt(struct av_kvm_vcpu *v)
{
	struct kvm_vcpu_events ev;
	memset(&ev, 0, sizeof(ev));
	ev.exception.ext_dabt_pending = 1;
	return ioctl(v->fd, KVM_SET_VCPU_EVENTS, &ev) ? -AV_EIO : 0;
}

/* The lock that serialises @d: its own (AV_KVM_MMIO_F_OWN_LOCK) or the shared one. */
static pthread_mutex_t *dev_lock_of(struct av_kvm *kvm, struct av_mmio_dev *d)
{
	if (d && (d->flags & AV_KVM_MMIO_F_OWN_LOCK))
		return &((struct av_kvm_locked_dev *)(void *)d)->lock;
	return &kvm->dev_lock;
}

/*
 * The MMIO exit path copies with fixed sizes only: a copy of variable length is a call to
 * glibc's memcpy, which on an SVE host is its SVE variant, copying a few bytes with SVE
 * instructions; the first SVE instruction after a system call traps to the kernel (it
 * discards the task's SVE state at every syscall) and costs a zeroed SVE register file:
 * about 630 instructions per exit under the nested benchmark (doc/benchmarks.md,
 * "armvirt-vmm exits").
 */
static uint64_t mmio_mask(unsigned len)
{
	return len >= 8 ? ~0ull : (1ull << (8 * len)) - 1;
}

static void handle_mmio(struct av_kvm_vcpu *v, struct kvm_run *run, struct av_kvm_exit *ex)
{
	struct av_kvm *kvm = v->kvm;
	unsigned len = run->mmio.len;
	uint64_t val = 0;

	ex->ipa = run->mmio.phys_addr;
	ex->size = len;
	ex->is_write = run->mmio.is_write;
	if (len > 8)
		len = 8;
	/* data[] is 8 bytes, little-endian: the access is its low @len bytes. */
	_Static_assert(sizeof(run->mmio.data) == sizeof(val), "kvm_run mmio.data is 8 bytes");
	if (ex->is_write) {
		memcpy(&val, run->mmio.data, sizeof(val));
		val &= mmio_mask(len);
	}

	/* The bus does not change while the VM runs: the lookup needs no lock. */
	struct av_mmio_dev *d = av_mmio_find(kvm->bus, ex->ipa);
	pthread_mutex_t *lock = dev_lock_of(kvm, d);
	pthread_mutex_lock(lock);
	enum av_access_result res =
		av_mmio_dev_access(kvm->bus, d, NULL, ex->ipa, len, ex->is_write, &val);
	pthread_mutex_unlock(lock);
	ex->dev = d;
	if (res != AV_ACCESS_HANDLED) {
		__atomic_fetch_add(&kvm->mmio_refused, 1, __ATOMIC_RELAXED);
		ex->result = -AV_EFAULT;
		val = 0;
	}

	ex->value = val;
	/* KVM takes the low @len bytes of data[] for a read. */
	if (!ex->is_write)
		memcpy(run->mmio.data, &val, sizeof(val));
	if (res == AV_ACCESS_HANDLED)
		return;
	/*
	 * The bus refused the access (no device, or a width the device does not take): an
	 * external data abort at the access when KVM can inject one (the guest sees
	 * ESR_EL1.EC 0x25, DFSC 0x10, FAR = the address, ELR = the access); otherwise it
	 * reads as zero and writes are ignored.
	 */
	bool abort = kvm->caps.ext_dabt && inject_dabt(v) == 0;
	if (av_log_enabled(AV_LOG_DEBUG))
		av_dbg("vCPU %u: %s of %u bytes at %#llx refused (%s): %s", v->index,
		       ex->is_write ? "write" : "read", len, (unsigned long long)ex->ipa,
		       ex->dev ? ex->dev->name : "no device",
		       abort ? "external abort injected" : "read as zero/ignored");
}

static int read_desc(void *cookie, uint64_t ipa, uint64_t *desc)
{
	struct av_kvm *kvm = cookie;
	const void *p = av_kvm_ram(kvm, ipa, 8);
	if (!p)
		return -AV_EFAULT;
	memcpy(desc, p, 8);
	return 0;
}

/* Bus access for av_insn_emulate_mem(), under the device lock; records the device. */
struct nisv_ctx {
	struct av_kvm *kvm;
	struct av_kvm_exit *ex;
};

static int nisv_access(void *cookie, uint64_t ipa, unsigned size, bool is_write, uint64_t *val)
{
	struct nisv_ctx *c = cookie;
	struct av_mmio_dev *d = av_mmio_find(c->kvm->bus, ipa);
	if (!c->ex->dev)
		c->ex->dev = d;
	/* Called with the shared lock held; a device with its own lock takes it too. */
	pthread_mutex_t *own = d && (d->flags & AV_KVM_MMIO_F_OWN_LOCK) ? dev_lock_of(c->kvm, d)
									 : NULL;
	if (own)
		pthread_mutex_lock(own);
	/* What av_mmio_insn_access() does, without a second lookup (no struct av_vcpu here). */
	enum av_access_result r = av_mmio_dev_access(c->kvm->bus, d, NULL, ipa, size, is_write, val);
	if (own)
		pthread_mutex_unlock(own);
	return r == AV_ACCESS_HANDLED ? 0 : r == AV_ACCESS_TO_CALLER ? -AV_ENOENT : -AV_EFAULT;
}

/*
 * The registers a decoded access reads: the base (unless a literal), the offset register,
 * and for stores the transfer registers. A load overwrites its transfer registers whole
 * (W loads zero-extend, B/H/S/D loads clear the rest of Vn), so their old values are not
 * needed. The SP as base needs PSTATE (read by the caller, @have_pstate).
 */
static int load_regs(const struct av_kvm *kvm, int fd, const struct av_insn_mem *m,
		     struct av_regs *r)
{
	int ret = 0;
	unsigned gprs[3] = { 31u, 31u, 31u };
	if (m->is_store) {
		unsigned n = m->is_pair ? 2 : 1;
		for (unsigned i = 0; i < n && !ret; i++) {
			unsigned t = i ? m->rt2 : m->rt;
			if (m->is_fp)
				ret = get_vreg(kvm, fd, t, r->v[t]);
			else
				gprs[i] = t;
		}
	}
	if (m->addr == AV_INSN_ADDR_REG)
		gprs[2] = m->rm;
	for (unsigned i = 0; i < 3 && !ret; i++)
		if (gprs[i] < 31)
			ret = get_reg(fd, reg_x(gprs[i]), &r->x[gprs[i]]);
	if (!ret && m->addr != AV_INSN_ADDR_LITERAL) {
		if (m->rn < 31)
			ret = get_reg(fd, reg_x(m->rn), &r->x[m->rn]);
		else
			ret = get_reg(fd, sp_reg(r->pstate), &r->sp);
	}
	return ret;
}

/* Write back the registers an emulated access changed: loaded ones, the base, the PC. */
static int store_regs(const struct av_kvm *kvm, int fd, const struct av_insn_mem *m,
		      const struct av_regs *r)
{
	int ret = 0;
	if (!m->is_store) {
		unsigned n = m->is_pair ? 2 : 1;
		for (unsigned i = 0; i < n && !ret; i++) {
			unsigned t = i ? m->rt2 : m->rt;
			if (m->is_fp)
				ret = set_vreg(kvm, fd, t, r->v[t]);
			else if (t < 31)
				ret = set_reg(fd, reg_x(t), &r->x[t]);
		}
	}
	if (!ret && m->wb != AV_INSN_WB_NONE) {
		if (m->rn < 31)
			ret = set_reg(fd, reg_x(m->rn), &r->x[m->rn]);
		else
			ret = set_reg(fd, sp_reg(r->pstate), &r->sp);
	}
	if (!ret)
		ret = set_reg(fd, CORE_REG64(regs.pc), &r->pc);
	return ret;
}

/*
 * The IPA of the instruction at @pc: a stage-1 walk at every exit. (A translation cached
 * by VA, SCTLR, TCR and TTBR would survive a remap of code under the same VA and TTBR, such
 * as a module unloaded and another loaded in its place, and fetch the old page.)
 */
static int pc_ipa(struct av_kvm_vcpu *v, const struct av_s1_regs *s1, uint64_t pc,
		  uint64_t *ipa)
{
	struct av_s1_result tr;
	int err = av_s1_walk(s1, pc, read_desc, v->kvm, &tr);
	if (!err)
		*ipa = tr.ipa;
	return err;
}

/*
 * KVM_EXIT_ARM_NISV: fetch the instruction at the PC (through the guest's stage 1), decode
 * it, perform its accesses on the bus and write back the registers. On failure an external
 * data abort is injected. @return 0, or negative for a host failure (fatal).
 *
 * Each KVM_GET/SET_ONE_REG is a system call, so only what the instruction needs is read:
 * the PC, SCTLR_EL1, with the MMU on TCR_EL1 and the TTBR of the PC's half, PSTATE only
 * when it matters (a PC below 4 GiB, where AArch32 code may run; SP as the base; EE and E0E
 * differing), then the access's own registers.
 */
static int handle_nisv(struct av_kvm_vcpu *v, struct kvm_run *run, struct av_kvm_exit *ex)
{
	struct av_kvm *kvm = v->kvm;
	int fd = v->fd;
	struct av_regs regs;
	/* Cleared, not copied from a zeroed static object: no memcpy on the exit path. */
	memset(&regs, 0, sizeof(regs));
	uint64_t fault_ipa = run->arm_nisv.fault_ipa;
	bool have_pstate = false;
	int err;

	ex->ipa = fault_ipa;
	if (get_reg(fd, CORE_REG64(regs.pc), &regs.pc))
		return -AV_EIO;
	if (!(regs.pc >> 32)) {
		if (get_reg(fd, CORE_REG64(regs.pstate), &regs.pstate))
			return -AV_EIO;
		have_pstate = true;
	}

	struct av_s1_regs s1 = { 0 };
	uint64_t ttbr = 0;
	if (get_reg(fd, REG_SCTLR_EL1, &s1.sctlr))
		return -AV_EIO;
	bool upper = (regs.pc >> 55) & 1;
	if ((s1.sctlr & AV_S1_SCTLR_M) &&
	    (get_reg(fd, REG_TCR_EL1, &s1.tcr) ||
	     get_reg(fd, upper ? REG_TTBR1_EL1 : REG_TTBR0_EL1, &ttbr)))
		return -AV_EIO;
	if (upper)
		s1.ttbr1 = ttbr;
	else
		s1.ttbr0 = ttbr;

	struct av_insn_mem m;
	if (regs.pstate & 0x10) { /* AArch32 (only possible with a PC below 4 GiB) */
		err = -AV_ENOTSUP;
		goto abort;
	}
	uint64_t pc_pa;
	err = pc_ipa(v, &s1, regs.pc, &pc_pa);
	if (err)
		goto abort;
	const void *ip = guest_ptr(kvm, pc_pa, 4);
	if (!ip) {
		err = -AV_EFAULT;
		goto abort;
	}
	memcpy(&ex->insn, ip, 4);
	err = av_insn_decode_mem(ex->insn, &m);
	if (err)
		goto abort;
	ex->size = m.size;
	ex->is_write = m.is_store;
	bool ee = s1.sctlr & AV_S1_SCTLR_EE, e0e = s1.sctlr & AV_S1_SCTLR_E0E;
	if (!have_pstate && ((m.rn == 31 && m.addr != AV_INSN_ADDR_LITERAL) || ee != e0e)) {
		if (get_reg(fd, CORE_REG64(regs.pstate), &regs.pstate))
			return -AV_EIO;
	}
	err = load_regs(kvm, fd, &m, &regs);
	if (err)
		return err;

	uint64_t va;
	err = av_insn_mem_address(&m, &regs, &va);
	if (err)
		goto abort;
	/*
	 * KVM reports the IPA's page plus the low 12 bits of the faulting VA; the access lies
	 * in one 4 KiB page (av_insn_emulate_mem() checks), so that page is the one of @va.
	 */
	struct av_insn_mmio io = {
		.far = (va & ~0xfffull) | (fault_ipa & 0xfff),
		.ipa = fault_ipa,
		.big_endian = (regs.pstate & 0xf) ? ee : e0e,
		.fn = nisv_access,
	};
	struct nisv_ctx ctx = { kvm, ex };
	io.cookie = &ctx;

	pthread_mutex_lock(&kvm->dev_lock);
	err = av_insn_emulate_mem(&m, &regs, &io);
	pthread_mutex_unlock(&kvm->dev_lock);
	if (err)
		goto abort;
	if (store_regs(kvm, fd, &m, &regs))
		return -AV_EIO;
	ex->result = 0;
	return 0;

abort:
	ex->result = err;
	if (av_log_enabled(AV_LOG_WARN) && av_log_budget_take(&kvm->log_budget))
		av_warn("vCPU %u: access at IPA %#llx (pc %#llx, insn %#010x) not emulated (%s): "
			"injecting a data abort", v->index, (unsigned long long)fault_ipa,
			(unsigned long long)regs.pc, ex->insn, av_strerror(err));
	if (!kvm->caps.ext_dabt || inject_dabt(v))
		return -AV_EIO;
	return 0;
}

static void *vcpu_thread(void *arg)
{
	struct av_kvm_vcpu *v = arg;
	struct av_kvm *kvm = v->kvm;
	struct kvm_run *run = v->run;

	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, AV_KVM_KICK_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &set, NULL);

	while (atomic_load(&kvm->stop) == AV_KVM_STOP_NONE) {
		int r = ioctl(v->fd, KVM_RUN, 0);
		struct av_kvm_exit ex;
		memset(&ex, 0, sizeof(ex));
		ex.vcpu = v->index;
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN) {
				run->immediate_exit = 0;
				ex.kind = AV_KVM_EXIT_INTR;
				v->exits[ex.kind]++;
				continue;
			}
			fail(v, "KVM_RUN failed: %s", strerror(errno));
			break;
		}
		ex.reason = run->exit_reason;
		switch (run->exit_reason) {
		case KVM_EXIT_MMIO:
			ex.kind = AV_KVM_EXIT_MMIO;
			handle_mmio(v, run, &ex);
			break;
		case KVM_EXIT_ARM_NISV:
			ex.kind = AV_KVM_EXIT_NISV;
			if (handle_nisv(v, run, &ex)) {
				fail(v, "cannot emulate the access at IPA %#llx (insn %#010x): %s",
				     (unsigned long long)run->arm_nisv.fault_ipa, ex.insn,
				     strerror(errno));
			}
			break;
		case KVM_EXIT_SYSTEM_EVENT:
			switch (run->system_event.type) {
			case KVM_SYSTEM_EVENT_SHUTDOWN:
				ex.kind = AV_KVM_EXIT_SYSTEM_OFF;
				av_kvm_request_stop(kvm, AV_KVM_STOP_POWEROFF);
				break;
			case KVM_SYSTEM_EVENT_RESET:
				ex.kind = AV_KVM_EXIT_SYSTEM_RESET;
				av_kvm_request_stop(kvm, AV_KVM_STOP_RESET);
				break;
			default:
				ex.kind = AV_KVM_EXIT_SYSTEM_OTHER;
				fail(v, "unhandled system event %u", run->system_event.type);
				break;
			}
			break;
		case KVM_EXIT_INTR:
			ex.kind = AV_KVM_EXIT_INTR;
			break;
		case KVM_EXIT_FAIL_ENTRY:
			ex.kind = AV_KVM_EXIT_UNKNOWN;
			fail(v, "KVM_EXIT_FAIL_ENTRY (hardware_entry_failure_reason %#llx)",
			     (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			ex.kind = AV_KVM_EXIT_UNKNOWN;
			fail(v, "KVM_EXIT_INTERNAL_ERROR (suberror %u)", run->internal.suberror);
			break;
		default:
			ex.kind = AV_KVM_EXIT_UNKNOWN;
			fail(v, "unexpected KVM exit reason %u", run->exit_reason);
			break;
		}
		v->exits[ex.kind]++;
		if (kvm->observer)
			kvm->observer(kvm->observer_cookie, &ex);
	}
	return NULL;
}

enum av_kvm_stop av_kvm_run(struct av_kvm *kvm)
{
	if (!kvm || kvm->vm_fd < 0 || !kvm->nr_vcpus) {
		if (kvm)
			set_err(kvm, "no VM to run");
		return AV_KVM_STOP_ERROR;
	}
	/* Threads inherit the mask: the kick signal is unblocked only on vCPU threads. */
	sigset_t set, old;
	sigemptyset(&set);
	sigaddset(&set, AV_KVM_KICK_SIGNAL);
	pthread_sigmask(SIG_BLOCK, &set, &old);

	unsigned started = 0;
	for (unsigned i = 0; i < kvm->nr_vcpus; i++) {
		struct av_kvm_vcpu *v = &kvm->vcpus[i];
		int r = pthread_create(&v->thread, NULL, vcpu_thread, v);
		if (r) {
			set_err(kvm, "cannot start the thread of vCPU %u: %s", i, strerror(r));
			av_kvm_request_stop(kvm, AV_KVM_STOP_ERROR);
			break;
		}
		/* A stop requested before this point set immediate_exit, which suffices. */
		atomic_store(&v->thread_live, true);
		started++;
	}
	for (unsigned i = 0; i < started; i++) {
		pthread_join(kvm->vcpus[i].thread, NULL);
		atomic_store(&kvm->vcpus[i].thread_live, false);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return (enum av_kvm_stop)atomic_load(&kvm->stop);
}

void av_kvm_close(struct av_kvm *kvm)
{
	if (!kvm)
		return;
	for (unsigned i = 0; i < kvm->nr_vcpus; i++) {
		struct av_kvm_vcpu *v = &kvm->vcpus[i];
		if (v->run)
			munmap(v->run, v->run_size);
		if (v->fd >= 0)
			close(v->fd);
		v->run = NULL;
		v->fd = -1;
	}
	kvm->nr_vcpus = 0;
	if (kvm->its_fd >= 0)
		close(kvm->its_fd);
	if (kvm->gic_fd >= 0)
		close(kvm->gic_fd);
	if (kvm->vm_fd >= 0)
		close(kvm->vm_fd);
	for (unsigned i = 0; i < kvm->nr_ram; i++)
		munmap(kvm->ram[i].hva, kvm->ram[i].size);
	kvm->nr_ram = 0;
	kvm->nr_slots = 0;
	if (kvm->sys_fd >= 0)
		close(kvm->sys_fd);
	kvm->gic_fd = kvm->its_fd = kvm->vm_fd = kvm->sys_fd = -1;
	if (kvm->dev_lock_init)
		pthread_mutex_destroy(&kvm->dev_lock);
	kvm->dev_lock_init = false;
}
