import { jest } from '@jest/globals';
import { createSagaRegistry } from '#saga-core';
import type { DefinitionsSnapshot, PostgresDefinitionStore } from './definition-store.postgres.js';
import {
  DefinitionConflictError,
  DefinitionRefusedError,
  RegisteredDefinitions,
} from './registered-definitions.js';

/** A document that compiles: one pivot step. */
const gift = (change: Record<string, unknown> = {}) => ({
  name: 'gift',
  version: 1,
  input: { type: 'object' },
  steps: [
    { id: 'send', participant: 'gifts', command: 'gifts.send', kind: 'pivot', payload: '{}' },
  ],
  ...change,
});

/** Registered definitions over a fake store that holds `stored` (none read here yet). */
function definitions(stored: DefinitionsSnapshot['definitions'] = []) {
  const createParticipantTopics = jest.fn(async (_participants: readonly string[]) => {});
  const store = {
    register: jest.fn(async () => 'created' as const),
    snapshot: jest.fn(async (): Promise<DefinitionsSnapshot> => ({
      definitions: stored,
      routes: [],
      retired: new Set(),
    })),
  };
  const registered = new RegisteredDefinitions(
    store as unknown as PostgresDefinitionStore,
    createSagaRegistry(),
    { pollMs: 1_000, createParticipantTopics },
  );
  return { registered, store, createParticipantTopics };
}

describe('RegisteredDefinitions.register', () => {
  it('creates the topics of the participants, then stores the document', async () => {
    const { registered, store, createParticipantTopics } = definitions();
    await expect(registered.register('gift', 1, gift(), 'alice')).resolves.toBe('created');
    expect(createParticipantTopics).toHaveBeenCalledWith(['gifts']);
    expect(store.register).toHaveBeenCalledTimes(1);
  });

  it('answers a version another instance registered since the last poll without creating topics', async () => {
    const stored = [{ seq: '1', name: 'gift', version: 1, document: gift() }];
    const other = gift({
      steps: [
        { id: 'send', participant: 'parcels', command: 'p.send', kind: 'pivot', payload: '{}' },
      ],
    });
    const { registered, store, createParticipantTopics } = definitions(stored);

    await expect(registered.register('gift', 1, other, 'bob')).rejects.toBeInstanceOf(
      DefinitionConflictError,
    );
    await expect(registered.register('gift', 1, gift(), 'bob')).resolves.toBe('same');
    expect(createParticipantTopics).not.toHaveBeenCalled();
    expect(store.register).not.toHaveBeenCalled();
  });

  it.each([
    ['a description with U+0000', gift({ description: 'a\u0000b' }), 'description'],
    [
      'an input schema with a lone surrogate',
      gift({ input: { type: 'object', title: 'caf\ud800' } }),
      'input.title',
    ],
  ])(
    'refuses %s, naming the field, before a topic is created or a row written',
    async (_what, document, path) => {
      const { registered, store, createParticipantTopics } = definitions();
      const refused = registered.register('gift', 1, document, 'alice');
      await expect(refused).rejects.toBeInstanceOf(DefinitionRefusedError);
      await expect(refused).rejects.toMatchObject({
        problems: [{ path, message: expect.stringMatching(/cannot be stored/) as unknown }],
      });
      expect(createParticipantTopics).not.toHaveBeenCalled();
      expect(store.register).not.toHaveBeenCalled();
    },
  );
});

describe('RegisteredDefinitions.refreshKnowing', () => {
  it('shares one read among the callers that come while a read waits, however many', async () => {
    const { registered, store } = definitions([
      { seq: '1', name: 'gift', version: 1, document: gift() },
    ]);
    // The database is slow: the first read waits until released.
    let release!: () => void;
    const slow = new Promise<void>((resolve) => (release = resolve));
    const fast = store.snapshot.getMockImplementation()!;
    store.snapshot.mockImplementationOnce(async () => {
      await slow;
      return fast();
    });

    const first = registered.refreshKnowing('gift');
    const waiting = Array.from({ length: 1_000 }, () => registered.refreshKnowing('gift', 1));
    release();
    await Promise.all([first, ...waiting]);

    expect(store.snapshot.mock.calls.length).toBeLessThanOrEqual(2);
  });
});
