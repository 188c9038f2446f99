import { buildStepGraph, findCycle } from './step-graph.js';

describe('the step graph', () => {
  const diamond = [
    { id: 'a', dependsOn: [] },
    { id: 'b', dependsOn: ['a'] },
    { id: 'c', dependsOn: ['a'] },
    { id: 'd', dependsOn: ['b', 'c'] },
  ];

  it('finds no cycle in a diamond', () => {
    expect(findCycle(diamond)).toBeUndefined();
  });

  it('returns the cycle as a path that ends where it starts', () => {
    expect(
      findCycle([
        { id: 'x', dependsOn: ['y'] },
        { id: 'y', dependsOn: ['x'] },
      ]),
    ).toEqual(['x', 'y', 'x']);
  });

  it('computes direct dependents, and transitive descendants and ancestors', () => {
    const graph = buildStepGraph(diamond);
    expect(graph.dependents.get('a')).toEqual(['b', 'c']);
    expect([...(graph.descendants.get('a') ?? [])].sort()).toEqual(['b', 'c', 'd']);
    expect([...(graph.ancestors.get('d') ?? [])].sort()).toEqual(['a', 'b', 'c']);
    expect(graph.descendants.get('d')).toEqual([]);
  });

  it('records the pivot when there is one', () => {
    expect(buildStepGraph(diamond, 'd').pivot).toBe('d');
    expect(buildStepGraph(diamond)).not.toHaveProperty('pivot');
  });
});
