import { drawsFrom, mulberry32 } from './random-source.js';

describe('seeded draws', () => {
  it('gives the same draws for the same seed', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    expect([a(), a(), a()]).toEqual([b(), b(), b()]);
  });

  it('draws in [0, 1)', () => {
    const next = drawsFrom(0.999999);
    for (let i = 0; i < 1_000; i++) {
      const draw = next();
      expect(draw).toBeGreaterThanOrEqual(0);
      expect(draw).toBeLessThan(1);
    }
  });

  it('derives different streams from different event draws', () => {
    expect(drawsFrom(0.1)()).not.toBe(drawsFrom(0.2)());
  });
});
