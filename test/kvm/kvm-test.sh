#!/usr/bin/env bash
# The kvm tests: each mode writes a scenario, runs it with scripts/kvm-nested.sh (armvirt-vmm
# inside Debian's arm64 Linux inside QEMU, nested KVM) and checks the console.
#
# usage: kvm-test.sh images GUEST_DIR
#        kvm-test.sh guest IMAGE OUTER_GIC NAME
#        kvm-test.sh linux DTCHECK
#        kvm-test.sh errors GUEST_DIR
#        kvm-test.sh bench BENCH_IMAGE
#        kvm-test.sh trapbench EL1_DIR      (test/guest/el1's trapbench under -icount: issue
#                                           17's trap rows, armvirt-vmm's column)
#        kvm-test.sh el1 [--name NAME] EL1_DIR PROG...   (programs of test/guest/el1, one
#                                           nested boot; NAME: its work directory, el1)
#        kvm-test.sh el1-virtio EL1_DIR    (the virtio program with its disk, rw and ro)
#        kvm-test.sh formats EL1_DIR PROG  (PROG as arm64 Image, raw binary and ELF file)
#        kvm-test.sh features EL1_DIR      (SVE, pointer authentication, the ITS)
#        kvm-test.sh linux-features        (Debian with SVE, ptrauth and an ITS)
#        kvm-test.sh virtio                (Debian with virtio disks, console and rng; the
#                                           nested boot again, once, only for the nested
#                                           stack's known failure: doc/kvm-vmm.md "Known
#                                           issues")
#        kvm-test.sh net                   (Debian on a TAP interface: ping, TCP both ways;
#                                           KVM_NET_MIB MiB each way, default 64)
#        kvm-test.sh firmware EFI UBOOT VMSPEC_DIR  (the VM-spec image of
#                                           scripts/vmspec-image.sh, built into VMSPEC_DIR,
#                                           booted by EDK2 twice and by U-Boot)
# Environment: KVM_NESTED (the script), KVM_VMM (armvirt-vmm), KVM_IMAGES (the cache of
# scripts/guest-images.sh), KVM_WORK (work directory), QEMU.
# Prints "PASS: ..." or "FAIL: ..." (CTest matches them).
set -uo pipefail

mode=${1:-}
shift || true
: "${KVM_NESTED:?}" "${KVM_VMM:?}" "${KVM_IMAGES:?}" "${KVM_WORK:?}"

fail() { echo "FAIL: $*"; exit 1; }

# The benchmarks' kvmtool column (doc/benchmarks.md "armvirt-vmm exits"): Debian 12 and 13
# package no kvmtool, so there is none to run beside armvirt-vmm; the figures say so.
kvmtool_skip="kvmtool column skipped: no kvmtool package in Debian 12 or 13 (doc/benchmarks.md, \"armvirt-vmm exits\")"

# nested NAME SCENARIO_FILE [kvm-nested.sh options...]: run, leave the console in $log.
nested() {
  local name=$1 scen=$2
  shift 2
  work="$KVM_WORK/$name"
  mkdir -p "$work"
  log="$work/console.log"
  local t0 t1
  t0=$(date +%s)
  bash "$KVM_NESTED" --images "$KVM_IMAGES" --vmm "$KVM_VMM" --work "$work" --scenario "$scen" \
    "$@" >/dev/null 2>"$work/nested.err"
  rc=$?
  t1=$(date +%s)
  elapsed=$((t1 - t0))
  echo "---- console ($log, QEMU exit $rc, ${elapsed} s) ----"
  cat "$log" 2>/dev/null
  cat "$work/nested.err"
  echo "---- end of console ----"
  [ "$rc" -eq 0 ] || fail "$name: outer QEMU exit status $rc (124 = timeout)"
  grep -q '^KVM-NESTED: /dev/kvm present' "$log" || fail "$name: the outer Linux has no /dev/kvm"
  grep -q '^KVM-NESTED: done' "$log" || fail "$name: the outer init did not finish"
}

# The guest's lines only (between the outer init's start marker and the VMM's exit line).
vmm_status() { sed -n "s/^$1: \([0-9]*\)\$/\1/p" "$log" | tail -n 1; }

# guest_boots PREFIX...: a "GUEST-BOOT" line for each Linux boot among the console lines that
# start with PREFIX ('' = the console's own lines), by test/kvm/guest-boot-check.sh. Sets
# boot_oops=1 for an oops in a boot whose vCPUs agree on the virtual counter (or where that
# cannot be told), skew_oops=1 for one in a boot where they disagree (doc/kvm-vmm.md, "Known
# issues").
guest_boots() {
  local p
  boot_oops=0 skew_oops=0
  for p in "$@"; do
    bash "$(dirname "$0")/guest-boot-check.sh" "$log" "$p" | sed "s/^/${p:-console: }/"
    case "${PIPESTATUS[0]}" in
      0) ;;
      3) skew_oops=1 ;;
      *) boot_oops=1 ;;
    esac
  done
}

case "$mode" in
images)
  guests=$1
  for f in "$KVM_VMM" "$guests/isv0.bin" "$guests/bench.bin" "$guests/spin.bin" "$KVM_IMAGES/Image" \
           "$KVM_IMAGES/initramfs.gz"; do
    [ -s "$f" ] || fail "missing $f (build the aarch64-linux configuration / run scripts/guest-images.sh)"
  done
  ls "$KVM_IMAGES"/debs/busybox-static_*_arm64.deb >/dev/null 2>&1 || fail "no busybox deb in $KVM_IMAGES/debs"
  if command -v file >/dev/null 2>&1; then
    file -L "$KVM_VMM" | grep -q 'ARM aarch64.*statically linked' ||
      fail "$KVM_VMM is not a static aarch64 executable: $(file -L "$KVM_VMM")"
  fi
  echo "PASS: kvm images ready"
  ;;

guest)
  image=$1 gic=$2 name=$3
  [ -s "$image" ] || fail "missing guest $image"
  scen="$KVM_WORK/guest-$name-gicv$gic.sh"
  mkdir -p "$KVM_WORK"
  {
    echo "armvirt-vmm run --kernel /guest/$(basename "$image") --stats 2>&1"
    echo 'echo "VMM-EXIT: $?"'
    if [ "$gic" = 2 ]; then
      echo "armvirt-vmm run --kernel /guest/$(basename "$image") --irqchip gicv3 2>&1"
      echo 'echo "VMM-GICV3-EXIT: $?"'
      echo "armvirt-vmm run --kernel /guest/$(basename "$image") --irqchip gicv3-its 2>&1"
      echo 'echo "VMM-ITS-EXIT: $?"'
      # more vCPUs than KVM's vGICv2 takes, without --irqchip: refused before any VM exists
      echo "armvirt-vmm run --kernel /guest/$(basename "$image") --cpus 9 2>&1"
      echo 'echo "VMM-CPUS-EXIT: $?"'
    fi
  } >"$scen"
  nested "guest-$name-gicv$gic" "$scen" --file "$image" --gic "$gic" --timeout 100
  st=$(vmm_status VMM-EXIT)
  [ "$st" = 0 ] || fail "$name: armvirt-vmm exit status '$st' (0 = guest powered off)"
  body=$(sed -n '/^KVM-NESTED: start/,/^VMM-EXIT:/p' "$log")
  echo "$body" | grep -q 'PASS' || fail "$name: no PASS line from the guest"
  if echo "$body" | grep -v '^armvirt-vmm' | grep -q 'FAIL'; then fail "$name: the guest reported FAIL"; fi
  nisv=$(sed -n 's/^  nisv *\([0-9]*\)$/\1/p' "$log" | tail -n 1)
  if [ "$name" = isv0 ]; then
    [ "${nisv:-0}" -gt 0 ] || fail "$name: no NISV exits in the statistics"
  fi
  if [ "$gic" = 2 ]; then
    st3=$(vmm_status VMM-GICV3-EXIT)
    [ -n "$st3" ] && [ "$st3" != 0 ] || fail "GICv3 on a GICv2-only host: exit status '$st3'"
    grep -q '^armvirt-vmm: .*GICv3' "$log" || fail "GICv3 on a GICv2-only host: no clear message"
    st3=$(vmm_status VMM-ITS-EXIT)
    [ -n "$st3" ] && [ "$st3" != 0 ] || fail "an ITS on a GICv2-only host: exit status '$st3'"
    grep -q '^armvirt-vmm: --irqchip gicv3-its: .*GICv3' "$log" ||
      fail "an ITS on a GICv2-only host: no clear message"
    st3=$(vmm_status VMM-CPUS-EXIT)
    [ "$st3" = 1 ] || fail "--cpus 9 on a GICv2-only host: exit status '$st3', expected 1"
    grep -q '^armvirt-vmm: --cpus 9: this host has only a GICv2, which addresses at most 8 vCPUs$' "$log" ||
      fail "--cpus 9 on a GICv2-only host: no clear message"
  fi
  echo "PASS: $name under armvirt-vmm (outer GICv$gic, nested KVM): guest PASS, VMM exit 0, ${nisv:-0} NISV exits, ${elapsed} s"
  ;;

linux)
  dtcheck=$1
  params="console=ttyAMA0 panic=-1 armvirt.scenario=info"
  scen="$KVM_WORK/linux.sh"
  mkdir -p "$KVM_WORK"
  cat >"$scen" <<SCEN
