#!/usr/bin/env bash
# armvirt's demo: the bare-metal hypervisor armvirt-bm (examples/baremetal) boots at EL2 in
# QEMU and runs two Debian arm64 Linux VMs on one virtual network (doc/baremetal.md
# "Networks"): linux0 is 10.0.0.1, linux1 10.0.0.2, each with a shell you can type into.
#
#   scripts/demo.sh           install what is missing, build, prepare the guest images, boot;
#                             you get linux0's shell (its output is prefixed "linux0: ");
#                             Ctrl-] then n switches the console to the next VM. Try
#                             `ping -c 3 10.0.0.2`, or `nc -l -p 5000 >f` on one VM and
#                             `nc 10.0.0.1 5000 </init` on the other. `poweroff -f` powers a
#                             VM off; once both are off the hypervisor prints its exit
#                             statistics and QEMU exits. Ctrl-A x quits QEMU.
#   scripts/demo.sh --check   the same, non-interactive: each VM pings the other, linux0
#                             sends a 4 MiB file of random bytes to linux1 with busybox nc,
#                             both print md5sums, power off; exits 0 when the pings came back,
#                             the checksums match and QEMU exited 0.
#
# Environment: ARMVIRT_BUILD_DIR (default ./build; the build goes to $ARMVIRT_BUILD_DIR/demo),
# ARMVIRT_GUEST_IMAGES (default $ARMVIRT_BUILD_DIR/host/guest-images, shared with the tests),
# QEMU (default qemu-system-aarch64). See doc/baremetal.md.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${ARMVIRT_BUILD_DIR:-$top/build}
images=${ARMVIRT_GUEST_IMAGES:-$build/host/guest-images}
qemu=${QEMU:-qemu-system-aarch64}
check=0
case "${1:-}" in
  --check) check=1 ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

say() { echo "demo: $*" >&2; }

say "dependencies"
"$top/scripts/deps.sh"

say "building the hypervisor (freestanding configuration, $build/demo)"
mkdir -p "$build"
cmake -S "$top" -B "$build/demo" -DCMAKE_TOOLCHAIN_FILE="$top/cmake/aarch64-none.cmake" \
  -DCMAKE_BUILD_TYPE=Release >"$build/demo.configure.log" 2>&1 ||
  { cat "$build/demo.configure.log"; exit 1; }
cmake --build "$build/demo" -j"$(nproc)" --target armvirt-bm-linux-net.elf >"$build/demo.build.log" 2>&1 ||
  { tail -n 40 "$build/demo.build.log"; exit 1; }
hyp="$build/demo/examples/baremetal/armvirt-bm-linux-net.bin"

say "guest images ($images)"
"$top/scripts/guest-images.sh" "$images" >/dev/null
# The VMs' init (test/guest/net/netinit), appended to the cached initramfs.
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null || true' EXIT
mkdir "$work/extra"
cp "$top/test/guest/net/netinit" "$work/extra/netinit"
chmod 0755 "$work/extra/netinit"
(cd "$work/extra" && echo netinit | cpio -o -H newc --quiet) | gzip >"$work/extra.gz"
cat "$images/initramfs.gz" "$work/extra.gz" >"$work/initramfs.gz"
mode=demo
[ "$check" -eq 1 ] && mode=check

# Two Linux VMs with one vCPU each on a 2-CPU board with GICv3, both on network 1; the kernel
# Image is loaded by QEMU at the address the VM descriptions name
# (test/guest/el1/bm/vm_linux_net.c).
args=(-M virt,virtualization=on,gic-version=3 -cpu max,pauth=off -smp 2 -m 2G -nographic
      -nic none -semihosting -kernel "$hyp"
      -device "loader,file=$images/Image,addr=0x44000000,force-raw=on"
      -initrd "$work/initramfs.gz"
      -append "console=ttyAMA0 rdinit=/netinit armvirt.net=$mode armvirt.mib=4")

if [ "$check" -eq 0 ]; then
  say "booting: linux0's shell; Ctrl-] n: the next VM's; 'poweroff -f' in both ends the demo"
  "$qemu" "${args[@]}"
  exit
fi

# --check: the VMs do it all themselves (netinit, armvirt.net=check).
log="$work/console.log"
qrc=0
timeout 300 "$qemu" "${args[@]}" </dev/null >"$log" 2>&1 || qrc=$?
tr -d '\r' <"$log" >"$log.txt"
mv "$log.txt" "$log"
cat "$log"
sent=$(sed -n 's/^linux0: ARMVIRT-SENT: //p' "$log")
recv=$(sed -n 's/^linux1: ARMVIRT-RECV: //p' "$log")
if [ "$qrc" -eq 0 ] && grep -q 'armvirt-bm: all VMs are off' "$log" &&
   grep -q '^linux0: ARMVIRT-PING: 10.0.0.2 ok 5 packets received' "$log" &&
   grep -q '^linux1: ARMVIRT-PING: 10.0.0.1 ok 5 packets received' "$log" &&
   [ -n "$sent" ] && [ "$sent" = "$recv" ]; then
  say "check passed: the VMs pinged each other, linux0 sent linux1 a file over TCP (md5 ${sent% *}), powered off"
  exit 0
fi
say "check FAILED (QEMU status $qrc; sent '$sent', received '$recv')"
exit 1
