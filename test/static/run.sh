#!/bin/sh
# SPDX-License-Identifier: MIT
# Static analysis of armvirt's own code (test/static/static.cmake: tests static.cppcheck and
# static.clang-tidy, label static; doc/static-analysis.md).
#
#   run.sh cppcheck|clang-tidy SRC_DIR WORK_DIR JOBS CONFIG=BUILD/compile_commands.json...
#
# CONFIG is host, linux or none (scripts/test.sh's build names). ARMVIRT_STATIC_PROGRAM
# names the tool's executable, PYTHON the python3 to run compdb.py with.
#
# Analyses lib/, ports/, examples/ and tools/ as the named builds compile them (each source
# once, in the first configuration that compiles it: test/static/compdb.py). Any finding
# fails; findings are suppressed only inline, with a reason (NOLINT(check) or
# cppcheck-suppress). Prints "PASS: static TOOL (N files)" when there is none.
set -eu

tool=$1 src=$2 work=$3 jobs=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
prog=${ARMVIRT_STATIC_PROGRAM:-$tool}

for db in "$@"; do
	if [ ! -f "${db#*=}" ]; then
		echo "FAIL: static $tool: ${db#*=} missing (configure that build again)"
		exit 1
	fi
done
mkdir -p "$work"
"${PYTHON:-python3}" "$here/compdb.py" "$src" "$work" "$@"
nfiles=$(wc -l <"$work/files.txt")
if [ "$nfiles" -eq 0 ]; then
	echo "FAIL: static $tool: no source file in the compile databases ($*)"
	exit 1
fi

case $tool in
cppcheck)
	# Checks: warning, style, performance, portability (doc/static-analysis.md). Excluded:
	# variableScope (a style preference: locals are declared at the top of a block, as
	# everywhere in the tree). The build directory keeps per-file results between runs
	# and enables the whole-program checks with -j.
	mkdir -p "$work/cppcheck-build"
	if ! "$prog" --project="$work/compile_commands.json" --cppcheck-build-dir="$work/cppcheck-build" \
		--library="$here/armvirt.cfg" --enable=warning,style,performance,portability \
		--suppress=variableScope --inline-suppr --error-exitcode=1 --quiet -j"$jobs" \
		--template='{file}:{line}:{column}: {severity}: {message} [{id}]'; then
		echo "FAIL: static cppcheck: findings above"
		exit 1
	fi
	;;
clang-tidy)
	# The check set is the top-level .clang-tidy; every warning is an error.
	if ! xargs -P"$jobs" -n4 "$prog" -p "$work" --quiet --warnings-as-errors='*' \
		<"$work/files.txt"; then
		echo "FAIL: static clang-tidy: findings above"
		exit 1
	fi
	;;
*)
	echo "FAIL: static: unknown tool $tool"
	exit 1
	;;
esac
echo "PASS: static $tool ($nfiles files)"
