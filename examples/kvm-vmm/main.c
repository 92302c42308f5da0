// SPDX-License-Identifier: MIT
/*
 * armvirt-vmm: a KVM-hosted VMM built on armvirt. The VM comes from av_vmspec_virt() (QEMU
 * virt's memory map), its device tree from av_fdt_build(), the kernel (arm64 Image, ELF or
 * raw binary) detection and placement from boot.h; the PL011 and PL031 models sit on the library's MMIO bus; ports/linux-kvm runs
 * the vCPUs. The virtio devices (--disk, --console virtio, --rng, --network) are in
 * vmm_virtio.c. With --firmware the VM gets QEMU virt's two flash banks (the CFI flash
 * model, each bank a caller memory slot of the port while in read-array mode; the files
 * behind them in firmware.c) and vCPU 0 starts at the flash base with the DTB at the
 * start of RAM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <armvirt/boot.h>
#include <armvirt/dev/cfi_flash.h>
#include <armvirt/dev/pl011.h>
#include <armvirt/dev/pl031.h>
#include <armvirt/log.h>
#include <armvirt/mmio.h>
#include <armvirt/platform.h>
#include <armvirt/port/kvm.h>

#include "cli.h"
#include "files.h"
#include "firmware.h"
#include "vmm_virtio.h"

#define DTB_MAX 0x10000u     /* room reserved for the DTB in guest RAM */
#define ESCAPE_CHAR 0x01     /* Ctrl-A, then 'x' quits */

static struct av_kvm kvm;
static struct av_vmspec spec;
static struct av_mmio_bus bus;
static struct av_mmio_dev *bus_slots[8 + VMM_VIRTIO_BUS_ENTRIES];
static struct av_pl011 uart;
static struct av_mmio_dev uart_dev;
static struct av_pl031 rtc;
static struct av_mmio_dev rtc_dev;
static uint8_t dtb[DTB_MAX] __attribute__((aligned(8)));

/* --firmware: flash bank 0 (the code, read-only) and bank 1 (the variables). */
struct fw_flash {
	struct vmm_fw_bank mem;  /* the bytes (firmware.c) */
	struct av_cfi_flash cfi; /* the model */
	struct av_mmio_dev dev;  /* its bus entry */
	unsigned slot;           /* its KVM memory slot (av_kvm_add_slot()) */
	bool slot_ready;         /* the slot exists */
};
static struct fw_flash flash[2];

static struct termios saved_tty;
static volatile sig_atomic_t tty_raw;
static volatile sig_atomic_t stop_signal;

static void die_line(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void restore_tty(void)
{
	if (tty_raw) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
		tty_raw = 0;
	}
}

