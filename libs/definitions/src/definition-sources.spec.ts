import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSagaRegistry } from '#saga-core';
import { DefinitionLoadError, loadDefinitionSources } from './definition-sources.js';

const document = (name: string, payload = '{"id": context.id}') =>
  JSON.stringify({
    name,
    version: 1,
    input: { type: 'object' },
    steps: [{ id: 'only', participant: 'p', command: 'p.do', kind: 'pivot', payload }],
  });

function folder(files: Record<string, string>): string {
  const path = mkdtempSync(join(tmpdir(), 'definitions-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(join(path, name), text);
  return path;
}

describe('loadDefinitionSources', () => {
  it('registers every document of the directory, JSON and YAML, and skips other files', async () => {
    const directory = folder({
      'b.json': document('bravo'),
      'a.yaml':
        'name: alpha\nversion: 1\ninput: { type: object }\nsteps:\n  - { id: only, participant: p, command: p.do, kind: pivot, payload: "{}" }\n',
      'notes.txt': 'not a definition',
    });
    const registry = createSagaRegistry();

    await loadDefinitionSources(registry, { directory, modules: [] });

    expect(registry.list().map((d) => d.name)).toEqual(['alpha', 'bravo']);
  });

  it('stops on a document that does not compile, naming the file, the field and the reason', async () => {
    const directory = folder({ 'bad.json': document('bad', 'context.(') });

    await expect(
      loadDefinitionSources(createSagaRegistry(), { directory, modules: [] }),
    ).rejects.toThrow(
      new DefinitionLoadError(
        `${join(directory, 'bad.json')}: steps.0.payload: Expected IDENTIFIER, got LPAREN`,
      ),
    );
  });

  it('stops on a name and version registered twice, and on a directory it cannot read', async () => {
    const directory = folder({ 'a.json': document('same'), 'b.json': document('same') });
    await expect(
      loadDefinitionSources(createSagaRegistry(), { directory, modules: [] }),
    ).rejects.toThrow(/b.json: saga "same" version 1 is already registered/);
    await expect(
      loadDefinitionSources(createSagaRegistry(), {
        directory: join(directory, 'nope'),
        modules: [],
      }),
    ).rejects.toThrow(/SAGA_DEFINITIONS_DIR .*nope cannot be read/);
  });

  it('registers the definitions a module exports, and refuses a module that exports none', async () => {
    const directory = folder({
      'typed.mjs':
        'export const refund = { name: "refund", version: 3, steps: [], graph: {}, initialContext: (x) => x };\nexport const other = 1;\n',
      'empty.mjs': 'export const nothing = 1;\n',
    });
    const registry = createSagaRegistry();

    await loadDefinitionSources(registry, { modules: [join(directory, 'typed.mjs')] });
    expect(registry.get('refund', 3)).toBeDefined();
    await expect(
      loadDefinitionSources(registry, { modules: [join(directory, 'empty.mjs')] }),
    ).rejects.toThrow(/empty.mjs exports no saga definition/);
  });
});
