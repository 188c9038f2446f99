#!/usr/bin/env bash
# Writes the CycloneDX SBOM of the packages installed in DIR (default: here) to stdout, and of
# the packages bundled into the operator console's script. DIR must hold a production install
# (`npm ci --omit=dev --omit=optional`), as the image's deps stage has: `npm sbom --omit dev` on
# a full install leaves out production packages that dev tools also use (seen with npm 11: ajv,
# pg, yaml), and on a production install it fails on the missing dev packages, so it runs on a
# package.json without them (restored afterwards).
#
# The console (dist/console/console.js) is built from dev packages whose code ships inside it:
# CONSOLE_BUNDLED below names them, their versions come from DIR's package-lock.json, and each is
# listed with the property `saga-coordinator:bundled-in`. The list is what esbuild's metafile
# says the build bundles (dist/console/bundled-packages.json, scripts/build-console.ts);
# test/e2e/container-image.e2e-spec.ts fails when the two differ.
set -euo pipefail
CONSOLE_BUNDLED='@dagrejs/dagre @dagrejs/graphlib preact'
cd "${1:-.}"
cp package.json .package.json.sbom-backup
trap 'mv .package.json.sbom-backup package.json' EXIT
npm pkg delete devDependencies optionalDependencies
npm sbom --sbom-format cyclonedx | node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const sbom = JSON.parse(readFileSync(0, "utf8"));
  const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
  for (const name of process.argv[1].split(" ")) {
    const locked = lock.packages[`node_modules/${name}`];
    if (locked === undefined) throw new Error(`${name} (bundled into the console) is not in package-lock.json`);
    const purl = `pkg:npm/${name.replace("@", "%40")}@${locked.version}`;
    sbom.components.push({
      type: "library",
      "bom-ref": `${name}@${locked.version}#console`,
      name,
      version: locked.version,
      purl,
      ...(locked.license === undefined ? {} : { licenses: [{ license: { id: locked.license } }] }),
      properties: [{ name: "saga-coordinator:bundled-in", value: "dist/console/console.js" }],
    });
  }
  process.stdout.write(`${JSON.stringify(sbom, null, 2)}\n`);
' "$CONSOLE_BUNDLED"
