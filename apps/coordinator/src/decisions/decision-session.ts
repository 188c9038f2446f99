import { HEADERS, MESSAGE_TYPES, type CommandMessage, type TraceCarrier } from '#contracts';
import {
  failsFastWhenUnavailable,
  type EngineEvent,
  type SagaEngine,
  type SagaRegistry,
  type SagaState,
  type TransitionResult,
} from '#saga-core';
import type { UnsentRow } from '../persistence/decision-rows.js';
import { awaitingParticipants, type OutboxRow, type StoredSaga } from '../persistence/saga-rows.js';
import type { SensitiveData } from '../security/sensitive-data.js';
import type { CommandGate } from '../resilience/command-gate.js';
import type { DecisionWriter } from '../saga-store/saga-store.js';
import type { ObservedTransition } from '../observability/saga-metrics.js';
import { DecisionSpans, sagaTracing } from '../observability/saga-tracing.js';
import { withActor } from './audit-actor.js';
import {
  emptyWrites,
  planEffects,
  type CommandRoute,
  type DecisionWrites,
  type EffectPlanOptions,
} from './effect-plan.js';

/** An outcome that tells about a participant's health, counted once the transaction commits. */
export interface ParticipantOutcome {
  readonly participant: string;
  readonly healthy: boolean;
}

/**
 * The states and effects of one decision, written together at its end. Every command passes
 * the gate: it is sent, held in the database, or, when its participant's breaker is open and
 * the engine says its step fails fast, refused: the engine turns the refusal into the step's
 * outcome.
 */
export class DecisionSession {
  readonly writes: DecisionWrites = emptyWrites();
  readonly outcomes: ParticipantOutcome[] = [];
  /** What each applied event changed, for the metrics (counted once the transaction commits). */
  readonly transitions: ObservedTransition[] = [];
  /** The trace context of each saga this session touched. */
  readonly traces = new Map<string, TraceCarrier | null>();
  /** Its spans, ended once it commits. */
  readonly spans = new DecisionSpans();
  /** The outbox rows this session wrote, as stored, and their ids (set by `flush`). */
  readonly committedOutbox: {
    ids: string[];
    rows: OutboxRow[];
    unsentBefore: readonly UnsentRow[];
  } = { ids: [], rows: [], unsentBefore: [] };
  /**
   * Its rows go out at once, not behind their sagas' earlier unsent rows: the `saga.stuck`
   * events of the rows it sets aside (OperatorDecisions.setAside), which say why those wait.
   */
  aheadOfEarlierRows = false;
  private readonly touched = new Map<string, StoredSaga>();
  /** The new sagas: the flush inserts them (nothing to check their version against). */
  private readonly created = new Set<string>();
  private readonly latest = new Map<string, SagaState>();
  /** What the gate counted for this session's commands (see withdraw). */
  private readonly admitted: { participant: string; admission: 'send' | 'hold' }[] = [];

  constructor(
    private readonly engine: SagaEngine,
    private readonly registry: SagaRegistry,
    private readonly plan: EffectPlanOptions,
    private readonly gate: CommandGate,
    /** The database's clock for this decision, epoch ms (read, or estimated: DatabaseClock). */
    readonly now: number,
    private readonly sensitive: SensitiveData,
  ) {}

  /** Applies an event to a saga as read (or to its newer state from earlier in this session). */
  apply(saga: StoredSaga, event: EngineEvent): TransitionResult {
    const current = this.latest.get(saga.state.sagaId) ?? saga.state;
    const result = this.engine.transition(current, event);
    this.touched.set(saga.state.sagaId, saga);
    this.latest.set(saga.state.sagaId, result.state);
    this.traces.set(saga.state.sagaId, saga.traceContext);
    sagaTracing.statusChanged(current, result.state, saga.traceContext, this.spans);
    this.transitions.push({ before: current, event, after: result.state, effects: result.effects });
    this.carryOut(saga, result);
    return result;
  }

  /**
   * A touched saga's state as it is now in this session: after its effects were carried out (a
   * command the open breaker refused may have moved it past the event's own transition).
   */
  stateOf(sagaId: string): SagaState | undefined {
    return this.latest.get(sagaId);
  }

