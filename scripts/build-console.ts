// Builds the operator console (apps/console/src) into dist/console/: one minified script, its
// style sheet, the page, and the licences of the packages bundled into the script: the files
// the coordinator serves at /ui (console-assets.ts). Also writes bundled-packages.json (not
// served): the packages in the script, which the image's SBOM must list
// (scripts/production-sbom.sh, checked by test/e2e/container-image.e2e-spec.ts).
// Run by `npm run build` after tsc, with Node's own TypeScript support.
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build, type Metafile } from 'esbuild';

const source = 'apps/console/src';
const target = 'dist/console';
/** The licences of the bundled packages, served beside the script it names in its banner. */
const NOTICES = 'third-party-notices.txt';

/** A package whose code is in the bundle. */
interface BundledPackage {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  readonly folder: string;
}

await mkdir(target, { recursive: true });
const result = await build({
  entryPoints: { console: join(source, 'main.tsx') },
  outdir: target,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  // The packages' own legal comments go to console.js.LEGAL.txt, folded into the notices below.
  legalComments: 'external',
  banner: { js: `/*! Third-party licences: ${NOTICES} */` },
  metafile: true,
  logLevel: 'warning',
});
await copyFile(join(source, 'index.html'), join(target, 'index.html'));
await copyFile(join(source, 'console.css'), join(target, 'console.css'));

const bundled = await bundledPackages(result.metafile);
await writeFile(join(target, NOTICES), await noticesText(bundled));
await writeFile(
  join(target, 'bundled-packages.json'),
  `${JSON.stringify(
    bundled.map(({ name, version, license }) => ({ name, version, license })),
    null,
    2,
  )}\n`,
);

/**
 * The packages the metafile's inputs come from (`…/node_modules/<name>/…`), and the dependencies
 * of those: a package's own build may have inlined them (dagre's dist holds graphlib), so the
 * metafile cannot see them, but their code is in the bundle all the same.
 */
async function bundledPackages(metafile: Metafile): Promise<BundledPackage[]> {
  const found = new Map<string, BundledPackage>();
  const visit = async (folder: string): Promise<void> => {
    const manifest = JSON.parse(await readFile(join(folder, 'package.json'), 'utf8')) as {
      name: string;
      version: string;
      license?: string;
      dependencies?: Record<string, string>;
    };
    const id = `${manifest.name}@${manifest.version}`;
    if (found.has(id)) return;
    found.set(id, {
      name: manifest.name,
      version: manifest.version,
      license: manifest.license ?? 'UNKNOWN',
      folder,
    });
    for (const dependency of Object.keys(manifest.dependencies ?? {})) {
      const nested = join(folder, 'node_modules', dependency);
      await visit(existsSync(nested) ? nested : join('node_modules', dependency));
    }
  };
  for (const input of Object.keys(metafile.inputs)) {
    const match = /^(.*node_modules\/(?:@[^/]+\/)?[^/@][^/]*)\//.exec(input);
    if (match !== null) await visit(match[1]!);
  }
  return [...found.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** Each bundled package with its licence file, then the legal comments esbuild extracted. */
async function noticesText(packages: readonly BundledPackage[]): Promise<string> {
  const parts = ['The operator console (console.js) bundles these packages, under these licences.'];
  for (const { name, version, license, folder } of packages) {
    const file = (await readdir(folder)).find((entry) => /^(licen[cs]e|copying)/i.test(entry));
    const text =
      file === undefined ? '(no licence file)' : await readFile(join(folder, file), 'utf8');
    parts.push(`${'-'.repeat(72)}\n${name} ${version} (${license})\n\n${text.trim()}`);
  }
  const legal = join(target, 'console.js.LEGAL.txt');
  const comments = await readFile(legal, 'utf8').catch(() => '');
  await rm(legal, { force: true });
  if (comments.trim() !== '') {
    parts.push(`${'-'.repeat(72)}\nLegal comments of the bundled code\n\n${comments.trim()}`);
  }
  return `${parts.join('\n\n')}\n`;
}
