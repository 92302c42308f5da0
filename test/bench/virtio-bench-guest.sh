#!/bin/sh
# The guest side of test/bench/virtio-bench.sh: run as /scenario.sh by the initramfs's init
# (kernel parameter armvirt.scenario=vbench). /bench.conf (written by the harness) sets:
#   VB_DISK    the benchmark's raw disk (e.g. /dev/vda; empty: no disk tests)
#   VB_HVC     the virtio console to write to (e.g. /dev/hvc0; empty: no console test)
#   VB_TESTS   which tests, in order (names below)
#   VB_REPEAT  runs of each test in this boot
#   VB_MIB     MiB per dd test (128)
#   VB_REQS    requests of the stride test (4096); VB_STRIDE_KIB its stride (32)
#   VB_DD_REQS requests of the stride_dd test (256: one busybox dd per request)
#   VB_NET     1: VM->VM TCP over eth0 (armvirt-bm-linux-net.bin): the VM whose MAC ends
#              in :00:00 (linux0, 10.0.0.1) runs the tests; the other (10.0.0.2) only
#              receives, into /dev/null, one connection per tcp/tcp_empty region
# Each test is a region between two markers (vbench mark): the counting plugin on the QEMU
# side writes its instruction total at each marker. Caches are dropped before each region;
# nothing is printed inside a region. At the end, the markers' labels go to the console.
. /bench.conf
PATH=/bin
load-virtio || echo "VBENCH-ERROR: load-virtio failed"
# With console=hvc0 the kernel found no console for init (virtio_console is a module):
# from here on, the output goes to hvc0.
if grep -q 'console=hvc0' /proc/cmdline; then
  k=0
  while [ ! -c /dev/hvc0 ] && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
  exec >/dev/hvc0 2>&1
fi
if [ -n "$VB_DISK" ]; then
  k=0
  while [ ! -b "$VB_DISK" ] && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
  [ -b "$VB_DISK" ] || echo "VBENCH-ERROR: no $VB_DISK"
  echo "VBENCH-DISK: $VB_DISK $(cat /sys/block/${VB_DISK#/dev/}/size 2>/dev/null) sectors"
fi
if [ -n "$VB_HVC" ]; then
  k=0
  while [ ! -c "$VB_HVC" ] && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
  [ -c "$VB_HVC" ] || echo "VBENCH-ERROR: no $VB_HVC"
fi
if [ "${VB_NET:-0}" != 0 ]; then
  k=0
  while [ ! -e /sys/class/net/eth0 ] && [ $k -lt 100 ]; do sleep 0.1; k=$((k + 1)); done
  if [ "$VB_NET" = 2 ]; then
    # armvirt-vmm: the outer Linux is 10.0.2.2 on tap0
    ip link set eth0 up
    ip addr add 10.0.2.15/24 dev eth0
    k=0
    until ping -c 1 -W 1 10.0.2.2 >/dev/null 2>&1 || [ $k -ge 60 ]; do k=$((k + 1)); done
    [ $k -lt 60 ] || echo "VBENCH-ERROR: no answer from 10.0.2.2"
    head -c 1048568 /dev/urandom >/tmp/blk
  else
    # armvirt-bm: two VMs on one network
    n=$((0x$(cut -d: -f5 </sys/class/net/eth0/address)))
    ifconfig lo 127.0.0.1 up
    ifconfig eth0 10.0.0.$((n + 1)) netmask 255.255.255.0 up
    if [ "$n" != 0 ]; then
      # The receiver: one connection per region; a silent stdin kept open (no half-close).
      mkfifo /tmp/hold
      exec 3<>/tmp/hold
      c=0
      for t in $VB_TESTS; do case $t in tcp|tcp_empty) c=$((c + ${VB_REPEAT:-1})) ;; esac; done
      while [ "$c" -gt 0 ]; do nc -l -p 5000 <&3 >/dev/null; c=$((c - 1)); done
      echo "VBENCH-RECEIVER: done"
      exit 0
    fi
    k=0
    while ! ping -c 1 -W 1 10.0.0.2 >/dev/null 2>&1 && [ $k -lt 300 ]; do k=$((k + 1)); done
    dd if=/dev/urandom of=/tmp/data bs=1M count="${VB_MIB:-128}" 2>/dev/null
    echo "VBENCH-NET: $(wc -c </tmp/data) bytes to 10.0.0.2"
  fi
