/** A source of uniform draws in [0, 1). */
export type RandomSource = () => number;

/** A fast, seeded 32-bit PRNG (mulberry32): the same seed gives the same draws on every machine. */
export function mulberry32(seed: number): RandomSource {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Derives a stream of draws from one draw in [0, 1) (the `random` carried by an engine event). */
export function drawsFrom(random01: number): RandomSource {
  return mulberry32(Math.floor(random01 * 4294967296));
}
