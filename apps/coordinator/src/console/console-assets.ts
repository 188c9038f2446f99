import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One file of the built console, ready to send. */
export interface ConsoleAsset {
  readonly contentType: string;
  readonly body: Buffer;
  /** A strong `ETag` of the body, hashed once when the file is read. */
  readonly etag: string;
}

/**
 * The files `npm run build` writes to `dist/console/` (scripts/build-console.ts), by name, with
 * their media types. Only these are served: a request names a key of this map, never a path.
 */
export const CONSOLE_FILES: Readonly<Record<string, string>> = {
  'index.html': 'text/html; charset=utf-8',
  'console.js': 'text/javascript; charset=utf-8',
  'console.css': 'text/css; charset=utf-8',
  /** The licences of the packages bundled into console.js (scripts/build-console.ts). */
  'third-party-notices.txt': 'text/plain; charset=utf-8',
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
    const body = await readFile(join(folder, name));
    const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
    return { contentType: CONSOLE_FILES[name]!, body, etag };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/**
 * The console's files of one folder, each read once and then kept in memory: they change only
 * with a new build, which comes with a restart. A file not built yet is looked for again on the
 * next request (a coordinator started before `npm run build` finished still serves it after).
 */
export class ConsoleAssetCache {
  private readonly kept = new Map<string, ConsoleAsset>();

  constructor(private readonly folder: string) {}

  /** The file `name`, as {@link readConsoleAsset} reads it. */
  async get(name: string): Promise<ConsoleAsset | undefined> {
    const kept = this.kept.get(name);
    if (kept !== undefined) return kept;
    const asset = await readConsoleAsset(this.folder, name);
    if (asset !== undefined) this.kept.set(name, asset);
    return asset;
  }
}
