import fc from 'fast-check';
import { formatIsoTime } from './iso-time.js';

describe('formatIsoTime', () => {
  it('formats like Date.prototype.toISOString over years 0000 to 9999', () => {
    fc.assert(
      fc.property(fc.integer({ min: -62_167_219_200_000, max: 253_402_300_799_999 }), (ms) => {
        expect(formatIsoTime(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 2_000 },
    );
  });

  it('formats the epoch, leap days and the last millisecond of a year', () => {
    for (const iso of [
      '1970-01-01T00:00:00.000Z',
      '2024-02-29T12:34:56.789Z',
      '1999-12-31T23:59:59.999Z',
    ]) {
      expect(formatIsoTime(Date.parse(iso))).toBe(iso);
    }
  });

  it('falls back to Date outside the four-digit years and for fractional times', () => {
    expect(formatIsoTime(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(formatIsoTime(1.5)).toBe(new Date(1.5).toISOString());
  });
});
