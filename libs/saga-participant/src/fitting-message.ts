import { LIMITS } from '#contracts';

/**
 * `text` made a message the contract takes: each NUL and lone surrogate (which Postgres cannot
 * store) replaced by U+FFFD, and cut to LIMITS.message characters, counted as the schemas count
 * (in code points, a surrogate pair never split), its last one an ellipsis when cut.
 */
export function fittingMessage(text: string): string {
  const clean = text.toWellFormed().replaceAll('\u0000', '\uFFFD');
  let points = 0;
  // UTF-16 units of the first LIMITS.message - 1 code points: what is kept when cut.
  let kept = 0;
  for (const point of clean) {
    points++;
    if (points > LIMITS.message) return `${clean.slice(0, kept)}…`;
    if (points < LIMITS.message) kept += point.length;
  }
  return clean;
}
