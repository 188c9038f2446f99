import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit log becomes a table partitioned by `filed_at` (when a line was written), so that
 * retention drops a period's lines whole instead of deleting them row by row
 * (see retention/audit-partitions.ts). Its partitions:
 * - one per period (`saga_audit_p<from>_<to>`, epoch seconds), made ahead by retention;
 * - `saga_audit_kept` (before 1970): the lines of sagas that outlived their period's
 *   partition, carried there when it was dropped (`filed_at` '-infinity');
 * - `saga_audit_unfiled` (the default): lines written while no period's partition covered
 *   their time (the first minutes after this migration).
 * The last two are deleted row by row, with their saga.
 *
 * The lines written before this migration stay where they are, in the table renamed
 * `saga_audit_legacy` (its trigger too), read along with the new one and deleted row by row
 * with their saga; a later release moves what is left of them and drops it. Attaching that
 * table as a partition would have it scanned under an exclusive lock (nothing proves its rows
 * fit the range), stopping every write for as long as a week of audit takes to read.
 *
 * So with sagas in flight: a rename and new empty tables, under locks held for an instant. The
 * new table keeps the name, the columns and the sequence of the old one: an instance of the
 * previous release, during a rolling update, writes into it unchanged (`filed_at` defaults to
 * now()); it reads only that table, so it shows a saga's history from the migration on. Its
 * retention deletes the lines of the sagas it deletes from that table only: their lines in the
 * legacy table stay, out of sight (their saga is gone), until the release that drops it.
 */
export class AuditPartitions1765600000000 implements MigrationInterface {
  name = 'AuditPartitions1765600000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE saga_audit RENAME TO saga_audit_legacy`);
    await runner.query(`ALTER INDEX saga_audit_saga_idx RENAME TO saga_audit_legacy_saga_idx`);
    await runner.query(
      `CREATE TABLE saga_audit (LIKE saga_audit_legacy INCLUDING DEFAULTS,
         filed_at timestamptz NOT NULL DEFAULT now()) PARTITION BY RANGE (filed_at)`,
    );
    // The numbering goes on, and outlives the legacy table.
    await runner.query(`ALTER SEQUENCE saga_audit_id_seq OWNED BY saga_audit.id`);
    await runner.query(
      `CREATE TABLE saga_audit_kept PARTITION OF saga_audit FOR VALUES FROM (MINVALUE) TO ('1970-01-01 00:00:00+00')`,
    );
    await runner.query(`CREATE TABLE saga_audit_unfiled PARTITION OF saga_audit DEFAULT`);
    await runner.query(`CREATE INDEX saga_audit_saga_idx ON saga_audit (saga_id, id)`);
    await runner.query(`
      CREATE TRIGGER saga_audit_append_only BEFORE UPDATE OR DELETE ON saga_audit
      FOR EACH ROW EXECUTE FUNCTION saga_audit_refuse_change()`);
  }

  /**
   * Puts the lines back into one plain table (roll the instances back first): those written
   * since, of the sagas still there, one statement per partition, under an exclusive lock that
   * holds every write until it commits. For a log of more than a few million lines since,
   * restore a backup instead (each statement has the client's query timeout).
   */
  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`SET LOCAL statement_timeout = 0`);
    await runner.query(`LOCK TABLE saga_audit, saga_audit_legacy IN ACCESS EXCLUSIVE MODE`);
    const partitions = (await runner.query(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
       WHERE i.inhparent = 'saga_audit'::regclass`,
    )) as { name: string }[];
    const columns = `id, saga_id, at, event_type, from_status, to_status, step_id, attempt, actor, applied, detail`;
    for (const { name } of partitions) {
      await runner.query(
        `INSERT INTO saga_audit_legacy (${columns}) SELECT ${columns} FROM ${name} a
         WHERE EXISTS (SELECT 1 FROM sagas s WHERE s.id = a.saga_id)`,
      );
    }
    await runner.query(`ALTER SEQUENCE saga_audit_id_seq OWNED BY saga_audit_legacy.id`);
    await runner.query(`DROP TABLE saga_audit`);
    await runner.query(`ALTER TABLE saga_audit_legacy RENAME TO saga_audit`);
    await runner.query(`ALTER INDEX saga_audit_legacy_saga_idx RENAME TO saga_audit_saga_idx`);
  }
}
