import { rampBucket, routeStart, type VersionRoute } from './version-routes.js';

const route = (percent: number): VersionRoute => ({
  name: 'order',
  active: 1,
  ramp: { version: 2, percent, since: '2026-12-03T00:00:00.000Z' },
  revision: 2,
});

describe('version routes', () => {
  it('gives a key the same bucket every time, and another type another bucket', () => {
    expect(rampBucket('order', 'key-1')).toBe(rampBucket('order', 'key-1'));
    const buckets = new Set(['order', 'refund', 'gift'].map((type) => rampBucket(type, 'key-1')));
    expect(buckets.size).toBe(3);
  });

  it('sends the share of keys its percentage says to the ramping version', () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `key-${i}`);
    for (const percent of [1, 10, 50, 99.5]) {
      const ramped = keys.filter((key) => routeStart(route(percent), key) === 2).length;
      expect(Math.abs(ramped / keys.length - percent / 100)).toBeLessThan(0.01);
    }
  });

  it('sends every start to the active version without a ramp or at 0%, and none at 100%', () => {
    const keys = Array.from({ length: 500 }, (_, i) => `key-${i}`);
    const { ramp: _ramp, ...unramped } = route(0);
    expect(keys.every((key) => routeStart(unramped, key) === 1)).toBe(true);
    expect(keys.every((key) => routeStart(route(0), key) === 1)).toBe(true);
    expect(keys.every((key) => routeStart(route(100), key) === 2)).toBe(true);
  });

  it('widening a ramp keeps the keys it already sent to the new version there', () => {
    const keys = Array.from({ length: 2_000 }, (_, i) => `key-${i}`);
    const atTen = keys.filter((key) => routeStart(route(10), key) === 2);
    expect(atTen.every((key) => routeStart(route(25), key) === 2)).toBe(true);
  });
});
