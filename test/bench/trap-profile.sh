#!/usr/bin/env bash
# Where the instructions of each trapbench row go (doc/benchmarks.md, "Trap paths"): runs
# armvirt-bm-trapbench.bin under QEMU with -icount shift=0 -d in_asm,exec,nochain and
# attributes every executed translation block to the function holding it: guest (EL1) blocks
# by trapbench.elf's symbols, hypervisor (EL2) blocks by the image's ELF. Both are linked at
# the same addresses; a block's EL comes from its TB flags (MMU index 6 = EL2 regime).
# A block's size is the number of instructions QEMU's in_asm listed for it (the next exec
# line after an IN: listing names its flags).
# Windows: a row's window runs from the first to the last executed guest block inside its
# loop function (both vCPUs' blocks in between count); its total is divided by the row's
# iterations. The vtimer row's window is timer_spin, whose own blocks (the 10 ms spins)
# are left out of its total, and its iterations are the handler's runs (entries of
# timer_irq): the whole interrupt, delivery to return and the next deadline's set-up, not
# only the latency. The run takes about 10 minutes on a loaded 2-core machine (the 80 M
# instructions of spinning are logged too).
#
# ivc_bench mode (the guest is ivc_bench.elf): one row, vm_switch, on one pCPU. Its window is
# VM 0's measured yield loop: every block executed from the first to the last run of the
# guest block ending in an hvc (in test_main, where the loop is inlined) that runs Y_ITERS
# (1024) times; each cycle between two runs is one yield of VM 0 and one of VM 1, so the
# total is divided by 2 x (runs - 1): per VM -> VM switch, both loops included.
#
# usage: trap-profile.sh BM_IMAGE.elf GUEST.elf GIC_VERSION [TOP]
#   BM_IMAGE.elf: armvirt-bm-trapbench.elf or armvirt-bm-ivc_bench.elf (its .bin beside it
#   is what QEMU boots)
set -uo pipefail
elf=$1 guest=$2 gic=$3 top=${4:-12}
prog=$(basename "$guest" .elf)
smp=2
[ "$prog" = ivc_bench ] && smp=1
nm=${AARCH64_NM:-aarch64-linux-gnu-nm}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$nm" -n --defined-only "$elf" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' >"$work/hyp"
"$nm" -n --defined-only "$guest" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' >"$work/guest"

timeout 1800 qemu-system-aarch64 -M "virt,virtualization=on,gic-version=$gic" \
  -cpu max,pauth=off -m 1G -smp "$smp" -nographic -nic none -semihosting -icount shift=0 \
  -kernel "${elf%.elf}.bin" -d in_asm,exec,nochain -D /dev/stderr </dev/null 2>&1 >"$work/console" |
perl -e '
use strict; use warnings; no warnings "portable";
my ($work, $top, $prog) = @ARGV;
# row => [loop function, iterations]
my @rows = (["hvc_smccc_unknown", "loop_hvc_smccc_unknown", 2048],
            ["mmio_gicd_iidr", "loop_mmio_gicd_iidr", 2048],
            ["mmio_virtio_empty", "loop_mmio_virtio_empty", 2048],
            ["sysreg_id_aa64pfr0", "loop_sysreg_id_aa64pfr0", 2048],
            ["loop_nop", "loop_nop", 2048],
            ["sgi_roundtrip", "sgi_loop", 256],
            ["vtimer_latency", "timer_spin", 8]);
sub load { my ($f) = @_; my @s; open(my $h, "<", $f) or die;
  while (<$h>) { my ($a, $n) = split; push @s, [hex($a), $n]; } return \@s; }
