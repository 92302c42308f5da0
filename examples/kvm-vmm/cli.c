// SPDX-License-Identifier: MIT
/* armvirt-vmm's command-line parser. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char vmm_usage[] =
	"usage: armvirt-vmm run --kernel Image [--initrd FILE] [--params \"cmdline\"]\n"
	"       armvirt-vmm run --firmware FILE [--firmware-vars FILE]\n"
	"                       [--mem MiB] [--cpus N] [--irqchip gicv3|gicv3-its|gicv2]\n"
	"                       [--no-sve] [--sve-max-vl BITS] [--no-ptrauth]\n"
	"                       [--dtb-dump FILE] [--stats] [--kvm-device PATH] [--pmu]\n"
	"                       [--disk FILE[,ro]]... [--console serial|virtio] [--rng]\n"
	"                       [--io-thread] [--network tap[=IFNAME][,mac=MAC]|none]...\n"
	"       armvirt-vmm --help | --version\n"
	"\n"
	"Runs a kernel in a KVM virtual machine: an arm64 Image (placed as booting.rst says),\n"
	"an ELF64 AArch64 executable (segments at their physical addresses in RAM) or a raw\n"
	"binary (loaded and entered at RAM + 0x80000), x0 = the DTB; one line on stderr names\n"
	"the format found. The machine has QEMU virt's memory map: RAM at 0x40000000 (default\n"
	"256 MiB), PL011 console on this terminal, PL031 RTC, in-kernel vGIC, PSCI.\n"
	"virtio-mmio slots from 0x0a000000: the --disk files as virtio-blk (the first is\n"
	"/dev/vda; ,ro: read-only), then the virtio-console (--console virtio: this terminal\n"
	"as hvc0, pass console=hvc0), then the virtio-rng (--rng), then the virtio-net devices\n"
	"(--network tap: eth0 first, over the TAP interface IFNAME of /dev/net/tun, created if\n"
	"missing, named by the kernel if not given; MAC default 52:54:00:12:34:56 + index);\n"
	"the other slots are empty.\n"
	"Queues are processed on the vCPU that notifies them, or with --io-thread on an I/O\n"
	"thread woken by KVM_IOEVENTFD (interrupts then through KVM_IRQFD).\n"
	"--firmware boots a firmware for QEMU virt instead of a kernel (EDK2's QEMU_EFI.fd,\n"
	"U-Boot's qemu_arm64 u-boot.bin; at most 64 MiB): it is flash bank 0 at 0x0 (read-only),\n"
	"entered at 0x0 with x0 = the DTB at the start of RAM; bank 1 at 0x04000000 holds its\n"
	"variables, kept in the --firmware-vars file (64 MiB, created full of 0xff when missing\n"
	"or empty) or lost at exit without one. The firmware boots the --disk images itself.\n"
	"--firmware-vars with --kernel gives a kernel the two banks too (bank 0 erased).\n"
	"SVE and pointer authentication are given to the guest when the host's KVM has them.\n"
	"Exits 0 when the guest powers off. Console escape: Ctrl-A x quits.\n";

int vmm_errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	if (err && errlen)
		vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* A decimal number in [min, max], nothing else. */
