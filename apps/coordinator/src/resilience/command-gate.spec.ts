import { jest } from '@jest/globals';
import type { CommandMessage } from '#contracts';
import type { ResilienceConfig } from '../config/resilience-config.js';
import { CommandGate } from './command-gate.js';
import type { BreakerChange } from './participant-breaker.js';

const config: ResilienceConfig = {
  maxSagasInFlight: 100,
  startsPauseAtReplyBacklog: 100,
  httpStartWaitMaxMs: 5_000,
  capacityPollMs: 250,
  participantDefaults: {
    errorThresholdPercentage: 50,
    volumeThreshold: 4,
    rollingWindowMs: 10_000,
    resetTimeoutMs: 1_000,
    halfOpenProbes: 2,
    maxCommandsInFlight: 3,
  },
  overrides: { shipping: { maxCommandsInFlight: 1, volumeThreshold: 1 } },
};

const command = (participant: string): CommandMessage =>
  ({ participant, stepId: 's', attempt: 1, action: 'execute' }) as CommandMessage;

describe('CommandGate', () => {
  let changes: BreakerChange[];
  let gate: CommandGate;

  beforeEach(() => {
    jest.useFakeTimers();
    changes = [];
    gate = new CommandGate(config);
    gate.onBreakerChange((change) => changes.push(change));
  });

  afterEach(() => {
    gate.shutdown();
    jest.useRealTimers();
  });

  const fail = (participant: string, times: number) => {
    for (let i = 0; i < times; i++) gate.recordOutcome(participant, false);
  };

  /** Admits four commands for `participant` (its cap is 3); their admissions. */
  const admitFour = (participant: string) =>
    [1, 2, 3, 4].map(() => gate.admit(command(participant)));

  /** Lets opossum settle the outcomes it was fed (they resolve as promises). */
  const settle = async () => {
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  it('takes back the counts of commands whose decision did not commit', () => {
    expect(admitFour('payment')).toEqual(['send', 'send', 'send', 'hold']);
    gate.withdraw('payment', 'hold');
    gate.withdraw('payment', 'send');
    // One in flight given back and no command held: a new one goes, none waits before it.
    expect(gate.admit(command('payment'))).toBe('send');
    expect(gate.status(['payment'])[0]).toMatchObject({ commandsInFlight: 3, commandsHeld: 0 });
  });

  it('sends up to the cap of commands in flight, then holds, first held first sent', () => {
    expect(admitFour('payment')).toEqual(['send', 'send', 'send', 'hold']);
    // Room comes back, but a held command goes before any new one.
    gate.recordOutcome('payment', true);
    expect(gate.admit(command('payment'))).toBe('hold');
    expect(gate.releasable('payment')).toBe(1);
    gate.noteReleased('payment', 1, 1, 0);
    expect(gate.participantsWithHeld()).toEqual(['payment']);
  });

  it('takes per-participant overrides', () => {
    expect(gate.admit(command('shipping'))).toBe('send');
    expect(gate.admit(command('shipping'))).toBe('hold');
  });

  it('opens on failures past the volume threshold, refuses while open, and lets only probes out when half-open', async () => {
    fail('payment', 3);
    await settle();
    expect(gate.admit(command('payment'))).toBe('send');
    fail('payment', 2);
    await settle();
    expect(changes.map((c) => c.to)).toEqual(['open']);
    expect(gate.admit(command('payment'))).toBe('refused');
    gate.noteHeld('payment');
    gate.noteHeld('payment');
    gate.noteHeld('payment');
    expect(gate.releasable('payment')).toBe(0);

    jest.advanceTimersByTime(1_000);
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open']);
    // New commands queue; two probes may go, and no more until an outcome decides.
    expect(gate.admit(command('payment'))).toBe('hold');
    expect(gate.releasable('payment')).toBe(2);
    expect(gate.releasable('payment')).toBe(0);
    // A probe whose command turned out stale sent nothing: it is given back.
    gate.noteReleased('payment', 2, 1, 1);
    expect(gate.releasable('payment')).toBe(1);

    gate.recordOutcome('payment', true);
    await settle();
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'closed']);
    expect(changes[2]).toMatchObject({
      participant: 'payment',
      from: 'half-open',
      detail: 'a probe succeeded',
    });
    expect(gate.status(['payment'])[0]).toMatchObject({
      participant: 'payment',
      breaker: { state: 'closed', totals: { opened: 1, failures: 5, successes: 1 } },
    });
  });

  it('reopens when a probe fails', async () => {
    fail('payment', 4);
    await settle();
    jest.advanceTimersByTime(1_000);
    fail('payment', 1);
    await settle();
    expect(changes.map((c) => `${c.from}->${c.to}`)).toEqual([
      'closed->open',
      'open->half-open',
      'half-open->open',
    ]);
    expect(changes[2]?.detail).toBe('a probe failed');
  });

  it('opens again when no probe has answered within the reset timeout, and then probes afresh', async () => {
    fail('payment', 4);
    await settle();
    jest.advanceTimersByTime(1_000);
    gate.noteHeld('payment');
    gate.noteHeld('payment');
    // Both probes go, and neither answers (their sagas ended before the reply, say).
    expect(gate.releasable('payment')).toBe(2);
    gate.noteReleased('payment', 2, 2, 0);
    expect(gate.releasable('payment')).toBe(0);

    jest.advanceTimersByTime(999);
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open']);
    jest.advanceTimersByTime(1);
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'open']);
    expect(changes[2]?.detail).toBe('no probe answered within 1000 ms');
    jest.advanceTimersByTime(1_000);
    expect(changes.map((c) => c.to)).toEqual(['open', 'half-open', 'open', 'half-open']);
    gate.noteHeld('payment');
    expect(gate.releasable('payment')).toBe(1);
  });

  it('counts business failures as health', async () => {
    for (let i = 0; i < 10; i++) gate.recordOutcome('payment', true);
    fail('payment', 4);
    await settle();
    expect(changes).toEqual([]);
  });

  it('replaces its counts with the database counts', () => {
    gate.updateLoads(new Map([['payment', { inFlight: 3, held: 0 }]]));
    expect(gate.admit(command('payment'))).toBe('hold');
    gate.updateLoads(new Map([['payment', { inFlight: 0, held: 0 }]]));
    expect(gate.admit(command('payment'))).toBe('send');
  });

  it('keeps the commands sent and held while the counts were read, which the read may miss', () => {
    gate.beginCount();
    // Admitted while the read runs: their decisions commit after its snapshot.
    expect(admitFour('payment')).toEqual(['send', 'send', 'send', 'hold']);
    gate.updateLoads(new Map([['payment', { inFlight: 0, held: 0 }]]));

    // Still at the cap of 3, and one held before any new one.
    expect(gate.admit(command('payment'))).toBe('hold');
    expect(gate.participantsWithHeld()).toEqual(['payment']);
    // The next read counts afresh.
    gate.beginCount();
    gate.updateLoads(new Map([['payment', { inFlight: 0, held: 0 }]]));
    expect(gate.admit(command('payment'))).toBe('send');
  });
});
