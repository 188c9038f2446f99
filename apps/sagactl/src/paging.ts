import type { QueryParams } from './api-client.js';
import type { CommandCall } from './command-spec.js';

/** A page of a list answer: its items, and the cursor of the next page (null on the last). */
export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor: string | null;
}

/** How a list is read: one page from `--cursor`, or every page (`--all`). */
export interface PagingOptions {
  readonly all: boolean;
  /** The query parameter the next page's cursor goes in (`cursor`; `after` for the audit). */
  readonly cursorParam?: string;
}

/**
 * Reads a list: one page, or with `all` every page, following `nextCursor`; then the answer is
 * the last page's with the items of all pages (and a null `nextCursor`).
 */
export async function readPages<T, P extends Page<T>>(
  call: CommandCall,
  path: string,
  query: QueryParams,
  { all, cursorParam = 'cursor' }: PagingOptions,
): Promise<P> {
  let page = await call.api.get<P>(path, query);
  if (!all) return page;
  const items = [...page.items];
  while (page.nextCursor !== null) {
    page = await call.api.get<P>(path, { ...query, [cursorParam]: page.nextCursor });
    items.push(...page.items);
  }
  return { ...page, items, nextCursor: null };
}

/** In a table, says how to read on when more pages wait (on stderr: stdout stays the table). */
export function noteMorePages(call: CommandCall, page: Page<unknown>): void {
  if (call.output === 'table' && page.nextCursor !== null) {
    call.io.warn(`more: add --cursor ${page.nextCursor}, or --all for every page`);
  }
}
