#!/usr/bin/env bash
# Whole-system instruction counts of virtio I/O (doc/benchmarks.md, "virtio"): Debian's
# kernel with 2 vCPUs and 256 MiB, a 128 MiB raw disk, busybox dd after dropping the caches,
# counted by a QEMU TCG plugin (test/bench/insn_count_plugin.c) that adds up every
# instruction of every emulated CPU at every exception level between two marker
# instructions the guest executes (test/bench/vbench.c). Idle time is not counted.
# A benchmark: prints figures, fails only if a run fails.
#
# usage: virtio-bench.sh MODE [options]
#   MODE  qemu  plain QEMU's own virtio-blk-device (and virtconsole), the guest alone
#               (QEMU's device emulation is host code: nothing of it is counted)
#         vmm   armvirt-vmm --disk in nested KVM (scripts/kvm-nested.sh): guest, KVM,
#               host kernel and armvirt-vmm
#         bm    armvirt-bm (--hyp IMAGE): guest and hypervisor
# options:
#   --images DIR   scripts/guest-images.sh cache (default build/host/guest-images)
#   --work DIR     work directory (default build/vbench/MODE)
#   --tests LIST   tests in order (default: empty read_direct write_direct read_buffered
#                  write_buffered stride; --hvc adds hvc_empty hvc). The tests (guest side:
#                  test/bench/virtio-bench-guest.sh):
#                    null            two marks around `true` (the harness's own cost)
#                    empty           dd bs=1M count=0 iflag=direct: the dd baseline
#                    read_direct     dd if=DISK of=/dev/null bs=1M count=MIB iflag=direct
#                    write_direct    dd if=/dev/zero of=DISK bs=1M count=MIB oflag=direct
#                    read_buffered   dd if=DISK of=/dev/null bs=1M count=MIB
#                    write_buffered  dd if=/dev/zero of=DISK bs=1M count=MIB conv=fsync
#                    stride          vbench stride: REQS pread()s of 4 KiB, O_DIRECT, at
#                                    STRIDE-KiB steps, in one process
#                    stride_dd       DD-REQS busybox dd bs=4k count=1 skip=... iflag=direct
#                    stride_dd_empty the same dd processes with count=0 (its baseline)
#                    hvc_empty, hvc  dd if=/dev/zero of=/dev/hvc0 bs=4k count=0 / 256
#                    kallsyms        /proc/kallsyms to the disk (for --profile)
#                    tcp_empty, tcp  bm with armvirt-bm-linux-net.bin (two VMs on one
#                                    network): linux0 sends linux1 nothing / MIB MiB of
#                                    random bytes over TCP with busybox nc (the counts
#                                    cover both VMs and the hypervisor)
#                    tcp_gen         the TCP test's data made and thrown away (its baseline)
#                    tcp_tx          (vmm) MIB MiB guest -> host over TCP: busybox nc to the
#                                    outer Linux (10.0.2.2 on tap0, armvirt-vmm --network
#                                    tap=tap0), which throws them away
#   --repeat N     runs of each test in one boot (default 3; the table gives the median)
#   --mib N        MiB per dd test (default 128); --reqs N requests of the stride test
#                  (default 4096); --stride-kib N its stride (default 32); --dd-reqs N
#                  the dd processes of stride_dd and stride_dd_empty (default 256)
#   --hvc          also the virtio console tests (vmm: --console virtio; the kernel's console
#                  stays the PL011 and /dev/hvc0 is the virtio-console beside it)
#   --vmm FILE     armvirt-vmm (vmm; default build/linux/examples/kvm-vmm/armvirt-vmm)
#   --vmm-args S   extra armvirt-vmm run arguments (vmm)
#   --hyp FILE     armvirt-bm image (bm)
#   --bm-disk KIND bm: "loader" (default: armvirt-bm's virtio-blk on the disk image QEMU
#                  loads into RAM at --disk-addr; armvirt-bm-linux-bench.bin) or "pt"
#                  (QEMU's virtio-blk-device passed through, armvirt-bm-linux-pt.bin) or
#                  "none" (no disk: only the null and console tests)
#   --disk-addr A  bm loader: the address (default 0x50000000, armvirt-bm-linux-bench.bin)
#   --qemu-args S  extra arguments for the (outer) QEMU
#   --gic 3|2      the (outer) board's GIC version (default 3)
#   --profile      write per-region profiles (PROF lines in the plugin's output) and print
#                  the top functions with test/bench/virtio-bench-profile.sh
#   --timeout S    the run's timeout (default 1500)
set -uo pipefail

