/* SPDX-License-Identifier: MIT */
/**
 * @file armvirt/vswitch.h
 * @brief A virtual Ethernet switch between VMs: networks, ports, MAC learning, flooding
 *        within a network, per-port bounded receive queues of copied frames, drop counters.
 *        Guide in doc/vswitch.md.
 *
 * **Objects.** Everything is caller-allocated; nothing is allocated here. A switch
 * (`struct av_vswitch`) holds networks (`struct av_vswitch_net`, each with an id and its
 * own MAC table of caller storage); a port (`struct av_vswitch_port`) belongs to one
 * network and owns a receive queue of caller storage (@c slots frames of at most
 * @c frame_max bytes each).
 *
 * **Forwarding.** av_vswitch_tx() takes a frame a port sends. A frame shorter than an
 * Ethernet header (#AV_VSWITCH_ETH_HLEN bytes) or longer than the sender's @c frame_max is
 * dropped and counted on the sender. Otherwise the source MAC is learned (a unicast,
 * non-zero source only) in the sender's network's table, and the frame is copied into
 * the receive queue of:
 * - the port that learned the destination MAC, when it is unicast and known (not the
 *   sender: such a frame has no destination);
 * - otherwise (broadcast, multicast, unknown unicast) every other port of the same
 *   network ("flooding").
 * A frame never goes back to its sender nor to a port of another network; tables are per
 * network, so two networks may use the same MACs. A destination whose queue is full, or
 * whose @c frame_max is smaller than the frame, drops its copy (counted on that port);
 * the others still get theirs. Flooded copies may fill a queue only up to the port's
 * @c flood_max frames, so known unicast traffic to a port always finds room that a
 * broadcast flood cannot take.
 *
 * **MAC table.** Set-associative: a MAC hashes to a bucket of #AV_VSWITCH_FDB_WAYS
 * entries; a lookup or a learn touches one bucket (bounded work per frame). An entry not
 * refreshed for @c ageing time units (av_vswitch_set_time()) is stale: ignored by lookups
 * and reused first; when a bucket is full of live entries, a new MAC replaces the least
 * recently refreshed one (counted in av_vswitch_net::replaced). A MAC seen on another
 * port moves there.
 *
 * **Locking.** The library takes no lock. The caller provides:
 * - one lock per switch (the "switch lock"), held around av_vswitch_net_add(),
 *   av_vswitch_port_add(), av_vswitch_port_remove(), av_vswitch_set_time(),
 *   av_vswitch_tx() / av_vswitch_txv() and av_vswitch_fdb_lookup(). A transmit holds it
 *   for one bucket lookup and the copies of one frame into at most (ports in the
 *   network - 1) queues: no work grows with the traffic;
 * - the receive side of a port (av_vswitch_peek(), av_vswitch_pop(), av_vswitch_recv(),
 *   av_vswitch_pending()) needs **no switch lock**: each queue is a single-producer /
 *   single-consumer ring (producer: whoever holds the switch lock; consumer: the port's
 *   owner) with C11 acquire/release indices. The caller serialises the consumers of one
 *   port (e.g. the virtio-net device's own lock); the port must not be removed meanwhile.
 * A frame returned by av_vswitch_peek() stays in place, untouched by senders, until
 * av_vswitch_pop(), so a device may copy it into guest buffers without any lock.
 *
 * **Wake-ups.** The @c notify callback of a port is called with the switch lock held when
 * a frame is queued for it while its consumer waits: at the start, and each time
 * av_vswitch_peek() found the queue empty. One call per wait, however many frames
 * follow, so a flood costs the receiver one wake-up, not one per frame; the consumer then
 * drains until av_vswitch_peek() returns NULL (which re-arms the wake-up; no frame is left
 * behind, the check is race-free against a concurrent sender). @c notify must not call
 * into the switch nor take a lock that is held around av_vswitch_tx() (e.g. the
 * receiving device's lock, when a device's transmit path takes the switch lock with its
 * own lock held): it marks the port's receive side pending and kicks the vCPU, which
 * then pulls (av_virtio_net_rx_pull()) under its own device lock.
 *
 * **With virtio-net** (armvirt/dev/virtio_net.h) the backend ops are one line each:
 * @c tx takes the switch lock around av_vswitch_txv(seg, n) and returns 0 (the switch
 * counts its own drops); @c rx_peek is av_vswitch_peek(); @c rx_consume is
 * av_vswitch_pop(); @c rx_space is not needed (the device pulls when the guest posts
 * buffers). Set the port's @c frame_max to the device's MTU plus 18 (Ethernet header and
 * a VLAN tag).
 *
 * Freestanding: stdint/stddef/stdbool/stdatomic; memcpy/memset/memcmp only.
 */
#ifndef ARMVIRT_VSWITCH_H
#define ARMVIRT_VSWITCH_H

