/* SPDX-License-Identifier: MIT */
/*
 * armvirt-dtcheck FILE.dtb: list where a device tree departs from the VM System
 * Specification for ARM Processors.
 *
 * Prints one line per finding ("error: /psci: ..."), then a summary. Exit status: 0 when
 * there is no error (warnings allowed), 1 when there is at least one error, 2 when the file
 * cannot be read (missing, unreadable, a directory, empty, over 16 MiB), is not a valid
 * flattened device tree, or the report cannot be written to standard output. Every such
 * failure is one line on standard error.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <armvirt/platform.h>

/* Largest DTB accepted (QEMU's dumps are padded to 1 MiB). */
#define MAX_DTB (16u << 20)

static void print_finding(const struct av_dtcheck_finding *f, void *cookie)
{
	(void)cookie;
	printf("%s: %s: %s\n", f->severity == AV_DTCHECK_ERROR ? "error" : "warning", f->node,
	       f->msg);
}

/*
 * Read @p path whole into a malloc'd buffer, at most MAX_DTB bytes: a regular file, a pipe or
 * a FIFO (read to its end), a device. NULL (with one line on stderr) when it cannot be
 * opened or read (a directory: "Is a directory"), is empty or is larger than MAX_DTB.
 */
static void *read_file(const char *path, size_t *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	unsigned char *buf = NULL;
	size_t n = 0, cap = 0;
	const char *why = NULL;
	int err = 0, too_large = 0;

	if (fd < 0) {
		fprintf(stderr, "armvirt-dtcheck: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		ssize_t got;

		if (n == cap) {
			/* One byte past MAX_DTB tells a file of exactly MAX_DTB from a larger one. */
			size_t ncap = cap ? (cap < MAX_DTB ? 2 * cap : MAX_DTB + 1) : 65536;
			unsigned char *nb;

			if (cap > MAX_DTB) {
				too_large = 1;
				break;
			}
			nb = realloc(buf, ncap);
			if (nb == NULL) {
				err = ENOMEM;
				break;
			}
			buf = nb;
			cap = ncap;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			err = errno;
			break;
		}
		if (got == 0) {
			if (n == 0)
				why = "empty file";
			break;
		}
		n += (size_t)got;
	}
	close(fd);
	if (why == NULL && err == 0 && !too_large) {
		*size = n;
		return buf;
	}
	free(buf);
	if (too_large)
		fprintf(stderr, "armvirt-dtcheck: %s: larger than %u bytes\n", path, MAX_DTB);
	else
		fprintf(stderr, "armvirt-dtcheck: %s: %s\n", path, why ? why : strerror(err));
	return NULL;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: armvirt-dtcheck FILE.dtb\n"
		     "       armvirt-dtcheck -h | --help\n"
		     "Check a device tree against the VM System Specification for ARM Processors.\n"
		     "Exit status: 0 no errors, 1 errors found, 2 unreadable or invalid DTB.\n");
}

int main(int argc, char **argv)
{
	struct av_dtcheck_summary sum;
	size_t size = 0;
	void *buf;
	int rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 2) {
		usage(stderr);
		return 2;
	}
	buf = read_file(argv[1], &size);
	if (buf == NULL)
		return 2;
	rc = av_dtcheck(buf, size, print_finding, NULL, &sum);
	free(buf);
	if (rc) {
		fprintf(stderr, "armvirt-dtcheck: %s: not a valid device tree blob (%s)\n", argv[1],
			av_strerror(rc));
		return 2;
	}
	printf("%s: %u error(s), %u warning(s)\n", argv[1], sum.errors, sum.warnings);
	/* A report that did not reach standard output (closed, a full disk) is no report. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "armvirt-dtcheck: standard output: %s\n", strerror(errno));
		return 2;
	}
	return sum.errors ? 1 : 0;
}
