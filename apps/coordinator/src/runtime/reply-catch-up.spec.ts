import { jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { PartitionEnds } from '#messaging';
import {
  CATCH_UP_CHECK_MS,
  CATCH_UP_LIMIT_MS,
  ReplyCatchUp,
  type GroupPositions,
} from './reply-catch-up.js';

/** A group's positions that the test moves: the topic's ends and what the group committed. */
function positionsOf(ends: Record<number, [low: number, high: number]>) {
  const committed = new Map<number, bigint>();
  const reads = { ends: 0, committed: 0 };
  let failing = false;
  const positions: GroupPositions = {
    partitionEnds: async () => {
      reads.ends++;
      if (failing) throw new Error('broker away');
      const entries = Object.entries(ends).map(
        ([partition, [low, high]]): [number, PartitionEnds] => [
          Number(partition),
          { low: BigInt(low), high: BigInt(high) },
        ],
      );
      return new Map(entries);
    },
    committedOffsets: async () => {
      reads.committed++;
      if (failing) throw new Error('broker away');
      return new Map(committed);
    },
  };
  return {
    positions,
    reads,
    commit: (partition: number, offset: number) => committed.set(partition, BigInt(offset)),
    fail: (on: boolean) => void (failing = on),
  };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ReplyCatchUp', () => {
  let now: number;
  const clock = () => now;

  beforeEach(() => {
    now = 0;
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
    jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
  });
  afterEach(() => jest.restoreAllMocks());

  it('is behind until the group has committed every reply on the topic at its start', async () => {
    // Partition 2 is empty and was never read: nothing to wait for there.
    const group = positionsOf({ 0: [0, 10], 1: [5, 7], 2: [3, 3] });
    const catchUp = new ReplyCatchUp(group.positions, 'g', 'saga.replies', clock);
    catchUp.begin();

    expect(catchUp.behind()).toBe(true);
    await settle();
    group.commit(0, 10);
    now += CATCH_UP_CHECK_MS;
    expect(catchUp.behind()).toBe(true);
    await settle();
    expect(catchUp.behind()).toBe(true); // read less than CATCH_UP_CHECK_MS ago

    group.commit(1, 7);
    now += CATCH_UP_CHECK_MS;
    catchUp.behind();
    await settle();
    expect(catchUp.behind()).toBe(false);
    expect(group.reads).toEqual({ ends: 1, committed: 3 });
  });

  it('reads the offsets at most once per CATCH_UP_CHECK_MS, one read at a time', async () => {
    const group = positionsOf({ 0: [0, 10] });
    const catchUp = new ReplyCatchUp(group.positions, 'g', 'saga.replies', clock);
    catchUp.begin();

    for (let poll = 0; poll < 10; poll++) catchUp.behind();
    await settle();
    now += CATCH_UP_CHECK_MS - 1;
    catchUp.behind();
    await settle();

    expect(group.reads.committed).toBe(1);
  });

  it('stays behind while the broker cannot be read, and reads the ends again once it can', async () => {
    const group = positionsOf({ 0: [0, 4] });
    group.fail(true);
    const catchUp = new ReplyCatchUp(group.positions, 'g', 'saga.replies', clock);
    catchUp.begin();
    catchUp.behind();
    await settle();
    expect(catchUp.behind()).toBe(true);

    group.fail(false);
    group.commit(0, 4);
    now += CATCH_UP_CHECK_MS;
    catchUp.behind();
    await settle();

    expect(catchUp.behind()).toBe(false);
    expect(group.reads.ends).toBe(2);
  });

  it('lets the timeouts fire after CATCH_UP_LIMIT_MS, though the group is still behind', async () => {
    const group = positionsOf({ 0: [0, 4] });
    const catchUp = new ReplyCatchUp(group.positions, 'g', 'saga.replies', clock);
    catchUp.begin();
    now += CATCH_UP_LIMIT_MS - 1;
    expect(catchUp.behind()).toBe(true);

    now += 1;
    expect(catchUp.behind()).toBe(false);
  });

  it('is never behind without positions to read (the in-process broker), nor before it begins', () => {
    expect(new ReplyCatchUp(undefined, 'g', 'saga.replies', clock).behind()).toBe(false);
    const group = positionsOf({ 0: [0, 4] });
    expect(new ReplyCatchUp(group.positions, 'g', 'saga.replies', clock).behind()).toBe(false);
  });
});