armvirt-vmm run --kernel /guest/Image --initrd /guest/initramfs.gz --mem 256 --cpus 2 \\
  --params "$params" --dtb-dump /tmp/vm.dtb --stats 2>&1
echo "VMM-EXIT: \$?"
echo "DTB-HEX-BEGIN"
od -An -v -tx1 /tmp/vm.dtb
echo "DTB-HEX-END"
SCEN
  nested linux "$scen" --file "$KVM_IMAGES/Image" --file "$KVM_IMAGES/initramfs.gz" --timeout 200
  guest_boots ''
  st=$(vmm_status VMM-EXIT)
  [ "$st" = 0 ] || fail "linux: armvirt-vmm exit status '$st'"
  grep -q '^ARMVIRT-INIT: start' "$log" || fail "linux: the guest's init never started"
  grep -q '^ARMVIRT-INIT: done' "$log" || fail "linux: the guest's init did not finish"
  grep -q '^ARMVIRT-MODEL: armvirt$' "$log" || fail "linux: the guest did not boot with armvirt's DTB"
  grep -qF "ARMVIRT-BOOTARGS: $params" "$log" || fail "linux: bootargs differ"
  grep -q '^ARMVIRT-CPUS: 2$' "$log" || fail "linux: the guest did not bring up 2 vCPUs"
  irqs=$(sed -n '/^ARMVIRT-INTERRUPTS-BEGIN/,/^ARMVIRT-INTERRUPTS-END/p' "$log")
  echo "$irqs" | grep -q 'GICv3' || fail "linux: no GICv3 interrupts in /proc/interrupts"
  timer=$(echo "$irqs" | grep arch_timer | head -n 1)
  count=$(echo "$timer" | awk '{print $2 + $3}')
  [ "${count:-0}" -gt 0 ] || fail "linux: arch_timer count is 0"
  dtb="$KVM_WORK/linux/vm.dtb"
  sed -n '/^DTB-HEX-BEGIN/,/^DTB-HEX-END/p' "$log" | sed '1d;$d' | tr -d ' \n' |
    perl -ne 'print pack("H*", $_)' >"$dtb"
  [ -s "$dtb" ] || fail "linux: no DTB came back from --dtb-dump"
  echo "---- armvirt-dtcheck $dtb ----"
  "$dtcheck" "$dtb" || fail "linux: armvirt-dtcheck rejects the DTB armvirt-vmm booted with"
  echo "PASS: Debian $(cat "$KVM_IMAGES/kernel-version" 2>/dev/null) booted under armvirt-vmm to init (2 vCPUs, arch_timer $count), VMM exit 0, DTB ($(stat -c %s "$dtb") bytes) passes armvirt-dtcheck, ${elapsed} s"
  ;;

errors)
  guests=$1
  scen="$KVM_WORK/errors.sh"
  mkdir -p "$KVM_WORK"
  cat >"$scen" <<'SCEN'
k=/guest/isv0.bin
: >/tmp/empty
# Files without the Image magic are raw binaries now: the bad files are ELF ones.
head -c 100 /bin/busybox >/tmp/truncated-elf
head -c 65536 /bin/busybox >/tmp/x86-elf
printf '\076\000' | dd of=/tmp/x86-elf bs=1 seek=18 conv=notrunc 2>/dev/null
head -c 65536 /bin/busybox >/tmp/elf32
printf '\001' | dd of=/tmp/elf32 bs=1 seek=4 conv=notrunc 2>/dev/null
head -c 600000 /dev/zero >/tmp/raw-600k
e() {
  name=$1; shift
  case "$1" in timeout) ;; *) set -- armvirt-vmm "$@" ;; esac
  out=$("$@" 2>&1 </dev/null)
  rc=$?
  n=$(printf '%s\n' "$out" | wc -l)
  echo "ERR-CASE $name: exit $rc lines $n: $out"
}
e no-arguments
e unknown-command start
e no-kernel run
e unknown-option run --kernel $k --frobnicate
e bad-mem run --kernel $k --mem lots
e bad-cpus run --kernel $k --cpus 0
e bad-irqchip run --kernel $k --irqchip gicv4
e gicv2-9-cpus run --kernel $k --irqchip gicv2 --cpus 9
e missing-kernel run --kernel /guest/nonexistent
e empty-kernel run --kernel /tmp/empty
e elf-not-for-ram run --kernel /bin/busybox
e truncated-elf run --kernel /tmp/truncated-elf
e elf-other-machine run --kernel /tmp/x86-elf
e elf-32bit run --kernel /tmp/elf32
e raw-bigger-than-ram run --kernel /tmp/raw-600k --mem 1
e missing-initrd run --kernel $k --initrd /nonexistent
e too-much-memory run --kernel $k --mem 65536
e kernel-bigger-than-ram run --kernel /bin/busybox --mem 1
e no-kvm-device run --kernel $k --kvm-device /nonexistent
mv /dev/kvm /dev/kvm.hidden
e no-dev-kvm run --kernel $k
mv /dev/kvm.hidden /dev/kvm
e dtb-dump-unwritable run --kernel $k --dtb-dump /nonexistent/dir/vm.dtb
# --disk files the VMM cannot use, and bad virtio options
head -c 4096 /dev/zero >/tmp/disk-ok
head -c 1000 /dev/zero >/tmp/disk-1000
mkdir -p /tmp/disk-dir /tmp/rofs /etc
mount -t tmpfs -o size=1m tmpfs /tmp/rofs
head -c 4096 /dev/zero >/tmp/rofs/disk.img
mount -o remount,ro /tmp/rofs
head -c 4096 /dev/zero >/tmp/disk-noperm
chmod 000 /tmp/disk-noperm
echo 'nobody:x:65534:65534:nobody:/:/bin/sh' >>/etc/passwd
e disk-missing run --kernel $k --disk /tmp/nonexistent.img
e disk-directory run --kernel $k --disk /tmp/disk-dir
e disk-empty run --kernel $k --disk /tmp/empty
e disk-not-sectors run --kernel $k --disk /tmp/disk-1000,ro
e disk-read-only-fs run --kernel $k --disk /tmp/rofs/disk.img
e disk-bad-option run --kernel $k --disk /tmp/disk-ok,rw
e disk-too-many run --kernel $k $(for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17; do echo --disk /tmp/disk-ok; done)
e console-bad run --kernel $k --console hvc0
out=$(su nobody -s /bin/sh -c "armvirt-vmm run --kernel $k --disk /tmp/disk-noperm" 2>&1 </dev/null)
rc=$?
echo "ERR-CASE disk-unreadable: exit $rc lines $(printf '%s\n' "$out" | wc -l): $out"
# ,ro opens a file on a read-only file system: the run gets as far as /dev/kvm
e disk-ro-on-read-only-fs run --kernel $k --disk /tmp/rofs/disk.img,ro --kvm-device /nonexistent
# --network: bad options, and TAP interfaces the VMM cannot have
e net-bad-mode run --kernel $k --network user
e net-bad-option run --kernel $k --network tap=tap0,vhost=on
e net-bad-mac run --kernel $k --network tap=tap0,mac=52:54:00:12:34
e net-multicast-mac run --kernel $k --network tap,mac=01:00:5e:00:00:01
e net-too-many run --kernel $k $(for i in 1 2 3 4 5 6 7 8 9; do echo --network tap; done)
e net-not-a-tap run --kernel $k --network tap=lo
mv /dev/net/tun /dev/net/tun.hidden
e net-no-tun run --kernel $k --network tap=tap0
mv /dev/net/tun.hidden /dev/net/tun
chmod 666 /dev/net/tun
out=$(su nobody -s /bin/sh -c "armvirt-vmm run --kernel $k --network tap=tap0" 2>&1 </dev/null)
echo "ERR-CASE net-not-permitted: exit $? lines $(printf '%s\n' "$out" | wc -l): $out"
chmod 600 /dev/net/tun
out=$(su nobody -s /bin/sh -c "armvirt-vmm run --kernel $k --network tap=tap0" 2>&1 </dev/null)
echo "ERR-CASE net-tun-unreadable: exit $? lines $(printf '%s\n' "$out" | wc -l): $out"
chmod 600 /dev/net/tun
# the interface name is free again after a failed run
e net-tap-ok-then-no-kvm run --kernel $k --network tap=tap0 --kvm-device /nonexistent
# --firmware / --firmware-vars: files the VMM cannot use, and contradicting options
head -c 67108865 /dev/zero >/tmp/fw-too-big
e fw-and-kernel run --kernel $k --firmware $k
e fw-params run --firmware $k --params quiet
e fw-initrd run --firmware $k --initrd $k
e fw-missing run --firmware /tmp/nonexistent.fd
e fw-empty run --firmware /tmp/empty
e fw-directory run --firmware /tmp/disk-dir
e fw-too-big run --firmware /tmp/fw-too-big
rm -f /tmp/fw-too-big
e fw-vars-wrong-size run --firmware $k --firmware-vars /tmp/disk-ok
e fw-vars-directory run --firmware $k --firmware-vars /tmp/disk-dir
e fw-vars-read-only-fs run --firmware $k --firmware-vars /tmp/rofs/vars.fd
# a store another armvirt-vmm has open (its firmware spins: spin.bin is no firmware)
armvirt-vmm run --firmware /guest/spin.bin --firmware-vars /tmp/busy-vars.fd >/tmp/busy.out 2>&1 </dev/null &
busy=$!
sleep 2
e fw-vars-in-use run --firmware $k --firmware-vars /tmp/busy-vars.fd
kill -TERM $busy
wait $busy
echo "FW-VARS: disk-ok $(wc -c </tmp/disk-ok) busy-vars $(wc -c </tmp/busy-vars.fd)"
e help-exits-0 --help
# --kernel/--initrd files that are no kernel or initrd (doc/kvm-vmm.md "Exit status")
mkdir -p /tmp/disk-dir
mkfifo /tmp/fifo
head -c 100 /dev/zero >/tmp/k-noperm
chmod 000 /tmp/k-noperm
head -c 900000 /dev/zero >/tmp/initrd-900k
long2047=$(printf '%2047s' '' | sed 's/ /p/g')
e kernel-directory run --kernel /tmp/disk-dir
e kernel-fifo timeout 20 armvirt-vmm run --kernel /tmp/fifo
e kernel-dev-zero run --kernel /dev/zero
out=$(su nobody -s /bin/sh -c "armvirt-vmm run --kernel /tmp/k-noperm" 2>&1 </dev/null)
echo "ERR-CASE kernel-unreadable: exit $? lines $(printf '%s\n' "$out" | wc -l): $out"
e initrd-directory run --kernel $k --initrd /tmp/disk-dir
e initrd-fifo timeout 20 armvirt-vmm run --kernel $k --initrd /tmp/fifo
e disk-fifo timeout 20 armvirt-vmm run --kernel $k --disk /tmp/fifo,ro
e initrd-dev-zero run --kernel $k --initrd /dev/zero
e initrd-empty run --kernel $k --initrd /tmp/empty
# a sysfs attribute reports 4096 bytes and has fewer: a file that ends before its size
e initrd-shrinks run --kernel $k --initrd /sys/kernel/mm/transparent_hugepage/enabled
e initrd-beside-kernel run --kernel $k --initrd /tmp/initrd-900k --mem 1
e params-over-linux run --kernel $k --params "${long2047}p"
e dtb-dump-directory run --kernel $k --dtb-dump /tmp
e dtb-dump-dev-full run --kernel $k --dtb-dump /dev/full
e kvm-device-dev-null run --kernel $k --kvm-device /dev/null
e kvm-device-directory run --kernel $k --kvm-device /tmp
e cpus-over-limit run --kernel $k --cpus 65
out=$(armvirt-vmm run --kernel $k 2>&1 >&- </dev/null)
echo "ERR-CASE stdout-closed: exit $? lines $(printf '%s\n' "$out" | wc -l): $out"
# runs that end well: the longest --params (in the DTB's room), more vCPUs than the host
# has CPUs, stdin at EOF, stdout a pipe closed early
armvirt-vmm run --kernel $k --params "$long2047" --dtb-dump /tmp/long.dtb >/tmp/ok.out 2>&1 </dev/null
echo "OK-CASE params-2047: exit $? dtb-has-params $(grep -c "$long2047" /tmp/long.dtb)"
armvirt-vmm run --kernel $k --cpus 64 >/tmp/ok.out 2>&1 </dev/null
echo "OK-CASE cpus-64-on-$(grep -c ^processor /proc/cpuinfo)-cpus: exit $?"
armvirt-vmm run --kernel $k </dev/null >/tmp/ok.out 2>&1
echo "OK-CASE stdin-eof: exit $?"
(armvirt-vmm run --kernel $k </dev/null 2>/tmp/ok.err; echo $? >/tmp/ok.rc) | head -c 1 >/dev/null
echo "OK-CASE stdout-broken-pipe: exit $(cat /tmp/ok.rc) stderr-lines $(grep -vc '^armvirt-vmm: kernel: ' /tmp/ok.err)"
# SIGINT, SIGHUP and SIGQUIT stop a spinning guest as SIGTERM does (below)
for sig in INT HUP QUIT; do
  armvirt-vmm run --kernel /guest/spin.bin --cpus 2 </dev/null >/tmp/spin.out 2>&1 &
  pid=$!
  sleep 2
  kill -$sig $pid
  wait $pid
  echo "SIGNAL-CASE $sig: exit $?: $(grep '^armvirt-vmm' /tmp/spin.out | grep -v '^armvirt-vmm: kernel: ')"
