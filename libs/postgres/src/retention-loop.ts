import type { Database } from './database.js';
import type { SqlRunner } from './sql-runner.js';

/** One kind of expired rows to delete, a bounded batch at a time. */
export interface PurgeTask {
  /** Names the task in the counts `runOnce` resolves with. */
  readonly name: string;
  /** Deletes at most `limit` expired rows in the transaction given; resolves with how many it deleted. */
  deleteBatch(sql: SqlRunner, limit: number): Promise<number>;
  /**
   * Its advisory lock key within the namespace (default: its place in the list). Keep it the
   * same from one release to the next, so that instances of both, during a rolling update, still
   * take turns at it.
   */
  readonly lockKey?: number;
}

/** Options of the {@link RetentionLoop}; times in ms. */
export interface RetentionLoopOptions {
  /**
   * Base of the advisory lock keys (task i locks `lockNamespace * 1000 + i`, or its `lockKey`,
   * with the schema's hash as second key: instances on other schemas do not contend).
   */
  readonly lockNamespace: number;
  /** Rows deleted per transaction, at most (default 500). */
  readonly batchSize?: number;
  /** Pause between two batches, leaving the database to the hot path (default 100). */
  readonly batchPauseMs?: number;
  /** Pause between two rounds of every task (default 60 000). */
  readonly intervalMs?: number;
  /** Told about failed rounds (default: nothing). */
  readonly onError?: (error: unknown) => void;
  /**
   * Told how each task's turn ended: done (with the rows it deleted) or failed; not called when
   * another instance held the task's lock, so this one left it.
   */
  readonly onTaskRun?: (task: string, outcome: TaskOutcome) => void;
}

/**
 * The most batches a task deletes in one turn of a background round: past it, the next tasks
 * run (the audit's partitions, the outbox, ...), and the next round comes at once rather than
 * an interval later. Expired rows that come as fast as one task deletes them would otherwise
 * keep every other task from running.
 */
export const MAX_BATCHES_PER_TURN = 100;

/** How a task's turn in a round ended. */
export type TaskOutcome = { readonly done: number } | { readonly failed: unknown };

/**
 * Deletes expired rows in the background: each round runs every task, one small transaction
 * per batch with pauses between them, until a batch finds fewer rows than its size (in a
 * background round, or MAX_BATCHES_PER_TURN batches have run). Each batch
 * takes a transaction-scoped advisory lock for its task; the background rounds give up that
 * task for the round when another instance holds it: one instance at a time deletes each kind
 * of row.
 */
export class RetentionLoop {
  private readonly batchSize: number;
  private readonly batchPauseMs: number;
  private readonly intervalMs: number;
  /** Each task's advisory lock key within the namespace, in the tasks' order. */
  private readonly lockKeys: readonly number[];
  private running = false;
  private loop: Promise<void> | undefined;
  /** Ends the pauses under way (the loop's, and those between the batches of `runOnce`). */
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly database: Database,
    private readonly tasks: readonly PurgeTask[],
    private readonly options: RetentionLoopOptions,
  ) {
    this.lockKeys = tasks.map((task, index) => task.lockKey ?? index);
    const shared = this.lockKeys.find((key, index) => this.lockKeys.indexOf(key) !== index);
    if (shared !== undefined) throw new Error(`two retention tasks share the lock key ${shared}`);
    this.batchSize = options.batchSize ?? 500;
    this.batchPauseMs = options.batchPauseMs ?? 100;
    this.intervalMs = options.intervalMs ?? 60_000;
  }

  /** Starts the rounds in the background (the first one at once). */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in hand. */
  async stop(): Promise<void> {
    this.running = false;
    for (const wake of this.sleepers) wake();
    await this.loop;
  }

  /**
   * Runs one round of every task now, waiting for a round under way elsewhere to let go of its
   * lock; resolves with the rows deleted per task name.
   */
  runOnce(): Promise<Record<string, number>> {
    return this.round(true);
  }

  /**
   * One pass over every task; a task that fails does not keep the others from running. Tells,
   * in `left`, whether a task's turn ended with rows left (MAX_BATCHES_PER_TURN).
   */
  private async round(wait: boolean, left = { rows: false }): Promise<Record<string, number>> {
    const deleted: Record<string, number> = {};
    let failure: { error: unknown } | undefined;
    for (const [index, task] of this.tasks.entries()) {
      // Stopped: no other task starts (the batch in hand has finished).
      if (!wait && !this.running) break;
      try {
        const { total, ran, more } = await this.purge(task, this.lockKeys[index]!, wait);
        deleted[task.name] = total;
        if (more) left.rows = true;
        if (ran) this.options.onTaskRun?.(task.name, { done: total });
      } catch (error) {
        this.options.onTaskRun?.(task.name, { failed: error });
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
    return deleted;
  }

  /**
   * Runs a task's batches under its lock key; `ran` is false when another instance held the lock
   * from the start, `more` true when a background turn ended with rows left.
   */
  private async purge(
    task: PurgeTask,
    lockKey: number,
    wait: boolean,
  ): Promise<{ total: number; ran: boolean; more: boolean }> {
    let total = 0;
    let ran = false;
    for (let batches = 0; ; batches++) {
      if (batches > 0) {
        if (!wait && !this.running) break;
        if (!wait && batches >= MAX_BATCHES_PER_TURN) return { total, ran, more: true };
        await this.pause(this.batchPauseMs);
      }
      const count = await this.database.transaction(async (sql) => {
        const key = [this.options.lockNamespace * 1000 + lockKey];
        const [lock] = await sql.query<{ locked: boolean }>(
          wait
            ? `SELECT true AS locked FROM pg_advisory_xact_lock($1, hashtext(current_schema()))`
            : `SELECT pg_try_advisory_xact_lock($1, hashtext(current_schema())) AS locked`,
          key,
        );
        if (!lock?.locked) return -1; // another instance deletes these rows right now
        return task.deleteBatch(sql, this.batchSize);
      });
      if (count < 0) break;
      ran = true;
      total += count;
      if (count < this.batchSize) break;
    }
    return { total, ran, more: false };
  }

  private async run(): Promise<void> {
    while (this.running) {
      const left = { rows: false };
      try {
        await this.round(false, left);
      } catch (error) {
        this.options.onError?.(error);
      }
      if (this.running) await this.pause(left.rows ? this.batchPauseMs : this.intervalMs);
    }
  }

  private pause(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const sleepers = this.sleepers;
      const timer = setTimeout(done, ms);
      sleepers.add(done);
      function done(): void {
        clearTimeout(timer);
        sleepers.delete(done);
        resolve();
      }
    });
  }
}
