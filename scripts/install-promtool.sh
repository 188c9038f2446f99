#!/usr/bin/env bash
# Makes `promtool` (Prometheus' rule checker) available to test/unit/alert-rules.spec.ts and
# prints its path. Uses the one on PATH, else <repo>/.tools/bin/promtool, else extracts it from
# Debian's `prometheus` package into .tools/bin without installing the package (its postinst
# would start a Prometheus service). Idempotent: a second run only prints the path.
set -euo pipefail
repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
target="$repo_root/.tools/bin/promtool"

if found="$(command -v promtool)"; then
  echo "$found"
  exit 0
fi
if [ -x "$target" ]; then
  echo "$target"
  exit 0
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# `apt-get download` runs as the _apt user when it can; a directory it may write to avoids the
# "couldn't be accessed by user '_apt'" warning and works as root and as a user alike.
chmod 0777 "$work"
if ! (cd "$work" && apt-get download -q prometheus >/dev/null); then
  echo "error: 'apt-get download prometheus' failed; run 'apt-get update' first (Debian 12 has it)" >&2
  exit 1
fi
deb="$(ls "$work"/prometheus_*.deb)"
dpkg-deb -x "$deb" "$work/extracted"
mkdir -p "$(dirname "$target")"
# Copy to a temporary name, then rename: a concurrent run never sees half a binary.
cp "$work/extracted/usr/bin/promtool" "$target.tmp.$$"
chmod 0755 "$target.tmp.$$"
mv -f "$target.tmp.$$" "$target"
echo "$target"
