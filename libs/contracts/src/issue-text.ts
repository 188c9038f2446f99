/** A validation issue as zod and the engine's input schemas give it. */
export interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** A field path as `a.b.0.c`, or `(root)` when empty: how every refusal names a field. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

/** Issues as `path: message; …`. */
export function issuesText(issues: readonly Issue[]): string {
  return issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
}
