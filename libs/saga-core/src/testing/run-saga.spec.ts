import { z } from 'zod';
import { defineSaga } from '../definition/define-saga.js';
import { linearSaga, orderInputValue, pivotSaga } from '../engine/test-sagas.fixture.js';
import { createSagaRegistry } from '../registry/saga-registry.js';
import { errorTimes, errorWith, fail, neverReply, succeed } from './participant-behaviour.js';
import { runSaga } from './run-saga.js';

const linearParticipants = {
  inventory: { 'reserve-items': succeed({ id: 'r-1' }) },
  payment: { 'charge-card': succeed({ id: 'p-1' }) },
};

describe('runSaga', () => {
  it('runs a saga to completion against participants that succeed', () => {
    const run = runSaga(linearSaga, orderInputValue, { participants: linearParticipants });
    expect(run.stopReason).toBe('finished');
    expect(run.finalState.status).toBe('completed');
    expect(run.commands.map((sent) => sent.command.stepId)).toEqual(['reserve', 'charge', 'ship']);
    expect(run.events.map((event) => event.type)).toEqual([
      'saga.started',
      'saga.step-completed',
      'saga.step-completed',
      'saga.step-completed',
      'saga.completed',
    ]);
    expect(run.finalState.context).toMatchObject({ reservationId: 'r-1', paymentId: 'p-1' });
  });

  it('takes the replies latency into the virtual duration', () => {
    const run = runSaga(linearSaga, orderInputValue, {
      participants: {
        inventory: { 'reserve-items': succeed({ id: 'r' }, { latencyMs: 40 }) },
        payment: { 'charge-card': succeed({ id: 'p' }, { latencyMs: 60 }) },
      },
    });
    expect(run.durationMs).toBe(100);
    expect(run.commands.map((sent) => sent.at)).toEqual([0, 40, 100]);
  });

  it('retries a participant that errors a few times and then succeeds', () => {
    const run = runSaga(linearSaga, orderInputValue, {
      participants: {
        ...linearParticipants,
        payment: { 'charge-card': errorTimes(2, 'db-down', succeed({ id: 'p' })) },
      },
    });
    expect(run.finalState.status).toBe('completed');
    expect(
      run.commands.filter((sent) => sent.command.stepId === 'charge').map((sent) => sent.at),
    ).toEqual([0, 100, 300]);
  });

  it('times out a participant that never replies, and compensates', () => {
    const run = runSaga(linearSaga, orderInputValue, {
      participants: { ...linearParticipants, payment: { 'charge-card': neverReply() } },
    });
    expect(run.finalState).toMatchObject({
      status: 'compensated',
      cause: { type: 'step-outcome-unknown', stepId: 'charge' },
    });
    expect(
      run.commands
        .filter((sent) => sent.command.action === 'compensate')
        .map((sent) => sent.command.stepId),
    ).toEqual(['charge', 'reserve']);
  });

  it('compensates after a business failure', () => {
    const run = runSaga(linearSaga, orderInputValue, {
      participants: { ...linearParticipants, shipping: { 'ship-order': fail('no-courier') } },
    });
    expect(run.finalState.status).toBe('compensated');
    expect(run.audit.at(-1)?.toStatus).toBe('compensated');
  });

  it('lets a script depend on the command and the call number', () => {
    const run = runSaga(linearSaga, orderInputValue, {
      participants: {
        ...linearParticipants,
        payment: {
          'charge-card': (command, call) =>
            call === 0 ? errorWith('busy') : succeed({ id: command.messageId }),
        },
      },
    });
    expect(run.finalState.context).toMatchObject({ paymentId: 'saga-1:charge:execute:2' });
  });

  it('stops stuck when a compensation runs out and nobody resumes it', () => {
    const run = runSaga(linearSaga, orderInputValue, {
      participants: {
        ...linearParticipants,
        payment: { 'charge-card': fail('declined') },
        inventory: { 'reserve-items': succeed({ id: 'r' }), 'release-items': errorWith('db-down') },
      },
    });
    expect(run.stopReason).toBe('stuck');
    expect(run.finalState).toMatchObject({ status: 'stuck', phase: 'compensation' });
  });

  it('applies operator actions at their virtual time', () => {
    const run = runSaga(linearSaga, orderInputValue, {
      participants: {
        ...linearParticipants,
        payment: { 'charge-card': fail('declined') },
        inventory: {
          'reserve-items': succeed({ id: 'r' }),
          'release-items': [errorWith('db-down'), errorWith('db-down'), succeed()],
        },
      },
      operator: [{ afterMs: 60_000, action: 'resume', actor: 'alice' }],
    });
    expect(run.finalState.status).toBe('compensated');
    expect(run.durationMs).toBe(60_000);
    expect(run.audit.find((entry) => entry.eventType === 'resume')).toMatchObject({
      actor: 'alice',
      applied: true,
    });
  });

  it('cancels a saga on an operator request', () => {
    const run = runSaga(linearSaga, orderInputValue, {
      participants: { inventory: { 'reserve-items': succeed({ id: 'r' }, { latencyMs: 1_000 }) } },
      operator: [{ afterMs: 10, action: 'cancel', reason: 'test' }],
    });
    expect(run.finalState).toMatchObject({
      status: 'compensated',
      cause: { type: 'cancelled', actor: 'operator', reason: 'test' },
    });
  });

  it('runs hours of back-off in virtual time', () => {
    const slow = defineSaga({
      name: 'slow',
      version: 1,
      input: z.unknown(),
      initialContext: () => null,
    })
      .step({ id: 'p', participant: 'a', command: 'go', kind: 'pivot', buildCommand: () => null })
      .step({
        id: 'r',
        participant: 'b',
        command: 'go',
        kind: 'retriable',
        dependsOn: ['p'],
        buildCommand: () => null,
        retry: { initialDelayMs: 60_000, maxDelayMs: 3_600_000, jitter: 'none' },
      })
      .build();
    const run = runSaga(slow, null, { participants: { b: { go: errorTimes(8, 'down') } } });
    expect(run.finalState.status).toBe('completed');
    expect(run.durationMs).toBe(60_000 * (1 + 2 + 4 + 8 + 16 + 32) + 3_600_000 * 2);
  });

  it('stops at the virtual time limit', () => {
    const run = runSaga(pivotSaga, orderInputValue, {
      participants: { shipping: { 'ship-order': errorWith('down') } },
      maxVirtualTimeMs: 30_000,
    });
    expect(run.stopReason).toBe('time-limit');
    expect(run.finalState.status).toBe('running');
  });

  it('stops idle when the saga waits for something that never comes', () => {
    const run = runSaga(pivotSaga, orderInputValue, {
      participants: { mail: { 'send-mail': neverReply() } },
    });
    expect(run.stopReason).toBe('idle');
  });

  it('runs a definition from a registry by reference', () => {
    const run = runSaga(
      { registry: createSagaRegistry([linearSaga]), ref: { name: 'linear' } },
      orderInputValue,
      {
        participants: linearParticipants,
      },
    );
    expect(run.finalState.sagaVersion).toBe(1);
  });

  it('throws when the start is refused', () => {
    expect(() => runSaga(linearSaga, { orderId: 1 })).toThrow(/start refused: input orderId/);
  });
});

