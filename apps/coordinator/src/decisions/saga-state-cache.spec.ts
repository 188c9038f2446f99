import type { SagaState, SagaStatus } from '#saga-core';
import type { StoredSaga } from '../persistence/saga-rows.js';
import { SagaStateCache } from './saga-state-cache.js';

const saga = (sagaId: string, rowVersion = 1, status: SagaStatus = 'running'): StoredSaga => ({
  state: { sagaId, status } as SagaState,
  rowVersion,
  idempotencyKey: `key-${sagaId}`,
  traceContext: null,
});

describe('SagaStateCache', () => {
  it('gives the sagas asked for only when it holds every one of them', () => {
    const cache = new SagaStateCache(10);
    cache.remember([saga('a'), saga('b')]);
    expect([...cache.all(['a', 'b'])!.keys()]).toEqual(['a', 'b']);
    expect(cache.all(['a', 'c'])).toBeUndefined();
    expect(cache.all([])).toBeUndefined();
  });

  it('keeps the latest committed state of each saga', () => {
    const cache = new SagaStateCache(10);
    cache.remember([saga('a', 1)]);
    cache.remember([saga('a', 2)]);
    expect(cache.all(['a'])!.get('a')!.rowVersion).toBe(2);
    expect(cache.size).toBe(1);
  });

  it('drops a saga once it has ended, and keeps a stuck one', () => {
    const cache = new SagaStateCache(10);
    cache.remember([saga('a'), saga('b'), saga('c')]);
    cache.remember([saga('a', 2, 'completed'), saga('b', 2, 'compensated'), saga('c', 2, 'stuck')]);
    expect(cache.all(['a'])).toBeUndefined();
    expect(cache.all(['b'])).toBeUndefined();
    expect(cache.all(['c'])!.get('c')!.rowVersion).toBe(2);
  });

  it('drops the least recently used sagas beyond its capacity', () => {
    const cache = new SagaStateCache(2);
    cache.remember([saga('a'), saga('b')]);
    cache.all(['a']); // a is now more recent than b
    cache.remember([saga('c')]);
    expect(cache.size).toBe(2);
    expect(cache.all(['b'])).toBeUndefined();
    expect(cache.all(['a', 'c'])).toBeDefined();
  });

  it('forgets sagas whose stored state is in doubt', () => {
    const cache = new SagaStateCache(10);
    cache.remember([saga('a'), saga('b')]);
    cache.forget(['a']);
    expect(cache.all(['a'])).toBeUndefined();
    expect(cache.all(['b'])).toBeDefined();
  });

  it('holds nothing with a capacity of 0', () => {
    const cache = new SagaStateCache(0);
    cache.remember([saga('a')]);
    expect(cache.size).toBe(0);
    expect(cache.all(['a'])).toBeUndefined();
  });
});
