#!/usr/bin/env bash
# The soak test (issue 18; doc/soak.md): two Linux VMs of armvirt-bm with 2 vCPUs each on
# `-smp 2` (four vCPUs on two pCPUs), each doing disk and network I/O for SECONDS of guest
# time while every vCPU checks its timer. Label `soak`, not in the default run:
#   cd build/host && ctest -L soak -V                          (600 s of guest time)
#   ARMVIRT_SOAK_SECONDS=60 ctest -L soak -V                   (a short run)
#
# usage: soak.sh HYP_IMAGE IMAGES_DIR WORK_DIR GIC_VERSION
# environment:
#   ARMVIRT_SOAK_SECONDS  guest time of the workload, CLOCK_MONOTONIC in the guests (600)
#   ARMVIRT_SOAK_TIMER    soaktimer's "WINDOW_S PERIOD_MS FLOOR_PCT LATE_MS" (10 10 25 2000)
#   ARMVIRT_SOAK_QEMU     QEMU options for the clock ("-icount shift=3")
#   ARMVIRT_SOAK_TIMEOUT  wall-clock limit of the QEMU run in s (900 + 8 * SECONDS)
#   ARMVIRT_SOAK_HYP      another armvirt-bm-linux-soak.bin (e.g. a deliberately broken one)
#
# Each VM runs test/guest/soak/soakinit (rdinit=/soakinit; the workload and its checks are
# described there) and test/guest/soak/soaktimer.c (the timer check). Passes only if QEMU
# exits 0 within the limit (all VMs powered off: no hang), and for both VMs:
#   - SOAK-DONE printed no later than SECONDS + 400 s of its uptime after the start;
#   - soaktimer: every CPU's ticks ok in every window and its sleeper's wake-ups ok;
#   - disk: at least one round, none bad; every file left on the disk (SOAK-DISK-FINAL) has
#     the md5 the host computes for its first line from its own copy of the seed;
#   - network: the VM received as many good transfers as the peer sent, at least one,
#     none bad;
#   - no SOAK-ERROR, and no kernel BUG, Oops, WARNING, RCU stall, soft lockup or hung task.
set -uo pipefail

hyp=${ARMVIRT_SOAK_HYP:-$1} images=$2 work=$3 gic=$4
secs=${ARMVIRT_SOAK_SECONDS:-600}
timer=${ARMVIRT_SOAK_TIMER:-10 10 25 2000}
clock=${ARMVIRT_SOAK_QEMU:--icount shift=3}
limit=${ARMVIRT_SOAK_TIMEOUT:-$((900 + 8 * secs))}
qemu=${QEMU:-qemu-system-aarch64}
cc=${CROSS_CC:-aarch64-linux-gnu-gcc}
here=$(cd "$(dirname "$0")" && pwd)
work="$work/gicv$gic"
mkdir -p "$work"
work=$(cd "$work" && pwd)
log="$work/console.log"

fail() {
  echo "FAIL: $*"
  echo "---- the checks that failed in the guests, RCU stalls ----"
  grep -E '^linux[01]: (SOAK-TIMER: (.*FAIL|cpu[0-9]+ window)|SOAK-ERROR|.*rcu: INFO)' "$log" 2>/dev/null | head -n 20
  echo "---- console ($log) ----"
  tail -n 60 "$log" 2>/dev/null
  exit 1
}

case "$secs" in ''|*[!0-9]*|0) fail "ARMVIRT_SOAK_SECONDS must be a positive number of seconds" ;; esac
for f in "$hyp" "$images/Image" "$images/initramfs.gz"; do
  [ -s "$f" ] || fail "missing $f"
done
mkfs_ext4=$(command -v mkfs.ext4 || ls /usr/sbin/mkfs.ext4 /sbin/mkfs.ext4 2>/dev/null | head -n 1)
[ -n "$mkfs_ext4" ] || fail "mkfs.ext4 not found (e2fsprogs)"

