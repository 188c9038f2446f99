import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Bulk operations: an operator's action on every saga a query matched. `bulk_operations` is
 * the operation and its progress (kept as its audit: who, when, which query, why);
 * `bulk_operation_targets` the sagas not yet acted on, taken off as each chunk commits. New
 * tables only: safe with sagas in flight.
 */
export class BulkOperations1765200000000 implements MigrationInterface {
  name = 'BulkOperations1765200000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE bulk_operations (
        id uuid PRIMARY KEY,
        action text NOT NULL CHECK (action IN ('cancel', 'resume', 'retry')),
        query text NOT NULL,
        step_id text,
        reason text NOT NULL,
        actor text NOT NULL,
        status text NOT NULL CHECK (status IN ('running', 'done', 'stopped')),
        matched integer NOT NULL,
        applied integer NOT NULL DEFAULT 0,
        refused integer NOT NULL DEFAULT 0,
        refusals jsonb NOT NULL DEFAULT '[]',
        created_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz
      )`);
    await runner.query(`CREATE INDEX bulk_operations_running ON bulk_operations (created_at)
      WHERE status = 'running'`);
    await runner.query(`CREATE INDEX bulk_operations_listed ON bulk_operations (created_at, id)`);
    await runner.query(`
      CREATE TABLE bulk_operation_targets (
        operation_id uuid NOT NULL REFERENCES bulk_operations (id) ON DELETE CASCADE,
        saga_id uuid NOT NULL,
        PRIMARY KEY (operation_id, saga_id)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`DROP TABLE bulk_operation_targets`);
    await runner.query(`DROP TABLE bulk_operations`);
  }
}
