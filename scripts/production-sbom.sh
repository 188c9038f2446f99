#!/usr/bin/env bash
# Writes the CycloneDX SBOM of the packages installed in DIR (default: here) to stdout. DIR must
# hold a production install (`npm ci --omit=dev --omit=optional`), as the image's deps stage has:
# `npm sbom --omit dev` on a full install leaves out production packages that dev tools also
# use (seen with npm 11: ajv, pg, yaml), and on a production install it fails on the missing
# dev packages, so it runs on a package.json without them (restored afterwards).
set -euo pipefail
cd "${1:-.}"
cp package.json .package.json.sbom-backup
trap 'mv .package.json.sbom-backup package.json' EXIT
npm pkg delete devDependencies optionalDependencies
npm sbom --sbom-format cyclonedx
