// The world of the model-based test: the engine under test, its event log, and the invariants.
import { createSagaRegistry } from '../../registry/saga-registry.js';
import { isTerminal, type SagaState } from '../../state/saga-state.js';
import type { StepState } from '../../state/step-state.js';
import type { AnySagaDefinition } from '../../definition/saga-definition.js';
import { createSagaEngine, type SagaEngine } from '../create-saga-engine.js';
import type { Effect } from '../effect.js';
import type { EngineEvent, ReplyEvent, WakeupEvent } from '../engine-event.js';

/** The engine under test, the event log, and what the invariants need to remember. */
export class World {
  readonly engine: SagaEngine;
  readonly log: EngineEvent[] = [];
  readonly effects: Effect[][] = [];
  readonly scheduled = new Map<string, WakeupEvent>();
  readonly fired: WakeupEvent[] = [];
  readonly compensatedOnce = new Set<string>();
  readonly compensationStarted = new Set<string>();
  state: SagaState;
  now = 0;
  lastReply: ReplyEvent | undefined;
  pivotPassed = false;

  constructor(readonly definition: AnySagaDefinition) {
    this.engine = createSagaEngine(createSagaRegistry([definition]));
    const started = this.engine.start(
      { name: 'model' },
      { sagaId: 'm', input: null, at: 0, random: 0.5 },
    );
    if (started.state === null) throw new Error('start refused');
    this.state = started.state;
    this.effects.push([...started.effects]);
    this.observe(started.effects);
  }

  apply(event: EngineEvent): void {
    const before = this.state;
    const result = this.engine.transition(before, event);
    this.log.push(event);
    this.effects.push([...result.effects]);
    this.state = result.state;
    checkTransition(this, event, before, result.state, result.effects);
    this.observe(result.effects);
    checkReplay(this);
  }

  private observe(effects: readonly Effect[]): void {
    for (const effect of effects) {
      if (effect.type === 'schedule-wakeup') {
        this.scheduled.set(effect.wakeupId, {
          type: 'wakeup',
          at: effect.at,
          random: 0,
          wakeupId: effect.wakeupId,
          ...effect.wakeup,
        });
      } else if (effect.type === 'cancel-wakeup') {
        this.scheduled.delete(effect.wakeupId);
      }
    }
    this.pivotPassed ||= this.state.pivotPassed;
  }
}

const AWAITING = new Set([
  'succeeded',
  'outcome-unknown',
  'compensating',
  'compensation-backing-off',
  'compensation-exhausted',
]);

/**
 * Whether a step awaits its compensation: it may have acted, or it ended in a technical error
 * after its command left (its key must be closed at the participant).
 */
function awaits(state: StepState): boolean {
  return AWAITING.has(state.status) || endedInError(state);
}

/** A step failed with a technical error after at least one of its commands left. */
function endedInError(state: StepState): boolean {
  return state.status === 'failed' && state.outcome.status === 'error' && state.attempts > 0;
}

