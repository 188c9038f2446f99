import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileDefinition } from './compile-definition.js';
import { readDefinitionText } from './definition-text.js';
import type { AnySagaDefinition } from '#saga-core';

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
      throw new Error('no package.json above the coordinator: where is definitions/?');
    folder = parent;
  }
  return join(folder, 'definitions');
}

/** Compiles the definition document at `path`; throws an Error naming each problem. */
export function definitionFile(path: string): AnySagaDefinition {
  const text = readDefinitionText(readFileSync(path, 'utf8'));
  const compiled = text.ok ? compileDefinition(text.value) : text;
  if (!compiled.ok) {
    const problems = compiled.problems.map((p) => `${p.path}: ${p.message}`).join('; ');
    throw new Error(`${path} does not compile: ${problems}`);
  }
  return compiled.definition;
}
