// The index of held commands by saga (HeldCommandsSagaIndex): retention's cascade from a
// deleted saga and heldReplyTimerIds read a saga's held commands through it, not by a scan of
// the whole table, on Postgres and on PGlite (the embedded mode runs the same migrations); and
// the migration, applied with commands held for sagas in flight, keeps them and undoes itself.
import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { SqlRunner } from '#postgres';
import { HeldCommandsSagaIndex1765700000000 } from '../../../apps/coordinator/src/persistence/migrations/1765700000000-held-commands-saga-index.js';
import { lockSagas } from '../../../apps/coordinator/src/persistence/saga-rows.js';
import { heldReplyTimerIds } from '../../../apps/coordinator/src/resilience/held-commands.js';
import {
  atTheReleaseBefore,
  createEmptySchema,
  dropSchemaOf,
  migratedDatabases,
  type MigratedDatabase,
} from '../../support/migrated-schema.js';
import { uniqueName } from '../../support/services.js';
import { accessPaths, type PlanNode } from '../../support/query-plans.js';

/** Running sagas with `perSaga` held commands each, one in two with its reply timer. */
async function holdCommands(sql: SqlRunner, sagas: number, perSaga: number): Promise<string[]> {
  const ids = Array.from({ length: sagas }, () => randomUUID());
  await sql.query(
    `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
     SELECT id, 'order', 1, 'running', id::text, '{"steps": {}}' FROM unnest($1::uuid[]) AS id`,
    [ids],
  );
  await sql.query(
    `INSERT INTO held_commands (participant, saga_id, step_id, action, attempt, lane, topic,
       message_key, headers, payload, reply_timer)
     SELECT 'payment', id, 'charge-' || n, 'execute', 1, 0, 'payment.commands', id::text, '{}',
       '{"amount": 1}', CASE WHEN n % 2 = 0 THEN jsonb_build_object('id', id::text || n) END
     FROM unnest($1::uuid[]) AS id, generate_series(1, $2) AS n`,
    [ids, perSaga],
  );
  await sql.query(`ANALYZE held_commands`);
  return ids;
}

describe.each(migratedDatabases('it_held_saga_idx'))(
  "held commands read by their saga's index, on %s",
  (_name, open) => {
    let subject: MigratedDatabase;
    let sagaIds: string[];

    beforeAll(async () => {
      subject = await open();
      sagaIds = await holdCommands(subject.database, 1_000, 4);
    });
    afterAll(async () => {
      await subject?.dispose();
    });

    it("deletes a saga's held commands by cascade through the index", async () => {
      // The statement the foreign key's trigger runs for each saga deleted (ri_triggers.c), on
      // the generic plan its cached plan settles on.
      const plan = await subject.database.transaction(async (sql) => {
        await sql.query(`SET LOCAL plan_cache_mode = force_generic_plan`);
        await sql.query(
          `PREPARE cascade_plan(uuid) AS DELETE FROM ONLY held_commands WHERE $1 = saga_id`,
        );
        try {
          const [explained] = await sql.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
            `EXPLAIN (FORMAT JSON) EXECUTE cascade_plan('${sagaIds[0]}')`,
          );
          return explained!['QUERY PLAN'][0].Plan;
        } finally {
          await sql.query(`DEALLOCATE cascade_plan`);
        }
      });

      expect(accessPaths(plan)).toEqual(['held_commands_saga_idx']);
    });

    it('finds the reply timers held with a saga’s commands through the index', async () => {
      // heldReplyTimerIds' own statement, explained instead of run.
      let plan: PlanNode | undefined;
      const explaining: SqlRunner = {
        query: async <Row>(text: string, parameters?: unknown[]) => {
          const [explained] = await subject.database.query<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
            `EXPLAIN (FORMAT JSON) ${text}`,
            parameters,
          );
          plan = explained!['QUERY PLAN'][0].Plan;
          return [] as Row[];
        },
      };

      await heldReplyTimerIds(explaining, sagaIds.slice(0, 2));

      expect(accessPaths(plan!)).toEqual(['held_commands_saga_idx']);
      // And run, it finds them.
      expect((await heldReplyTimerIds(subject.database, [sagaIds[0]!])).sort()).toEqual([
        `${sagaIds[0]}2`,
        `${sagaIds[0]}4`,
      ]);
    });

    it('names, as it locks a saga, the participants it has commands held for', async () => {
      const held = sagaIds[2]!;
      const none = randomUUID();
      await subject.database.query(
        `UPDATE sagas SET state = jsonb_build_object('sagaId', id, 'steps', '{}'::jsonb)
         WHERE id = $1`,
        [held],
      );
      await subject.database.query(
        `INSERT INTO sagas (id, saga_type, saga_version, status, idempotency_key, state)
         VALUES ($1::uuid, 'order', 1, 'running', $2, jsonb_build_object('sagaId', $2::text))`,
        [none, none],
      );

      const locked = await subject.database.transaction((sql) => lockSagas(sql, [held, none]));

      expect(locked.get(held)?.heldFor).toEqual(['payment']);
      expect(locked.get(none)).toBeDefined();
      expect(locked.get(none)?.heldFor).toBeUndefined();
    });
  },
);

describe('the migration adding the index of held commands by saga, with sagas in flight', () => {
  const schema = uniqueName('it_held_saga_idx_mig');
  let dataSource: DataSource | undefined;

  beforeAll(() => createEmptySchema(schema));
  afterAll(async () => {
    await dropSchemaOf(dataSource, schema);
  });

  const indexes = async () =>
    (
      await dataSource!.query<{ indexname: string }[]>(
        `SELECT indexname FROM pg_indexes
         WHERE schemaname = current_schema() AND tablename = 'held_commands' ORDER BY indexname`,
      )
    ).map((row) => row.indexname);

  it('indexes the commands held of the previous release, and undoes itself', async () => {
    dataSource = await atTheReleaseBefore(schema, HeldCommandsSagaIndex1765700000000);
    const runner: SqlRunner = { query: (text, parameters) => dataSource!.query(text, parameters) };
    const [sagaId] = await holdCommands(runner, 3, 2);

    const applied = await dataSource.runMigrations({ transaction: 'all' });

    expect(applied.map((migration) => migration.name)).toEqual([
      'HeldCommandsSagaIndex1765700000000',
    ]);
    expect(await indexes()).toEqual([
      'held_commands_participant_idx',
      'held_commands_pkey',
      'held_commands_saga_idx',
    ]);
    expect(await heldReplyTimerIds(runner, [sagaId!])).toEqual([`${sagaId}2`]);

    await dataSource.undoLastMigration({ transaction: 'all' });
    expect(await indexes()).toEqual(['held_commands_participant_idx', 'held_commands_pkey']);
  });
});
