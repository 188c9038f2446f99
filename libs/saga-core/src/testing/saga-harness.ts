import type { CommandAction, ReplyOutcome } from '#contracts';
import type { AnySagaDefinition } from '../definition/saga-definition.js';
import { createSagaEngine, type SagaEngine } from '../engine/create-saga-engine.js';
import type { CommandToSend, Effect } from '../engine/effect.js';
import type { EngineEvent, Wakeup, WakeupKind } from '../engine/engine-event.js';
import { commandMessageId } from '../engine/message-ids.js';
import type { TransitionResult } from '../engine/transition-result.js';
import { createSagaRegistry, type SagaRegistry } from '../registry/saga-registry.js';
import type { SagaState } from '../state/saga-state.js';
import type { StepState } from '../state/step-state.js';
import { VirtualClock } from './virtual-clock.js';
import { commandsIn } from './effect-filters.js';

/** Options of a harness; every field has a default. */
export interface SagaHarnessOptions {
  /** Default `saga-1`. */
  readonly sagaId?: string;
  /** Virtual start time in epoch ms (default 0). */
  readonly startAt?: number;
  /** The draw put on every event (default 0.5); change `harness.random` between events to vary it. */
  readonly random?: number;
  /** The registry to run against (default: one holding only the definition). */
  readonly registry?: SagaRegistry;
}

/** A timer the saga has set and not cancelled. */
export interface ScheduledWakeup {
  readonly wakeupId: string;
  readonly at: number;
  readonly wakeup: Wakeup;
}

/**
 * Drives one saga through the engine step by step in virtual time: reply to its commands, fire its
 * timers, cancel or resume it, and look at the state and effects after each event.
 */
export class SagaHarness {
  readonly clock: VirtualClock;
  /** Events applied after the start, in order: replaying them gives the same states and effects. */
  readonly log: EngineEvent[] = [];
  /** Every effect so far, start included. */
  readonly effects: Effect[] = [];
  random: number;
  state: SagaState;
  /** The result of the last call (start included). */
  last: TransitionResult;
  private readonly engine: SagaEngine;
  private readonly wakeups = new Map<string, ScheduledWakeup>();
  private replies = 0;

  /** Starts a saga; throws if the start is refused. */
  constructor(definition: AnySagaDefinition, input: unknown, options: SagaHarnessOptions = {}) {
    this.clock = new VirtualClock(options.startAt ?? 0);
    this.random = options.random ?? 0.5;
    this.engine = createSagaEngine(options.registry ?? createSagaRegistry([definition]));
    const started = this.engine.start(
      { name: definition.name, version: definition.version },
      { sagaId: options.sagaId ?? 'saga-1', input, at: this.clock.now(), random: this.random },
    );
    if (started.state === null) throw new Error(`start refused: ${started.rejection.message}`);
    this.state = started.state;
    this.last = started;
    this.record(started.effects);
  }

  /** Applies any event as is. */
  apply(event: EngineEvent): TransitionResult {
    this.clock.advanceTo(event.at);
    this.log.push(event);
    this.last = this.engine.transition(this.state, event);
    this.state = this.last.state;
    this.record(this.last.effects);
    return this.last;
  }

  /** Replies to a step; the action and attempt default to what the step waits for. */
  reply(
    stepId: string,
    outcome: ReplyOutcome,
    overrides: { readonly attempt?: number; readonly action?: CommandAction } = {},
  ): TransitionResult {
    const step = this.step(stepId);
    const action =
      overrides.action ?? (step.status.startsWith('compensat') ? 'compensate' : 'execute');
    const attempt =
      overrides.attempt ??
      ('attempt' in step ? step.attempt : 'attempts' in step ? step.attempts : 1);
    return this.apply({
      type: 'reply',
      at: this.clock.now(),
      random: this.random,
      messageId: `reply-${++this.replies}:${commandMessageId(this.state.sagaId, stepId, action, attempt)}`,
      stepId,
      action,
      attempt,
      outcome,
    });
  }

  /** Fires the pending timer of that kind (and step), moving the clock to its due time; throws if there is none. */
  fire(kind: WakeupKind, stepId?: string): TransitionResult {
    const pending = [...this.wakeups.values()].find(
      (scheduled) =>
        scheduled.wakeup.kind === kind &&
        (stepId === undefined ||
          ('stepId' in scheduled.wakeup && scheduled.wakeup.stepId === stepId)),
    );
    if (pending === undefined)
      throw new Error(`no pending ${kind} wakeup${stepId ? ` for ${stepId}` : ''}`);
    this.wakeups.delete(pending.wakeupId);
    this.clock.advanceTo(pending.at);
    return this.apply({
      type: 'wakeup',
      at: this.clock.now(),
      random: this.random,
      wakeupId: pending.wakeupId,
      ...pending.wakeup,
    });
  }

  /** Asks to cancel the saga. */
  cancel(actor = 'operator', reason?: string): TransitionResult {
    const base = { type: 'cancel' as const, at: this.clock.now(), random: this.random, actor };
    return this.apply(reason === undefined ? base : { ...base, reason });
  }

  /** Asks to resume a stuck saga. */
  resume(actor = 'operator', reason?: string): TransitionResult {
    const base = { type: 'resume' as const, at: this.clock.now(), random: this.random, actor };
    return this.apply(reason === undefined ? base : { ...base, reason });
  }

  /** Asks for one step to be tried again now. */
  retryStep(stepId: string, actor = 'operator', reason?: string): TransitionResult {
    const at = this.clock.now();
    const base = { type: 'retry-step' as const, at, random: this.random, actor, stepId };
    return this.apply(reason === undefined ? base : { ...base, reason });
  }

  /** The current state of a step. */
  step(stepId: string): StepState {
    const step = this.state.steps[stepId];
    if (step === undefined) throw new Error(`no step ${stepId}`);
    return step;
  }

  /** The timers set and not yet fired or cancelled, soonest first. */
  scheduled(): ScheduledWakeup[] {
    return [...this.wakeups.values()].sort((a, b) => a.at - b.at);
  }

  /** Every command sent so far. */
  commands(): CommandToSend[] {
    return commandsIn(this.effects);
  }

  private record(effects: readonly Effect[]): void {
    for (const effect of effects) {
      this.effects.push(effect);
      if (effect.type === 'schedule-wakeup') {
        this.wakeups.set(effect.wakeupId, {
          wakeupId: effect.wakeupId,
          at: effect.at,
          wakeup: effect.wakeup,
        });
      } else if (effect.type === 'cancel-wakeup') {
        this.wakeups.delete(effect.wakeupId);
      }
    }
  }
}
