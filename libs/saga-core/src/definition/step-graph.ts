/** A step as the graph sees it: an id and the ids it depends on. */
export interface GraphNode {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

/** The dependency graph of a saga's steps, precomputed once per definition. */
export interface StepGraph {
  /** Steps that list the key among their dependencies. */
  readonly dependents: ReadonlyMap<string, readonly string[]>;
  /** Steps that depend on the key, directly or transitively. */
  readonly descendants: ReadonlyMap<string, readonly string[]>;
  /** Steps the key depends on, directly or transitively. */
  readonly ancestors: ReadonlyMap<string, readonly string[]>;
  /** The id of the pivot step, if any. */
  readonly pivot?: string;
}

/** Returns a dependency cycle as a path that ends where it starts (`['a', 'b', 'a']`), or undefined. */
export function findCycle(nodes: readonly GraphNode[]): string[] | undefined {
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const seen = state.get(id);
    if (seen === 'done') return undefined;
    if (seen === 'visiting') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'visiting');
    path.push(id);
    for (const dependency of byId.get(id)?.dependsOn ?? []) {
      const cycle = visit(dependency);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const node of nodes) {
    const cycle = visit(node.id);
    if (cycle) return cycle;
  }
  return undefined;
}

/** Builds the graph of an acyclic set of steps whose dependencies all exist. */
export function buildStepGraph(nodes: readonly GraphNode[], pivot?: string): StepGraph {
  const dependents = new Map<string, string[]>(nodes.map((node) => [node.id, []]));
  for (const node of nodes) {
    for (const dependency of node.dependsOn) dependents.get(dependency)?.push(node.id);
  }
  const byId = new Map(nodes.map((node) => [node.id, node]));
  const ancestors = new Map<string, readonly string[]>();
  const descendants = new Map<string, readonly string[]>();
  for (const node of nodes) {
    ancestors.set(
      node.id,
      reach(node.id, (id) => byId.get(id)?.dependsOn ?? []),
    );
    descendants.set(
      node.id,
      reach(node.id, (id) => dependents.get(id) ?? []),
    );
  }
  return { dependents, descendants, ancestors, ...(pivot === undefined ? {} : { pivot }) };
}

function reach(start: string, next: (id: string) => readonly string[]): string[] {
  const seen = new Set<string>();
  const stack = [...next(start)];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...next(id));
  }
  return [...seen];
}
