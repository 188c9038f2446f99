import type { AnySagaDefinition } from '../definition/saga-definition.js';

/** Names a definition: a saga type and, optionally, a version (the latest when absent). */
export interface SagaRef {
  readonly name: string;
  readonly version?: number;
}

/** Definitions by name and version; a running saga is looked up by the version it started with. */
export interface SagaRegistry {
  /** Adds a definition; throws if one with the same name and version is already there. */
  register(definition: AnySagaDefinition): SagaRegistry;
  /** The definition of that name and version, or undefined. */
  get(name: string, version: number): AnySagaDefinition | undefined;
  /** The highest version registered under that name, or undefined. */
  latest(name: string): AnySagaDefinition | undefined;
  /** Every version registered under that name, in no order (none for an unknown name). */
  versions(name: string): readonly AnySagaDefinition[];
  /** Resolves a reference: an exact version, or the latest one. */
  resolve(ref: SagaRef): AnySagaDefinition | undefined;
  /** Every registered definition, by name then version. */
  list(): readonly AnySagaDefinition[];
  /** The distinct participants the steps of every definition command, sorted. */
  participants(): string[];
}

/** Creates a registry holding the given definitions. */
export function createSagaRegistry(definitions: readonly AnySagaDefinition[] = []): SagaRegistry {
  const byName = new Map<string, Map<number, AnySagaDefinition>>();
  const registry: SagaRegistry = {
    register(definition) {
      const versions = byName.get(definition.name) ?? new Map<number, AnySagaDefinition>();
      if (versions.has(definition.version)) {
        throw new Error(
          `saga "${definition.name}" version ${definition.version} is already registered`,
        );
      }
      versions.set(definition.version, definition);
      byName.set(definition.name, versions);
      return registry;
    },
    get: (name, version) => byName.get(name)?.get(version),
    latest(name) {
      const versions = byName.get(name);
      if (!versions) return undefined;
      return versions.get(Math.max(...versions.keys()));
    },
    versions: (name) => [...(byName.get(name)?.values() ?? [])],
    resolve: (ref) =>
      ref.version === undefined ? registry.latest(ref.name) : registry.get(ref.name, ref.version),
    list: () =>
      [...byName.keys()]
        .sort()
        .flatMap((name) =>
          [...(byName.get(name)?.values() ?? [])].sort((a, b) => a.version - b.version),
        ),
    participants: () =>
      [...new Set(registry.list().flatMap((d) => d.steps.map((step) => step.participant)))].sort(),
  };
  for (const definition of definitions) registry.register(definition);
  return registry;
}
