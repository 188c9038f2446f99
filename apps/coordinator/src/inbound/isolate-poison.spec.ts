import type { BatchHandler, IncomingMessage } from '#saga-core';
import { dataErrorReason } from '#postgres';
import { coalesceBatches } from './coalesce-batches.js';
import { isolatePoison } from './isolate-poison.js';

const message = (value: string): IncomingMessage => ({ topic: 't', key: null, headers: {}, value });

const dataError = () =>
  Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });

/**
 * A handler that fails the whole batch with a data error when it holds a poison value, and
 * otherwise applies it and dead-letters the values starting with "bad" (validation).
 */
function database() {
  const applied: string[] = [];
  const calls: string[][] = [];
  const handle: BatchHandler = async (messages) => {
    calls.push(messages.map((m) => m.value!));
    if (messages.some((m) => m.value!.startsWith('poison'))) throw dataError();
    const valid = messages.filter((m) => !m.value!.startsWith('bad'));
    applied.push(...valid.map((m) => m.value!));
    return {
      deadLetters: messages
        .filter((m) => m.value!.startsWith('bad'))
        .map((m) => ({ message: m, reason: 'invalid' })),
    };
  };
  return { applied, calls, handle };
}

describe('isolatePoison', () => {
  it('passes a healthy batch through in one call', async () => {
    const db = database();
    const batch = ['a', 'bad-b', 'c'].map(message);
    const outcome = await isolatePoison(db.handle, { poisonReason: dataErrorReason })(batch);
    expect(db.calls).toHaveLength(1);
    expect(outcome.deadLetters).toEqual([{ message: batch[1], reason: 'invalid' }]);
  });

  it('dead-letters only the poison messages and applies the rest, in order', async () => {
    const db = database();
    const batch = ['a', 'b', 'poison-1', 'bad-c', 'd', 'e', 'poison-2', 'f'].map(message);
    const poisoned: string[] = [];
    const outcome = await isolatePoison(db.handle, {
      poisonReason: dataErrorReason,
      redact: (m) => `redacted ${m.value}`,
      onPoison: (m) => poisoned.push(m.value!),
    })(batch);
    expect(db.applied).toEqual(['a', 'b', 'd', 'e', 'f']);
    expect(poisoned).toEqual(['poison-1', 'poison-2']);
    const reason = 'the database refused a value (SQLSTATE 22P05, untranslatable character)';
    expect(outcome.deadLetters).toEqual([
      { message: batch[2], reason, value: 'redacted poison-1' },
      { message: batch[3], reason: 'invalid' },
      { message: batch[6], reason, value: 'redacted poison-2' },
    ]);
    // Bisection: far fewer calls than one per message for a large batch with one poison.
    const big = Array.from({ length: 256 }, (_, i) => message(i === 100 ? 'poison' : `m${i}`));
    const bigDb = database();
    await isolatePoison(bigDb.handle, { poisonReason: dataErrorReason })(big);
    expect(bigDb.applied).toHaveLength(255);
    expect(bigDb.calls.length).toBeLessThanOrEqual(2 * Math.log2(256) + 1);
  });

  it('lets any other error through: the batch is retried', async () => {
    const failing: BatchHandler = () => Promise.reject(new Error('connection terminated'));
    await expect(
      isolatePoison(failing, { poisonReason: dataErrorReason })([message('a'), message('b')]),
    ).rejects.toThrow('connection terminated');
    const deadlock = Object.assign(new Error('deadlock'), { code: '40P01' });
    await expect(
      isolatePoison(() => Promise.reject(deadlock), { poisonReason: dataErrorReason })([
        message('a'),
      ]),
    ).rejects.toBe(deadlock);
  });

  it('inside coalesceBatches, blames no message of another partition', async () => {
    const db = database();
    const coalesced = coalesceBatches(
      isolatePoison(db.handle, { poisonReason: dataErrorReason }),
      1,
    );
    const partition0 = ['a', 'poison', 'b'].map(message);
    const partition1 = ['c', 'd'].map(message);
    const [first, second] = await Promise.all([coalesced(partition0), coalesced(partition1)]);
    expect(first.deadLetters.map((d) => d.message)).toEqual([partition0[1]]);
    expect(second.deadLetters).toEqual([]);
    expect(db.applied.sort()).toEqual(['a', 'b', 'c', 'd']);
  });
});

describe('dataErrorReason', () => {
  it('names SQLSTATE class 22 errors, from pg or wrapped by TypeORM, and nothing else', () => {
    expect(dataErrorReason({ code: '22021' })).toBe(
      'the database refused a value (SQLSTATE 22021, character not in repertoire)',
    );
    expect(dataErrorReason({ driverError: { code: '22P02' } })).toMatch(/22P02, invalid text/);
    expect(dataErrorReason({ code: '22999' })).toMatch(/22999, data exception/);
    expect(dataErrorReason({ code: '40001' })).toBeUndefined();
    expect(dataErrorReason({ code: 'ECONNRESET' })).toBeUndefined();
    expect(dataErrorReason(new Error('x'))).toBeUndefined();
    expect(dataErrorReason(null)).toBeUndefined();
  });
});
