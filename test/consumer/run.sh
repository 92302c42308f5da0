#!/bin/sh
# The install tests: install one configuration of armvirt into a prefix, move the prefix
# elsewhere, then build (and where possible run) consumers out of tree against the moved
# prefix only.
# Usage: run.sh host  SOURCE_DIR WORK_DIR              a fresh host build (no cmocka visible)
#        run.sh linux SOURCE_DIR WORK_DIR BUILD_DIR    the aarch64-linux build directory
#        run.sh el2   SOURCE_DIR WORK_DIR BUILD_DIR    the aarch64 freestanding build directory
#   host:  test/consumer through pkg-config and find_package(armvirt), run
#   linux: the same cross-built with the installed aarch64-linux-gnu.cmake (not run), and
#          examples/kvm-vmm against armvirt::kvm -> WORK_DIR/armvirt-vmm (the kvm label
#          runs it in nested KVM)
#   el2:   examples/minimal with the installed aarch64-none.cmake and av_el2_image(), run in
#          QEMU under GICv3 and GICv2 (test/guest/run-el2.sh, qemu-system-aarch64 on PATH)
# Prints "PASS: install <mode>" at the end; any failure exits non-zero.
set -eu
mode=$1
src=$2
work=$3
bdir=${4:-}
rm -rf "$work"
mkdir -p "$work"
staged="$work/staged/prefix"
moved="$work/moved/to/another/dir"

fail() {
	echo "FAIL: install $mode: $*"
	exit 1
}

# Logs go to files; on failure the last lines are shown.
step() { # LOG COMMAND...
	log=$1
	shift
	"$@" >"$log" 2>&1 || { tail -n 40 "$log"; fail "$* (log: $log)"; }
}

# The arm64 libfdt of scripts/deps.sh (what cmake/armvirt-deps.cmake names).
arm64_fdt=${ARMVIRT_DEPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/armvirt}/libfdt-arm64

case "$mode" in
host)
	# The README's plain build, with cmocka out of pkg-config's sight: the library and tools
	# build, the tests are skipped with a message.
	mkdir -p "$work/no-pc"
	step "$work/configure.log" env PKG_CONFIG_LIBDIR="$work/no-pc" PKG_CONFIG_PATH= \
		cmake -S "$src" -B "$work/build" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_INSTALL_PREFIX="$staged"
	grep -q 'cmocka not found, tests are not built' "$work/configure.log" ||
		fail "no 'cmocka not found' message in $work/configure.log"
	step "$work/build.log" cmake --build "$work/build" -j2
	step "$work/install.log" cmake --install "$work/build"
	;;
linux | el2)
	[ -d "$bdir" ] || fail "no build directory '$bdir'"
	step "$work/install.log" cmake --install "$bdir" --prefix "$staged"
	;;
*)
	fail "unknown mode"
	;;
esac

# Move the prefix: nothing may still point into the staging directory or the build tree.
mkdir -p "$(dirname "$moved")"
mv "$staged" "$moved"
rm -rf "$work/staged"
for bad in "$work/staged" "$src" "${bdir:-$work/build}" "$arm64_fdt"; do
	if grep -rIl -- "$bad" "$moved" >"$work/abs.txt"; then
		cat "$work/abs.txt"
		fail "installed files name $bad"
	fi
done
echo "installed and moved to $moved"
# Documents every configuration installs: the licence and changelog, and the man page of
# each program it installs.
for doc in share/doc/armvirt/LICENSE share/doc/armvirt/CHANGELOG.md; do
	[ -s "$moved/$doc" ] || fail "no $doc"
done
for prog in armvirt-dtcheck armvirt-imgcheck armvirt-vmm; do
	if [ -e "$moved/bin/$prog" ]; then
		[ -s "$moved/share/man/man1/$prog.1" ] || fail "$prog installed without its man page"
	fi
done

