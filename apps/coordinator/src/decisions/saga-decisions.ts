import type { ReplyMessage } from '#contracts';
import type { SqlRunner } from '#postgres';
import type {
  OperatorActionAnswer,
  SagaOperations,
  StartSagaAnswer,
  StartSagaRequest,
} from '../application/saga-operations.js';
import type { UndeliverableRow } from '../outbox/set-aside-rows.js';
import type { OverdueVersion } from '../persistence/saga-timers.js';
import { DecisionRunner, type DecisionParts } from './decision-runner.js';
import type { TraceParent } from './grouped-starts.js';
import { OperatorDecisions, type BulkTake } from './operator-decisions.js';
import { ReplyDecisions, type UnappliedReply } from './reply-decisions.js';
import { StartDecisions, type StartSettings } from './start-decisions.js';
import { WakeupDecisions } from './wakeup-decisions.js';

/**
 * Takes every decision about sagas, one path each (start, replies, wake-ups, operator actions)
 * around one shared decide step (DecisionRunner): each call is one database transaction (for
 * replies to cached sagas, one statement) that applies the events with the engine, writes the
 * new states (version-checked), the audit, the outbox, the timers, and commits; only then may
 * the caller acknowledge its input.
 */
export class SagaDecisions implements SagaOperations {
  private readonly starts: StartDecisions;
  private readonly replies: ReplyDecisions;
  private readonly wakeups: WakeupDecisions;
  private readonly operators: OperatorDecisions;

  constructor(parts: DecisionParts, starts: StartSettings) {
    const runner = new DecisionRunner(parts);
    this.starts = new StartDecisions(runner, starts);
    this.replies = new ReplyDecisions(runner);
    this.wakeups = new WakeupDecisions(runner);
    this.operators = new OperatorDecisions(runner);
  }

  /** See StartDecisions.start. */
  start(request: StartSagaRequest, traceParent?: TraceParent): Promise<StartSagaAnswer> {
    return this.starts.start(request, traceParent);
  }

  /** See StartDecisions.pending. */
  httpStartsPending(): number {
    return this.starts.pending;
  }

  /** See StartDecisions.startMany. */
  startMany(
    requests: readonly StartSagaRequest[],
    traceParents?: readonly TraceParent[],
  ): Promise<(StartSagaAnswer | Error)[]> {
    return this.starts.startMany(requests, traceParents);
  }

  /** See ReplyDecisions.apply: resolves with the replies it could not apply, and why. */
  applyReplies(replies: readonly ReplyMessage[]): Promise<UnappliedReply[]> {
    return this.replies.apply(replies);
  }

  /** See WakeupDecisions.fireDue. */
  fireDueTimers(limit: number, holdReplyTimeouts = false): Promise<number> {
    return this.wakeups.fireDue(limit, holdReplyTimeouts);
  }

  /** See WakeupDecisions.warnOfOverdueVersions. */
  warnOfOverdueVersions(overdueMs: number): Promise<OverdueVersion[]> {
    return this.wakeups.warnOfOverdueVersions(overdueMs);
  }

  /** See WakeupDecisions.adoptLegacy. */
  adoptLegacyTimers(limit: number): Promise<number> {
    return this.wakeups.adoptLegacy(limit);
  }

  cancel(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer> {
    return this.operators.cancel(sagaId, actor, reason);
  }

  resume(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer> {
    return this.operators.resume(sagaId, actor, reason);
  }

  retryStep(
    sagaId: string,
    stepId: string,
    actor: string,
    reason?: string,
  ): Promise<OperatorActionAnswer> {
    return this.operators.retryStep(sagaId, stepId, actor, reason);
  }

  /** See OperatorDecisions.actInBulk. */
  actInBulk(
    take: (sql: SqlRunner) => Promise<BulkTake | undefined>,
    record: (sql: SqlRunner, refused: ReadonlyMap<string, string>) => Promise<void>,
  ): Promise<number> {
    return this.operators.actInBulk(take, record);
  }

  /** See OperatorDecisions.setAside. */
  setAside(rows: readonly UndeliverableRow[]): Promise<void> {
    return this.operators.setAside(rows);
  }
}
