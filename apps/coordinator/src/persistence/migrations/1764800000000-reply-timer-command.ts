import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Links a reply timeout to the outbox row of the command it awaits, with the timeout's length
 * (ms, bigint: a timeout of weeks times TIME_SCALE must fit):
 * the timeout counts from when that command reached the broker (its `sent_at`), so an outage
 * that keeps it in the outbox delays the saga instead of failing the step. Timers written
 * before this migration have no link and fire as they always did.
 */
export class ReplyTimerCommand1764800000000 implements MigrationInterface {
  name = 'ReplyTimerCommand1764800000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE timers ADD COLUMN command_outbox_id bigint, ADD COLUMN delay_ms bigint`,
    );
    // A saga's unsent rows, for the fast path's order check (few rows: only the unsent ones).
    await runner.query(
      `CREATE INDEX outbox_unsent_saga_idx ON outbox (saga_id, id) WHERE sent_at IS NULL`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX outbox_unsent_saga_idx`);
    await runner.query(`ALTER TABLE timers DROP COLUMN command_outbox_id, DROP COLUMN delay_ms`);
  }
}
