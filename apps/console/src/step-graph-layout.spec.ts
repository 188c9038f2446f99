import { layoutStepGraph, STEP_BOX } from './step-graph-layout.js';

describe('layoutStepGraph', () => {
  it('places each step after the steps it depends on, an arrow from each dependency', () => {
    const layout = layoutStepGraph([
      { id: 'reserve', participant: 'inventory', dependsOn: [] },
      { id: 'pay', participant: 'payment', dependsOn: [] },
      { id: 'ship', participant: 'shipping', dependsOn: ['reserve', 'pay', 'unknown'] },
    ]);
    const x = Object.fromEntries(layout.steps.map((step) => [step.id, step.x]));
    expect(x.ship).toBeGreaterThan(x.reserve! + STEP_BOX.width / 2);
    expect(x.ship).toBeGreaterThan(x.pay! + STEP_BOX.width / 2);
    expect(layout.edges.map((edge) => `${edge.from}->${edge.to}`).sort()).toEqual([
      'pay->ship',
      'reserve->ship',
    ]);
    for (const step of layout.steps) {
      expect(step.x + step.width / 2).toBeLessThanOrEqual(layout.width);
      expect(step.y + step.height / 2).toBeLessThanOrEqual(layout.height);
    }
  });
});
