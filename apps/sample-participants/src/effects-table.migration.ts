import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sample service's durable ledger, in its own schema: one row per effect applied. There is
 * deliberately no unique key, so an effect applied twice shows as two rows for the checker.
 */
export class EffectsTable1764633600001 implements MigrationInterface {
  name = 'EffectsTable1764633600001';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE effects (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        idempotency_key text NOT NULL,
        command_type text NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
    await runner.query(`CREATE INDEX effects_key_idx ON effects (idempotency_key)`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE effects`);
  }
}
