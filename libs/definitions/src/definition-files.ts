import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnySagaDefinition } from '#saga-core';
import { compileDefinition } from './compile-definition.js';
import { readDefinitionText } from './definition-text.js';

/** A definition file that could not be read or compiled; start-up stops on it. */
export class DefinitionLoadError extends Error {
  override readonly name = 'DefinitionLoadError';
}

/** The file each definition loaded from one came from. */
const sources = new WeakMap<AnySagaDefinition, string>();

/** The file `definition` was compiled from, or undefined (built in code, or given as a value). */
export function sourceOf(definition: AnySagaDefinition): string | undefined {
  return sources.get(definition);
}

/**
 * The `definitions/` folder of the package: found from this module upwards (the folder that
 * holds package.json), so it is the same from the sources, from dist/ and in the container image.
 * It holds the sample saga definitions the coordinator ships.
 */
export function definitionsFolder(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder)
      throw new Error('no package.json above this module: where is definitions/?');
    folder = parent;
  }
  return join(folder, 'definitions');
}

/** Reads and compiles the definition document at `path`; throws a DefinitionLoadError naming each problem. */
export function definitionFile(path: string): AnySagaDefinition {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new DefinitionLoadError(`${path} cannot be read: ${(error as Error).message}`);
  }
  const read = readDefinitionText(text);
  const compiled = read.ok ? compileDefinition(read.value) : read;
  if (!compiled.ok) {
    const problems = compiled.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new DefinitionLoadError(`${path}: ${problems}`);
  }
  sources.set(compiled.definition, path);
  return compiled.definition;
}
