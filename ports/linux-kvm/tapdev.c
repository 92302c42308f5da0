// SPDX-License-Identifier: MIT
/*
 * A virtio-net backend over a TAP interface: /dev/net/tun with IFF_VNET_HDR, writev()
 * out, read() in (armvirt/port/tapdev.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

#include <linux/if.h>
#include <linux/if_tun.h>

#include <armvirt/port/tapdev.h>

#include "port_err.h"

#define HDR AV_VIRTIO_NET_HDR_SIZE
#define BUF_SIZE (HDR + AV_VIRTIO_NET_FRAME_MAX)
#define TX_IOV (AV_VIRTIO_NET_QUEUE_SIZE + 1u) /* the header and a chain's buffers */

#define fail av__port_fail

static int errno_code(int e)
{
	switch (e) {
	case ENOENT:
	case ENODEV:
	case ENXIO:
		return -AV_ENOENT;
	case EACCES:
	case EPERM:
		return -AV_EPERM;
	case ENOMEM:
		return -AV_ENOMEM;
	default:
		return -AV_EIO;
	}
}

/* The kernel's dev_valid_name(): 1..15 bytes, not "." or "..", no '/', ':' or space. */
static bool valid_name(const char *s)
{
	size_t n = strlen(s);
	if (!n || n >= AV_TAPDEV_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	for (; *s; s++)
		if (*s == '/' || *s == ':' || *s == ' ' || (*s >= '\t' && *s <= '\r'))
			return false;
	return true;
}

int av_tapdev_open(struct av_tapdev *t, const char *ifname, const char *dev, char *err,
		   size_t errlen)
{
	if (!t)
		return fail(-AV_EINVAL, err, errlen, "no device");
	memset(t, 0, sizeof(*t));
	t->fd = -1;
	if (!dev)
		dev = "/dev/net/tun";
	if (ifname && *ifname && !valid_name(ifname))
		return fail(-AV_EINVAL, err, errlen,
			    "'%s': not an interface name (1 to 15 bytes, no '/', ':' or space)",
			    ifname);
	t->buf = malloc(BUF_SIZE);
	if (!t->buf)
		return fail(-AV_ENOMEM, err, errlen, "out of memory");

	int fd = open(dev, O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) {
		int e = errno;
		av_tapdev_close(t);
		return fail(errno_code(e), err, errlen, "%s: %s%s", dev, strerror(e),
			    e == ENOENT || e == ENODEV || e == ENXIO ?
				    " (is the tun module loaded?)" : "");
	}
	t->fd = fd;

	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (ifname && *ifname)
		memcpy(ifr.ifr_name, ifname, strlen(ifname));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		av_tapdev_close(t);
		return fail(errno_code(e), err, errlen, "cannot create interface %s: %s (TUNSETIFF)",
			    ifname && *ifname ? ifname : "tap%d", strerror(e));
	}
	memcpy(t->ifname, ifr.ifr_name, AV_TAPDEV_NAME_MAX - 1);
	t->ifname[AV_TAPDEV_NAME_MAX - 1] = '\0';

	int sz = (int)HDR;
	if (ioctl(fd, TUNSETVNETHDRSZ, &sz) < 0) {
		int e = errno;
		av_tapdev_close(t);
		return fail(errno_code(e), err, errlen, "%s: %s (TUNSETVNETHDRSZ)", t->ifname,
			    strerror(e));
	}
	return 0;
}

void av_tapdev_close(struct av_tapdev *t)
{
	if (!t)
		return;
	if (t->fd >= 0)
		close(t->fd);
	t->fd = -1;
	free(t->buf);
	t->buf = NULL;
	t->pending = 0;
}

bool av_tapdev_pending(const struct av_tapdev *t)
{
	return t && t->pending;
}

static int tap_tx(void *ctx, const struct av_virtq_seg *seg, unsigned n, size_t len)
{
	struct av_tapdev *t = ctx;
	static const uint8_t zero_hdr[HDR] = { 0 };
	struct iovec iov[TX_IOV];

	if (n >= TX_IOV)
		return -AV_ERANGE;
	iov[0] = (struct iovec){ .iov_base = (void *)zero_hdr, .iov_len = HDR };
	for (unsigned i = 0; i < n; i++)
		iov[i + 1] = (struct iovec){ .iov_base = seg[i].addr, .iov_len = seg[i].len };
	ssize_t w;
	do
		w = writev(t->fd, iov, (int)n + 1);
	while (w < 0 && errno == EINTR);
	/* A TAP write takes the whole frame or nothing. */
	if (w != (ssize_t)(HDR + len)) {
		t->tx_errors++;
		return -AV_EIO;
	}
	return 0;
}

static const void *tap_rx_peek(void *ctx, size_t *len)
{
	struct av_tapdev *t = ctx;

	while (!t->pending) {
		ssize_t r = read(t->fd, t->buf, BUF_SIZE);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			if (errno != EAGAIN)
				t->rx_errors++;
			return NULL;
		}
		if ((size_t)r <= HDR) {
			t->rx_errors++; /* no frame after the header: skip it */
			continue;
		}
		t->pending = (size_t)r;
	}
	*len = t->pending - HDR;
	return t->buf + HDR;
}

static void tap_rx_consume(void *ctx)
{
	struct av_tapdev *t = ctx;
	t->pending = 0;
}

const struct av_virtio_net_ops av_tapdev_ops = {
	.tx = tap_tx,
	.rx_peek = tap_rx_peek,
	.rx_consume = tap_rx_consume,
};
