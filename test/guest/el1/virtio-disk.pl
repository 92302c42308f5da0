#!/usr/bin/perl
# SPDX-License-Identifier: MIT
# The virtio guest program's test disk (test/guest/el1/virtio.c, doc/guest-tests.md): SECTORS
# sectors of 512 bytes; sector s holds "AVBLKSEC", s and SECTORS (32-bit little-endian),
# then byte i = (i + 7 s) & 0xff for i = 16 .. 511.
# usage: virtio-disk.pl OUTPUT [SECTORS]   (default 128 sectors, 64 KiB)
use strict;
use warnings;

my ($out, $n) = @ARGV;
die "usage: $0 OUTPUT [SECTORS]\n" unless defined $out;
$n //= 128;
die "$0: at least 64 sectors\n" if $n < 64;
open(my $fh, '>:raw', "$out.tmp") or die "$0: $out.tmp: $!\n";
for my $s (0 .. $n - 1) {
	print $fh pack('a8 V V', 'AVBLKSEC', $s, $n), pack('C*', map { ($_ + 7 * $s) & 0xff } 16 .. 511);
}
close($fh) or die "$0: $out.tmp: $!\n";
rename("$out.tmp", $out) or die "$0: $out: $!\n";
