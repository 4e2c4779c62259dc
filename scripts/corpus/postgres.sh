#!/usr/bin/env bash
# PostgreSQL shared buffers under pgbench: 8 images of the postmaster's shared memory (shared_buffers
# 64MB: the one large rw-s mapping), one second apart, while pgbench runs TPC-B-like transactions
# on a scale-8 database (about 128 MB, twice the buffers, so pages are also evicted and read back).
# Usage: scripts/corpus/postgres.sh OUT_DIR      (Debian: postgresql-15; run as root)
set -euo pipefail
out=${1:?usage: postgres.sh OUT_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
work=$(mktemp -d /tmp/hde-corpus-pg.XXXXXX)
chown postgres "$work"
port=${PGPORT_CORPUS:-54329}
pg() { runuser -u postgres -- "$@"; }
cleanup() { pg "$bin/pg_ctl" -D "$work/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
pg "$bin/initdb" -D "$work/data" -A trust -U postgres >/dev/null
pg "$bin/pg_ctl" -D "$work/data" -l "$work/log" -w \
  -o "-p $port -k $work -c shared_buffers=64MB -c huge_pages=off -c listen_addresses='' -c fsync=off" start >/dev/null
pg "$bin/pgbench" -h "$work" -p "$port" -i -s 8 -q postgres 2>/dev/null
pg "$bin/pgbench" -h "$work" -p "$port" -c 4 -j 2 -T 40 postgres >"$work/pgbench.out" 2>&1 &
bench=$!
sleep 5
pid=$(head -1 "$work/data/postmaster.pid")
python3 "$here/capture.py" --pid "$pid" --out "$out" --images 8 --interval 1 --perms 'rw-s' --min-size 32M
kill "$bench" 2>/dev/null || true; wait "$bench" 2>/dev/null || true
echo "postgres.sh: $(ls "$out"/*.bin | wc -l) images of $(stat -c %s "$out/000.bin") bytes in $out"
