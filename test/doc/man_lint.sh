#!/bin/sh
# Lints man pages: groff with every warning on (-ww), and mandoc -Tlint (warnings and
# errors) when it is installed. Any diagnostic fails.
# Usage: man_lint.sh PAGE.1...
set -eu
status=0
for page in "$@"; do
	out=$(LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$page" 2>&1) || status=1
	if [ -n "$out" ]; then
		printf '%s\n' "$out"
		status=1
	fi
	if command -v mandoc >/dev/null 2>&1; then
		out=$(mandoc -Tlint -W warning "$page" 2>&1) || status=1
		if [ -n "$out" ]; then
			printf '%s\n' "$out"
			status=1
		fi
	fi
	[ $status -eq 0 ] && echo "ok: $page"
done
[ $status -eq 0 ] && echo "PASS: man lint"
exit $status
