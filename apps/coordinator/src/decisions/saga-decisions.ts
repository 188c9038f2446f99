import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ReplyMessage, TraceCarrier } from '#contracts';
import type {
  EngineEvent,
  SagaEngine,
  SagaRef,
  SagaRegistry,
  SagaState,
  TransitionResult,
} from '#saga-core';
import {
  IdempotencyConflictError,
  IllegalSagaActionError,
  InvalidSagaInputError,
  SagaNotFoundError,
  UnknownSagaTypeError,
} from '../application/saga-errors.js';
import type {
  OperatorActionAnswer,
  SagaOperations,
  StartSagaAnswer,
  StartSagaRequest,
} from '../application/saga-operations.js';
import {
  appendAudit,
  claimInbox,
  databaseNow,
  enqueueOutbox,
  findByIdempotencyKey,
  findDueTimers,
  insertSaga,
  lockSagas,
  takeTimers,
  updateSaga,
  upsertSteps,
  writeTimers,
  type StoredSaga,
} from '../persistence/saga-rows.js';
import { inTransaction, type SqlRunner } from '#postgres';
import {
  emptyWrites,
  planEffects,
  type DecisionWrites,
  type EffectPlanOptions,
} from './effect-plan.js';
import { withActor } from './audit-actor.js';
import { inputsEqual } from './inputs-equal.js';
import { sagaTracing } from '../observability/saga-tracing.js';
import type { ObservedTransition, SagaMetrics } from '../observability/saga-metrics.js';
import type { SagaLog } from '../observability/saga-log.js';

/** Who hears about committed decisions (metrics, logs); both optional. */
export interface DecisionTelemetry {
  readonly metrics?: SagaMetrics;
  readonly log?: SagaLog;
}
import type { WorkSignals } from './work-signals.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Takes every decision about sagas: each call is one database transaction that applies the
 * events with the engine, writes the new states (version-checked), the audit, the outbox, the
 * timers and the inbox, and commits; only then may the caller acknowledge its input.
 */
