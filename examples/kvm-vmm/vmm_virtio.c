// SPDX-License-Identifier: MIT
/*
 * armvirt-vmm's virtio devices on the virtio-mmio slots (vmm_virtio.h): virtio-blk over
 * the port's file backend, virtio-console on stdin/stdout, virtio-rng from getrandom(),
 * virtio-net over TAP interfaces (--network tap), empty slots elsewhere. Each device has its own lock (AV_KVM_MMIO_F_OWN_LOCK): requests
 * run synchronously on the vCPU thread that wrote QueueNotify, without holding up the
 * other devices; console input takes the console's lock. With --io-thread, KVM signals
 * each queue's QueueNotify on an eventfd (KVM_IOEVENTFD) and one I/O thread processes the
 * queues; interrupts then go through KVM_IRQFD.
 *
 * Networks: a frame the guest sends is written to its TAP interface from the thread that
 * processes the transmit queue (writev, no copy). Received frames never touch a vCPU
 * thread unless the guest posts buffers: a network thread polls the TAP descriptors
 * (EPOLLONESHOT) and pulls each readable one into its device under the device's lock.
 * When the guest has no buffer for a frame, the frame stays in the backend and the
 * descriptor is not polled again until the guest posts buffers (the device's rx_space);
 * meanwhile the kernel's TAP queue holds the next frames and drops (and counts) past it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <unistd.h>

#include <armvirt/dev/virtio_blk.h>
#include <armvirt/dev/virtio_console.h>
#include <armvirt/dev/virtio_net.h>
#include <armvirt/dev/virtio_rng.h>
#include <armvirt/port/blkfile.h>
#include <armvirt/port/tapdev.h>
#include <armvirt/virtio.h>

#include "vmm_virtio.h"

/* One virtio-mmio slot. */
struct vslot {
	struct av_kvm_locked_dev ld;   /* bus entry (first) and the device's lock */
	struct av_virtio_dev *vdev;    /* NULL: an empty slot */
	struct av_kvm *kvm;
	unsigned spi;
	int irqfd;                     /* --io-thread: KVM_IRQFD's eventfd, else -1 */
	char name[24];
};

/* --io-thread: one eventfd per queue (KVM_IOEVENTFD on QueueNotify, matching its index). */
struct kick {
	int fd;
	struct vslot *slot;
	unsigned queue;
};

/* a queue per disk, two for the console, one for rng, two per network */
#define MAX_KICKS (VMM_MAX_DISKS + 3 + 2 * VMM_MAX_NETS)

static struct kick kicks[MAX_KICKS];
static unsigned nr_kicks;
static int epoll_fd = -1;
static int stop_fd = -1;
static pthread_t io_thread;
static bool io_thread_live;
static uint64_t io_wakeups, io_kicks; /* epoll returns; QueueNotify writes they took */

static struct vslot slots[AV_VMSPEC_MAX_VIRTIO];
static unsigned nr_used;                 /* slots 0 .. nr_used - 1 have a device */
static struct av_blkfile files[VMM_MAX_DISKS];
static struct av_virtio_blk blks[VMM_MAX_DISKS];
static unsigned nr_disks;
static struct av_virtio_console con;
static struct vslot *con_slot;
static struct av_virtio_rng rng;

/* --network tap: a device, its TAP interface, its slot; polled by the network thread. */
struct vnet {
	struct av_virtio_net net;
	struct av_tapdev tap;
	struct av_virtio_net_ops ops; /* av_tapdev_ops with rx_space */
	struct vslot *slot;
	bool armed;                   /* the descriptor is polled (under the slot's lock) */
	uint64_t wakeups;             /* the network thread's pulls */
};

static struct vnet vnets[VMM_MAX_NETS];
static unsigned nr_nets;
static int net_epoll = -1;
static int net_stop = -1;
static pthread_t net_thread;
static bool net_thread_live;

static struct av_virtio_mem_region regions[AV_VMSPEC_MAX_RAM];
static struct av_virtio_mem_regions region_table = { regions, 0 };
static const struct av_virtio_mem guest_mem = { &av_virtio_mem_regions_ops, &region_table };

