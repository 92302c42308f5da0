// SPDX-License-Identifier: MIT
/* armvirt-vmm's command-line parser, its input files (files.c) and firmware files (firmware.c). */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <errno.h>
#include <sys/wait.h>

#include "cli.h"
#include "files.h"
#include "firmware.h"

#define ARGV(...) ((char *const[]){ "armvirt-vmm", __VA_ARGS__, NULL })
#define ARGC(...) ((int)(sizeof((const char *[]){ "armvirt-vmm", __VA_ARGS__ }) / sizeof(char *)))
#define PARSE(o, err, ...) vmm_parse_args(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), (o), (err), sizeof(err))

static void test_defaults(void **state)
{
	(void)state;
	struct vmm_opts o;
	char err[160];
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "Image"), 0);
	assert_int_equal(o.cmd, VMM_CMD_RUN);
	assert_string_equal(o.kernel, "Image");
	assert_null(o.initrd);
	assert_null(o.params);
	assert_null(o.dtb_dump);
	assert_null(o.kvm_device);
	assert_int_equal(o.mem_mib, VMM_DEFAULT_MEM_MIB);
	assert_int_equal(o.cpus, 1);
	assert_int_equal(o.irqchip, 0);
	assert_false(o.stats);
	assert_false(o.pmu);
	assert_string_equal(err, "");
}

static void test_all_options(void **state)
{
	(void)state;
	struct vmm_opts o;
	char err[160];
	assert_int_equal(PARSE(&o, err, "run", "--kernel=/k", "--initrd", "/i", "--params",
			       "console=ttyAMA0 quiet", "--mem=512", "--cpus", "4", "--irqchip=gicv2",
			       "--dtb-dump", "/tmp/x.dtb", "--stats", "--kvm-device", "/dev/k", "--pmu"),
			 0);
	assert_true(o.pmu);
	assert_string_equal(o.kernel, "/k");
	assert_string_equal(o.initrd, "/i");
	assert_string_equal(o.params, "console=ttyAMA0 quiet");
	assert_int_equal(o.mem_mib, 512);
	assert_int_equal(o.cpus, 4);
	assert_int_equal(o.irqchip, 2);
	assert_string_equal(o.dtb_dump, "/tmp/x.dtb");
	assert_string_equal(o.kvm_device, "/dev/k");
	assert_true(o.stats);
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--irqchip", "gicv3", "--params="),
			 0);
	assert_int_equal(o.irqchip, 3);
	assert_string_equal(o.params, "");
}

static void test_commands(void **state)
{
	(void)state;
	struct vmm_opts o;
	char err[160];
	assert_int_equal(PARSE(&o, err, "--help"), 0);
	assert_int_equal(o.cmd, VMM_CMD_HELP);
	assert_int_equal(PARSE(&o, err, "--version"), 0);
	assert_int_equal(o.cmd, VMM_CMD_VERSION);
	assert_int_equal(PARSE(&o, err, "run", "--help"), 0);
	assert_int_equal(o.cmd, VMM_CMD_HELP);
	assert_int_equal(vmm_parse_args(1, ARGV(NULL), &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "missing command"));
	assert_int_equal(PARSE(&o, err, "start"), -1);
	assert_non_null(strstr(err, "unknown command 'start'"));
}

static void expect_error(int ret, const char *err, const char *needle)
{
	assert_int_equal(ret, -1);
	if (!strstr(err, needle))
		fail_msg("error '%s' does not mention '%s'", err, needle);
	assert_null(strchr(err, '\n'));
}

