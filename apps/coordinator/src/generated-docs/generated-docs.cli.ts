// `node dist/apps/coordinator/src/generated-docs/generated-docs.cli.js write|check`, from the
// repository root: writes the generated documents under docs/ (generated-docs.ts), or fails
// (exit code 1) naming each committed one that is stale. `npm run docs:generate` and
// `npm run docs:check` build first.
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { jsonFreshness, jsonText, textFreshness } from './document-freshness.js';
import { generatedDocuments } from './generated-docs.js';

const mode = process.argv[2];

if (mode === 'write') {
  for (const document of generatedDocuments()) {
    await mkdir(dirname(document.file), { recursive: true });
    const text = document.kind === 'json' ? jsonText(document.content) : document.content;
    await writeFile(document.file, text);
    console.log(`wrote ${document.file}`);
  }
} else if (mode === 'check') {
  for (const document of generatedDocuments()) {
    const committed = await readFile(document.file, 'utf8').catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOENT') return undefined;
        throw error;
      },
    );
    const freshness =
      document.kind === 'json'
        ? jsonFreshness(document.file, committed, document.content)
        : textFreshness(document.file, committed, document.content);
    if (!freshness.fresh) {
      console.error(`error: ${freshness.reason}`);
      process.exitCode = 1;
    }
  }
} else {
  console.error('usage: generated-docs.cli.js write|check');
  process.exitCode = 2;
}
