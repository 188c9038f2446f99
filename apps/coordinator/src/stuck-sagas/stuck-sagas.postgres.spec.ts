import { describeStuck } from './stuck-sagas.postgres.js';

describe('describeStuck', () => {
  it('gives the engine’s reason for a stuck saga', () => {
    expect(
      describeStuck({
        status: 'stuck',
        stuckReason: 'release ran out of attempts',
        updatedAt: 'x',
      }),
    ).toEqual({ kind: 'stuck', reason: 'release ran out of attempts' });
  });

  it('says since when a saga that still runs has made no progress', () => {
    expect(
      describeStuck({
        status: 'compensating',
        stuckReason: null,
        updatedAt: '2026-11-29T01:00:00.000Z',
      }),
    ).toEqual({ kind: 'idle', reason: 'idle since 2026-11-29T01:00:00.000Z' });
  });

  it('says which step of a saga that still runs retries without success, since when and at which attempt', () => {
    const retrying = {
      stepId: 'schedule-shipping',
      compensation: false,
      attempt: 200,
      since: '2026-11-29T01:00:00.000Z',
    };
    expect(
      describeStuck({
        status: 'running',
        stuckReason: null,
        updatedAt: '2026-11-29T03:00:00.000Z',
        retrying,
      }),
    ).toEqual({
      kind: 'idle',
      reason: 'retrying schedule-shipping since 2026-11-29T01:00:00.000Z (attempt 200)',
    });
    expect(
      describeStuck({
        status: 'compensating',
        stuckReason: null,
        updatedAt: '2026-11-29T03:00:00.000Z',
        retrying: { ...retrying, stepId: 'reserve-inventory', compensation: true, attempt: 12 },
      }).reason,
    ).toBe(
      'retrying the compensation of reserve-inventory since 2026-11-29T01:00:00.000Z (attempt 12)',
    );
  });

  it('still lists a stuck saga whose state has no reason', () => {
    expect(describeStuck({ status: 'stuck', stuckReason: null, updatedAt: 'x' }).kind).toBe(
      'stuck',
    );
  });
});