#include <armvirt/types.h>
#include <armvirt/virtio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AV_VSWITCH_ETH_ALEN 6u      /**< bytes in a MAC address */
#define AV_VSWITCH_ETH_HLEN 14u     /**< Ethernet header: destination, source, type */
#define AV_VSWITCH_FDB_WAYS 4u      /**< MAC table entries per bucket */
#define AV_VSWITCH_SLOTS_MAX 65536u /**< most frames in one receive queue */

struct av_vswitch;
struct av_vswitch_port;

/** One MAC table entry (caller storage; contents are the switch's). */
struct av_vswitch_fdb_entry {
	uint8_t mac[AV_VSWITCH_ETH_ALEN]; /**< learned source address */
	uint64_t seen;                    /**< av_vswitch::now at the last learn */
	struct av_vswitch_port *port;     /**< where it was seen; NULL: free entry */
};

/** A network: its id, its MAC table and its ports. Caller-allocated; av_vswitch_net_add(). */
struct av_vswitch_net {
	uint32_t id;                        /**< the network id (unique in the switch) */
	struct av_vswitch_fdb_entry *fdb;   /**< MAC table (caller storage) */
	uint32_t fdb_size;                  /**< entries: a power of two, >= FDB_WAYS */
	struct av_vswitch *sw;              /**< the switch */
	struct av_vswitch_port *ports;      /**< its ports (list) */
	uint32_t nports;                    /**< how many */
	struct av_vswitch_net *next;        /**< next network of the switch */
	uint64_t learned;                   /**< new entries made */
	uint64_t moved;                     /**< MACs that moved to another port */
	uint64_t replaced;                  /**< live entries evicted by a full bucket */
};

/** A switch. Caller-allocated; av_vswitch_init(). */
struct av_vswitch {
	struct av_vswitch_net *nets; /**< networks (list) */
	uint64_t now;                /**< the caller's clock, av_vswitch_set_time() */
	uint64_t ageing;             /**< entry lifetime in clock units; 0: never stale */
};

/**
 * Per-port counters: the tx side counts what the port sent, the rx side what was sent to
 * it. Written under the switch lock, except @c rx_popped (the consumer's).
 */
struct av_vswitch_port_stats {
	uint64_t tx_frames;        /**< frames accepted from the port (well-formed) */
	uint64_t tx_bytes;         /**< their bytes */
	uint64_t tx_drop_short;    /**< sent frames shorter than ETH_HLEN (not accepted) */
	uint64_t tx_drop_long;     /**< sent frames longer than frame_max (not accepted) */
	uint64_t tx_drop_no_dest;  /**< accepted frames with no destination port at all */
	uint64_t rx_frames;        /**< frames queued for the port */
	uint64_t rx_bytes;         /**< their bytes */
	uint64_t rx_drop_full;     /**< copies dropped: queue full (or flood share used) */
	uint64_t rx_drop_long;     /**< copies dropped: longer than the port's frame_max */
	uint64_t rx_popped;        /**< frames the consumer took (consumer-side counter) */
};

/** How av_vswitch_port_add() sets up a port. */
struct av_vswitch_port_config {
	uint32_t network;  /**< id of its network (av_vswitch_net_add()) */
	void *frames;      /**< queue storage: @c slots * @c frame_max bytes */
	uint32_t *lens;    /**< queue storage: @c slots frame lengths */
	uint32_t slots;    /**< queue length in frames, 1 .. #AV_VSWITCH_SLOTS_MAX */
	uint32_t frame_max; /**< largest frame in bytes (both ways), ETH_HLEN .. 2^31 - 1 */
	uint32_t flood_max; /**< most flooded frames queued at once; 0: max(1, slots / 2) */
	/** A frame was queued while the consumer waited (switch lock held; may be NULL). */
	void (*notify)(void *ctx, struct av_vswitch_port *port);
	void *ctx;         /**< passed to @c notify */
};

/** A port. Caller-allocated; av_vswitch_port_add(). Fields are the switch's. */
struct av_vswitch_port {
	struct av_vswitch_net *net;   /**< its network; NULL when not added */
	struct av_vswitch_port *next; /**< next port of the network */
	uint8_t *frames;              /**< queue storage */
	uint32_t *lens;               /**< frame lengths */
	uint32_t slots;               /**< queue length */
	uint32_t frame_max;           /**< largest frame */
	uint32_t flood_max;           /**< flooded-frame share of the queue */
	uint32_t flood_in;            /**< producer: flooded frames queued, mod 2 * slots */
	av_atomic_int flood_out;      /**< consumer: flooded frames taken, mod 2 * slots */
	av_atomic_int waiting;        /**< 1: the consumer found the queue empty */
	void (*notify)(void *ctx, struct av_vswitch_port *port); /**< see the config */
	void *ctx;                    /**< passed to @c notify */
	av_atomic_int head;           /**< producer index, 0 .. 2 * slots - 1 */
	av_atomic_int tail;           /**< consumer index, 0 .. 2 * slots - 1 */
	struct av_vswitch_port_stats stats; /**< counters */
};