done
# A guest that never powers off, stopped by SIGTERM; a guest asking for a reset.
armvirt-vmm run --kernel /guest/spin.bin --cpus 2 >/tmp/spin.out 2>&1 &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
echo "SIGNAL-CASE: exit $?: $(grep '^armvirt-vmm' /tmp/spin.out | grep -v '^armvirt-vmm: kernel: ')"
armvirt-vmm run --kernel /guest/spin.bin --cpus 2 --params guest=reset 2>&1
echo "RESET-CASE: exit $?"
SCEN
  nested errors "$scen" --file "$guests/isv0.bin" --file "$guests/spin.bin" --timeout 500
  cases=$(grep '^ERR-CASE ' "$log")
  [ "$(echo "$cases" | wc -l)" -eq 71 ] || fail "errors: expected 71 cases"
  bad=0
  # bash's own matching: a loaded machine forks slowly
  case_re='^ERR-CASE ([^:]*): exit ([0-9]*) lines ([0-9]*): (.*)$'
  while IFS= read -r line; do
    [[ $line =~ $case_re ]] || { echo "bad: unparsed '$line'"; bad=1; continue; }
    name=${BASH_REMATCH[1]} rc=${BASH_REMATCH[2]} n=${BASH_REMATCH[3]} msg=${BASH_REMATCH[4]}
    if [ "$name" = help-exits-0 ]; then
      [ "$rc" = 0 ] || { echo "bad: $line"; bad=1; }
      continue
    fi
    if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ] || [ "$n" -ne 1 ] || [[ ! $msg =~ ^armvirt-vmm:\ . ]]; then
      echo "bad: $line"
      bad=1
    fi
    # The virtio cases, and the file, device and stdio cases, must give their own reason.
    want="" wantrc=""
    case "$name" in kernel-* | initrd-* | dtb-dump-d* | kvm-device-* | stdout-closed) wantrc=1 ;; esac
    case "$name" in
    disk-missing) want='^armvirt-vmm: --disk /tmp/nonexistent.img: No such file or directory$' ;;
    disk-directory) want='^armvirt-vmm: --disk /tmp/disk-dir: a directory, not a disk image$' ;;
    disk-empty) want='^armvirt-vmm: --disk /tmp/empty: empty \(0 bytes\)$' ;;
    disk-not-sectors) want='^armvirt-vmm: --disk /tmp/disk-1000: 1000 bytes: not a multiple of the 512-byte sector$' ;;
    disk-read-only-fs) want='^armvirt-vmm: --disk /tmp/rofs/disk.img: cannot be opened for writing \(Read-only file system\); add ,ro for a read-only disk$' ;;
    disk-bad-option) want="^armvirt-vmm: --disk '/tmp/disk-ok,rw': unknown option 'rw' \\(expected ro\\)\$" ;;
    disk-too-many) want='^armvirt-vmm: --disk /tmp/disk-ok: at most 16 disks$' ;;
    console-bad) want="^armvirt-vmm: --console 'hvc0': expected serial or virtio\$" ;;
    disk-unreadable) want='^armvirt-vmm: --disk /tmp/disk-noperm: Permission denied$' ;;
    disk-ro-on-read-only-fs) want='^armvirt-vmm: cannot open /nonexistent: ' ;;
    net-bad-mode) want="^armvirt-vmm: --network 'user': expected tap\\[=IFNAME\\]\\[,mac=MAC\\] or none\$" ;;
    net-bad-option) want="^armvirt-vmm: --network 'tap=tap0,vhost=on': unknown option 'vhost=on' \\(expected mac=MAC\\)\$" ;;
    net-bad-mac) want="^armvirt-vmm: --network 'tap=tap0,mac=52:54:00:12:34': mac '52:54:00:12:34': expected six hex bytes as in 52:54:00:12:34:56\$" ;;
    net-multicast-mac) want="^armvirt-vmm: --network 'tap,mac=01:00:5e:00:00:01': mac '01:00:5e:00:00:01': a multicast address \\(the first byte is odd\\)\$" ;;
    net-too-many) want='^armvirt-vmm: --network tap: at most 8 networks$' ;;
    net-not-a-tap) want='^armvirt-vmm: --network tap=lo: cannot create interface lo: Invalid argument \(TUNSETIFF\)$' ;;
    net-no-tun) want='^armvirt-vmm: --network tap=tap0: /dev/net/tun: No such file or directory \(is the tun module loaded\?\)$' ;;
    net-not-permitted) want='^armvirt-vmm: --network tap=tap0: cannot create interface tap0: Operation not permitted \(TUNSETIFF\)$' ;;
    net-tun-unreadable) want='^armvirt-vmm: --network tap=tap0: /dev/net/tun: Permission denied$' ;;
    net-tap-ok-then-no-kvm) want='^armvirt-vmm: cannot open /nonexistent: ' ;;
    fw-and-kernel) want='^armvirt-vmm: --kernel and --firmware exclude each other \(the firmware loads the kernel from a --disk\)$' ;;
    fw-params) want='^armvirt-vmm: --params needs --kernel \(a firmware finds its own on a --disk\)$' ;;
    fw-initrd) want='^armvirt-vmm: --initrd needs --kernel \(a firmware finds its own on a --disk\)$' ;;
    fw-missing) want='^armvirt-vmm: --firmware /tmp/nonexistent.fd: No such file or directory$' ;;
    fw-empty) want='^armvirt-vmm: --firmware /tmp/empty: empty file$' ;;
    fw-directory) want='^armvirt-vmm: --firmware /tmp/disk-dir: a directory, not a file$' ;;
    fw-too-big) want='^armvirt-vmm: --firmware /tmp/fw-too-big: 67108865 bytes, more than the 64 MiB flash bank$' ;;
    fw-vars-wrong-size) want='^armvirt-vmm: --firmware-vars /tmp/disk-ok: 4096 bytes, a variable store has 67108864 \(64 MiB\); give a missing or empty file for a new one$' ;;
    fw-vars-directory) want='^armvirt-vmm: --firmware-vars /tmp/disk-dir: a directory, not a file$' ;;
    fw-vars-read-only-fs) want='^armvirt-vmm: --firmware-vars /tmp/rofs/vars.fd: Read-only file system$' ;;
    fw-vars-in-use) want='^armvirt-vmm: --firmware-vars /tmp/busy-vars.fd: in use by another armvirt-vmm$' ;;
    kernel-directory) want='^armvirt-vmm: --kernel /tmp/disk-dir: a directory, not a file$' ;;
    kernel-fifo) want='^armvirt-vmm: --kernel /tmp/fifo: a FIFO, not a regular file$' ;;
    kernel-dev-zero) want='^armvirt-vmm: --kernel /dev/zero: a character device, not a regular file$' ;;
    kernel-unreadable) want='^armvirt-vmm: --kernel /tmp/k-noperm: Permission denied$' ;;
    initrd-directory) want='^armvirt-vmm: --initrd /tmp/disk-dir: a directory, not a file$' ;;
    disk-fifo) want='^armvirt-vmm: --disk /tmp/fifo: neither a regular file nor a block device$' wantrc=1 ;;
    initrd-fifo) want='^armvirt-vmm: --initrd /tmp/fifo: a FIFO, not a regular file$' ;;
    initrd-dev-zero) want='^armvirt-vmm: --initrd /dev/zero: a character device, not a regular file$' ;;
    initrd-empty) want='^armvirt-vmm: --initrd /tmp/empty: empty file$' ;;
    initrd-shrinks) want='^armvirt-vmm: --initrd /sys/kernel/mm/transparent_hugepage/enabled: the file ended after [0-9]+ of its 4096 bytes \(it shrank while being read\)$' ;;
    initrd-beside-kernel) want='^armvirt-vmm: --initrd /tmp/initrd-900k: 900000 bytes do not fit beside the kernel /guest/isv0.bin and the DTB in 1 MiB of RAM$' ;;
    params-over-linux) want="^armvirt-vmm: --params: 2048 characters, more than the 2047 of Linux's command line \\(COMMAND_LINE_SIZE 2048\\)\$" wantrc=2 ;;
    dtb-dump-directory) want='^armvirt-vmm: --dtb-dump /tmp: Is a directory$' ;;
    dtb-dump-dev-full) want='^armvirt-vmm: --dtb-dump /dev/full: No space left on device$' ;;
    kvm-device-dev-null) want='^armvirt-vmm: /dev/null: not a KVM device \(KVM_GET_API_VERSION fails\)$' ;;
    kvm-device-directory) want='^armvirt-vmm: cannot open /tmp: Is a directory$' ;;
    cpus-over-limit) want="^armvirt-vmm: --cpus '65': expected a count between 1 and 64\$" wantrc=2 ;;
    stdout-closed) want="^armvirt-vmm: standard output is closed: the guest's console writes there \\(redirect it to /dev/null to discard it\\)\$" ;;
    esac
    if [ -n "$want" ] && [[ ! $msg =~ $want ]]; then
      echo "bad: $name: '$msg' does not match '$want'"
      bad=1
    fi
    # The status the man page gives: 2 for the command line, 1 for everything after it.
    if [ -n "$wantrc" ] && [ "$rc" != "$wantrc" ]; then
      echo "bad: $name: exit $rc, expected $wantrc"
      bad=1
    fi
  done <<<"$cases"
  [ "$bad" = 0 ] || fail "errors: some cases did not give one line and a non-zero exit"
  grep -q '^FW-VARS: disk-ok 4096 busy-vars 67108864$' "$log" ||
    fail "errors: a refused vars file changed size, or a new one is not 64 MiB"
  grep -q '^SIGNAL-CASE: exit 143: armvirt-vmm: stopped by signal 15$' "$log" ||
    fail "errors: SIGTERM did not stop armvirt-vmm with status 143 and one line"
  grep -q '^spin: asking for a reset' "$log" && grep -q '^RESET-CASE: exit 0$' "$log" ||
    fail "errors: a guest's PSCI SYSTEM_RESET did not end the run with status 0"
  for sig in INT:2 HUP:1 QUIT:3; do
    grep -q "^SIGNAL-CASE ${sig%:*}: exit $((128 + ${sig#*:})): armvirt-vmm: stopped by signal ${sig#*:}\$" "$log" ||
      fail "errors: SIG${sig%:*} did not stop armvirt-vmm with status $((128 + ${sig#*:})) and one line"
  done
  grep -q '^OK-CASE params-2047: exit 0 dtb-has-params 1$' "$log" ||
    fail "errors: a 2,047-character --params did not run or is not in the DTB"
  grep -q '^OK-CASE cpus-64-on-[0-9]*-cpus: exit 0$' "$log" ||
    fail "errors: 64 vCPUs on the outer VM's CPUs did not run to the guest's power-off"
  grep -q '^OK-CASE stdin-eof: exit 0$' "$log" || fail "errors: a run with stdin at EOF did not end with 0"
  grep -q '^OK-CASE stdout-broken-pipe: exit 0 stderr-lines 0$' "$log" ||
    fail "errors: a run whose stdout reader went away did not end with 0 and no line"
  echo "PASS: 70 error cases (49 of them --disk files, --network options and TAP interfaces, virtio options, --firmware/--firmware-vars and --kernel/--initrd files, --params, --dtb-dump, --kvm-device, --cpus and a closed stdout, each with its reason): one line each, exit status 1 or 2, no crash or hang; a refused vars file unchanged; --help exits 0; the longest --params, 64 vCPUs, stdin at EOF and a broken stdout pipe run to the guest's end (status 0); SIGTERM, SIGINT, SIGHUP, SIGQUIT stop a spinning 2-vCPU guest (status 128 + N, one line); SYSTEM_RESET ends the run (status 0)"
  ;;