# The whole script is one function, so that bash has read all of it before it runs (the
# script may be edited during a long run).
main() {
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
mode=${1:-}
shift || true
images=$top/build/host/guest-images work="" repeat=3 mib=128 reqs=4096 stride_kib=32 hvc=0
tests="empty read_direct write_direct read_buffered write_buffered stride"
vmm=$top/build/linux/examples/kvm-vmm/armvirt-vmm vmm_args="" hyp="" bm_disk=loader
disk_addr=0x50000000 qemu_args="" profile=0 timeout_s=1500 tests_set=0 dd_reqs=256 gic=3
while [ $# -gt 0 ]; do
  case "$1" in
    --images) images=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --tests) tests=$2; tests_set=1; shift 2 ;;
    --repeat) repeat=$2; shift 2 ;;
    --mib) mib=$2; shift 2 ;;
    --reqs) reqs=$2; shift 2 ;;
    --stride-kib) stride_kib=$2; shift 2 ;;
    --dd-reqs) dd_reqs=$2; shift 2 ;;
    --hvc) hvc=1; shift ;;
    --vmm) vmm=$2; shift 2 ;;
    --vmm-args) vmm_args=$2; shift 2 ;;
    --hyp) hyp=$2; shift 2 ;;
    --bm-disk) bm_disk=$2; shift 2 ;;
    --disk-addr) disk_addr=$2; shift 2 ;;
    --qemu-args) qemu_args=$2; shift 2 ;;
    --gic) gic=$2; shift 2 ;;
    --profile) profile=1; shift ;;
    --timeout) timeout_s=$2; shift 2 ;;
    *) echo "virtio-bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$mode" in qemu|vmm|bm) ;; *) sed -n '2,/^set -uo/p' "$0" | sed '$d'; exit 2 ;; esac
[ "$hvc" = 1 ] && [ "$tests_set" = 0 ] && tests="$tests hvc_empty hvc"
work=${work:-$top/build/vbench/$mode}
mkdir -p "$work"
work=$(cd "$work" && pwd)
qemu=${QEMU:-qemu-system-aarch64}
fail() { echo "virtio-bench: $*" >&2; exit 1; }
for f in "$images/Image" "$images/initramfs.gz"; do [ -s "$f" ] || fail "missing $f"; done

# The plugin (host) and the guest helper (static aarch64).
${CC:-cc} -shared -fPIC -O2 -fvisibility=hidden -o "$work/insn_count.so" "$here/insn_count_plugin.c" ||
  fail "cannot build the plugin"
${AARCH64_LINUX_CC:-aarch64-linux-gnu-gcc} -static -O2 -Wl,-Ttext-segment=0x10000000 -o "$work/vbench" "$here/vbench.c" ||
  fail "cannot build vbench"

