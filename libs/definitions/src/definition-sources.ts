import { readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { AnySagaDefinition, SagaRegistry } from '#saga-core';
import { DefinitionLoadError, definitionFile } from './definition-files.js';

const DOCUMENT_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

/**
 * Compiles every definition document of `directory` (`*.json`, `*.yaml`, `*.yml`, files only,
 * not its subdirectories, in file-name order) and adds each to `registry`. Throws a
 * DefinitionLoadError naming the file and each problem (path and message) when one does not
 * compile, or clashes with a name and version already registered: a coordinator never starts
 * with half its definitions.
 */
export function loadDefinitionDirectory(
  registry: SagaRegistry,
  directory: string,
): AnySagaDefinition[] {
  return documentFiles(directory).map((file) => {
    const definition = definitionFile(file);
    try {
      registry.register(definition);
    } catch (error) {
      throw new DefinitionLoadError(`${file}: ${(error as Error).message}`);
    }
    return definition;
  });
}

function documentFiles(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    throw new DefinitionLoadError(`${directory} cannot be read: ${(error as Error).message}`);
  }
  return names
    .filter((name) => DOCUMENT_EXTENSIONS.has(extname(name)))
    .sort()
    .map((name) => join(directory, name))
    .filter((path) => statSync(path).isFile());
}
