import { useMemo } from 'preact/hooks';
import { layoutStepGraph, type GraphStep } from './step-graph-layout.js';

/**
 * A definition's steps as an SVG graph, each box filled by its step's state (the state is also
 * written in the box: colour is never the only sign). `states` maps step ids to statuses;
 * without it the graph is the definition's alone (each box names its participant).
 */
export function StepGraph({
  steps,
  states,
}: {
  readonly steps: readonly GraphStep[];
  readonly states?: Readonly<Record<string, string>>;
}) {
  const layout = useMemo(() => layoutStepGraph(steps), [steps]);
  const centre = new Map(layout.steps.map((step) => [step.id, step]));
  const summary = layout.steps
    .map((step) => `${step.id}${states ? `: ${states[step.id] ?? 'pending'}` : ''}`)
    .join(', ');
  return (
    <figure class="step-graph">
      <svg
        role="img"
        aria-label={`Step graph. ${summary}`}
        viewBox={`0 0 ${layout.width} ${layout.height}`}
        width={layout.width}
        height={layout.height}
      >
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="8"
            markerHeight="8"
            orient="auto-start-reverse"
          >
            <path d="M 0 0 L 10 5 L 0 10 z" class="edge-head" />
          </marker>
        </defs>
        {layout.edges.map((edge) => (
          <polyline
            key={`${edge.from}->${edge.to}`}
            class="edge"
            points={edge.points.map((p) => `${p.x},${p.y}`).join(' ')}
            marker-end="url(#arrow)"
          />
        ))}
        {layout.steps.map((step) => {
          const state = states === undefined ? 'definition' : (states[step.id] ?? 'pending');
          const box = centre.get(step.id)!;
          return (
            <g
              key={step.id}
              class={`step step-${state}`}
              data-step={step.id}
              data-state={state}
              transform={`translate(${box.x - box.width / 2},${box.y - box.height / 2})`}
            >
              <rect width={box.width} height={box.height} rx="6" />
              <text x="10" y="20" class="step-id">
                {step.id}
              </text>
              <text x="10" y="38" class="step-meta">
                {states === undefined ? step.participant : `${state} · ${step.participant}`}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
