import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stores each saga's W3C trace context (`{traceparent, tracestate?}`) on its row, so every span
 * of the saga, however long it runs, joins the trace it started. Null when tracing was off.
 */
export class SagaTraceContext1764460800000 implements MigrationInterface {
  name = 'SagaTraceContext1764460800000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE sagas ADD COLUMN trace_context jsonb`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query(`ALTER TABLE sagas DROP COLUMN trace_context`);
  }
}
