#!/usr/bin/env bash
# The test command (`npm test`): unit, integration and end-to-end tests against a real Kafka
# broker and a real Postgres. Without KAFKA_BROKERS it starts the local broker from
# deploy/local and stops it afterwards; without DATABASE_URL it uses the local Postgres.
# Extra arguments go to jest (e.g. `npm test -- --selectProjects integration`).
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$repo_root"

source scripts/local-services.sh

npm run --silent build
echo "Testing with KAFKA_BROKERS=$KAFKA_BROKERS and the database at ${DATABASE_URL%%\?*}" | sed -E 's#//[^@/]*@#//***@#'
# The whole suite enforces the coverage threshold; a chosen subset (arguments given) does not.
if [ "$#" -eq 0 ]; then set -- --coverage; fi
results="$repo_root/coverage/jest-results.json"
mkdir -p "$(dirname "$results")" && rm -f "$results"
status=0
bash scripts/jest.sh --json --outputFile="$results" "$@" || status=$?
# One plain closing line, whatever reads the log: "N passed, N failed".
if [ -f "$results" ]; then
  node -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`)' "$results"
fi
exit "$status"
