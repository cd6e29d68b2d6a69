#!/usr/bin/env bash
# Strips a built duban the way dh_strip does and keeps its debug symbols apart:
#
#     packaging/strip.sh BINARY OUTDIR     # → OUTDIR/duban and OUTDIR/duban.debug
#
# OUTDIR/duban carries a .gnu_debuglink to "duban.debug", so gdb and coredumpctl find
# the symbols installed as /usr/lib/debug/PATH-OF-THE-BINARY.debug. The release build
# is about 143 MB with its symbols, 77 MB without (November 2026).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 BINARY OUTDIR" >&2; exit 64; }
binary=$1 out=$2
mkdir -p "$out"
cp "$binary" "$out/duban"
objcopy --only-keep-debug --compress-debug-sections "$out/duban" "$out/duban.debug"
chmod 0644 "$out/duban.debug"
strip --remove-section=.comment --remove-section=.note --strip-unneeded "$out/duban"
objcopy --add-gnu-debuglink="$out/duban.debug" "$out/duban"
