/**
 * One line that says what went wrong, for logs, audit reasons and error replies: `Name: message`
 * of the error and of each `cause` under it (` <- ` between them, outermost first, at most
 * `MAX_CAUSES` deep). A thrown value that is not an Error is named by its type only, so a
 * payload or a secret thrown as a string never reaches a log.
 */
export function describeError(error: unknown): string {
  const links: string[] = [];
  let current: unknown = error;
  const seen = new Set<unknown>();
  while (current !== undefined && current !== null && links.length <= MAX_CAUSES) {
    if (seen.has(current)) break;
    seen.add(current);
    if (!(current instanceof Error)) {
      links.push(`thrown ${typeof current}`);
      break;
    }
    links.push(current.message === '' ? current.name : `${current.name}: ${current.message}`);
    current = current.cause;
  }
  return links.join(' <- ');
}

/** How many causes under the error are told at most. */
export const MAX_CAUSES = 4;
