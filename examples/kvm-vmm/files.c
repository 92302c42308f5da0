// SPDX-License-Identifier: MIT
/* armvirt-vmm's input files: regular files only, opened without blocking, read whole. */
#define _GNU_SOURCE
#include "files.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* What a file that is not a regular one is, for the message. */
static const char *kind(mode_t mode)
{
	if (S_ISDIR(mode))
		return "a directory, not a file";
	if (S_ISFIFO(mode))
		return "a FIFO, not a regular file";
	if (S_ISCHR(mode))
		return "a character device, not a regular file";
	if (S_ISBLK(mode))
		return "a block device, not a regular file";
	if (S_ISSOCK(mode))
		return "a socket, not a regular file";
	return "not a regular file";
}

int vmm_open_regular(const char *opt, const char *path, int flags, off_t *len, char *err,
		     size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer. */
	int fd = open(path, flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
	if (fd < 0 && errno == EISDIR)
		return vmm_errf(err, errlen, "%s %s: a directory, not a file", opt, path);
	if (fd < 0)
		return vmm_errf(err, errlen, "%s %s: %s", opt, path, strerror(errno));
	struct stat st;
	if (fstat(fd, &st)) {
		int e = errno;
		close(fd);
		return vmm_errf(err, errlen, "%s %s: %s", opt, path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return vmm_errf(err, errlen, "%s %s: %s", opt, path, kind(st.st_mode));
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK)) {
		int e = errno;
		close(fd);
		return vmm_errf(err, errlen, "%s %s: %s", opt, path, strerror(e));
	}
	*len = st.st_size;
	return fd;
}

int vmm_read_all(int fd, const char *opt, const char *path, void *buf, size_t len, char *err,
		 size_t errlen)
{
	size_t got = 0;
	while (got < len) {
		ssize_t n = read(fd, (char *)buf + got, len - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return vmm_errf(err, errlen, "%s %s: read error: %s", opt, path,
					strerror(errno));
		if (n == 0)
			return vmm_errf(err, errlen, "%s %s: the file ended after %zu of its %zu bytes "
					"(it shrank while being read)", opt, path, got, len);
		got += (size_t)n;
	}
	return 0;
}

void *vmm_load_file(const char *opt, const char *path, uint64_t max, const char *room,
		    size_t *len, char *err, size_t errlen)
{
	off_t size = 0;
	int fd = vmm_open_regular(opt, path, O_RDONLY, &size, err, errlen);
	if (fd < 0)
		return NULL;
	void *buf = NULL;
	if (size == 0)
		vmm_errf(err, errlen, "%s %s: empty file", opt, path);
	else if ((uint64_t)size > max || (uint64_t)size > SIZE_MAX)
		vmm_errf(err, errlen, "%s %s: %lld bytes do not fit in %s", opt, path,
			 (long long)size, room);
	else if (!(buf = malloc((size_t)size)))
		vmm_errf(err, errlen, "%s %s: out of memory for %lld bytes", opt, path,
			 (long long)size);
	else if (vmm_read_all(fd, opt, path, buf, (size_t)size, err, errlen)) {
		free(buf);
		buf = NULL;
	} else {
		*len = (size_t)size;
	}
	close(fd);
	return buf;
}