/* One line on stderr, then exit 1. */
static void die_line(const char *fmt, ...)
{
	va_list ap;
	restore_tty();
	fputs("armvirt-vmm: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

static void log_hook(enum av_log_level level, const char *line, void *cookie)
{
	(void)cookie;
	fprintf(stderr, "armvirt-vmm: %s: %s\r\n", level == AV_LOG_ERROR ? "error" : "warning",
		line);
}

/*
 * Standard input, output and error closed at start: /dev/null takes their place, so that no
 * file the VMM opens later (a disk image, /dev/kvm) becomes descriptor 0, 1 or 2 and gets
 * the console's bytes. @return true when standard output was closed.
 */
static bool reserve_stdio(void)
{
	bool out_closed = false;
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		out_closed |= fd == STDOUT_FILENO;
		int n = open("/dev/null", fd ? O_WRONLY : O_RDONLY);
		/* open() takes the lowest free descriptor, fd itself (those below are open by now);
		 * should it not, the new one is moved there. */
		if (n >= 0 && n != fd) {
			dup2(n, fd);
			close(n);
		}
	}
	return out_closed;
}

/* ---- devices ---- */

static int uart_tx(void *cookie, uint8_t byte)
{
	(void)cookie;
	ssize_t n;
	do
		n = write(STDOUT_FILENO, &byte, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? 0 : -AV_EIO;
}

static void uart_irq(void *cookie, bool level)
{
	(void)cookie;
	av_kvm_irq_line(&kvm, spec.uarts[0].spi, level);
}

static uint64_t rtc_now(void *cookie)
{
	(void)cookie;
	return (uint64_t)time(NULL);
}

static void rtc_irq(void *cookie, bool level)
{
	(void)cookie;
	av_kvm_irq_line(&kvm, spec.rtc.spi, level);
}

/*
 * A bank enters or leaves read-array mode: map its memory slot (reads and instruction
 * fetches without exits, writes exit to the model) or remove it (every access exits).
 * Called under the device lock, from a vCPU thread while the VM runs.
 */
static void flash_rom_mode(void *cookie, bool rom)
{
	struct fw_flash *f = cookie;
	if (!f->slot_ready)
		return; /* av_cfi_flash_init(): the slot is added mapped */
	if (av_kvm_slot_map(&kvm, f->slot, rom)) {
		av_err("flash bank %u: %s", (unsigned)(f - flash), av_kvm_error(&kvm));
		av_kvm_request_stop(&kvm, AV_KVM_STOP_ERROR);
	}
}

/* The two banks of spec.flash as read-only memory slots with the model on the bus. */
static void setup_flash(void)
{
	for (unsigned i = 0; i < 2; i++) {
		struct fw_flash *f = &flash[i];
		uint64_t base = spec.flash.banks[i].base;
		struct av_cfi_flash_config cfg;
		struct av_error merr;

		av_cfi_flash_virt_config(&cfg, i, f->mem.mem, f->mem.size);
		cfg.set_rom_mode = flash_rom_mode;
		cfg.cookie = f;
		if (av_kvm_add_slot(&kvm, base, f->mem.mem, f->mem.size, AV_KVM_SLOT_READONLY,
				    &f->slot))
			die_line("flash bank %u: %s", i, av_kvm_error(&kvm));
		if (av_cfi_flash_init(&f->cfi, &cfg) || av_cfi_flash_mmio_dev(&f->cfi, base, &f->dev))
			die_line("flash bank %u: cannot set up the flash model", i);
		f->slot_ready = true;
		if (av_mmio_register(&bus, &f->dev, &merr))
			die_line("MMIO bus: %s: %s", merr.field, merr.msg);
	}
}

/* ---- console input ---- */

static void on_signal(int sig)
{
	stop_signal = sig;
	av_kvm_request_stop(&kvm, AV_KVM_STOP_REQUEST);
}

static void *stdin_thread(void *arg)
{
	(void)arg;
	bool escape = false;
	uint8_t buf[64];
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return NULL; /* EOF or error: no more input */
		size_t len = 0;
		for (ssize_t i = 0; i < n; i++) {
			if (tty_raw && escape) {
				escape = false;
				if (buf[i] == 'x' || buf[i] == 'X') {
					av_kvm_request_stop(&kvm, AV_KVM_STOP_REQUEST);
					return NULL;
				}
				if (buf[i] != ESCAPE_CHAR)
					continue;
			} else if (tty_raw && buf[i] == ESCAPE_CHAR) {
				escape = true;
				continue;
			}
			buf[len++] = buf[i];
		}
		size_t off = 0;
		while (off < len) {
			if (atomic_load(&kvm.stop) != AV_KVM_STOP_NONE)
				return NULL;
			if (vmm_virtio_has_console()) {
				off += vmm_virtio_console_input(buf + off, len - off);
			} else {
				av_kvm_lock_devices(&kvm);
				off += av_pl011_rx_push(&uart, buf + off, len - off);
				av_kvm_unlock_devices(&kvm);
			}
			if (off < len) {
				struct timespec ts = { 0, 10 * 1000 * 1000 };
				nanosleep(&ts, NULL);
			}
		}
	}
}

static void setup_console(void)
{
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_tty) == 0) {
		struct termios raw = saved_tty;
		cfmakeraw(&raw);
		raw.c_oflag |= OPOST | ONLCR; /* keep host-side newline handling for our lines */
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
			tty_raw = 1;
			atexit(restore_tty);
		}
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, stdin_thread, NULL))
		av_warn("no console input: cannot start the input thread");
	pthread_attr_destroy(&attr);
}