# The kernel's CONFIG_HZ and tick mode, from the config file in its package.
kdeb=$(ls -t "$images"/debs/linux-image-*_arm64.deb 2>/dev/null | head -n 1)
[ -n "$kdeb" ] || fail "no linux-image deb in $images/debs"
kconf="$work/kernel-config"
if [ ! -s "$kconf" ] || [ "$kconf" -ot "$kdeb" ]; then
  dpkg-deb --fsys-tarfile "$kdeb" | tar -xO --wildcards './boot/config-*' >"$kconf" ||
    fail "no /boot/config-* in $kdeb"
fi
hz=$(sed -n 's/^CONFIG_HZ=//p' "$kconf")
tick=$(grep -o '^CONFIG_NO_HZ_[A-Z]*=y' "$kconf" | tr '\n' ' ')
[ -n "$hz" ] || fail "no CONFIG_HZ in the kernel's config"

# The initramfs addition: /soakinit, /bin/soaktimer and the seed of all data.
extra="$work/extra"
rm -rf "$extra"
mkdir -p "$extra/bin" "$extra/soak"
"$cc" -static -O2 -pthread -o "$extra/bin/soaktimer" "$here/soak/soaktimer.c" ||
  fail "cannot build soaktimer with $cc"
install -m 0755 "$here/soak/soakinit" "$extra/soakinit"
seed_kib=2048
head -c $((seed_kib << 10)) /dev/urandom >"$extra/soak/seed"
cp "$extra/soak/seed" "$work/seed"
initrd="$work/initramfs.gz"
(cd "$extra" && find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --quiet) |
  gzip -9 >"$work/extra.gz" || fail "cannot build the initramfs addition"
cat "$images/initramfs.gz" "$work/extra.gz" >"$initrd"

# One 32 MiB ext4 disk per VM (bm_vm_desc::disk of vm_linux_soak.c).
for i in 0 1; do
  rm -rf "$work/root$i" "$work/disk$i.ext4"
  mkdir -p "$work/root$i"
  echo "soak disk of linux$i" >"$work/root$i/marker"
  "$mkfs_ext4" -q -F -d "$work/root$i" "$work/disk$i.ext4" 32M >/dev/null 2>&1 ||
    fail "mkfs.ext4 disk$i"
done

echo "soak: armvirt-bm GICv$gic, -smp 2, two VMs x 2 vCPUs, $secs s of guest time, HZ $hz ($tick), QEMU clock '$clock', wall limit $limit s"
start=$(date +%s)
# shellcheck disable=SC2086 # $clock is a list of options
timeout "$limit" "$qemu" -M "virt,virtualization=on,gic-version=$gic" -cpu max,pauth=off -smp 2 \
  -m 2G $clock -nographic -nic none -semihosting -kernel "$hyp" \
  -device "loader,file=$images/Image,addr=0x44000000,force-raw=on" \
  -device "loader,file=$work/disk0.ext4,addr=0x50000000,force-raw=on" \
  -device "loader,file=$work/disk1.ext4,addr=0x52000000,force-raw=on" \
  -initrd "$initrd" \
  -append "console=ttyAMA0 panic=-1 rdinit=/soakinit armvirt.soak=$secs armvirt.hz=$hz armvirt.timer=$(echo $timer | tr ' ' ,)" \
  >"$log" 2>&1 </dev/null
rc=$?
end=$(date +%s)
tr -d '\r' <"$log" >"$log.txt" && mv "$log.txt" "$log"

[ "$rc" -eq 0 ] || fail "QEMU exit status $rc (124: not done within $limit s, a hang)"
grep -q 'armvirt-bm: all VMs are off; exit statistics:' "$log" || fail "no exit statistics"
bad=$(grep -E '^linux[01]: .*(SOAK-ERROR|BUG:|Oops|WARNING:|rcu_.*stall|soft lockup|blocked for more than|EXT4-fs error)' "$log" | head -n 5)
[ -z "$bad" ] || fail "$bad"

