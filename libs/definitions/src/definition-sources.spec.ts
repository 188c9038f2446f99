import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSagaRegistry } from '#saga-core';
import { DefinitionLoadError, sourceOf } from './definition-files.js';
import { loadDefinitionDirectory } from './definition-sources.js';

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

describe('loadDefinitionDirectory', () => {
  it('registers every document of the directory, JSON and YAML, and skips other entries', () => {
    const directory = folder({
      'b.json': document('bravo'),
      'a.yaml':
        'name: alpha\nversion: 1\ninput: { type: object }\nsteps:\n  - { id: only, participant: p, command: p.do, kind: pivot, payload: "{}" }\n',
      'notes.txt': 'not a definition',
    });
    mkdirSync(join(directory, 'nested.yaml'));
    const registry = createSagaRegistry();

    const loaded = loadDefinitionDirectory(registry, directory);

    expect(registry.list().map((d) => d.name)).toEqual(['alpha', 'bravo']);
    expect(loaded.map(sourceOf)).toEqual([join(directory, 'a.yaml'), join(directory, 'b.json')]);
  });

  it('stops on a document that does not compile, naming the file, the field and the reason', () => {
    const directory = folder({ 'bad.json': document('bad', 'context.(') });

    expect(() => loadDefinitionDirectory(createSagaRegistry(), directory)).toThrow(
      new DefinitionLoadError(
        `${join(directory, 'bad.json')}: steps.0.payload: Expected IDENTIFIER, got LPAREN`,
      ),
    );
  });

  it('stops on a name and version registered twice, and on a directory it cannot read', () => {
    const directory = folder({ 'a.json': document('same'), 'b.json': document('same') });
    expect(() => loadDefinitionDirectory(createSagaRegistry(), directory)).toThrow(
      /b.json: saga "same" version 1 is already registered/,
    );
    expect(() => loadDefinitionDirectory(createSagaRegistry(), join(directory, 'nope'))).toThrow(
      DefinitionLoadError,
    );
  });
});
