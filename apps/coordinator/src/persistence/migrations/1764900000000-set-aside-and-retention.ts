import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Outbox rows that can never be sent are set aside (`set_aside_at`, `set_aside_reason`; still
 * unsent, so the later rows of their saga wait behind them) until an operator resumes the saga.
 * Retention may delete the audit of sagas it has deleted: the append-only trigger lets a DELETE
 * through only inside a retention transaction (`SET LOCAL saga.retention = 'on'`) and only for
 * a row whose saga no longer exists; every UPDATE, and every DELETE of a live saga's history,
 * is still refused. Safe with sagas in flight: a nullable column without default is added
 * without a rewrite, the new index is partial and empty, and the trigger function is swapped
 * in place.
 */
export class SetAsideAndRetention1764900000000 implements MigrationInterface {
  name = 'SetAsideAndRetention1764900000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(
      `ALTER TABLE outbox ADD COLUMN set_aside_at timestamptz, ADD COLUMN set_aside_reason text`,
    );
    await runner.query(
      `CREATE INDEX outbox_set_aside_idx ON outbox (saga_id) WHERE set_aside_at IS NOT NULL`,
    );
    await runner.query(`CREATE INDEX dead_letters_recorded_idx ON dead_letters (recorded_at)`);
    await runner.query(`
      CREATE OR REPLACE FUNCTION saga_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('saga.retention', true) = 'on'
           AND NOT EXISTS (SELECT 1 FROM sagas WHERE id = OLD.saga_id) THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'saga_audit is append-only';
      END $$`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE OR REPLACE FUNCTION saga_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'saga_audit is append-only'; END $$`);
    await runner.query(`DROP INDEX dead_letters_recorded_idx`);
    await runner.query(`DROP INDEX outbox_set_aside_idx`);
    await runner.query(`ALTER TABLE outbox DROP COLUMN set_aside_reason, DROP COLUMN set_aside_at`);
  }
}
