/* SPDX-License-Identifier: MIT */
/*
 * armvirt-imgcheck IMAGE: list where a disk image departs from the Image Format section of
 * the VM System Specification for ARM Processors (GPT, a FAT32 EFI System Partition,
 * \EFI\BOOT\BOOTAA64.EFI a PE/COFF executable for AArch64).
 *
 * Prints one line per finding ("error: ESP: FAT16 (...)"), then a summary. Exit status: 0
 * when there is no error (warnings allowed), 1 when there is at least one error, 2 for bad
 * arguments, an image that cannot be read, or a report that cannot be written to standard
 * output (each one line on standard error).
 *
 * A regular file or a block device is read where the checker asks (pread): an image of
 * any size costs a few hundred reads. Anything else (a pipe, a character device) is read
 * into memory first, at most MAX_STREAM bytes.
 */
#define _FILE_OFFSET_BITS 64
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <armvirt/imgcheck.h>

/* Largest image read from a pipe or character device. */
#define MAX_STREAM (256u << 20)

static const char *prog = "armvirt-imgcheck";

static void print_finding(const struct av_imgcheck_finding *f, void *cookie)
{
	(void)cookie;
	printf("%s: %s: %s\n", f->severity == AV_DTCHECK_ERROR ? "error" : "warning", f->where,
	       f->msg);
}

static int read_fd(void *cookie, uint64_t offset, void *buf, size_t len)
{
	int fd = *(const int *)cookie;
	char *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)offset);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -AV_EIO; /* error, or the file shrank under us */
		p += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

/* Read a non-seekable input whole; NULL (with a message) on failure or when too large. */
static void *read_stream(int fd, const char *path, size_t *size)
{
	size_t cap = 1u << 20, n = 0;
	char *buf = malloc(cap);

	while (buf != NULL) {
		ssize_t got;

		if (n == cap) {
			char *nb;

			if (cap >= MAX_STREAM) {
				char c;

				got = read(fd, &c, 1);
				if (got == 0)
					break;
				fprintf(stderr, "%s: %s: larger than %u bytes (not seekable: read into memory)\n",
					prog, path, MAX_STREAM);
				free(buf);
				return NULL;
			}
			cap *= 2;
			nb = realloc(buf, cap);
			if (nb == NULL)
				free(buf);
			buf = nb;
			continue;
		}
		got = read(fd, buf + n, cap - n);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
			free(buf);
			return NULL;
		}
		if (got == 0)
			break;
		n += (size_t)got;
	}
	if (buf == NULL)
		fprintf(stderr, "%s: %s: out of memory\n", prog, path);
	*size = n;
	return buf;
}

static void usage(FILE *out)
{
	fprintf(out, "usage: armvirt-imgcheck IMAGE\n"
		     "       armvirt-imgcheck -h | --help\n"
		     "Check a disk image against the Image Format section of the VM System\n"
		     "Specification for ARM Processors (GPT, FAT32 ESP, \\EFI\\BOOT\\BOOTAA64.EFI).\n"
		     "Exit status: 0 no errors, 1 errors found, 2 bad arguments or unreadable image.\n");
}

int main(int argc, char **argv)
{
	struct av_imgcheck_summary sum;
	const char *path;
	struct stat st;
	int fd, rc;

	if (argc == 2 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc != 2 || argv[1][0] == '-' || argv[1][0] == '\0') {
		usage(stderr);
		return 2;
	}
	path = argv[1];
	fd = open(path, O_RDONLY);
	if (fd < 0 || fstat(fd, &st) != 0) {
		fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "%s: %s: is a directory\n", prog, path);
		close(fd);
		return 2;
	}
	if (S_ISREG(st.st_mode) || S_ISBLK(st.st_mode)) {
		off_t end = S_ISREG(st.st_mode) ? st.st_size : lseek(fd, 0, SEEK_END);

		if (end < 0) {
			fprintf(stderr, "%s: %s: %s\n", prog, path, strerror(errno));
			close(fd);
			return 2;
		}
		rc = av_imgcheck((uint64_t)end, read_fd, &fd, print_finding, NULL, &sum);
	} else {
		size_t size = 0;
		void *buf = read_stream(fd, path, &size);

		if (buf == NULL) {
			close(fd);
			return 2;
		}
		rc = av_imgcheck_buf(buf, size, print_finding, NULL, &sum);
		free(buf);
	}
	close(fd);
	if (rc) {
		fprintf(stderr, "%s: %s: read error (%s)\n", prog, path, av_strerror(rc));
		return 2;
	}
	printf("%s: %u error(s), %u warning(s)\n", path, sum.errors, sum.warnings);
	/* A report that did not reach standard output (closed, a full disk) is no report. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s: standard output: %s\n", prog, strerror(errno));
		return 2;
	}
	return sum.errors ? 1 : 0;
}
