import { describe, expect, it } from '@jest/globals';
import type { CommandMessage, ReplyOutcome } from '#contracts';
import { createSagaEngine, type Effect, type SagaState } from '#saga-core';
import {
  BENCH_SAGA,
  BENCH_STEPS,
  ECHO_PARTICIPANT,
  REFUSAL_CODE,
  benchSaga,
  createBenchRegistry,
} from '../../bench/saga-bench/bench-saga.js';
import {
  FLOOR_SAGA,
  FLOOR_STEPS,
  replyDecision,
  startDecision,
  type FloorDecision,
} from '../../bench/saga-bench/floor-saga.js';

// The floor writes the bench saga's decisions by hand; the engine is the reference. Both are
// driven through a whole saga with the echo participant's answers and must agree on every
// state, event, command, timer and audit line.

const REPLY_TO = 'bench.x.floor.saga.replies';
const SAGA_ID = '0b6f7a52-6f0e-4a53-9d53-4c3b1a0c2f11';
const T0 = Date.UTC(2026, 10, 29, 3, 0, 0);

const engine = createSagaEngine(createBenchRegistry());

/** What the engine decided, in the floor's terms (commands get replyTo and sentAt as the coordinator adds them). */
function fromEngine(effects: readonly Effect[], at: number) {
  const outgoing: unknown[] = [];
  const timersSet: unknown[] = [];
  const timersCancelled: string[] = [];
  let audit: unknown;
  for (const effect of effects) {
    if (effect.type === 'publish-event') outgoing.push({ kind: 'event', message: effect.event });
    if (effect.type === 'send-command') {
      const message = { ...effect.command, replyTo: REPLY_TO, sentAt: new Date(at).toISOString() };
      outgoing.push({ kind: 'command', message });
    }
    if (effect.type === 'schedule-wakeup') {
      expect(effect.at).toBe(at + 30_000);
      timersSet.push(effect.wakeupId); // its id says what it wakes for
    }
    if (effect.type === 'cancel-wakeup') timersCancelled.push(effect.wakeupId);
    if (effect.type === 'append-audit') audit = effect.entry;
  }
  return { outgoing, timersSet, timersCancelled, audit };
}

function fromFloor(decision: FloorDecision, at: number) {
  const { audit } = decision;
  return {
    outgoing: decision.outgoing,
    timersSet: decision.timersSet,
    timersCancelled: decision.timersCancelled,
    audit: {
      at,
      sagaId: SAGA_ID,
      eventType: audit.eventType,
      toStatus: audit.toStatus,
      applied: audit.applied,
      detail: audit.detail,
      ...(audit.fromStatus === null ? {} : { fromStatus: audit.fromStatus }),
      ...(audit.stepId === null ? {} : { stepId: audit.stepId }),
      ...(audit.attempt === null ? {} : { attempt: audit.attempt }),
    },
  };
}

/** The echo participant's answer: `{}`, or the refusal of the third step of a failing saga. */
function echoAnswer(command: CommandMessage): ReplyOutcome {
  const refuses = (command.payload as { fail: boolean }).fail && command.stepId === 'third';
  return refuses
    ? { status: 'failure', code: REFUSAL_CODE, message: REFUSAL_CODE }
    : { status: 'success', result: {} };
}

/** Runs one saga through both, comparing each decision; resolves with the event types. */
function runBoth(fail: boolean): string[] {
  const input = { key: 'k-1', fail };
  let at = T0;
  const started = engine.start({ name: BENCH_SAGA }, { sagaId: SAGA_ID, input, at, random: 0.5 });
  let floor = startDecision(SAGA_ID, input, at, REPLY_TO);
  let state = started.state as SagaState;
  expect(floor.state).toEqual(state);
  expect(fromFloor(floor, at)).toEqual(fromEngine(started.effects, at));
  const types: string[] = [];
  for (;;) {
    for (const item of floor.outgoing) if (item.kind === 'event') types.push(item.message.type);
    const command = floor.outgoing.find((item) => item.kind === 'command')?.message as
      CommandMessage | undefined;
    if (!command) return types;
    at += 7;
    const reply = { ...command, outcome: echoAnswer(command) };
    const result = engine.transition(state, {
      type: 'reply',
      at,
      random: 0.5,
      messageId: `reply:${command.messageId}`,
      stepId: command.stepId,
      action: command.action,
      attempt: command.attempt,
      outcome: reply.outcome,
    });
    const next = replyDecision(floor.state, reply, at, REPLY_TO);
    expect(next.state).toEqual(result.state);
    expect(fromFloor(next, at)).toEqual(fromEngine(result.effects, at));
    // The same reply again is fenced off by both: nothing changes.
    const again = replyDecision(next.state, reply, at + 1, REPLY_TO);
    expect(again.state).toBe(next.state);
    expect(again.audit.applied).toBe(false);
    expect(again.outgoing).toEqual([]);
    state = result.state;
    floor = next;
  }
}

describe('the floor decides the bench saga as the engine does', () => {
  it('names the same saga, participant and steps as bench-saga.ts', () => {
    expect(FLOOR_SAGA.name).toBe(benchSaga.name);
    expect(FLOOR_SAGA.version).toBe(benchSaga.version);
    expect(FLOOR_SAGA.participant).toBe(ECHO_PARTICIPANT);
    expect(FLOOR_SAGA.refusalCode).toBe(REFUSAL_CODE);
    expect(FLOOR_STEPS.map(({ id, command, undo }) => ({ id, command, undo }))).toEqual(
      BENCH_STEPS.map(({ id, command, undo }) => ({ id, command, undo })),
    );
    expect(FLOOR_STEPS.map((step) => step.pivot)).toEqual(
      benchSaga.steps.map((step) => step.kind === 'pivot'),
    );
  });

  it('completes a saga whose steps all succeed, with the same rows and messages', () => {
    expect(runBoth(false)).toEqual(['saga.completed']);
  });

  it('compensates the second then the first step when the third refuses', () => {
    expect(runBoth(true)).toEqual(['saga.compensated']);
  });
});