int vmm_virtio_open_disks(const struct vmm_opts *o, char *err, size_t errlen)
{
	char why[160];
	for (unsigned i = 0; i < o->nr_disks; i++) {
		const struct vmm_disk *d = &o->disks[i];
		if (av_blkfile_open(&files[i], d->path, d->readonly, why, sizeof(why))) {
			snprintf(err, errlen, "--disk %s: %s", d->path, why);
			vmm_virtio_close();
			return -1;
		}
		nr_disks = i + 1;
	}
	return 0;
}

int vmm_virtio_open_nets(const struct vmm_opts *o, char *err, size_t errlen)
{
	char why[160];
	for (unsigned i = 0; i < o->nr_nets; i++) {
		const struct vmm_net *n = &o->nets[i];
		if (av_tapdev_open(&vnets[i].tap, n->ifname, NULL, why, sizeof(why))) {
			snprintf(err, errlen, "--network tap%s%s: %s", *n->ifname ? "=" : "",
				 n->ifname, why);
			vmm_virtio_close();
			return -1;
		}
		nr_nets = i + 1;
	}
	return 0;
}

void vmm_virtio_close(void)
{
	vmm_virtio_stop();
	for (unsigned i = 0; i < nr_kicks; i++)
		close(kicks[i].fd);
	nr_kicks = 0;
	for (unsigned i = 0; i < nr_used; i++)
		if (slots[i].irqfd >= 0)
			close(slots[i].irqfd);
	if (epoll_fd >= 0)
		close(epoll_fd);
	if (stop_fd >= 0)
		close(stop_fd);
	epoll_fd = stop_fd = -1;
	for (unsigned i = 0; i < VMM_MAX_DISKS; i++)
		av_blkfile_close(&files[i]);
	nr_disks = 0;
	for (unsigned i = 0; i < nr_nets; i++)
		av_tapdev_close(&vnets[i].tap);
	nr_nets = 0;
	if (net_epoll >= 0)
		close(net_epoll);
	if (net_stop >= 0)
		close(net_stop);
	net_epoll = net_stop = -1;
}

/* ---- device callbacks ---- */

/* The DT describes the slots' SPIs as edge-triggered: the vGIC latches each rise. */
static void slot_irq(void *ctx, bool level)
{
	struct vslot *s = ctx;
	if (s->irqfd < 0) {
		av_kvm_irq_line(s->kvm, s->spi, level);
		return;
	}
	/* KVM_IRQFD injects an edge per write: only the rises matter. */
	uint64_t one = 1;
	ssize_t n;
	if (level)
		do
			n = write(s->irqfd, &one, sizeof(one));
		while (n < 0 && errno == EINTR);
}

static size_t console_tx(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	size_t done = 0;
	while (done < len) {
		ssize_t n = write(STDOUT_FILENO, (const char *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* the rest is dropped (and counted by the model) */
		done += (size_t)n;
	}
	return done;
}

static const struct av_virtio_console_ops console_ops = { .tx = console_tx };

static size_t rng_fill(void *ctx, void *buf, size_t len)
{
	(void)ctx;
	/* Never block the vCPU: what the host cannot give now, the guest asks for again. */
	ssize_t n;
	do
		n = getrandom(buf, len, GRND_NONBLOCK);
	while (n < 0 && errno == EINTR);
	return n > 0 ? (size_t)n : 0;
}

static const struct av_virtio_rng_ops rng_ops = { .fill = rng_fill };

/* ---- networks ---- */

/* Poll the TAP descriptor for one more readable event (called under the slot's lock). */
static void net_arm(struct vnet *v)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLONESHOT, .data.ptr = v };
	if (!v->armed && !epoll_ctl(net_epoll, EPOLL_CTL_MOD, v->tap.fd, &ev))
		v->armed = true;
}

/* The guest posted receive buffers after a frame found none: poll again. */
static void net_rx_space(void *ctx)
{
	/* ctx is the backend's, the vnet's tap */
	net_arm((struct vnet *)((char *)ctx - offsetof(struct vnet, tap)));
}

