import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An outbox row set aside that stops no saga is tried again by the relay itself, and
 * `set_aside_retries` counts those tries: once they are spent the row is moved to the dead
 * letters rather than tried for ever (see outbox/set-aside-dead-letters.ts). Nullable, without
 * a default (NULL: never tried again), so the column is added without a rewrite and costs
 * nothing to the rows never set aside, nearly all. With sagas in flight: the outbox is locked
 * for an instant. During a roll, the previous release's relay tries rows again without
 * counting: those are tried a little longer.
 */
export class OutboxSetAsideRetries1765700000001 implements MigrationInterface {
  name = 'OutboxSetAsideRetries1765700000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE outbox ADD COLUMN set_aside_retries integer`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE outbox DROP COLUMN set_aside_retries`);
  }
}
