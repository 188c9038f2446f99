import { jest } from '@jest/globals';
import { WorkSignals } from '../common/work-signals.js';
import type { SagaDecisions } from '../decisions/saga-decisions.js';
import { TimerPoller } from './timer-poller.js';

describe('TimerPoller', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('never starts again once stopped (a start that comes after the stop)', async () => {
    let polls = 0;
    const decisions = {
      adoptLegacyTimers: async () => 0,
      fireDueTimers: async () => {
        polls += 1;
        return 0;
      },
      warnOfOverdueVersions: async () => undefined,
    } as unknown as SagaDecisions;
    const poller = new TimerPoller(decisions, new WorkSignals(), { pollIntervalMs: 10 });

    poller.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(polls).toBe(1);
    await poller.stop();
    poller.start();
    await jest.advanceTimersByTimeAsync(1_000);

    expect(polls).toBe(1);
  });
});