/* ---- statistics ---- */

static void print_stats(double seconds)
{
	fprintf(stderr, "armvirt-vmm: exit statistics (%.3f s)\n", seconds);
	uint64_t total = 0;
	for (int k = 0; k < AV_KVM_EXIT_NR; k++)
		total += av_kvm_exit_count(&kvm, (enum av_kvm_exit_kind)k);
	fprintf(stderr, "  %-14s %12s\n", "exit", "count");
	for (int k = 0; k < AV_KVM_EXIT_NR; k++) {
		uint64_t n = av_kvm_exit_count(&kvm, (enum av_kvm_exit_kind)k);
		if (n)
			fprintf(stderr, "  %-14s %12llu\n", av_kvm_exit_name((enum av_kvm_exit_kind)k),
				(unsigned long long)n);
	}
	fprintf(stderr, "  %-14s %12llu\n", "total", (unsigned long long)total);
	/* KVM's own counts: every exit from the guest, most handled inside the kernel. */
	static const char *const kstats[] = { "exits", "mmio_exit_user", "mmio_exit_kernel",
					      "hvc_exit_stat", "wfi_exit_stat" };
	for (size_t i = 0; i < sizeof(kstats) / sizeof(kstats[0]); i++) {
		uint64_t n;
		if (av_kvm_kernel_stat(&kvm, kstats[i], &n) == 0)
			fprintf(stderr, "  kvm:%-10s %12llu\n", kstats[i], (unsigned long long)n);
	}
	fprintf(stderr, "  %-14s %12s %12s %12s\n", "device", "reads", "writes", "refused");
	uint64_t empty_reads = 0, empty_writes = 0, empty_refused = 0;
	for (size_t i = 0; i < bus.count; i++) {
		const struct av_mmio_dev *d = bus.slots[i];
		if (vmm_virtio_is_empty_slot(d)) {
			empty_reads += d->reads;
			empty_writes += d->writes;
			empty_refused += d->rejected;
			continue;
		}
		fprintf(stderr, "  %-14s %12llu %12llu %12llu\n", d->name ? d->name : "?",
			(unsigned long long)d->reads, (unsigned long long)d->writes,
			(unsigned long long)d->rejected);
	}
	fprintf(stderr, "  %-14s %12llu %12llu %12llu\n", "virtio(empty)",
		(unsigned long long)empty_reads, (unsigned long long)empty_writes,
		(unsigned long long)empty_refused);
	fprintf(stderr, "  %-14s %12llu %12llu %12s\n", "(unclaimed)",
		(unsigned long long)bus.unclaimed_reads, (unsigned long long)bus.unclaimed_writes,
		"-");
	vmm_virtio_print_stats(stderr);
	for (unsigned i = 0; i < 2 && flash[i].slot_ready; i++) {
		const struct av_cfi_flash *c = &flash[i].cfi;
		fprintf(stderr, "  flash%u: %llu programs, %llu erases, %llu refused, "
			"%llu read-array mode changes\n", i, (unsigned long long)c->programs,
			(unsigned long long)c->erases, (unsigned long long)c->refused,
			(unsigned long long)kvm.slots[flash[i].slot].toggles);
	}
}

/* ---- main ---- */

static uint64_t host_ram(void)
{
	struct sysinfo si;
	if (sysinfo(&si))
		return 0;
	return (uint64_t)si.totalram * si.mem_unit;
}