# The benchmark's initramfs: the cached one plus a second (concatenated) archive with the
# scenario, its configuration and vbench.
disk_dev=/dev/vda
case " $tests " in *" kallsyms "*|*" empty "*|*" read_"*|*" write_"*|*" stride"*) ;; *) disk_dev="" ;; esac
hvc_dev=""
[ "$hvc" = 1 ] && hvc_dev=/dev/hvc0
net=0
case " $tests " in *" tcp_gen"*|*" tcp_tx"*) net=1 ;; esac
extra="$work/extra-root"
rm -rf "$extra"
mkdir -p "$extra/bin"
cp "$work/vbench" "$extra/bin/vbench"
cp "$here/virtio-bench-guest.sh" "$extra/scenario.sh"
chmod 0755 "$extra/scenario.sh" "$extra/bin/vbench"
cat >"$extra/bench.conf" <<CONF
VB_DISK=$disk_dev
VB_HVC=$hvc_dev
VB_TESTS="$tests"
VB_REPEAT=$repeat
VB_MIB=$mib
VB_REQS=$reqs
VB_STRIDE_KIB=$stride_kib
VB_DD_REQS=$dd_reqs
# VB_NET: 0 no network, 1 two VMs on one armvirt-bm network, 2 the outer Linux over a TAP
VB_NET=$(case " $tests " in *" tcp_gen"*|*" tcp_tx"*) echo 2 ;; *" tcp_empty"*|*" tcp "*) echo 1 ;; *) echo 0 ;; esac)
CONF
initrd="$work/vbench-initramfs.gz"
cp "$images/initramfs.gz" "$initrd"
(cd "$extra" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet | gzip -9) >>"$initrd"
rm -rf "$extra"

marks="$work/plugin.txt"
rm -f "$marks"
plugin=(-plugin "$work/insn_count.so,out=$marks$([ "$profile" = 1 ] && echo ,profile=on)")
params="panic=-1 quiet armvirt.scenario=vbench"
log="$work/run.log"
# shellcheck disable=SC2206
qextra=($qemu_args)
start=$(date +%s)
case "$mode" in
qemu)
  truncate -s 0 "$work/raw.img" && truncate -s "${mib}M" "$work/raw.img"
  cons=()
  [ "$hvc" = 1 ] && cons=(-device virtio-serial-device -chardev "file,id=hvc,path=$work/hvc.out"
                          -device virtconsole,chardev=hvc)
  timeout "$timeout_s" "$qemu" -M "virt,gic-version=$gic" -cpu max,pauth=off -smp 2 -m 256 \
    -nographic -nic none -no-reboot -icount shift=0 "${plugin[@]}" \
    -kernel "$images/Image" -initrd "$initrd" -append "console=ttyAMA0 $params" \
    -drive "if=none,file=$work/raw.img,format=raw,id=d" -device virtio-blk-device,drive=d \
    "${cons[@]+"${cons[@]}"}" "${qextra[@]+"${qextra[@]}"}" </dev/null >"$log.raw" 2>&1
  rc=$?
  ;;
vmm)
  [ -x "$vmm" ] || fail "missing $vmm (build the aarch64-linux configuration)"
  console="console=ttyAMA0"
  vargs=$vmm_args
  # --console virtio keeps the PL011 (the console here); /dev/hvc0 is a device beside it
  [ "$hvc" = 1 ] && vargs="--console virtio $vargs"
  [ "$net" = 1 ] && vargs="--network tap=tap0 $vargs"
  scen="$work/outer-scenario.sh"
  cat >"$scen" <<SCEN
if [ "$net" = 1 ]; then
  # tap0 (created by armvirt-vmm) as 10.0.2.2, and a TCP sink on port 5001
  (k=0; while [ ! -e /sys/class/net/tap0 ] && [ \$k -lt 600 ]; do sleep 0.1; k=\$((k + 1)); done
   ip link set tap0 up; ip addr add 10.0.2.2/24 dev tap0) &
  mkfifo /tmp/hold
  exec 4<>/tmp/hold
  (while :; do nc -l -p 5001 <&4 >/dev/null; done) &
fi
[ -n "$disk_dev" ] && dd if=/dev/zero of=/tmp/raw.img bs=1M count=$mib 2>/dev/null
echo "VBENCH-OUTER-TEXT: \$(grep -m1 ' _stext\$' /proc/kallsyms)"
armvirt-vmm run --kernel /guest/Image --initrd /guest/vbench-initramfs.gz --mem 256 --cpus 2 \\
  ${disk_dev:+--disk /tmp/raw.img} $vargs --params "$console $params" >/tmp/inner.log 2>&1
