import { seededRandom } from './seeded-random.js';

describe('the seeded random generator', () => {
  it('gives the same numbers in [0, 1) for the same seed and others for another', () => {
    const a = Array.from({ length: 100 }, seededRandom(7));
    expect(Array.from({ length: 100 }, seededRandom(7))).toEqual(a);
    expect(Array.from({ length: 100 }, seededRandom(8))).not.toEqual(a);
    expect(a.every((n) => n >= 0 && n < 1)).toBe(true);
  });
});