bench)
  image=$1
  scen="$KVM_WORK/bench.sh"
  mkdir -p "$KVM_WORK"
  # Twice: virtio kicks as MMIO exits to the VMM, then through KVM_IOEVENTFD (--io-thread).
  {
    echo "armvirt-vmm run --kernel /guest/$(basename "$image") --rng --stats 2>&1"
    echo 'echo "VMM-EXIT: $?"'
    echo "armvirt-vmm run --kernel /guest/$(basename "$image") --rng --io-thread --stats >/tmp/io.out 2>&1"
    echo 'echo "VMM-IO-THREAD-EXIT: $?"'
    echo "sed 's/^KVM-BENCH virtio-/KVM-BENCH io-thread-virtio-/' /tmp/io.out"
  } >"$scen"
  nested bench "$scen" --file "$image" --icount --timeout 200
  st=$(vmm_status VMM-EXIT)
  [ "$st" = 0 ] || fail "bench: armvirt-vmm exit status '$st'"
  st=$(vmm_status VMM-IO-THREAD-EXIT)
  [ "$st" = 0 ] || fail "bench: armvirt-vmm --io-thread exit status '$st'"
  for b in empty-loop mmio-read-to-vmm nisv-ldp-to-vmm hvc-psci-version-in-kvm virtio-queue-notify \
           io-thread-virtio-queue-notify; do
    grep -q "^KVM-BENCH $b: " "$log" || fail "bench: no figure for $b"
  done
  echo "Instructions per iteration (outer QEMU -icount shift=0: 1 ns = 1 instruction):"
  grep '^KVM-BENCH ' "$log"
  echo "$kvmtool_skip"
  echo "PASS: exit-cost figures printed"
  ;;

trapbench)
  # The trap-path rows of doc/benchmarks.md's table, measured by the same guest program as
  # armvirt-bm's column (2 vCPUs; instructions of the whole system under -icount shift=0).
  dir=$1
  [ -s "$dir/trapbench.bin" ] || fail "missing $dir/trapbench.bin (build the freestanding configuration)"
  scen="$KVM_WORK/trapbench.sh"
  mkdir -p "$KVM_WORK"
  cat >"$scen" <<'SCEN'
timeout 150 armvirt-vmm run --kernel /guest/trapbench.bin --cpus 2 --mem 256 --stats 2>&1
echo "VMM-EXIT: $?"
SCEN
  nested trapbench "$scen" --file "$dir/trapbench.bin" --icount --timeout 200
  st=$(vmm_status VMM-EXIT)
  [ "$st" = 0 ] || fail "trapbench: armvirt-vmm exit status '$st'"
  grep -q '^PASS trapbench (' "$log" || fail "trapbench: no PASS line from the guest"
  if grep -q '^FAIL' "$log"; then fail "trapbench: the guest reported FAIL"; fi
  for r in hvc_smccc_unknown mmio_gicd_iidr mmio_virtio_empty sysreg_id_aa64pfr0 sgi_roundtrip \
           vtimer_latency; do
    grep -q "^BENCH $r " "$log" || fail "trapbench: no figure for $r"
  done
  echo "Instructions per operation under armvirt-vmm (nested KVM, outer -icount shift=0):"
  grep '^BENCH ' "$log"
  echo "$kvmtool_skip"
  echo "PASS: trapbench rows printed"
  ;;

