import { jest } from '@jest/globals';
import type { SqlRunner } from '#postgres';
import { keepingAlive } from './transaction-keep-alive.js';

/** A transaction's runner that writes down each statement, and answers when told to. */
class ScriptedRunner implements SqlRunner {
  readonly statements: string[] = [];
  /** Statements in flight, at most one if the caller waits for each. */
  inFlight = 0;
  maxInFlight = 0;
  failing = false;

  async query<Row>(text: string): Promise<Row[]> {
    this.statements.push(text);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await Promise.resolve();
    this.inFlight--;
    if (this.failing) throw new Error('Connection terminated');
    return [];
  }
}

/** A wait the test ends: `end()` settles `promise`. */
function held(): { promise: Promise<void>; end: () => void } {
  let end!: () => void;
  const promise = new Promise<void>((resolve) => (end = resolve));
  return { promise, end };
}

describe('keepingAlive', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs a SELECT 1 every third of the idle limit while the work waits, and none after', async () => {
    const sql = new ScriptedRunner();
    const broker = held();

    const done = keepingAlive(sql, 3_000, async () => {
      await broker.promise;
      return 'sent';
    });
    await jest.advanceTimersByTimeAsync(999);
    expect(sql.statements).toEqual([]);
    await jest.advanceTimersByTimeAsync(1);
    expect(sql.statements).toEqual(['SELECT 1']);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(sql.statements).toEqual(['SELECT 1', 'SELECT 1', 'SELECT 1']);
    broker.end();

    await expect(done).resolves.toBe('sent');
    await jest.advanceTimersByTimeAsync(10_000);
    expect(sql.statements).toHaveLength(3);
  });

  it("counts from the work's last statement, and runs statements one at a time", async () => {
    const sql = new ScriptedRunner();
    const claimed = held();
    const broker = held();

    const done = keepingAlive(sql, 3_000, async (alive) => {
      await claimed.promise;
      await Promise.all([alive.query('UPDATE a'), alive.query('UPDATE b')]);
      await broker.promise;
    });
    await jest.advanceTimersByTimeAsync(900);
    claimed.end();
    await jest.advanceTimersByTimeAsync(999);
    expect(sql.statements).toEqual(['UPDATE a', 'UPDATE b']);
    await jest.advanceTimersByTimeAsync(1);
    expect(sql.statements).toEqual(['UPDATE a', 'UPDATE b', 'SELECT 1']);
    broker.end();
    await done;

    expect(sql.maxInFlight).toBe(1);
  });

  it("ignores a keep-alive that fails: the work's next statement fails so", async () => {
    const sql = new ScriptedRunner();
    const broker = held();

    const done = keepingAlive(sql, 300, async (alive) => {
      await broker.promise;
      await alive.query('UPDATE outbox');
    });
    sql.failing = true;
    await jest.advanceTimersByTimeAsync(100);
    broker.end();

    await expect(done).rejects.toThrow('Connection terminated');
    expect(sql.statements).toEqual(['SELECT 1', 'UPDATE outbox']);
  });

  it('runs no keep-alive without an idle limit', async () => {
    const sql = new ScriptedRunner();
    const broker = held();

    const done = keepingAlive(sql, 0, () => broker.promise);
    await jest.advanceTimersByTimeAsync(3_600_000);
    broker.end();
    await done;

    expect(sql.statements).toEqual([]);
  });
});
