import type { BatchOutcome, IncomingMessage } from '#saga-core';
import { coalesceBatches } from './coalesce-batches.js';

const message = (value: string): IncomingMessage => ({
  topic: 't',
  key: null,
  headers: {},
  value,
});

/** A handler whose calls the test resolves or rejects by hand. */
function manualHandler() {
  const calls: {
    messages: readonly IncomingMessage[];
    resolve(outcome: BatchOutcome): void;
    reject(error: unknown): void;
  }[] = [];
  const handle = (messages: readonly IncomingMessage[]) =>
    new Promise<BatchOutcome>((resolve, reject) => calls.push({ messages, resolve, reject }));
  return { calls, handle };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('coalesceBatches', () => {
  it('merges the batches handed in while a call is under way into the next call', async () => {
    const { calls, handle } = manualHandler();
    const coalesced = coalesceBatches(handle, 1);
    const [a, b, c] = [[message('a')], [message('b')], [message('c')]];
    const first = coalesced(a);
    await turn();
    const second = coalesced(b);
    const third = coalesced(c);
    await turn();
    expect(calls.map((call) => call.messages.map((m) => m.value))).toEqual([['a']]);

    calls[0]!.resolve({ deadLetters: [] });
    await expect(first).resolves.toEqual({ deadLetters: [] });
    await turn();
    expect(calls.map((call) => call.messages.map((m) => m.value))).toEqual([['a'], ['b', 'c']]);
    calls[1]!.resolve({ deadLetters: [{ message: c[0]!, reason: 'bad c' }] });
    await expect(second).resolves.toEqual({ deadLetters: [] });
    await expect(third).resolves.toEqual({ deadLetters: [{ message: c[0], reason: 'bad c' }] });
  });

  it('merges batches handed in during one turn of the event loop, even with nothing under way', async () => {
    const { calls, handle } = manualHandler();
    const coalesced = coalesceBatches(handle, 2);
    void coalesced([message('a')]);
    void coalesced([message('b')]);
    await turn();
    expect(calls).toHaveLength(1);
    expect(calls[0]!.messages.map((m) => m.value)).toEqual(['a', 'b']);
  });

  it('runs up to maxInFlight calls at once', async () => {
    const { calls, handle } = manualHandler();
    const coalesced = coalesceBatches(handle, 2);
    void coalesced([message('a')]);
    await turn();
    void coalesced([message('b')]);
    await turn();
    void coalesced([message('c')]);
    await turn();
    expect(calls.map((call) => call.messages.map((m) => m.value))).toEqual([['a'], ['b']]);
    calls[0]!.resolve({ deadLetters: [] });
    await turn();
    await turn();
    expect(calls.map((call) => call.messages.map((m) => m.value))).toEqual([['a'], ['b'], ['c']]);
  });

  it('fails every caller of a merged call that failed, and goes on with the next ones', async () => {
    const { calls, handle } = manualHandler();
    const coalesced = coalesceBatches(handle, 1);
    const first = coalesced([message('a')]);
    const second = coalesced([message('b')]);
    await turn();
    calls[0]!.reject(new Error('database down'));
    await expect(first).rejects.toThrow('database down');
    await expect(second).rejects.toThrow('database down');
    const third = coalesced([message('c')]);
    await turn();
    calls[1]!.resolve({ deadLetters: [] });
    await expect(third).resolves.toEqual({ deadLetters: [] });
  });

  it('hands an off-contract outcome to every caller as it is, for the consumer to refuse', async () => {
    const { calls, handle } = manualHandler();
    const coalesced = coalesceBatches(handle, 1);
    const first = coalesced([message('a')]);
    const second = coalesced([message('b')]);
    await turn();
    calls[0]!.resolve(undefined as unknown as BatchOutcome);
    await expect(first).resolves.toBeUndefined();
    await expect(second).resolves.toBeUndefined();
  });
});
