/* SPDX-License-Identifier: MIT */
/*
 * armvirt-bm, networks: a VM's virtio-net ports on the image's virtual switch
 * (doc/baremetal.md "Networks", doc/vswitch.md "How armvirt-bm uses it").
 *
 * Each network id in bm_vm_desc::nets gives the VM one virtio-net device (in the next free
 * virtio-mmio slot, after blk/console/rng) whose backend is a port of that network on one
 * switch (lib/vswitch.c). Frames are copied, never shared: the sender's guest buffers go
 * straight into the destination ports' queues (board RAM carved per VM, never mapped into
 * any VM), and the destination device copies them from there into its own guest's buffers.
 *
 * Transmit runs in the trap of the sending vCPU (QueueNotify on transmitq0): the device
 * lock of the sender, then the switch lock around av_vswitch_txv(). A destination that was
 * waiting gets its notify call there (switch lock held): it only marks the port pending.
 * Once the sender has dropped its device lock, bm_net_deliver() pulls every pending port
 * under that port's device lock alone: the frames go into the destination guest's buffers
 * and its used-buffer interrupt is raised with av_vgic_set_level(), which wakes the
 * destination vCPU wherever it is (running on another pCPU: kicked; in WFI or descheduled:
 * av_sched_wake(), like an IVC doorbell). A guest that posts receive buffers pulls on its
 * own (a kick of receiveq0).
 *
 * Lock order: device (slot) lock -> switch lock. No device lock is ever taken with the
 * switch lock held, and a pCPU never holds two device locks.
 */
#include "bm_internal.h"

#include <armvirt/vswitch.h>

#define NET_MTU 1500u
#define NET_FRAME_MAX (NET_MTU + 18u) /* Ethernet header and a VLAN tag */
#define NET_SLOTS 256u                /* frames queued per port */
#define NET_FDB 64u                   /* MAC table entries per network */
#define NET_MAX (BM_MAX_VMS * BM_MAX_NETS)

static struct av_vswitch sw;
static struct port_spinlock sw_lock;
static struct av_vswitch_net nets[NET_MAX];
static struct av_vswitch_fdb_entry fdbs[NET_MAX][NET_FDB];
static unsigned nr_nets;
static int any_pending; /* some port was marked pending (atomic) */

/* The network with id @id, added on first use; NULL when the table is full. */
static struct av_vswitch_net *net_get(uint32_t id, struct av_error *err)
{
	for (unsigned i = 0; i < nr_nets; i++)
		if (nets[i].id == id)
			return &nets[i];
	if (nr_nets == NET_MAX ||
	    av_vswitch_net_add(&sw, &nets[nr_nets], id, fdbs[nr_nets], NET_FDB, err))
		return NULL;
	return &nets[nr_nets++];
}

/* ---------------------------------------------------------------------------------------
 * The device's backend: a switch port
 */

static int net_tx(void *ctx, const struct av_virtq_seg *seg, unsigned n, size_t len)
{
	struct bm_net_port *np = ctx;

	(void)len;
	port_spin_lock(&sw_lock);
	av_vswitch_txv(&np->port, seg, n); /* the switch counts its own drops */
	port_spin_unlock(&sw_lock);
	return 0;
}

static const void *net_peek(void *ctx, size_t *len)
{
	struct bm_net_port *np = ctx;

	return av_vswitch_peek(&np->port, len);
}

static void net_consume(void *ctx)
{
	struct bm_net_port *np = ctx;

	av_vswitch_pop(&np->port);
}

static const struct av_virtio_net_ops net_ops = {
	.tx = net_tx, .rx_peek = net_peek, .rx_consume = net_consume,
};

/* A frame was queued for a waiting port (switch lock held): mark it, nothing else. */
static void net_notify(void *ctx, struct av_vswitch_port *port)
{
	struct bm_net_port *np = ctx;

	(void)port;
	__atomic_store_n(&np->pending, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&any_pending, 1, __ATOMIC_RELEASE);
}

/* Pull the frames of every pending port into its guest (no device lock held). */
void bm_net_deliver(void)
{
	/* Every virtio write comes here: a plain load when nothing is pending. */
	if (!__atomic_load_n(&any_pending, __ATOMIC_ACQUIRE) ||
	    !__atomic_exchange_n(&any_pending, 0, __ATOMIC_ACQ_REL))
		return;
	for (unsigned i = 0; i < nr_vms; i++) {
		struct bm_virtio *vio = &vms[i].vio;

		for (unsigned p = 0; p < vio->nr_net; p++) {
			struct bm_net_port *np = &vio->net[p];

			if (!__atomic_exchange_n(&np->pending, 0, __ATOMIC_ACQ_REL))
				continue;
			port_spin_lock(&np->slot->lock);
			av_virtio_net_rx_pull(&np->dev);
			port_spin_unlock(&np->slot->lock);
		}
	}
}

/* ---------------------------------------------------------------------------------------
 * Set-up and statistics
 */

