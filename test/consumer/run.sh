#!/bin/sh
# Build armvirt, install it into a temporary prefix, and build test/consumer against the
# installed tree twice: with pkg-config and with find_package(armvirt).
# Usage: run.sh SOURCE_DIR WORK_DIR
set -eu
src=$1
work=$2
cc=${CC:-cc}
rm -rf "$work"
mkdir -p "$work"
prefix="$work/prefix"

cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DARMVIRT_TESTS=OFF \
      -DCMAKE_INSTALL_PREFIX="$prefix" >"$work/configure.log"
cmake --build "$work/build" -j2 >"$work/build.log"
cmake --install "$work/build" >"$work/install.log"

echo "== pkg-config"
flags=$(PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --cflags --libs armvirt)
echo "pkg-config --cflags --libs armvirt: $flags"
# shellcheck disable=SC2086
"$cc" -std=c11 -Wall -Wextra -Werror "$src/test/consumer/main.c" $flags -o "$work/consumer-pc"
"$work/consumer-pc"

echo "== find_package(armvirt)"
cmake -S "$src/test/consumer" -B "$work/cbuild" -DCMAKE_PREFIX_PATH="$prefix" >"$work/cconfigure.log"
cmake --build "$work/cbuild" >"$work/cbuild.log"
"$work/cbuild/consumer"
