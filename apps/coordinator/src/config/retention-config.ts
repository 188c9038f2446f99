import { z } from 'zod';
import {
  auditPeriodsAtOnce,
  MOST_AUDIT_PERIODS,
  shortestAuditPeriodMs,
} from '../retention/audit-partitions.js';
import type { RetentionPeriods } from '../retention/coordinator-purge-tasks.js';
import { boundedInt } from './env-fields.js';

/** How long rows are kept and how the background job deletes them (times in ms). */
export interface RetentionConfig {
  readonly periods: RetentionPeriods;
  /** Pause between two rounds of the job (`RETENTION_INTERVAL_MS`, default 60 000). */
  readonly intervalMs: number;
  /** Rows deleted per transaction (`RETENTION_BATCH_SIZE`, default 500). */
  readonly batchSize: number;
  /** Pause between two batches (`RETENTION_BATCH_PAUSE_MS`, default 100). */
  readonly batchPauseMs: number;
  /**
   * The period of one partition of the audit log (`AUDIT_PARTITION_MS`, whole seconds, default
   * one day): a deleted saga's lines go with their partition, at most this long after the saga.
   */
  readonly auditPartitionMs: number;
  /**
   * How long an outbox row must keep failing with a never-sendable broker error before it is
   * set aside and its saga marked stuck (`OUTBOX_SET_ASIDE_AFTER_MS`, default 60 000).
   */
  readonly outboxSetAsideAfterMs: number;
  /**
   * How long a row set aside waits before the relay tries it again by itself when no resume can
   * release it: a row of no saga, or of a saga that had ended (`OUTBOX_SET_ASIDE_RETRY_MS`,
   * default 600 000).
   */
  readonly outboxSetAsideRetryMs: number;
}

const HOUR = 3_600_000;
const WEEK = 7 * 24 * HOUR;
const YEAR = 365 * 24 * HOUR;
const YEARS = 10 * YEAR;

/** The retention variables of the environment, validated. */
export const retentionEnvironmentSchema = z.object({
  SAGA_RETENTION_MS: boundedInt(1_000, YEARS, WEEK),
  DEAD_LETTER_RETENTION_MS: boundedInt(1_000, YEARS, WEEK),
  OUTBOX_RETENTION_MS: boundedInt(1_000, YEARS, HOUR),
  RETENTION_INTERVAL_MS: boundedInt(100, 24 * HOUR, 60_000),
  RETENTION_BATCH_SIZE: boundedInt(1, 100_000, 500),
  RETENTION_BATCH_PAUSE_MS: boundedInt(0, 60_000, 100),
  AUDIT_PARTITION_MS: boundedInt(60_000, YEAR, 24 * HOUR).refine(
    (ms) => ms % 1000 === 0,
    'must be whole seconds (a multiple of 1000)',
  ),
  OUTBOX_SET_ASIDE_AFTER_MS: boundedInt(0, 24 * HOUR, 60_000),
  OUTBOX_SET_ASIDE_RETRY_MS: boundedInt(1_000, WEEK, 600_000),
});

/** What is wrong with the retention variables taken together. */
export function retentionProblems(env: z.infer<typeof retentionEnvironmentSchema>): string[] {
  const periods = auditPeriodsAtOnce({
    periodMs: env.AUDIT_PARTITION_MS,
    sagaRetentionMs: env.SAGA_RETENTION_MS,
    roundIntervalMs: env.RETENTION_INTERVAL_MS,
  });
  if (periods <= MOST_AUDIT_PERIODS) return [];
  const least = shortestAuditPeriodMs(env.SAGA_RETENTION_MS, env.RETENTION_INTERVAL_MS);
  return [
    `AUDIT_PARTITION_MS: SAGA_RETENTION_MS and RETENTION_INTERVAL_MS would keep about ${periods} of its periods, more than ${MOST_AUDIT_PERIODS}: make it at least ${least}`,
  ];
}

/** Builds the retention configuration from the validated environment. */
export function retentionConfig(env: z.infer<typeof retentionEnvironmentSchema>): RetentionConfig {
  return {
    periods: {
      sagaMs: env.SAGA_RETENTION_MS,
      deadLetterMs: env.DEAD_LETTER_RETENTION_MS,
      outboxMs: env.OUTBOX_RETENTION_MS,
    },
    intervalMs: env.RETENTION_INTERVAL_MS,
    batchSize: env.RETENTION_BATCH_SIZE,
    batchPauseMs: env.RETENTION_BATCH_PAUSE_MS,
    auditPartitionMs: env.AUDIT_PARTITION_MS,
    outboxSetAsideAfterMs: env.OUTBOX_SET_ASIDE_AFTER_MS,
    outboxSetAsideRetryMs: env.OUTBOX_SET_ASIDE_RETRY_MS,
  };
}
