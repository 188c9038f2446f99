import type { PurgeTask, SqlRunner } from '#postgres';

/** How the audit log is cut into partitions, one per period (see the AuditPartitions migration). */
export interface AuditPartitioning {
  /** The length of a period, in ms (whole seconds, at least a minute). */
  readonly periodMs: number;
  /** How long finished sagas are kept: a period's partition goes once it ended this long ago. */
  readonly sagaRetentionMs: number;
  /** The longest pause between two rounds: partitions are made this far ahead, and two periods. */
  readonly roundIntervalMs: number;
  /** How long a task waits for a lock before it gives up until the next round (default 1 000). */
  readonly lockTimeoutMs?: number;
  /**
   * How long a drop waits for the table, and an attach for the default partition (default
   * 100): the writes (for a drop) or the reads (for an attach) that come meanwhile wait behind
   * it, so this bounds what either adds to them.
   */
  readonly dropLockTimeoutMs?: number;
}

/** A partition of one period, `[fromMs, toMs)` of `filed_at`. */
export interface AuditPeriod {
  readonly name: string;
  readonly fromMs: number;
  readonly toMs: number;
}

/** The partitions made here are named by their bounds, in epoch seconds. */
const PERIOD_NAME = /^saga_audit_p(\d+)_(\d+)$/;
/**
 * A new partition starts at least this far ahead of the database's clock (at most half a
 * period): a row is filed at its transaction's start, and one filed in a partition's range
 * while that partition is attached would not fit where it was routed.
 */
const START_MARGIN_MS = 60_000;
/**
 * Partitions of periods at once, at most, counting those made ahead: a read of a saga's log
 * locks every partition and its index, and past 8 of them a lock is no longer a backend's own
 * but one in the server's shared table. The configuration keeps to it (auditPeriodsAtOnce).
 */
export const MOST_AUDIT_PERIODS = 32;

/**
 * About how many periods' partitions exist at once: those of the sagas kept, the current one,
 * and those made ahead (createAhead: two periods and a round's interval), a partial one at
 * either end.
 */
export function auditPeriodsAtOnce(
  partitioning: Pick<AuditPartitioning, 'periodMs' | 'sagaRetentionMs' | 'roundIntervalMs'>,
): number {
  const { periodMs, sagaRetentionMs, roundIntervalMs } = partitioning;
  return Math.ceil((sagaRetentionMs + 2 * periodMs + roundIntervalMs) / periodMs) + 1;
}

/** The shortest period (whole seconds) that keeps auditPeriodsAtOnce to MOST_AUDIT_PERIODS. */
export function shortestAuditPeriodMs(sagaRetentionMs: number, roundIntervalMs: number): number {
  const spanned = sagaRetentionMs + roundIntervalMs;
  return Math.ceil(spanned / (MOST_AUDIT_PERIODS - 3) / 1000) * 1000;
}

/**
 * The retention tasks of the audit log, each in its own transaction (a failure of one does not
 * hold the other up); each resolves with how many partitions it made or dropped:
 * - `made`: the coming periods' partitions. Attaching one locks the default partition until
 *   the transaction commits, and checks it (a scan: it is small unless the periods ran out),
 *   so it waits `dropLockTimeoutMs` at most for the reads under way, as a drop does;
 * - `dropped`: those of periods that ended longer ago than sagas are kept. First it carries the
 *   lines in them of the sagas still there into `saga_audit_kept` (see carryLiveSagas), then it
 *   drops them, which locks the whole table, writes included, until it commits: it waits
 *   `dropLockTimeoutMs` at most for the statements under way (a long read of the audit), then
 *   gives up until the next round, carrying nothing.
 * Other locks (a saga row being deleted) are waited for `lockTimeoutMs` at most.
 */
export function auditPartitionTasks(partitioning: AuditPartitioning): {
  made: PurgeTask;
  dropped: PurgeTask;
} {
  const lockTimeoutMs = partitioning.lockTimeoutMs ?? 1_000;
  const dropLockTimeoutMs = partitioning.dropLockTimeoutMs ?? 100;
  /** Runs `work` on the database's clock, waiting `waitMs` at most for a lock. */
  const withClock =
    (waitMs: number, work: (sql: SqlRunner, nowMs: number) => Promise<number>) =>
    async (sql: SqlRunner) => {
      await setLockTimeout(sql, waitMs);
      const [clock] = await sql.query<{ now_ms: number }>(
        `SELECT (extract(epoch FROM now()) * 1000)::float8 AS now_ms`,
      );
      return work(sql, clock!.now_ms);
    };
  return {
    made: {
      name: 'auditPeriodsMade',
      // Attaching locks the default partition, which every read of a saga's log scans.
      deleteBatch: withClock(dropLockTimeoutMs, async (sql, nowMs) =>
        createAhead(sql, await auditPeriods(sql), nowMs, partitioning),
      ),
    },
    dropped: {
      name: 'auditPeriodsDropped',
      deleteBatch: withClock(lockTimeoutMs, async (sql, nowMs) => {
        const expired = (await auditPeriods(sql)).filter(
          (period) => period.toMs <= nowMs - partitioning.sagaRetentionMs,
        );
        for (const period of expired) await carryLiveSagas(sql, period);
        await setLockTimeout(sql, dropLockTimeoutMs);
        for (const period of expired) await sql.query(`DROP TABLE ${period.name}`);
        return expired.length;
      }),
    },
  };
}

