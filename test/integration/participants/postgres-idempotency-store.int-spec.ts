// The kit's Postgres idempotency store on the real Postgres, in a schema of its own.
import type { Database } from '#postgres';
import { ALREADY_COMPENSATED, type JsonValue, type ReplyOutcome } from '#contracts';
import {
  BusinessRefusal,
  openParticipantDatabase,
  PostgresIdempotencyStore,
  quoteIdentifier,
  runCommandHandler,
  type CommandHandler,
  type HandlerContext,
} from '#saga-participant';
import { EffectsTable1764633600001 } from '../../../apps/sample-participants/src/effects-table.migration.js';
import { commandFor } from '../../../libs/saga-participant/src/command.fixture.js';
import { databaseUrl, uniqueName } from '../../support/services.js';

const success: ReplyOutcome = { status: 'success', result: { reservationId: 'r-1' } };

describe('the Postgres idempotency store', () => {
  const schema = uniqueName('it_participant');
  let db: Database;
  let store: PostgresIdempotencyStore;

  beforeAll(async () => {
    db = await openParticipantDatabase({
      url: databaseUrl(),
      schema,
      migrations: [EffectsTable1764633600001],
    });
    store = new PostgresIdempotencyStore(db);
    // A table with a unique key, for handlers that meet (and catch) a unique violation.
    await db.query(`CREATE TABLE holds (order_id text PRIMARY KEY)`);
    await db.query(`INSERT INTO holds (order_id) VALUES ('o-held')`);
  });

  afterAll(async () => {
    await db.query(`DROP SCHEMA ${quoteIdentifier(schema)} CASCADE`);
    await db.close();
  });

  /** Work that writes one effect row in the store's transaction, then answers `outcome`. */
  const applyEffect =
    (key: string, outcome: ReplyOutcome = success, pause?: Promise<void>) =>
    async ({ transaction }: HandlerContext) => {
      await transaction!.query(
        `INSERT INTO effects (idempotency_key, command_type) VALUES ($1, 'inventory.reserve')`,
        [key],
      );
      await pause;
      return outcome;
    };
  const effectsOf = async (key: string) =>
    Number(
      (
        await db.query<{ n: string }>(
          `SELECT count(*) AS n FROM effects WHERE idempotency_key = $1`,
          [key],
        )
      )[0]!.n,
    );

  it('applies the effect once and answers the duplicate with the stored outcome', async () => {
    const first = await store.once('k-1', 'inventory.reserve', applyEffect('k-1'));
    const second = await store.once('k-1', 'inventory.reserve', applyEffect('k-1'));
    expect(first).toEqual({ outcome: success, duplicate: false });
    expect(second).toEqual({ outcome: success, duplicate: true });
    expect(await effectsOf('k-1')).toBe(1);
    expect(await store.find('k-1')).toEqual(success);
  });

  it('stores a business failure without the writes made before it: a refused step is not compensated', async () => {
    const failure: ReplyOutcome = { status: 'failure', code: 'OUT_OF_STOCK', message: 'none' };
    await store.once('k-2', 'inventory.reserve', applyEffect('k-2', failure));
    expect(await store.once('k-2', 'inventory.reserve', applyEffect('k-2'))).toEqual({
      outcome: failure,
      duplicate: true,
    });
    expect(await effectsOf('k-2')).toBe(0);
  });

  describe('a handler that catches a failed statement of its transaction', () => {
    /** A handler that writes an effect, then holds an order already held (a unique violation). */
    const holding =
      (onViolation: (error: unknown) => never | JsonValue): CommandHandler =>
      async (command, { transaction }) => {
        await transaction!.query(
          `INSERT INTO effects (idempotency_key, command_type) VALUES ($1, 'inventory.reserve')`,
          [command.idempotencyKey],
        );
        try {
          await transaction!.query(`INSERT INTO holds (order_id) VALUES ('o-held')`);
        } catch (error) {
          return onViolation(error);
        }
        return { held: true };
      };
    const run = (key: string, handler: CommandHandler) => {
      const command = commandFor({ sagaId: key, idempotencyKey: key });
      return store.once(key, command.commandType, (context) =>
        runCommandHandler(handler, command, context, () => undefined),
      );
    };
    const alreadyHeld = holding(() => {
      throw new BusinessRefusal('ALREADY_HELD', 'the order is held already');
    });

    it('stores its refusal, undoes its writes, and answers a redelivery with the refusal', async () => {
      const refusal = {
        status: 'failure',
        code: 'ALREADY_HELD',
        message: 'the order is held already',
      };

      expect(await run('caught-1', alreadyHeld)).toEqual({ outcome: refusal, duplicate: false });

      expect(await store.find('caught-1')).toEqual(refusal);
      expect(await effectsOf('caught-1')).toBe(0);
      expect(await run('caught-1', alreadyHeld)).toEqual({ outcome: refusal, duplicate: true });
    });

    it('answers a technical error, storing nothing, when it answers success after the failed statement', async () => {
      const result = await run(
        'caught-2',
        holding(() => ({ held: false })),
      );

      expect(result.outcome).toMatchObject({ status: 'error', code: 'INTERNAL' });
      expect(await store.find('caught-2')).toBeUndefined();
      expect(await effectsOf('caught-2')).toBe(0);
    });
  });

  it('rolls back the effect and the claim of a technical error, so the retry applies it once', async () => {
    const error: ReplyOutcome = { status: 'error', code: 'INTERNAL', message: 'crashed' };
    expect(
      (await store.once('k-3', 'inventory.reserve', applyEffect('k-3', error))).outcome,
    ).toEqual(error);
    expect(await effectsOf('k-3')).toBe(0);
    expect(await store.find('k-3')).toBeUndefined();
    await store.once('k-3', 'inventory.reserve', applyEffect('k-3'));
    expect(await effectsOf('k-3')).toBe(1);
  });

  it('rolls back the effect when the work throws', async () => {
    const throwing = async (context: HandlerContext) => {
      await applyEffect('k-4')(context);
      throw new Error('connection lost');
    };
    await expect(store.once('k-4', 'inventory.reserve', throwing)).rejects.toThrow(
      'connection lost',
    );
    expect(await effectsOf('k-4')).toBe(0);
  });

  it('applies two concurrent copies once: the second waits on the row lock, then gets the outcome', async () => {
    const other = new PostgresIdempotencyStore(db); // another instance, on its own connection
    let release!: () => void;
    const pause = new Promise<void>((resolve) => (release = resolve));
    let claimed!: () => void;
    const firstClaimed = new Promise<void>((resolve) => (claimed = resolve));
    const first = store.once('k-5', 'inventory.reserve', (context) => {
      claimed(); // the work runs once the key is claimed
      return applyEffect('k-5', success, pause)(context);
    });
    await firstClaimed;
    const second = other.once('k-5', 'inventory.reserve', applyEffect('k-5'));
    await waitForLockWaiters(1); // the second blocks on the claimed row
    release();
    const results = await Promise.all([first, second]);
    expect(results.map((result) => result.duplicate)).toEqual([false, true]);
    expect(results[1]!.outcome).toEqual(success);
    expect(await effectsOf('k-5')).toBe(1);
  });

  it('applies both copies when deduplication is turned off', async () => {
    const unsafe = new PostgresIdempotencyStore(db, { dedupe: false });
    await unsafe.once('k-6', 'inventory.reserve', applyEffect('k-6'));
    await unsafe.once('k-6', 'inventory.reserve', applyEffect('k-6'));
    expect(await effectsOf('k-6')).toBe(2);
  });

  it('takes back what the work changed in memory when its transaction does not commit, or it refuses', async () => {
    const changed: string[] = [];
    const throwing = async (context: HandlerContext) => {
      changed.push('x');
      context.onRollback(() => changed.pop());
      throw new Error('connection lost');
    };
    await expect(store.once('k-7', 'inventory.reserve', throwing)).rejects.toThrow();
    expect(changed).toEqual([]);
    await store.once('k-8', 'inventory.reserve', async (context) => {
      changed.push('y');
      context.onRollback(() => changed.pop());
      return success;
    });
    expect(changed).toEqual(['y']);
    await store.once('k-9', 'inventory.reserve', async (context) => {
      changed.push('z');
      context.onRollback(() => changed.pop());
      return { status: 'failure', code: 'OUT_OF_STOCK', message: 'none' };
    });
    expect(changed).toEqual(['y']); // a refusal applies nothing, in memory either
  });

  it('takes back what a run changed in memory when its COMMIT loses a race and it runs again', async () => {
    // A deferred check that refuses the first COMMIT as a serialization failure (a sequence's
    // step is not rolled back: it refuses once).
    await db.query(`CREATE TABLE stamps (n int)`);
    await db.query(`CREATE SEQUENCE refuse_once`);
    await db.query(
      `CREATE FUNCTION refuse_once() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN
         IF nextval('refuse_once') = 1 THEN
           RAISE EXCEPTION 'could not serialize access' USING ERRCODE = '40001';
         END IF;
         RETURN NULL;
       END $$`,
    );
    await db.query(
      `CREATE CONSTRAINT TRIGGER refuse_once AFTER INSERT ON stamps
       DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_once()`,
    );
    const changed: string[] = [];
    const result = await store.once('k-10', 'inventory.reserve', async (context) => {
      await context.transaction!.query(`INSERT INTO stamps (n) VALUES (1)`);
      changed.push('x');
      context.onRollback(() => changed.pop());
      return success;
    });
    expect(result).toEqual({ outcome: success, duplicate: false });
    const [stamps] = await db.query<{ n: string }>(`SELECT count(*) AS n FROM stamps`);
    expect(Number(stamps!.n)).toBe(1);
    expect(changed).toEqual(['x']);
  });

  describe('the late-command rule', () => {
    const refusal = {
      status: 'failure',
      code: ALREADY_COMPENSATED,
      message: 'compensated first',
    } as const;
    const undo = async () => success;

    it('refuses a command that arrives after its compensation and never applies it', async () => {
      const closes = { key: 'late-1', outcome: refusal };
      await store.once('late-1:compensate', 'inventory.release', undo, closes);
      const late = await store.once('late-1', 'inventory.reserve', applyEffect('late-1'));
      expect(late).toEqual({ outcome: refusal, duplicate: true });
      expect(await effectsOf('late-1')).toBe(0);
    });

    it('keeps the outcome of a command applied before its compensation', async () => {
      await store.once('late-2', 'inventory.reserve', applyEffect('late-2'));
      await store.once('late-2:compensate', 'inventory.release', undo, {
        key: 'late-2',
        outcome: refusal,
      });
      expect(await store.find('late-2')).toEqual(success);
      expect(await effectsOf('late-2')).toBe(1);
    });

    it('waits for the command under way before it compensates', async () => {
      const other = new PostgresIdempotencyStore(db);
      let release!: () => void;
      const pause = new Promise<void>((resolve) => (release = resolve));
      let claimed!: () => void;
      const forwardClaimed = new Promise<void>((resolve) => (claimed = resolve));
      const forward = store.once('late-3', 'inventory.reserve', (context) => {
        claimed();
        return applyEffect('late-3', success, pause)(context);
      });
      await forwardClaimed;
      let effectsSeenByUndo = -1;
      const compensation = other.once(
        'late-3:compensate',
        'inventory.release',
        async ({ transaction }) => {
          const [row] = await transaction!.query<{ n: string }>(
            `SELECT count(*) AS n FROM effects WHERE idempotency_key = 'late-3'`,
          );
          effectsSeenByUndo = Number(row!.n);
          return success;
        },
        { key: 'late-3', outcome: refusal },
      );
      await waitForLockWaiters(1); // the compensation waits on the command's claim
      release();
      await Promise.all([forward, compensation]);
      expect(effectsSeenByUndo).toBe(1); // it saw the effect it must undo
      expect(await store.find('late-3')).toEqual(success);
    });

    it('undoes the closing with a compensation that fails with a technical error', async () => {
      const error: ReplyOutcome = { status: 'error', code: 'INTERNAL', message: 'crashed' };
      await store.once('late-4:compensate', 'inventory.release', async () => error, {
        key: 'late-4',
        outcome: refusal,
      });
      expect(await store.find('late-4')).toBeUndefined();
    });
  });

  /** Polls pg_stat_activity until `count` sessions wait on a lock of the idempotency table. */
  async function waitForLockWaiters(count: number): Promise<void> {
    for (let i = 0; i < 200; i++) {
      const [row] = await db.query<{ n: string }>(
        `SELECT count(*) AS n FROM pg_stat_activity
         WHERE wait_event_type = 'Lock' AND query LIKE '%participant_idempotency%'
           AND datname = current_database()`,
      );
      if (Number(row!.n) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`no ${count} session(s) waiting on a lock`);
  }
});
