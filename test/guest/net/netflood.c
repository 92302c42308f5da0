/* SPDX-License-Identifier: MIT */
/*
 * netflood IFNAME: send broadcast Ethernet frames (1514 bytes, EtherType 0x88b5, "local
 * experimental") on IFNAME as fast as the socket takes them, until SIGTERM/SIGINT; then
 * print how many were sent and refused. A Linux guest program for the flood test of
 * test/guest/baremetal-net.sh (busybox cannot flood). Static aarch64-linux binary.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define FRAME_LEN 1514
#define ETHERTYPE_LOCAL 0x88b5

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	unsigned char frame[FRAME_LEN];
	struct sockaddr_ll to;
	unsigned long long sent = 0, refused = 0;
	unsigned ifindex;
	int fd;

	if (argc != 2 || !(ifindex = if_nametoindex(argv[1]))) {
		fprintf(stderr, "usage: netflood IFNAME (an existing interface)\n");
		return 2;
	}
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETHERTYPE_LOCAL));
	if (fd < 0) {
		perror("netflood: socket");
		return 1;
	}
	memset(frame, 0xa5, sizeof(frame));
	memset(frame, 0xff, 6);                      /* destination: broadcast */
	memset(frame + 6, 0, 6);                     /* source: the kernel does not fill it */
	frame[6] = 0x02;                             /* locally administered */
	frame[12] = ETHERTYPE_LOCAL >> 8;
	frame[13] = ETHERTYPE_LOCAL & 0xff;
	memset(&to, 0, sizeof(to));
	to.sll_family = AF_PACKET;
	to.sll_ifindex = (int)ifindex;
	to.sll_halen = 6;
	memset(to.sll_addr, 0xff, 6);
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	while (!stop) {
		if (sendto(fd, frame, sizeof(frame), 0, (struct sockaddr *)&to, sizeof(to)) ==
		    (ssize_t)sizeof(frame))
			sent++;
		else if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR)
			refused++;
		else {
			perror("netflood: sendto");
			return 1;
		}
	}
	printf("netflood: %llu frames sent, %llu refused\n", sent, refused);
	return 0;
}