static void test_errors(void **state)
{
	(void)state;
	struct vmm_opts o;
	char err[160];
	expect_error(PARSE(&o, err, "run"), err, "--kernel or --firmware is required");
	expect_error(PARSE(&o, err, "run", "--kernel"), err, "--kernel needs a value");
	/* --params: at most Linux's 2,047 characters (COMMAND_LINE_SIZE 2048 with its NUL) */
	static char params[VMM_PARAMS_MAX + 2];
	memset(params, 'p', VMM_PARAMS_MAX);
	params[VMM_PARAMS_MAX] = 0;
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--params", params), 0);
	params[VMM_PARAMS_MAX] = 'p';
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--params", params), err,
		     "--params: 2048 characters, more than the 2047 of Linux's command line");
	expect_error(PARSE(&o, err, "run", "--kernel="), err, "empty file name");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--bogus"), err, "unknown option '--bogus'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--stats=1"), err, "takes no value");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--pmu=on"), err, "takes no value");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--mem", "0"), err, "--mem '0'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--mem", "-5"), err, "--mem '-5'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--mem", "12M"), err, "--mem '12M'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--mem", "99999999999999999999"), err,
		     "--mem");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--mem", "2097152"), err, "--mem");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--cpus", "0"), err, "--cpus '0'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--cpus", "65"), err, "--cpus '65'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--cpus", ""), err, "--cpus ''");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--irqchip", "gicv4"), err,
		     "--irqchip 'gicv4'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--irqchip", "gicv2", "--cpus", "9"),
		     err, "at most 8");
	/* A tiny error buffer truncates without overflowing. */
	char small[8];
	assert_int_equal(vmm_parse_args(2, ARGV("run"), &o, small, sizeof(small)), -1);
	assert_int_equal(strlen(small), 7);
}

/* SVE, pointer authentication and the ITS: on by default where the host has them. */
static void test_cpu_features(void **state)
{
	(void)state;
	struct vmm_opts o;
	char err[160];
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k"), 0);
	assert_false(o.no_sve);
	assert_false(o.no_ptrauth);
	assert_int_equal(o.sve_max_vl, 0);
	assert_false(o.its);
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--no-sve", "--no-ptrauth"), 0);
	assert_true(o.no_sve);
	assert_true(o.no_ptrauth);
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--sve-max-vl", "256"), 0);
	assert_int_equal(o.sve_max_vl, 256);
	assert_false(o.no_sve);
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--sve-max-vl=2048"), 0);
	assert_int_equal(o.sve_max_vl, 2048);
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--sve-max-vl=128"), 0);
	assert_int_equal(o.sve_max_vl, 128);
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--irqchip", "gicv3-its"), 0);
	assert_int_equal(o.irqchip, 3);
	assert_true(o.its);
	/* the last --irqchip wins, ITS included */
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--irqchip=gicv3-its",
			       "--irqchip=gicv3"), 0);
	assert_int_equal(o.irqchip, 3);
	assert_false(o.its);

	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--sve-max-vl", "192"), err,
		     "--sve-max-vl '192': expected bits, a multiple of 128");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--sve-max-vl", "0"), err,
		     "--sve-max-vl '0'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--sve-max-vl", "4096"), err,
		     "--sve-max-vl '4096'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--sve-max-vl", "32B"), err,
		     "--sve-max-vl '32B'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--sve-max-vl"), err,
		     "--sve-max-vl needs a value");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--no-sve", "--sve-max-vl", "256"), err,
		     "contradict");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--no-sve=1"), err, "takes no value");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--irqchip", "gicv2-its"), err,
		     "expected gicv3, gicv3-its or gicv2");
}

