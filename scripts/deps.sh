#!/usr/bin/env bash
# Install what armvirt's builds and tests need. Idempotent: installs only what is missing.
#
# Host packages come from apt-get. The aarch64 libfdt (static library + headers) comes from
# Debian's libfdt-dev:arm64, which conflicts with the host libfdt-dev, so it is downloaded and
# unpacked into a private cache directory ($ARMVIRT_DEPS_CACHE, default ~/.cache/armvirt) that
# the aarch64 toolchain files use.
set -euo pipefail

cache=${ARMVIRT_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/armvirt}
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo=sudo; fi

pkgs=(
  cmake make gcc pkg-config
  gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross linux-libc-dev-arm64-cross
  libcmocka-dev libfdt-dev device-tree-compiler
  qemu-system-arm
  clang lld libclang-rt-14-dev cpio
  doxygen groff-base mandoc
  # firmware and the VM-spec image (scripts/vmspec-image.sh, doc/firmware.md); GRUB for
  # arm64-efi (grub-efi-arm64-bin:arm64) is fetched by vmspec-image.sh with apt-get download
  qemu-efi-aarch64 u-boot-qemu u-boot-tools gdisk dosfstools mtools e2fsprogs grub-common
  # the static analysis (test/static, doc/static-analysis.md)
  cppcheck clang-tidy python3
)

missing=()
for p in "${pkgs[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
    missing+=("$p")
  fi
done

updated=0
apt_update() {
  if [ "$updated" -eq 0 ]; then
    $sudo apt-get update -qq
    updated=1
  fi
}

if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}"
  apt_update
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# arm64 libfdt for the aarch64 builds, unpacked privately.
fdt_root="$cache/libfdt-arm64"
if [ ! -f "$fdt_root/usr/lib/aarch64-linux-gnu/libfdt.a" ] || [ ! -f "$fdt_root/usr/include/libfdt.h" ]; then
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "deps: adding the arm64 architecture"
    $sudo dpkg --add-architecture arm64
    updated=0
  fi
  apt_update
  tmp=$(mktemp -d)
  chmod 0777 "$tmp"  # apt-get download runs as _apt
  (cd "$tmp" && apt-get download -qq libfdt-dev:arm64 >/dev/null)
  mkdir -p "$fdt_root"
  dpkg -x "$tmp"/libfdt-dev_*_arm64.deb "$fdt_root"
  rm -rf "$tmp"
  echo "deps: arm64 libfdt unpacked into $fdt_root"
fi
