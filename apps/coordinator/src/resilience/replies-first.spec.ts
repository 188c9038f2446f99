import { RepliesFirst } from './replies-first.js';

describe('RepliesFirst', () => {
  const noted = (repliesFirst: RepliesFirst, partitions: number, backlogs: number[]) => {
    const changes: boolean[] = [];
    repliesFirst.onChange((behind) => changes.push(behind));
    for (const messages of backlogs) repliesFirst.noteBacklog({ messages, partitions });
    return changes;
  };

  it('holds starts from the backlog at which it pauses until the backlog is down to half', () => {
    const repliesFirst = new RepliesFirst(100, 6);

    const changes = noted(repliesFirst, 6, [40, 99, 100, 180, 51, 50, 99, 0, 120]);

    expect(changes).toEqual([true, false, true]);
    expect(repliesFirst.isBehind).toBe(true);
    expect(repliesFirst.replyBacklog).toBe(120);
  });

  it("pauses an instance at its share, that of the reply topic's partitions it owns", () => {
    const repliesFirst = new RepliesFirst(300, 6);

    // Two partitions of six: a third of 300.
    expect(noted(repliesFirst, 2, [99, 100, 51, 50])).toEqual([true, false]);
  });

  it('never holds starts on an instance that owns no reply partition', () => {
    const repliesFirst = new RepliesFirst(300, 6);

    expect(noted(repliesFirst, 0, [5_000])).toEqual([]);
  });

  it('with 0, never holds starts (and still shows the backlog)', () => {
    const repliesFirst = new RepliesFirst(0, 6);

    expect(noted(repliesFirst, 6, [1_000_000])).toEqual([]);
    expect(repliesFirst.isBehind).toBe(false);
    expect(repliesFirst.replyBacklog).toBe(1_000_000);
  });
});
