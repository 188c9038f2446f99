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

/** A string, or a key of an object, that a JSON value holds and Postgres cannot store. */
export interface UnstorableJsonText {
  /** Where it is in the value: object keys and array indexes, outermost first. */
  readonly path: readonly (string | number)[];
  readonly problem: string;
}

/**
 * Every string and object key in `value` that Postgres could not store in jsonb, with its
 * path; at most `max` of them (default 10). Walks without recursion: depth does not matter.
 */
export function findUnstorableJsonText(value: unknown, max = 10): UnstorableJsonText[] {
  const found: UnstorableJsonText[] = [];
  // Each pending node links to its parent: a path is built only for what is found.
  type Node = { value: unknown; parent?: Node; segment?: string | number };
  const pathOf = (node: Node): (string | number)[] => {
    const path: (string | number)[] = [];
    for (let at: Node | undefined = node; at?.parent !== undefined; at = at.parent) {
      path.push(at.segment!);
    }
    return path.reverse();
  };
  const pending: Node[] = [{ value }];
  while (pending.length > 0 && found.length < max) {
    const node = pending.pop()!;
    const current = node.value;
    if (typeof node.segment === 'string') {
      const keyProblem = unstorableTextProblem(node.segment);
      if (keyProblem !== undefined)
        found.push({ path: pathOf(node), problem: `key ${keyProblem}` });
    }
    if (typeof current === 'string') {
      const problem = unstorableTextProblem(current);
      if (problem !== undefined) found.push({ path: pathOf(node), problem });
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) {
        pending.push({ value: current[i], parent: node, segment: i });
      }
    } else if (current !== null && typeof current === 'object') {
      const entries = Object.entries(current);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [name, child] = entries[i]!;
        pending.push({ value: child, parent: node, segment: name });
      }
    }
  }
  return found.slice(0, max);
}

/** A zod refinement for a string that Postgres must be able to store (see unstorableTextProblem). */
export function refuseUnstorableText<T extends string>(
  text: T,
  ctx: z.core.$RefinementCtx<T>,
): void {
  const problem = unstorableTextProblem(text);
  if (problem !== undefined) ctx.addIssue({ code: 'custom', message: problem, input: text });
}

/** A zod refinement for a JSON value that Postgres must be able to store as jsonb, naming each offending path. */
export function refuseUnstorableJson<T>(value: T, ctx: z.core.$RefinementCtx<T>): void {
  for (const { path, problem } of findUnstorableJsonText(value)) {
    ctx.addIssue({ code: 'custom', path: [...path], message: problem, input: value });
  }
}
