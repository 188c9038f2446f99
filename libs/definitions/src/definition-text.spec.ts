import { readDefinitionText } from './definition-text.js';

describe('reading a definition document', () => {
  it('reads YAML and JSON alike', () => {
    expect(readDefinitionText('name: a\nversion: 1\n')).toEqual({
      ok: true,
      value: { name: 'a', version: 1 },
    });
    expect(readDefinitionText('{"name": "a", "version": 1}')).toEqual({
      ok: true,
      value: { name: 'a', version: 1 },
    });
  });

  it('says where a document stops reading', () => {
    const read = readDefinitionText('name: a\nversion: 1\nsteps: [x\n  - y: : z\n');
    expect(read.ok).toBe(false);
    const [problem] = read.ok ? [] : read.problems;
    expect(problem?.path).toBe('(root)');
    expect(problem?.message).toMatch(/^not valid JSON or YAML \(line [34], column \d+\): /);
  });

  it('refuses duplicate keys', () => {
    const read = readDefinitionText('name: a\nname: b\n');
    expect(read.ok).toBe(false);
  });
});
