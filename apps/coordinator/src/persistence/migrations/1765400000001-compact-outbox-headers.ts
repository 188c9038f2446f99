import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `outbox.headers_from`: which rule gives back the headers a row's payload holds, so that the
 * row stores only the others (see apps/coordinator/src/persistence/outbox-headers.ts); 0, every
 * header stored, is what rows written before it are. A column with a constant default: no
 * rewrite, safe with sagas in flight. Instances of the previous release read `headers` alone and
 * would relay a compact row without those headers: roll from it with
 * `OUTBOX_COMPACT_HEADERS=false` (docs/DEPLOYMENT.md).
 */
export class CompactOutboxHeaders1765400000001 implements MigrationInterface {
  name = 'CompactOutboxHeaders1765400000001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE outbox ADD COLUMN headers_from smallint NOT NULL DEFAULT 0`);
  }

  async down(runner: QueryRunner): Promise<void> {
    // Every row gets its headers back (those sent too) before the column that gives them goes.
    await runner.query(`
      UPDATE outbox SET headers = CASE headers_from
        WHEN 1 THEN jsonb_build_object(
          'saga-message-id', payload->>'messageId', 'saga-id', payload->>'sagaId',
          'saga-type', payload->>'sagaType', 'saga-message-type', 'saga.command',
          'content-type', 'application/json', 'saga-schema-version', '1',
          'saga-step-id', payload->>'stepId', 'saga-attempt', payload->>'attempt',
          'saga-reply-to', payload->>'replyTo')
        ELSE jsonb_build_object(
          'saga-message-id', payload->>'eventId', 'saga-id', payload->>'sagaId',
          'saga-type', payload->>'sagaType', 'saga-message-type', 'saga.event',
          'content-type', 'application/json', 'saga-schema-version', '1')
        END || headers
      WHERE headers_from <> 0`);
    await runner.query(`ALTER TABLE outbox DROP COLUMN headers_from`);
  }
}