/* --disk FILE[,ro] (repeatable, in order), --console serial|virtio, --rng. */
static void test_virtio(void **state)
{
	(void)state;
	static struct vmm_opts o;
	char err[160];
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k"), 0);
	assert_int_equal(o.nr_disks, 0);
	assert_int_equal(o.console, VMM_CONSOLE_SERIAL);
	assert_false(o.rng);
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--disk", "a.ext4", "--disk=/b/raw.img,ro",
			       "--disk", "c", "--console", "virtio", "--rng"), 0);
	assert_int_equal(o.nr_disks, 3);
	assert_string_equal(o.disks[0].path, "a.ext4");
	assert_false(o.disks[0].readonly);
	assert_string_equal(o.disks[1].path, "/b/raw.img");
	assert_true(o.disks[1].readonly);
	assert_string_equal(o.disks[2].path, "c");
	assert_false(o.disks[2].readonly);
	assert_int_equal(o.console, VMM_CONSOLE_VIRTIO);
	assert_true(o.rng);
	assert_false(o.io_thread);
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--io-thread"), 0);
	assert_true(o.io_thread);
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--io-thread=1"), err, "takes no value");
	/* the last --console wins; ,ro may be repeated */
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--console=virtio", "--console=serial",
			       "--disk", "d,ro,ro"), 0);
	assert_int_equal(o.console, VMM_CONSOLE_SERIAL);
	assert_int_equal(o.nr_disks, 1);
	assert_string_equal(o.disks[0].path, "d");
	assert_true(o.disks[0].readonly);

	/* VMM_MAX_DISKS disks, then one too many */
	char *argv[4 + 2 * (VMM_MAX_DISKS + 1) + 1];
	int argc = 0;
	argv[argc++] = "armvirt-vmm";
	argv[argc++] = "run";
	argv[argc++] = "--kernel";
	argv[argc++] = "k";
	for (unsigned i = 0; i < VMM_MAX_DISKS; i++) {
		argv[argc++] = "--disk";
		argv[argc++] = "disk.img";
	}
	argv[argc] = NULL;
	assert_int_equal(vmm_parse_args(argc, argv, &o, err, sizeof(err)), 0);
	assert_int_equal(o.nr_disks, VMM_MAX_DISKS);
	argv[argc++] = "--disk";
	argv[argc++] = "one-too-many.img";
	argv[argc] = NULL;
	expect_error(vmm_parse_args(argc, argv, &o, err, sizeof(err)), err,
		     "--disk one-too-many.img: at most 16 disks");

	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--disk"), err, "--disk needs a value");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--disk", ""), err,
		     "--disk '': empty file name");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--disk", ",ro"), err,
		     "--disk ',ro': empty file name");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--disk", "x.img,rw"), err,
		     "--disk 'x.img,rw': unknown option 'rw' (expected ro)");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--disk", "x.img,ro,cache=none"), err,
		     "unknown option 'cache=none'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--disk", "x.img,"), err,
		     "unknown option ''");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--disk", "x.img,RO"), err,
		     "unknown option 'RO'");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--console", "hvc0"), err,
		     "--console 'hvc0': expected serial or virtio");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--console"), err,
		     "--console needs a value");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--rng=getrandom"), err,
		     "takes no value");

	/* a file name as long as the buffer allows, and one byte more */
	static char name[VMM_DISK_PATH_MAX + 1];
	memset(name, 'a', VMM_DISK_PATH_MAX - 1);
	name[VMM_DISK_PATH_MAX - 1] = '\0';
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--disk", name), 0);
	assert_int_equal(strlen(o.disks[0].path), VMM_DISK_PATH_MAX - 1);
	name[VMM_DISK_PATH_MAX - 1] = 'a';
	name[VMM_DISK_PATH_MAX] = '\0';
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--disk", name), err,
		     "file name longer than 4095 bytes");
}

static void assert_mac(const unsigned char *mac, const char *want)
{
	char got[18];
	snprintf(got, sizeof(got), "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2],
		 mac[3], mac[4], mac[5]);
	assert_string_equal(got, want);
}

