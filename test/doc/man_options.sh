#!/bin/sh
# Keeps a man page and its program's command line in step:
#  - every option in the program's usage text (and, for a C source, its option table
#    entries `{ "--name", ...`) appears in the man page;
#  - every option the man page's OPTIONS section documents is one the program has.
# Usage: man_options.sh PAGE.1 PROGRAM    runs PROGRAM --help for the usage text
#        man_options.sh PAGE.1 SOURCE.c   reads the `*_usage[] = "..." ;` string and the
#                                         option table from the source (a cross-built
#                                         program that cannot run here)
set -eu
page=$1
prog=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -x "$prog" ] && [ "${prog%.c}" = "$prog" ]; then
	"$prog" --help >"$tmp/usage"
else
	sed -n '/_usage\[\] =/,/;$/p' "$prog" >"$tmp/usage"
	grep -oE '\{ *"--?[a-z][a-z0-9-]*"' "$prog" | grep -oE '\-\-?[a-z][a-z0-9-]*' >>"$tmp/usage" || true
fi
[ -s "$tmp/usage" ] || { echo "FAIL: no usage text from $prog"; exit 1; }
# Option names: a dash after a non-word character (not "gicv3-its", "Ctrl-A").
options() {
	grep -oE '(^|[^A-Za-z0-9_-])--?[a-z][a-z0-9-]*' "$1" | sed -E 's/^[^-]*//' | sort -u
}
options "$tmp/usage" >"$tmp/prog-opts"
[ -s "$tmp/prog-opts" ] || { echo "FAIL: no options found in the usage text of $prog"; exit 1; }

# The page with roff's escaped minus (\-) as a plain dash and font escapes removed.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$page" >"$tmp/page"
# Tags of the OPTIONS section: the line after each .TP.
sed -n '/^\.SH OPTIONS/,/^\.SH /p' "$tmp/page" | awk 'tp { print; tp = 0 } /^\.TP/ { tp = 1 }' \
	>"$tmp/tags"
options "$tmp/tags" >"$tmp/page-opts"

status=0
while read -r opt; do
	if ! grep -qE -- "(^|[^A-Za-z0-9_-])$opt([^A-Za-z0-9_-]|\$)" "$tmp/tags"; then
		echo "FAIL: $opt is in $prog's usage but not in the OPTIONS of $page"
		status=1
	fi
done <"$tmp/prog-opts"
while read -r opt; do
	if ! grep -qx -- "$opt" "$tmp/prog-opts"; then
		echo "FAIL: $page documents $opt, which $prog does not have"
		status=1
	fi
done <"$tmp/page-opts"
[ $status -eq 0 ] && echo "PASS: man options $(basename "$page"): $(tr '\n' ' ' <"$tmp/prog-opts")"
exit $status
