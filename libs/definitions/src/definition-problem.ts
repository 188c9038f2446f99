/** One thing wrong with a saga definition document: where (a dotted path), and what. */
export interface DefinitionProblem {
  /** E.g. `steps.2.payload`, or `(root)`. */
  readonly path: string;
  readonly message: string;
}

/** A dotted path from zod-style path segments (`(root)` when empty). */
export function dottedPath(segments: readonly PropertyKey[]): string {
  return segments.length === 0 ? '(root)' : segments.map(String).join('.');
}

/** Thrown by the compiled definition's expressions and checks; the engine reports its message. */
export class DefinitionRuntimeError extends Error {
  override readonly name = 'DefinitionRuntimeError';
}
