import { useConsole } from './app-context.js';
import type { Page, StuckSaga } from './api-views.js';
import { formatTime } from './format.js';
import { Notice } from './notice.js';
import { Pager, usePaging } from './pager.js';
import { SagaCells } from './sagas-page.js';
import { usePolling } from './use-polling.js';

/**
 * The sagas that need an operator (`GET /sagas/stuck`): stuck by the engine's decision, or idle
 * too long; oldest change first, each linked to its page where it can be resumed or cancelled.
 */
export function StuckPage() {
  const { api } = useConsole();
  const paging = usePaging();
  const page = usePolling(
    (signal) => {
      const params = new URLSearchParams({ limit: '25' });
      if (paging.cursor !== undefined) params.set('cursor', paging.cursor);
      return api.get<Page<StuckSaga>>(`/sagas/stuck?${params.toString()}`, { signal });
    },
    5_000,
    [paging.cursor],
  );
  const items = page.data?.items;
  return (
    <section aria-labelledby="stuck-title">
      <h1 id="stuck-title">Stuck sagas</h1>
      <Notice error={page.error} />
      {items === undefined ? (
        <p aria-busy="true">Loading…</p>
      ) : items.length === 0 ? (
        <p>No saga is stuck.</p>
      ) : (
        <table class="list">
          <caption>Stuck or idle sagas, oldest change first (refreshed every 5 s)</caption>
          <thead>
            <tr>
              <th scope="col">Saga</th>
              <th scope="col">Type</th>
              <th scope="col">Status</th>
              <th scope="col">Why</th>
              <th scope="col">No progress since</th>
            </tr>
          </thead>
          <tbody>
            {items.map((saga) => (
              <tr key={saga.sagaId}>
                <SagaCells saga={saga} />
                <td>
                  {saga.kind}: {saga.reason}
                </td>
                <td>{formatTime(saga.noProgressSince)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <Pager paging={paging} page={page.data} label="Stuck sagas" />
    </section>
  );
}
