#!/usr/bin/env bash
# Linux VMs on armvirt-bm's virtual switch (doc/baremetal.md "Networks").
#
# usage: baremetal-net.sh MODE HYP_DIR IMAGES_DIR WORK_DIR GIC_VERSION [MIB]
#
# Every VM runs /netinit (appended to the cached initramfs): it loads the virtio modules,
# names itself by its MAC (02:41:56:00:<VM index>:00 -> 10.0.0.<index + 1>/24 on eth0) and
# plays its part:
#   linux0  writes MIB MiB from /dev/urandom to a file and prints its md5; pings linux1
#           (after it answers once: 5 pings, all must come back); sends the file to
#           linux1:5000 with busybox nc
#   linux1  pings linux0 likewise; receives into a file with nc -l, prints its md5 and
#           size; then adds 10.0.0.102 (the "done" signal for linux2 in flood mode)
#   linux2  depends on MODE
#
# net   (armvirt-bm-linux-net-iso.bin): linux2 is alone on network 2 (10.0.0.3/24 too).
#       It pings linux0 (must fail), counts its eth0 rx_packets over 20 s while the others
#       exchange, and powers off. Passes when both ways of ping worked, the md5 and size
#       received are what was sent, linux2 received nothing and its pings failed, the
#       hypervisor queued no frame for linux2's port, and no VM learned another network's
#       MAC.
# flood (armvirt-bm-linux-net-flood.bin): linux2 is on network 1 with the others. Once
#       linux1 answers, it sends broadcast frames as fast as it can (netflood, a static
#       program built here) until linux1 answers on 10.0.0.102 (the transfer is over).
#       Passes when the transfer still completed with the right md5, and the hypervisor
#       counted flood drops ("queue full") on linux0's or linux1's port.
#
# Prints the time each part took. QEMU: -smp 2 (three single-vCPU VMs on two pCPUs).
set -uo pipefail

mode=$1 hypdir=$2 images=$3 work=$4 gic=$5 mib=${6:-64}
qemu=${QEMU:-qemu-system-aarch64}
cc=${CROSS_CC:-aarch64-linux-gnu-gcc}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$work"
work=$(cd "$work" && pwd)
log="$work/console-$mode-gicv$gic.log"

fail() { echo "FAIL: $*"; echo "---- console ($log) ----"; tail -n 80 "$log" 2>/dev/null; exit 1; }

case "$mode" in
  net) hyp="$hypdir/armvirt-bm-linux-net-iso.bin" ;;
  flood) hyp="$hypdir/armvirt-bm-linux-net-flood.bin" ;;
  *) fail "unknown mode $mode" ;;
esac
for f in "$hyp" "$images/Image" "$images/initramfs.gz"; do
  [ -s "$f" ] || fail "missing $f"
done

extra="$work/extra-$mode"
rm -rf "$extra"
mkdir -p "$extra/bin"
if [ "$mode" = flood ]; then
  "$cc" -static -O2 -o "$extra/bin/netflood" "$here/net/netflood.c" ||
    fail "cannot build netflood with $cc"
fi
cp "$here/net/netinit" "$extra/netinit"
chmod 0755 "$extra/netinit"
initrd="$work/initramfs-$mode.gz"
(cd "$extra" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) |
  gzip -9 >"$work/extra-$mode.gz" || fail "cannot build the initramfs addition"
cat "$images/initramfs.gz" "$work/extra-$mode.gz" >"$initrd"

start=$(date +%s)
timeout 900 "$qemu" -M "virt,virtualization=on,gic-version=$gic" -cpu max,pauth=off -smp 2 \
  -m 2G -nographic -nic none -semihosting -kernel "$hyp" \
  -device "loader,file=$images/Image,addr=0x44000000,force-raw=on" -initrd "$initrd" \
  -append "console=ttyAMA0 panic=-1 rdinit=/netinit armvirt.net=$mode armvirt.mib=$mib" \
  >"$log" 2>&1 </dev/null
