import { judgeRamp } from './ramp-guard.js';

const options = { margin: 0.2, minSagas: 20 };
const outcomes = (version: number, ended: number, failed: number) => ({ version, ended, failed });

describe('judging a ramp', () => {
  it('waits for the minimum count of ended sagas of the new version', () => {
    expect(judgeRamp(outcomes(2, 19, 19), outcomes(1, 100, 0), options)).toBeUndefined();
  });

  it('rolls back when the new version fails more often by more than the margin, and says why', () => {
    const reason = judgeRamp(outcomes(2, 20, 10), outcomes(1, 180, 9), options);
    expect(reason).toBe(
      'version 2 compensated or got stuck in 10 of 20 sagas (50.0%), version 1 in 9 of 180 ' +
        '(5.0%): more than 20.0% apart',
    );
  });

  it('keeps a ramp within the margin, or one that fails less than the active version', () => {
    expect(judgeRamp(outcomes(2, 40, 10), outcomes(1, 100, 10), options)).toBeUndefined();
    expect(judgeRamp(outcomes(2, 40, 0), outcomes(1, 100, 50), options)).toBeUndefined();
  });

  it('counts an active version without ended sagas as never failing', () => {
    expect(judgeRamp(outcomes(2, 20, 5), outcomes(1, 0, 0), options)).toMatch(/in 0 of 0 \(0.0%\)/);
  });
});
