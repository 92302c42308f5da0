# Sourced by the nested benchmarks (fw-bench.sh, kvm-linux-bench.sh): builds their two
# counting tools into a work directory.
# build_mark_tools DIR: DIR/insn_count.so (the QEMU plugin, host compiler) and DIR/vbench
# (static aarch64 Linux, `vbench mark` in the outer Linux). Returns 1 with a message on
# stderr if either fails.
build_mark_tools() {
  local src
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  ${CC:-cc} -shared -fPIC -O2 -fvisibility=hidden -o "$1/insn_count.so" "$src/insn_count_plugin.c" ||
    { echo "cannot build the plugin" >&2; return 1; }
  ${AARCH64_LINUX_CC:-aarch64-linux-gnu-gcc} -static -O2 -Wl,-Ttext-segment=0x10000000 \
    -o "$1/vbench" "$src/vbench.c" || { echo "cannot build vbench" >&2; return 1; }
}

# run_marked NAME DIR TIMEOUT KVM-NESTED-ARGS...: scripts/kvm-nested.sh with the arguments
# given plus --work DIR, -icount shift=0 and the plugin, within TIMEOUT seconds; the console
# goes to DIR/run.log, the plugin's output to DIR/plugin.txt and the instruction count at
# each mark, one a line in order, to DIR/marks.txt. Returns 1 if the nested run failed.
# MARK_PROFILE=1 also has the plugin write the profiles of the #0x71..#0x72 regions.
run_marked() {
  local name=$1 dir=$2 t=$3 src start rc
  shift 3
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  rm -f "$dir/plugin.txt"
  start=$(date +%s)
  KVM_NESTED_QEMU_ARGS="-plugin $dir/insn_count.so,out=$dir/plugin.txt$([ "${MARK_PROFILE:-0}" = 1 ] && echo ,profile=on)" timeout "$t" \
    bash "$src/../../scripts/kvm-nested.sh" "$@" --work "$dir" --icount --timeout "$t" \
    >"$dir/run.log" 2>&1
  rc=$?
  echo "$name: nested run exit $rc after $(($(date +%s) - start)) s (console $dir/run.log, plugin $dir/plugin.txt)"
  [ "$rc" = 0 ] || return 1
  sed -n 's/^MARK [0-9]* [^ ]* \([0-9]*\).*/\1/p' "$dir/plugin.txt" >"$dir/marks.txt"
}

# kernel_symbols IMAGES WORK: prints the path of the images' kernel's /proc/kallsyms (as
# test/bench/virtio-bench-profile.sh reads it), taken once per kernel version from a plain
# QEMU boot (test/bench/virtio-bench.sh --tests kallsyms, in WORK/kallsyms) and cached in
# build/vbench. Returns 1 with a message on stderr if the boot gave no symbols.
kernel_symbols() {
  local src ksyms
  src=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  ksyms="$src/../../build/vbench/kallsyms-$(cat "$1/kernel-version" 2>/dev/null || echo unknown).txt"
  if [ ! -s "$ksyms" ]; then
    mkdir -p "$(dirname "$ksyms")"
    bash "$src/virtio-bench.sh" qemu --images "$1" --work "$2/kallsyms" --tests kallsyms \
      --repeat 1 >/dev/null 2>&1
    tr -d '\000' <"$2/kallsyms/raw.img" >"$ksyms.tmp" && grep -q ' _stext$' "$ksyms.tmp" &&
      mv "$ksyms.tmp" "$ksyms" || { echo "could not get the kernel's symbols" >&2; return 1; }
  fi
  echo "$ksyms"
}
