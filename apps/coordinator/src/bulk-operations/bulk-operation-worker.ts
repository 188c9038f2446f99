import { performance } from 'node:perf_hooks';
import { Logger } from '@nestjs/common';
import { describeError } from '#errors';
import { isDatabaseUnavailable, type SqlRunner } from '#postgres';
import { InterruptibleSleep } from '../common/interruptible-sleep.js';
import type { OperatorAction } from '../decisions/operator-decisions.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import {
  anyBulkRunning,
  claimChunk,
  recordChunk,
  skipTarget,
  type ClaimedChunk,
} from './bulk-operation-rows.js';

/** Options of the {@link BulkOperationWorker}. */
export interface BulkOperationWorkerOptions {
  /** Sagas acted on per transaction (default 100): the most any one decision locks. */
  readonly chunkSize?: number;
  /** How often an idle worker looks for an operation (default 1,000 ms). */
  readonly pollIntervalMs?: number;
  /** The most sagas it acts on per second (default 500; 0: as fast as chunks commit). */
  readonly maxRate?: number;
  /**
   * A monotonic clock in ms, which the pacing is on (default performance.now): a wall clock
   * stepped back (NTP) would stall the operation by the size of the step.
   */
  readonly monotonicNow?: () => number;
}

/** The database as the worker needs it besides the decisions: reads, and a transaction. */
export interface BulkOperationDatabase {
  read(): SqlRunner;
  transaction<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T>;
}

/** The first wait after a failed chunk, doubled at each failure in a row (at most 30 s). */
const FAILURE_BACKOFF_MS = 100;
/** Chunks that fail in a row before the worker goes one saga at a time. */
const FAILURES_BEFORE_SINGLES = 3;
/**
 * A single saga's transaction failing this many times in a row (the database answering) is
 * skipped, counted as refused.
 */
const FAILURES_BEFORE_SKIP = 3;

/**
 * Carries out bulk operations: takes a chunk of an operation's targets, acts on each saga (the
 * engine refuses those that moved on), and records the counts, all in one transaction, so a
 * crash or a lost database leaves every target either acted on and counted or still listed.
 * Instances share the work (each chunk is claimed with SKIP LOCKED). One chunk at a time, each
 * a decision like any other, at most `maxRate` sagas a second: the hot path's decisions
 * interleave with it. A chunk that keeps failing is retried one saga at a time, and a saga
 * whose own transaction keeps failing is counted as refused, so one bad saga cannot hold up
 * the operation (nor those behind it).
 */
export class BulkOperationWorker {
  private readonly logger = new Logger(BulkOperationWorker.name);
  private readonly chunkSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxRate: number;
  private readonly pause = new InterruptibleSleep();
  private readonly monotonicNow: () => number;
  private running = false;
  /** Once stopped, it never starts again (a start that comes late, after a stop, is ignored). */
  private stopped = false;
  private idle = true;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly decisions: SagaDecisions,
    private readonly database: BulkOperationDatabase,
    options: BulkOperationWorkerOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.maxRate = options.maxRate ?? 500;
    this.monotonicNow = options.monotonicNow ?? (() => performance.now());
  }

  start(): void {
    if (this.running || this.stopped) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the chunk in hand. */
  async stop(): Promise<void> {
    this.running = false;
    this.stopped = true;
    this.pause.wake();
    await this.loop;
  }

  /** Looks for work now, if idle (an operation was just created here); pacing is kept. */
  wake(): void {
    if (this.idle) this.pause.wake();
  }

  private async run(): Promise<void> {
    let failures = 0; // in a row, whatever the cause: the back-off
    let faults = 0; // in a row, of the chunk's own doing (not the database gone)
    let singles = 0; // rounds left one saga at a time, after a chunk kept failing
    while (this.running) {
      const startedAt = this.monotonicNow();
      const size = singles > 0 ? 1 : this.chunkSize;
      let claimed: ClaimedChunk | undefined;
      let taken = 0;
      try {
        // Idle, one index probe instead of a transaction; busy, the claim itself tells.
        if (!this.idle || (await anyBulkRunning(this.database.read()))) {
          taken = await this.actOnChunk(size, (chunk) => (claimed = chunk));
        }
        failures = 0;
        faults = 0;
        if (taken > 0 && singles > 0) singles--;
      } catch (error) {
        failures++;
        this.logger.warn(
          `a bulk operation chunk failed (${failures} in a row), retrying: ${describeError(error)}`,
        );
        if (!isDatabaseUnavailable(error)) faults++;
        if (size > 1 && faults >= FAILURES_BEFORE_SINGLES) {
          singles = this.chunkSize;
          faults = 0;
        } else if (size === 1 && faults >= FAILURES_BEFORE_SKIP) {
          await this.skip(claimed).catch(() => undefined);
          singles = Math.max(0, singles - 1);
          faults = 0;
        }
      }
      if (!this.running) break;
      this.idle = taken === 0;
      const pacing = this.maxRate > 0 ? (taken * 1000) / this.maxRate : 0;
      const backoff =
        failures > 0 ? Math.min(FAILURE_BACKOFF_MS * 2 ** failures, 30_000) : this.pollIntervalMs;
      const wait = taken > 0 ? startedAt + pacing - this.monotonicNow() : backoff;
      if (wait > 0) await this.pause.sleep(wait);
    }
  }

  private actOnChunk(size: number, claimed: (chunk: ClaimedChunk) => void): Promise<number> {
    let chunk: ClaimedChunk | undefined;
    return this.decisions.actInBulk(
      async (sql) => {
        chunk = await claimChunk(sql, size);
        if (chunk === undefined) return undefined;
        claimed(chunk);
        return { sagaIds: chunk.sagaIds, action: actionOf(chunk) };
      },
      (sql, refused) => recordChunk(sql, chunk!, refused),
    );
  }

  /** Counts a saga whose every transaction failed as refused, and goes on with the others. */
  private async skip(chunk: ClaimedChunk | undefined): Promise<void> {
    const sagaId = chunk?.sagaIds[0];
    if (chunk === undefined || sagaId === undefined) return;
    const reason = `not acted on: its transaction failed ${FAILURES_BEFORE_SKIP} times (see the coordinator's log)`;
    await this.database.transaction((sql) => skipTarget(sql, chunk, sagaId, reason));
    this.logger.warn(`bulk operation ${chunk.operationId}: saga ${sagaId} skipped, ${reason}`);
  }
}

/** The engine's action for one saga of the chunk; the audit names the operation. */
function actionOf(chunk: ClaimedChunk): OperatorAction {
  const reason = `${chunk.reason} (bulk operation ${chunk.operationId})`;
  if (chunk.action === 'retry') {
    return { type: 'retry-step', stepId: chunk.stepId ?? '', actor: chunk.actor, reason };
  }
  return { type: chunk.action, actor: chunk.actor, reason };
}
