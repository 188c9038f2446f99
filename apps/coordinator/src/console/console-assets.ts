import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the built console, ready to send. */
export interface ConsoleAsset {
  readonly contentType: string;
  readonly body: Buffer;
}

/**
 * The files `npm run build` writes to `dist/console/` (scripts/build-console.ts), by name, with
 * their media types. Only these are served: a request names a key of this map, never a path.
 */
export const CONSOLE_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
};

/**
 * The `dist/console/` folder of the package: found from this module upwards (the folder that
 * holds package.json), so it is the same from the sources, from dist/ and in the container image.
 */
export function consoleAssetsFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('no package.json above this module: where is dist/?');
    folder = parent;
  }
  return join(folder, 'dist', 'console');
}

/**
 * Reads the built console's file `name` from `folder`; undefined when the name is not one of
 * {@link CONSOLE_FILES} or the console was not built.
 */
export async function readConsoleAsset(
  folder: string,
  name: string,
): Promise<ConsoleAsset | undefined> {
  if (!Object.hasOwn(CONSOLE_FILES, name)) return undefined;
  try {
    return { contentType: CONSOLE_FILES[name]!, body: await readFile(join(folder, name)) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
