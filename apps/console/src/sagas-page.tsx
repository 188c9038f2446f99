import { useConsole } from './app-context.js';
import type { Page, SagaSummary } from './api-views.js';
import { formatTime } from './format.js';
import { hashOf } from './hash-route.js';
import { Notice } from './notice.js';
import { Pager, usePaging } from './pager.js';
import { filterFromParams, filterToParams, sagaQuery, type SagaFilter } from './saga-filter.js';
import { SagaFilterForm } from './saga-filter-form.js';
import { StatusChip } from './status-chip.js';
import { usePolling } from './use-polling.js';

/** How often the list is read again (ms). */
const REFRESH_MS = 3_000;

/** `GET /sagas` with the filter's expression as `q`, at `cursor`. */
export function sagaListPath(query: string, cursor: string | undefined): string {
  const params = new URLSearchParams({ limit: '25' });
  if (query !== '') params.set('q', query);
  if (cursor !== undefined) params.set('cursor', cursor);
  return `/sagas?${params.toString()}`;
}

/**
 * The saga list: the filter (kept in the address) and the sagas it matches; a new filter
 * starts again from the first page.
 */
export function SagasPage({ params }: { readonly params: URLSearchParams }) {
  const filter = filterFromParams(params);
  const query = sagaQuery(filter);
  const apply = (next: SagaFilter) => {
    location.hash = hashOf('/sagas', filterToParams(next));
  };
  return (
    <section aria-labelledby="sagas-title">
      <h1 id="sagas-title">Sagas</h1>
      <SagaFilterForm key={query} filter={filter} onApply={apply} />
      {query !== '' && (
        <p>
          <a href={hashOf('/bulk', new URLSearchParams({ q: query }))}>Bulk action on this query</a>
        </p>
      )}
      <SagaResults key={query} query={query} />
    </section>
  );
}

/** A page of the sagas `query` matches, newest first, read again every few seconds. */
function SagaResults({ query }: { readonly query: string }) {
  const { api } = useConsole();
  const paging = usePaging();
  const page = usePolling(
    (signal) => api.get<Page<SagaSummary>>(sagaListPath(query, paging.cursor), { signal }),
    REFRESH_MS,
    [paging.cursor],
  );
  return (
    <>
      <Notice error={page.error} />
      <SagaTable sagas={page.data?.items} caption="Sagas, newest first (refreshed every 3 s)" />
      <Pager paging={paging} page={page.data} label="Saga list" />
    </>
  );
}

/** Sagas as a table, each linked to its page. */
export function SagaTable({
  sagas,
  caption,
}: {
  readonly sagas: readonly SagaSummary[] | undefined;
  readonly caption: string;
}) {
  if (sagas === undefined) return <p aria-busy="true">Loading…</p>;
  if (sagas.length === 0) return <p>No saga matches.</p>;
  return (
    <table class="list">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Saga</th>
          <th scope="col">Type</th>
          <th scope="col">Status</th>
          <th scope="col">Idempotency key</th>
          <th scope="col">Created</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {sagas.map((saga) => (
          <tr key={saga.sagaId}>
            <SagaCells saga={saga} />
            <td class="mono">{saga.idempotencyKey}</td>
            <td>{formatTime(saga.createdAt)}</td>
            <td>{formatTime(saga.updatedAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The cells every saga row starts with: its id (a link to its page), type and version, status. */
export function SagaCells({
  saga,
}: {
  readonly saga: Pick<SagaSummary, 'sagaId' | 'sagaType' | 'sagaVersion' | 'status'>;
}) {
  return (
    <>
      <td>
        <a href={hashOf(`/sagas/${saga.sagaId}`)} class="mono">
          {saga.sagaId}
        </a>
      </td>
      <td>
        {saga.sagaType} v{saga.sagaVersion}
      </td>
      <td>
        <StatusChip status={saga.status} />
      </td>
    </>
  );
}
