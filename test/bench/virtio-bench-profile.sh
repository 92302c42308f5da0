#!/usr/bin/env bash
# Attribute the profiles of a test/bench/virtio-bench.sh --profile run to functions: each
# region's PROF lines (instructions per translation-block address, from
# insn_count_plugin.c) are looked up in
#   - the Debian kernel's symbols (a /proc/kallsyms taken once from a plain QEMU boot,
#     rebased by each kernel's _stext: the guest's from VBENCH-TEXT, the host's in nested KVM
#     from VBENCH-OUTER-TEXT; guest modules by /proc/modules ranges),
#   - armvirt-vmm (vmm) or the armvirt-bm ELF image (bm), and vbench (linked at 0x10000000).
# User addresses of static programs overlap (busybox and armvirt-vmm both start at 0x400000):
# a block is given to armvirt-vmm only if its first instruction matches the binary's bytes.
#
# usage: virtio-bench-profile.sh WORK MODE KALLSYMS [ELF] [TOP]
#   ELF: armvirt-vmm (vmm) or the hypervisor's .elf (bm); TOP: lines per test (default 15)
# Environment: PROFILE_GUEST_ELF, a bare-metal guest's ELF (e.g. test/kvm/guest's bench):
#   blocks matching its bytes are given to it ("guest program", names "l2:FUNCTION").
set -uo pipefail
work=$1 mode=$2 ksyms=$3 elf=${4:-} top=${5:-15}
nm=${AARCH64_NM:-aarch64-linux-gnu-nm}
readelf=${AARCH64_READELF:-aarch64-linux-gnu-readelf}
[ -s "$ksyms" ] || { echo "virtio-bench-profile: missing $ksyms" >&2; exit 1; }
syms="$work/elf-syms.txt"
: >"$syms"
segs="$work/elf-segs.txt"
: >"$segs"
if [ -n "$elf" ] && [ -s "$elf" ]; then
  "$nm" -n --defined-only "$elf" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' >"$syms"
  "$readelf" -lW "$elf" | awk '$1 == "LOAD" { print $2, $3, $5 }' >"$segs"
fi
gsyms="$work/guest-syms.txt" gsegs="$work/guest-segs.txt"
: >"$gsyms"
: >"$gsegs"
if [ -n "${PROFILE_GUEST_ELF:-}" ] && [ -s "$PROFILE_GUEST_ELF" ]; then
  "$nm" -n --defined-only "$PROFILE_GUEST_ELF" | awk '$2 ~ /^[tTwW]$/ { print $1, $3 }' >"$gsyms"
  "$readelf" -lW "$PROFILE_GUEST_ELF" | awk '$1 == "LOAD" { print $2, $3, $5 }' >"$gsegs"
fi
"$nm" -n --defined-only "$work/vbench" | awk '$2 ~ /^[tTwW]$/ { print $1, "vbench:" $3 }' >"$work/vbench-syms.txt"

perl -e '
use strict; use warnings; no warnings "portable";
my ($work, $mode, $ksyms, $elf, $top) = @ARGV;
my $tag = $mode eq "vmm" ? "vmm" : "hyp";
sub load_syms { my ($f, $pfx) = @_; my @s;
  open(my $h, "<", $f) or return [];
  while (<$h>) { my ($a, $n) = split; push @s, [hex($a), $pfx . $n]; }
  return [sort { $a->[0] <=> $b->[0] } @s]; }
