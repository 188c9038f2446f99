import type { StepState } from '#saga-core';
import { probeOutcome } from './probe-outcomes.js';

const execute = { action: 'execute', attempt: 2 } as const;
const compensate = { action: 'compensate', attempt: 1 } as const;
const error = { status: 'error', code: 'DOWN', message: 'down', retryable: true } as const;

describe('probeOutcome', () => {
  it.each<[string, StepState | undefined, ProbeOutcomeName]>([
    ['still awaited', { status: 'running', attempt: 2, sentAt: 0, budgetFrom: 1 }, 'pending'],
    ['succeeded', { status: 'succeeded', attempts: 2, result: null }, 'healthy'],
    [
      'refused (a business failure)',
      { status: 'failed', attempts: 2, outcome: { status: 'failure', code: 'NO', message: 'no' } },
      'healthy',
    ],
    ['failed with an error', { status: 'failed', attempts: 2, outcome: error }, 'unhealthy'],
    [
      'backing off after an error',
      {
        status: 'backing-off',
        attempt: 2,
        retryAt: 1,
        lastOutcome: error,
        lastAttemptTimedOut: false,
        budgetFrom: 1,
      },
      'unhealthy',
    ],
    ['timed out for good', { status: 'outcome-unknown', attempts: 2 }, 'unhealthy'],
    [
      'retried since (an operator)',
      { status: 'running', attempt: 3, sentAt: 0, budgetFrom: 3 },
      'unknown',
    ],
    [
      'compensating (the saga cancelled)',
      { status: 'compensating', attempt: 1, sentAt: 0, outcomeUnknown: false, budgetFrom: 1 },
      'unknown',
    ],
    ['gone (the saga deleted)', undefined, 'unknown'],
  ])('tells an execute probe %s', (_what, step, expected) => {
    expect(probeOutcome(step, execute)).toBe(expected);
  });

  it('tells a compensation probe by its compensation', () => {
    const compensating: StepState = {
      status: 'compensating',
      attempt: 1,
      sentAt: 0,
      outcomeUnknown: false,
      budgetFrom: 1,
    };
    expect(probeOutcome(compensating, compensate)).toBe('pending');
    expect(probeOutcome({ status: 'compensated', attempts: 1 }, compensate)).toBe('healthy');
    expect(
      probeOutcome(
        {
          status: 'compensation-exhausted',
          attempts: 1,
          lastOutcome: error,
          outcomeUnknown: false,
        },
        compensate,
      ),
    ).toBe('unhealthy');
  });
});

type ProbeOutcomeName = ReturnType<typeof probeOutcome>;