static int net_port_setup(struct bm_vm *vm, unsigned p, uint8_t *frames, uint32_t *lens,
			  const struct av_virtio_irq *irq, struct av_error *err)
{
	struct bm_net_port *np = &vm->vio.net[p];
	uint32_t id = vm->desc->nets[p];
	struct av_virtio_net_params params = { .ops = &net_ops, .ctx = np, .mtu = NET_MTU };
	struct av_vswitch_port_config pc = {
		.network = id, .frames = frames, .lens = lens, .slots = NET_SLOTS,
		.frame_max = NET_FRAME_MAX, .notify = net_notify, .ctx = np,
	};
	int rc;

	/* Stable and locally administered: 02:41:56 ("AV"), 00, VM index, port index. */
	np->mac[0] = 0x02, np->mac[1] = 0x41, np->mac[2] = 0x56, np->mac[3] = 0;
	np->mac[4] = (uint8_t)vm->index, np->mac[5] = (uint8_t)p;
	memcpy(params.mac, np->mac, sizeof(params.mac));
	np->network = id;
	if (!net_get(id, err))
		return err->msg[0] ? -AV_EINVAL : -AV_ENOMEM;
	port_spin_lock(&sw_lock);
	rc = av_vswitch_port_add(&sw, &np->port, &pc, err);
	port_spin_unlock(&sw_lock);
	if (rc)
		return rc;
	rc = av_virtio_net_init(&np->dev, &params, &vm->vio.mem, irq, err);
	if (rc) {
		port_spin_lock(&sw_lock);
		av_vswitch_port_remove(&sw, &np->port);
		port_spin_unlock(&sw_lock);
	}
	return rc;
}

/* The VM's virtio-net ports (bm_virtio_setup(), after the other devices). */
void bm_net_setup(struct bm_vm *vm, struct av_virtio_irq *irq, struct av_error *err)
{
	struct bm_virtio *vio = &vm->vio;
	const uint32_t *ids = vm->desc->nets;
	static bool sw_ready;
	unsigned want = 0;
	uint64_t pa;

	while (want < BM_MAX_NETS && ids[want])
		want++;
	if (!want)
		return;
	if (!sw_ready) {
		av_vswitch_init(&sw, 0);
		sw_ready = true;
	}
	pa = carve_ram((uint64_t)want * NET_SLOTS * (NET_FRAME_MAX + sizeof(uint32_t)));
	if (!pa) {
		port_printf("armvirt-bm: %s: virtio-net: no board RAM for the port queues: "
			    "no network\n", vm->desc->name);
		return;
	}
	for (unsigned p = 0; p < want; p++) {
		uint8_t *frames = (uint8_t *)(uintptr_t)pa +
				  (uint64_t)p * NET_SLOTS * (NET_FRAME_MAX + sizeof(uint32_t));
		uint32_t *lens = (uint32_t *)(frames + NET_SLOTS * NET_FRAME_MAX);
		struct bm_net_port *np = &vio->net[vio->nr_net];
		int slot = bm_virtio_take_slot(vm, "virtio-net", irq);
		int where = -1, rc;

		if (slot < 0)
			return;
		rc = net_port_setup(vm, vio->nr_net, frames, lens, irq, err);
		bm_virtio_attach(vm, slot, rc, &np->dev.vdev, &where, "virtio-net", "", err);
		if (where < 0)
			continue;
		np->slot = &vio->slot[where];
		port_printf("armvirt-bm: %s: virtio-net %u: network %u, MAC "
			    "%02x:%02x:%02x:%02x:%02x:%02x, %u-frame queue\n", vm->desc->name,
			    vio->nr_net, (unsigned)np->network, np->mac[0], np->mac[1], np->mac[2],
			    np->mac[3], np->mac[4], np->mac[5], NET_SLOTS);
		vio->nr_net++;
	}
}

void bm_net_stats(struct bm_vm *vm)
{
	for (unsigned p = 0; p < vm->vio.nr_net; p++) {
		const struct bm_net_port *np = &vm->vio.net[p];
		const struct av_vswitch_port_stats *s = &np->port.stats;
		const struct av_virtio_net_stats *d = &np->dev.stats;

		port_printf("%s: virtio-net %u: network %u: %llu frames out (%llu KiB), %llu in "
			    "(%llu KiB), %llu queued\n", vm->desc->name, p, (unsigned)np->network,
			    (unsigned long long)d->tx_frames, (unsigned long long)(d->tx_bytes >> 10),
			    (unsigned long long)d->rx_frames, (unsigned long long)(d->rx_bytes >> 10),
			    (unsigned long long)s->rx_frames);
		port_printf("%s: virtio-net %u: drops: %llu queue full, %llu too long for the "
			    "queue, %llu sent malformed, %llu with no destination, %llu by the "
			    "device\n", vm->desc->name, p, (unsigned long long)s->rx_drop_full,
			    (unsigned long long)s->rx_drop_long,
			    (unsigned long long)s->tx_drop_short + s->tx_drop_long,
			    (unsigned long long)s->tx_drop_no_dest,
			    (unsigned long long)d->tx_drop_short + d->tx_drop_long +
				    d->tx_drop_malformed + d->tx_drop_link + d->rx_drop_short +
				    d->rx_drop_long + d->rx_drop_link + d->rx_drop_fault);
		bm_virtio_transport_stats(vm, "virtio-net", &np->dev.vdev);
	}
}
