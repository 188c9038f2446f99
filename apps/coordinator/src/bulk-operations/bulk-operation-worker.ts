import { Logger } from '@nestjs/common';
import { describeError } from '#errors';
import { InterruptibleSleep } from '../common/interruptible-sleep.js';
import type { OperatorAction } from '../decisions/operator-decisions.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import { claimChunk, recordChunk, type ClaimedChunk } from './bulk-operation-rows.js';

/** Options of the {@link BulkOperationWorker}. */
export interface BulkOperationWorkerOptions {
  /** Sagas acted on per transaction (default 100): the most any one decision locks. */
  readonly chunkSize?: number;
  /** How often an idle worker looks for an operation (default 1,000 ms). */
  readonly pollIntervalMs?: number;
  /** The most sagas it acts on per second (default 500; 0: as fast as chunks commit). */
  readonly maxRate?: number;
}

/**
 * Carries out bulk operations: takes a chunk of an operation's targets, acts on each saga (the
 * engine refuses those that moved on), and records the counts, all in one transaction, so a
 * crash or a lost database leaves every target either acted on and counted or still listed.
 * Instances share the work (each chunk is claimed with SKIP LOCKED). One chunk at a time, each
 * a decision like any other, at most `maxRate` sagas a second: the hot path's decisions
 * interleave with it.
 */
export class BulkOperationWorker {
  private readonly logger = new Logger(BulkOperationWorker.name);
  private readonly chunkSize: number;
  private readonly pollIntervalMs: number;
  private readonly maxRate: number;
  private readonly pause = new InterruptibleSleep();
  private running = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly decisions: SagaDecisions,
    /** Whether an operation is running: read before a transaction is opened for one. */
    private readonly anyRunning: () => Promise<boolean>,
    options: BulkOperationWorkerOptions = {},
  ) {
    this.chunkSize = options.chunkSize ?? 100;
    this.pollIntervalMs = options.pollIntervalMs ?? 1_000;
    this.maxRate = options.maxRate ?? 500;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the chunk in hand. */
  async stop(): Promise<void> {
    this.running = false;
    this.pause.wake();
    await this.loop;
  }

  /** Looks for work now (an operation was just created here). */
  wake(): void {
    this.pause.wake();
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      let taken = 0;
      const startedAt = Date.now();
      try {
        taken = (await this.anyRunning()) ? await this.actOnChunk() : 0;
        failures = 0;
      } catch (error) {
        failures++;
        this.logger.warn(
          `a bulk operation chunk failed (${failures} in a row), retrying: ${describeError(error)}`,
        );
      }
      if (!this.running) break;
      if (taken > 0) {
        // Paced: the hot path keeps the rest of the database and the CPU.
        const due = this.maxRate > 0 ? (taken * 1000) / this.maxRate : 0;
        const wait = startedAt + due - Date.now();
        if (wait > 0) await this.pause.sleep(wait);
        continue;
      }
      const pause =
        failures > 0 ? Math.min(this.pollIntervalMs * 2 ** failures, 30_000) : this.pollIntervalMs;
      await this.pause.sleep(pause);
    }
  }

  private actOnChunk(): Promise<number> {
    let chunk: ClaimedChunk | undefined;
    return this.decisions.actInBulk(
      async (sql) => {
        chunk = await claimChunk(sql, this.chunkSize);
        return chunk === undefined
          ? undefined
          : { sagaIds: chunk.sagaIds, action: actionOf(chunk) };
      },
      (sql, refused) => recordChunk(sql, chunk!, refused),
    );
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
