#!/usr/bin/env bash
# The chaos battery (`npm run chaos`, or smaller: `npm run chaos -- --sagas 2000 --kills 4`):
# starts the local Kafka when KAFKA_BROKERS is not set, builds, and runs
# test/e2e/chaos-battery.e2e-spec.ts at that size. The default is the full size: 10,000 sagas,
# 15 coordinator SIGKILLs, 1 broker restart (on a broker of the battery's own), 5 sweeps that
# terminate every database backend of the run, 10% of the commands delivered twice, 1,000
# poison messages, started at 10 sagas/s (what 2 cores sustain with every process of the run on
# them; about 19 minutes). Exits 1 when an invariant is violated.
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$repo_root"
export CHAOS_SAGAS=10000 CHAOS_KILLS=15 CHAOS_BROKER_RESTARTS=1 CHAOS_DB_SWEEPS=5
export CHAOS_DUPLICATE_SHARE=0.1 CHAOS_POISON=1000 CHAOS_RATE=10
# A failed check keeps the run's schemas to read (the report names them).
export CHAOS_KEEP_EVIDENCE=true
only=(-t 'ends every saga')
while [ "$#" -gt 0 ]; do
  case "$1" in
    --sagas) CHAOS_SAGAS="$2"; shift 2 ;;
    --kills) CHAOS_KILLS="$2"; shift 2 ;;
    --broker-restarts) CHAOS_BROKER_RESTARTS="$2"; shift 2 ;;
    --db-sweeps) CHAOS_DB_SWEEPS="$2"; shift 2 ;;
    --duplicate-share) CHAOS_DUPLICATE_SHARE="$2"; shift 2 ;;
    --poison) CHAOS_POISON="$2"; shift 2 ;;
    --rate) CHAOS_RATE="$2"; shift 2 ;;
    --with-dedupe-check) only=(); shift ;;
    *) echo "unknown flag $1 (--sagas N, --kills N, --broker-restarts N, --db-sweeps N, --duplicate-share X, --poison N, --rate PER_SECOND, --with-dedupe-check)" >&2; exit 2 ;;
  esac
done
source scripts/local-services.sh
npm run --silent build
bash scripts/jest.sh test/e2e/chaos-battery.e2e-spec.ts --selectProjects e2e "${only[@]}"