echo "VMM-EXIT: \$?"
tr -d '\\000' </tmp/inner.log | grep -a -v '^$' | tail -c 200000
SCEN
  qa=""
  [ -n "$qemu_args" ] && qa=" $qemu_args"
  KVM_NESTED_QEMU_ARGS="${plugin[*]}$qa" timeout "$timeout_s" bash "$top/scripts/kvm-nested.sh" \
    --images "$images" --vmm "$vmm" --work "$work" --scenario "$scen" --file "$images/Image" \
    --file "$initrd" --icount --gic "$gic" --timeout "$timeout_s" >"$log.raw" 2>&1
  rc=$?
  ;;
bm)
  [ -s "$hyp" ] || fail "missing hypervisor image (--hyp)"
  disk=()
  case "$bm_disk" in
    pt) truncate -s 0 "$work/raw.img" && truncate -s "${mib}M" "$work/raw.img"
        disk=(-drive "if=none,file=$work/raw.img,format=raw,id=d" -device virtio-blk-device,drive=d) ;;
    loader) truncate -s 0 "$work/raw.img" && truncate -s "${mib}M" "$work/raw.img"
            # armvirt-bm takes an all-zero region for "nothing loaded": one marker byte
            printf 'vbench' | dd of="$work/raw.img" conv=notrunc status=none
            disk=(-device "loader,file=$work/raw.img,addr=$disk_addr,force-raw=on") ;;
    none) ;;
    *) fail "unknown --bm-disk $bm_disk" ;;
  esac
  # The virtio-console is a device beside the PL011 console (both reach the board's UART)
  console="console=ttyAMA0"
  timeout "$timeout_s" "$qemu" -M "virt,virtualization=on,gic-version=$gic" -cpu max,pauth=off -smp 2 \
    -m 1G -nographic -nic none -semihosting -icount shift=0 "${plugin[@]}" -kernel "$hyp" \
    -device "loader,file=$images/Image,addr=0x44000000,force-raw=on" \
    -initrd "$initrd" -append "$console $params" "${disk[@]+"${disk[@]}"}" \
    "${qextra[@]+"${qextra[@]}"}" </dev/null >"$log.raw" 2>&1
  rc=$?
  ;;
esac
end=$(date +%s)
tr -d '\r\000' <"$log.raw" >"$log"
rm -f "$log.raw"
if [ "$rc" -ne 0 ] || ! grep -q 'VBENCH-END' "$log" || grep -q 'VBENCH-ERROR' "$log"; then
  grep -a 'VBENCH-ERROR' "$log"
  tail -n 40 "$log"
  fail "$mode: the run failed (exit status $rc; console in $log)"
fi

# Pair the guest's marks (labels, CNTVCT) with the plugin's (instruction totals), in order.
sed -n 's/.*VBENCH-MARK \([^ ]*\) \([0-9]*\)$/\1 \2/p' "$log" >"$work/guest-marks.txt"
sed -n 's/^MARK \([0-9]*\) [^ ]* \([0-9]*\) .*/\2/p' "$marks" >"$work/plugin-marks.txt"
freq=$(sed -n 's/.*VBENCH-CNTFRQ \([0-9]*\)$/\1/p' "$log" | tail -n 1)
ng=$(wc -l <"$work/guest-marks.txt")
np=$(wc -l <"$work/plugin-marks.txt")
[ "$ng" -gt 0 ] && [ "$ng" = "$np" ] ||
  fail "$ng marks from the guest, $np from the plugin (console $log, plugin $marks)"
paste -d ' ' "$work/guest-marks.txt" "$work/plugin-marks.txt" >"$work/marks.txt"