static int parse_uint(const char *s, unsigned min, unsigned max, unsigned *out)
{
	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	for (const char *p = s; *p; p++)
		if (*p < '0' || *p > '9')
			return -1;
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

enum opt_id {
	OPT_KERNEL, OPT_INITRD, OPT_PARAMS, OPT_MEM, OPT_CPUS, OPT_IRQCHIP, OPT_DTB_DUMP,
	OPT_STATS, OPT_KVM_DEVICE, OPT_HELP, OPT_NO_SVE, OPT_SVE_MAX_VL, OPT_NO_PTRAUTH, OPT_PMU,
	OPT_DISK, OPT_CONSOLE, OPT_RNG, OPT_IO_THREAD, OPT_NETWORK, OPT_FIRMWARE, OPT_FW_VARS,
};

static const struct {
	const char *name;
	enum opt_id id;
	bool has_arg;
} options[] = {
	{ "--kernel", OPT_KERNEL, true },     { "--initrd", OPT_INITRD, true },
	{ "--params", OPT_PARAMS, true },     { "--mem", OPT_MEM, true },
	{ "--cpus", OPT_CPUS, true },         { "--irqchip", OPT_IRQCHIP, true },
	{ "--dtb-dump", OPT_DTB_DUMP, true }, { "--stats", OPT_STATS, false },
	{ "--kvm-device", OPT_KVM_DEVICE, true }, { "--help", OPT_HELP, false },
	{ "-h", OPT_HELP, false },            { "--pmu", OPT_PMU, false },
	{ "--no-sve", OPT_NO_SVE, false },    { "--sve-max-vl", OPT_SVE_MAX_VL, true },
	{ "--no-ptrauth", OPT_NO_PTRAUTH, false },
	{ "--disk", OPT_DISK, true },         { "--console", OPT_CONSOLE, true },
	{ "--rng", OPT_RNG, false },          { "--io-thread", OPT_IO_THREAD, false },
	{ "--network", OPT_NETWORK, true },   { "--firmware", OPT_FIRMWARE, true },
	{ "--firmware-vars", OPT_FW_VARS, true },
};

/* --disk FILE[,ro]: the file name runs to the first comma, options follow. */
static int parse_disk(const char *val, struct vmm_opts *o, char *err, size_t errlen)
{
	if (o->nr_disks >= VMM_MAX_DISKS)
		return vmm_errf(err, errlen, "--disk %s: at most %u disks", val, VMM_MAX_DISKS);
	struct vmm_disk *d = &o->disks[o->nr_disks];
	const char *comma = strchr(val, ',');
	size_t len = comma ? (size_t)(comma - val) : strlen(val);
	if (!len)
		return vmm_errf(err, errlen, "--disk '%s': empty file name", val);
	if (len >= sizeof(d->path))
		return vmm_errf(err, errlen, "--disk: file name longer than %zu bytes",
			   sizeof(d->path) - 1);
	memcpy(d->path, val, len);
	d->path[len] = '\0';
	d->readonly = false;
	while (comma) {
		const char *opt = comma + 1;
		comma = strchr(opt, ',');
		size_t olen = comma ? (size_t)(comma - opt) : strlen(opt);
		if (olen == 2 && !strncmp(opt, "ro", 2))
			d->readonly = true;
		else
			return vmm_errf(err, errlen, "--disk '%s': unknown option '%.*s' (expected ro)",
				   val, (int)olen, opt);
	}
	o->nr_disks++;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int vmm_parse_mac(const char *s, unsigned char mac[6], const char **why)
{
	*why = "expected six hex bytes as in 52:54:00:12:34:56";
	if (strlen(s) != 17)
		return -1;
	for (size_t i = 0; i < 6; i++) {
		const char *p = s + 3 * i;
		int hi = hexval(p[0]), lo = hexval(p[1]);
		if (hi < 0 || lo < 0 || (i < 5 && p[2] != ':'))
			return -1;
		mac[i] = (unsigned char)(hi << 4 | lo);
	}
	if (mac[0] & 1) {
		*why = "a multicast address (the first byte is odd)";
		return -1;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		*why = "the all-zero address";
		return -1;
	}
	return 0;
}

/* --network none | tap[=IFNAME][,mac=MAC] */
static int parse_network(const char *val, struct vmm_opts *o, char *err, size_t errlen)
{
	if (!strcmp(val, "none")) {
		if (o->nr_nets)
			return vmm_errf(err, errlen, "--network none: contradicts --network tap");
		o->net_none = true;
		return 0;
	}
	if (strncmp(val, "tap", 3) != 0 || (val[3] && val[3] != '=' && val[3] != ','))
		return vmm_errf(err, errlen, "--network '%s': expected tap[=IFNAME][,mac=MAC] or none",
			   val);
	if (o->net_none)
		return vmm_errf(err, errlen, "--network '%s': contradicts --network none", val);
	if (o->nr_nets >= VMM_MAX_NETS)
		return vmm_errf(err, errlen, "--network %s: at most %u networks", val, VMM_MAX_NETS);
	struct vmm_net *n = &o->nets[o->nr_nets];
	memset(n, 0, sizeof(*n));
	const char *p = val + 3;
	if (*p == '=') {
		p++;
		size_t len = strcspn(p, ",");
		if (!len || len >= VMM_IFNAME_MAX)
			return vmm_errf(err, errlen, "--network '%s': an interface name has 1 to %u bytes",
				   val, VMM_IFNAME_MAX - 1);
		for (size_t i = 0; i < len; i++)
			if (p[i] == '/' || p[i] == ':' || p[i] == ' ' || (p[i] >= '\t' && p[i] <= '\r'))
				return vmm_errf(err, errlen, "--network '%s': '%c' in the interface name",
					   val, p[i]);
		if ((len == 1 && p[0] == '.') || (len == 2 && !strncmp(p, "..", 2)))
			return vmm_errf(err, errlen, "--network '%s': '%.*s' is not an interface name",
				   val, (int)len, p);
		memcpy(n->ifname, p, len);
		p += len;
	}
	while (*p == ',') {
		const char *opt = p + 1;
		size_t olen = strcspn(opt, ",");
		p = opt + olen;
		if (olen > 4 && !strncmp(opt, "mac=", 4)) {
			char mac[32];
			const char *why;
			snprintf(mac, sizeof(mac), "%.*s", (int)(olen - 4), opt + 4);
			/* vmm_parse_mac() first: it sets the reason also for a cut value */
			if (vmm_parse_mac(mac, n->mac, &why) || olen - 4 >= sizeof(mac))
				return vmm_errf(err, errlen, "--network '%s': mac '%.*s': %s", val,
					   (int)(olen - 4), opt + 4, why);
			n->mac_given = true;
		} else {
			return vmm_errf(err, errlen, "--network '%s': unknown option '%.*s' (expected mac=MAC)",
				   val, (int)olen, opt);
		}
	}
	if (!n->mac_given) {
		static const unsigned char def[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
		memcpy(n->mac, def, sizeof(def));
		n->mac[5] = (unsigned char)(def[5] + o->nr_nets);
	}
	o->nr_nets++;
	return 0;
}

int vmm_parse_args(int argc, char *const argv[], struct vmm_opts *o, char *err, size_t errlen)
{
	if (!o || !argv)
		return vmm_errf(err, errlen, "internal error: no arguments");
	memset(o, 0, sizeof(*o));
	o->mem_mib = VMM_DEFAULT_MEM_MIB;
	o->cpus = 1;
	if (err && errlen)
		err[0] = '\0';

	if (argc < 2)
		return vmm_errf(err, errlen, "missing command (try --help)");
	const char *cmd = argv[1];
	if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
		o->cmd = VMM_CMD_HELP;
		return 0;
	}
	if (!strcmp(cmd, "--version")) {
		o->cmd = VMM_CMD_VERSION;
		return 0;
	}
	if (strcmp(cmd, "run") != 0)
		return vmm_errf(err, errlen, "unknown command '%s' (try --help)", cmd);
	o->cmd = VMM_CMD_RUN;

	for (int i = 2; i < argc; i++) {
		const char *arg = argv[i];
		const char *eq = strchr(arg, '=');
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		size_t k;
		size_t nopts = sizeof(options) / sizeof(options[0]);
		for (k = 0; k < nopts; k++)
			if (strlen(options[k].name) == nlen && !strncmp(options[k].name, arg, nlen))
				break;
		if (k == nopts)
			return vmm_errf(err, errlen, "unknown option '%s' (try --help)", arg);
		/* "" for an option without a value (never read; the analysers cannot tell) */
		const char *val = "";
		/* cppcheck-suppress arrayIndexOutOfBounds ; k < nopts: the loop above returned */
		if (options[k].has_arg) {
			if (eq) {
				val = eq + 1;
			} else {
				if (i + 1 >= argc)
					return vmm_errf(err, errlen, "option %s needs a value",
						   options[k].name);
				val = argv[++i];
			}
		} else if (eq) {
			return vmm_errf(err, errlen, "option %s takes no value", options[k].name);
		}

		switch (options[k].id) {
		case OPT_KERNEL:
			if (!*val)
				return vmm_errf(err, errlen, "--kernel: empty file name");
			o->kernel = val;
			break;
		case OPT_FIRMWARE:
			if (!*val)
				return vmm_errf(err, errlen, "--firmware: empty file name");
			o->firmware = val;
			break;
		case OPT_FW_VARS:
			if (!*val)
				return vmm_errf(err, errlen, "--firmware-vars: empty file name");
			o->fw_vars = val;
			break;
		case OPT_INITRD:
			if (!*val)
				return vmm_errf(err, errlen, "--initrd: empty file name");
			o->initrd = val;
			break;
		case OPT_PARAMS:
			if (strlen(val) > VMM_PARAMS_MAX)
				return vmm_errf(err, errlen, "--params: %zu characters, more than the "
						"%u of Linux's command line (COMMAND_LINE_SIZE %u)",
						strlen(val), VMM_PARAMS_MAX, VMM_PARAMS_MAX + 1);
			o->params = val;
			break;
		case OPT_DTB_DUMP:
			if (!*val)
				return vmm_errf(err, errlen, "--dtb-dump: empty file name");
			o->dtb_dump = val;
			break;
		case OPT_KVM_DEVICE:
			if (!*val)
				return vmm_errf(err, errlen, "--kvm-device: empty path");
			o->kvm_device = val;
			break;
		case OPT_MEM:
			if (parse_uint(val, 1, VMM_MAX_MEM_MIB, &o->mem_mib))
				return vmm_errf(err, errlen, "--mem '%s': expected MiB between 1 and %u", val,
					   VMM_MAX_MEM_MIB);
			break;
		case OPT_CPUS:
			if (parse_uint(val, 1, VMM_MAX_CPUS, &o->cpus))
				return vmm_errf(err, errlen, "--cpus '%s': expected a count between 1 and %u",
					   val, VMM_MAX_CPUS);
			break;
		case OPT_IRQCHIP:
			o->its = !strcmp(val, "gicv3-its");
			if (!strcmp(val, "gicv3") || o->its)
				o->irqchip = 3;
			else if (!strcmp(val, "gicv2"))
				o->irqchip = 2;
			else
				return vmm_errf(err, errlen,
					   "--irqchip '%s': expected gicv3, gicv3-its or gicv2", val);
			break;
		case OPT_NO_SVE:
			o->no_sve = true;
			break;
		case OPT_SVE_MAX_VL:
			if (parse_uint(val, 128, VMM_SVE_MAX_VL, &o->sve_max_vl) ||
			    o->sve_max_vl % 128)
				return vmm_errf(err, errlen,
					   "--sve-max-vl '%s': expected bits, a multiple of 128 "
					   "from 128 to %u", val, VMM_SVE_MAX_VL);
			break;
		case OPT_NO_PTRAUTH:
			o->no_ptrauth = true;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_PMU:
			o->pmu = true;
			break;
		case OPT_DISK:
			if (parse_disk(val, o, err, errlen))
				return -1;
			break;
		case OPT_CONSOLE:
			if (!strcmp(val, "serial"))
				o->console = VMM_CONSOLE_SERIAL;
			else if (!strcmp(val, "virtio"))
				o->console = VMM_CONSOLE_VIRTIO;
			else
				return vmm_errf(err, errlen, "--console '%s': expected serial or virtio",
					   val);
			break;
		case OPT_RNG:
			o->rng = true;
			break;
		case OPT_IO_THREAD:
			o->io_thread = true;
			break;
		case OPT_NETWORK:
			if (parse_network(val, o, err, errlen))
				return -1;
			break;
		case OPT_HELP:
			o->cmd = VMM_CMD_HELP;
			return 0;
		}
	}
	if (o->kernel && o->firmware)
		return vmm_errf(err, errlen, "--kernel and --firmware exclude each other "
			   "(the firmware loads the kernel from a --disk)");
	if (!o->kernel && !o->firmware)
		return vmm_errf(err, errlen, "run: --kernel or --firmware is required");
	if (o->firmware && (o->initrd || o->params))
		return vmm_errf(err, errlen, "--%s needs --kernel (a firmware finds its own on a --disk)",
			   o->initrd ? "initrd" : "params");
	if (o->no_sve && o->sve_max_vl)
		return vmm_errf(err, errlen, "--sve-max-vl and --no-sve contradict each other");
	if (o->irqchip == 2 && o->cpus > VMM_GICV2_MAX_CPUS)
		return vmm_errf(err, errlen, "--cpus %u: a GICv2 addresses at most %u vCPUs", o->cpus,
			   VMM_GICV2_MAX_CPUS);
	return 0;
}
