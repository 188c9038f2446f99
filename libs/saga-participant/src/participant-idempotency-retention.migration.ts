import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes idempotency records by when they were answered, for the retention job
 * (IdempotencyRetention) to find the expired ones without a scan. Records still claimed (no
 * outcome yet) are left out. Safe with commands in flight: only an index is added.
 */
export class ParticipantIdempotencyRetention1764900000000 implements MigrationInterface {
  name = 'ParticipantIdempotencyRetention1764900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `CREATE INDEX participant_idempotency_replied_idx ON participant_idempotency (replied_at)
       WHERE replied_at IS NOT NULL`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX participant_idempotency_replied_idx`);
  }
}
