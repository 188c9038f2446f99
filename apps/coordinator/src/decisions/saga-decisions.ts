import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import type { ReplyMessage } from '#contracts';
import type {
  EngineEvent,
  SagaEngine,
  SagaRef,
  SagaRegistry,
  SagaState,
  TransitionResult,
  Wakeup,
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
  awaitingParticipants,
  databaseNow,
  findByIdempotencyKeys,
  findDueTimers,
  insertSagas,
  keyOf,
  lockSagas,
  takeTimers,
  type KeyedSaga,
  type NewSaga,
  type StoredSaga,
} from '../persistence/saga-rows.js';
import type { SensitiveData } from '../security/sensitive-data.js';
import { inTransaction, type SqlRunner } from '#postgres';
import type { CommandGate } from '../resilience/command-gate.js';
import type { SagaAdmission } from '../resilience/saga-admission.js';
import { DecisionSession } from './decision-session.js';
import { GroupedStarts, type TraceParent } from './grouped-starts.js';
import type { EffectPlanOptions } from './effect-plan.js';
import { inputsEqual } from './inputs-equal.js';
import { sagaTracing } from '../observability/saga-tracing.js';
import type { SagaMetrics } from '../observability/saga-metrics.js';
import type { SagaLog } from '../observability/saga-log.js';
import type { WorkSignals } from '../common/work-signals.js';
import type { OutboxFastPath } from '../outbox/outbox-fast-path.js';
import type { UndeliverableRow } from '../outbox/outbox-relay.js';
import { releaseSetAside, setOutboxRowsAside } from '../outbox/set-aside-rows.js';

/** Who hears about committed decisions (metrics, logs); both optional. */
export interface DecisionTelemetry {
  readonly metrics?: SagaMetrics;
  readonly log?: SagaLog;
}

/** What SagaDecisions protects: sensitive fields, and the size of a saga's input. */
export interface DecisionSafeguards {
  readonly sensitive: SensitiveData;
  /** The largest input a saga may start with, as serialised JSON in bytes. */
  readonly maxContextBytes: number;
}

/**
 * Starts one at a time (HTTP) share transactions: two run at once (one commits while the next
 * gathers), each with up to this many starts.
 */
const START_GROUPS = { concurrency: 2, maxGroup: 500 } as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Takes every decision about sagas: each call is one database transaction that applies the
 * events with the engine, writes the new states (version-checked), the audit, the outbox, the
 * timers, and commits; only then may the caller acknowledge its input.
 */
export class SagaDecisions implements SagaOperations {
  private readonly grouped = new GroupedStarts(
    (requests, traceParents) => this.startMany(requests, traceParents),
    START_GROUPS,
  );

  constructor(
    private readonly dataSource: DataSource,
    private readonly engine: SagaEngine,
    private readonly registry: SagaRegistry,
    private readonly plan: EffectPlanOptions,
    private readonly signals: WorkSignals,
    private readonly safeguards: DecisionSafeguards,
    private readonly gate: CommandGate,
    private readonly admission: SagaAdmission,
    private readonly fastPath: OutboxFastPath,
    private readonly telemetry: DecisionTelemetry = {},
  ) {}

  /**
   * Starts a saga, or answers with the one its idempotency key already started; refused with
   * a SagaCapacityError while the cap on sagas in flight is reached. Concurrent starts share
   * their transaction (see GroupedStarts); each answers once its start is durable.
   */
  async start(request: StartSagaRequest, traceParent?: TraceParent): Promise<StartSagaAnswer> {
    // At the cap, a retry of a start already made still gets its saga, not a 429.
    if (this.admission.isFull) {
      const existing = await inTransaction(this.dataSource, (sql) =>
        this.findByKeys(sql, [request]),
      );
      if (existing.size === 0) this.admission.assertRoom();
    }
    const answer = await this.grouped.submit(request, traceParent);
    if (answer instanceof Error) throw answer;
    return answer;
  }

