import { RepliesFirst } from './replies-first.js';

describe('RepliesFirst', () => {
  it('holds starts from the backlog at which it pauses until the backlog is down to half', () => {
    const repliesFirst = new RepliesFirst(100);
    const changes: boolean[] = [];
    repliesFirst.onChange((behind) => changes.push(behind));

    for (const backlog of [40, 99, 100, 180, 51, 50, 99, 0, 120]) repliesFirst.noteBacklog(backlog);

    expect(changes).toEqual([true, false, true]);
    expect(repliesFirst.isBehind).toBe(true);
    expect(repliesFirst.replyBacklog).toBe(120);
  });

  it('with 0, never holds starts (and still shows the backlog)', () => {
    const repliesFirst = new RepliesFirst(0);
    const changes: boolean[] = [];
    repliesFirst.onChange((behind) => changes.push(behind));

    repliesFirst.noteBacklog(1_000_000);

    expect(changes).toEqual([]);
    expect(repliesFirst.isBehind).toBe(false);
    expect(repliesFirst.replyBacklog).toBe(1_000_000);
  });
});
