import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A reply is applied at most once by the saga's state (the step's awaited attempt fences every
 * other answer), so the inbox of applied message ids goes: one insert and one index entry less
 * per reply. Safe with sagas in flight: a redelivered reply is fenced, and audited as ignored.
 */
export class DropInbox1765000000000 implements MigrationInterface {
  name = 'DropInbox1765000000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE IF EXISTS inbox`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE inbox (
        message_id text PRIMARY KEY,
        saga_id text,
        received_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX inbox_received_idx ON inbox (received_at)`);
  }
}