  /**
   * Starts several sagas in one transaction; a request that is refused gets its error in its
   * place. `traceParents[i]` (headers holding a W3C `traceparent`) makes saga i's trace a child
   * of the requester's.
   */
  async startMany(
    requests: readonly StartSagaRequest[],
    traceParents: readonly TraceParent[] = [],
  ): Promise<(StartSagaAnswer | Error)[]> {
    const checked = requests.map((request) => this.checkStart(request));
    const answers = await this.decide((sql, now, session) =>
      this.startAll(sql, now, session, requests, checked, traceParents),
    );
    this.admission.noteStarted(
      answers.filter((answer) => !(answer instanceof Error) && answer.created).length,
    );
    return answers;
  }

  /**
   * Applies replies from participants. The saga's state applies each answer at most once: a
   * duplicate, late or stale one is fenced: audited as ignored, with no other effect (no state
   * change, no breaker sample). Resolves with the indexes of the replies that name no saga here.
   */
  async applyReplies(replies: readonly ReplyMessage[]): Promise<number[]> {
    if (replies.length === 0) return [];
    return this.decide(async (sql, now, session) => {
      const sagaIds = replies.filter((r) => UUID.test(r.sagaId)).map((r) => r.sagaId);
      const sagas = await this.lock(sql, sagaIds);
      const unmatched: number[] = [];
      for (const [index, reply] of replies.entries()) {
        const saga = sagas.get(reply.sagaId);
        if (!saga) {
          unmatched.push(index);
          continue;
        }
        const { messageId, stepId, action, attempt, outcome } = reply;
        const result = session.apply(saga, {
          type: 'reply',
          at: now,
          random: Math.random(),
          messageId,
          stepId,
          action,
          attempt,
          outcome,
        });
        // Only an answer the saga took counts for its participant's breaker and load: a copy
        // was counted with its first delivery, a late answer with the timeout before it.
        if (wasApplied(result)) session.noteOutcome(saga.state, stepId, outcome.status !== 'error');
      }
      return unmatched;
    });
  }

