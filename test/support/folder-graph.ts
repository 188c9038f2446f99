// The import graph between the top folders of a source tree, and its cycles: the rule that keeps
// the coordinator's folders in layers (test/unit/folder-layers.spec.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import ts from 'typescript';

/** Every `.ts` file under `root`, by path, with its text. */
export function readSources(root: string): Map<string, string> {
  const files = new Map<string, string>();
  for (const entry of readdirSync(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const path = join(entry.parentPath, entry.name);
    files.set(path, readFileSync(path, 'utf8'));
  }
  return files;
}

/** Which top folder of `root` a path is in; `.` for a file directly in `root`. */
function folderOf(root: string, path: string): string | undefined {
  const inside = relative(root, path);
  if (inside.startsWith('..')) return undefined;
  const parts = inside.split(sep);
  return parts.length === 1 ? '.' : parts[0];
}

/**
 * The folder graph of `files` (paths under `root`): for each folder, the folders its files
 * import, each with the imports that make the edge (`from.ts -> to.ts`). Only relative
 * imports that stay under `root` count; a folder's imports of itself are left out.
 */
export function folderGraph(
  root: string,
  files: ReadonlyMap<string, string>,
): Map<string, Map<string, string[]>> {
  const graph = new Map<string, Map<string, string[]>>();
  for (const [path, text] of files) {
    const from = folderOf(root, path);
    if (from === undefined) continue;
    for (const { fileName } of ts.preProcessFile(text, true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = normalize(join(dirname(path), fileName));
      const to = folderOf(root, target);
      if (to === undefined || to === from) continue;
      const edges = graph.get(from) ?? new Map<string, string[]>();
      graph.set(from, edges);
      const why = edges.get(to) ?? [];
      edges.set(to, why);
      why.push(`${relative(root, path)} -> ${relative(root, target)}`);
    }
  }
  return graph;
}

/** The cycles of a folder graph: each set of folders that reach each other, sorted (Tarjan). */
export function folderCycles(graph: ReadonlyMap<string, ReadonlyMap<string, unknown>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (folder: string) => {
    index.set(folder, index.size);
    low.set(folder, index.get(folder)!);
    stack.push(folder);
    for (const next of graph.get(folder)?.keys() ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(folder, Math.min(low.get(folder)!, low.get(next)!));
      } else if (stack.includes(next)) {
        low.set(folder, Math.min(low.get(folder)!, index.get(next)!));
      }
    }
    if (low.get(folder) !== index.get(folder)) return;
    const component = stack.splice(stack.indexOf(folder));
    if (component.length > 1) cycles.push(component.sort());
  };
  for (const folder of graph.keys()) if (!index.has(folder)) visit(folder);
  return cycles;
}

/** The imports that tie the folders of `cycle` together, one line each. */
export function cycleImports(
  graph: ReadonlyMap<string, ReadonlyMap<string, readonly string[]>>,
  cycle: readonly string[],
): string[] {
  return cycle.flatMap((from) =>
    [...(graph.get(from) ?? [])].flatMap(([to, why]) => (cycle.includes(to) ? why : [])),
  );
}
