// How values are written on the pages.

/** An ISO time in the browser's locale, to the second; a dash for none. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '–';
  const time = new Date(iso);
  return Number.isNaN(time.getTime()) ? iso : time.toLocaleString(undefined, { hour12: false });
}

/** A JSON value, indented, for a `<pre>`. */
export function formatJson(value: unknown): string {
  return value === undefined ? '–' : JSON.stringify(value, null, 2);
}