sub lookup { my ($s, $a) = @_; my ($lo, $hi) = (0, $#$s); return undef if $hi < 0 || $a < $s->[0][0];
  while ($lo < $hi) { my $m = int(($lo + $hi + 1) / 2); if ($s->[$m][0] <= $a) { $lo = $m } else { $hi = $m - 1 } }
  return $s->[$lo][1]; }
# kernel symbols as offsets from _stext
my (@k, $ktext, $kend);
open(my $kh, "<", $ksyms) or die;
while (<$kh>) { next if /\[/; my ($a, $t, $n) = split; my $v = hex($a);
  $kend = $v if $n eq "_etext"; next unless $t =~ /^[tT]$/;
  $ktext = $v if $n eq "_stext"; push @k, [$v, $n]; }
die "no _stext in $ksyms\n" unless defined $ktext;
$kend //= $k[-1][0];
my $ksz = $kend - $ktext;
@k = map { [$_->[0] - $ktext, $_->[1]] } sort { $a->[0] <=> $b->[0] } grep { $_->[0] >= $ktext } @k;
my $elfs = load_syms("$work/elf-syms.txt", "$tag:");
my $vbs = load_syms("$work/vbench-syms.txt", "");
my @segs; if (open(my $sh, "<", "$work/elf-segs.txt")) { while (<$sh>) { my ($o, $v, $f) = split; push @segs, [hex($o), hex($v), hex($f)]; } }
sub load_segs { my ($f) = @_; my @g; if (open(my $sh, "<", $f)) { while (<$sh>) { my ($o, $v, $z) = split; push @g, [hex($o), hex($v), hex($z)]; } } return \@g; }
sub slurp { my ($f) = @_; return "" unless $f && -s $f; open(my $eh, "<:raw", $f); local $/; return <$eh>; }
my $elfdata = slurp($elf);
sub seg_word { my ($sg, $data, $a) = @_; for my $s (@$sg) { if ($a >= $s->[1] && $a + 4 <= $s->[1] + $s->[2]) {
  return unpack("V", substr($data, $s->[0] + $a - $s->[1], 4)); } } return undef; }
sub elf_word { return seg_word(\@segs, $elfdata, $_[0]); }
my $gsy = load_syms("$work/guest-syms.txt", "l2:");
my $gsg = load_segs("$work/guest-segs.txt");
my $gdata = slurp($ENV{PROFILE_GUEST_ELF});
# the run: the _stext of each kernel, guest modules, labels of the marks
my ($gtext, $htext, @mods);
open(my $lh, "<", "$work/run.log") or die;
my $inmods = 0;
while (<$lh>) {
  $gtext = hex($1) if /VBENCH-TEXT: ([0-9a-f]+) /;
  $htext = hex($1) if /VBENCH-OUTER-TEXT: ([0-9a-f]+) /;
  if (/VBENCH-MODULES-BEGIN/) { $inmods = 1; next } if (/VBENCH-MODULES-END/) { $inmods = 0; next }
  if ($inmods && /(\S+) (\d+) \d+ \S+ \S+ 0x([0-9a-f]+)/) { push @mods, [hex($3), $2, $1]; }
}
my @labels; open(my $mh, "<", "$work/marks.txt") or die; while (<$mh>) { push @labels, (split)[0]; }
my (%sum, %cat, %runs);
open(my $ph, "<", "$work/plugin.txt") or die;
while (<$ph>) {
  next unless /^PROF (\d+) ([0-9a-f]+) ([0-9a-f]+) (\d+)/;
  my ($seq, $a, $w, $n) = ($1, hex($2), hex($3), $4);
  my $label = $labels[$seq] // "seq$seq"; $label =~ s/\.\d+\.stop$//;
  my ($name, $c);
  if ($a >= 0xffff000000000000) {
    my $g = defined $gtext && $a >= $gtext && $a - $gtext < $ksz;
    my $h = defined $htext && $a >= $htext && $a - $htext < $ksz;
    if ($g && !$h) { $c = "guest kernel"; $name = "guest:" . (lookup(\@k, $a - $gtext) // "?"); }
    elsif ($h && !$g) { $c = "host kernel"; $name = "host:" . (lookup(\@k, $a - $htext) // "?"); }
    elsif ($g) { $c = "kernel (guest or host)"; $name = "kernel:" . (lookup(\@k, $a - $gtext) // "?"); }
    else { for my $m (@mods) { if ($a >= $m->[0] && $a < $m->[0] + $m->[1]) { $name = "guest:[" . $m->[2] . "]"; $c = "guest kernel"; last } }
      $name //= "kernel:?"; $c //= "other kernel"; }
  } else {
    my $ew = elf_word($a);
    if (defined $ew && $ew == $w) { $name = lookup($elfs, $a) // "$tag:?"; $c = $tag eq "vmm" ? "armvirt-vmm" : "armvirt-bm (EL2)"; }
    elsif (@$gsg && (seg_word($gsg, $gdata, $a) // -1) == $w) { $name = lookup($gsy, $a) // "l2:?"; $c = "guest program"; }
    elsif ($a >= 0x10000000 && $a < 0x20000000) { $name = lookup($vbs, $a) // "vbench:?"; $c = "user (vbench)"; }
    else { $name = "user:busybox/other"; $c = "user (busybox, other)"; }
  }
  $sum{$label}{$name} += $n; $cat{$label}{$c} += $n; $runs{$label}{$seq} = 1;
}
for my $t (sort keys %sum) {
  my $r = scalar keys %{$runs{$t}}; my $tot = 0; $tot += $_ for values %{$sum{$t}};
  printf "profile %s (%d run(s); instructions per run; %.0f in blocks):\n", $t, $r, $tot / $r;
  for my $c (sort { $cat{$t}{$b} <=> $cat{$t}{$a} } keys %{$cat{$t}}) {
    printf "  %-28s %12.0f %5.1f %%\n", $c, $cat{$t}{$c} / $r, 100 * $cat{$t}{$c} / $tot; }
  my @s = sort { $sum{$t}{$b} <=> $sum{$t}{$a} } keys %{$sum{$t}};
  splice(@s, $top) if @s > $top;
  printf "    %-50s %12.0f %5.1f %%\n", $_, $sum{$t}{$_} / $r, 100 * $sum{$t}{$_} / $tot for @s;
}
' "$work" "$mode" "$ksyms" "$elf" "$top"
