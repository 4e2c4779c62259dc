#!/usr/bin/env bash
# What the general-purpose delta tools send for a directory of successive images NNN.bin: summed over
# every transition (image i-1 -> i), the bytes of xdelta3 -9 and zstd -3 / -19 --patch-from, each
# given the previous image as its source, and the seconds each took (one core, whole process).
# Prints a table and, last, one JSON line. Needs Debian's xdelta3 and zstd.
# Usage: scripts/corpus/general-tools.sh DIR [TOOLS...]   (TOOLS default: xdelta3-9 zstd-3 zstd-19)
set -euo pipefail
dir=${1:?usage: general-tools.sh DIR [xdelta3-9|zstd-3|zstd-19 ...]}
shift
tools=("$@")
[ ${#tools[@]} -gt 0 ] || tools=(xdelta3-9 zstd-3 zstd-19)
tmp=$(mktemp -d /tmp/hde-tools.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
images=("$dir"/[0-9][0-9][0-9].bin)
n=${#images[@]}
[ "$n" -ge 2 ] || { echo "general-tools.sh: need at least two images NNN.bin in $dir" >&2; exit 2; }
size=$(stat -c %s "${images[0]}")
wlog=$(python3 -c "import math; print(max(20, math.ceil(math.log2($size)) + 1))")
json="{\"dir\":\"$dir\",\"transitions\":$((n-1))"
printf '%-10s %14s %9s\n' tool bytes seconds
for t in "${tools[@]}"; do
  bytes=0
  start=$(date +%s.%N)
  for ((i = 1; i < n; i++)); do
    prev=${images[i-1]} cur=${images[i]}
    case $t in
      xdelta3-9) xdelta3 -9 -e -f -s "$prev" "$cur" "$tmp/d" ;;
      zstd-*) zstd -q -f "-${t#zstd-}" --long=$wlog --patch-from="$prev" "$cur" -o "$tmp/d" ;;
      *) echo "unknown tool $t" >&2; exit 2 ;;
    esac
    bytes=$((bytes + $(stat -c %s "$tmp/d")))
  done
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  printf '%-10s %14s %9.1f\n' "$t" "$(printf "%'d" $bytes)" "$secs"
  json="$json,\"$t\":$bytes,\"$t-seconds\":$(printf %.1f "$secs")"
done
echo "$json}"
