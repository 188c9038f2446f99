#!/usr/bin/env bash
# Where the WAL of a saga goes, per table (`npm run bench:wal`, docs/BENCHMARKS.md): runs the
# saga bench (default: the coordinator alone at 250/s), copies the WAL segments out of the
# server's pg_wal while they are written, then sums the records pg_waldump finds between the
# run's first and last position per relation, indexes counted with their table, per saga.
# Needs the Postgres server on this machine and a user who can read its pg_wal (root or
# postgres). The bench's settings apply (SYSTEMS, RATES, STEP_SECONDS, ...); the profile counts
# the database of the run's first system, warm-up included.
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$repo_root"
source scripts/local-services.sh

export SYSTEMS="${SYSTEMS:-coordinator}" RATES="${RATES:-250}"
psql_admin() { psql "$DATABASE_URL" -X -Atc "$1"; }
data_dir=$(psql_admin 'SHOW data_directory')
bindir=$(psql_admin "SELECT setting FROM pg_config WHERE name = 'BINDIR'" 2>/dev/null || true)
waldump="$bindir/pg_waldump"
[ -x "$waldump" ] || waldump=$(command -v pg_waldump || true)
[ -x "$waldump" ] || { echo "pg_waldump not found (the server's bin directory: ${bindir:-unknown})" >&2; exit 1; }
[ -r "$data_dir/pg_wal" ] || { echo "cannot read $data_dir/pg_wal: run as root or postgres" >&2; exit 1; }
# Databases of earlier runs (an aborted one leaves its own) are not this run's.
earlier=$(psql_admin "SELECT string_agg(quote_literal(datname), ',') FROM pg_database WHERE datname LIKE 'bench\_%'")

work=$(mktemp -d)
# The bench writes its tables into docs/BENCHMARKS.md: a profile is not a run to report.
cp docs/BENCHMARKS.md "$work.doc"
trap '[ -z "${copier:-}" ] || kill "$copier" 2>/dev/null || true; mv "$work.doc" docs/BENCHMARKS.md; rm -rf "$work"' EXIT
mkdir "$work/wal"

# While the run's database exists: its relations (index -> table) and its saga count; the WAL
# position when it first appears and the last one seen; the segments written since, copied
# again while they may still grow.
watch_run() {
  local first='' previous='' current name='' found schema
  while true; do
    if [ -z "$name" ]; then
      name=$(psql_admin "SELECT datname FROM pg_database WHERE datname LIKE 'bench\_%'
        ${earlier:+AND datname NOT IN ($earlier)} ORDER BY oid LIMIT 1")
      [ -z "$name" ] || psql_admin "SELECT oid FROM pg_database WHERE datname = '$name'" >"$work/database"
    fi
    found=$(psql_admin "SELECT count(*) FROM pg_database WHERE datname = '$name'")
    if [ -n "$name" ] && [ "$found" = 1 ]; then
      current=$(psql_admin 'SELECT pg_walfile_name(pg_current_wal_insert_lsn())')
      [ -n "$first" ] || { first=$current; psql_admin 'SELECT pg_current_wal_insert_lsn()' >"$work/start"; }
      psql_admin 'SELECT pg_current_wal_insert_lsn()' >"$work/end"
      local url="${DATABASE_URL%/*}/$name"
      psql "$url" -X -At -F ' ' -c "SELECT c.relfilenode, coalesce(t.relname, c.relname)
          FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
          LEFT JOIN pg_class t ON t.oid = i.indrelid WHERE c.relfilenode <> 0" \
        >"$work/relations.new" 2>/dev/null && mv "$work/relations.new" "$work/relations"
      schema=$(psql "$url" -X -Atc "SELECT table_schema FROM information_schema.tables WHERE table_name = 'sagas' LIMIT 1" 2>/dev/null || true)
      if [ -n "$schema" ] &&
        psql "$url" -X -Atc "SELECT count(*) FROM \"$schema\".sagas" >"$work/sagas.new" 2>/dev/null; then
        mv "$work/sagas.new" "$work/sagas"
      fi
      for segment in "$data_dir"/pg_wal/[0-9A-F]*; do
        local base=${segment##*/}
        [[ ${#base} -eq 24 && ! "$base" < "$first" && ! "$base" > "$current" ]] || continue
        if [[ "$base" == "$current" || "$base" == "$previous" || ! -e "$work/wal/$base" ]]; then
          cp "$segment" "$work/wal/" 2>/dev/null || true
        fi
      done
      [ "$current" == "${last:-}" ] || previous=${last:-}
      last=$current
    elif [ -n "$first" ]; then
      break
    fi
    sleep 0.5
  done
}
watch_run &
copier=$!

npm run --silent build
node dist/bench/saga-bench/run-bench.js
wait "$copier" || true

sagas=$(cat "$work/sagas")
echo "WAL per saga by table, $sagas sagas ($SYSTEMS at $RATES/s, warm-up included):"
"$waldump" -p "$work/wal" -s "$(cat "$work/start")" -e "$(cat "$work/end")" 2>"$work/waldump.err" |
  awk -v sagas="$sagas" -v relations="$work/relations" -v database="$(cat "$work/database")" '
    BEGIN { while ((getline line < relations) > 0) { split(line, f, " "); table[f[1]] = f[2] } }
    {
      size = 0
      if (match($0, /len \(rec\/tot\): +[0-9]+\/ *[0-9]+/)) { split(substr($0, RSTART, RLENGTH), p, "/"); size = p[3] + 0 }
      name = "(no relation: commits, ...)"
      if (match($0, /rel [0-9]+\/[0-9]+\/[0-9]+/)) {
        split(substr($0, RSTART + 4, RLENGTH - 4), r, "/")
        name = (r[2] == database && r[3] in table) ? table[r[3]] : "(other relations)"
      }
      bytes[name] += size; records[name]++; total += size; count++
    }
    END {
      for (name in bytes) if (bytes[name] / sagas >= 0.5) printf "%8.0f B %6.1f records  %5.1f %%  %s\n", bytes[name] / sagas, records[name] / sagas, 100 * bytes[name] / total, name
      printf "%8.0f B %6.1f records          in all\n", total / sagas, count / sagas
    }' | sort -rn
[ ! -s "$work/waldump.err" ] || { echo "pg_waldump: $(cat "$work/waldump.err")" >&2; exit 1; }
