import { describe, expect, it } from '@jest/globals';
import {
  GroupCommitPipeline,
  type PartitionOffset,
} from '../../bench/saga-bench/floor-pipeline.js';

/** A pipeline whose batches finish when the test says so. */
function harness(options: { maxInFlight?: number; maxBatch?: number; maxWaiting?: number } = {}) {
  const batches: { items: string[]; finish: () => void; fail: (error: Error) => void }[] = [];
  const commits: PartitionOffset[][] = [];
  const pipeline = new GroupCommitPipeline<string>({
    ...options,
    process: (items) =>
      new Promise<void>((resolve, reject) =>
        batches.push({ items, finish: resolve, fail: reject }),
      ),
    commitOffsets: async (offsets) => {
      commits.push(offsets);
    },
  });
  return { pipeline, batches, commits };
}

const at = (partition: number, offset: number): PartitionOffset => ({
  topic: 't',
  partition,
  offset: String(offset),
});

/** Lets the pipeline's scheduled work run (one turn of the event loop, then its promises). */
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GroupCommitPipeline', () => {
  it('puts what every partition delivered in one turn into one batch', async () => {
    const { pipeline, batches } = harness();
    pipeline.add(['a', 'b'], at(0, 2));
    pipeline.add(['c'], at(1, 1));
    await turn();
    expect(batches.map((batch) => batch.items)).toEqual([['a', 'b', 'c']]);
  });

  it('gathers what arrives while every slot is busy into the next batch', async () => {
    const { pipeline, batches } = harness({ maxInFlight: 1 });
    pipeline.add(['a'], at(0, 1));
    await turn();
    pipeline.add(['b'], at(0, 2));
    pipeline.add(['c'], at(1, 1));
    await turn();
    expect(batches).toHaveLength(1);
    batches[0]!.finish();
    await turn();
    expect(batches.map((batch) => batch.items)).toEqual([['a'], ['b', 'c']]);
  });

  it('commits a batch done early only once every batch before it is done', async () => {
    const { pipeline, batches, commits } = harness({ maxInFlight: 2 });
    pipeline.add(['a'], at(0, 1));
    await turn();
    pipeline.add(['b'], at(0, 2));
    await turn();
    batches[1]!.finish();
    await turn();
    expect(commits).toEqual([]);
    batches[0]!.finish();
    await pipeline.drain();
    expect(commits.flat()).toEqual([at(0, 2)]);
  });

  it('splits a delivery larger than a batch, and commits its offset with its last piece', async () => {
    const { pipeline, batches, commits } = harness({ maxInFlight: 1, maxBatch: 2 });
    pipeline.add(['a', 'b', 'c'], at(0, 3));
    await turn();
    batches[0]!.finish();
    await turn();
    expect(commits).toEqual([]);
    batches[1]!.finish();
    await pipeline.drain();
    expect(batches.map((batch) => batch.items)).toEqual([['a', 'b'], ['c']]);
    expect(commits.flat()).toEqual([at(0, 3)]);
  });

  it('holds producers while too many items wait, and lets them go once a batch takes them', async () => {
    const { pipeline, batches } = harness({ maxInFlight: 1, maxWaiting: 2 });
    pipeline.add(['a'], at(0, 1));
    await turn();
    pipeline.add(['b', 'c'], at(0, 3));
    let released = false;
    const room = pipeline.whenRoom().then(() => (released = true));
    await turn();
    expect(released).toBe(false);
    batches[0]!.finish();
    await room;
    expect(batches.map((batch) => batch.items)).toEqual([['a'], ['b', 'c']]);
  });

  it('fails for good when a batch fails, and commits nothing of it', async () => {
    const { pipeline, batches, commits } = harness();
    pipeline.add(['a'], at(0, 1));
    await turn();
    batches[0]!.fail(new Error('database down'));
    await expect(pipeline.drain()).rejects.toThrow('database down');
    expect(() => pipeline.add(['b'], at(0, 2))).toThrow('database down');
    expect(commits).toEqual([]);
  });
});
