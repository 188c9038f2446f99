import type { z } from 'zod';

/** Why a string cannot be stored as Postgres text or jsonb: NUL, or a surrogate without its pair. */
export const UNSTORABLE_TEXT = {
  nul: 'must not contain U+0000 (NUL): it cannot be stored',
  loneSurrogate: 'must not contain a lone surrogate (invalid Unicode): it cannot be stored',
} as const;

/**
 * Why `text` cannot be stored as Postgres text or jsonb (which refuse U+0000 and UTF-16
 * surrogates without their pair), or undefined when it can.
 */
export function unstorableTextProblem(text: string): string | undefined {
  if (text.includes('\u0000')) return UNSTORABLE_TEXT.nul;
  if (!text.isWellFormed()) return UNSTORABLE_TEXT.loneSurrogate;
  return undefined;
}

/** A zod refinement for a string that Postgres must be able to store (see unstorableTextProblem). */
export function refuseUnstorableText<T extends string>(
  text: T,
  ctx: z.core.$RefinementCtx<T>,
): void {
  const problem = unstorableTextProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: text });
}
