/* SPDX-License-Identifier: MIT */
/*
 * armvirt-dtcheck FILE.dtb: list where a device tree departs from the VM System
 * Specification for ARM Processors.
 *
 * Prints one line per finding ("error: /psci: ..."), then a summary. Exit status: 0 when
 * there is no error (warnings allowed), 1 when there is at least one error, 2 when the file
 * cannot be read or is not a valid flattened device tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <armvirt/platform.h>

/* Largest DTB accepted (QEMU's dumps are padded to 1 MiB). */
#define MAX_DTB (16u << 20)

static void print_finding(const struct av_dtcheck_finding *f, void *cookie)
{
	(void)cookie;
	printf("%s: %s: %s\n", f->severity == AV_DTCHECK_ERROR ? "error" : "warning", f->node,
	       f->msg);
}

/* Read @p path whole into a malloc'd buffer; returns NULL (with a message) on failure. */
static void *read_file(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf;
	size_t n = 0, cap = 65536;

	if (f == NULL) {
		fprintf(stderr, "armvirt-dtcheck: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	buf = malloc(cap);
	while (buf != NULL) {
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (n < cap)
			break;
		/* A full buffer of MAX_DTB bytes is accepted if the file ends there. */
		if (cap >= MAX_DTB && getc(f) == EOF)
			break;
		if (cap >= MAX_DTB) {
			fprintf(stderr, "armvirt-dtcheck: %s: larger than %u bytes\n", path,
				MAX_DTB);
			free(buf);
			buf = NULL;
			break;
		}
		cap *= 2;
		unsigned char *nb = realloc(buf, cap);
		if (nb == NULL)
			free(buf);
		buf = nb;
	}
	if (buf != NULL && ferror(f)) {
		fprintf(stderr, "armvirt-dtcheck: %s: read error\n", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = n;
	return buf;
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
	return sum.errors ? 1 : 0;
}
