import type { EachBatchPayload } from 'kafkajs';
import { mergedCommits } from './merged-commits.js';

type Topics = { topic: string; partitions: { partition: number; offset: string }[] }[];

/**
 * Payloads of one consumer: each request they send is written down, and answered by hand;
 * `uncommitted` is what kafkajs holds resolved and not committed.
 */
function consumer() {
  const requests: { topics: Topics; answer: (error?: Error) => void }[] = [];
  const state = { uncommitted: [] as Topics };
  const payload = {
    commitOffsetsIfNecessary: (offsets: { topics: Topics }) =>
      new Promise<void>((resolve, reject) => {
        requests.push({
          topics: offsets.topics,
          answer: (error) => (error ? reject(error) : resolve()),
        });
      }),
    uncommittedOffsets: () => ({ topics: state.uncommitted }),
  } as unknown as EachBatchPayload;
  return { payload, requests, state };
}

/** Lets setImmediate callbacks and the promise chains behind them run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('mergedCommits', () => {
  it('sends the offsets handed in during one turn in one request', async () => {
    const { payload, requests } = consumer();
    const commit = mergedCommits();
    const done = [
      commit(payload, 'saga.replies', 0, '10'),
      commit(payload, 'saga.replies', 3, '7'),
      commit(payload, 'saga.start', 1, '2'),
    ];
    await turn();

    expect(requests.map((request) => request.topics)).toEqual([
      [
        {
          topic: 'saga.replies',
          partitions: [
            { partition: 0, offset: '10' },
            { partition: 3, offset: '7' },
          ],
        },
        { topic: 'saga.start', partitions: [{ partition: 1, offset: '2' }] },
      ],
    ]);
    requests[0]!.answer();
    await expect(Promise.all(done)).resolves.toEqual([undefined, undefined, undefined]);
  });

  it('resolves a caller only once its request succeeded', async () => {
    const { payload, requests } = consumer();
    const commit = mergedCommits();
    let resolved = false;
    const done = commit(payload, 'saga.replies', 0, '10').then(() => (resolved = true));
    await turn();
    await turn();

    expect(requests).toHaveLength(1);
    expect(resolved).toBe(false);
    requests[0]!.answer();
    await done;
    expect(resolved).toBe(true);
  });

  it('gathers what comes while a request is under way into the next one, one at a time', async () => {
    const { payload, requests } = consumer();
    const commit = mergedCommits();
    const first = commit(payload, 'saga.replies', 0, '10');
    await turn();
    const second = [
      commit(payload, 'saga.replies', 1, '4'),
      commit(payload, 'saga.replies', 2, '5'),
    ];
    await turn();
    expect(requests).toHaveLength(1);

    requests[0]!.answer();
    await first;
    await turn();
    expect(requests).toHaveLength(2);
    expect(requests[1]!.topics).toEqual([
      {
        topic: 'saga.replies',
        partitions: [
          { partition: 1, offset: '4' },
          { partition: 2, offset: '5' },
        ],
      },
    ]);
    requests[1]!.answer();
    await Promise.all(second);
  });

  it('rejects every caller of a failed request with its error, and sends later offsets anew', async () => {
    const { payload, requests } = consumer();
    const commit = mergedCommits();
    const failed = [commit(payload, 't', 0, '1'), commit(payload, 't', 1, '1')];
    await turn();
    const refusal = new Error('The coordinator is not aware of this member');
    requests[0]!.answer(refusal);
    for (const outcome of failed) await expect(outcome).rejects.toBe(refusal);

    const later = commit(payload, 't', 0, '1');
    await turn();
    expect(requests).toHaveLength(2);
    requests[1]!.answer();
    await expect(later).resolves.toBeUndefined();
  });

  it('sends the offsets handed in while a request fails in the next one, not failing them', async () => {
    const { payload, requests } = consumer();
    const commit = mergedCommits();
    const failed = commit(payload, 't', 0, '1');
    await turn();
    const waiting = commit(payload, 't', 1, '8');
    await turn();
    requests[0]!.answer(new Error('rebalancing'));
    await expect(failed).rejects.toThrow('rebalancing');
    await turn();

    expect(requests).toHaveLength(2);
    expect(requests[1]!.topics).toEqual([
      { topic: 't', partitions: [{ partition: 1, offset: '8' }] },
    ]);
    requests[1]!.answer();
    await expect(waiting).resolves.toBeUndefined();
  });

  it('keeps the highest offset when a partition is handed in twice in one request', async () => {
    const { payload, requests } = consumer();
    const commit = mergedCommits();
    const done = [
      commit(payload, 't', 0, '9'),
      commit(payload, 't', 0, '12'),
      commit(payload, 't', 0, '11'),
    ];
    await turn();

    expect(requests[0]!.topics).toEqual([
      { topic: 't', partitions: [{ partition: 0, offset: '12' }] },
    ]);
    requests[0]!.answer();
    await Promise.all(done);
  });

  describe('after a failed request', () => {
    /** A consumer whose request for partition 0 at `offset` failed, kafkajs holding it resolved. */
    async function failedAt(offset: string) {
      const made = consumer();
      const commit = mergedCommits();
      const failed = commit(made.payload, 't', 0, offset);
      await turn();
      made.state.uncommitted = [{ topic: 't', partitions: [{ partition: 0, offset }] }];
      made.requests[0]!.answer(new Error('Request OffsetCommit timed out'));
      await expect(failed).rejects.toThrow('timed out');
      return { ...made, commit };
    }

    it('commits what kafkajs holds uncommitted in a request of its own when asked', async () => {
      const { requests, commit } = await failedAt('10');
      commit.commitOwed();
      await turn();

      expect(requests).toHaveLength(2);
      expect(requests[1]!.topics).toEqual([
        { topic: 't', partitions: [{ partition: 0, offset: '10' }] },
      ]);
      requests[1]!.answer();
      await turn();
      commit.commitOwed();
      await turn();
      expect(requests).toHaveLength(2); // settled: nothing is owed any more
    });

    it('carries the owed offsets in the next commit of another partition, with no request more', async () => {
      const { payload, requests, commit } = await failedAt('10');
      const next = commit(payload, 't', 1, '4');
      commit.commitOwed(); // the request of `next` carries them
      await turn();

      expect(requests).toHaveLength(2);
      expect(requests[1]!.topics).toEqual([
        {
          topic: 't',
          partitions: [
            { partition: 1, offset: '4' },
            { partition: 0, offset: '10' },
          ],
        },
      ]);
      requests[1]!.answer();
      await expect(next).resolves.toBeUndefined();
    });

    it('keeps them owed while the retry fails too', async () => {
      const { requests, commit } = await failedAt('10');
      commit.commitOwed();
      await turn();
      requests[1]!.answer(new Error('Connection error'));
      await turn();

      commit.commitOwed();
      await turn();
      expect(requests).toHaveLength(3);
      expect(requests[2]!.topics).toEqual(requests[1]!.topics);
      requests[2]!.answer();
    });

    it('sends nothing when kafkajs holds nothing uncommitted (a rejoin dropped the partitions)', async () => {
      const { requests, state, commit } = await failedAt('10');
      state.uncommitted = [];
      commit.commitOwed();
      await turn();
      commit.commitOwed();
      await turn();
      expect(requests).toHaveLength(1);
    });

    it('sends one request at a time: asked while one is under way, it waits for it', async () => {
      const { payload, requests, commit } = await failedAt('10');
      const next = commit(payload, 't', 1, '4');
      await turn();
      commit.commitOwed();
      await turn();
      expect(requests).toHaveLength(2);
      requests[1]!.answer();
      await next;
      await turn();
      expect(requests).toHaveLength(2);
    });
  });

  it('asks kafkajs for nothing and sends nothing when asked to commit what is owed before any failure', async () => {
    const { payload, requests, state } = consumer();
    let asked = 0;
    const counting = {
      ...payload,
      uncommittedOffsets: () => ((asked += 1), { topics: state.uncommitted }),
    } as EachBatchPayload;
    const commit = mergedCommits();
    commit.commitOwed();
    const done = commit(counting, 't', 0, '3');
    await turn();
    requests[0]!.answer();
    await done;
    commit.commitOwed();
    await turn();

    expect(requests).toHaveLength(1);
    expect(asked).toBe(0);
  });
});