/** The invariants checked after every event; throws an error that lists the ones violated. */
function checkTransition(
  world: World,
  event: EngineEvent,
  before: SagaState,
  after: SagaState,
  effects: readonly Effect[],
): void {
  const violations: string[] = [];
  const expectThat = (holds: boolean, invariant: string) => {
    if (!holds) violations.push(invariant);
  };
  const audits = effects.filter((effect) => effect.type === 'append-audit');
  expectThat(
    audits.length === 1 && effects.at(-1)?.type === 'append-audit',
    'one audit entry, last',
  );
  const applied = after !== before;
  const entry = audits[0]?.type === 'append-audit' ? audits[0].entry : undefined;
  expectThat(entry?.applied === applied, 'the audit entry says whether the event was applied');
  expectThat(
    after.revision === before.revision + (applied ? 1 : 0),
    'the revision counts applied events',
  );
  expectThat(applied || effects.length === 1, 'an event not applied yields only its audit entry');
  expectThat(!isTerminal(before) || after === before, 'terminal states stay terminal');
  expectThat(isPlainJson(after) && isPlainJson(effects), 'states and effects are plain JSON');
  expectThat(!world.pivotPassed || after.pivotPassed, 'a passed pivot stays passed');

  for (const effect of effects) {
    if (effect.type !== 'send-command' || effect.command.action !== 'compensate') continue;
    const id = effect.command.stepId;
    expectThat(
      world.definition.stepById.get(id)?.kind === 'compensatable' &&
        mayHaveActed(before.steps[id] as StepState, id, event),
      `only compensatable steps that completed or may have acted are compensated (${id})`,
    );
    expectThat(
      !world.pivotPassed && !after.pivotPassed,
      `nothing is compensated after the pivot (${id})`,
    );
    if (effect.command.attempt === 1) {
      expectThat(!world.compensationStarted.has(id), `a compensation starts once (${id})`);
      world.compensationStarted.add(id);
    }
    for (const dependent of world.definition.graph.descendants.get(id) ?? []) {
      const state = after.steps[dependent] as StepState;
      expectThat(
        world.definition.stepById.get(dependent)?.compensation === undefined || !awaits(state),
        `${id} is compensated only after its dependent ${dependent} (order respects the graph)`,
      );
    }
  }
  for (const [id, step] of Object.entries(after.steps)) {
    const previous = before.steps[id] as StepState;
    expectThat(
      previous.status !== 'compensated' || step === previous,
      `compensated is final (${id})`,
    );
    if (step.status === 'compensated' && previous.status !== 'compensated') {
      expectThat(!world.compensatedOnce.has(id), `a step is compensated at most once (${id})`);
      world.compensatedOnce.add(id);
    }
  }
  if (after.status === 'completed') {
    const allSucceeded = Object.values(after.steps).every((step) => step.status === 'succeeded');
    expectThat(allSucceeded, 'a completed saga has every step succeeded');
  }
  if (after.status === 'compensated') {
    for (const [id, step] of Object.entries(after.steps)) {
      const awaiting =
        world.definition.stepById.get(id)?.compensation !== undefined && awaits(step);
      expectThat(
        !awaiting && step.status !== 'running',
        `a compensated saga left nothing behind (${id})`,
      );
    }
  }
  if (violations.length > 0) throw new Error(`invariants violated: ${violations.join('; ')}`);
}

/** Whether a value is made of null, booleans, finite numbers, strings, arrays and plain objects only, with no undefined. */
function isPlainJson(value: unknown): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every(isPlainJson);
  if (typeof value !== 'object' || Object.getPrototypeOf(value) !== Object.prototype) return false;
  return Object.values(value as object).every(isPlainJson);
}

/**
 * Whether a step's compensation may be sent, judged from its state before the event and the
 * event: its forward command succeeded or may have taken effect, or it ended in a technical error
 * (nothing acted, but its key is still open at the participant and must be closed).
 */
function mayHaveActed(step: StepState, stepId: string, event: EngineEvent): boolean {
  switch (step.status) {
    case 'succeeded':
    case 'outcome-unknown':
    case 'compensating':
    case 'compensation-backing-off':
    case 'compensation-exhausted':
    case 'backing-off':
      return true;
    case 'failed':
      return endedInError(step);
    case 'running': {
      const about = 'attempt' in event && event.stepId === stepId && event.attempt === step.attempt;
      if (event.type === 'reply')
        return about && event.action === 'execute' && event.outcome.status !== 'failure';
      return about && event.type === 'wakeup' && event.kind === 'reply-timeout';
    }
    default:
      return false;
  }
}

/** Replaying the whole event log from the start gives the same state and the same effects. */
function checkReplay(world: World): void {
  const engine = createSagaEngine(createSagaRegistry([world.definition]));
  const started = engine.start({ name: 'model' }, { sagaId: 'm', input: null, at: 0, random: 0.5 });
  let state = started.state as SagaState;
  const effects: Effect[][] = [[...started.effects]];
  for (const event of world.log) {
    const result = engine.transition(state, event);
    state = result.state;
    effects.push([...result.effects]);
  }
  if (JSON.stringify(state) !== JSON.stringify(world.state)) {
    throw new Error('replaying the event log gave another state');
  }
  if (JSON.stringify(effects) !== JSON.stringify(world.effects)) {
    throw new Error('replaying the event log gave other effects');
  }
}
