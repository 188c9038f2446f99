import type { Database } from '#postgres';
import type { JsonValue } from '#contracts';
import type { HandlerContext, SqlRunner } from '#saga-participant';

/**
 * One kind of a sample service's business records (stock levels, reservations,
 * authorizations), by id. The decision a command takes from them must survive the process: a
 * compensation that runs after a restart has to find what the step did. So, with a database,
 * they live in the participant's `records` table and change in the handler's transaction, with
 * its idempotency record; without one (the embedded mode, unit tests) they live in memory and a
 * change is taken back when the handler's transaction does not commit.
 */
export interface BusinessRecords<T extends JsonValue> {
  /**
   * Locks the records `ids` until the handler's transaction ends, hands their values (absent
   * ids left out) to `decide` and stores what it returns in `store`; nothing is stored when it
   * throws. Resolves with its `result`.
   */
  change<R>(
    context: HandlerContext,
    ids: readonly string[],
    decide: (current: ReadonlyMap<string, T>) => Decision<T, R>,
  ): Promise<R>;
  /** The record `id` as last committed, or undefined (for tests and inspection). */
  find(id: string): Promise<T | undefined>;
}

/** What `decide` answers: the records to write (none by default) and the result. */
export interface Decision<T, R> {
  readonly store?: ReadonlyMap<string, T>;
  readonly result: R;
}

/** Where a service keeps its records: a Map per kind, or the participant's database. */
export interface RecordStore {
  /** The records of `kind`; `seed` gives the ones that exist before any command (kept if present). */
  records<T extends JsonValue>(kind: string, seed?: ReadonlyMap<string, T>): BusinessRecords<T>;
  /** Resolves once every seed is written (at once in memory). */
  ready(): Promise<void>;
}

/** Records in memory: lost with the process (embedded mode and unit tests). */
export function memoryRecordStore(): RecordStore {
  return { records: memoryRecords, ready: async () => undefined };
}

function memoryRecords<T extends JsonValue>(
  _kind: string,
  seed?: ReadonlyMap<string, T>,
): BusinessRecords<T> {
  const values = new Map<string, T>(seed);
  return {
    // Synchronous from the read to the write: no other handler runs in between.
    async change(context, ids, decide) {
      const current = new Map<string, T>();
      for (const id of ids) if (values.has(id)) current.set(id, values.get(id) as T);
      const { store, result } = decide(current);
      for (const [id, value] of store ?? []) {
        const before = values.get(id);
        values.set(id, value);
        context.onRollback(() =>
          before === undefined ? values.delete(id) : values.set(id, before),
        );
      }
      return result;
    },
    find: async (id) => values.get(id),
  };
}

/**
 * Records in the participant's `records` table (RecordsTableMigration), changed in the handler's
 * transaction. Rows are locked in id order, so two handlers that touch the same records wait for
 * each other instead of deadlocking.
 */
export function postgresRecordStore(database: Database): RecordStore {
  const seeds: Promise<void>[] = [];
  return {
    records<T extends JsonValue>(kind: string, seed?: ReadonlyMap<string, T>) {
      if (seed !== undefined && seed.size > 0) {
        seeds.push(writeRecords(database, kind, seed, false));
      }
      return postgresRecords<T>(database, kind);
    },
    ready: async () => {
      await Promise.all(seeds);
    },
  };
}

function postgresRecords<T extends JsonValue>(
  database: Database,
  kind: string,
): BusinessRecords<T> {
  return {
    async change(context, ids, decide) {
      const sql = context.transaction;
      if (sql === undefined) throw new Error(`records of ${kind} need the handler's transaction`);
      const rows = await sql.query<{ id: string; doc: T }>(
        `SELECT id, doc FROM records WHERE kind = $1 AND id = ANY($2::text[])
          ORDER BY id FOR UPDATE`,
        [kind, [...new Set(ids)]],
      );
      const { store, result } = decide(new Map(rows.map((row) => [row.id, row.doc])));
      if (store !== undefined && store.size > 0) await writeRecords(sql, kind, store, true);
      return result;
    },
    async find(id) {
      const rows = await database.query<{ doc: T }>(
        `SELECT doc FROM records WHERE kind = $1 AND id = $2`,
        [kind, id],
      );
      return rows[0]?.doc;
    },
  };
}

/** Inserts `values` under `kind`; an existing row is replaced when `replace`, kept otherwise. */
async function writeRecords<T extends JsonValue>(
  sql: Pick<SqlRunner, 'query'>,
  kind: string,
  values: ReadonlyMap<string, T>,
  replace: boolean,
): Promise<void> {
  await sql.query(
    `INSERT INTO records (kind, id, doc)
     SELECT $1, id, doc FROM unnest($2::text[], $3::jsonb[]) AS v(id, doc)
     ON CONFLICT (kind, id) DO ${replace ? 'UPDATE SET doc = EXCLUDED.doc' : 'NOTHING'}`,
    [kind, [...values.keys()], [...values.values()].map((value) => JSON.stringify(value))],
  );
}
