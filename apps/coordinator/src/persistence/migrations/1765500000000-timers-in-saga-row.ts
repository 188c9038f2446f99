import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A saga's pending timers move into its row (see saga-timers.ts): `timers` (jsonb, by the
 * timer's id without the saga id; no index reads it) and `wake_at` (a lower bound of their earliest due time, read by the partial index
 * `sagas_wake_idx`). A decision's update then changes no indexed column unless it arms a timer
 * earlier than the bound, so it stays HOT, where each timer used to be a row inserted into and
 * deleted from a table with three indexes.
 *
 * The timers in flight stay in the `timers` table, where the instances of the earlier release
 * still fire them and add new ones during a rolling update; the instances of this one move them
 * into the rows each time they poll (adoptLegacyTimers), so none waits for the roll. The table
 * stays, emptied so, for one release. With sagas in flight: the columns are added without
 * rewriting the table, under a lock held for the rest of the migration, which also scans
 * `sagas` once for the index (empty: no row has a `wake_at` yet).
 */
export class TimersInSagaRow1765500000000 implements MigrationInterface {
  name = 'TimersInSagaRow1765500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE sagas ADD COLUMN timers jsonb NOT NULL DEFAULT '{}', ADD COLUMN wake_at timestamptz`,
    );
    await runner.query(`CREATE INDEX sagas_wake_idx ON sagas (wake_at) WHERE wake_at IS NOT NULL`);
  }

  /** Puts the timers in the rows back into the table (roll the instances back first). */
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      INSERT INTO timers (id, saga_id, due_at, wakeup, command_outbox_id, delay_ms)
      SELECT s.id::text || ':' || e.key, s.id, to_timestamp((e.value->>'dueAt')::float8 / 1000),
        CASE WHEN e.key = 'deadline' THEN '{"kind": "deadline"}'::jsonb
          ELSE jsonb_build_object('kind', split_part(e.key, ':', 2),
            'stepId', split_part(e.key, ':', 1), 'attempt', split_part(e.key, ':', 3)::int) END,
        (e.value->>'outboxId')::bigint, (e.value->>'delayMs')::bigint
      FROM sagas s CROSS JOIN LATERAL jsonb_each(s.timers) e
      ON CONFLICT (id) DO NOTHING`);
    await runner.query(`DROP INDEX sagas_wake_idx`);
    await runner.query(`ALTER TABLE sagas DROP COLUMN timers, DROP COLUMN wake_at`);
  }
}
