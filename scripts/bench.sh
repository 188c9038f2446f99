#!/usr/bin/env bash
# The saga benchmark (`npm run bench`, docs/BENCHMARKS.md): every bench system against a real
# Kafka broker and a real Postgres. Without KAFKA_BROKERS it starts the local broker from
# deploy/local and stops it afterwards; without DATABASE_URL it uses the local Postgres.
# The ladder is set by env (SYSTEMS, RATES, STEP_SECONDS, ...; see bench/saga-bench/run-bench.ts).
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$repo_root"

source scripts/local-services.sh

npm run --silent build
echo "Benchmarking with KAFKA_BROKERS=$KAFKA_BROKERS and the database at ${DATABASE_URL%%\?*}" | sed -E 's#//[^@/]*@#//***@#'
node dist/bench/saga-bench/run-bench.js
