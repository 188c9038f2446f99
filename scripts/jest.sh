#!/usr/bin/env bash
# Runs jest under Node 24 with ESM support (NestJS 12 is ESM-only; jest needs vm modules for it).
set -euo pipefail
source "$(dirname "$0")/node-env.sh"
cd "$repo_root"
export NODE_OPTIONS="--experimental-vm-modules --no-warnings=ExperimentalWarning ${NODE_OPTIONS:-}"
exec node node_modules/jest/bin/jest.js "$@"