export class SagaDecisions implements SagaOperations {
  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: SagaEngine,
    private readonly registry: SagaRegistry,
    private readonly plan: EffectPlanOptions,
    private readonly signals: WorkSignals,
    private readonly telemetry: DecisionTelemetry = {},
  ) {}

  /** Starts a saga, or answers with the one its idempotency key already started. */
  async start(request: StartSagaRequest): Promise<StartSagaAnswer> {
    const [answer] = await this.startMany([request]);
    if (answer instanceof Error) throw answer;
    return answer!;
  }

  /**
   * Starts several sagas in one transaction; a request that is refused gets its error in its
   * place. `traceParents[i]` (headers holding a W3C `traceparent`) makes saga i's trace a child
   * of the requester's.
   */
  async startMany(
    requests: readonly StartSagaRequest[],
    traceParents: readonly (Readonly<Record<string, string>> | undefined)[] = [],
  ): Promise<(StartSagaAnswer | Error)[]> {
    const checked = requests.map((request) => this.checkStart(request));
    return this.decide(async (sql, now, session) => {
      const answers: (StartSagaAnswer | Error)[] = [];
      for (const [index, request] of requests.entries()) {
        const check = checked[index]!;
        answers.push(
          check instanceof Error
            ? check
            : await this.startOne(sql, now, session, request, check.input, traceParents[index]),
        );
      }
      return answers;
    });
  }

  /** Applies replies from participants; duplicates (by message id) and fenced replies change nothing. */
  async applyReplies(replies: readonly ReplyMessage[]): Promise<void> {
    if (replies.length === 0) return;
    await this.decide(async (sql, now, session) => {
      const fresh = await claimInbox(
        sql,
        replies.map((r) => ({ messageId: r.messageId, sagaId: r.sagaId })),
      );
      const toApply = replies.filter((reply) => fresh.delete(reply.messageId));
      const sagas = await lockSagas(
        sql,
        toApply.filter((r) => UUID.test(r.sagaId)).map((r) => r.sagaId),
      );
      for (const reply of toApply) {
        const saga = sagas.get(reply.sagaId);
        // A reply for a saga unknown here stays recorded in the inbox and is otherwise ignored.
        if (!saga) continue;
        const { messageId, stepId, action, attempt, outcome } = reply;
        session.apply(saga, {
          type: 'reply',
          at: now,
          random: Math.random(),
          messageId,
          stepId,
          action,
          attempt,
          outcome,
        });
      }
    });
  }

  /** Fires up to `limit` due timers; resolves with how many fired. Several instances may call it at once. */
  async fireDueTimers(limit: number): Promise<number> {
    return this.decide(async (sql, now, session) => {
      const due = await findDueTimers(sql, limit);
      const sagas = await lockSagas(
        sql,
        due.map((timer) => timer.sagaId),
        true,
      );
      const taken = await takeTimers(
        sql,
        due.filter((timer) => sagas.has(timer.sagaId)).map((timer) => timer.id),
      );
      for (const timer of taken) {
        const saga = sagas.get(timer.sagaId)!;
        session.apply(saga, {
          type: 'wakeup',
          at: now,
          random: Math.random(),
          wakeupId: timer.id,
          ...timer.wakeup,
        } as EngineEvent);
      }
      return taken.length;
    });
  }

  async cancel(sagaId: string, actor: string, reason?: string): Promise<OperatorActionAnswer> {
    return this.operate(sagaId, (now) => ({
      type: 'cancel',
      at: now,
      random: Math.random(),
      actor,
      ...(reason ? { reason } : {}),
    }));
  }

  async resume(sagaId: string, actor: string): Promise<OperatorActionAnswer> {
    return this.operate(sagaId, (now) => ({
      type: 'resume',
      at: now,
      random: Math.random(),
      actor,
    }));
  }

  private async operate(
    sagaId: string,
    event: (now: number) => EngineEvent,
  ): Promise<OperatorActionAnswer> {
    if (!UUID.test(sagaId)) throw new SagaNotFoundError(sagaId);
    const result = await this.decide(async (sql, now, session) => {
      const saga = (await lockSagas(sql, [sagaId])).get(sagaId);
      if (!saga) throw new SagaNotFoundError(sagaId);
      return session.apply(saga, event(now));
    });
    if (result.rejection) throw new IllegalSagaActionError(result.rejection.message);
    return { sagaId, status: result.state.status };
  }

  /** Resolves the definition and validates the input; the normalised input, or the refusal. */
  private checkStart(request: StartSagaRequest): { input: unknown } | Error {
    const definition = this.registry.resolve(refOf(request));
    if (!definition) {
      const version = request.sagaVersion === undefined ? '' : ` version ${request.sagaVersion}`;
      return new UnknownSagaTypeError(`unknown saga type "${request.sagaType}"${version}`);
    }
    const parsed = definition.input.safeParse(request.input);
    if (parsed.success) return { input: parsed.data };
    return new InvalidSagaInputError(
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }

  private async startOne(
    sql: SqlRunner,
    now: number,
    session: DecisionSession,
    request: StartSagaRequest,
    input: unknown,
    traceParent: Readonly<Record<string, string>> | undefined,
  ): Promise<StartSagaAnswer | Error> {
    const existing = await findByIdempotencyKey(sql, request.sagaType, request.idempotencyKey);
    if (existing) return answerExisting(existing, request.idempotencyKey, input);
    const started = this.engine.start(refOf(request), {
      sagaId: randomUUID(),
      input,
      at: now,
      random: Math.random(),
    });
    if (started.state === null)
      return new InvalidSagaInputError([{ path: '', message: started.rejection.message }]);
    const trace = sagaTracing.started(started.state, traceParent);
    if (!(await insertSaga(sql, started.state, request.idempotencyKey, trace))) {
      // Another transaction took the key since we looked: answer with its saga.
      const winner = await findByIdempotencyKey(sql, request.sagaType, request.idempotencyKey);
      return answerExisting(winner!, request.idempotencyKey, input);
    }
    session.record(started.state, started.effects, trace);
    return { sagaId: started.state.sagaId, created: true, status: started.state.status };
  }

  /** Runs `work` in one transaction with a session that collects states and effects, then writes them. */
  private async decide<T>(
    work: (sql: SqlRunner, now: number, session: DecisionSession) => Promise<T>,
  ): Promise<T> {
    let writes = emptyWrites();
    let transitions: ObservedTransition[] = [];
    let traces: ReadonlyMap<string, TraceCarrier | null> = new Map();
    let decidedAt = 0;
    const result = await inTransaction(this.dataSource, async (sql) => {
      const now = await databaseNow(sql);
      const session = new DecisionSession(this.engine, this.registry, this.plan, now);
      const value = await work(sql, now, session);
      writes = session.writes;
      transitions = session.transitions;
      traces = session.traces;
      decidedAt = now;
      await session.flush(sql);
      return value;
    });
    this.telemetry.metrics?.observe(transitions, decidedAt);
    this.telemetry.log?.decided(transitions, traces);
    if (writes.outbox.length > 0) this.signals.outboxCommitted();
    for (const timer of writes.timers.values()) this.signals.timerCommitted(timer.dueAt);
    return result;
  }
}

