import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes idempotency records by when they were answered, for the retention job
 * (IdempotencyRetention) to find the expired ones without a scan. Records still claimed (no
 * outcome yet) are left out. Not safe to overlook with commands in flight: the index is built in
 * the migrations' transaction, not CONCURRENTLY, so the table is locked against writes (SHARE)
 * for the whole build, and on a large table every command waits for it (those past the pool's
 * `lock_timeout` fail and their batch is handed over again); apply it at a quiet time. The
 * migration connection has no statement timeout, so the build is not cut off.
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
