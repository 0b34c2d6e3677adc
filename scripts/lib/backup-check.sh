#!/usr/bin/env bash
# The backup commands as an administrator uses them, against a running server:
#   backup-check.sh SCRATCH DATA_DIR BIN SIMULATE-ARGS…
# 1. `backup --to-dir --keep` while `simulate` writes through the server; `restore --check`.
# 2. restore into a fresh SQLite data directory, into PostgreSQL (MUSRENBANG_TEST_POSTGRES_URL),
#    back up from PostgreSQL and restore into SQLite again: the same rows per table each time.
# 3. refusals: a non-empty target, a truncated archive (the target stays untouched), a full disk
#    (a 512 KiB tmpfs; no file is left behind).
set -euo pipefail
scratch=$1 data=$2 bin=$3; shift 3
work="$scratch/backup-check"; rm -rf "$work"; mkdir -p "$work/backups"
fail() { echo "backup-check: $*" >&2; exit 1; }
counts() { grep -E '^  [a-z_]+: [0-9]+ rows$' "$1" | sort; }

"$bin" simulate "$@" --villages 3 --citizens 40 --proposals 10 --listeners 1 --supporters 4 >"$work/simulate.log" 2>&1 &
sim_pid=$!
sleep 2
MUSRENBANG_DATA_DIR="$data" "$bin" backup --to-dir "$work/backups" --keep 2 --log-level warning | tee "$work/backup.log"
kill -0 "$sim_pid" 2>/dev/null && echo "(the simulation was still writing when the backup finished)"
wait "$sim_pid" || { cat "$work/simulate.log"; fail "the simulation failed while the backup ran"; }
MUSRENBANG_DATA_DIR="$data" "$bin" backup --to-dir "$work/backups" --keep 2 --log-level warning >/dev/null
MUSRENBANG_DATA_DIR="$data" "$bin" backup --to-dir "$work/backups" --keep 2 --log-level warning | grep -q "removed old backup" \
  || fail "--keep 2 removed nothing after the third backup"
[ "$(ls "$work/backups" | wc -l)" = 2 ] || fail "retention: $(ls "$work/backups")"
archive=$(ls "$work/backups"/musrenbang-*.zip | head -n 1)
"$bin" restore --check "$archive"

MUSRENBANG_DATA_DIR="$work/sqlite" "$bin" restore "$archive" --log-level warning | tee "$work/restore-sqlite.log"
cmp "$data/secret.key" "$work/sqlite/secret.key" || fail "the secret differs after the restore"
if [ -n "${MUSRENBANG_TEST_POSTGRES_URL:-}" ]; then
  psql "${MUSRENBANG_TEST_POSTGRES_URL%%\?*}" -qc "DROP DATABASE IF EXISTS backup_check" -c "CREATE DATABASE backup_check"
  pg_url=$(echo "$MUSRENBANG_TEST_POSTGRES_URL" | sed 's#/postgres?#/backup_check?#')
  DATABASE_URL=$pg_url MUSRENBANG_DATA_DIR="$work/pg" "$bin" restore "$archive" --log-level warning | tee "$work/restore-pg.log"
  DATABASE_URL=$pg_url MUSRENBANG_DATA_DIR="$work/pg" "$bin" backup "$work/from-pg.zip" --log-level warning
  MUSRENBANG_DATA_DIR="$work/back" "$bin" restore "$work/from-pg.zip" --log-level warning | tee "$work/restore-back.log"
  diff <(counts "$work/restore-sqlite.log") <(counts "$work/restore-pg.log") || fail "PostgreSQL's counts differ"
  diff <(counts "$work/restore-sqlite.log") <(counts "$work/restore-back.log") || fail "the round trip's counts differ"
  # A database with data is refused, unless --force.
  if DATABASE_URL=$pg_url MUSRENBANG_DATA_DIR="$work/pg" "$bin" restore "$archive" >"$work/refused.log" 2>&1; then fail "restored over data"; fi
  grep -q "already holds data" "$work/refused.log" || { cat "$work/refused.log"; fail "no reason given"; }
  DATABASE_URL=$pg_url MUSRENBANG_DATA_DIR="$work/pg" "$bin" restore "$archive" --force --log-level warning >/dev/null
  psql "${MUSRENBANG_TEST_POSTGRES_URL%%\?*}" -qc "DROP DATABASE backup_check WITH (FORCE)"
fi
[ "$(counts "$work/restore-sqlite.log" | wc -l)" -gt 20 ] || fail "the restore listed too few tables"

# A truncated archive: refused with the reason, the target not even created.
head -c "$(( $(stat -c %s "$archive") / 2 ))" "$archive" > "$work/cut.zip"
if MUSRENBANG_DATA_DIR="$work/cut" "$bin" restore "$work/cut.zip" >"$work/cut.log" 2>&1; then fail "a truncated archive was restored"; fi
grep -q "cannot be read" "$work/cut.log" || { cat "$work/cut.log"; fail "no reason for the truncated archive"; }
[ ! -e "$work/cut" ] || fail "the refused restore left $work/cut behind"

# A full disk: a clear error, and nothing that looks like a backup.
mkdir -p "$work/full"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=512k tmpfs "$work/full" 2>/dev/null; then
  if MUSRENBANG_DATA_DIR="$data" "$bin" backup "$work/full/backup.zip" >"$work/full.log" 2>&1; then umount "$work/full"; fail "a backup fitted into 512 KiB"; fi
  left=$(ls -A "$work/full"); umount "$work/full"
  grep -q "no space left" "$work/full.log" || { cat "$work/full.log"; fail "the full disk was not named"; }
  [ -z "$left" ] || fail "a failed backup left: $left"
  echo "full disk: $(grep -o 'backup failed.*' "$work/full.log" | cut -c1-160)…"
else
  echo "SKIPPED the full-disk check: mounting a small tmpfs needs root with CAP_SYS_ADMIN here"
fi
echo "backup-check: all good"
