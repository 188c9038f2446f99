// The coordinator's folders form layers: no folder imports, through any chain, a folder that
// imports it. Shared helpers live in `common/`; composition lives in `runtime/` and the root.
import { join } from 'node:path';
import { cycleImports, folderCycles, folderGraph, readSources } from '../support/folder-graph.js';

const root = join(process.cwd(), 'apps', 'coordinator', 'src');

describe('the folders of the coordinator', () => {
  const sources = readSources(root);

  it('import each other without a cycle', () => {
    const graph = folderGraph(root, sources);
    const found = folderCycles(graph).map((cycle) => ({
      cycle,
      imports: cycleImports(graph, cycle),
    }));
    expect(found).toEqual([]);
  });

  it('reports a cycle planted by one import running back up, with that import', () => {
    const planted = new Map(sources);
    const file = join(root, 'outbox', 'planted-violation.ts');
    planted.set(file, "import { CoordinatorRuntime } from '../runtime/coordinator-runtime.js';\n");
    const graph = folderGraph(root, planted);

    const cycles = folderCycles(graph);

    expect(cycles).toHaveLength(1);
    expect(cycles[0]).toEqual(expect.arrayContaining(['outbox', 'runtime']));
    expect(cycleImports(graph, cycles[0]!)).toContain(
      'outbox/planted-violation.ts -> runtime/coordinator-runtime.js',
    );
  });
});
