#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests: 127.0.0.1 only, trust auth, deleted on stop.
#   pg-throwaway.sh start DIR PORT      → prints the DATABASE_URL (database "postgres")
#   pg-throwaway.sh database PORT NAME  → creates database NAME on that cluster, prints its URL
#     (callers assign and export in two steps: `export X=$(…)` would hide a failure from set -e)
#   pg-throwaway.sh stop DIR
# The project's fixed ports (this one, the benches' 25494–25498, fault's 25477, servers' 18xxx) sit
# below Linux's ephemeral range (32768–60999): a port in it can be held for a moment by any
# outgoing connection, and a cluster failed to start so ("Address already in use", 1 December).
set -euo pipefail
action=$1 dir=$2 port=${3:-25429}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "PostgreSQL server binaries not found" >&2; exit 1; }
as_pg() { if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi; }
url() { echo "postgres://musrenbang@127.0.0.1:$1/$2?tlsmode=disable"; }
case $action in
start)
  rm -rf "$dir"; mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
  as_pg "'$bin/initdb' -D '$dir/data' -A trust -U musrenbang -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log' 2>&1" \
    || { cat "$dir/initdb.log" >&2; exit 1; }
  as_pg "'$bin/pg_ctl' -D '$dir/data' -l '$dir/server.log' -w -t 60 \
    -o \"-p $port -k '$dir' -c listen_addresses=127.0.0.1 -c max_connections=300 -c fsync=off -c synchronous_commit=off -c full_page_writes=off\" start >/dev/null" \
    || { cat "$dir/server.log" >&2; exit 1; }
  url "$port" postgres
  ;;
database)
  port=$2 name=$3
  psql -h 127.0.0.1 -p "$port" -U musrenbang -d postgres -qc "CREATE DATABASE \"$name\"" >/dev/null
  url "$port" "$name"
  ;;
stop)
  [ -d "$dir/data" ] && as_pg "'$bin/pg_ctl' -D '$dir/data' -m fast -w stop >/dev/null 2>&1" || true
  rm -rf "$dir"
  ;;
esac