static void *net_main(void *arg)
{
	(void)arg;
	struct epoll_event ev[VMM_MAX_NETS + 1];
	for (;;) {
		int n = epoll_wait(net_epoll, ev, VMM_MAX_NETS + 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		for (int i = 0; i < n; i++) {
			struct vnet *v = ev[i].data.ptr;
			if (!v)
				return NULL; /* the stop eventfd */
			pthread_mutex_lock(&v->slot->ld.lock);
			v->armed = false;
			v->wakeups++;
			av_virtio_net_rx_pull(&v->net);
			/* A frame left waiting: the guest has no buffer; rx_space re-arms. */
			if (!av_tapdev_pending(&v->tap))
				net_arm(v);
			pthread_mutex_unlock(&v->slot->ld.lock);
		}
	}
}

static int start_net_thread(char *err, size_t errlen)
{
	net_epoll = epoll_create1(EPOLL_CLOEXEC);
	net_stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
	if (net_epoll < 0 || net_stop < 0 || epoll_ctl(net_epoll, EPOLL_CTL_ADD, net_stop, &ev))
		goto fail;
	for (unsigned i = 0; i < nr_nets; i++) {
		struct vnet *v = &vnets[i];
		ev = (struct epoll_event){ .events = EPOLLIN | EPOLLONESHOT, .data.ptr = v };
		if (epoll_ctl(net_epoll, EPOLL_CTL_ADD, v->tap.fd, &ev))
			goto fail;
		v->armed = true;
	}
	int r = pthread_create(&net_thread, NULL, net_main, NULL);
	if (r) {
		snprintf(err, errlen, "--network: cannot start the network thread: %s",
			 strerror(r));
		return -1;
	}
	net_thread_live = true;
	return 0;
fail:
	snprintf(err, errlen, "--network: %s", strerror(errno));
	return -1;
}

/* ---- --io-thread ---- */

static void *io_main(void *arg)
{
	(void)arg;
	struct epoll_event ev[MAX_KICKS + 1];
	for (;;) {
		int n = epoll_wait(epoll_fd, ev, MAX_KICKS + 1, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return NULL;
		io_wakeups++;
		for (int i = 0; i < n; i++) {
			struct kick *k = ev[i].data.ptr;
			if (!k)
				return NULL; /* the stop eventfd */
			uint64_t cnt;
			if (read(k->fd, &cnt, sizeof(cnt)) != sizeof(cnt))
				continue;
			io_kicks += cnt;
			pthread_mutex_lock(&k->slot->ld.lock);
			av_virtio_queue_notify(k->slot->vdev, k->queue);
			pthread_mutex_unlock(&k->slot->ld.lock);
		}
	}
}

static int watch(int fd, void *ptr)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = ptr };
	return epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* Each used slot's queues kick eventfds, its interrupts go through an irqfd. */
static int start_io_thread(struct av_kvm *kvm, const struct av_vmspec *spec, char *err,
			   size_t errlen)
{
	epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (epoll_fd < 0 || stop_fd < 0 || watch(stop_fd, NULL)) {
		snprintf(err, errlen, "--io-thread: %s", strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < nr_used; i++) {
		struct vslot *s = &slots[i];
		s->irqfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (s->irqfd < 0 || av_kvm_irqfd(kvm, s->spi, s->irqfd)) {
			snprintf(err, errlen, "--io-thread: %s: %s", s->name,
				 s->irqfd < 0 ? strerror(errno) : av_kvm_error(kvm));
			return -1;
		}
		for (unsigned q = 0; q < s->vdev->num_queues && nr_kicks < MAX_KICKS; q++) {
			struct kick *k = &kicks[nr_kicks];
			uint64_t match = q;
			k->slot = s;
			k->queue = q;
			k->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
			if (k->fd < 0 || watch(k->fd, k) ||
			    av_kvm_ioeventfd(kvm, spec->virtio[i].mmio.base + AV_VIRTIO_MMIO_QUEUE_NOTIFY,
					     4, &match, k->fd)) {
				snprintf(err, errlen, "--io-thread: %s queue %u: %s", s->name, q,
					 k->fd < 0 ? strerror(errno) : av_kvm_error(kvm));
				return -1;
			}
			nr_kicks++;
		}
	}
	int r = pthread_create(&io_thread, NULL, io_main, NULL);
	if (r) {
		snprintf(err, errlen, "--io-thread: cannot start the thread: %s", strerror(r));
		return -1;
	}
	io_thread_live = true;
	return 0;
}

void vmm_virtio_stop(void)
{
	if (net_thread_live) {
		uint64_t one = 1;
		if (write(net_stop, &one, sizeof(one)) == sizeof(one))
			pthread_join(net_thread, NULL);
		net_thread_live = false;
	}
	if (io_thread_live) {
		uint64_t one = 1;
		if (write(stop_fd, &one, sizeof(one)) == sizeof(one))
			pthread_join(io_thread, NULL);
		io_thread_live = false;
	}
}

/* ---- slots ---- */

/* The next free slot for a device (its irq hook filled in). */
static struct vslot *take_slot(struct av_kvm *kvm, const struct av_vmspec *spec, const char *name,
			       struct av_virtio_irq *irq)
{
	if (nr_used >= spec->nr_virtio)
		return NULL;
	struct vslot *s = &slots[nr_used++];
	s->kvm = kvm;
	s->spi = spec->virtio[s - slots].spi;
	s->irqfd = -1;
	snprintf(s->name, sizeof(s->name), "%s", name);
	irq->set_level = slot_irq;
	irq->ctx = s;
	return s;
}

int vmm_virtio_setup(struct av_kvm *kvm, const struct av_vmspec *spec, struct av_mmio_bus *bus,
		     const struct vmm_opts *o, char *err, size_t errlen)
{
	struct av_error e = { 0 };
	struct av_virtio_irq irq;
	char name[24];

	region_table.count = 0;
	for (unsigned i = 0; i < kvm->nr_ram && i < AV_VMSPEC_MAX_RAM; i++) {
		regions[i] = (struct av_virtio_mem_region){
			.gpa = kvm->ram[i].ipa, .size = kvm->ram[i].size, .host = kvm->ram[i].hva,
		};
		region_table.count = i + 1;
	}

	unsigned want = nr_disks + (o->console == VMM_CONSOLE_VIRTIO) + o->rng + nr_nets;
	if (want > spec->nr_virtio) {
		snprintf(err, errlen, "%u virtio devices, but the machine has %u virtio-mmio slots",
			 want, spec->nr_virtio);
		return -1;
	}
	for (unsigned i = 0; i < nr_disks; i++) {
		snprintf(name, sizeof(name), "virtio-blk%u", i);
		struct vslot *s = take_slot(kvm, spec, name, &irq);
		char serial[AV_VIRTIO_BLK_ID_BYTES + 1];
		snprintf(serial, sizeof(serial), "armvirt-disk%u", i);
		struct av_virtio_blk_params p = {
			.ops = &av_blkfile_ops,
			.ctx = &files[i],
			.size = files[i].size,
			.readonly = files[i].readonly,
			.serial = serial,
		};
		if (av_virtio_blk_init(&blks[i], &p, &guest_mem, &irq, &e)) {
			snprintf(err, errlen, "--disk %s: virtio-blk: %s: %s", o->disks[i].path,
				 e.field, e.msg);
			return -1;
		}
		s->vdev = &blks[i].vdev;
	}
	if (o->console == VMM_CONSOLE_VIRTIO) {
		struct vslot *s = take_slot(kvm, spec, "virtio-console", &irq);
		if (av_virtio_console_init(&con, &console_ops, NULL, &guest_mem, &irq, &e)) {
			snprintf(err, errlen, "virtio-console: %s: %s", e.field, e.msg);
			return -1;
		}
		s->vdev = &con.vdev;
		con_slot = s;
	}
	if (o->rng) {
		struct vslot *s = take_slot(kvm, spec, "virtio-rng", &irq);
		if (av_virtio_rng_init(&rng, &rng_ops, NULL, &guest_mem, &irq, &e)) {
			snprintf(err, errlen, "virtio-rng: %s: %s", e.field, e.msg);
			return -1;
		}
		s->vdev = &rng.vdev;
	}
	for (unsigned i = 0; i < nr_nets; i++) {
		struct vnet *v = &vnets[i];
		snprintf(name, sizeof(name), "virtio-net%u", i);
		v->slot = take_slot(kvm, spec, name, &irq);
		v->ops = av_tapdev_ops;
		v->ops.rx_space = net_rx_space;
		struct av_virtio_net_params p = { .ops = &v->ops, .ctx = &v->tap };
		memcpy(p.mac, o->nets[i].mac, sizeof(p.mac));
		if (av_virtio_net_init(&v->net, &p, &guest_mem, &irq, &e)) {
			snprintf(err, errlen, "--network %s: virtio-net: %s: %s", v->tap.ifname,
				 e.field, e.msg);
			return -1;
		}
		v->slot->vdev = &v->net.vdev;
	}

	/* Every slot on the bus: the devices with their own lock, the rest empty. */
	for (unsigned i = 0; i < spec->nr_virtio && i < AV_VMSPEC_MAX_VIRTIO; i++) {
		struct vslot *s = &slots[i];
		struct av_mmio_dev *m = &s->ld.mmio;
		av_virtio_mmio_entry(m, s->vdev, spec->virtio[i].mmio.base,
				     s->vdev ? s->name : "virtio(empty)");
		if (s->vdev) {
			if (pthread_mutex_init(&s->ld.lock, NULL)) {
				snprintf(err, errlen, "%s: cannot initialise its lock", s->name);
				return -1;
			}
			m->flags |= AV_KVM_MMIO_F_OWN_LOCK;
		}
		if (av_mmio_register(bus, m, &e)) {
			snprintf(err, errlen, "MMIO bus: %s: %s", e.field, e.msg);
			return -1;
		}
	}
	if (nr_nets && start_net_thread(err, errlen))
		return -1;
	if (o->io_thread && nr_used)
		return start_io_thread(kvm, spec, err, errlen);
	return 0;
}

bool vmm_virtio_has_console(void)
{
	return con_slot != NULL;
}

size_t vmm_virtio_console_input(const void *buf, size_t len)
{
	if (!con_slot)
		return 0;
	pthread_mutex_lock(&con_slot->ld.lock);
	size_t n = av_virtio_console_rx_push(&con, buf, len);
	pthread_mutex_unlock(&con_slot->ld.lock);
	return n;
}

bool vmm_virtio_is_empty_slot(const struct av_mmio_dev *d)
{
	return d && d->ops == &av_virtio_mmio_empty_ops;
}

void vmm_virtio_print_stats(FILE *out)
{
	if (!nr_used)
		return;
	fprintf(out, "  %-14s %12s %12s %12s\n", "virtio", "notifies", "interrupts", "resets");
	for (unsigned i = 0; i < nr_used; i++) {
		const struct av_virtio_dev *v = slots[i].vdev;
		fprintf(out, "  %-14s %12llu %12llu %12llu\n", slots[i].name,
			(unsigned long long)v->notifies, (unsigned long long)v->interrupts,
			(unsigned long long)v->resets_needed);
	}
	for (unsigned i = 0; i < nr_disks; i++) {
		const struct av_virtio_blk *b = &blks[i];
		fprintf(out, "  virtio-blk%u: %llu reads (%llu bytes), %llu writes (%llu bytes), "
			"%llu flushes, %llu discards, %llu write-zeroes, %llu errors\n", i,
			(unsigned long long)b->reads, (unsigned long long)b->bytes_read,
			(unsigned long long)b->writes, (unsigned long long)b->bytes_written,
			(unsigned long long)b->flushes, (unsigned long long)b->discards,
			(unsigned long long)b->write_zeroes, (unsigned long long)b->errors);
	}
	if (con_slot)
		fprintf(out, "  virtio-console: %llu bytes out, %llu in, %llu dropped\n",
			(unsigned long long)con.tx_bytes, (unsigned long long)con.rx_bytes,
			(unsigned long long)con.tx_dropped);
	if (rng.ops)
		fprintf(out, "  virtio-rng: %llu bytes\n", (unsigned long long)rng.bytes);
	for (unsigned i = 0; i < nr_nets; i++) {
		const struct vnet *v = &vnets[i];
		const struct av_virtio_net_stats *st = &v->net.stats;
		fprintf(out, "  virtio-net%u (%s): %llu frames out (%llu bytes), %llu in "
			"(%llu bytes), %llu dropped out, %llu dropped in, %llu waits for buffers, "
			"%llu network-thread pulls\n", i, v->tap.ifname,
			(unsigned long long)st->tx_frames, (unsigned long long)st->tx_bytes,
			(unsigned long long)st->rx_frames, (unsigned long long)st->rx_bytes,
			(unsigned long long)st->tx_drop_short + st->tx_drop_long +
				st->tx_drop_malformed + st->tx_drop_link + st->tx_drop_backend,
			(unsigned long long)st->rx_drop_short + st->rx_drop_long +
				st->rx_drop_link + st->rx_drop_fault,
			(unsigned long long)st->rx_no_buffer, (unsigned long long)v->wakeups);
	}
	if (nr_kicks)
		fprintf(out, "  io-thread: %llu wake-ups for %llu queue notifications\n",
			(unsigned long long)io_wakeups, (unsigned long long)io_kicks);
}
