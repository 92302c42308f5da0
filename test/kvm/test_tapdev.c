// SPDX-License-Identifier: MIT
/*
 * The TAP backend (ports/linux-kvm/tapdev.c): open's reasons, and the ops over a datagram
 * socket pair standing in for the TAP descriptor (one frame per read and write, as a TAP).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <armvirt/port/tapdev.h>

#define HDR AV_VIRTIO_NET_HDR_SIZE

static void test_open_errors(void **state)
{
	(void)state;
	struct av_tapdev t;
	char err[160];

	assert_int_equal(av_tapdev_open(&t, "tap0", "/nonexistent/tun", err, sizeof(err)),
			 -AV_ENOENT);
	assert_string_equal(err, "/nonexistent/tun: No such file or directory "
				 "(is the tun module loaded?)");
	assert_int_equal(t.fd, -1);
	av_tapdev_close(&t); /* safe on a failed device */

	/* not a clone device: TUNSETIFF fails */
	assert_int_equal(av_tapdev_open(&t, "tap0", "/dev/null", err, sizeof(err)), -AV_EIO);
	assert_non_null(strstr(err, "cannot create interface tap0: "));
	assert_non_null(strstr(err, "(TUNSETIFF)"));
	assert_int_equal(t.fd, -1);
	assert_int_equal(av_tapdev_open(&t, NULL, "/dev/null", err, sizeof(err)), -AV_EIO);
	assert_non_null(strstr(err, "cannot create interface tap%d: "));

	static const char *const bad[] = { "a/b", "a:1", "a b", ".", "..", "abcdefghijklmnop" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(av_tapdev_open(&t, bad[i], "/dev/null", err, sizeof(err)),
				 -AV_EINVAL);
		assert_non_null(strstr(err, "not an interface name"));
	}
	assert_int_equal(av_tapdev_open(NULL, "tap0", NULL, NULL, 0), -AV_EINVAL);
	av_tapdev_close(NULL);
}

/* A device over one end of a SOCK_SEQPACKET pair; @peer gets the other. */
static void pair(struct av_tapdev *t, int *peer)
{
	int sv[2];
	assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv), 0);
	memset(t, 0, sizeof(*t));
	t->fd = sv[0];
	t->buf = malloc(HDR + AV_VIRTIO_NET_FRAME_MAX);
	assert_non_null(t->buf);
	*peer = sv[1];
}

static void test_tx(void **state)
{
	(void)state;
	struct av_tapdev t;
	int peer;
	uint8_t a[20], b[50], got[256];

	pair(&t, &peer);
	memset(a, 0xaa, sizeof(a));
	memset(b, 0xbb, sizeof(b));
	struct av_virtq_seg seg[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	assert_int_equal(av_tapdev_ops.tx(&t, seg, 2, 70), 0);
	/* one datagram: a zero header, then the buffers in order */
	assert_int_equal(read(peer, got, sizeof(got)), HDR + 70);
	for (unsigned i = 0; i < HDR; i++)
		assert_int_equal(got[i], 0);
	assert_memory_equal(got + HDR, a, sizeof(a));
	assert_memory_equal(got + HDR + sizeof(a), b, sizeof(b));
	assert_int_equal(t.tx_errors, 0);

	/* the write fails (a descriptor that cannot be written): dropped, counted */
	close(peer);
	close(t.fd);
	t.fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	assert_true(t.fd >= 0);
	assert_int_equal(av_tapdev_ops.tx(&t, seg, 2, 70), -AV_EIO);
	assert_int_equal(t.tx_errors, 1);
	/* more buffers than a chain can have */
	assert_int_equal(av_tapdev_ops.tx(&t, seg, AV_VIRTIO_NET_QUEUE_SIZE + 1, 70), -AV_ERANGE);
	av_tapdev_close(&t);
	assert_int_equal(t.fd, -1);
	assert_null(t.buf);
}

static void test_rx(void **state)
{
	(void)state;
	struct av_tapdev t;
	int peer;
	uint8_t pkt[HDR + 64];
	size_t len = 0;

	pair(&t, &peer);
	/* nothing waiting */
	assert_null(av_tapdev_ops.rx_peek(&t, &len));
	assert_false(av_tapdev_pending(&t));

	/* a datagram with only a header is skipped (counted), the next frame is returned */
	memset(pkt, 0x11, HDR);
	assert_int_equal(write(peer, pkt, HDR), HDR);
	for (unsigned i = 0; i < 64; i++)
		pkt[HDR + i] = (uint8_t)i;
	assert_int_equal(write(peer, pkt, sizeof(pkt)), sizeof(pkt));
	pkt[HDR] = 0xee;
	assert_int_equal(write(peer, pkt, HDR + 20), HDR + 20);

	const uint8_t *f = av_tapdev_ops.rx_peek(&t, &len);
	assert_non_null(f);
	assert_int_equal(len, 64);
	assert_int_equal(f[0], 0);
	assert_int_equal(f[63], 63);
	assert_int_equal(t.rx_errors, 1);
	assert_true(av_tapdev_pending(&t));
	/* peeking again gives the same frame, without reading */
	assert_ptr_equal(av_tapdev_ops.rx_peek(&t, &len), f);
	assert_int_equal(len, 64);
	av_tapdev_ops.rx_consume(&t);
	assert_false(av_tapdev_pending(&t));

	f = av_tapdev_ops.rx_peek(&t, &len);
	assert_non_null(f);
	assert_int_equal(len, 20);
	assert_int_equal(f[0], 0xee);
	av_tapdev_ops.rx_consume(&t);
	assert_null(av_tapdev_ops.rx_peek(&t, &len));
	assert_int_equal(t.rx_errors, 1);
	close(peer);
	av_tapdev_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_tx),
		cmocka_unit_test(test_rx),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
