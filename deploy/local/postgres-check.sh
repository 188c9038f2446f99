#!/usr/bin/env bash
# Checks that PostgreSQL answers at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test):
# pg_isready, then `select 1` through psql when psql is installed. Never hangs (5s caps).
# Contract: exit 0 = the database accepts queries; exit 1 = it does not, and the message says
# what is missing and how to get it. Starts nothing itself.
set -euo pipefail

url="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
export PGCONNECT_TIMEOUT=5
# For messages only: the URL without its password.
shown="$url"
if [[ "$url" =~ ^([^:]+://[^:@/]*):[^@/]*@(.*)$ ]]; then
  shown="${BASH_REMATCH[1]}:***@${BASH_REMATCH[2]}"
fi

if ! command -v pg_isready >/dev/null; then
  echo "postgres-check: pg_isready not found. Install the client tools (Debian:" \
    "apt-get install postgresql-client) or a local server (apt-get install postgresql)." >&2
  exit 1
fi

if ! out="$(timeout 10 pg_isready -d "$url" -t 5 2>&1)"; then
  echo "postgres-check: PostgreSQL does not answer at $shown: $out" >&2
  if command -v pg_lsclusters >/dev/null && [[ -n "$(pg_lsclusters -h 2>/dev/null)" ]]; then
    echo "Local clusters are installed; start one with:" >&2
    pg_lsclusters -h | while read -r ver name port status _; do
      echo "  pg_ctlcluster --skip-systemctl-redirect $ver $name start   # port $port, $status" >&2
    done
  else
    echo "No local cluster found: apt-get install postgresql (Debian), or point DATABASE_URL" \
      "at a running server." >&2
  fi
  exit 1
fi

if command -v psql >/dev/null; then
  if ! out="$(timeout 10 psql "$url" -XAtq -v ON_ERROR_STOP=1 -c 'select 1' \
    -c 'show server_version' 2>&1)"; then
    echo "postgres-check: PostgreSQL at $shown answers but refuses the query: $out" >&2
    exit 1
  fi
  echo "PostgreSQL ${out##*$'\n'} answers queries at $shown."
else
  echo "PostgreSQL accepts connections at $shown (psql not installed: query not tried)."
fi
