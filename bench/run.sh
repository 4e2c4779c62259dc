#!/usr/bin/env bash
# All codec benchmarks in one command (about 8 minutes on 2 cores): builds the bench module and
# what it needs, runs every JMH benchmark of CodecBench, then prints and writes the summary tables
# (bytes on the wire next to encode/decode MB/s, seed algorithm and plain codecs in the same run).
#
#   bench/run.sh                                   # everything
#   bench/run.sh -p data=redis -p setting=xor+lz4,seed   # a subset (any extra JMH options)
#   bench/run.sh -p data=redis -p setting=xbzrle+zstd-19,dict+zstd-18   # the slow max-ratio settings
#
# Environment:
#   HDE_TRACE_DIR  the redis trace (default: ../shared/traces/redis-22m beside the checkout)
#   JMH_OPTS       forks and iterations (default: -f 1 -wi 2 -w 1s -i 3 -r 1s)
#   BENCH          benchmark regex (default: dev.hde.bench.CodecBench; e.g. CodecBench.encode)
#   MVN_FLAGS      extra Maven flags (e.g. -o to stay offline)
#
# Output in bench/target/: jmh-result.json (JMH JSON), jmh-result.txt (console), summary.md (tables).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
trace=${HDE_TRACE_DIR:-$root/../shared/traces/redis-22m}
out=bench/target

./mvnw -B -q ${MVN_FLAGS-} -pl bench -am package -DskipTests

# shellcheck disable=SC2086 # JMH_OPTS is a list of options
java -Xmx2g -Dhde.trace.dir="$trace" -Dhde.bench.summary="$out/summary.md" \
    -cp "$out/benchmarks.jar" dev.hde.bench.RunAll "${BENCH:-dev.hde.bench.CodecBench}" \
    ${JMH_OPTS:--f 1 -wi 2 -w 1s -i 3 -r 1s} -rf json -rff "$out/jmh-result.json" "$@" \
    | tee "$out/jmh-result.txt"
