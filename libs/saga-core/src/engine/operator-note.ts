/** The audit note of an operator's action: `cancelled by ops: <reason>`, the reason when given. */
export function operatorNote(
  done: string,
  event: { readonly actor: string; readonly reason?: string },
): string {
  return `${done} by ${event.actor}${event.reason === undefined ? '' : `: ${event.reason}`}`;
}
