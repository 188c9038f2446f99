import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The kit's table in the participant's schema: one row per idempotency key, claimed when the
 * command first runs and holding the final outcome it was answered with.
 */
export class ParticipantIdempotency1764633600000 implements MigrationInterface {
  name = 'ParticipantIdempotency1764633600000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE participant_idempotency (
        idempotency_key text PRIMARY KEY,
        command_type text NOT NULL,
        outcome jsonb,
        replied_at timestamptz
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE participant_idempotency`);
  }
}
