// SPDX-License-Identifier: MIT
/*
 * KVM's own per-vCPU statistics (KVM_GET_STATS_FD, Linux 5.14+): counters of exits the
 * kernel handles without returning to the VMM, e.g. stage-2 faults, next to the port's
 * count of the exits that reach it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <linux/kvm.h>

#include <armvirt/port/kvm.h>

/* Add the cumulative u64 statistic @name of one vCPU's stats file @fd to @sum. */
static int add_stat(int fd, const char *name, uint64_t *sum)
{
	struct kvm_stats_header h;
	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -AV_EIO;
	size_t dsize = sizeof(struct kvm_stats_desc) + h.name_size;
	if (!h.num_desc || h.name_size == 0 || h.name_size > 4096 || h.num_desc > 4096)
		return -AV_ENOENT;
	char *descs = malloc(dsize * h.num_desc);
	if (!descs)
		return -AV_ENOMEM;
	int ret = -AV_ENOENT;
	if (pread(fd, descs, dsize * h.num_desc, h.desc_offset) != (ssize_t)(dsize * h.num_desc)) {
		ret = -AV_EIO;
		goto out;
	}
	for (uint32_t i = 0; i < h.num_desc; i++) {
		const struct kvm_stats_desc *d = (const void *)(descs + i * dsize);
		if (strncmp(d->name, name, h.name_size) != 0 || d->size != 1 ||
		    (d->flags & KVM_STATS_TYPE_MASK) != KVM_STATS_TYPE_CUMULATIVE)
			continue;
		uint64_t v;
		if (pread(fd, &v, sizeof(v), (off_t)h.data_offset + d->offset) != (ssize_t)sizeof(v)) {
			ret = -AV_EIO;
			goto out;
		}
		*sum += v;
		ret = 0;
		break;
	}
out:
	free(descs);
	return ret;
}

int av_kvm_kernel_stat(struct av_kvm *kvm, const char *name, uint64_t *sum)
{
	if (!kvm || !name || !sum || !kvm->nr_vcpus)
		return -AV_EINVAL;
	*sum = 0;
	for (unsigned i = 0; i < kvm->nr_vcpus; i++) {
		int fd = ioctl(kvm->vcpus[i].fd, KVM_GET_STATS_FD, NULL);
		if (fd < 0)
			return errno == EINVAL || errno == ENOTTY ? -AV_ENOTSUP : -AV_EIO;
		int ret = add_stat(fd, name, sum);
		close(fd);
		if (ret)
			return ret;
	}
	return 0;
}
