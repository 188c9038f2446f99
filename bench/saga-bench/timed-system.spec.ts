import { jest } from '@jest/globals';
import type { BenchSystem, SagaEnd } from './bench-system.js';
import { perStepMs, TimedSystem } from './timed-system.js';

/** A system that ends sagas when the test says so. */
function fakeSystem() {
  let listener: (key: string, end: SagaEnd) => void = () => undefined;
  const system: BenchSystem = {
    name: 'fake',
    setup: async () => undefined,
    start: jest.fn(),
    onEnd: (l) => (listener = l),
    processes: () => [{ role: 'fake', pid: 1 }],
    topics: () => ['t'],
    teardown: async () => undefined,
  };
  return { system, end: (key: string, end: SagaEnd) => listener(key, end) };
}

describe('perStepMs', () => {
  it('divides each saga by its round trips: 3 when completed, 5 when compensated', () => {
    expect(perStepMs([{ ms: 30, end: 'completed' }])).toBe(10);
    expect(perStepMs([{ ms: 50, end: 'compensated' }])).toBe(10);
  });

  it('takes the median over the sagas', () => {
    const sagas = [3, 6, 9, 300].map((ms) => ({ ms, end: 'completed' as const }));
    expect(perStepMs(sagas)).toBe(2);
  });

  it('is NaN without sagas', () => {
    expect(perStepMs([])).toBeNaN();
  });
});

describe('TimedSystem', () => {
  it('passes starts and ends through and times each saga from its start', () => {
    const { system, end } = fakeSystem();
    const timed = new TimedSystem(system);
    const ends: string[] = [];
    timed.onEnd((key, outcome) => ends.push(`${key}:${outcome}`));
    timed.start('a-0', false);
    timed.start('a-1', true);
    end('a-1', 'compensated');
    expect(system.start).toHaveBeenCalledWith('a-1', true);
    expect(ends).toEqual(['a-1:compensated']);
    const sagas = timed.takeEnded();
    expect(sagas).toHaveLength(1);
    expect(sagas[0]!.end).toBe('compensated');
    expect(sagas[0]!.ms).toBeGreaterThanOrEqual(0);
  });

  it('forgets what it saw once taken, and does not time a saga it did not start', () => {
    const { system, end } = fakeSystem();
    const timed = new TimedSystem(system);
    timed.start('a-0', false);
    timed.takeEnded();
    end('a-0', 'completed');
    end('b-0', 'completed');
    expect(timed.takeEnded()).toEqual([]);
  });

  it('shows the inner system as it is', () => {
    const timed = new TimedSystem(fakeSystem().system);
    expect([timed.name, timed.topics(), timed.processes()]).toEqual([
      'fake',
      ['t'],
      [{ role: 'fake', pid: 1 }],
    ]);
  });
});
