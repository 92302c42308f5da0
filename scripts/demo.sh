#!/usr/bin/env bash
# armvirt's demo: the bare-metal hypervisor armvirt-bm (examples/baremetal) boots at EL2 in
# QEMU and runs Debian's arm64 Linux as a VM whose shell you can type into.
#
#   scripts/demo.sh           install what is missing, build, prepare the guest images, boot;
#                             you get the VM's shell (its output is prefixed "linux0: ").
#                             `poweroff -f` in the shell powers the VM off; the hypervisor then
#                             prints its exit statistics and QEMU exits. Ctrl-A x quits QEMU.
#   scripts/demo.sh --check   the same, non-interactive: waits for the shell prompt, runs one
#                             command, powers off; exits 0 when all of that happened.
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
cmake --build "$build/demo" -j"$(nproc)" --target armvirt-bm-linux.elf >"$build/demo.build.log" 2>&1 ||
  { tail -n 40 "$build/demo.build.log"; exit 1; }
hyp="$build/demo/examples/baremetal/armvirt-bm-linux.bin"

say "guest images ($images)"
"$top/scripts/guest-images.sh" "$images" >/dev/null

# One Linux VM with 2 vCPUs on a 2-CPU board with GICv3; the kernel Image is loaded by QEMU at
# the address the VM description names (examples/baremetal/vm_linux.c).
args=(-M virt,virtualization=on,gic-version=3 -cpu max,pauth=off -smp 2 -m 1G -nographic
      -nic none -semihosting -kernel "$hyp"
      -device "loader,file=$images/Image,addr=0x44000000,force-raw=on"
      -initrd "$images/initramfs.gz" -append "console=ttyAMA0 armvirt.scenario=shell")

if [ "$check" -eq 0 ]; then
  say "booting: type into the VM's shell; 'poweroff -f' ends the demo (Ctrl-A x quits QEMU)"
  exec "$qemu" "${args[@]}"
fi

# --check: drive the shell through QEMU's standard input.
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${qpid:-}" ] && kill "$qpid" 2>/dev/null || true' EXIT
mkfifo "$work/in"
log="$work/console.log"
timeout 120 "$qemu" "${args[@]}" <"$work/in" >"$log" 2>&1 &
qpid=$!
exec 3>"$work/in"

wait_for() { # PATTERN SECONDS
  local end=$((SECONDS + $2))
  while [ "$SECONDS" -lt "$end" ]; do
    if tr -d '\r' <"$log" | grep -q -- "$1"; then return 0; fi
    kill -0 "$qpid" 2>/dev/null || return 1
    sleep 0.5
  done
  return 1
}

status=0
if wait_for 'linux0: .* # $\|linux0: / # ' 90; then
  printf 'echo ARMVIRT-DEMO $((6 * 7)) $(uname -m)\n' >&3
  if wait_for 'ARMVIRT-DEMO 42 aarch64' 30; then
    printf 'poweroff -f\n' >&3
  else
    say "the command's output did not appear"; status=1
  fi
else
  say "no shell prompt"; status=1
fi
exec 3>&-
qrc=0
wait "$qpid" || qrc=$?
qpid=
tr -d '\r' <"$log"
if [ "$status" -eq 0 ] && [ "$qrc" -eq 0 ] && grep -q 'armvirt-bm: all VMs are off' "$log"; then
  say "check passed: booted, ran a command in the VM's shell, powered off (QEMU status 0)"
  exit 0
fi
say "check FAILED (QEMU status $qrc)"
exit 1