function refOf(request: StartSagaRequest): SagaRef {
  return {
    name: request.sagaType,
    ...(request.sagaVersion === undefined ? {} : { version: request.sagaVersion }),
  };
}

/** The answer for a key that already started a saga: the same saga, unless the input differs. */
function answerExisting(
  existing: { sagaId: string; status: SagaState['status']; input: unknown },
  idempotencyKey: string,
  input: unknown,
): StartSagaAnswer | Error {
  if (!inputsEqual(existing.input, input)) {
    return new IdempotencyConflictError(
      `idempotency key "${idempotencyKey}" already started saga ${existing.sagaId} with another input`,
    );
  }
  return { sagaId: existing.sagaId, created: false, status: existing.status };
}

/** The states and effects of one transaction, written together at its end. */
class DecisionSession {
  readonly writes: DecisionWrites = emptyWrites();
  /** What each applied event changed, for the metrics (counted once the transaction commits). */
  readonly transitions: ObservedTransition[] = [];
  /** The trace context of each saga this session touched. */
  readonly traces = new Map<string, TraceCarrier | null>();
  private readonly inserted = new Set<string>();
  private readonly touched = new Map<string, StoredSaga>();
  private readonly latest = new Map<string, SagaState>();

  constructor(
    private readonly engine: SagaEngine,
    private readonly registry: SagaRegistry,
    private readonly planOptions: EffectPlanOptions,
    private readonly now: number,
  ) {}

  /** Applies an event to a locked saga (or to its newer state from earlier in this transaction). */
  apply(saga: StoredSaga, event: EngineEvent): TransitionResult {
    const current = this.latest.get(saga.state.sagaId) ?? saga.state;
    const result = this.engine.transition(current, event);
    this.touched.set(saga.state.sagaId, saga);
    this.latest.set(saga.state.sagaId, result.state);
    this.traces.set(saga.state.sagaId, saga.traceContext);
    this.plan(result.state, result.effects, saga.traceContext);
    sagaTracing.statusChanged(current, result.state, saga.traceContext);
    this.transitions.push({ before: current, event, after: result.state, effects: result.effects });
    return result;
  }

  /** Records a saga inserted in this transaction, its first effects, and its trace's context. */
  record(state: SagaState, effects: TransitionResult['effects'], trace: TraceCarrier | null): void {
    this.inserted.add(state.sagaId);
    this.latest.set(state.sagaId, state);
    this.traces.set(state.sagaId, trace);
    this.plan(state, effects, trace);
    this.transitions.push({ before: null, event: null, after: state, effects });
  }

  /** Turns effects into rows; the commands among them continue the saga's trace. */
  private plan(state: SagaState, effects: TransitionResult['effects'], trace: TraceCarrier | null) {
    const from = this.writes.outbox.length;
    const audited = this.writes.audit.length;
    planEffects(this.writes, effects, state, this.now, this.planOptions);
    sagaTracing.commandsPlanned(this.writes.outbox, from, trace);
    const definition = this.registry.resolve({ name: state.sagaType, version: state.sagaVersion });
    for (let index = audited; index < this.writes.audit.length; index++) {
      this.writes.audit[index] = withActor(this.writes.audit[index]!, definition);
    }
  }

  async flush(sql: SqlRunner): Promise<void> {
    for (const [sagaId, stored] of this.touched) {
      const state = this.latest.get(sagaId)!;
      if (state !== stored.state) await updateSaga(sql, state, stored.rowVersion);
    }
    const changed = [...this.latest.entries()]
      .filter(
        ([sagaId, state]) => this.inserted.has(sagaId) || state !== this.touched.get(sagaId)?.state,
      )
      .map(([, state]) => state);
    await upsertSteps(sql, changed);
    await appendAudit(sql, this.writes.audit);
    await enqueueOutbox(sql, this.writes.outbox);
    await writeTimers(sql, [...this.writes.timers.values()], [...this.writes.cancelledTimers]);
  }
}
