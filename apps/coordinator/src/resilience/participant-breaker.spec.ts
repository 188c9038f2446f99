import { jest } from '@jest/globals';
import type { ParticipantLimits } from '../config/resilience-config.js';
import { ParticipantBreaker, type BreakerChange } from './participant-breaker.js';

const limits: ParticipantLimits = {
  errorThresholdPercentage: 50,
  volumeThreshold: 10,
  rollingWindowMs: 10_000,
  resetTimeoutMs: 1_000,
  halfOpenProbes: 1,
  maxCommandsInFlight: 100,
};

describe('ParticipantBreaker', () => {
  let changes: BreakerChange[];
  let breaker: ParticipantBreaker;

  beforeEach(() => {
    jest.useFakeTimers();
    changes = [];
    breaker = new ParticipantBreaker('payment', limits, (change) => changes.push(change));
  });

  afterEach(() => {
    breaker.shutdown();
    jest.useRealTimers();
  });

  /** Records `times` outcomes, then lets opossum settle them (they resolve as promises). */
  const record = async (healthy: boolean, times: number) => {
    for (let i = 0; i < times; i++) breaker.record(healthy);
    for (let i = 0; i < 5; i++) await Promise.resolve();
  };

  /** Opens the breaker, lets it go half-open, and closes it with a probe that succeeds. */
  const openThenClose = async (whileOpen: number) => {
    await record(false, 10);
    expect(breaker.state).toBe('open');
    // The reply timeouts of the commands that were out when it opened.
    await record(false, whileOpen);
    jest.advanceTimersByTime(1_000);
    expect(breaker.state).toBe('half-open');
    expect(breaker.takeProbes(1)).toBe(1);
    await record(true, 1);
    expect(breaker.state).toBe('closed');
  };

  it('opens again on the failures after it closed, however many outcomes came in while it was open', async () => {
    await openThenClose(50);

    await record(false, 15);

    expect(breaker.state).toBe('open');
    expect(changes.map((change) => change.to)).toEqual(['open', 'half-open', 'closed', 'open']);
    // Every outcome still counts in the totals.
    expect(breaker.snapshot().totals).toEqual({ successes: 1, failures: 75, opened: 2 });
  });

  it('judges afresh once closed: the failures that opened it do not reopen it before the volume threshold', async () => {
    await openThenClose(0);
    expect(breaker.snapshot().window).toEqual({ successes: 0, failures: 0 });

    await record(false, 9);
    expect(breaker.state).toBe('closed');
    await record(false, 1);

    expect(breaker.state).toBe('open');
    expect(changes.at(-1)?.detail).toBe('10 failures of 10 outcomes in the last 10000 ms');
  });

  it('opens at the threshold share exactly (at least 50%), and at 100% when every outcome fails', async () => {
    await record(true, 5);
    await record(false, 5);
    expect(breaker.state).toBe('open');

    const all = new ParticipantBreaker(
      'stock',
      { ...limits, errorThresholdPercentage: 100 },
      () => undefined,
    );
    try {
      for (let i = 0; i < 10; i++) all.record(false);
      for (let i = 0; i < 5; i++) await Promise.resolve();
      expect(all.state).toBe('open');
    } finally {
      all.shutdown();
    }
  });

  it('gives a half-open breaker the whole reset timeout from a probe that went, after one given back', async () => {
    await record(false, 10);
    jest.advanceTimersByTime(1_000);
    expect(breaker.state).toBe('half-open');
    // A probe taken and given back: its release sent nothing (the command was stale).
    expect(breaker.takeProbes(1)).toBe(1);
    breaker.returnProbes(1);
    jest.advanceTimersByTime(999);

    // Then one goes, just before the first one's deadline would have fallen.
    expect(breaker.takeProbes(1)).toBe(1);
    jest.advanceTimersByTime(1);
    expect(breaker.state).toBe('half-open');
    jest.advanceTimersByTime(998);
    expect(breaker.state).toBe('half-open');
    jest.advanceTimersByTime(1);
    expect(breaker.state).toBe('open');
    expect(changes.at(-1)?.detail).toBe('no probe answered within 1000 ms');
  });
});
