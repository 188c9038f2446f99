import { DefinitionError } from './definition-error.js';
import type { StepDefinition } from './saga-definition.js';
import { buildStepGraph, findCycle, type StepGraph } from './step-graph.js';

/** Checks how the steps fit together (ids, dependencies, cycles, pivot placement) and builds their graph. */
export function checkStepGraph(saga: string, steps: readonly StepDefinition[]): StepGraph {
  const fail = (message: string, stepId: string, field?: string): never => {
    throw new DefinitionError(saga, message, stepId, field);
  };
  const ids = new Set<string>();
  for (const step of steps) {
    if (ids.has(step.id)) fail('another step already has this id', step.id, 'id');
    ids.add(step.id);
  }
  for (const step of steps) {
    const unknown = step.dependsOn.find((id) => !ids.has(id));
    if (unknown !== undefined) fail(`depends on unknown step "${unknown}"`, step.id, 'dependsOn');
  }
  const cycle = findCycle(steps);
  if (cycle) fail(`dependency cycle ${cycle.join(' -> ')}`, cycle[0] as string, 'dependsOn');
  const pivots = steps.filter((step) => step.kind === 'pivot');
  if (pivots.length > 1) {
    const names = pivots.map((step) => `"${step.id}"`).join(', ');
    fail(`a saga has at most one pivot, found ${names}`, (pivots[1] as StepDefinition).id, 'kind');
  }
  const pivot = pivots[0]?.id;
  const graph = buildStepGraph(steps, pivot);
  for (const step of steps) checkPlacement(step, graph, fail);
  return graph;
}

function checkPlacement(
  step: StepDefinition,
  graph: StepGraph,
  fail: (message: string, stepId: string, field?: string) => never,
): void {
  const pivot = graph.pivot;
  if (step.kind === 'retriable' && pivot === undefined) {
    fail('a retriable step needs a pivot to come after', step.id, 'kind');
  }
  if (pivot === undefined || step.id === pivot) return;
  if (step.kind === 'compensatable' && !graph.ancestors.get(pivot)?.includes(step.id)) {
    fail(
      `a compensatable step could run after or beside the pivot "${pivot}": it must be one of the pivot's dependencies, directly or transitively`,
      step.id,
      'dependsOn',
    );
  }
  if (step.kind === 'retriable' && !graph.descendants.get(pivot)?.includes(step.id)) {
    fail(
      `a retriable step could run before the pivot "${pivot}": it must depend on the pivot, directly or transitively`,
      step.id,
      'dependsOn',
    );
  }
}
