import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log becomes a table partitioned by `filed_at` (when a line was written), so that
 * retention drops a period's lines whole instead of deleting them row by row
 * (see retention/audit-partitions.ts). Its partitions:
 * - one per period (`saga_audit_p<from>_<to>`, epoch seconds), created ahead by retention;
 * - `saga_audit_kept` (before 1970): the lines written before this migration, and those of
 *   sagas that outlived their period's partition, carried there when it was dropped
 *   (`filed_at` '-infinity'); deleted row by row with their saga;
 * - `saga_audit_unfiled` (the default): lines written while no period's partition covered
 *   their time (the first minutes after this migration); deleted row by row with their saga.
 * The table keeps its name, columns and sequence: an instance of the previous release, during
 * a rolling update, writes and reads it unchanged (`filed_at` defaults to now()).
 * With sagas in flight: the existing table is renamed and attached as `saga_audit_kept`, not
 * rewritten (its new column has a constant default); attaching it scans it once to check its
 * range, under the lock the migration holds anyway.
 */
export class AuditPartitions1765600000000 implements MigrationInterface {
  name = 'AuditPartitions1765600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE saga_audit RENAME TO saga_audit_kept`);
    await runner.query(`ALTER INDEX saga_audit_saga_idx RENAME TO saga_audit_kept_saga_idx`);
    await runner.query(`DROP TRIGGER saga_audit_append_only ON saga_audit_kept`);
    await runner.query(
      `ALTER TABLE saga_audit_kept ADD COLUMN filed_at timestamptz NOT NULL DEFAULT '-infinity'`,
    );
    await runner.query(
      `CREATE TABLE saga_audit (LIKE saga_audit_kept INCLUDING DEFAULTS) PARTITION BY RANGE (filed_at)`,
    );
    await runner.query(`ALTER TABLE saga_audit ALTER COLUMN filed_at SET DEFAULT now()`);
    await runner.query(
      `ALTER TABLE saga_audit ATTACH PARTITION saga_audit_kept FOR VALUES FROM (MINVALUE) TO ('1970-01-01 00:00:00+00')`,
    );
    await runner.query(`CREATE TABLE saga_audit_unfiled PARTITION OF saga_audit DEFAULT`);
    // Takes over the kept table's index, builds the default's (empty).
    await runner.query(`CREATE INDEX saga_audit_saga_idx ON saga_audit (saga_id, id)`);
    await runner.query(`
      CREATE TRIGGER saga_audit_append_only BEFORE UPDATE OR DELETE ON saga_audit
      FOR EACH ROW EXECUTE FUNCTION saga_audit_refuse_change()`);
  }

  /** Puts every line back into one plain table (roll the instances back first). */
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE saga_audit DETACH PARTITION saga_audit_kept`);
    await runner.query(`INSERT INTO saga_audit_kept SELECT * FROM saga_audit`);
    await runner.query(`DROP TABLE saga_audit`);
    await runner.query(`DROP TRIGGER IF EXISTS saga_audit_append_only ON saga_audit_kept`);
    await runner.query(`ALTER TABLE saga_audit_kept DROP COLUMN filed_at`);
    await runner.query(`ALTER TABLE saga_audit_kept RENAME TO saga_audit`);
    await runner.query(`ALTER INDEX saga_audit_kept_saga_idx RENAME TO saga_audit_saga_idx`);
    await runner.query(`
      CREATE TRIGGER saga_audit_append_only BEFORE UPDATE OR DELETE ON saga_audit
      FOR EACH ROW EXECUTE FUNCTION saga_audit_refuse_change()`);
  }
}
