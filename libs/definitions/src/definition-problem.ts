/** One thing wrong with a saga definition document: where (a dotted path), and what. */
export interface DefinitionProblem {
  /** E.g. `steps.2.payload`, or `(root)`. */
  readonly path: string;
  readonly message: string;
}

/** Thrown by the compiled definition's expressions and checks; the engine reports its message. */
export class DefinitionRuntimeError extends Error {
  override readonly name = 'DefinitionRuntimeError';
}