  /**
   * Records a new saga, its first effects, and its trace's context: the flush inserts it (at row
   * version 1), as it is by then, with the rest of the decision. Returns its state once
   * those effects are carried out (a command refused at once may have moved it on).
   */
  record(
    state: SagaState,
    effects: TransitionResult['effects'],
    idempotencyKey: string,
    traceContext: TraceCarrier | null,
  ): SagaState {
    this.latest.set(state.sagaId, state);
    this.traces.set(state.sagaId, traceContext);
    this.transitions.push({ before: null, event: null, after: state, effects });
    const created = { state, rowVersion: 1, idempotencyKey, traceContext };
    this.touched.set(state.sagaId, created);
    this.created.add(state.sagaId);
    this.carryOut(created, { state, effects });
    return this.latest.get(state.sagaId)!;
  }

  /**
   * Gives the gate back what it counted for this session's commands: for a session that did
   * not commit (until the next reading of the counts, they would hold or slow other commands).
   */
  withdraw(): void {
    for (const { participant, admission } of this.admitted.splice(0)) {
      this.gate.withdraw(participant, admission);
    }
  }

  /**
   * Arms none of the timers of `ids` this session planned: each waits with its held command,
   * to be armed when that command goes (a resume re-arms the reply timeouts of steps in flight,
   * whose command may still be held).
   */
  leaveToHeldCommands(ids: readonly string[]): void {
    for (const id of ids) this.writes.timers.delete(id);
  }

  /** Counts an outcome for the participant of `stepId` once the transaction commits. */
  noteOutcome(state: SagaState, stepId: string, healthy: boolean): void {
    const participant = this.participantOf(state, stepId);
    if (participant) this.outcomes.push({ participant, healthy });
  }

  /** The participant a saga's step commands. */
  readonly participantOf = (state: SagaState, stepId: string): string | undefined =>
    this.definitionOf(state)?.stepById.get(stepId)?.participant;

  /** Writes what the session decided in its transaction: one statement, one more for held commands. */
  async flush(writer: DecisionWriter): Promise<void> {
    await this.writeRows(writer);
    await writer.hold(
      this.writes.held.map((row) => ({ ...row, payload: this.protect(row).payload })),
    );
  }

  /**
   * Writes what the session decided with one statement alone, outside any transaction; refused,
   * before anything is written, when it holds commands (see writesInOneStatement).
   */
  async flushAlone(writer: Pick<DecisionWriter, 'write'>): Promise<void> {
    if (!this.writesInOneStatement) throw new Error('held commands are stored in a transaction');
    await this.writeRows(writer);
  }

  private async writeRows(writer: Pick<DecisionWriter, 'write'>): Promise<void> {
    // A decision that touched no saga (a poll that found no timer due) has nothing to write:
    // every row comes from the effects on a saga it touched.
    if (this.touched.size === 0) return;
    const outbox = this.writes.outbox.map((row) => this.protect(row));
    const written = await writer.write({
      inserts: [...this.created].map((sagaId) => {
        const { idempotencyKey, traceContext } = this.touched.get(sagaId)!;
        const state = this.latest.get(sagaId)!;
        return {
          state: this.sensitive.sealState(state),
          idempotencyKey,
          traceContext,
          awaiting: awaitingParticipants(state, this.participantOf),
        };
      }),
      updates: this.changedSagas().map(({ before, state }) => ({
        state: this.sensitive.sealState(state),
        rowVersion: before.rowVersion,
        awaiting: awaitingParticipants(state, this.participantOf),
      })),
      unchanged: [...this.touched]
        .filter(([sagaId, before]) => this.latest.get(sagaId) === before.state)
        .filter(([sagaId]) => !this.created.has(sagaId))
        .map(([sagaId, before]) => ({ sagaId, rowVersion: before.rowVersion })),
      audit: this.writes.audit,
      outbox,
      timers: [...this.writes.timers.values()],
      cancelledTimers: [...this.writes.cancelledTimers].map(([id, sagaId]) => ({ id, sagaId })),
    });
    this.committedOutbox.ids = written.ids;
    this.committedOutbox.unsentBefore = written.unsentBefore;
    this.committedOutbox.rows = outbox;
  }

  /** Whether `flush` needs one statement only (no commands to hold): flushAlone may write it. */
  get writesInOneStatement(): boolean {
    return this.writes.held.length === 0;
  }