case "$mode" in
host)
	echo "== pkg-config"
	flags=$(PKG_CONFIG_PATH="$moved/lib/pkgconfig" pkg-config --static --cflags --libs armvirt)
	echo "pkg-config --static --cflags --libs armvirt: $flags"
	# shellcheck disable=SC2086
	step "$work/cc-pc.log" "${CC:-cc}" -std=c11 -Wall -Wextra -Werror "$src/test/consumer/main.c" \
		$flags -o "$work/consumer-pc"
	"$work/consumer-pc" || fail "consumer-pc"
	echo "== find_package(armvirt)"
	step "$work/cconfigure.log" cmake -S "$src/test/consumer" -B "$work/cbuild" -DCMAKE_PREFIX_PATH="$moved"
	step "$work/cbuild.log" cmake --build "$work/cbuild"
	"$work/cbuild/consumer" || fail "consumer (CMake)"
	echo "== find_package(armvirt) with libfdt from ARMVIRT_LIBFDT_ROOT"
	fdt_lib=$(grep '^ARMVIRT_FDT_LIBRARY:' "$work/cbuild/CMakeCache.txt" | cut -d= -f2)
	fdt_inc=$(grep '^ARMVIRT_FDT_INCLUDE_DIR:' "$work/cbuild/CMakeCache.txt" | cut -d= -f2)
	mkdir -p "$work/fdt/lib" "$work/fdt/include"
	cp "$fdt_lib" "$work/fdt/lib/"
	cp "$fdt_inc/libfdt.h" "$fdt_inc/libfdt_env.h" "$fdt_inc/fdt.h" "$work/fdt/include/"
	step "$work/fconfigure.log" cmake -S "$src/test/consumer" -B "$work/fbuild" \
		-DCMAKE_PREFIX_PATH="$moved" -DARMVIRT_LIBFDT_ROOT="$work/fdt"
	grep -q "^ARMVIRT_FDT_LIBRARY:FILEPATH=$work/fdt/lib/" "$work/fbuild/CMakeCache.txt" ||
		fail "ARMVIRT_LIBFDT_ROOT was not used"
	step "$work/fbuild.log" cmake --build "$work/fbuild"
	"$work/fbuild/consumer" >/dev/null || fail "consumer (CMake, ARMVIRT_LIBFDT_ROOT)"
	echo "== find_package(armvirt) with no libfdt: a clear error"
	if cmake -S "$src/test/consumer" -B "$work/nbuild" -DCMAKE_PREFIX_PATH="$moved" \
		-DARMVIRT_LIBFDT_ROOT="$work/no-fdt" >"$work/nconfigure.log" 2>&1; then
		fail "configured without libfdt"
	fi
	grep -q 'ARMVIRT_LIBFDT_ROOT' "$work/nconfigure.log" || { cat "$work/nconfigure.log"; fail "no hint in the error"; }
	;;
linux)
	tc="$moved/lib/cmake/armvirt/aarch64-linux-gnu.cmake"
	echo "== pkg-config (aarch64-linux-gnu-gcc, libfdt from $arm64_fdt)"
	flags=$(PKG_CONFIG_PATH="$moved/lib/pkgconfig" pkg-config --static --cflags --libs armvirt-kvm)
	echo "pkg-config --static --cflags --libs armvirt-kvm: $flags"
	# shellcheck disable=SC2086
	step "$work/cc-pc.log" aarch64-linux-gnu-gcc -std=c11 -Wall -Wextra -Werror -static \
		"$src/test/consumer/main.c" $flags -L"$arm64_fdt/usr/lib/aarch64-linux-gnu" -o "$work/consumer-pc"
	echo "== find_package(armvirt) with the installed toolchain file"
	step "$work/cconfigure.log" cmake -S "$src/test/consumer" -B "$work/cbuild" \
		-DCMAKE_TOOLCHAIN_FILE="$tc" -DCMAKE_PREFIX_PATH="$moved"
	step "$work/cbuild.log" cmake --build "$work/cbuild"
	echo "== examples/kvm-vmm out of tree (armvirt::kvm)"
	cp -r "$src/examples/kvm-vmm" "$work/kvm-vmm"
	step "$work/vconfigure.log" cmake -S "$work/kvm-vmm" -B "$work/vbuild" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_TOOLCHAIN_FILE="$tc" -DCMAKE_PREFIX_PATH="$moved"
	step "$work/vbuild.log" cmake --build "$work/vbuild" -j2
	cp "$work/vbuild/armvirt-vmm" "$work/armvirt-vmm"
	if command -v file >/dev/null 2>&1; then
		file -L "$work/armvirt-vmm" | grep -q 'ARM aarch64.*statically linked' ||
			fail "armvirt-vmm is not a static aarch64 executable"
	fi
	;;
el2)
	echo "== examples/minimal out of tree (armvirt::qemu_virt, av_el2_image())"
	cp -r "$src/examples/minimal" "$work/minimal"
	step "$work/mconfigure.log" cmake -S "$work/minimal" -B "$work/mbuild" -DCMAKE_BUILD_TYPE=Release \
		-DCMAKE_TOOLCHAIN_FILE="$moved/lib/cmake/armvirt/aarch64-none.cmake" -DCMAKE_PREFIX_PATH="$moved"
	step "$work/mbuild.log" cmake --build "$work/mbuild" -j2
	[ -s "$work/mbuild/armvirt-minimal.bin" ] || fail "no armvirt-minimal.bin"
	for gic in 3 2; do
		echo "== QEMU, GICv$gic"
		sh "$src/test/guest/run-el2.sh" "$work/mbuild/armvirt-minimal.bin" "$gic" 2 60 >"$work/run-gicv$gic.log" 2>&1 ||
			{ cat "$work/run-gicv$gic.log"; fail "armvirt-minimal under GICv$gic"; }
		grep '^PASS\|^FAIL' "$work/run-gicv$gic.log" || true
	done
	;;
esac
echo "PASS: install $mode"
