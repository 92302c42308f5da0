#!/usr/bin/env bash
# The kvm tests: each mode writes a scenario, runs it with scripts/kvm-nested.sh (armvirt-vmm
# inside Debian's arm64 Linux inside QEMU, nested KVM) and checks the console.
#
# usage: kvm-test.sh images GUEST_DIR
#        kvm-test.sh guest IMAGE OUTER_GIC NAME
#        kvm-test.sh linux DTCHECK
#        kvm-test.sh errors GUEST_DIR
#        kvm-test.sh bench BENCH_IMAGE
#        kvm-test.sh el1 EL1_DIR PROG...   (programs of test/guest/el1, one nested boot)
# Environment: KVM_NESTED (the script), KVM_VMM (armvirt-vmm), KVM_IMAGES (the cache of
# scripts/guest-images.sh), KVM_WORK (work directory), QEMU.
# Prints "PASS: ..." or "FAIL: ..." (CTest matches them).
set -uo pipefail

mode=${1:-}
shift || true
: "${KVM_NESTED:?}" "${KVM_VMM:?}" "${KVM_IMAGES:?}" "${KVM_WORK:?}"

fail() { echo "FAIL: $*"; exit 1; }

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
head -c 40 $k >/tmp/truncated
cp $k /tmp/badmagic
printf 'XXXX' | dd of=/tmp/badmagic bs=1 seek=56 conv=notrunc 2>/dev/null
e() {
  name=$1; shift
  out=$(armvirt-vmm "$@" 2>&1 </dev/null)
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
e elf-not-image run --kernel /bin/busybox
e truncated-kernel run --kernel /tmp/truncated
e bad-magic run --kernel /tmp/badmagic
e missing-initrd run --kernel $k --initrd /nonexistent
e too-much-memory run --kernel $k --mem 65536
e kernel-bigger-than-ram run --kernel /bin/busybox --mem 1
e no-kvm-device run --kernel $k --kvm-device /nonexistent
mv /dev/kvm /dev/kvm.hidden
e no-dev-kvm run --kernel $k
mv /dev/kvm.hidden /dev/kvm
e dtb-dump-unwritable run --kernel $k --dtb-dump /nonexistent/dir/vm.dtb
e help-exits-0 --help
# A guest that never powers off, stopped by SIGTERM; a guest asking for a reset.
armvirt-vmm run --kernel /guest/spin.bin --cpus 2 >/tmp/spin.out 2>&1 &
pid=$!
sleep 2
kill -TERM $pid
wait $pid
echo "SIGNAL-CASE: exit $?: $(grep '^armvirt-vmm' /tmp/spin.out)"
armvirt-vmm run --kernel /guest/spin.bin --cpus 2 --params guest=reset 2>&1
echo "RESET-CASE: exit $?"
SCEN
  nested errors "$scen" --file "$guests/isv0.bin" --file "$guests/spin.bin" --timeout 100
  cases=$(grep '^ERR-CASE ' "$log")
  [ "$(echo "$cases" | wc -l)" -eq 20 ] || fail "errors: expected 20 cases"
  bad=0
  while IFS= read -r line; do
    name=$(echo "$line" | sed 's/^ERR-CASE \([^:]*\):.*/\1/')
    rc=$(echo "$line" | sed 's/.*: exit \([0-9]*\) lines.*/\1/')
    n=$(echo "$line" | sed 's/.* lines \([0-9]*\):.*/\1/')
    msg=$(echo "$line" | sed 's/^[^:]*: exit [0-9]* lines [0-9]*: //')
    if [ "$name" = help-exits-0 ]; then
      [ "$rc" = 0 ] || { echo "bad: $line"; bad=1; }
      continue
    fi
    if [ "$rc" -eq 0 ] || [ "$rc" -ge 128 ] || [ "$n" -ne 1 ] || ! echo "$msg" | grep -q '^armvirt-vmm: .'; then
      echo "bad: $line"
      bad=1
    fi
  done <<<"$cases"
  [ "$bad" = 0 ] || fail "errors: some cases did not give one line and a non-zero exit"
  grep -q '^SIGNAL-CASE: exit 143: armvirt-vmm: stopped by signal 15$' "$log" ||
    fail "errors: SIGTERM did not stop armvirt-vmm with status 143 and one line"
  grep -q '^spin: asking for a reset' "$log" && grep -q '^RESET-CASE: exit 0$' "$log" ||
    fail "errors: a guest's PSCI SYSTEM_RESET did not end the run with status 0"
  echo "PASS: 19 error cases: one line each, exit status 1 or 2, no crash; --help exits 0; SIGTERM stops a spinning 2-vCPU guest (status 143); SYSTEM_RESET ends the run (status 0)"
  ;;

bench)
  image=$1
  scen="$KVM_WORK/bench.sh"
  mkdir -p "$KVM_WORK"
  {
    echo "armvirt-vmm run --kernel /guest/$(basename "$image") --stats 2>&1"
    echo 'echo "VMM-EXIT: $?"'
  } >"$scen"
  nested bench "$scen" --file "$image" --icount --timeout 200
  st=$(vmm_status VMM-EXIT)
  [ "$st" = 0 ] || fail "bench: armvirt-vmm exit status '$st'"
  for b in empty-loop mmio-read-to-vmm nisv-ldp-to-vmm hvc-psci-version-in-kvm; do
    grep -q "^KVM-BENCH $b: " "$log" || fail "bench: no figure for $b"
  done
  echo "Instructions per iteration (outer QEMU -icount shift=0: 1 ns = 1 instruction):"
  grep '^KVM-BENCH ' "$log"
  echo "PASS: exit-cost figures printed"
  ;;

el1)
  dir=$1
  shift
  scen="$KVM_WORK/el1.sh"
  mkdir -p "$KVM_WORK"
  files=()
  : >"$scen"
  for p in "$@"; do
    [ -s "$dir/$p.bin" ] || fail "missing $dir/$p.bin (build the freestanding configuration)"
    files+=(--file "$dir/$p.bin")
    cat >>"$scen" <<SCEN
echo "EL1-BEGIN $p"
timeout 30 armvirt-vmm run --kernel /guest/$p.bin --cpus 2 --mem 256 2>&1
echo "EL1-EXIT $p: \$?"
SCEN
  done
  nested el1 "$scen" "${files[@]}" --timeout $((40 + 30 * $#))
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

*)
  echo "usage: $0 images|guest|linux|errors|bench|el1 ..." >&2
  exit 2
  ;;
esac