el1)
  ename=el1
  if [ "$1" = --name ]; then ename=$2; shift 2; fi
  dir=$1
  shift
  scen="$KVM_WORK/$ename.sh"
  mkdir -p "$KVM_WORK"
  files=()
  : >"$scen"
  for p in "$@"; do
    [ -s "$dir/$p.bin" ] || fail "missing $dir/$p.bin (build the freestanding configuration)"
    files+=(--file "$dir/$p.bin")
    extra=""
    [ "$p" = pmu ] && extra=" --pmu" # the PMU program's VM has a PMU (doc/kvm-vmm.md)
    # the flash program's VM has the flash banks, bank 1 in a new file
    [ "$p" = flash ] && extra=" --firmware-vars /tmp/flash-vars.fd"
    cat >>"$scen" <<SCEN
echo "EL1-BEGIN $p"
timeout 30 armvirt-vmm run --kernel /guest/$p.bin --cpus 2 --mem 256$extra 2>&1
echo "EL1-EXIT $p: \$?"
SCEN
  done
  nested "$ename" "$scen" "${files[@]}" --timeout $((40 + 30 * $#))
  bad=0
  for p in "$@"; do
    out=$(sed -n "/^EL1-BEGIN $p\$/,/^EL1-EXIT $p:/p" "$log")
    st=$(echo "$out" | sed -n "s/^EL1-EXIT $p: //p")
    # Here-strings, not pipes: with pipefail, grep -q leaving early can fail the echo.
    if [ "$st" != 0 ] || ! grep -q "^PASS $p (" <<<"$out" || grep -q '^FAIL' <<<"$out"; then
      echo "bad: $p (armvirt-vmm exit '$st')"
      bad=1
    else
      echo "ok: $p: $(echo "$out" | grep "^PASS $p (")"
    fi
  done
  [ "$bad" = 0 ] || fail "el1: some programs did not pass under armvirt-vmm"
  echo "PASS: test/guest/el1 programs under armvirt-vmm: $*"
  ;;

el1-virtio)
  # test/guest/el1's virtio program with its test disk (doc/guest-tests.md): read-write with
  # --rng, then the same file read-only without; each run must pass (exit 0, PASS line, no
  # FAIL). The program writes a sector and puts the pattern back: the file must be unchanged.
  dir=$1
  for f in virtio.bin virtio-disk.img; do
    [ -s "$dir/$f" ] || fail "missing $dir/$f (build the freestanding configuration)"
  done
  scen="$KVM_WORK/el1-virtio.sh"
  mkdir -p "$KVM_WORK"
  cat >"$scen" <<'SCEN'
v() {
  name=$1
  shift
  echo "VIO-BEGIN $name"
  timeout 60 armvirt-vmm run --kernel /guest/virtio.bin --cpus 2 --mem 256 "$@" 2>&1
  echo "VIO-EXIT $name: $?"
}
before=$(md5sum </guest/virtio-disk.img)
v rw --disk /guest/virtio-disk.img --rng --params "virtio-blk=rw virtio-rng=1"
v ro --disk /guest/virtio-disk.img,ro --params "virtio-blk=ro virtio-rng=0"
after=$(md5sum </guest/virtio-disk.img)
[ "$before" = "$after" ] && echo "VIO-DISK: unchanged" || echo "VIO-DISK: changed"
SCEN
  nested el1-virtio "$scen" --file "$dir/virtio.bin" --file "$dir/virtio-disk.img" --timeout 200
  bad=0
  for c in rw ro; do
    out=$(sed -n "/^VIO-BEGIN $c\$/,/^VIO-EXIT $c:/p" "$log")
    st=$(sed -n "s/^VIO-EXIT $c: //p" <<<"$out")
    if [ "$st" != 0 ] || ! grep -q '^PASS virtio (' <<<"$out" || grep -q '^FAIL' <<<"$out"; then
      echo "bad: $c (armvirt-vmm exit '$st')"
      bad=1
    else
      echo "ok: $c: $(grep '^PASS virtio (' <<<"$out")"
    fi
  done
  grep -q '^VIO-DISK: unchanged' "$log" || { echo "bad: the disk file changed"; bad=1; }
  [ "$bad" = 0 ] || fail "el1-virtio: the virtio program did not pass under armvirt-vmm"
  echo "PASS: virtio program under armvirt-vmm --disk (rw, --rng) and --disk ,ro; disk file unchanged, ${elapsed} s"
  ;;

formats)
  # PROG.bin (arm64 Image), PROG-raw.bin (no Image header) and PROG-elf.elf in one nested
  # boot: each must PASS, power off (exit 0) and be named by exactly one format line, loaded
  # and entered at 0x40080000 (raw: RAM + 0x80000).
  dir=$1 p=$2
  scen="$KVM_WORK/formats.sh"
  mkdir -p "$KVM_WORK"
  files=()
  : >"$scen"
  for f in "$p.bin" "$p-raw.bin" "$p-elf.elf"; do
    [ -s "$dir/$f" ] || fail "missing $dir/$f (build the freestanding configuration)"
    files+=(--file "$dir/$f")
    cat >>"$scen" <<SCEN
echo "FMT-BEGIN $f"
timeout 30 armvirt-vmm run --kernel /guest/$f --cpus 2 --mem 256 2>&1
echo "FMT-EXIT $f: \$?"
SCEN
  done
  nested formats "$scen" "${files[@]}" --timeout 130
  bad=0
  for f in "$p.bin" "$p-raw.bin" "$p-elf.elf"; do
    case $f in
    *-raw.bin) want='raw binary (no arm64 Image header)' ;;
    *.elf) want='ELF64 AArch64 executable' ;;
    *) want='arm64 Image' ;;
    esac
    out=$(sed -n "/^FMT-BEGIN $f\$/,/^FMT-EXIT $f:/p" "$log" | tr -d '\r')
    st=$(echo "$out" | sed -n "s/^FMT-EXIT $f: //p")
    nfmt=$(echo "$out" | grep -c '^armvirt-vmm: kernel: ')
    if [ "$st" != 0 ] || ! echo "$out" | grep -q "^PASS $p (" || echo "$out" | grep -q '^FAIL' ||
       [ "$nfmt" -ne 1 ] ||
       ! echo "$out" | grep -qxF "armvirt-vmm: kernel: $want, loaded at 0x40080000, entry 0x40080000"; then
      echo "bad: $f (armvirt-vmm exit '$st', $nfmt format line(s))"
      bad=1
    else
      echo "ok: $f: $(echo "$out" | grep '^armvirt-vmm: kernel: ')"
    fi
  done
  [ "$bad" = 0 ] || fail "formats: $p did not boot in every kernel format"
  echo "PASS: $p under armvirt-vmm as arm64 Image, raw binary and ELF file, each at 0x40080000 with its format line, ${elapsed} s"
  ;;

features)
  # test/guest/el1's features and its programs under armvirt-vmm's options, in one nested
  # boot whose outer CPU has SVE (vector lengths up to 512 bits) and pointer
  # authentication. The expectations go to the
  # guest in its bootargs (features.c checks them); the outer Linux's /proc/cpuinfo must
  # show sve, paca and pacg, so that the nested KVM can offer them at all.
  dir=$1
  for p in features its; do
    [ -s "$dir/$p.bin" ] || fail "missing $dir/$p.bin (build the freestanding configuration)"
  done
  scen="$KVM_WORK/features.sh"
  mkdir -p "$KVM_WORK"
  cat >"$scen" <<'SCEN'
