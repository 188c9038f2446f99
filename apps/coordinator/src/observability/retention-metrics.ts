import { Counter, Gauge, type Registry } from 'prom-client';
import type { TaskOutcome } from '#postgres';

/**
 * Records how each retention task's turns end (RetentionLoop's `onTaskRun`):
 * - `saga_retention_runs_total{task, outcome}`: turns, `done` or `failed`;
 * - `saga_retention_count_total{task}`: what done turns deleted (rows; for the audit log's
 *   tasks, partitions made and dropped);
 * - `saga_retention_last_run_timestamp_seconds{task, outcome}`: when a turn last ended so
 *   (the alert SagaRetentionFailing compares the two).
 */
export function retentionMetrics(
  registry: Registry,
  nowMs: () => number = Date.now,
): (task: string, outcome: TaskOutcome) => void {
  const runs = new Counter({
    name: 'saga_retention_runs_total',
    help: 'Turns of each retention task, by how they ended (done, failed).',
    labelNames: ['task', 'outcome'],
    registers: [registry],
  });
  const count = new Counter({
    name: 'saga_retention_count_total',
    help: 'Rows each retention task deleted (audit partitions made or dropped, for auditPeriodsMade and auditPeriodsDropped).',
    labelNames: ['task'],
    registers: [registry],
  });
  const last = new Gauge({
    name: 'saga_retention_last_run_timestamp_seconds',
    help: 'When a turn of each retention task last ended, by how it ended (Unix time).',
    labelNames: ['task', 'outcome'],
    registers: [registry],
  });
  return (task, outcome) => {
    const ended = 'failed' in outcome ? 'failed' : 'done';
    runs.inc({ task, outcome: ended });
    if ('done' in outcome) count.inc({ task }, outcome.done);
    last.set({ task, outcome: ended }, nowMs() / 1000);
  };
}
