import { readdirSync, readFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compileDefinition } from './compile-definition.js';
import type { DefinitionProblem } from './definition-problem.js';
import { readDefinitionText } from './definition-text.js';
import type { AnySagaDefinition, SagaRegistry } from '#saga-core';

/** Where definitions beyond the built-in ones come from (see CoordinatorConfig.definitions). */
export interface DefinitionSources {
  readonly directory?: string;
  readonly modules: readonly string[];
}

/** A definition that could not be loaded, with every reason; start-up stops on it. */
export class DefinitionLoadError extends Error {
  override readonly name = 'DefinitionLoadError';
}

const DOCUMENT_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);

/**
 * Adds to `registry` every definition document of the directory (sorted by file name) and
 * every definition the modules export. Throws a DefinitionLoadError naming the file and each
 * problem (path and message) when one does not compile, or clashes with a name and version
 * already registered: a coordinator never starts with half its definitions.
 */
export async function loadDefinitionSources(
  registry: SagaRegistry,
  sources: DefinitionSources,
): Promise<void> {
  if (sources.directory !== undefined) {
    for (const file of documentFiles(sources.directory)) {
      register(registry, file, fromDocument(file));
    }
  }
  for (const path of sources.modules) {
    const exported = (await import(pathToFileURL(resolve(path)).href)) as Record<string, unknown>;
    const found = Object.values(exported).filter(isSagaDefinition);
    if (found.length === 0) {
      throw new DefinitionLoadError(`${path} exports no saga definition (defineSaga(...).build())`);
    }
    for (const definition of found) register(registry, path, definition);
  }
}

function documentFiles(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch (error) {
    throw new DefinitionLoadError(
      `SAGA_DEFINITIONS_DIR ${directory} cannot be read: ${(error as Error).message}`,
    );
  }
  return names
    .filter((name) => DOCUMENT_EXTENSIONS.has(extname(name)))
    .sort()
    .map((name) => join(directory, name));
}

function fromDocument(file: string): AnySagaDefinition {
  const text = readDefinitionText(readFileSync(file, 'utf8'));
  const compiled = text.ok ? compileDefinition(text.value) : text;
  if (!compiled.ok) throw new DefinitionLoadError(`${file}: ${describe(compiled.problems)}`);
  return compiled.definition;
}

function register(registry: SagaRegistry, from: string, definition: AnySagaDefinition): void {
  try {
    registry.register(definition);
  } catch (error) {
    throw new DefinitionLoadError(`${from}: ${(error as Error).message}`);
  }
}

function isSagaDefinition(value: unknown): value is AnySagaDefinition {
  const candidate = value as Partial<AnySagaDefinition> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.name === 'string' &&
    typeof candidate.version === 'number' &&
    Array.isArray(candidate.steps) &&
    candidate.graph !== undefined &&
    typeof candidate.initialContext === 'function'
  );
}

function describe(problems: readonly DefinitionProblem[]): string {
  return problems.map((problem) => `${problem.path}: ${problem.message}`).join('; ');
}