echo "HOST-CPU-FEATURES: $(grep -m1 '^Features' /proc/cpuinfo)"
c() {
  name=$1 prog=$2
  shift 2
  echo "CASE-BEGIN $name"
  timeout 30 armvirt-vmm run --kernel /guest/$prog.bin --cpus 2 "$@" 2>&1
  echo "CASE-EXIT $name: $?"
}
c default features --params "expect-sve=1 expect-sve-vl=512 expect-pauth=1"
c no-sve features --no-sve --params "expect-sve=0 expect-pauth=1"
c sve-max-vl-256 features --sve-max-vl 256 --params "expect-sve=1 expect-sve-vl=256"
c sve-max-vl-128 features --sve-max-vl=128 --params "expect-sve=1 expect-sve-vl=128"
c no-ptrauth features --no-ptrauth --params "expect-sve=1 expect-pauth=0"
c its its --irqchip gicv3-its
c no-its its
c its-dtb features --irqchip gicv3-its --params "expect-sve=1 expect-pauth=1"
c sve-max-vl-too-big features --sve-max-vl 4096
c sve-max-vl-above-host features --sve-max-vl 1024
c its-1-cpu its --irqchip=gicv3-its --cpus 1
SCEN
  nested features "$scen" --file "$dir/features.bin" --file "$dir/its.bin" \
    --cpu max,pauth=on,pauth-impdef=on,sve-max-vq=4 --timeout 300
  flags=$(sed -n 's/^HOST-CPU-FEATURES: //p' "$log")
  for f in sve paca pacg; do
    echo "$flags" | grep -qw "$f" || fail "features: the outer Linux has no '$f' ($flags)"
  done
  bad=0
  case_out() { sed -n "/^CASE-BEGIN $1\$/,/^CASE-EXIT $1:/p" "$log"; }
  case_rc() { case_out "$1" | sed -n "s/^CASE-EXIT $1: //p"; }
  # name program: the guest passes (exit 0, its PASS line, no FAIL)
  pass_case() {
    local out
    out=$(case_out "$1")
    if [ "$(case_rc "$1")" != 0 ] || ! echo "$out" | grep -q "^PASS $2 (" ||
       echo "$out" | grep -q '^FAIL'; then
      echo "bad: $1 (exit '$(case_rc "$1")')"
      bad=1
    else
      echo "ok: $1: $(echo "$out" | grep -E "^$2: (sve|ITS at)" | head -n 1)"
    fi
  }
  for n in default no-sve sve-max-vl-256 sve-max-vl-128 no-ptrauth; do pass_case $n features; done
  pass_case its its
  pass_case its-1-cpu its
  pass_case its-dtb features
  # without the option the guest finds no ITS (the check can fail)
  case_out no-its | grep -q '^FAIL its.dt_node' || { echo "bad: no-its: an ITS without --irqchip gicv3-its?"; bad=1; }
  st=$(case_rc sve-max-vl-too-big)
  [ "$st" = 2 ] && case_out sve-max-vl-too-big | grep -q "^armvirt-vmm: --sve-max-vl '4096'" ||
    { echo "bad: sve-max-vl-too-big: exit '$st'"; bad=1; }
  st=$(case_rc sve-max-vl-above-host)
  [ "$st" = 1 ] && case_out sve-max-vl-above-host | grep -q '^armvirt-vmm: SVE vector length 1024 bits: this host.s KVM offers at most 512$' ||
    { echo "bad: sve-max-vl-above-host: exit '$st'"; bad=1; }
  [ "$bad" = 0 ] || fail "features: some cases failed"
  echo "PASS: SVE (the host's 512 bits) and pointer authentication by default, --no-sve, --sve-max-vl 256/128 (1024 refused), --no-ptrauth; --irqchip gicv3-its gives the guest KVM's ITS at 0x8080000 (${elapsed} s)"
  ;;

linux-features)
  # Debian's kernel under armvirt-vmm --irqchip gicv3-its on an outer CPU with SVE and
  # pointer authentication: the kernel finds the ITS at 0x8080000 and lists sve, paca and
  # pacg in /proc/cpuinfo.
  scen="$KVM_WORK/linux-features.sh"
  mkdir -p "$KVM_WORK"
  cat >"$scen" <<'SCEN'
armvirt-vmm run --kernel /guest/Image --initrd /guest/initramfs.gz --mem 256 --cpus 2 \
  --irqchip gicv3-its --params "console=ttyAMA0 panic=-1 armvirt.scenario=baremetal" 2>&1
echo "VMM-EXIT: $?"
SCEN
  nested linux-features "$scen" --file "$KVM_IMAGES/Image" --file "$KVM_IMAGES/initramfs.gz" \
    --cpu max,pauth=on,pauth-impdef=on --timeout 280
  st=$(vmm_status VMM-EXIT)
  [ "$st" = 0 ] || fail "linux-features: armvirt-vmm exit status '$st'"
  grep -q '^ARMVIRT-INIT: done' "$log" || fail "linux-features: the guest's init did not finish"
  its=$(sed -n '/^KVM-NESTED: start/,$p' "$log" | grep -m1 'ITS@0x0*8080000')
  [ -n "$its" ] || fail "linux-features: the guest kernel did not report the ITS at 0x8080000"
  feats=$(sed -n '/^ARMVIRT-CPUINFO-BEGIN/,/^ARMVIRT-CPUINFO-END/p' "$log" | grep -m1 '^Features')
  for f in sve paca pacg; do
    echo "$feats" | grep -qw "$f" || fail "linux-features: no '$f' in the guest's /proc/cpuinfo ($feats)"
  done
  echo "PASS: Debian under armvirt-vmm --irqchip gicv3-its: '$(echo "$its" | sed 's/^\[[^]]*\] //')'; guest cpuinfo has sve, paca, pacg; ${elapsed} s"
  ;;

virtio)
  # Debian under armvirt-vmm's virtio devices, in one nested boot (two VMM runs):
  #  1. --disk disk.ext4 --disk raw.img --disk ro.ext4,ro --rng: the guest
  #     (test/kvm/virtio-scenario.sh) writes a file to the ext4 disk and a pattern with a
  #     random token at sector 2048 of the raw disk, is refused writes to the read-only
  #     disk, reads /dev/hwrng, finds no "Wrong magic value"; after the VMM exits the outer
  #     Linux checks the raw file's bytes, mounts the ext4 image (loop, the same kernel's
  #     ext4 modules) and reads the file, and compares the read-only file's checksum.
  #  2. --console virtio, console=hvc0: commands typed into armvirt-vmm's stdin run in a
  #     shell on /dev/hvc0.
  [ -s "$KVM_IMAGES/disk.ext4" ] || fail "missing $KVM_IMAGES/disk.ext4 (scripts/guest-images.sh)"
  here=$(cd "$(dirname "$0")" && pwd)
  vw="$KVM_WORK/virtio-files"
  rm -rf "$vw"
  mkdir -p "$vw/scen" "$vw/mods"
  # The guest's initramfs with the scenario appended (a second, gzip'd cpio archive).
  cp "$here/virtio-scenario.sh" "$vw/scen/scenario.sh"
  chmod 0755 "$vw/scen/scenario.sh"
  (cd "$vw/scen" && echo scenario.sh | cpio -o -H newc --quiet) | gzip -9 >"$vw/scen.cpio.gz"
  cat "$KVM_IMAGES/initramfs.gz" "$vw/scen.cpio.gz" >"$vw/virtio-initramfs.gz"
  # For the outer Linux: the ext4 modules (from the guest's initramfs) and loop.ko.
  (cd "$vw/mods" && gunzip -c "$KVM_IMAGES/initramfs.gz" | cpio -id --quiet 'lib/modules/*.ko')
  kdeb=$(ls -t "$KVM_IMAGES"/debs/linux-image-*-arm64_*_arm64.deb 2>/dev/null | head -n 1)
  [ -n "$kdeb" ] || fail "no kernel package in $KVM_IMAGES/debs"
  dpkg-deb --fsys-tarfile "$kdeb" | tar -x -C "$vw/mods" --wildcards '*/drivers/block/loop.ko'
  files=(--file "$KVM_IMAGES/Image" --file "$vw/virtio-initramfs.gz" --file "$KVM_IMAGES/disk.ext4")
  for m in crc16 mbcache jbd2 crc32c_generic ext4; do
    files+=(--file "$vw/mods/lib/modules/$m.ko")
  done
  files+=(--file "$(find "$vw/mods" -name loop.ko | head -n 1)")
  scen="$KVM_WORK/virtio.sh"
  cat >"$scen" <<'SCEN'
token=$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
cp /guest/disk.ext4 /tmp/disk.ext4
dd if=/dev/zero of=/tmp/raw.img bs=1M count=4 2>/dev/null
cp /guest/disk.ext4 /tmp/ro.ext4
ro_before=$(md5sum </tmp/ro.ext4)
p="console=ttyAMA0 panic=-1 armvirt.scenario=virtio-disks armvirt.token=$token"
timeout 150 armvirt-vmm run --kernel /guest/Image --initrd /guest/virtio-initramfs.gz \
  --mem 256 --cpus 2 --disk /tmp/disk.ext4 --disk=/tmp/raw.img --disk /tmp/ro.ext4,ro --rng \
  --stats --params "$p" 2>&1
echo "VMM-EXIT: $?"
echo "OUTER-TOKEN: $token"
echo "OUTER-RAW: $(dd if=/tmp/raw.img bs=512 skip=2048 count=1 2>/dev/null | tr -d '\000')"
echo "OUTER-RAW-NONZERO-BYTES: $(tr -d '\000' </tmp/raw.img | wc -c)"
[ "$(md5sum </tmp/ro.ext4)" = "$ro_before" ] && echo "OUTER-RO: unchanged" || echo "OUTER-RO: changed"
for m in crc16 mbcache jbd2 crc32c_generic ext4 loop; do insmod /guest/$m.ko; done
mkdir -p /mnt
if mount -t ext4 -o loop,ro /tmp/disk.ext4 /mnt; then
  echo "OUTER-EXT4: $(cat /mnt/guest.txt)"
  echo "OUTER-EXT4-ORIGINAL: $(cat /mnt/armvirt.txt)"
  umount /mnt
else
  echo "OUTER-EXT4: mount failed"
fi
# 2: a shell on hvc0, fed through armvirt-vmm's stdin once the guest says it is ready.
mkfifo /tmp/hvc.in
exec 3<>/tmp/hvc.in
timeout 150 armvirt-vmm run --kernel /guest/Image --initrd /guest/virtio-initramfs.gz \
  --mem 256 --cpus 2 --console virtio --stats \
  --params "console=hvc0 earlycon panic=-1 armvirt.scenario=virtio-hvc" <&3 >/tmp/hvc.out 2>&1 &
