// A bulk operation under way or ended, and the latest ones (`GET /bulk-operations`).
import { useState } from 'preact/hooks';
import { failureText } from './api-client.js';
import { useConsole } from './app-context.js';
import type { BulkOperation, Page } from './api-views.js';
import { formatTime } from './format.js';
import { hashOf } from './hash-route.js';
import { Notice } from './notice.js';
import { StatusChip } from './status-chip.js';
import { usePolling } from './use-polling.js';

/** An operation's progress, read every second while it runs; it can be stopped. */
export function OperationProgress({ operationId }: { readonly operationId: string }) {
  const { api } = useConsole();
  const [stopError, setStopError] = useState<string | undefined>(undefined);
  const path = `/bulk-operations/${encodeURIComponent(operationId)}`;
  const [ended, setEnded] = useState(false);
  // Read every second while it runs; an ended operation does not change.
  const operation = usePolling(
    async (signal) => {
      const view = await api.get<BulkOperation>(path, { signal });
      setEnded(view.status !== 'running');
      return view;
    },
    ended ? 0 : 1_000,
    [operationId],
  );
  const view = operation.data;
  if (view === undefined) return <Notice error={operation.error} />;
  const handled = view.applied + view.refused;
  const stop = async () => {
    try {
      await api.post(`${path}/stop`);
      operation.refresh();
    } catch (failure) {
      setStopError(failureText(failure));
    }
  };
  return (
    <section class="operation" aria-labelledby="operation-title">
      <h2 id="operation-title">
        Operation <span class="mono">{view.operationId}</span> <StatusChip status={view.status} />
      </h2>
      <p>
        {view.action}
        {view.stepId === null ? '' : ` step ${view.stepId}`} on <code>{view.query}</code> by{' '}
        {view.actor}: {view.reason}
      </p>
      <label for="operation-progress">
        {handled} of {view.matched} handled: {view.applied} applied, {view.refused} refused,{' '}
        {view.remaining} remaining
      </label>
      <progress id="operation-progress" max={Math.max(view.matched, 1)} value={handled} />
      <Notice error={stopError ?? operation.error} />
      {view.status === 'running' && (
        <button type="button" onClick={() => void stop()}>
          Stop operation
        </button>
      )}
      {view.refusals.length > 0 && (
        <ul aria-label="Refusals">
          {view.refusals.map((refusal) => (
            <li key={refusal.sagaId}>
              <a href={hashOf(`/sagas/${refusal.sagaId}`)} class="mono">
                {refusal.sagaId}
              </a>
              : {refusal.reason}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** The latest bulk operations, each linked to its progress. */
export function RecentOperations() {
  const { api } = useConsole();
  const operations = usePolling(
    (signal) => api.get<Page<BulkOperation>>('/bulk-operations', { signal }),
    5_000,
    [],
  );
  const items = operations.data?.items;
  if (items === undefined || items.length === 0) return <Notice error={operations.error} />;
  return (
    <table class="list">
      <caption>Latest bulk operations</caption>
      <thead>
        <tr>
          <th scope="col">Operation</th>
          <th scope="col">Action</th>
          <th scope="col">Status</th>
          <th scope="col">Applied / matched</th>
          <th scope="col">Started</th>
        </tr>
      </thead>
      <tbody>
        {items.map((operation) => (
          <tr key={operation.operationId}>
            <td>
              <a
                class="mono"
                href={hashOf('/bulk', new URLSearchParams({ operation: operation.operationId }))}
              >
                {operation.operationId}
              </a>
            </td>
            <td>{operation.action}</td>
            <td>
              <StatusChip status={operation.status} />
            </td>
            <td>
              {operation.applied} / {operation.matched}
            </td>
            <td>{formatTime(operation.createdAt)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