async function setLockTimeout(sql: SqlRunner, ms: number): Promise<void> {
  await sql.query(`SELECT set_config('lock_timeout', $1, true)`, [`${ms}ms`]);
}

/** The audit log's partitions of one period, oldest first. */
export async function auditPeriods(sql: SqlRunner): Promise<AuditPeriod[]> {
  const rows = await sql.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
     WHERE i.inhparent = 'saga_audit'::regclass`,
  );
  return rows
    .flatMap(({ name }) => {
      const bounds = PERIOD_NAME.exec(name);
      return bounds
        ? [{ name, fromMs: Number(bounds[1]) * 1000, toMs: Number(bounds[2]) * 1000 }]
        : [];
    })
    .sort((a, b) => a.fromMs - b.fromMs);
}

/**
 * Adds the partition of `[fromMs, toMs)` (whole seconds). Made apart, then attached: attaching
 * locks the table only against other schema changes (and the default partition, which it
 * checks, against everything), where `CREATE TABLE … PARTITION OF` would stop every write to
 * the table while it checks the default partition.
 */
export async function attachAuditPeriod(
  sql: SqlRunner,
  fromMs: number,
  toMs: number,
): Promise<string> {
  if (fromMs % 1000 !== 0 || toMs % 1000 !== 0 || toMs <= fromMs) {
    throw new Error(`an audit period must be whole seconds, ${fromMs} before ${toMs}`);
  }
  const [from, to] = [fromMs / 1000, toMs / 1000];
  const name = `saga_audit_p${from}_${to}`;
  await sql.query(`CREATE TABLE ${name} (LIKE saga_audit INCLUDING DEFAULTS)`);
  await sql.query(
    `ALTER TABLE saga_audit ATTACH PARTITION ${name} FOR VALUES FROM (to_timestamp(${from})) TO (to_timestamp(${to}))`,
  );
  return name;
}

/**
 * Makes the partitions from the last one's end (or from a margin ahead of the clock, if that is
 * later) to two periods and a round's interval ahead, cut on multiples of the period; resolves
 * with how many it made.
 */
async function createAhead(
  sql: SqlRunner,
  periods: readonly AuditPeriod[],
  nowMs: number,
  { periodMs, roundIntervalMs }: AuditPartitioning,
): Promise<number> {
  const margin = Math.min(START_MARGIN_MS, periodMs / 2);
  const lastEnd = Math.max(0, ...periods.map((period) => period.toMs));
  let from = Math.max(lastEnd, Math.ceil((nowMs + margin) / 1000) * 1000);
  const horizon = nowMs + 2 * periodMs + roundIntervalMs;
  let made = 0;
  for (; from < horizon; made += 1) {
    const to = (Math.floor(from / periodMs) + 1) * periodMs;
    await attachAuditPeriod(sql, from, to);
    from = to;
  }
  return made;
}

/**
 * How long after a period's end a saga may have been created and still have a line in it: a
 * line is filed at the start of its transaction, which may have begun before the saga it
 * writes for was committed by another (no path does that today; a transaction outlasting this
 * would be cancelled by the statement timeout long before).
 */
const CREATION_SLACK_MS = 10 * 60_000;

/**
 * Moves the lines in the period's partition of the sagas still there into `saga_audit_kept`,
 * ids unchanged, so a saga's log reads on in the order it was written. First it waits for the
 * writers of the partition to finish, and keeps new ones out (none should come: its time is
 * long past). The sagas are those created before the period's end (a saga's lines are filed
 * after it was created; most of an expired period's are of sagas deleted since) that have a
 * line in it, each found through an index, and key-share locked: the saga retention, which
 * skips locked sagas, cannot delete one meanwhile and leave its carried lines behind;
 * decisions (NO KEY UPDATE) go on. The copy names no column: a line keeps every column but
 * `filed_at`.
 */
async function carryLiveSagas(sql: SqlRunner, period: AuditPeriod): Promise<void> {
  await sql.query(`LOCK TABLE ${period.name} IN SHARE MODE`);
  await sql.query(
    `INSERT INTO saga_audit_kept
     SELECT line.* FROM (
         SELECT s.id FROM sagas s
         WHERE s.created_at < to_timestamp($1::float8 / 1000)
           AND EXISTS (SELECT 1 FROM ${period.name} a WHERE a.saga_id = s.id)
         ORDER BY s.id FOR KEY SHARE) live
       JOIN ${period.name} a ON a.saga_id = live.id
       CROSS JOIN LATERAL jsonb_populate_record(NULL::saga_audit_kept,
         to_jsonb(a) || '{"filed_at": "-infinity"}') line`,
    [period.toMs + CREATION_SLACK_MS],
  );
}