  /** The sagas this session touched (new ones included), as they are once it commits. */
  committedSagas(): StoredSaga[] {
    const sagas = new Map(this.touched);
    for (const sagaId of this.created) {
      sagas.set(sagaId, { ...this.touched.get(sagaId)!, state: this.latest.get(sagaId)! });
    }
    for (const { before, state } of this.changedSagas()) {
      sagas.set(state.sagaId, { ...before, state, rowVersion: before.rowVersion + 1 });
    }
    for (const { sagaId, command } of this.writes.held) {
      const saga = sagas.get(sagaId)!;
      const heldFor = saga.heldFor ?? [];
      if (heldFor.includes(command.participant)) continue;
      sagas.set(sagaId, { ...saga, heldFor: [...heldFor, command.participant] });
    }
    return [...sagas.values()];
  }

  /**
   * The sagas read (not new) that the flush updates, as read and as written: those whose state
   * changed. Every such saga with outbox rows here is among them (the engine gives effects only
   * with a new state), so each write of a saga's rows moves its version, which a decision made
   * on the version before cannot pass (see writeDecision).
   */
  private changedSagas(): { before: StoredSaga; state: SagaState }[] {
    return [...this.touched].flatMap(([sagaId, before]) => {
      const state = this.latest.get(sagaId)!;
      return state === before.state || this.created.has(sagaId) ? [] : [{ before, state }];
    });
  }

  /**
   * Keeps sensitive fields out of the outbox and the held commands: a command of a saga that
   * has some is stored sealed (the relay opens it for its participant), an event carries them
   * redacted.
   */
  private protect(row: OutboxRow): OutboxRow {
    const state = row.sagaId === null ? undefined : this.latest.get(row.sagaId);
    if (state === undefined) return row;
    switch (row.headers[HEADERS.messageType]) {
      case MESSAGE_TYPES.command:
        return { ...row, payload: this.sensitive.sealCommand(state, row.payload) };
      case MESSAGE_TYPES.event:
        return { ...row, payload: this.sensitive.redactEvent(state, row.payload) };
      default:
        return row;
    }
  }

  private carryOut(saga: StoredSaga, result: Pick<TransitionResult, 'state' | 'effects'>): void {
    const definition = this.definitionOf(result.state);
    const refused: CommandMessage[] = [];
    const route: CommandRoute = (command) => {
      // A command may not overtake its saga's command held for the same participant.
      const behindHeld = saga.heldFor?.includes(command.participant) === true;
      const admission = this.gate.admit(command, behindHeld);
      if (admission !== 'refused') {
        this.admitted.push({ participant: command.participant, admission });
        return admission;
      }
      const step = definition?.stepById.get(command.stepId);
      if (step !== undefined && failsFastWhenUnavailable(step, command.action, command.attempt)) {
        refused.push(command);
        return 'drop';
      }
      this.gate.noteHeld(command.participant);
      this.admitted.push({ participant: command.participant, admission: 'hold' });
      return 'hold';
    };
    const sent = this.writes.outbox.length;
    const held = this.writes.held.length;
    const audited = this.writes.audit.length;
    const { sagaId, sagaType } = result.state;
    const planned = { sagaId, sagaType, idempotencyKey: saga.idempotencyKey };
    planEffects(this.writes, result.effects, planned, this.now, this.plan, route);
    // Commands continue the saga's trace, sent or held; audit entries name their actor.
    sagaTracing.commandsPlanned(this.writes.outbox, sent, saga.traceContext, this.spans);
    sagaTracing.commandsPlanned(this.writes.held, held, saga.traceContext, this.spans);
    for (let index = audited; index < this.writes.audit.length; index++) {
      this.writes.audit[index] = withActor(this.writes.audit[index]!, definition);
    }
    // The engine says what a refused command means for its step.
    for (const command of refused) {
      this.apply(saga, {
        type: 'command-refused',
        at: this.now,
        random: Math.random(),
        stepId: command.stepId,
        attempt: command.attempt,
        reason: 'circuit breaker open',
      });
    }
  }

  private definitionOf(state: SagaState) {
    return this.registry.resolve({ name: state.sagaType, version: state.sagaVersion });
  }
}
