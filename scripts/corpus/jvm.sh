#!/usr/bin/env bash
# A JVM heap under allocation churn (Churn.java: a session cache updated at random plus short-lived
# garbage; G1, 128 MB heap): 8 images of the heap mapping, one second apart, after 10 s of warm-up.
# Usage: scripts/corpus/jvm.sh OUT_DIR     (needs java 17+ on the PATH; run as root or the same user)
set -euo pipefail
out=${1:?usage: jvm.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
java -Xms128m -Xmx128m -XX:+UseG1GC "$here/Churn.java" &
pid=$!
trap 'kill $pid 2>/dev/null || true; wait $pid 2>/dev/null || true' EXIT
sleep 10
# The Java heap: the one anonymous rw-p mapping of the heap's size (reserved and committed at -Xms).
python3 "$here/capture.py" --pid "$pid" --out "$out" --images 8 --interval 1 --perms 'rw-p' --min-size 100M --max-size 200M
echo "jvm.sh: $(ls "$out"/*.bin | wc -l) images of $(stat -c %s "$out/000.bin") bytes in $out"
