// `node dist/apps/coordinator/src/asyncapi/asyncapi-file.cli.js write|check`, from the repository
// root: writes the coordinator's AsyncAPI document to docs/asyncapi.json, or fails (exit code 1)
// when the committed file is stale. `npm run asyncapi` and `npm run asyncapi:check` build first.
import { readFile, writeFile } from 'node:fs/promises';
import { ASYNCAPI_FILE, asyncApiFreshness, asyncApiText } from './asyncapi-file.js';
import { coordinatorAsyncApi } from './coordinator-asyncapi.js';

const mode = process.argv[2];
const file = ASYNCAPI_FILE;

if (mode === 'write') {
  await writeFile(file, asyncApiText(coordinatorAsyncApi()));
  console.log(`wrote ${file}`);
} else if (mode === 'check') {
  const committed = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw error;
  });
  const freshness = asyncApiFreshness(committed, coordinatorAsyncApi());
  if (!freshness.fresh) {
    console.error(`error: ${freshness.reason}`);
    process.exitCode = 1;
  }
} else {
  console.error('usage: asyncapi-file.cli.js write|check');
  process.exitCode = 2;
}
