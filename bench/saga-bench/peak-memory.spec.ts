import { jest } from '@jest/globals';
import { samplePeaks, sumOver } from './peak-memory.js';

describe('samplePeaks', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('keeps the highest reading of each probe, in MB, sampling at the interval', () => {
    const readings = [1024, 4096, 2048];
    let next = 0;
    const sampler = samplePeaks({ rising: () => readings[next] }, 250);
    next = 1;
    jest.advanceTimersByTime(250);
    next = 2;
    expect(sampler.stop()).toEqual({ rising: 4 });
  });

  it('gives null for a probe that never could be read', () => {
    expect(samplePeaks({ gone: () => undefined }).stop()).toEqual({ gone: null });
  });

  it('stops sampling once stopped', () => {
    const probe = jest.fn(() => 1);
    samplePeaks({ probe }, 250).stop();
    const calls = probe.mock.calls.length;
    jest.advanceTimersByTime(1_000);
    expect(probe).toHaveBeenCalledTimes(calls);
  });
});

describe('sumOver', () => {
  it('sums the reading over the processes it can read', () => {
    const kb = new Map([
      [1, 100],
      [2, 50],
    ]);
    expect(
      sumOver(
        () => [1, 2, 3],
        (pid) => kb.get(pid),
      )(),
    ).toBe(150);
  });

  it('is undefined when it can read none of them', () => {
    expect(
      sumOver(
        () => [3],
        () => undefined,
      )(),
    ).toBeUndefined();
  });
});
