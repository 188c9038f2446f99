// The commands of the model-based test: random replies, duplicates, timers and operator actions.
import fc from 'fast-check';
import type { ReplyOutcome } from '#contracts';
import { isTerminal, type SagaState } from '../../state/saga-state.js';
import type { StepState } from '../../state/step-state.js';
import type { ReplyEvent, WakeupEvent } from '../engine-event.js';
import type { World } from './model-world.fixture.js';

type Model = Record<string, never>;
type WorldCommand = fc.Command<Model, World>;

const OUTCOMES: Record<string, ReplyOutcome> = {
  success: { status: 'success', result: { ok: true } },
  failure: { status: 'failure', code: 'refused', message: 'no' },
  error: { status: 'error', code: 'flaky', message: 'later' },
  fatal: { status: 'error', code: 'fatal', message: 'never' },
  final: { status: 'error', code: 'other', message: 'never', retryable: false },
};

const timing = fc.record({
  advance: fc.integer({ min: 0, max: 3_000 }),
  random: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
});

/** Replies to a step: usually one that waits, sometimes with the wrong attempt or action. */
class ReplyCommand implements WorldCommand {
  constructor(
    readonly pick: number,
    readonly outcome: keyof typeof OUTCOMES,
    readonly attemptShift: number,
    readonly flipAction: boolean,
    readonly t: { advance: number; random: number },
  ) {}
  check = () => true;
  run(_: Model, world: World): void {
    const entries = Object.entries(world.state.steps);
    const waiting = entries.filter(
      ([, s]) => s.status === 'running' || s.status === 'compensating',
    );
    const pool = waiting.length > 0 ? waiting : entries;
    const [stepId, step] = pool[this.pick % pool.length] as [string, StepState];
    const compensate = step.status.startsWith('compensat');
    const action = compensate !== this.flipAction ? 'compensate' : 'execute';
    const attempt = Math.max(1, ('attempt' in step ? step.attempt : 1) + this.attemptShift);
    world.now += this.t.advance;
    const event: ReplyEvent = {
      type: 'reply',
      at: world.now,
      random: this.t.random,
      messageId: `r${world.log.length}`,
      stepId,
      action,
      attempt,
      outcome: OUTCOMES[this.outcome] as ReplyOutcome,
    };
    world.lastReply = event;
    world.apply(event);
  }
  toString = () => `reply(${this.pick}, ${this.outcome}, ${this.attemptShift}, ${this.flipAction})`;
}

/** Delivers the last reply again. */
class DuplicateReplyCommand implements WorldCommand {
  constructor(readonly t: { advance: number; random: number }) {}
  check = () => true;
  run(_: Model, world: World): void {
    if (world.lastReply === undefined) return;
    world.now += this.t.advance;
    world.apply({ ...world.lastReply, at: world.now, random: this.t.random });
  }
  toString = () => 'duplicate-reply';
}

/** Fires one of the timers that are set, at its due time or later. */
class FireWakeupCommand implements WorldCommand {
  constructor(
    readonly pick: number,
    readonly t: { advance: number; random: number },
  ) {}
  check = () => true;
  run(_: Model, world: World): void {
    const pending = [...world.scheduled.values()];
    const wakeup = pending[this.pick % Math.max(1, pending.length)];
    if (wakeup === undefined) return;
    world.scheduled.delete(wakeup.wakeupId);
    world.now = Math.max(world.now + this.t.advance, wakeup.at);
    const event = { ...wakeup, at: world.now, random: this.t.random };
    world.fired.push(event);
    world.apply(event);
  }
  toString = () => `fire(${this.pick})`;
}

/**
 * Whether the saga's deadline fell due with this event (its timer not fired yet): the engine
 * applies it first, so an event otherwise refused or stale may change the state all the same.
 */
function deadlineFell(before: SagaState, world: World): boolean {
  return !before.deadlinePassed && world.state.deadlinePassed;
}