int main(int argc, char **argv)
{
	struct vmm_opts o;
	char err[320];
	if (vmm_parse_args(argc, argv, &o, err, sizeof(err))) {
		fprintf(stderr, "armvirt-vmm: %s\n", err);
		return 2;
	}
	if (o.cmd == VMM_CMD_HELP) {
		fputs(vmm_usage, stdout);
		return 0;
	}
	if (o.cmd == VMM_CMD_VERSION) {
		puts("armvirt-vmm 0.1.0");
		return 0;
	}
	if (reserve_stdio())
		die_line("standard output is closed: the guest's console writes there "
			 "(redirect it to /dev/null to discard it)");
	av_log_set_hook(log_hook, AV_LOG_WARN, NULL);
	if (vmm_virtio_open_disks(&o, err, sizeof(err)) ||
	    vmm_virtio_open_nets(&o, err, sizeof(err)))
		die_line("%s", err);

	uint64_t mem = (uint64_t)o.mem_mib << 20;
	uint64_t hram = host_ram();
	if (hram && mem > hram)
		die_line("--mem %u MiB is more than this host's %llu MiB of RAM", o.mem_mib,
			 (unsigned long long)(hram >> 20));

	size_t klen = 0, ilen = 0;
	void *kimg = NULL, *initrd = NULL;
	/* The flash banks: for a firmware, or for a kernel given --firmware-vars. */
	bool flash_banks = o.firmware || o.fw_vars;
	if (flash_banks) {
		if ((o.firmware ? vmm_fw_load_code(&flash[0].mem, o.firmware,
						   AV_VIRT_FLASH_BANK_SIZE, err, sizeof(err))
				: vmm_fw_map_vars(&flash[0].mem, NULL, AV_VIRT_FLASH_BANK_SIZE, err,
						  sizeof(err))) ||
		    vmm_fw_map_vars(&flash[1].mem, o.fw_vars, AV_VIRT_FLASH_BANK_SIZE, err,
				    sizeof(err)))
			die_line("%s", err);
	}
	if (!o.firmware) {
		char room[64];
		snprintf(room, sizeof(room), "the guest's %u MiB of RAM", o.mem_mib);
		kimg = vmm_load_file("--kernel", o.kernel, mem, room, &klen, err, sizeof(err));
		if (kimg && o.initrd)
			initrd = vmm_load_file("--initrd", o.initrd, mem, room, &ilen, err,
					       sizeof(err));
		if (!kimg || (o.initrd && !initrd))
			die_line("%s", err);
	}
	int ret = av_kvm_open(&kvm, o.kvm_device);
	if (ret == -AV_ENOTSUP && kvm.caps.api_version < 0)
		die_line("%s: not a KVM device (KVM_GET_API_VERSION fails)",
			 o.kvm_device ? o.kvm_device : "/dev/kvm");
	if (ret)
		die_line("%s", av_kvm_error(&kvm));

	/* SVE and pointer authentication whenever the host has them, unless turned off. */
	if (o.sve_max_vl && !kvm.caps.sve)
		die_line("--sve-max-vl %u: this host's KVM offers no SVE (KVM_CAP_ARM_SVE)",
			 o.sve_max_vl);
	struct av_kvm_features feat = {
		.sve = kvm.caps.sve && !o.no_sve,
		.sve_max_vl = o.sve_max_vl,
		.ptrauth = kvm.caps.ptrauth && !o.no_ptrauth,
	};
	if (av_kvm_set_features(&kvm, &feat))
		die_line("%s", av_kvm_error(&kvm));
	if (o.its && !kvm.caps.gicv3)
		die_line("--irqchip gicv3-its: this host's KVM has no GICv3 (it offers GICv2), "
			 "which an ITS needs");
	if (o.its && !kvm.caps.its)
		die_line("--irqchip gicv3-its: this host's KVM cannot create an in-kernel ITS "
			 "(KVM_DEV_TYPE_ARM_VGIC_ITS)");

	enum av_vmspec_gic_version gic;
	if (o.irqchip == 3 || (o.irqchip == 0 && kvm.caps.gicv3))
		gic = AV_VMSPEC_GICV3;
	else
		gic = AV_VMSPEC_GICV2;
	if (gic == AV_VMSPEC_GICV2 && o.cpus > VMM_GICV2_MAX_CPUS)
		die_line("--cpus %u: this host has only a GICv2, which addresses at most %u vCPUs",
			 o.cpus, VMM_GICV2_MAX_CPUS);

	av_vmspec_virt(&spec, gic, o.cpus, mem);
	if (o.pmu)
		spec.pmu_intid = AV_VIRT_PMU_INTID; /* the vCPUs' PMU and its DT node */
	if (o.its) {
		spec.gic.its.base = AV_VIRT_GITS_BASE;
		spec.gic.its.size = AV_VIRT_GITS_SIZE;
	}
	spec.chosen.bootargs = o.params;
	spec.chosen.stdout_uart = 0;
	if (getrandom(spec.chosen.rng_seed, 32, GRND_NONBLOCK) == 32)
		spec.chosen.rng_seed_len = 32;

	/* Firmware: the DTB at the start of RAM (where EDK2 and U-Boot look), entry at 0x0. */
	if (flash_banks)
		av_vmspec_virt_flash(&spec);
	struct av_boot_req req = {
		.ram_base = spec.ram[0].base,
		.ram_size = spec.ram[0].size,
		.kernel_base = AV_BOOT_ADDR_AUTO,
		.dtb_size = DTB_MAX,
		.dtb_addr = AV_BOOT_ADDR_AUTO,
		.initrd_size = ilen,
		.initrd_addr = AV_BOOT_ADDR_AUTO,
	};
	/* Any kernel format (arm64 Image, ELF, raw binary): boot.h detects and places it. */
	struct av_boot_kernel kern;
	struct av_boot_layout layout = { .dtb_addr = spec.ram[0].base };
	ret = o.firmware ? 0 : av_boot_prepare(kimg, klen, 0, &req, &kern, &layout);
	if (ret == -AV_ENOSPC && initrd) {
		/* The kernel alone fits: the initrd is what does not. */
		struct av_boot_req alone = req;
		struct av_boot_kernel k1;
		struct av_boot_layout l1;
		alone.initrd_size = 0;
		if (av_boot_prepare(kimg, klen, 0, &alone, &k1, &l1) == 0)
			die_line("--initrd %s: %zu bytes do not fit beside the kernel %s and the "
				 "DTB in %u MiB of RAM", o.initrd, ilen, o.kernel, o.mem_mib);
	}
	if (ret)
		die_line("kernel %s: %s (%u MiB of RAM)", o.kernel, kern.error, o.mem_mib);
	if (initrd) {
		spec.chosen.initrd_start = layout.initrd_addr;
		spec.chosen.initrd_end = layout.initrd_addr + ilen;
	}

	struct av_vmspec_error verr;
	ret = av_vmspec_validate(&spec, &verr);
	if (ret)
		die_line("invalid VM: %s: %s", verr.field, verr.msg);
	size_t dtb_len;
	ret = av_fdt_build(&spec, dtb, sizeof(dtb), &dtb_len);
	if (ret)
		die_line("cannot build the device tree: %s", av_strerror(ret));
	if (o.dtb_dump) {
		FILE *f = fopen(o.dtb_dump, "wb");
		if (!f || fwrite(dtb, 1, dtb_len, f) != dtb_len || fclose(f))
			die_line("--dtb-dump %s: %s", o.dtb_dump, strerror(errno));
	}

	/* Devices. */
	/* Addresses no device claims get an external abort (RAZ/WI if KVM cannot inject). */
	struct av_error merr;
	if (av_mmio_bus_init(&bus, bus_slots, sizeof(bus_slots) / sizeof(bus_slots[0]),
			     AV_MMIO_UNCLAIMED_ABORT, &merr))
		die_line("MMIO bus: %s: %s", merr.field, merr.msg);
	struct av_pl011_config ucfg = { .tx = uart_tx, .set_irq = uart_irq };
	struct av_pl031_config rcfg = { .now = rtc_now, .set_irq = rtc_irq };
	if (av_pl011_init(&uart, &ucfg) || av_pl011_mmio_dev(&uart, spec.uarts[0].mmio.base, &uart_dev) ||
	    av_pl031_init(&rtc, &rcfg) || av_pl031_mmio_dev(&rtc, spec.rtc.mmio.base, &rtc_dev))
		die_line("cannot set up the PL011/PL031 models");
	if (av_mmio_register(&bus, &uart_dev, &merr) || av_mmio_register(&bus, &rtc_dev, &merr))
		die_line("MMIO bus: %s: %s", merr.field, merr.msg);

	ret = av_kvm_create_vm(&kvm, &spec, &bus);
	if (ret)
		die_line("%s", av_kvm_error(&kvm));
	/* The virtio-mmio slots: devices over the VM's RAM, the others empty. */
	if (vmm_virtio_setup(&kvm, &spec, &bus, &o, err, sizeof(err)))
		die_line("%s", err);

	if (flash_banks)
		setup_flash();
	ret = o.firmware ? 0 : av_boot_load(&kern, &layout, av_kvm_copy_to_guest, &kvm);
	if (!ret && initrd)
		ret = av_kvm_copy_to_guest(&kvm, layout.initrd_addr, initrd, ilen);
	if (!ret)
		ret = av_kvm_copy_to_guest(&kvm, layout.dtb_addr, dtb, dtb_len);
	if (ret)
		die_line("cannot load the guest: %s", av_strerror(ret));
	struct av_regs regs;
	if (o.firmware) {
		fprintf(stderr, "armvirt-vmm: firmware: %s in flash at 0x%llx, entry there, "
			"DTB at %#llx; variables %s%s\n", o.firmware,
			(unsigned long long)spec.flash.banks[0].base,
			(unsigned long long)layout.dtb_addr, o.fw_vars ? "kept in " : "not kept",
			o.fw_vars ? o.fw_vars : "");
		av_boot_cpu_regs(&regs, spec.flash.banks[0].base, layout.dtb_addr);
	} else {
		fprintf(stderr, "armvirt-vmm: kernel: %s, loaded at %#llx, entry %#llx\n",
			av_boot_format_name(kern.format), (unsigned long long)layout.kernel_addr,
			(unsigned long long)layout.entry);
		av_boot_linux_regs(&regs, &layout);
	}
	free(kimg);
	free(initrd);
	if (av_kvm_set_regs(&kvm, 0, &regs))
		die_line("%s", av_kvm_error(&kvm));

	setup_console();
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	enum av_kvm_stop why = av_kvm_run(&kvm);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	restore_tty();

	if (o.stats)
		print_stats((double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);

	int status;
	switch (why) {
	case AV_KVM_STOP_POWEROFF:
		status = 0;
		break;
	case AV_KVM_STOP_RESET:
		fprintf(stderr, "armvirt-vmm: the guest asked for a reset; stopping\n");
		status = 0;
		break;
	case AV_KVM_STOP_REQUEST:
		if (stop_signal) {
			fprintf(stderr, "armvirt-vmm: stopped by signal %d\n", (int)stop_signal);
			status = 128 + stop_signal;
		} else {
			fprintf(stderr, "armvirt-vmm: stopped from the console\n");
			status = 1;
		}
		break;
	default:
		fprintf(stderr, "armvirt-vmm: %s\n", av_kvm_error(&kvm));
		status = 1;
		break;
	}
	vmm_virtio_stop();
	av_kvm_close(&kvm);
	vmm_virtio_close();
	vmm_fw_close(&flash[0].mem);
	vmm_fw_close(&flash[1].mem);
	return status;
}