echo "virtio-bench $mode, GICv$gic: $(sed -n 's/.*VBENCH-DISK: //p' "$log" | head -n 1), $repeat run(s) per test, $((end - start)) s"
echo "whole-system instructions (plugin: all CPUs, all ELs, idle excluded); 'vtime' = CNTVCT"
echo "difference in ns (= instructions + idle time warped under -icount shift=0)"
awk -v freq="$freq" -v mib="$mib" -v reqs="$reqs" -v ddreqs="$dd_reqs" '
  function med(s,   a, n, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  {
    split($1, p, ".")
    name = p[1]
    if (p[3] == "start") { s_ins[name "." p[2]] = $3; s_t[name "." p[2]] = $2 }
    else if (p[3] == "stop") {
      k = name "." p[2]
      ins[name] = ins[name] " " ($3 - s_ins[k])
      vt[name] = vt[name] " " (($2 - s_t[k]) * 1e9 / freq)
      runs[name] = runs[name] " " ($3 - s_ins[k])
      if (!(name in seen)) { seen[name] = 1; order[++n] = name }
    }
  }
  END {
    kvm["read_direct"] = 0.67e6; kvm["write_direct"] = 1.27e6; kvm["read_buffered"] = 2.18e6
    kvm["write_buffered"] = 4.63e6; kvm["stride"] = 80e3; kvm["hvc"] = 38.6e6
    base = ("empty" in ins) ? med(ins["empty"]) : 0
    hbase = ("hvc_empty" in ins) ? med(ins["hvc_empty"]) : 0
    tbase = ("tcp_empty" in ins) ? med(ins["tcp_empty"]) : 0
    sbase = ("stride_dd_empty" in ins) ? med(ins["stride_dd_empty"]) : 0
    printf "%-15s %14s %14s %12s %8s %12s  %s\n", "test", "instructions", "vtime ns", "per unit", "unit", "kvmtool", "runs"
    for (i = 1; i <= n; i++) {
      t = order[i]; m = med(ins[t]); v = med(vt[t]); per = ""; unit = ""; ref = ""
      if (t ~ /^(read|write)_/) { per = (m - base) / mib; unit = "MiB" }
      else if (t == "stride") { per = m / reqs; unit = "request" }
      else if (t == "stride_dd") { per = (m - sbase) / ddreqs; unit = "request"; ref = "80000" }
      else if (t == "hvc") { per = (m - hbase); unit = "MiB" }
      else if (t == "tcp") { per = (m - tbase) / mib; unit = "MiB" }
      if (t in kvm) ref = sprintf("%.0f", kvm[t])
      printf "%-15s %14d %14d %12s %8s %12s %s\n", t, m, v, (per == "" ? "" : sprintf("%.0f", per)), unit, ref, runs[t]
    }
    print "per unit: (median - median of empty) / MiB for dd, median / requests for stride,"
    print "stride_dd - stride_dd_empty per dd process, hvc - hvc_empty for the console,"
    print "(tcp - tcp_empty) / MiB for VM->VM TCP;"
    print "kvmtool: the issue'\''s figures for comparison"
  }' "$work/marks.txt"
if [ "$profile" = 1 ]; then
  # The kernel's symbols, once per kernel version: a plain QEMU boot writes its
  # /proc/kallsyms to the raw disk.
  ksyms="$top/build/vbench/kallsyms-$(cat "$images/kernel-version" 2>/dev/null || echo unknown).txt"
  mkdir -p "$top/build/vbench"
  if [ ! -s "$ksyms" ]; then
    bash "$0" qemu --images "$images" --work "$work/kallsyms" --tests kallsyms --repeat 1 >/dev/null 2>&1
    tr -d '\000' <"$work/kallsyms/raw.img" >"$ksyms.tmp" && grep -q ' _stext$' "$ksyms.tmp" &&
      mv "$ksyms.tmp" "$ksyms" || echo "virtio-bench: could not get the kernel's symbols"
  fi
  elf=""
  [ "$mode" = vmm ] && elf=$vmm
  [ "$mode" = bm ] && elf=${hyp%.bin}.elf
  bash "$here/virtio-bench-profile.sh" "$work" "$mode" "$ksyms" "$elf" ||
    echo "virtio-bench: profile attribution failed"
fi
}
main "$@"
exit $?
