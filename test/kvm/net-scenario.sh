#!/bin/sh
# The guest side of kvm.net (test/kvm/kvm-test.sh net): /scenario.sh in the guest's
# initramfs (scripts/guest-images.sh's init runs it for an unknown armvirt.scenario).
#   armvirt.scenario=net armvirt.mib=N  under --network tap=tap0 (the outer Linux is
#       10.0.2.2 on tap0, listening on TCP 5001): eth0 as 10.0.2.15/24, ping the host,
#       send N MiB to 10.0.2.2:5001, then receive N MiB on TCP 5002. Prints NET-* lines.
export PATH=/bin
mib=64 vnet_args=""
for arg in $(cat /proc/cmdline); do
  case "$arg" in
    armvirt.mib=*) mib=${arg#armvirt.mib=} ;;
    armvirt.vnet=*) vnet_args=$(echo "${arg#armvirt.vnet=}" | tr , ' ') ;;
  esac
done

# N MiB, each MiB an 8-digit index and the same random 1048568 bytes (cheap to make twice).
gen() {
  i=0
  while [ $i -lt "$mib" ]; do printf '%08d' $i; cat /tmp/blk; i=$((i + 1)); done
}

if [ -n "$vnet_args" ]; then
  # virtio_net with module parameters (armvirt.vnet=a=1,b=2), before load-virtio
  insmod /lib/modules/failover.ko && insmod /lib/modules/net_failover.ko &&
    insmod /lib/modules/virtio_net.ko $vnet_args || echo "NET-ERROR: insmod virtio_net $vnet_args"
fi
/bin/load-virtio || echo "NET-ERROR: load-virtio failed"
k=0
while [ ! -e /sys/class/net/eth0 ] && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
echo "NET-ETH0: $(cat /sys/class/net/eth0/address 2>/dev/null || echo missing) driver=$(readlink /sys/class/net/eth0/device/driver | sed 's,.*/,,')"
ip link set lo up
ip link set eth0 up
ip addr add 10.0.2.15/24 dev eth0
k=0
until ping -c 1 -W 1 10.0.2.2 >/dev/null 2>&1 || [ $k -ge 60 ]; do k=$((k + 1)); done
echo "NET-PING-HOST: $(ping -c 3 -W 2 10.0.2.2 2>&1 | grep -c 'bytes from 10.0.2.2')/3"
echo "NET-UP"

head -c 1048568 /dev/urandom >/tmp/blk
mkfifo /tmp/hold
exec 4<>/tmp/hold
# guest -> host
t0=$(date +%s)
gen | nc 10.0.2.2 5001
echo "NET-SENT: rc=$? $(($(date +%s) - t0)) s"
grep -E 'virtio|eth0' /proc/interrupts | sed 's/^/NET-IRQ: /'
grep -E '^Tcp' /proc/net/snmp | sed 's/^/NET-SNMP: /'
grep -E '^TcpExt' /proc/net/netstat | sed 's/^/NET-NETSTAT: /' 
echo "NET-SENT-MD5: $(gen | md5sum | cut -d' ' -f1)"
# host -> guest (the host waits for NET-LISTEN)
(nc -l -p 5002 <&4 | md5sum | cut -d' ' -f1 >/tmp/h2g.md5) &
sleep 1
echo "NET-LISTEN"
t0=$(date +%s)
wait
echo "NET-RECEIVED: $(($(date +%s) - t0)) s"
echo "NET-RECEIVED-MD5: $(cat /tmp/h2g.md5)"
echo "NET-DONE"
