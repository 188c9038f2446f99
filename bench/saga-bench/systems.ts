import type { BenchSystem } from './bench-system.js';
import { CoordinatorHttpSystem } from './coordinator-http-system.js';
import { CoordinatorDocumentSystem, CoordinatorSystem } from './coordinator-system.js';
import { DbosSystem } from './dbos-system.js';
import { FloorSystem } from './floor-system.js';

/** Every system `npm run bench` knows, by the name `SYSTEMS` uses; each call makes a fresh one. */
export const BENCH_SYSTEMS: Readonly<Record<string, () => BenchSystem>> = {
  coordinator: () => new CoordinatorSystem(),
  'coordinator-http': () => new CoordinatorHttpSystem(),
  'coordinator-document': () => new CoordinatorDocumentSystem(),
  floor: () => new FloorSystem(),
  dbos: () => new DbosSystem(),
};

/**
 * The names to run, in order: `SYSTEMS` (comma-separated) or, when it is empty, every system
 * of `known`. An unknown name is refused with the list of known ones.
 */
export function pickSystems(
  selection: string | undefined,
  known: readonly string[] = Object.keys(BENCH_SYSTEMS),
): string[] {
  const names = (selection ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  if (names.length === 0) return [...known];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length > 0) {
    throw new Error(`SYSTEMS: unknown ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }
  return [...new Set(names)];
}
