// Lays out a saga definition's steps as a graph (dagre), an arrow from each step to the steps
// that depend on it, for the SVG of step-graph.tsx.
import dagre from '@dagrejs/dagre';

/** A step as the definition gives it: its id, participant, and the steps it waits for. */
export interface GraphStep {
  readonly id: string;
  readonly participant: string;
  readonly dependsOn: readonly string[];
}

/** A step's box, by its centre, in SVG user units. */
export interface PlacedStep extends GraphStep {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

/** An arrow from `from` to `to` along `points`. */
export interface PlacedEdge {
  readonly from: string;
  readonly to: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

/** The laid-out graph and the size of the drawing. */
export interface StepGraphLayout {
  readonly steps: readonly PlacedStep[];
  readonly edges: readonly PlacedEdge[];
  readonly width: number;
  readonly height: number;
}

/** A step's box size: wide enough for an id of about 22 characters. */
export const STEP_BOX = { width: 180, height: 56 } as const;

/**
 * Places `steps` left to right in dependency order. A `dependsOn` naming a step that is not in
 * the list draws no arrow.
 */
export function layoutStepGraph(steps: readonly GraphStep[]): StepGraphLayout {
  const graph = new dagre.graphlib.Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 24, ranksep: 56, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(steps.map((step) => step.id));
  for (const step of steps) graph.setNode(step.id, { ...STEP_BOX });
  for (const step of steps) {
    for (const dependency of step.dependsOn) {
      if (ids.has(dependency)) graph.setEdge(dependency, step.id);
    }
  }
  dagre.layout(graph);
  const placed = steps.map((step) => {
    const node = graph.node(step.id);
    return { ...step, x: node.x, y: node.y, width: node.width, height: node.height };
  });
  const edges = graph.edges().map((edge: { v: string; w: string }) => ({
    from: edge.v,
    to: edge.w,
    points: graph.edge(edge).points ?? [],
  }));
  const size = graph.graph();
  return { steps: placed, edges, width: size.width ?? 0, height: size.height ?? 0 };
}
