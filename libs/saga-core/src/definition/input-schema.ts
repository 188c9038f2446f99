/** One problem found in a saga's input: where, and what is wrong. */
export interface InputIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** The result of checking a saga's input. */
export type InputParseResult<T> =
  | { readonly success: true; readonly data: T }
  | { readonly success: false; readonly error: { readonly issues: readonly InputIssue[] } };

/** Anything that validates a saga's input the way zod does; a zod schema fits without saga-core depending on zod. */
export interface InputSchema<T> {
  safeParse(value: unknown): InputParseResult<T>;
}