/** Fires again a timer that already fired: it must be stale. */
class RefireWakeupCommand implements WorldCommand {
  constructor(
    readonly pick: number,
    readonly t: { advance: number; random: number },
  ) {}
  check = () => true;
  run(_: Model, world: World): void {
    const wakeup = world.fired[this.pick % Math.max(1, world.fired.length)];
    if (wakeup === undefined) return;
    world.now += this.t.advance;
    const before = world.state;
    world.apply({ ...wakeup, at: world.now, random: this.t.random });
    if (wakeup.kind !== 'deadline' && world.state !== before && !deadlineFell(before, world)) {
      throw new Error('a timer that fired once must be stale the second time');
    }
  }
  toString = () => `refire(${this.pick})`;
}

/** An operator cancels or resumes. */
class OperatorCommand implements WorldCommand {
  constructor(
    readonly action: 'cancel' | 'resume',
    readonly t: { advance: number; random: number },
  ) {}
  check = () => true;
  run(_: Model, world: World): void {
    world.now += this.t.advance;
    const before = world.state;
    world.apply({ type: this.action, at: world.now, random: this.t.random, actor: 'ops' });
    if (this.action === 'cancel' && before.pivotPassed && world.state !== before) {
      throw new Error('a cancel after the pivot must be refused');
    }
  }
  toString = () => this.action;
}

/** An operator retries one step now (whatever its state: the engine refuses what it must). */
class RetryStepCommand implements WorldCommand {
  constructor(
    readonly pick: number,
    readonly t: { advance: number; random: number },
  ) {}
  check = () => true;
  run(_: Model, world: World): void {
    const stepIds = Object.keys(world.state.steps);
    const stepId = stepIds[this.pick % stepIds.length]!;
    world.now += this.t.advance;
    const before = world.state;
    world.apply({ type: 'retry-step', at: world.now, random: this.t.random, actor: 'ops', stepId });
    const step = before.steps[stepId];
    const inFlight =
      step?.status === 'running' ||
      step?.status === 'backing-off' ||
      step?.status === 'compensating' ||
      step?.status === 'compensation-backing-off';
    if (world.state !== before && !inFlight && before.status !== 'stuck') {
      throw new Error(`a retry of ${stepId}, ${step?.status}, must be refused`);
    }
  }
  toString = () => `retry-step(${this.pick})`;
}

const reply = fc
  .tuple(
    fc.nat(),
    fc.constantFrom<keyof typeof OUTCOMES>(
      'success',
      'success',
      'success',
      'success',
      'success',
      'error',
      'failure',
      'fatal',
      'final',
    ),
    fc.constantFrom(0, 0, 0, 0, 0, -1, 1),
    timing,
  )
  .map(([pick, outcome, shift, t]) => new ReplyCommand(pick, outcome, shift, false, t));
const fire = fc.tuple(fc.nat(), timing).map(([pick, t]) => new FireWakeupCommand(pick, t));

/** Every kind of command; repeats weigh the draw towards replies and due timers so that runs get far. */
export const commands = [
  reply,
  reply,
  reply,
  reply,
  fire,
  fire,
  fc
    .tuple(fc.nat(), fc.integer({ min: -1, max: 1 }), timing)
    .map(([pick, shift, t]) => new ReplyCommand(pick, 'success', shift, true, t)),
  timing.map((t) => new DuplicateReplyCommand(t)),
  fc.tuple(fc.nat(), timing).map(([pick, t]) => new RefireWakeupCommand(pick, t)),
  timing.map((t) => new OperatorCommand('cancel', t)),
  timing.map((t) => new OperatorCommand('resume', t)),
  fc.tuple(fc.nat(), timing).map(([pick, t]) => new RetryStepCommand(pick, t)),
];

/** Lets healthy participants and an attentive operator finish the saga: reply success, fire due timers, resume. */
export function settle(world: World): void {
  for (let i = 0; i < 500 && !isTerminal(world.state); i++) {
    const waiting = Object.values(world.state.steps).some(
      (step) => step.status === 'running' || step.status === 'compensating',
    );
    if (waiting)
      new ReplyCommand(0, 'success', 0, false, { advance: 10, random: 0.5 }).run({}, world);
    else if (world.scheduled.size > 0) {
      const soonest = [...world.scheduled.values()].sort((a, b) => a.at - b.at)[0] as WakeupEvent;
      const index = [...world.scheduled.values()].indexOf(soonest);
      new FireWakeupCommand(index, { advance: 0, random: 0.5 }).run({}, world);
    } else new OperatorCommand('resume', { advance: 10, random: 0.5 }).run({}, world);
  }
}
