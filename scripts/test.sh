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
# promtool, which the alert rules' tests drive: extracted from Debian's `prometheus` package
# into .tools/bin when the machine has none (the package itself is not installed).
bash scripts/install-promtool.sh >/dev/null
# The Java participant (examples/java-participant), which an end-to-end test runs next to the
# TypeScript ones: built with Maven, its own unit tests included, when its jar is missing or older
# than a source of it (a fresh clone always builds). Without Java 17 and Maven the suite fails
# here, loudly.
java_jar=examples/java-participant/target/java-participant.jar
if [ ! -f "$java_jar" ] ||
  [ -n "$(find examples/java-participant/pom.xml examples/java-participant/src -newer "$java_jar" -print -quit)" ]; then
  mvn -q -B -f examples/java-participant/pom.xml package
fi
echo "Testing with KAFKA_BROKERS=$KAFKA_BROKERS and the database at ${DATABASE_URL%%\?*}" | sed -E 's#//[^@/]*@#//***@#'
results_dir="$repo_root/coverage"
mkdir -p "$results_dir" && rm -f "$results_dir"/jest-*.json
status=0
# The whole suite (no arguments) runs saga-core's own specs instrumented, as the coverage gate
# (jest.config.js), and every other spec plain: v8 coverage of every spec roughly doubled the
# suite's time (each spec that loads Nest and kafkajs paid ~1.4 s to collect it).
if [ "$#" -eq 0 ]; then
  gate=(--selectProjects unit --testPathPatterns 'libs/saga-core/' --coverage)
  bash scripts/jest.sh "${gate[@]}" --json --outputFile="$results_dir/jest-coverage-gate.json" ||
    status=$?
  set -- --testPathIgnorePatterns 'libs/saga-core/'
fi
bash scripts/jest.sh --json --outputFile="$results_dir/jest-results.json" "$@" || status=$?
# One plain closing line, whatever reads the log: "N passed, N failed".
node -e '
  const { existsSync } = require("node:fs");
  const runs = process.argv.slice(1).filter(existsSync).map((file) => require(file));
  const sum = (key) => runs.reduce((total, run) => total + run[key], 0);
  console.log(`${sum("numPassedTests")} passed, ${sum("numFailedTests")} failed`);
' "$results_dir/jest-coverage-gate.json" "$results_dir/jest-results.json"
exit "$status"