/**
 * Initialise an empty switch.
 * @param sw the switch
 * @param ageing MAC entry lifetime in the units of av_vswitch_set_time(); 0: never stale
 * @return 0 or -AV_EINVAL for a NULL @p sw.
 */
int av_vswitch_init(struct av_vswitch *sw, uint64_t ageing);

/**
 * Add a network.
 * @param sw the switch
 * @param net the network (caller storage, kept)
 * @param id its id
 * @param fdb MAC table storage (kept; cleared here)
 * @param fdb_size entries in @p fdb: a power of two, at least #AV_VSWITCH_FDB_WAYS
 * @param err receives the field and the reason on failure (may be NULL)
 * @return 0; -AV_EINVAL for NULL pointers or a bad @p fdb_size; -AV_EEXIST when @p id
 *         or @p net is already in the switch.
 */
int av_vswitch_net_add(struct av_vswitch *sw, struct av_vswitch_net *net, uint32_t id,
		       struct av_vswitch_fdb_entry *fdb, uint32_t fdb_size, struct av_error *err);

/**
 * Add a port to a network, with an empty queue and zero counters.
 * @param sw the switch
 * @param port the port (caller storage, kept)
 * @param cfg its configuration (copied; the storage it names is kept)
 * @param err receives the field and the reason on failure (may be NULL)
 * @return 0; -AV_EINVAL for NULL pointers, no storage, @c slots or @c frame_max out of
 *         range, @c flood_max over @c slots; -AV_ENOENT for an unknown network;
 *         -AV_EEXIST when @p port is already in the switch.
 */
int av_vswitch_port_add(struct av_vswitch *sw, struct av_vswitch_port *port,
			const struct av_vswitch_port_config *cfg, struct av_error *err);

/**
 * Take a port out of its network: its MAC entries are forgotten, its queue is discarded.
 * Its counters stay readable. No consumer may be using the port.
 * @param sw the switch
 * @param port the port
 * @return 0 or -AV_EINVAL for NULL pointers or a port not in @p sw.
 */
int av_vswitch_port_remove(struct av_vswitch *sw, struct av_vswitch_port *port);

/**
 * Set the clock MAC ageing is measured against.
 * @param sw the switch
 * @param now a monotonic value, in the unit of av_vswitch::ageing
 */
void av_vswitch_set_time(struct av_vswitch *sw, uint64_t now);

/**
 * A port sends a frame (switch lock held): forwarded as described in the file comment.
 * @param port the sender
 * @param frame the Ethernet frame (destination MAC first), no FCS
 * @param len its length
 * @return the number of queues it was copied into (0 when dropped), or -AV_EINVAL for
 *         a NULL or unattached @p port or a NULL @p frame with a non-zero @p len.
 */
int av_vswitch_tx(struct av_vswitch_port *port, const void *frame, size_t len);

/**
 * av_vswitch_tx() for a frame in pieces, such as the guest buffers the virtio-net
 * device's @c tx op receives (armvirt/dev/virtio_net.h); the pieces are copied straight
 * into the destination queues (the switch only reads them).
 * @param port the sender
 * @param seg the pieces in order (a piece may be empty)
 * @param n how many
 * @return as av_vswitch_tx(); -AV_EINVAL also for a NULL @p seg with @p n > 0 or a piece
 *         with a NULL address and a non-zero length.
 */
int av_vswitch_txv(struct av_vswitch_port *port, const struct av_virtq_seg *seg, unsigned n);

/**
 * The next frame queued for a port, left in the queue (no switch lock needed).
 * @param port the port
 * @param len receives its length
 * @return the frame (valid until av_vswitch_pop()), or NULL when the queue is empty.
 */
const void *av_vswitch_peek(struct av_vswitch_port *port, size_t *len);

/**
 * Take the frame av_vswitch_peek() returned out of the queue (no-op when empty).
 * @param port the port
 */
void av_vswitch_pop(struct av_vswitch_port *port);

/**
 * Copy the next frame out and take it from the queue (no switch lock needed).
 * @param port the port
 * @param buf where to copy
 * @param cap bytes available at @p buf; a longer frame is truncated to @p cap
 * @return the frame's full length (0: queue empty).
 */
size_t av_vswitch_recv(struct av_vswitch_port *port, void *buf, size_t cap);

/**
 * Frames waiting in a port's queue (no switch lock needed).
 * @param port the port
 * @return how many
 */
uint32_t av_vswitch_pending(const struct av_vswitch_port *port);

/**
 * The port a network's table has learned for a MAC (switch lock held).
 * @param net the network
 * @param mac the address
 * @return the port, or NULL when unknown or stale.
 */
struct av_vswitch_port *av_vswitch_fdb_lookup(const struct av_vswitch_net *net,
					      const uint8_t mac[AV_VSWITCH_ETH_ALEN]);

#ifdef __cplusplus
}
#endif

#endif /* ARMVIRT_VSWITCH_H */