/* --network tap[=IFNAME][,mac=MAC] (repeatable, in order) | none */
static void test_network(void **state)
{
	(void)state;
	struct vmm_opts o;
	char err[160];
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k"), 0);
	assert_int_equal(o.nr_nets, 0);
	assert_false(o.net_none);
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--network", "none"), 0);
	assert_int_equal(o.nr_nets, 0);
	assert_true(o.net_none);

	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--network", "tap=tap0",
			       "--network=tap", "--network", "tap,mac=02:AB:cd:00:00:01",
			       "--network", "tap=br-lan.7,mac=52:54:00:00:00:ff"), 0);
	assert_int_equal(o.nr_nets, 4);
	assert_string_equal(o.nets[0].ifname, "tap0");
	assert_false(o.nets[0].mac_given);
	assert_mac(o.nets[0].mac, "52:54:00:12:34:56");
	assert_string_equal(o.nets[1].ifname, "");
	assert_mac(o.nets[1].mac, "52:54:00:12:34:57");
	assert_string_equal(o.nets[2].ifname, "");
	assert_true(o.nets[2].mac_given);
	assert_mac(o.nets[2].mac, "02:ab:cd:00:00:01");
	assert_string_equal(o.nets[3].ifname, "br-lan.7");
	assert_mac(o.nets[3].mac, "52:54:00:00:00:ff");

	/* a 15-byte name fits, 16 bytes do not */
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--network", "tap=abcdefghijklmno"), 0);
	assert_string_equal(o.nets[0].ifname, "abcdefghijklmno");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--network", "tap=abcdefghijklmnop"),
		     err, "an interface name has 1 to 15 bytes");

	/* VMM_MAX_NETS networks with distinct default MACs, then one too many */
	char *argv[4 + 2 * (VMM_MAX_NETS + 1) + 1];
	int argc = 0;
	argv[argc++] = "armvirt-vmm";
	argv[argc++] = "run";
	argv[argc++] = "--kernel";
	argv[argc++] = "k";
	for (unsigned i = 0; i < VMM_MAX_NETS; i++) {
		argv[argc++] = "--network";
		argv[argc++] = "tap";
	}
	argv[argc] = NULL;
	assert_int_equal(vmm_parse_args(argc, argv, &o, err, sizeof(err)), 0);
	assert_int_equal(o.nr_nets, VMM_MAX_NETS);
	for (unsigned i = 1; i < VMM_MAX_NETS; i++)
		assert_memory_not_equal(o.nets[i].mac, o.nets[i - 1].mac, 6);
	assert_mac(o.nets[VMM_MAX_NETS - 1].mac, "52:54:00:12:34:5d");
	argv[argc++] = "--network";
	argv[argc++] = "tap=extra";
	argv[argc] = NULL;
	expect_error(vmm_parse_args(argc, argv, &o, err, sizeof(err)), err,
		     "--network tap=extra: at most 8 networks");

	/* bad values, each with its reason */
	static const struct {
		char *val;
		const char *msg;
	} bad[] = {
		{ "", "--network '': expected tap[=IFNAME][,mac=MAC] or none" },
		{ "user", "--network 'user': expected tap[=IFNAME][,mac=MAC] or none" },
		{ "tapx", "--network 'tapx': expected tap[=IFNAME][,mac=MAC] or none" },
		{ "TAP", "expected tap[=IFNAME][,mac=MAC] or none" },
		{ "tap=", "--network 'tap=': an interface name has 1 to 15 bytes" },
		{ "tap=,mac=52:54:00:00:00:01", "an interface name has 1 to 15 bytes" },
		{ "tap=a/b", "--network 'tap=a/b': '/' in the interface name" },
		{ "tap=a:1", "':' in the interface name" },
		{ "tap=a b", "' ' in the interface name" },
		{ "tap=..", "'..' is not an interface name" },
		{ "tap=.", "'.' is not an interface name" },
		{ "tap,mac=52:54:00:12:34", "--network 'tap,mac=52:54:00:12:34': mac '52:54:00:12:34': "
					    "expected six hex bytes as in 52:54:00:12:34:56" },
		{ "tap,mac=52:54:00:12:34:5g", "expected six hex bytes" },
		{ "tap,mac=52-54-00-12-34-56", "expected six hex bytes" },
		{ "tap,mac=52:54:00:12:34:567", "expected six hex bytes" },
		{ "tap,mac=525:4:00:12:34:56", "expected six hex bytes" },
		/* longer than the parser's buffer: still the reason, not an unset pointer */
		{ "tap,mac=52:54:00:12:34:56:52:54:00:12:34:56:52:54:00:12",
		  "mac '52:54:00:12:34:56:52:54:00:12:34:56:52:54:00:12': expected six hex bytes" },
		{ "tap,mac=", "unknown option 'mac=' (expected mac=MAC)" },
		{ "tap,mac=01:00:5e:00:00:01", "mac '01:00:5e:00:00:01': a multicast address" },
		{ "tap,mac=ff:ff:ff:ff:ff:ff", "a multicast address" },
		{ "tap,mac=00:00:00:00:00:00", "the all-zero address" },
		{ "tap=tap0,vhost=on", "--network 'tap=tap0,vhost=on': unknown option 'vhost=on' "
				       "(expected mac=MAC)" },
		{ "tap=tap0,", "unknown option ''" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		expect_error(PARSE(&o, err, "run", "--kernel", "k", "--network", bad[i].val), err,
			     bad[i].msg);
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--network"), err,
		     "--network needs a value");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--network", "none", "--network", "tap"),
		     err, "--network 'tap': contradicts --network none");
	expect_error(PARSE(&o, err, "run", "--kernel", "k", "--network", "tap", "--network", "none"),
		     err, "--network none: contradicts --network tap");
}