# md5 of gen TAG ROT (soakinit) from the host's copy of the seed
gen_md5() {
  { echo "$1"; dd if="$work/seed" bs=4096 skip="$2" 2>/dev/null; dd if="$work/seed" bs=4096 count="$2" 2>/dev/null; } |
    md5sum | cut -d' ' -f1
}
# result VM WHAT: the words after "SOAK-RESULT: WHAT " of VM's line
result() { sed -n "s/^$1: SOAK-RESULT: $2 //p" "$log"; }
for vm in linux0 linux1; do
  peer=linux$((1 - ${vm#linux}))
  grep -q "^$vm: SOAK-DONE: " "$log" || fail "$vm did not finish"
  read -r t0 t1 < <(sed -n "s/^$vm: SOAK-DONE: $vm from \([0-9.]*\) s to \([0-9.]*\) s\$/\1 \2/p" "$log")
  [ -n "${t1:-}" ] && awk -v a="$t0" -v b="$t1" -v s="$secs" 'BEGIN { exit !(b - a >= s && b - a <= s + 400) }' ||
    fail "$vm: the workload took from ${t0:-?} s to ${t1:-?} s of its uptime, not $secs to $((secs + 400)) s"
  grep -q "^$vm: SOAK-TIMER: ok\$" "$log" || fail "$vm: timer check: $(grep "^$vm: SOAK-TIMER: .*FAIL" "$log" | head -n 3)"
  for c in 0 1; do
    grep -q "^$vm: SOAK-TIMER: cpu$c ticks ok: " "$log" || fail "$vm: cpu$c ticks"
    grep -q "^$vm: SOAK-TIMER: cpu$c wakeups ok: " "$log" || fail "$vm: cpu$c wakeups"
  done
  [ "$(result "$vm" 'timer exit')" = 0 ] || fail "$vm: soaktimer's exit status"
  read -r _ dr _ dok _ dbad < <(result "$vm" disk)  # rounds R ok K bad B
  [ -n "${dbad:-}" ] && [ "$dbad" = 0 ] && [ "$dok" -ge 1 ] && [ "$dok" = "$dr" ] ||
    fail "$vm: disk rounds ${dr:-?}, ok ${dok:-?}, bad ${dbad:-?}"
  # The hypervisor's count: every round's file went to the disk and came back from it.
  read -r rkib wkib < <(sed -n "s/^$vm: virtio-blk: [0-9]* reads (\([0-9]*\) KiB), [0-9]* writes (\([0-9]*\) KiB).*/\1 \2/p" "$log")
  [ -n "${wkib:-}" ] && [ "$rkib" -ge $((dok * seed_kib)) ] && [ "$wkib" -ge $((dok * seed_kib)) ] ||
    fail "$vm: the device read ${rkib:-?} KiB and wrote ${wkib:-?} KiB for $dok rounds of $seed_kib KiB"
  nfinal=0
  while read -r f m tag; do
    want=$(gen_md5 "$tag" "${tag##* rot }")
    [ "$m" = "$want" ] || fail "$vm: $f on its disk: md5 $m, the host computes $want for '$tag'"
    nfinal=$((nfinal + 1))
  done < <(sed -n "s/^$vm: SOAK-DISK-FINAL: //p" "$log")
  [ "$nfinal" -ge 1 ] || fail "$vm: no file listed on its disk at the end"
  read -r _ rok _ rbad < <(result "$vm" 'net rx')          # ok K bad B
  read -r _ psent _ < <(result "$peer" 'net tx')            # sent S retries T
  [ -n "${rbad:-}" ] && [ "$rbad" = 0 ] && [ -n "$psent" ] && [ "$rok" = "$psent" ] && [ "$rok" -ge 1 ] ||
    fail "$vm: received ${rok:-?} good and ${rbad:-?} bad transfers, $peer sent ${psent:-?}"
done
echo "PASS: armvirt-bm GICv$gic soak: two Linux VMs (2 vCPUs each) on -smp 2, $secs s of guest time; QEMU ran $((end - start)) s"
grep -E '^linux[01]: (SOAK(-TIMER|-RESULT|-DISK-FINAL|-DONE|: start|: linux)|virtio-(blk|net)( 0)?: [0-9n])|^armvirt-bm: .*(virtio-net|vda|disk)' "$log"
