// Builds the operator console (apps/console/src) into dist/console/: one minified script, its
// style sheet and the page, the three files the coordinator serves at /ui (console-assets.ts).
// Run by `npm run build` after tsc, with Node's own TypeScript support.
import { copyFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const source = 'apps/console/src';
const target = 'dist/console';

await mkdir(target, { recursive: true });
await build({
  entryPoints: { console: join(source, 'main.tsx') },
  outdir: target,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  logLevel: 'warning',
});
await copyFile(join(source, 'index.html'), join(target, 'index.html'));
await copyFile(join(source, 'console.css'), join(target, 'console.css'));
