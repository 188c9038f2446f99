import { preferredRetryStep } from './retry-step-choice.js';

const saga = (status: string, ...steps: [string, string][]) => ({
  status,
  steps: steps.map(([stepId, state]) => ({ stepId, status: state })),
});

describe('preferredRetryStep', () => {
  it('offers the exhausted compensation of a saga stuck in compensation, not the step that failed', () => {
    const stuck = saga('stuck', ['a', 'compensation-exhausted'], ['b', 'failed']);
    expect(preferredRetryStep(stuck)).toBe('a');
  });

  it('offers the failed or unknown step of a saga stuck going forward, else a step in flight', () => {
    expect(preferredRetryStep(saga('stuck', ['a', 'completed'], ['b', 'outcome-unknown']))).toBe(
      'b',
    );
    expect(preferredRetryStep(saga('stuck', ['a', 'completed'], ['b', 'running']))).toBe('b');
  });

  it('offers a compensation in flight of a compensating saga before a forward step still running', () => {
    const compensating = saga(
      'compensating',
      ['a', 'running'],
      ['b', 'compensation-backing-off'],
      ['c', 'failed'],
    );
    expect(preferredRetryStep(compensating)).toBe('b');
    expect(preferredRetryStep(saga('compensating', ['a', 'failed'], ['b', 'running']))).toBe('b');
  });

  it('offers a step in flight or backing off of a running saga', () => {
    expect(preferredRetryStep(saga('running', ['a', 'completed'], ['b', 'backing-off']))).toBe('b');
  });

  it('falls back to the first step when none fits', () => {
    expect(preferredRetryStep(saga('completed', ['a', 'completed'], ['b', 'completed']))).toBe('a');
    expect(preferredRetryStep(saga('running'))).toBeUndefined();
  });
});