rc=$?
end=$(date +%s)
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"

[ "$rc" -eq 0 ] || fail "QEMU exit status $rc (124 = timeout)"
grep -q 'armvirt-bm: all VMs are off; exit statistics:' "$log" || fail "no exit statistics"
for vm in linux0 linux1 linux2; do
  ! grep -q "^$vm: ARMVIRT-ERROR" "$log" || fail "$(grep "^$vm: ARMVIRT-ERROR" "$log" | head -n 1)"
  grep -q "^$vm: ARMVIRT-NET-DONE" "$log" || fail "$vm did not finish"
done
grep -q '^linux0: ARMVIRT-PING: 10.0.0.2 ok 5 packets received' "$log" || fail "linux0 -> linux1 ping"
grep -q '^linux1: ARMVIRT-PING: 10.0.0.1 ok 5 packets received' "$log" || fail "linux1 -> linux0 ping"
sent=$(sed -n 's/^linux0: ARMVIRT-SENT: //p' "$log")
recv=$(sed -n 's/^linux1: ARMVIRT-RECV: //p' "$log")
[ -n "$sent" ] && [ "$sent" = "$recv" ] || fail "sent '$sent', received '$recv'"
[ "${sent#* }" = $((mib << 20)) ] || fail "sent ${sent#* } bytes, not $mib MiB"
xfer=$(sed -n 's/^linux0: ARMVIRT-SEND: ok in \([0-9]*\) s$/\1/p' "$log")
[ -n "$xfer" ] || fail "linux0: $(grep '^linux0: ARMVIRT-SEND' "$log")"
# "VM: virtio-net 0: network N: F frames out (K KiB), F in (K KiB), F queued"
stat() { sed -n "s/^$1: virtio-net 0: $2\$/\\1/p" "$log"; }
case "$mode" in
  net)
    grep -q '^linux2: ARMVIRT-ISO-PING: failed$' "$log" || fail "linux2 reached another network"
    iso=$(sed -n 's/^linux2: ARMVIRT-ISO: rx \([0-9]*\) -> \([0-9]*\)$/\1 \2/p' "$log")
    [ -n "$iso" ] && [ "${iso% *}" = "${iso#* }" ] || fail "linux2 received frames: rx_packets $iso"
    q=$(stat linux2 'network 2: .* \([0-9]*\) queued')
    [ "$q" = 0 ] || fail "the switch queued ${q:-?} frames for linux2 (network 2)"
    ! grep -q '^linux[01]: ARMVIRT-ARP: .*02:41:56:00:02:00' "$log" || fail "linux2's MAC seen on network 1"
    ! grep -q '^linux2: ARMVIRT-ARP: .*02:41:56:00:0[01]:00' "$log" || fail "network 1's MACs seen on network 2"
    echo "PASS: armvirt-bm GICv$gic: ping both ways, $mib MiB over TCP in $xfer s (md5 ${sent% *}), network 2 isolated; QEMU ran $((end - start)) s"
    ;;
  flood)
    grep -q '^linux2: netflood: [1-9][0-9]* frames sent' "$log" || fail "linux2 did not flood"
    d0=$(stat linux0 'drops: \([0-9]*\) queue full.*')
    d1=$(stat linux1 'drops: \([0-9]*\) queue full.*')
    [ $((${d0:-0} + ${d1:-0})) -gt 0 ] || fail "no drops counted (linux0 ${d0:-?}, linux1 ${d1:-?})"
    echo "PASS: armvirt-bm GICv$gic: $mib MiB over TCP in $xfer s (md5 ${sent% *}) under a broadcast flood, drops counted (linux0 $d0, linux1 $d1); QEMU ran $((end - start)) s"
    ;;
esac
grep -E '^armvirt-bm: .*virtio-net|ARMVIRT-(NET|PING|SENT|RECV|SEND|ISO|FLOOD|ARP)|netflood|: virtio-net ' "$log"