pid=$!
k=0
while ! grep -q '^HVC-READY' /tmp/hvc.out && [ $k -lt 1200 ]; do sleep 0.1; k=$((k + 1)); done
printf 'echo HVC-$((6 * 7)) $(tty)\ncat /sys/class/tty/console/active\nexit\n' >&3
wait $pid
echo "VMM-HVC-EXIT: $?"
exec 3>&-
sed 's/^/HVC-OUT: /' /tmp/hvc.out
SCEN
  check() { # DESCRIPTION GREP-PATTERN
    if grep -qE "$2" "$log"; then echo "ok: $1"; else echo "bad: $1 (no line matching '$2')"; bad=1; fi
  }
  # A second nested boot only for the lower stack's known failure (doc/kvm-vmm.md, "Known
  # issues"): every guest oops in a boot whose vCPUs disagree on the virtual counter.
  for attempt in 1 2; do
    nested virtio "$scen" "${files[@]}" --timeout 400
    bad=0
    guest_boots '' 'HVC-OUT: '
    [ "$boot_oops" = 0 ] || { echo "bad: the guest oopsed (GUEST-BOOT lines above)"; bad=1; }
    [ "$skew_oops" = 0 ] || { echo "bad: the guest oopsed, its vCPUs disagreeing on the counter"; bad=1; }
    token=$(sed -n 's/^OUTER-TOKEN: \([0-9a-f]*\)$/\1/p' "$log")
    [ -n "$token" ] || fail "virtio: no token"
    check "armvirt-vmm exit 0 (disks, rng)" '^VMM-EXIT: 0$'
    check "no 'Wrong magic value' from the 32 slots" '^VIRTIO-WRONG-MAGIC: 0$'
    check "virtio_mmio probed all 32 slots" '^VIRTIO-MMIO-SLOTS: 32$'
    check "4 virtio devices (3 disks, rng), no more" '^VIRTIO-DEVICES: 4$'
    check "vda: the ext4 disk, 8 MiB, read-write" '^VIRTIO-BLK: vda size=16384 ro=0 serial=armvirt-disk0$'
    check "vdb: the raw disk, 4 MiB" '^VIRTIO-BLK: vdb size=8192 ro=0 serial=armvirt-disk1$'
    check "vdc: the ,ro disk is read-only" '^VIRTIO-BLK: vdc size=16384 ro=1 serial=armvirt-disk2$'
    check "the guest read the ext4 disk" '^VIRTIO-EXT4-READ: ARMVIRT-EXT4-OK'
    check "the guest wrote, synced and unmounted" '^VIRTIO-EXT4: written$'
    check "the guest read its raw pattern back (O_DIRECT)" "^VIRTIO-RAW-READ: ARMVIRT-RAW-$token\$"
    check "/sys/block/vdc/ro = 1" '^VIRTIO-RO-SYSFS: 1$'
    check "a write to the read-only disk fails (EPERM)" '^VIRTIO-RO-WRITE: refused: .*Operation not permitted'
    check "ext4 on it mounts read-only" '^VIRTIO-RO-MOUNT: ro$'
    check "and reads" '^VIRTIO-RO-READ: ARMVIRT-EXT4-OK'
    check "a file write on it fails (EROFS)" '^VIRTIO-RO-FS-WRITE: refused: .*Read-only file system'
    check "rng_current is virtio" '^VIRTIO-RNG-CURRENT: virtio_rng'
    check "/dev/hwrng gives 4096 bytes" '^VIRTIO-RNG-BYTES: 4096$'
    check "the raw file has the pattern at 1 MiB" "^OUTER-RAW: ARMVIRT-RAW-$token\$"
    check "and nothing else was written to it" "^OUTER-RAW-NONZERO-BYTES: $((12 + ${#token}))\$"
    check "the read-only file is unchanged" '^OUTER-RO: unchanged$'
    check "the outer Linux reads the guest's file from the ext4 image" "^OUTER-EXT4: written by the guest $token\$"
    check "the VMM counted the disk flushes and discards" '^  virtio-blk0: .* [1-9][0-9]* flushes, [1-9][0-9]* discards'
    check "armvirt-vmm exit 0 (virtio console)" '^VMM-HVC-EXIT: 0$'
    check "the shell on hvc0 ran the typed command" '^HVC-OUT: HVC-42 /dev/hvc0$'
    check "hvc0 is the kernel's console" '^HVC-OUT: hvc0$'
    check "input reached the guest through the virtio-console" '^HVC-OUT:   virtio-console: [1-9][0-9]* bytes out, [1-9][0-9]* in'
    [ "$bad" = 0 ] && break
    [ "$attempt" = 1 ] && [ "$skew_oops" = 1 ] && [ "$boot_oops" = 0 ] || fail "virtio: some checks failed"
    flake_note=" (SECOND nested boot: the first hit the known nested-stack failure, $work/console-attempt1.log)"
    cp "$log" "$work/console-attempt1.log"
    echo "==== KNOWN NESTED-STACK FAILURE: the guest oopsed while its vCPUs disagreed on the"
    echo "==== virtual counter (GUEST-BOOT lines above), which armvirt-vmm does not program:"
    echo "==== doc/kvm-vmm.md \"Known issues\". Running the nested boot ONCE more; the first"
    echo "==== console is kept in $work/console-attempt1.log."
  done
  echo "PASS: Debian under armvirt-vmm with 3 virtio disks (ext4 file and raw pattern seen by the outer Linux, ,ro refused, file unchanged), virtio-rng, a shell on virtio-console hvc0, no 'Wrong magic value'; ${elapsed} s${flake_note:-}"
  ;;