/* --firmware and --firmware-vars: a firmware boot instead of a kernel. */
static void test_firmware_args(void **state)
{
	(void)state;
	struct vmm_opts o;
	char err[160];
	assert_int_equal(PARSE(&o, err, "run", "--firmware", "QEMU_EFI.fd", "--disk", "d.img"), 0);
	assert_string_equal(o.firmware, "QEMU_EFI.fd");
	assert_null(o.fw_vars);
	assert_null(o.kernel);
	assert_int_equal(o.nr_disks, 1);
	assert_int_equal(PARSE(&o, err, "run", "--firmware-vars=v.fd", "--firmware=u-boot.bin"), 0);
	assert_string_equal(o.firmware, "u-boot.bin");
	assert_string_equal(o.fw_vars, "v.fd");
	expect_error(PARSE(&o, err, "run", "--firmware", "f", "--kernel", "k"), err,
		     "--kernel and --firmware exclude each other");
	/* a kernel may have the flash banks too (a program that drives the flash) */
	assert_int_equal(PARSE(&o, err, "run", "--kernel", "k", "--firmware-vars", "v"), 0);
	assert_string_equal(o.fw_vars, "v");
	assert_null(o.firmware);
	expect_error(PARSE(&o, err, "run", "--firmware-vars", "v"), err,
		     "--kernel or --firmware is required");
	expect_error(PARSE(&o, err, "run", "--firmware", "f", "--initrd", "i"), err,
		     "--initrd needs --kernel");
	expect_error(PARSE(&o, err, "run", "--firmware", "f", "--params", "quiet"), err,
		     "--params needs --kernel");
	expect_error(PARSE(&o, err, "run", "--firmware="), err, "--firmware: empty file name");
	expect_error(PARSE(&o, err, "run", "--firmware", "f", "--firmware-vars="), err,
		     "--firmware-vars: empty file name");
	expect_error(PARSE(&o, err, "run", "--firmware"), err, "--firmware needs a value");
}

#define FW_BANK 0x10000u /* a small bank for the file tests */

static char fw_dir[64];

static const char *fw_path(const char *name)
{
	static char path[128];
	snprintf(path, sizeof(path), "%s/%s", fw_dir, name);
	return path;
}

static void write_file(const char *name, unsigned char byte, size_t len)
{
	int fd = open(fw_path(name), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	unsigned char buf[4096];
	memset(buf, byte, sizeof(buf));
	while (len) {
		size_t n = len < sizeof(buf) ? len : sizeof(buf);
		assert_int_equal(write(fd, buf, n), (ssize_t)n);
		len -= n;
	}
	close(fd);
}

static off_t file_size(const char *name)
{
	struct stat st;
	return stat(fw_path(name), &st) ? -1 : st.st_size;
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t byte)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != byte)
			return false;
	return true;
}

static int fw_setup(void **state)
{
	(void)state;
	snprintf(fw_dir, sizeof(fw_dir), "/tmp/test_kvm_cli.XXXXXX");
	return mkdtemp(fw_dir) ? 0 : -1;
}

