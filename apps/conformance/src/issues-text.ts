/** A validation issue as zod and the engine's input schemas give it. */
export interface Issue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/** Issues as `path: message; …` (`(root)` for an empty path). */
export function issuesText(issues: readonly Issue[]): string {
  return issues
    .map((issue) => `${issue.path.map(String).join('.') || '(root)'}: ${issue.message}`)
    .join('; ');
}