describe('runSaga with random participants', () => {
  const random = {
    errorRate: 0.3,
    failureRate: 0.05,
    timeoutRate: 0.1,
    result: () => ({ id: 'x' }),
  };

  it('gives the same run for the same seed', () => {
    const one = runSaga(pivotSaga, orderInputValue, { random, seed: 7 });
    const two = runSaga(pivotSaga, orderInputValue, { random, seed: 7 });
    expect(one).toEqual(two);
  });

  it('gives different runs for different seeds', () => {
    const runs = [1, 2, 3, 4, 5].map(
      (seed) => runSaga(pivotSaga, orderInputValue, { random, seed }).commands.length,
    );
    expect(new Set(runs).size).toBeGreaterThan(1);
  });

  it('ends every saga whose steps all have timeouts, one way or another, over many seeds', () => {
    for (let seed = 1; seed <= 50; seed++) {
      const run = runSaga(linearSaga, orderInputValue, { random, seed });
      expect(['finished', 'stuck']).toContain(run.stopReason);
    }
  });

  it('never refuses a compensation, so a failure always ends compensated or stuck by errors', () => {
    const run = runSaga(linearSaga, orderInputValue, {
      random: { failureRate: 1, errorRate: 0, timeoutRate: 0, latencyMs: { min: 1, max: 1 } },
      participants: { inventory: { 'reserve-items': succeed({ id: 'r' }) } },
    });
    expect(run.finalState.status).toBe('compensated');
  });
});
