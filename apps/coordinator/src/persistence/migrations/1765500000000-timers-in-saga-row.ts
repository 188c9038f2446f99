import type { MigrationInterface, QueryRunner } from 'typeorm';
import { adoptLegacyTimers } from '../saga-timers.js';

/**
 * A saga's pending timers move into its row (see saga-timers.ts): `timers` (jsonb, by the
 * timer's id without the saga id; no index reads it) and `wake_at` (a lower bound of their earliest due time, read by the partial index
 * `sagas_wake_idx`). A decision's update then changes no indexed column unless it arms a timer
 * earlier than the bound, so it stays HOT, where each timer used to be a row inserted into and
 * deleted from a table with three indexes.
 *
 * The `timers` table stays for one release, empty: an instance of the earlier release still
 * writes there during a rolling update, and the instances of this one move what it wrote into
 * the rows each time they poll (adoptLegacyTimers). Safe with sagas in flight: the columns are
 * added without rewriting the table, and the timers move in the migration's transaction.
 */
export class TimersInSagaRow1765500000000 implements MigrationInterface {
  name = 'TimersInSagaRow1765500000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE sagas ADD COLUMN timers jsonb NOT NULL DEFAULT '{}', ADD COLUMN wake_at timestamptz`,
    );
    await runner.query(`CREATE INDEX sagas_wake_idx ON sagas (wake_at) WHERE wake_at IS NOT NULL`);
    while ((await adoptLegacyTimers(runner, 10_000)) > 0);
  }

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
