#!/usr/bin/env bash
# armvirt's test command: install dependencies, configure and build every configuration,
# then run ctest in the host build. Arguments pass through to ctest:
#   scripts/test.sh              everything
#   scripts/test.sh -L unit      only the unit tests
#   scripts/test.sh -R esr -V    one suite, verbose
#   scripts/test.sh -L soak -V   the soak test, left out otherwise (doc/soak.md)
#
# Configurations (build directories under $ARMVIRT_BUILD_DIR, default ./build):
# The aarch64 configurations are built optimised (what a user ships; the qemu benchmarks read
# their figures); the host one for debugging with sanitizers.
#   host     x86-64 portable core + unit tests, ASan+UBSan, fuzzers (clang), consumer test
#   linux    aarch64-linux-gnu: the library (and the KVM-hosted VMM once it exists)
#   none     aarch64 freestanding: the library, the qemu-virt port and the EL2 images
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${ARMVIRT_BUILD_DIR:-$top/build}
jobs=${ARMVIRT_JOBS:-$(nproc 2>/dev/null || echo 2)}

"$top/scripts/deps.sh"

configure_build() { # NAME BUILD_TYPE [cmake args...]
  local name=$1 type=$2
  shift 2
  echo "== configure and build: $name ($type)"
  cmake -S "$top" -B "$build/$name" -DCMAKE_BUILD_TYPE="$type" "$@" >"$build/$name.configure.log" 2>&1 ||
    { cat "$build/$name.configure.log"; return 1; }
  cmake --build "$build/$name" -j"$jobs" >"$build/$name.build.log" 2>&1 ||
    { tail -n 60 "$build/$name.build.log"; return 1; }
}

mkdir -p "$build"
configure_build none RelWithDebInfo -DARMVIRT_WERROR=ON -DCMAKE_TOOLCHAIN_FILE="$top/cmake/aarch64-none.cmake"
configure_build linux RelWithDebInfo -DARMVIRT_WERROR=ON -DCMAKE_TOOLCHAIN_FILE="$top/cmake/aarch64-linux-gnu.cmake"
configure_build host Debug -DARMVIRT_SANITIZE=ON -DARMVIRT_WERROR=ON -DARMVIRT_EL2_BUILD_DIR="$build/none" \
  -DARMVIRT_LINUX_BUILD_DIR="$build/linux"

# The soak test (label soak, doc/soak.md) runs only when asked for: scripts/test.sh -L soak.
case " $* " in
  *soak*) ;;
  *) set -- -LE '^soak$' "$@" ;;
esac
echo "== ctest $*"
cd "$build/host"
ctest --output-on-failure -j"$jobs" "$@"
