#!/usr/bin/env bash
# Crash and fault safety on both databases (see fault.py for what is counted):
#   fault.sh BIN SCRATCH [small|full] [REPORT.md]
# small (CI): 20 × kill -9 on SQLite, 20 × kill -9 and 5 PostgreSQL restarts on PostgreSQL, a few
# villages and writers (about 2–3 minutes on 2 cores). full (bench/fault): 217 villages, 32
# writers, 25 kills each, 10 PostgreSQL restarts. PostgreSQL is a throwaway cluster of its own
# (port $MUSRENBANG_FAULT_PG_PORT, default 25477), so restarting it disturbs nothing else.
set -euo pipefail
bin=$1 scratch=$2 size=${3:-small} out=${4:-}
here=$(cd "$(dirname "$0")" && pwd)
case $size in
  small) common=(--villages 4 --floor-villages 2 --citizens 4 --workers 6 --kill-every 0.3 1.0); kills=20; restarts=5 ;;
  full)  common=(--villages 217 --floor-villages 8 --citizens 60 --workers 32 --kill-every 1.0 4.0); kills=25; restarts=10 ;;
  *) echo "size is small or full" >&2; exit 2 ;;
esac
report=()
[ -n "$out" ] && report=(--out "$out")
pg_dir="$scratch/pg"
cleanup() { "$here/pg-throwaway.sh" stop "$pg_dir" >/dev/null 2>&1 || true; }
trap cleanup EXIT
mkdir -p "$scratch"; chmod 755 "$scratch"
status=0
python3 "$here/fault.py" --bin "$bin" --database sqlite --work "$scratch/sqlite" --port 18421 --kills "$kills" \
  "${common[@]}" --label "SQLite" "${report[@]}" || status=1
pg_url=$("$here/pg-throwaway.sh" start "$pg_dir" "${MUSRENBANG_FAULT_PG_PORT:-25477}")
python3 "$here/fault.py" --bin "$bin" --database postgres --pg-url "$pg_url" --pg-dir "$pg_dir" --work "$scratch/postgres" \
  --port 18422 --kills "$kills" --pg-restarts "$restarts" "${common[@]}" --label "PostgreSQL" "${report[@]}" || status=1
exit $status
