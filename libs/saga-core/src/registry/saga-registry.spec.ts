import { z } from 'zod';
import { defineSaga } from '../definition/define-saga.js';
import { createSagaRegistry } from './saga-registry.js';

const definition = (name: string, version: number) =>
  defineSaga({ name, version, input: z.unknown(), initialContext: () => null })
    .step({ id: 'only', participant: 'p', command: 'c', kind: 'pivot', buildCommand: () => null })
    .build();

describe('the saga registry', () => {
  it('finds a definition by name and version', () => {
    const v1 = definition('order', 1);
    expect(createSagaRegistry([v1]).get('order', 1)).toBe(v1);
  });

  it('gives the highest version as the latest', () => {
    const registry = createSagaRegistry([
      definition('order', 2),
      definition('order', 10),
      definition('order', 3),
    ]);
    expect(registry.latest('order')?.version).toBe(10);
  });

  it('resolves a reference to an exact version or to the latest', () => {
    const registry = createSagaRegistry([definition('order', 1), definition('order', 2)]);
    expect(registry.resolve({ name: 'order', version: 1 })?.version).toBe(1);
    expect(registry.resolve({ name: 'order' })?.version).toBe(2);
  });

  it('gives the versions registered under a name, and none for an unknown one', () => {
    const registry = createSagaRegistry([
      definition('order', 20_261_207),
      definition('order', 1),
      definition('refund', 1),
    ]);
    expect(
      registry
        .versions('order')
        .map((d) => d.version)
        .sort((a, b) => a - b),
    ).toEqual([1, 20_261_207]);
    expect(registry.versions('unknown')).toEqual([]);
  });

  it('returns undefined for an unknown name or version', () => {
    const registry = createSagaRegistry([definition('order', 1)]);
    expect(registry.get('order', 2)).toBeUndefined();
    expect(registry.latest('refund')).toBeUndefined();
  });

  it('refuses a second definition with the same name and version', () => {
    const registry = createSagaRegistry([definition('order', 1)]);
    expect(() => registry.register(definition('order', 1))).toThrow(
      'saga "order" version 1 is already registered',
    );
  });

  it('lists definitions by name then version', () => {
    const registry = createSagaRegistry([
      definition('refund', 1),
      definition('order', 2),
      definition('order', 1),
    ]);
    expect(registry.list().map((d) => `${d.name}@${d.version}`)).toEqual([
      'order@1',
      'order@2',
      'refund@1',
    ]);
  });

  it('lists the participants of every definition, once each, sorted', () => {
    const other = defineSaga({
      name: 'refund',
      version: 1,
      input: z.unknown(),
      initialContext: () => null,
    })
      .step({ id: 'a', participant: 'q', command: 'c', kind: 'pivot', buildCommand: () => null })
      .step({
        id: 'b',
        participant: 'p',
        command: 'c',
        kind: 'retriable',
        dependsOn: ['a'],
        buildCommand: () => null,
      })
      .build();
    const registry = createSagaRegistry([definition('order', 1), other]);
    expect(registry.participants()).toEqual(['p', 'q']);
    expect(createSagaRegistry().participants()).toEqual([]);
  });
});