static int fw_teardown(void **state)
{
	(void)state;
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fw_dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The code bank: the file at the start, erased (0xff) after it; bad files refused. */
static void test_fw_code(void **state)
{
	(void)state;
	struct vmm_fw_bank b;
	char err[200];
	write_file("code", 0x5a, 3000);
	assert_int_equal(vmm_fw_load_code(&b, fw_path("code"), FW_BANK, err, sizeof(err)), 0);
	assert_true(all_bytes(b.mem, 3000, 0x5a));
	assert_true(all_bytes(b.mem + 3000, FW_BANK - 3000, 0xff));
	assert_int_equal(b.fd, -1);
	vmm_fw_close(&b);
	assert_null(b.mem);
	/* exactly the bank's size is fine, one byte more is not */
	write_file("full", 0x11, FW_BANK);
	assert_int_equal(vmm_fw_load_code(&b, fw_path("full"), FW_BANK, err, sizeof(err)), 0);
	assert_true(all_bytes(b.mem, FW_BANK, 0x11));
	vmm_fw_close(&b);
	write_file("big", 0x11, FW_BANK + 1);
	expect_error(vmm_fw_load_code(&b, fw_path("big"), FW_BANK, err, sizeof(err)), err,
		     "65537 bytes, more than the");
	assert_null(b.mem);
	write_file("empty", 0, 0);
	expect_error(vmm_fw_load_code(&b, fw_path("empty"), FW_BANK, err, sizeof(err)), err,
		     "empty file");
	expect_error(vmm_fw_load_code(&b, fw_path("missing"), FW_BANK, err, sizeof(err)), err,
		     "No such file or directory");
	expect_error(vmm_fw_load_code(&b, fw_dir, FW_BANK, err, sizeof(err)), err,
		     "a directory, not a file");
	assert_int_equal(file_size("missing"), -1);
}

/* The variable bank: created full of 0xff, written through, kept; sizes checked. */
static void test_fw_vars(void **state)
{
	(void)state;
	struct vmm_fw_bank b, b2;
	char err[200];
	/* missing: created with the bank's size, all ones */
	assert_int_equal(vmm_fw_map_vars(&b, fw_path("vars"), FW_BANK, err, sizeof(err)), 0);
	assert_int_equal(file_size("vars"), FW_BANK);
	assert_true(all_bytes(b.mem, FW_BANK, 0xff));
	/* a second user of the same file is refused while the first has it */
	expect_error(vmm_fw_map_vars(&b2, fw_path("vars"), FW_BANK, err, sizeof(err)), err,
		     "in use by another armvirt-vmm");
	b.mem[100] = 0x42;
	b.mem[FW_BANK - 1] = 0x00;
	vmm_fw_close(&b);
	/* the writes are in the file and come back */
	assert_int_equal(vmm_fw_map_vars(&b, fw_path("vars"), FW_BANK, err, sizeof(err)), 0);
	assert_int_equal(b.mem[100], 0x42);
	assert_int_equal(b.mem[FW_BANK - 1], 0x00);
	assert_int_equal(b.mem[101], 0xff);
	vmm_fw_close(&b);
	/* an empty file becomes a new store */
	write_file("empty-vars", 0, 0);
	assert_int_equal(vmm_fw_map_vars(&b, fw_path("empty-vars"), FW_BANK, err, sizeof(err)), 0);
	assert_true(all_bytes(b.mem, FW_BANK, 0xff));
	vmm_fw_close(&b);
	assert_int_equal(file_size("empty-vars"), FW_BANK);
	/* another size is refused and left alone */
	write_file("small-vars", 0x33, 4096);
	expect_error(vmm_fw_map_vars(&b, fw_path("small-vars"), FW_BANK, err, sizeof(err)), err,
		     "4096 bytes, a variable store has 65536");
	assert_int_equal(file_size("small-vars"), 4096);
	expect_error(vmm_fw_map_vars(&b, fw_dir, FW_BANK, err, sizeof(err)), err,
		     "a directory, not a file");
	expect_error(vmm_fw_map_vars(&b, "/nonexistent-dir/vars", FW_BANK, err, sizeof(err)), err,
		     "No such file or directory");
	assert_null(b.mem);
	/* no file: private memory, all ones */
	assert_int_equal(vmm_fw_map_vars(&b, NULL, FW_BANK, err, sizeof(err)), 0);
	assert_true(all_bytes(b.mem, FW_BANK, 0xff));
	assert_int_equal(b.fd, -1);
	vmm_fw_close(&b);
}

/*
 * read() of the files under test (linked with --wrap=read): armed with a length, the next
 * read first cuts its file to that length (a file shrinking while armvirt-vmm reads it);
 * armed with an errno, it fails with that error.
 */
ssize_t __real_read(int fd, void *buf, size_t n);
static long shrink_to = -1;
static const char *shrink_path;
static int read_errno;

ssize_t __wrap_read(int fd, void *buf, size_t n)
{
	if (shrink_to >= 0) {
		assert_int_equal(truncate(shrink_path, (off_t)shrink_to), 0);
		shrink_to = -1;
	}
	if (read_errno) {
		errno = read_errno;
		read_errno = 0;
		return -1;
	}
	return __real_read(fd, buf, n);
}

static void expect_load_error(const char *path, uint64_t max, const char *needle)
{
	char err[300];
	size_t len = 0;
	void *buf = vmm_load_file("--initrd", path, max, "the room", &len, err, sizeof(err));
	if (buf)
		fail_msg("%s: loaded, expected '%s'", path, needle);
	expect_error(-1, err, needle);
	if (strncmp(err, "--initrd ", 9) != 0)
		fail_msg("'%s' does not start with the option", err);
}

/*
 * --kernel/--initrd files: a good one read whole; a missing file, a directory, a FIFO
 * without a writer (refused at once, not waited on), /dev/zero, an empty file, one larger
 * than the room, an unreadable one, one that shrinks while read and a read error each give
 * their one-line reason.
 */
static void test_load_file(void **state)
{
	(void)state;
	char err[300];
	size_t len = 0;
	write_file("kernel", 0x77, 5000);
	uint8_t *buf = vmm_load_file("--kernel", fw_path("kernel"), 5000, "RAM", &len, err,
				     sizeof(err));
	assert_non_null(buf);
	assert_int_equal(len, 5000);
	assert_true(all_bytes(buf, len, 0x77));
	free(buf);

	expect_load_error(fw_path("missing"), 1000, "missing: No such file or directory");
	expect_load_error(fw_dir, 1000, ": a directory, not a file");
	assert_int_equal(mkfifo(fw_path("fifo"), 0600), 0);
	expect_load_error(fw_path("fifo"), 1000, "fifo: a FIFO, not a regular file");
	expect_load_error("/dev/zero", 1000, "/dev/zero: a character device, not a regular file");
	write_file("empty", 0, 0);
	expect_load_error(fw_path("empty"), 1000, "empty: empty file");
	expect_load_error(fw_path("kernel"), 4999, "kernel: 5000 bytes do not fit in the room");

	/* shrinks to 100 bytes after the size was taken */
	shrink_path = fw_path("kernel");
	shrink_to = 100;
	expect_load_error(fw_path("kernel"), 5000,
			  "kernel: the file ended after 100 of its 5000 bytes (it shrank while being read)");
	write_file("kernel", 0x77, 5000);
	read_errno = EIO;
	expect_load_error(fw_path("kernel"), 5000, "kernel: read error: Input/output error");

	/* unreadable: as root, in a child that drops to nobody first */
	write_file("noperm", 0x77, 100);
	assert_int_equal(chmod(fw_path("noperm"), 0), 0);
	if (geteuid() != 0) {
		expect_load_error(fw_path("noperm"), 1000, "noperm: Permission denied");
		return;
	}
	assert_int_equal(chmod(fw_dir, 0755), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		void *p = NULL;
		if (setresgid(65534, 65534, 65534) == 0 && setresuid(65534, 65534, 65534) == 0)
			p = vmm_load_file("--initrd", fw_path("noperm"), 1000, "RAM", &len, err,
					  sizeof(err));
		_exit(!p && strstr(err, "noperm: Permission denied") ? 0 : 1);
	}
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_all_options),
		cmocka_unit_test(test_cpu_features),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_virtio),
		cmocka_unit_test(test_network),
		cmocka_unit_test(test_firmware_args),
		cmocka_unit_test_setup_teardown(test_fw_code, fw_setup, NULL),
		cmocka_unit_test_setup_teardown(test_fw_vars, NULL, fw_teardown),
		cmocka_unit_test_setup_teardown(test_load_file, fw_setup, fw_teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
