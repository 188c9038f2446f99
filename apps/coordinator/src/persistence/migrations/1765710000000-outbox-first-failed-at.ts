import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `outbox.first_failed_at`: since when the relay has failed to send the row with a broker error
 * that says it can never be sent (the database's clock). The row is set aside once that has
 * lasted OUTBOX_SET_ASIDE_AFTER_MS, counted from the first failure any instance saw; releasing
 * the row from set-aside clears it (see outbox/send-failure.ts). It replaces a map in each
 * relay's memory, which grew by a row per row never sent and kept a row's old failure time after
 * another instance had set it aside and it was released.
 *
 * Nullable, without a default (NULL: never failed so), so the column is added without a rewrite
 * and costs nothing to the rows that never fail, nearly all. With sagas in flight: the outbox is
 * locked for an instant. During a roll, the previous release's relays keep counting in memory:
 * a row they alone see failing waits their own time, as before.
 */
export class OutboxFirstFailedAt1765710000000 implements MigrationInterface {
  name = 'OutboxFirstFailedAt1765710000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE outbox ADD COLUMN first_failed_at timestamptz`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE outbox DROP COLUMN first_failed_at`);
  }
}