my %syms = (hyp => load("$work/hyp"), guest => load("$work/guest"));
sub lookup { my ($s, $a) = @_; my ($lo, $hi) = (0, $#$s);
  return "?" if $hi < 0 || $a < $s->[0][0];
  while ($lo < $hi) { my $m = int(($lo + $hi + 1) / 2);
    if ($s->[$m][0] <= $a) { $lo = $m } else { $hi = $m - 1 } }
  return $s->[$lo][1]; }
my %fn2row = map { $_->[1] => $_ } @rows;
my (%size, %name, $pending, $count);  # TB key "pc/flags" => instructions, function
my (%win, $cur);   # row => { fn => insns } for the open window; per-row last-seen totals
my (%acc, %seen);  # row => accumulated totals up to the last guest block in the loop
my $irq_entries = 0;
# ivc_bench: cumulative per-function totals, and for each guest block ending in an hvc
# its runs and the totals at its first and last run
my (%cum, %hvc_tb, %hv, $last_insn);
my ($timer_irq) = map { $_->[0] } grep { $_->[1] eq "timer_irq" } @{$syms{guest}};
while (<STDIN>) {
  if (/^IN:/) { $pending = 1; $count = 0; next; }
  if ($pending && /^0x[0-9a-f]+:\s/) { $count++; $last_insn = $_; next; }
  next unless /^Trace \d+: \S+ \[[0-9a-f]+\/([0-9a-f]+)\/([0-9a-f]+)\//;
  my ($pc, $flags) = (hex($1), hex($2));
  my $key = "$1/$2";
  if ($pending) {
    $size{$key} = $count; $pending = 0;
    $hvc_tb{$key} = 1 if $last_insn =~ /\shvc\s/;
  }
  if (!exists $name{$key}) {
    my $side = (($flags >> 4) & 0xf) == 6 ? "hyp" : "guest";
    $name{$key} = "$side:" . lookup($syms{$side}, $pc);
  }
  my $n = $size{$key} // 0;
  $irq_entries++ if defined $timer_irq && $pc == $timer_irq && $name{$key} =~ /^guest:/;
  my $fn = $name{$key};
  if ($prog eq "ivc_bench") {
    if ($hvc_tb{$key} && $fn eq "guest:test_main") {
      my $h = $hv{$key} //= { runs => 0 };
      $h->{first} = { %cum } unless $h->{runs}++;
      $h->{last} = { %cum };
    }
    $cum{$fn} += $n;
    next;
  }
  my ($g) = $fn =~ /^guest:(.*)/;
  if (defined $g && exists $fn2row{$g}) {
    my $row = $fn2row{$g}[0];
    if (!defined $cur || $cur ne $row) { $cur = $row; %win = (); }
    $win{$fn} += $n;
    # the window ends at the last block inside the loop: commit what came before it
    $acc{$row}{$_} += $win{$_} for keys %win;
    %win = ();
    $seen{$row} = 1;
    next;
  }
  $win{$fn} += $n if defined $cur;
}
if ($prog eq "ivc_bench") {
  my $iters = 1024;  # Y_ITERS of ivc_bench.c
  my ($k) = sort { abs($hv{$a}{runs} - $iters) <=> abs($hv{$b}{runs} - $iters) } keys %hv;
  die "no yield loop found\n" unless defined $k && $hv{$k}{runs} > 1;
  my ($f, $l) = ($hv{$k}{first}, $hv{$k}{last});
  my %t = map { $_ => ($l->{$_} // 0) - ($f->{$_} // 0) } keys %$l;
  my $sw = 2 * ($hv{$k}{runs} - 1);
  my @fns = sort { $t{$b} <=> $t{$a} } grep { $t{$_} } keys %t;
  my $sum = 0; $sum += $t{$_} for @fns;
  printf "vm_switch: %.1f per switch (%d switches, window block %s)\n", $sum / $sw, $sw, $k;
  my $i = 0; my $rest = 0;
  for my $fn (@fns) {
    if ($i++ < $top) { printf "  %-44s %9.1f\n", $fn, $t{$fn} / $sw; }
    else { $rest += $t{$fn}; }
  }
  printf "  %-44s %9.1f\n", "(other functions)", $rest / $sw if $rest;
  exit 0;
}
for my $r (@rows) {
  my ($row, $loopfn, $iters) = @$r;
  next unless $seen{$row};
  $iters = $irq_entries if $row eq "vtimer_latency" && $irq_entries;
  my $t = $acc{$row};
  my @fns = sort { $t->{$b} <=> $t->{$a} } grep { !($row eq "vtimer_latency" && $_ eq "guest:$loopfn") } keys %$t;
  my $sum = 0; $sum += $t->{$_} for @fns;
  printf "%s: %.1f per iteration (%d iterations%s)\n", $row, $sum / $iters, $iters,
    $row eq "vtimer_latency" ? ", timer_spin left out" : "";
  my $i = 0; my $rest = 0;
  for my $f (@fns) {
    if ($i++ < $top) { printf "  %-44s %9.1f\n", $f, $t->{$f} / $iters; }
    else { $rest += $t->{$f}; }
  }
  printf "  %-44s %9.1f\n", "(other functions)", $rest / $iters if $rest;
}
' "$work" "$top" "$prog"
grep -q "PASS $prog" "$work/console" || { cat "$work/console"; echo "trap-profile: the run failed"; exit 1; }