  /**
   * Fires up to `limit` due timers; resolves with how many fired. Several instances may call it
   * at once. With `holdReplyTimeouts`, reply timeouts wait (this instance cannot hear replies).
   */
  async fireDueTimers(limit: number, holdReplyTimeouts = false): Promise<number> {
    return this.decide(async (sql, now, session) => {
      const due = await findDueTimers(sql, limit, holdReplyTimeouts);
      const sagas = await this.lock(
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
        const result = session.apply(saga, {
          type: 'wakeup',
          at: now,
          random: Math.random(),
          wakeupId: timer.id,
          ...timer.wakeup,
        } as EngineEvent);
        if (isReplyTimeout(timer.wakeup) && wasApplied(result)) {
          session.noteOutcome(saga.state, timer.wakeup.stepId, false);
        }
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

  /** Resumes a stuck saga; its outbox rows set aside are released, for the relay to try again. */
  async resume(sagaId: string, actor: string): Promise<OperatorActionAnswer> {
    return this.operate(sagaId, (now) => ({
      type: 'resume',
      at: now,
      random: Math.random(),
      actor,
    }));
  }

  /**
   * Sets outbox rows aside for good and marks their sagas stuck with the reason (the engine's
   * `undeliverable` event), in one transaction. Rows already sent or set aside are left alone.
   */
  async setAside(rows: readonly UndeliverableRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.decide(async (sql, now, session) => {
      const marked = await setOutboxRowsAside(sql, rows);
      const sagas = await this.lock(sql, [
        ...new Set(marked.flatMap((row) => (row.sagaId === null ? [] : [row.sagaId]))),
      ]);
      for (const row of marked) {
        const saga = row.sagaId === null ? undefined : sagas.get(row.sagaId);
        if (saga === undefined) continue;
        session.apply(saga, {
          type: 'undeliverable',
          at: now,
          random: Math.random(),
          topic: row.topic,
          reason: row.reason,
        });
      }
    });
  }

  private async operate(
    sagaId: string,
    event: (now: number) => EngineEvent,
  ): Promise<OperatorActionAnswer> {
    if (!UUID.test(sagaId)) throw new SagaNotFoundError(sagaId);
    const result = await this.decide(async (sql, now, session) => {
      const saga = (await this.lock(sql, [sagaId])).get(sagaId);
      if (!saga) throw new SagaNotFoundError(sagaId);
      const applied = session.apply(saga, event(now));
      if (applied.rejection === undefined && applied.state.status !== 'stuck') {
        await releaseSetAside(sql, sagaId);
      }
      return applied;
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
    const limit = this.safeguards.maxContextBytes;
    if (parsed.success && Buffer.byteLength(JSON.stringify(parsed.data)) > limit) {
      return new InvalidSagaInputError([{ path: '', message: `larger than ${limit} bytes` }]);
    }
    if (parsed.success) return { input: parsed.data };
    return new InvalidSagaInputError(
      parsed.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      })),
    );
  }

  /**
   * Starts the requests that passed their checks, in one pass: their keys looked up together,
   * the new sagas inserted together. A key already taken answers with its saga; a key given
   * twice in the batch starts one saga, and the second request is answered like a retry.
   */
  private async startAll(
    sql: SqlRunner,
    now: number,
    session: DecisionSession,
    requests: readonly StartSagaRequest[],
    checked: readonly ({ input: unknown } | Error)[],
    traceParents: readonly TraceParent[],
  ): Promise<(StartSagaAnswer | Error)[]> {
    const answers: (StartSagaAnswer | Error)[] = checked.map((check) =>
      check instanceof Error ? check : new Error('not answered'),
    );
    const pending = requests.flatMap((request, index) =>
      checked[index] instanceof Error ? [] : [{ request, index, key: keyOf(request) }],
    );
    const existing = await this.findByKeys(
      sql,
      pending.map((item) => item.request),
    );
    const first = new Map<string, number>();
    const fresh: { index: number; started: StartedSaga }[] = [];
    for (const { request, index, key } of pending) {
      const input = (checked[index] as { input: unknown }).input;
      const found = existing.get(key);
      if (found) answers[index] = answerExisting(found, request.idempotencyKey, input);
      else if (first.has(key))
        continue; // answered once the first one is
      else {
        first.set(key, index);
        const started = this.startOne(now, request, input, traceParents[index]);
        if (started instanceof Error) answers[index] = started;
        else fresh.push({ index, started });
      }
    }
    const inserted = await insertSagas(
      sql,
      fresh.map(({ started }) => started.row),
    );
    const lost: number[] = [];
    for (const { index, started } of fresh) {
      const { state, effects, row } = started;
      if (!inserted.has(state.sagaId)) {
        lost.push(index); // another transaction took the key since we looked
        continue;
      }
      session.record(state, effects, row.idempotencyKey, row.traceContext);
      answers[index] = { sagaId: state.sagaId, created: true, status: state.status };
    }
    const winners = await this.findByKeys(
      sql,
      lost.map((index) => requests[index]!),
    );
    for (const { request, index, key } of pending) {
      const input = (checked[index] as { input: unknown }).input;
      if (lost.includes(index)) {
        answers[index] = answerExisting(winners.get(key)!, request.idempotencyKey, input);
      } else if (first.get(key) !== index && !existing.has(key)) {
        const original = answers[first.get(key)!]!;
        answers[index] =
          original instanceof Error
            ? original
            : answerExisting(
                { ...original, input: (checked[first.get(key)!] as { input: unknown }).input },
                request.idempotencyKey,
                input,
              );
      }
    }
    return answers;
  }

  /** The engine's start of one saga, its row sealed; or why it cannot start. */
  private startOne(
    now: number,
    request: StartSagaRequest,
    input: unknown,
    traceParent: TraceParent,
  ): StartedSaga | Error {
    const started = this.engine.start(refOf(request), {
      sagaId: randomUUID(),
      input,
      at: now,
      random: Math.random(),
    });
    if (started.state === null)
      return new InvalidSagaInputError([{ path: '', message: started.rejection.message }]);
    return {
      state: started.state,
      effects: started.effects,
      row: {
        state: this.safeguards.sensitive.sealState(started.state),
        idempotencyKey: request.idempotencyKey,
        traceContext: sagaTracing.started(started.state, traceParent),
        awaiting: awaitingParticipants(started.state, this.participantOf),
      },
    };
  }

  /** Runs `work` in one transaction with a session that collects states and effects, then writes them. */
  private async decide<T>(
    work: (sql: SqlRunner, now: number, session: DecisionSession) => Promise<T>,
  ): Promise<T> {
    // The session of the attempt that committed (inTransaction may retry `work`).
    let committed: { session: DecisionSession; now: number } | undefined;
    const result = await inTransaction(this.dataSource, async (sql) => {
      const now = await databaseNow(sql);
      const session = new DecisionSession(
        this.engine,
        this.registry,
        this.plan,
        this.gate,
        now,
        this.safeguards.sensitive,
      );
      const value = await work(sql, now, session);
      await session.flush(sql);
      committed = { session, now };
      return value;
    });
    const { session, now } = committed!;
    const { writes, outcomes, transitions, traces } = session;
    for (const { participant, healthy } of outcomes) this.gate.recordOutcome(participant, healthy);
    if (writes.held.length > 0 || outcomes.length > 0) this.signals.heldWorkChanged();
    this.telemetry.metrics?.observe(transitions, now);
    this.telemetry.log?.decided(transitions, traces);
    this.fastPath.publish(session.committedOutbox.ids, session.committedOutbox.rows);
    for (const timer of writes.timers.values()) this.signals.timerCommitted(timer.dueAt);
    return result;
  }

  /** The participant a saga's step commands, from the saga's definition. */
  private readonly participantOf = (state: SagaState, stepId: string): string | undefined =>
    this.registry
      .resolve({ name: state.sagaType, version: state.sagaVersion })
      ?.stepById.get(stepId)?.participant;

  /** Locks sagas (see lockSagas) and opens their sensitive fields for the engine. */
  private async lock(
    sql: SqlRunner,
    sagaIds: string[],
    skipLocked = false,
  ): Promise<Map<string, StoredSaga>> {
    return this.opened(await lockSagas(sql, sagaIds, skipLocked));
  }

  /** Opens the sensitive fields of locked sagas for the engine. */
  private opened(sagas: Map<string, StoredSaga>): Map<string, StoredSaga> {
    const { sensitive } = this.safeguards;
    for (const [sagaId, saga] of sagas) {
      sagas.set(sagaId, { ...saga, state: sensitive.openState(saga.state) });
    }
    return sagas;
  }

  /** The sagas the requests' keys already started, by keyOf, with their inputs opened. */
  private async findByKeys(
    sql: SqlRunner,
    requests: readonly StartSagaRequest[],
  ): Promise<Map<string, KeyedSaga>> {
    const found = await findByIdempotencyKeys(sql, requests);
    const { sensitive } = this.safeguards;
    for (const [key, saga] of found)
      found.set(key, { ...saga, input: sensitive.openInput(saga, saga.input) });
    return found;
  }
}

/** A saga the engine started, with the row to insert for it. */
interface StartedSaga {
  readonly state: SagaState;
  readonly effects: TransitionResult['effects'];
  readonly row: NewSaga;
}

function isReplyTimeout(wakeup: Wakeup): wakeup is Extract<Wakeup, { stepId: string }> & {
  kind: 'reply-timeout' | 'compensation-timeout';
} {
  return wakeup.kind === 'reply-timeout' || wakeup.kind === 'compensation-timeout';
}

/** True when the engine acted on the event (it was not fenced off or stale). */
function wasApplied(result: TransitionResult): boolean {
  return result.effects.some((effect) => effect.type === 'append-audit' && effect.entry.applied);
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
