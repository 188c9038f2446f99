#!/usr/bin/env bash
# The chaos battery (`npm run chaos -- --sagas 2000 --kills 4`): starts the local Kafka when
# KAFKA_BROKERS is not set, builds, and runs test/e2e/chaos-battery.e2e-spec.ts at that size.
# Exits 1 when an invariant is violated.
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$repo_root"
export CHAOS_SAGAS=200 CHAOS_KILLS=3
only=(-t 'ends every saga')
while [ "$#" -gt 0 ]; do
  case "$1" in
    --sagas) CHAOS_SAGAS="$2"; shift 2 ;;
    --kills) CHAOS_KILLS="$2"; shift 2 ;;
    --with-dedupe-check) only=(); shift ;;
    *) echo "unknown flag $1 (--sagas N, --kills N, --with-dedupe-check)" >&2; exit 2 ;;
  esac
done
source scripts/local-services.sh
npm run --silent build
bash scripts/jest.sh test/e2e/chaos-battery.e2e-spec.ts --selectProjects e2e "${only[@]}"
