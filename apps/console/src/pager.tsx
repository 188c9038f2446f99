import { useState } from 'preact/hooks';

/** Paging by cursor: the cursors of the pages seen before, to go back. */
export interface Paging {
  /** The cursor of the page shown; undefined on the first. */
  readonly cursor: string | undefined;
  readonly pageNumber: number;
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
    next: (cursor) => setCursors((seen) => [...seen, cursor]),
    previous: () => setCursors((seen) => seen.slice(0, -1)),
    first: () => setCursors([]),
  };
}

/** Previous and next buttons under a list. */
export function Pager({
  paging,
  nextCursor,
  label,
}: {
  readonly paging: Paging;
  readonly nextCursor: string | null | undefined;
  readonly label: string;
}) {
  return (
    <nav class="pager" aria-label={`${label} pages`}>
      <button type="button" disabled={paging.pageNumber === 1} onClick={() => paging.previous()}>
        Previous page
      </button>
      <span>Page {paging.pageNumber}</span>
      <button
        type="button"
        disabled={!nextCursor}
        onClick={() => nextCursor && paging.next(nextCursor)}
      >
        Next page
      </button>
    </nav>
  );
}