net)
  # Debian under armvirt-vmm --network tap=tap0 (doc/kvm-vmm.md "Networking"), one nested
  # boot: armvirt-vmm creates tap0 through the outer Linux's /dev/net/tun (the tun module of
  # scripts/kvm-nested.sh), the outer Linux gives it 10.0.2.2/24; the guest
  # (test/kvm/net-scenario.sh) brings eth0 up as 10.0.2.15/24 and pings the host, the host
  # pings the guest, then KVM_NET_MIB_G2H (default 4) MiB go guest -> host and
  # KVM_NET_MIB_H2G (default 64) MiB host -> guest over TCP (busybox nc), each side printing
  # the checksum of what it sent and received. (Guest -> host is the slow direction under
  # nested TCG: doc/kvm-vmm.md gives the times.) KVM_NET_VNET: virtio_net module
  # parameters for the guest (e.g. napi_tx=0); KVM_NET_TIMEOUT: the outer QEMU's (840 s).
  g2h=${KVM_NET_MIB_G2H:-4} h2g=${KVM_NET_MIB_H2G:-64}
  vnet=${KVM_NET_VNET:+ armvirt.vnet=$KVM_NET_VNET}
  here=$(cd "$(dirname "$0")" && pwd)
  nw="$KVM_WORK/net-files"
  rm -rf "$nw"
  mkdir -p "$nw/scen"
  cp "$here/net-scenario.sh" "$nw/scen/scenario.sh"
  chmod 0755 "$nw/scen/scenario.sh"
  (cd "$nw/scen" && echo scenario.sh | cpio -o -H newc --quiet) | gzip -9 >"$nw/scen.cpio.gz"
  cat "$KVM_IMAGES/initramfs.gz" "$nw/scen.cpio.gz" >"$nw/net-initramfs.gz"
  scen="$KVM_WORK/net.sh"
  { echo "mib=$h2g g2h=$g2h vnet='$vnet'"; cat <<'SCEN'
gen() {
  i=0
  while [ $i -lt "$mib" ]; do printf '%08d' $i; cat /tmp/blk; i=$((i + 1)); done
}
head -c 1048568 /dev/urandom >/tmp/blk
mkfifo /tmp/hold
exec 4<>/tmp/hold
# guest -> host: the receiver is up before the guest boots
(nc -l -p 5001 <&4 | md5sum | cut -d' ' -f1 >/tmp/g2h.md5) &
rxpid=$!
t0=$(date +%s)
armvirt-vmm run --kernel /guest/Image --initrd /guest/net-initramfs.gz --mem 256 --cpus 2 \
  --network tap=tap0 --stats \
  --params "console=ttyAMA0 panic=-1 armvirt.scenario=net armvirt.mib=$g2h$vnet" </dev/null >/tmp/vm.out 2>&1 &
vmpid=$!
k=0
while [ ! -e /sys/class/net/tap0 ] && [ $k -lt 300 ] && kill -0 $vmpid 2>/dev/null; do sleep 0.1; k=$((k + 1)); done
ip link set tap0 up
ip addr add 10.0.2.2/24 dev tap0
echo "OUTER-TAP: $(cat /sys/class/net/tap0/address 2>/dev/null || echo missing) $(cat /sys/class/net/tap0/tun_flags 2>/dev/null)"
k=0
while ! grep -q '^NET-UP' /tmp/vm.out && [ $k -lt 3000 ] && kill -0 $vmpid 2>/dev/null; do sleep 0.1; k=$((k + 1)); done
echo "OUTER-GUEST-UP: $(($(date +%s) - t0)) s"
echo "OUTER-PING-GUEST: $(ping -c 3 -W 2 10.0.2.15 2>&1 | grep -c 'bytes from 10.0.2.15')/3"
echo "OUTER-NEIGH: $(ip neigh show dev tap0 | grep 10.0.2.15)"
k=0
while ! grep -q '^NET-LISTEN' /tmp/vm.out && kill -0 $vmpid 2>/dev/null; do sleep 0.1; k=$((k + 1)); done
kill -0 $vmpid 2>/dev/null || kill $rxpid $(pidof nc) 2>/dev/null
wait $rxpid
grep -E '^TcpExt|^Tcp:' /proc/net/netstat /proc/net/snmp | sed 's/^/OUTER-NETSTAT: /'
echo "OUTER-RECEIVED-MD5: $(cat /tmp/g2h.md5)"
# host -> guest
t1=$(date +%s)
n=0
until gen | nc 10.0.2.15 5002 || [ $n -ge 5 ]; do n=$((n + 1)); sleep 1; done
echo "OUTER-SENT: tries $((n + 1)) $(($(date +%s) - t1)) s"
echo "OUTER-SENT-MD5: $(gen | md5sum | cut -d' ' -f1)"
wait $vmpid
echo "VMM-EXIT: $?"
echo "OUTER-TOTAL: $(($(date +%s) - t0)) s"
sed 's/^/VM: /' /tmp/vm.out
SCEN
  } >"$scen"
  nested net "$scen" --file "$KVM_IMAGES/Image" --file "$nw/net-initramfs.gz" --timeout "${KVM_NET_TIMEOUT:-840}"
  bad=0
  check() { # DESCRIPTION GREP-PATTERN
    if grep -qE "$2" "$log"; then echo "ok: $1"; else echo "bad: $1 (no line matching '$2')"; bad=1; fi
  }
  check "armvirt-vmm exit 0" '^VMM-EXIT: 0$'
  check "armvirt-vmm created tap0 (a TAP with IFF_VNET_HDR: tun_flags 0x5002)" '^OUTER-TAP: ..:..:..:..:..:.. 0x5002$'
  check "the guest's eth0 is virtio_net with the default MAC" '^VM: NET-ETH0: 52:54:00:12:34:56 driver=virtio_net$'
  check "the guest pings the host" '^VM: NET-PING-HOST: 3/3$'
  check "the host pings the guest" '^OUTER-PING-GUEST: 3/3$'
  check "the host learnt the guest's MAC" '^OUTER-NEIGH: 10.0.2.15 lladdr 52:54:00:12:34:56'
  check "the guest sent its data (nc exit 0)" '^VM: NET-SENT: rc=0 '
  check "the host sent its data" '^OUTER-SENT: '
  check "the guest reached the end" '^VM: NET-DONE$'
  check "the VMM counted frames both ways" '^VM:   virtio-net0 \(tap0\): [1-9][0-9]* frames out .* [1-9][0-9]* in '
  g_sent=$(sed -n 's/^VM: NET-SENT-MD5: \([0-9a-f]\{32\}\)$/\1/p' "$log")
  h_recv=$(sed -n 's/^OUTER-RECEIVED-MD5: \([0-9a-f]\{32\}\)$/\1/p' "$log")
  h_sent=$(sed -n 's/^OUTER-SENT-MD5: \([0-9a-f]\{32\}\)$/\1/p' "$log")
  g_recv=$(sed -n 's/^VM: NET-RECEIVED-MD5: \([0-9a-f]\{32\}\)$/\1/p' "$log")
  if [ -n "$g_sent" ] && [ "$g_sent" = "$h_recv" ]; then echo "ok: guest -> host $g2h MiB, md5 $g_sent both sides"
  else echo "bad: guest -> host: sent md5 '$g_sent', received '$h_recv'"; bad=1; fi
  if [ -n "$h_sent" ] && [ "$h_sent" = "$g_recv" ]; then echo "ok: host -> guest $h2g MiB, md5 $h_sent both sides"
  else echo "bad: host -> guest: sent md5 '$h_sent', received '$g_recv'"; bad=1; fi
  [ "$g_sent" != "$h_sent" ] || { echo "bad: both directions sent the same data"; bad=1; }
  [ "$bad" = 0 ] || fail "net: some checks failed"
  echo "PASS: Debian under armvirt-vmm --network tap=tap0: ping both ways, $g2h MiB guest -> host ($(sed -n 's/^VM: NET-SENT: rc=0 //p' "$log")) and $h2g MiB host -> guest ($(sed -n 's/^VM: NET-RECEIVED: //p' "$log")) over TCP with matching md5; ${elapsed} s"
  ;;

firmware)
  # The VM-spec image of scripts/vmspec-image.sh booted by firmware (doc/firmware.md), in one
  # nested boot: EDK2 with a new variable store (the image's initramfs sets an EFI variable),
  # EDK2 again with the same store (it finds the variable), U-Boot (its EFI loader) with the
  # script's environment (bootdelay=0) at the start of its variable bank. Each must reach the
  # root partition's init with armvirt's device tree and power off.
  efi=$1 uboot=$2 vmspec_dir=$3
  for f in "$efi" "$uboot"; do [ -s "$f" ] || fail "missing firmware $f"; done
  bash "$(dirname "$KVM_NESTED")/vmspec-image.sh" "$vmspec_dir" "$KVM_IMAGES" >"$KVM_WORK.vmspec.log" 2>&1 ||
    { cat "$KVM_WORK.vmspec.log"; fail "firmware: scripts/vmspec-image.sh failed"; }
  img="$vmspec_dir/vmspec.img"
  [ -s "$vmspec_dir/uboot-env.bin" ] || fail "firmware: no uboot-env.bin in $vmspec_dir"
  scen="$KVM_WORK/firmware.sh"
  mkdir -p "$KVM_WORK"
  # U-Boot's variable bank: its environment, then erased flash, 64 MiB in all.
  uvars="$KVM_WORK/uboot-vars.fd"
  { cat "$vmspec_dir/uboot-env.bin"
    head -c $((64 * 1048576 - $(stat -c %s "$vmspec_dir/uboot-env.bin"))) /dev/zero | tr '\000' '\377'
  } >"$uvars"
  cat >"$scen" <<SCEN
f() {
  name=\$1
  shift
  echo "FW-BEGIN \$name"
  timeout ${KVM_FW_RUN_TIMEOUT:-240} armvirt-vmm run --mem 512 --disk /guest/vmspec.img --stats "\$@" 2>&1 </dev/null
  echo "FW-EXIT \$name: \$?"
}
f edk2-new-vars --firmware /guest/$(basename "$efi") --firmware-vars /tmp/vars.fd
echo "VARS-SIZE: \$(wc -c </tmp/vars.fd)"
f edk2-same-vars --firmware /guest/$(basename "$efi") --firmware-vars /tmp/vars.fd
f uboot --firmware /guest/$(basename "$uboot") --firmware-vars /guest/uboot-vars.fd
SCEN
  nested firmware "$scen" --file "$efi" --file "$uboot" --file "$img" --file "$uvars" \
    --timeout "${KVM_FW_TIMEOUT:-840}"
  rm -f "$uvars"
  bad=0
  # run NAME VENDOR EFIVAR: the run's lines, checked.
  check_run() {
    local name=$1 vendor=$2 efivar=$3 out st
    out=$(sed -n "/^FW-BEGIN $name\$/,/^FW-EXIT $name:/p" "$log")
    st=$(sed -n "s/^FW-EXIT $name: //p" <<<"$out")
    local why=""
    [ "$st" = 0 ] || why="armvirt-vmm exit '$st'"
    grep -q '^ARMVIRT-VMSPEC-INIT: ' <<<"$out" || why="$why; no ARMVIRT-VMSPEC-INIT"
    grep -q '^ARMVIRT-MODEL: armvirt$' <<<"$out" || why="$why; the DT model is not armvirt's"
    grep -q '^ARMVIRT-EFI: yes$' <<<"$out" || why="$why; Linux did not boot through UEFI"
    grep -q "^ARMVIRT-FW-VENDOR: $vendor" <<<"$out" || why="$why; firmware vendor not $vendor"
    [ -z "$efivar" ] || grep -q "^ARMVIRT-EFIVAR: $efivar" <<<"$out" ||
      why="$why; no 'ARMVIRT-EFIVAR: $efivar'"
    grep -q '^ARMVIRT-ERROR' <<<"$out" && why="$why; $(grep -m1 '^ARMVIRT-ERROR' <<<"$out")"
    if [ -n "$why" ]; then
      echo "bad: $name: ${why#; }"
      bad=1
    else
      echo "ok: $name: $(grep '^ARMVIRT-EFIVAR:' <<<"$out"), $(grep '^ARMVIRT-VMSPEC-INIT:' <<<"$out"); $(grep '^  flash1:' <<<"$out" | sed 's/^ *//')"
    fi
  }
  check_run edk2-new-vars "EDK II" set
  check_run edk2-same-vars "EDK II" "found armvirt-vmspec"
  check_run uboot "Das U-Boot" ""
  grep -q '^Loading Environment from Flash... OK' "$log" ||
    { echo "bad: uboot: its environment was not read from the variable bank"; bad=1; }
  grep -q '^VARS-SIZE: 67108864$' "$log" || { echo "bad: the vars file is not 64 MiB"; bad=1; }
  [ "$bad" = 0 ] || fail "firmware: some runs did not reach the image's init"
  echo "PASS: vmspec.img booted by EDK2 (new variable store, then the same: the variable the first run set is found) and by U-Boot (its environment read from its variable bank) under armvirt-vmm --firmware, each to the root partition's init with armvirt's DT, ${elapsed} s"
  ;;

*)
  echo "usage: $0 images|guest|linux|errors|bench|trapbench|el1|el1-virtio|formats|features|linux-features|virtio|net|firmware ..." >&2
  exit 2
  ;;
esac
