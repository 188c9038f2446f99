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

  it('still lists a stuck saga whose state has no reason', () => {
    expect(describeStuck({ status: 'stuck', stuckReason: null, updatedAt: 'x' }).kind).toBe(
      'stuck',
    );
  });
});
