import { jest } from '@jest/globals';
import type { SqlRunner } from '#postgres';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import { BulkOperationWorker, type BulkOperationDatabase } from './bulk-operation-worker.js';

/** An operation always running, of which every chunk takes `chunkSize` sagas. */
function busyOperation(onChunk: (chunk: number) => void = () => undefined) {
  let chunks = 0;
  const runner: SqlRunner = { query: async <Row>() => [{} as Row] };
  const database: BulkOperationDatabase = {
    read: () => runner,
    transaction: (work) => work(runner),
  };
  const decisions = {
    actInBulk: async () => {
      chunks += 1;
      onChunk(chunks);
      return 100;
    },
  } as unknown as SagaDecisions;
  return { database, decisions, chunks: () => chunks };
}

describe('BulkOperationWorker', () => {
  beforeEach(() => jest.useFakeTimers({ now: Date.parse('2026-12-07T12:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('paces its chunks on a monotonic clock: a wall clock stepped back stalls nothing', async () => {
    // NTP steps the wall clock an hour back while the first chunk is under way.
    const operation = busyOperation((chunk) => {
      if (chunk === 1) jest.setSystemTime(Date.now() - 3_600_000);
    });
    let monotonicMs = 0;
    const worker = new BulkOperationWorker(operation.decisions, operation.database, {
      chunkSize: 100,
      maxRate: 100, // 100 sagas a chunk: one chunk a second
      monotonicNow: () => monotonicMs,
    });
    worker.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(operation.chunks()).toBe(1);

    monotonicMs += 999;
    await jest.advanceTimersByTimeAsync(999);
    expect(operation.chunks()).toBe(1);
    monotonicMs += 1;
    await jest.advanceTimersByTimeAsync(1);
    expect(operation.chunks()).toBe(2);

    await worker.stop();
  });

  it('never starts again once stopped (a start that comes after the stop)', async () => {
    const operation = busyOperation();
    const worker = new BulkOperationWorker(operation.decisions, operation.database);
    await worker.stop();
    worker.start();
    await jest.advanceTimersByTimeAsync(5_000);

    expect(operation.chunks()).toBe(0);
  });
});