fi
# send FILE: to the receiver (retried while it is not listening yet)
send() {
  k=0
  until nc 10.0.0.2 5000 <"$1"; do k=$((k + 1)); [ $k -ge 50 ] && return 1; sleep 0.2; done
}
# net_gen: the tcp test's data (MiB, each an 8-digit index and the same random bytes)
net_gen() {
  i=0
  while [ $i -lt "$mib" ]; do printf '%08d' $i; cat /tmp/blk; i=$((i + 1)); done
}
net_gen_null() {
  net_gen >/dev/null
}
net_tx() {
  net_gen | nc 10.0.2.2 5001
}
echo "VBENCH-TEXT: $(grep -m1 ' _stext$' /proc/kallsyms)"
echo "VBENCH-MODULES-BEGIN"
cat /proc/modules
echo "VBENCH-MODULES-END"

# region LABEL COMMAND...: drop the caches, then COMMAND between two markers.
region() {
  label=$1
  shift
  sync
  echo 3 >/proc/sys/vm/drop_caches
  vbench mark "$label.start" start
  "$@" 2>>/tmp/dd.err
  vbench mark "$label.stop" stop
}

# dd_loop N COUNT: N busybox dd runs of COUNT 4 KiB direct reads at the stride (COUNT 0: the
# same processes without the read, the baseline of stride_dd).
dd_loop() {
  i=0
  while [ "$i" -lt "$1" ]; do
    dd if="$VB_DISK" of=/dev/null bs=4k count="$2" skip=$((i * ${VB_STRIDE_KIB:-32} / 4)) iflag=direct
    i=$((i + 1))
  done
}

mib=${VB_MIB:-128}
r=1
while [ "$r" -le "${VB_REPEAT:-1}" ]; do
  for t in $VB_TESTS; do
    case $t in
    null) region null.$r true ;;
    kallsyms) [ "$r" = 1 ] && { cat /proc/kallsyms >"$VB_DISK"; sync; vbench mark kallsyms; } ;;
    empty) region empty.$r dd if="$VB_DISK" of=/dev/null bs=1M count=0 iflag=direct ;;
    read_direct) region read_direct.$r dd if="$VB_DISK" of=/dev/null bs=1M count="$mib" iflag=direct ;;
    write_direct) region write_direct.$r dd if=/dev/zero of="$VB_DISK" bs=1M count="$mib" oflag=direct ;;
    read_buffered) region read_buffered.$r dd if="$VB_DISK" of=/dev/null bs=1M count="$mib" ;;
    write_buffered) region write_buffered.$r dd if=/dev/zero of="$VB_DISK" bs=1M count="$mib" conv=fsync ;;
    stride)
      sync
      echo 3 >/proc/sys/vm/drop_caches
      vbench stride "$VB_DISK" "${VB_REQS:-4096}" "${VB_STRIDE_KIB:-32}" stride.$r ||
        echo "VBENCH-ERROR: stride"
      ;;
    stride_dd) region stride_dd.$r dd_loop "${VB_DD_REQS:-256}" 1 ;;
    stride_dd_empty) region stride_dd_empty.$r dd_loop "${VB_DD_REQS:-256}" 0 ;;
    hvc_empty) region hvc_empty.$r dd if=/dev/zero of="$VB_HVC" bs=4k count=0 ;;
    tcp_gen) region tcp_gen.$r net_gen_null ;;
    tcp_tx) region tcp_tx.$r net_tx ;;
    hvc) region hvc.$r dd if=/dev/zero of="$VB_HVC" bs=4k count=256 ;;
    tcp_empty) sleep 1; region tcp_empty.$r send /dev/null ;;
    tcp) sleep 1; region tcp.$r send /tmp/data ;;
    *) echo "VBENCH-ERROR: unknown test $t" ;;
    esac
  done
  r=$((r + 1))
done
sed 's/^/VBENCH-DD: /' /tmp/dd.err
vbench report
echo "VBENCH-END"
