/** A status as a coloured chip; the word is always written, the colour only repeats it. */
export function StatusChip({ status }: { readonly status: string }) {
  return <span class={`chip chip-${status}`}>{status}</span>;
}
