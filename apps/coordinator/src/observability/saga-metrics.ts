import type { ReplyOutcome } from '#contracts';
import type { Effect, EngineEvent, SagaState } from '#saga-core';
import { Counter, Histogram, type Registry } from 'prom-client';

/** One applied transition of a decision: the state before (null on start), the event, the result. */
export interface ObservedTransition {
  readonly before: SagaState | null;
  readonly event: EngineEvent | null;
  readonly after: SagaState;
  readonly effects: readonly Effect[];
}

/** Distinct error codes labelled per saga type, step and action; the rest are `other`. */
export const MAX_CODES_PER_STEP = 20;

/** Ends that count a saga as done, stuck, or compensated. */
const ENDINGS = ['completed', 'compensated', 'stuck'] as const;

/**
 * Counts what the decisions did, after they committed: sagas by type and outcome, saga and step
 * durations, attempts, retries and outcomes by step and error code, compensations. Labels are
 * bounded: types and steps come from the definitions, and of the codes participants give, the
 * first MAX_CODES_PER_STEP of each step and action are kept, the others counted as `other` (a
 * participant that puts an upstream error id in its code would add a series per reply).
 */
export class SagaMetrics {
  private readonly started: Counter<'saga_type' | 'version'>;
  private readonly ended: Counter<'saga_type' | 'version' | 'status'>;
  private readonly sagaDuration: Histogram<'saga_type' | 'status'>;
  private readonly attempts: Counter<'saga_type' | 'step' | 'action'>;
  private readonly retries: Counter<'saga_type' | 'step' | 'action'>;
  private readonly outcomes: Counter<'saga_type' | 'step' | 'action' | 'outcome' | 'code'>;
  /** The codes labelled so far, per saga type, step and action. */
  private readonly codesSeen = new Map<string, Set<string>>();
  private readonly stepDuration: Histogram<'saga_type' | 'step' | 'action' | 'outcome'>;
  private readonly compensations: Counter<'saga_type' | 'step'>;
  private readonly cacheLookups: Counter<'result'>;

  constructor(registry: Registry) {
    const registers = [registry];
    this.started = new Counter({
      name: 'saga_started_total',
      help: 'Sagas started, by type and definition version.',
      labelNames: ['saga_type', 'version'],
      registers,
    });
    this.ended = new Counter({
      name: 'saga_ended_total',
      help: 'Sagas that reached completed, compensated or stuck, by type, definition version and status.',
      labelNames: ['saga_type', 'version', 'status'],
      registers,
    });
    this.sagaDuration = new Histogram({
      name: 'saga_duration_seconds',
      help: 'Time from a saga start to its completed, compensated or stuck status.',
      labelNames: ['saga_type', 'status'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 1800, 3600],
      registers,
    });
    this.attempts = new Counter({
      name: 'saga_step_attempts_total',
      help: 'Commands sent (every attempt), by saga type, step and action (execute, compensate).',
      labelNames: ['saga_type', 'step', 'action'],
      registers,
    });
    this.retries = new Counter({
      name: 'saga_step_retries_total',
      help: 'Attempts after the first one, by saga type, step and action.',
      labelNames: ['saga_type', 'step', 'action'],
      registers,
    });
    this.outcomes = new Counter({
      name: 'saga_step_outcomes_total',
      help: 'Replies applied, by saga type, step, action, outcome and error code.',
      labelNames: ['saga_type', 'step', 'action', 'outcome', 'code'],
      registers,
    });
    this.stepDuration = new Histogram({
      name: 'saga_step_duration_seconds',
      help: 'Time from sending a command to applying its reply.',
      labelNames: ['saga_type', 'step', 'action', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    });
    this.compensations = new Counter({
      name: 'saga_compensations_total',
      help: 'Steps whose compensation started, by saga type and step.',
      labelNames: ['saga_type', 'step'],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'saga_state_cache_lookups_total',
      help: 'Reply decisions by how they were taken: hit (on the states in the cache, written in one statement, or a transaction when it holds commands), miss (a saga not in the cache: a transaction on the rows locked), stale (the write on cached states failed its version check, a saga having changed meanwhile, or lost its connection: taken again as a miss).',
      labelNames: ['result'],
      registers,
    });
  }

  /** Counts a decision that looked for its sagas in the state cache (see DecisionRunner.decideOn). */
  cacheLookup(result: 'hit' | 'miss' | 'stale'): void {
    this.cacheLookups.inc({ result });
  }

  /** Records the transitions of one committed decision taken at `now` (epoch ms). */
  observe(transitions: readonly ObservedTransition[], now: number): void {
    for (const transition of transitions) this.observeOne(transition, now);
  }

  private observeOne({ before, event, after, effects }: ObservedTransition, now: number): void {
    const sagaType = after.sagaType;
    const version = String(after.sagaVersion);
    if (before === null) this.started.inc({ saga_type: sagaType, version });
    const status = after.status as (typeof ENDINGS)[number];
    if (before?.status !== after.status && ENDINGS.includes(status)) {
      this.ended.inc({ saga_type: sagaType, version, status });
      this.sagaDuration.observe({ saga_type: sagaType, status }, (now - after.startedAt) / 1000);
    }
    if (event?.type === 'reply' && before && after.revision !== before.revision) {
      this.observeReply(before, event.stepId, event.action, event.outcome, now);
    }
    for (const effect of effects) {
      if (effect.type !== 'send-command') continue;
      const { stepId: step, action, attempt } = effect.command;
      this.attempts.inc({ saga_type: sagaType, step, action });
      if (attempt > 1) this.retries.inc({ saga_type: sagaType, step, action });
      else if (action === 'compensate') this.compensations.inc({ saga_type: sagaType, step });
    }
  }

  private observeReply(
    before: SagaState,
    step: string,
    action: string,
    outcome: ReplyOutcome,
    now: number,
  ): void {
    const saga_type = before.sagaType;
    const code =
      outcome.status === 'success' ? '' : this.codeLabel(saga_type, step, action, outcome.code);
    this.outcomes.inc({ saga_type, step, action, outcome: outcome.status, code });
    const stepState = before.steps[step];
    if (stepState && 'sentAt' in stepState) {
      this.stepDuration.observe(
        { saga_type, step, action, outcome: outcome.status },
        Math.max(0, now - stepState.sentAt) / 1000,
      );
    }
  }

  /** `code`, if it is among the first MAX_CODES_PER_STEP seen for the step; else `other`. */
  private codeLabel(sagaType: string, step: string, action: string, code: string): string {
    const key = `${sagaType}\u0000${step}\u0000${action}`;
    let seen = this.codesSeen.get(key);
    if (seen === undefined) this.codesSeen.set(key, (seen = new Set()));
    if (seen.has(code)) return code;
    if (seen.size >= MAX_CODES_PER_STEP) return 'other';
    seen.add(code);
    return code;
  }
}
