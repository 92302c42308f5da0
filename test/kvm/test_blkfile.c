// SPDX-License-Identifier: MIT
/* The file backend of virtio-blk (ports/linux-kvm/blkfile.c) on files of the build host. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <armvirt/port/blkfile.h>

static char dir[64];

static void path_in_dir(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", dir, name);
}

/* A file of @size bytes of @byte in the test directory; returns its path (static). */
static const char *make_file(const char *name, size_t size, int byte)
{
	static char path[128];
	path_in_dir(path, sizeof(path), name);
	FILE *fp = fopen(path, "wb");
	assert_non_null(fp);
	for (size_t i = 0; i < size; i++)
		fputc(byte, fp);
	assert_int_equal(fclose(fp), 0);
	return path;
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/av-blkfile-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[96];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The two paths of a regular file: through the mapping, and preadv/pwritev. */
enum path_kind { MAPPED, SYSCALLS };
static const enum path_kind mapped = MAPPED, syscalls = SYSCALLS;

/* av_blkfile_open() of a regular file, then on the path the test's state names. */
static int open_disk(void **state, struct av_blkfile *f, const char *path, bool ro, char *err,
		     size_t errlen)
{
	int r = av_blkfile_open(f, path, ro, err, errlen);
	if (r)
		return r;
	if (*(const enum path_kind *)*state == MAPPED) {
		assert_non_null(f->map);
	} else {
		av_blkfile_unmap(f);
		assert_null(f->map);
	}
	return 0;
}

static void expect_open_error(const char *path, bool ro, int code, const char *needle)
{
	struct av_blkfile f;
	char err[160];
	assert_int_equal(av_blkfile_open(&f, path, ro, err, sizeof(err)), code);
	assert_int_equal(f.fd, -1);
	if (!strstr(err, needle))
		fail_msg("%s: error '%s' does not mention '%s'", path, err, needle);
	assert_null(strchr(err, '\n'));
	av_blkfile_close(&f);
}

static void test_open_errors(void **state)
{
	(void)state;
	char p[128];
	path_in_dir(p, sizeof(p), "missing.img");
	expect_open_error(p, false, -AV_ENOENT, "No such file");
	expect_open_error(p, true, -AV_ENOENT, "No such file");
	expect_open_error(dir, false, -AV_EINVAL, "a directory, not a disk image");
	expect_open_error(dir, true, -AV_EINVAL, "a directory, not a disk image");
	expect_open_error(make_file("empty.img", 0, 0), false, -AV_EINVAL, "empty (0 bytes)");
	expect_open_error(make_file("odd.img", 1000, 0), true, -AV_EINVAL,
			  "1000 bytes: not a multiple of the 512-byte sector");
	expect_open_error("/dev/null", true, -AV_EINVAL, "neither a regular file nor a block device");
	/* a FIFO without a writer: refused at once (the open does not wait for one) */
	path_in_dir(p, sizeof(p), "fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	expect_open_error(p, true, -AV_EINVAL, "neither a regular file nor a block device");
	expect_open_error(p, false, -AV_EINVAL, "neither a regular file nor a block device");
	expect_open_error(NULL, true, -AV_EINVAL, "no file");

	/* Permissions: a file mode 000 (not for root, whom modes do not stop). */
	const char *noperm = make_file("noperm.img", 512, 0);
	assert_int_equal(chmod(noperm, 0), 0);
	if (geteuid() != 0) {
		expect_open_error(noperm, true, -AV_EPERM, "Permission denied");
		assert_int_equal(chmod(noperm, 0444), 0);
		expect_open_error(noperm, false, -AV_EPERM,
				  "cannot be opened for writing (Permission denied); add ,ro");
	}
	/* A read-only sysfs attribute refuses O_RDWR even to root, and reads as 4096 bytes. */
	struct stat st;
	const char *sysro = "/sys/kernel/uevent_seqnum";
	if (stat(sysro, &st) == 0 && st.st_size == 4096 && !(st.st_mode & 0222)) {
		expect_open_error(sysro, false, -AV_EPERM, "cannot be opened for writing");
		expect_open_error(sysro, false, -AV_EPERM, "add ,ro for a read-only disk");
	}
}

static void test_read_write(void **state)
{
	struct av_blkfile f;
	char err[160];
	const char *path = make_file("rw.img", 1 << 20, 0x5a);
	assert_int_equal(open_disk(state, &f, path, false, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_true(f.fd >= 0);
	assert_int_equal(f.size, 1 << 20);

	/* 130 segments (more than one preadv's worth), one empty, of various sizes. */
	enum { NSEG = 130 };
	static uint8_t out[NSEG][600], in[NSEG * 600];
	struct av_iov iov[NSEG];
	size_t total = 0;
	for (unsigned i = 0; i < NSEG; i++) {
		size_t len = i == 6 ? 0 : (i % 3 == 0 ? 512 : (i % 3 == 1 ? 88 : 424));
		for (size_t k = 0; k < len; k++)
			out[i][k] = (uint8_t)(i * 31 + k);
		iov[i] = (struct av_iov){ out[i], len };
		total += len;
	}
	assert_int_equal(total % 512, 0);
	assert_int_equal(av_blkfile_ops.write(&f, 4096, iov, NSEG), 0);
	/* Read back through one buffer and compare with the segments in order. */
	struct av_iov one = { in, total };
	assert_int_equal(av_blkfile_ops.read(&f, 4096, &one, 1), 0);
	size_t pos = 0;
	for (unsigned i = 0; i < NSEG; i++) {
		assert_memory_equal(in + pos, out[i], iov[i].len);
		pos += iov[i].len;
	}
	/* The bytes around are untouched. */
	uint8_t edge[512];
	struct av_iov e = { edge, sizeof(edge) };
	assert_int_equal(av_blkfile_ops.read(&f, 3584, &e, 1), 0);
	for (size_t k = 0; k < sizeof(edge); k++)
		assert_int_equal(edge[k], 0x5a);
	assert_int_equal(av_blkfile_ops.read(&f, 4096 + total, &e, 1), 0);
	assert_int_equal(edge[0], 0x5a);
	assert_int_equal(av_blkfile_ops.flush(&f), 0);

	/* Outside the file: refused, nothing read or written. */
	assert_int_equal(av_blkfile_ops.read(&f, (1 << 20) - 256, &e, 1), -AV_ERANGE);
	assert_int_equal(av_blkfile_ops.write(&f, 1 << 20, &e, 1), -AV_ERANGE);
	assert_int_equal(av_blkfile_ops.read(&f, UINT64_MAX - 100, &e, 1), -AV_ERANGE);
	/* The file shrank under the device: a read past its end fails. */
	assert_int_equal(ftruncate(f.fd, 1 << 19), 0);
	assert_int_equal(av_blkfile_ops.read(&f, (1 << 19), &e, 1), -AV_EIO);
	av_blkfile_close(&f);
	assert_int_equal(f.fd, -1);
	av_blkfile_close(&f);
	assert_int_equal(av_blkfile_ops.read(&f, 0, &e, 1), -AV_EINVAL);
}

/* 300 segments, most adjacent in memory, some not: five preadv/pwritev calls. */
static void test_adjacent_segments(void **state)
{
	struct av_blkfile f;
	const char *path = make_file("adj.img", 1 << 20, 0);
	assert_int_equal(open_disk(state, &f, path, false, NULL, 0), 0);
	enum { NSEG = 300, SEG = 512 };
	static uint8_t buf[NSEG * SEG + NSEG], back[NSEG * SEG];
	struct av_iov iov[NSEG];
	size_t pos = 0;
	for (unsigned i = 0; i < NSEG; i++) {
		if (i % 7 == 6)
			pos++; /* a gap: this segment is not adjacent to the last one */
		iov[i] = (struct av_iov){ buf + pos, SEG };
		for (size_t k = 0; k < SEG; k++)
			buf[pos + k] = (uint8_t)(i ^ k);
		pos += SEG;
	}
	assert_int_equal(av_blkfile_ops.write(&f, 8192, iov, NSEG), 0);
	struct av_iov one = { back, sizeof(back) };
	assert_int_equal(av_blkfile_ops.read(&f, 8192, &one, 1), 0);
	for (unsigned i = 0; i < NSEG; i++)
		assert_memory_equal(back + (size_t)i * SEG, iov[i].base, SEG);
	/* and read back through the same segments */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(av_blkfile_ops.read(&f, 8192, iov, NSEG), 0);
	for (unsigned i = 0; i < NSEG; i++)
		assert_memory_equal(back + (size_t)i * SEG, iov[i].base, SEG);
	av_blkfile_close(&f);
}

static void test_readonly(void **state)
{
	struct av_blkfile f;
	const char *path = make_file("ro.img", 8192, 0x11);
	assert_int_equal(open_disk(state, &f, path, true, NULL, 0), 0);
	assert_true(f.readonly);
	uint8_t buf[512];
	memset(buf, 0xee, sizeof(buf));
	struct av_iov v = { buf, sizeof(buf) };
	assert_int_equal(av_blkfile_ops.write(&f, 0, &v, 1), -AV_EPERM);
	assert_int_equal(av_blkfile_ops.discard(&f, 0, 512), -AV_EPERM);
	assert_int_equal(av_blkfile_ops.write_zeroes(&f, 0, 512, true), -AV_EPERM);
	assert_int_equal(av_blkfile_ops.read(&f, 0, &v, 1), 0);
	assert_int_equal(buf[0], 0x11);
	av_blkfile_close(&f);
}

/* Bytes [off, off + len) of @f all equal @byte. */
static void expect_bytes(struct av_blkfile *f, uint64_t off, size_t len, uint8_t byte)
{
	static uint8_t buf[65536];
	assert_true(len <= sizeof(buf));
	struct av_iov v = { buf, len };
	assert_int_equal(av_blkfile_ops.read(f, off, &v, 1), 0);
	for (size_t k = 0; k < len; k++)
		if (buf[k] != byte)
			fail_msg("byte %llu is %#x, expected %#x", (unsigned long long)(off + k),
				 buf[k], byte);
}

/* Write-zeroes by each method: fallocate ZERO_RANGE, PUNCH_HOLE, zeroes written. */
static void test_write_zeroes(void **state)
{
	for (int method = 0; method < 3; method++) {
		struct av_blkfile f;
		const char *path = make_file("wz.img", 1 << 18, 0xaa);
		assert_int_equal(open_disk(state, &f, path, false, NULL, 0), 0);
		f.no_zero_range = method >= 1;
		f.no_punch_hole = method >= 2;
		assert_int_equal(av_blkfile_ops.write_zeroes(&f, 8192, 20480, method == 0), 0);
		expect_bytes(&f, 4096, 4096, 0xaa);
		expect_bytes(&f, 8192, 20480, 0);
		expect_bytes(&f, 8192 + 20480, 4096, 0xaa);
		/* 100000 bytes written as zeroes take two chunks */
		assert_int_equal(av_blkfile_ops.write_zeroes(&f, 65536, 100352, false), 0);
		expect_bytes(&f, 65536, 65536, 0);
		expect_bytes(&f, 131072, 100352 - 65536, 0);
		expect_bytes(&f, 65536 + 100352, 512, 0xaa);
		assert_int_equal(av_blkfile_ops.write_zeroes(&f, (1 << 18) - 512, 1024, false),
				 -AV_ERANGE);
		struct stat st;
		assert_int_equal(fstat(f.fd, &st), 0);
		assert_int_equal(st.st_size, 1 << 18);
		av_blkfile_close(&f);
	}
}

static void test_discard(void **state)
{
	struct av_blkfile f;
	const char *path = make_file("discard.img", 1 << 16, 0xaa);
	assert_int_equal(open_disk(state, &f, path, false, NULL, 0), 0);
	assert_int_equal(av_blkfile_ops.discard(&f, 4096, 8192), 0);
	assert_int_equal(av_blkfile_ops.discard(&f, 0, 0), 0);
	assert_int_equal(av_blkfile_ops.discard(&f, 1 << 16, 512), -AV_ERANGE);
	/* Discarded data is undefined; the rest and the size are kept. */
	expect_bytes(&f, 0, 4096, 0xaa);
	expect_bytes(&f, 12288, 4096, 0xaa);
	struct stat st;
	assert_int_equal(fstat(f.fd, &st), 0);
	assert_int_equal(st.st_size, 1 << 16);
	/* A file system that cannot punch holes: discard does nothing, successfully. */
	f.no_punch_hole = true;
	assert_int_equal(av_blkfile_ops.discard(&f, 0, 512), 0);
	expect_bytes(&f, 0, 512, 0xaa);
	av_blkfile_close(&f);
}

/* Bytes [off, off + len) of the file at @path, read through a descriptor of its own. */
static void expect_file_bytes(const char *path, off_t off, size_t len, uint8_t byte)
{
	uint8_t buf[4096];
	FILE *fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_true(len <= sizeof(buf));
	assert_int_equal(fseeko(fp, off, SEEK_SET), 0);
	assert_int_equal(fread(buf, 1, len, fp), len);
	fclose(fp);
	for (size_t k = 0; k < len; k++)
		if (buf[k] != byte)
			fail_msg("%s: byte %lld is %#x, expected %#x", path, (long long)off + (long long)k,
				 buf[k], byte);
}

/* FLUSH: the written range is tracked and synced, the file shows the data throughout. */
static void test_flush(void **state)
{
	struct av_blkfile f;
	const char *path = make_file("flush.img", 1 << 20, 0);
	assert_int_equal(open_disk(state, &f, path, false, NULL, 0), 0);
	bool map = f.map != NULL;
	uint8_t buf[1024];
	memset(buf, 0x77, sizeof(buf));
	struct av_iov a = { buf, 1024 }, b = { buf, 512 };
	assert_int_equal(av_blkfile_ops.write(&f, 102400, &b, 1), 0);
	assert_int_equal(av_blkfile_ops.write(&f, 4096, &a, 1), 0);
	if (map) {
		assert_int_equal(f.dirty_lo, 4096);
		assert_int_equal(f.dirty_hi, 102912);
	}
	/* The same page cache: another descriptor sees the writes before and after FLUSH. */
	expect_file_bytes(path, 4096, 1024, 0x77);
	expect_file_bytes(path, 102400, 512, 0x77);
	expect_file_bytes(path, 102912, 512, 0);
	assert_int_equal(av_blkfile_ops.flush(&f), 0);
	assert_int_equal(f.dirty_lo, f.dirty_hi);
	expect_file_bytes(path, 4096, 1024, 0x77);
	/* Nothing written since: a flush is still an fdatasync and succeeds. */
	assert_int_equal(av_blkfile_ops.flush(&f), 0);
	/* Written through the mapping, then unmapped: kept, and the next flush succeeds. */
	memset(buf, 0x31, sizeof(buf));
	assert_int_equal(av_blkfile_ops.write(&f, 8192, &a, 1), 0);
	av_blkfile_unmap(&f);
	assert_null(f.map);
	expect_file_bytes(path, 8192, 1024, 0x31);
	assert_int_equal(av_blkfile_ops.flush(&f), 0);
	expect_bytes(&f, 8192, 1024, 0x31);
	av_blkfile_close(&f);
	assert_int_equal(av_blkfile_ops.flush(&f), -AV_EINVAL);
	expect_file_bytes(path, 8192, 1024, 0x31);

	/* A read-only file flushes too (nothing to write). */
	assert_int_equal(open_disk(state, &f, path, true, NULL, 0), 0);
	assert_int_equal(av_blkfile_ops.flush(&f), 0);
	expect_bytes(&f, 4096, 1024, 0x77);
	av_blkfile_close(&f);
}

/*
 * The file shrinks under the device (another process's doing): requests past the new end
 * fail with -AV_EIO instead of a bus error ending the process, and the rest still works.
 */
static void test_shrunk(void **state)
{
	struct av_blkfile f;
	const char *path = make_file("shrunk.img", 1 << 16, 0x42);
	assert_int_equal(open_disk(state, &f, path, false, NULL, 0), 0);
	bool map = f.map != NULL;
	assert_int_equal(ftruncate(f.fd, 16384), 0);
	uint8_t buf[1024];
	struct av_iov v = { buf, sizeof(buf) };
	assert_int_equal(av_blkfile_ops.read(&f, 32768, &v, 1), -AV_EIO);
	assert_int_equal(av_blkfile_ops.read(&f, 16384 - 512, &v, 1), -AV_EIO);
	memset(buf, 0x42, sizeof(buf));
	if (map) /* a store past the end of a mapped file is a bus error too */
		assert_int_equal(av_blkfile_ops.write(&f, 32768, &v, 1), -AV_EIO);
	expect_bytes(&f, 0, 16384, 0x42);
	memset(buf, 0x24, sizeof(buf));
	assert_int_equal(av_blkfile_ops.write(&f, 1024, &v, 1), 0);
	expect_bytes(&f, 1024, 1024, 0x24);
	av_blkfile_close(&f);
}

/* A regular file that mmap() refuses (a sysfs attribute): the preadv path serves it. */
static void test_unmappable(void **state)
{
	(void)state;
	struct stat st;
	const char *path = "/sys/kernel/uevent_seqnum";
	if (stat(path, &st) || !S_ISREG(st.st_mode) || st.st_size != 4096)
		skip();
	struct av_blkfile f;
	assert_int_equal(av_blkfile_open(&f, path, true, NULL, 0), 0);
	assert_null(f.map);
	char buf[1]; /* the attribute reads as a few bytes, not as its 4096 */
	struct av_iov v = { buf, sizeof(buf) };
	assert_int_equal(av_blkfile_ops.read(&f, 0, &v, 1), 0);
	assert_true(buf[0] >= '0' && buf[0] <= '9');
	av_blkfile_close(&f);
}

/* A SIGBUS outside a copy of the backend is not swallowed: the action before (here the
 * default one) still ends the process. */
static void test_other_sigbus(void **state)
{
	(void)state;
	fflush(NULL);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* the default action (not the test runner's) before the backend's handler */
		signal(SIGBUS, SIG_DFL);
		struct av_blkfile f;
		if (av_blkfile_open(&f, make_file("bus.img", 4096, 0), false, NULL, 0) || !f.map)
			_exit(3);
		raise(SIGBUS);
		_exit(0); /* survived */
	}
	int status;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
}

int main(void)
{
#define BOTH_PATHS(t) \
	cmocka_unit_test_prestate(t, (void *)&mapped), \
	cmocka_unit_test_prestate(t, (void *)&syscalls)
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		BOTH_PATHS(test_read_write),
		BOTH_PATHS(test_adjacent_segments),
		BOTH_PATHS(test_readonly),
		BOTH_PATHS(test_write_zeroes),
		BOTH_PATHS(test_discard),
		BOTH_PATHS(test_flush),
		BOTH_PATHS(test_shrunk),
		cmocka_unit_test(test_unmappable),
		cmocka_unit_test(test_other_sigbus),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
