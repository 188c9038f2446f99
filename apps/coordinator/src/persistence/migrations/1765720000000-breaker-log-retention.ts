import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `participant_breaker_log` under retention: its append-only trigger lets a DELETE through
 * inside a retention transaction (`SET LOCAL saga.retention = 'on'`), as the audit's does, and
 * an index by time finds the expired lines. While a participant flaps, each instance writes a
 * line or two every breaker cycle (about 8,600 a day): kept for ever, nothing could remove them.
 * With sagas in flight: the index is built on a table only breakers write to, small beside the
 * sagas; the function is replaced in place.
 */
export class BreakerLogRetention1765720000000 implements MigrationInterface {
  name = 'BreakerLogRetention1765720000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE OR REPLACE FUNCTION participant_breaker_log_refuse_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'DELETE' AND current_setting('saga.retention', true) = 'on' THEN
          RETURN OLD;
        END IF;
        RAISE EXCEPTION 'participant_breaker_log is append-only';
      END $$`);
    await runner.query(
      `CREATE INDEX participant_breaker_log_at_idx ON participant_breaker_log (at)`,
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP INDEX participant_breaker_log_at_idx`);
    await runner.query(`
      CREATE OR REPLACE FUNCTION participant_breaker_log_refuse_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'participant_breaker_log is append-only'; END $$`);
  }
}
