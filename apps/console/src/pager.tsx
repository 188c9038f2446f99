import { useState } from 'preact/hooks';

/** Paging by cursor: the cursors of the pages seen before, to go back. */
export interface Paging {
  /** The cursor of the page shown; undefined on the first. */
  readonly cursor: string | undefined;
  readonly pageNumber: number;
  /** Goes to the page at `cursor`; the same cursor twice in a row (a double click) counts once. */
  next(cursor: string): void;
  previous(): void;
  first(): void;
}

/** Paging state for a list that follows `nextCursor`. */
export function usePaging(): Paging {
  const [cursors, setCursors] = useState<readonly string[]>([]);
  return {
    cursor: cursors.at(-1),
    pageNumber: cursors.length + 1,
    next: (cursor) => setCursors((seen) => (seen.at(-1) === cursor ? seen : [...seen, cursor])),
    previous: () => setCursors((seen) => seen.slice(0, -1)),
    first: () => setCursors([]),
  };
}

/**
 * Previous and next buttons under a list; both disabled until `page`, the data of the current
 * cursor, has come (so a click never acts on the page that was shown before).
 */
export function Pager({
  paging,
  page,
  label,
}: {
  readonly paging: Paging;
  readonly page: { readonly nextCursor: string | null } | undefined;
  readonly label: string;
}) {
  const nextCursor = page?.nextCursor;
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button
        type="button"
        disabled={page === undefined || paging.pageNumber === 1}
        onClick={() => paging.previous()}
      >
        Previous page
      </button>
      <span>Page {paging.pageNumber}</span>
      <button
        type="button"
        disabled={page === undefined || !nextCursor}
        onClick={() => nextCursor && paging.next(nextCursor)}
      >
        Next page
      </button>
    </nav>
  );
}
