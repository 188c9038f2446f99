import type { QueryParams } from './api-client.js';
import type { CommandCall } from './command-spec.js';
import { CliError, EXIT } from './exit-codes.js';
import { oneLine } from './output-format.js';

/** The most pages `--all` reads: beyond, the API is taken to be going round in circles. */
export const MAX_PAGES = 10_000;

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
 * the last page's with the items of all pages (and a null `nextCursor`). Stops with a CliError
 * (exit 1) on a cursor the API gave before, or after {@link MAX_PAGES} pages.
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
  const seen = new Set<string>();
  for (let pages = 1; page.nextCursor !== null; pages++) {
    if (seen.has(page.nextCursor)) {
      throw new CliError(
        EXIT.failed,
        `the API gave the same next cursor twice (after ${pages} pages): stopped reading pages`,
      );
    }
    if (pages >= MAX_PAGES) {
      throw new CliError(EXIT.failed, `more than ${MAX_PAGES} pages: stopped reading pages`, [
        'narrow the list with its filters, or read it in parts with --cursor',
      ]);
    }
    seen.add(page.nextCursor);
    page = await call.api.get<P>(path, { ...query, [cursorParam]: page.nextCursor });
    items.push(...page.items);
  }
  return { ...page, items, nextCursor: null };
}

/** In a table, says how to read on when more pages wait (on stderr: stdout stays the table). */
export function noteMorePages(call: CommandCall, page: Page<unknown>): void {
  if (call.output === 'table' && page.nextCursor !== null) {
    call.io.warn(`more: add --cursor ${oneLine(page.nextCursor)}, or --all for every page`);
  }
}
