#!/bin/sh
# Check the system-register name table against aarch64-linux-gnu-as: every name the assembler
# knows must encode, as MRS, to the table's key (for a write-only register the assembler only
# warns that it cannot be read, and still encodes it).
# Usage: asm_check.sh SYSREG_ASM_BINARY WORK_DIR
set -eu
tool=$1
work=$2
as=${AARCH64_AS:-aarch64-linux-gnu-as}
objcopy=${AARCH64_OBJCOPY:-aarch64-linux-gnu-objcopy}
march=armv9.3-a+sme+sve2+memtag+ls64+tme+profile+rng
mkdir -p "$work"
cd "$work"

"$tool" list >all.txt
total=$(wc -l <all.txt)

# Assemble everything once, drop the lines the assembler rejects (names it does not know), and
# assemble the rest again.
while read -r n; do printf '\tmrs x0, %s\n' "$n"; done <all.txt >mrs.s
"$as" -march=$march mrs.s -o mrs.o 2>mrs.err || true
sed -n 's/^[^:]*:\([0-9][0-9]*\): Error:.*/\1/p' mrs.err >bad.lines
awk 'NR==FNR { bad[$1] = 1; next } !(FNR in bad)' bad.lines all.txt >known.txt
awk 'NR==FNR { bad[$1] = 1; next } (FNR in bad)' bad.lines all.txt >unknown.txt
while read -r n; do printf '\tmrs x0, %s\n' "$n"; done <known.txt >mrs.s
"$as" -march=$march mrs.s -o mrs.o 2>/dev/null
"$objcopy" -O binary -j .text mrs.o mrs.bin
"$tool" check known.txt mrs.bin
checked=$(wc -l <known.txt)
unknown=$(wc -l <unknown.txt)
echo "sysreg_asm: $checked of $total table names assembled and matched; $unknown unknown to this assembler:"
tr '\n' ' ' <unknown.txt; echo
# The table must stay mostly checkable: at most a few names newer than binutils.
[ "$unknown" -le 24 ]
