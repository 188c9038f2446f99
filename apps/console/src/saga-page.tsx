import { useState } from 'preact/hooks';
import { useConsole } from './app-context.js';
import type { DefinitionListing, SagaView } from './api-views.js';
import { formatJson, formatTime } from './format.js';
import { Notice } from './notice.js';
import { SagaActions } from './saga-actions.js';
import { StatusChip } from './status-chip.js';
import { StepGraph } from './step-graph.js';
import { Timeline } from './timeline.js';
import { traceUrl } from './trace-link.js';
import { usePolling } from './use-polling.js';

/** How often a saga that has not ended is read again (ms). */
const REFRESH_MS = 3_000;
const TERMINAL = new Set(['completed', 'compensated']);

/**
 * One saga: its state, the step graph of its definition coloured by each step's state, the
 * timeline of its history in forward and compensation lanes, its input and context (masked by
 * the API for roles without `read-sensitive`), its trace link, and the operator actions.
 */
export function SagaPage({ sagaId }: { readonly sagaId: string }) {
  const { api, settings } = useConsole();
  const [ended, setEnded] = useState(false);
  // An ended saga does not change: read once more, then no more.
  const saga = usePolling(
    async (signal) => {
      const view = await api.get<SagaView>(`/sagas/${encodeURIComponent(sagaId)}`, { signal });
      setEnded(TERMINAL.has(view.status));
      return view;
    },
    ended ? 0 : REFRESH_MS,
    [sagaId],
  );
  const view = saga.data;
  const definition = usePolling(
    (signal) =>
      view === undefined
        ? Promise.resolve(undefined)
        : api.get<DefinitionListing>(
            `/saga-definitions/${encodeURIComponent(view.sagaType)}/versions/${view.sagaVersion}`,
            { signal },
          ),
    0,
    [view?.sagaType, view?.sagaVersion],
  );
  if (view === undefined) {
    return (
      <section aria-labelledby="saga-title">
        <h1 id="saga-title">Saga {sagaId}</h1>
        {saga.error === undefined ? (
          <p aria-busy="true">Loading…</p>
        ) : (
          <Notice error={saga.error} />
        )}
      </section>
    );
  }
  const states = Object.fromEntries(view.steps.map((step) => [step.stepId, step.status]));
  const trace = traceUrl(settings.traceUrlTemplate, view.traceId);
  return (
    <section aria-labelledby="saga-title">
      <h1 id="saga-title">
        Saga <span class="mono">{view.sagaId}</span> <StatusChip status={view.status} />
      </h1>
      <Notice error={saga.error} />
      <dl class="facts">
        <dt>Type</dt>
        <dd>
          {view.sagaType} version {view.sagaVersion}
        </dd>
        <dt>Idempotency key</dt>
        <dd class="mono">{view.idempotencyKey}</dd>
        <dt>Created</dt>
        <dd>{formatTime(view.createdAt)}</dd>
        <dt>Updated</dt>
        <dd>
          {formatTime(view.updatedAt)}
          {!TERMINAL.has(view.status) && ' (refreshed every 3 s)'}
        </dd>
        {view.reason !== null && (
          <>
            <dt>Reason</dt>
            <dd>{view.reason}</dd>
          </>
        )}
        <dt>Trace</dt>
        <dd>
          {trace !== undefined ? (
            <a href={trace} target="_blank" rel="noopener noreferrer">
              Open trace {view.traceId}
            </a>
          ) : (
            (view.traceId ?? 'none recorded')
          )}
        </dd>
      </dl>
      <SagaActions saga={view} onDone={saga.refresh} />
      <h2>Steps</h2>
      {definition.data !== undefined ? (
        <StepGraph steps={definition.data.steps} states={states} />
      ) : (
        <Notice error={definition.error} />
      )}
      <StepsTable saga={view} />
      <h2>Timeline</h2>
      {view.historyTruncated === true && (
        <p>
          The latest {view.history.length} entries; earlier ones: <code>sagactl history</code> or{' '}
          <code>GET /sagas/{view.sagaId}/audit</code>.
        </p>
      )}
      <Timeline history={view.history} />
      {view.cause !== null && (
        <>
          <h2>Cause</h2>
          <pre tabIndex={0} aria-label="Cause">
            {formatJson(view.cause)}
          </pre>
        </>
      )}
      <h2>Input</h2>
      <pre tabIndex={0} aria-label="Input">
        {formatJson(view.input)}
      </pre>
      <h2>Context</h2>
      <pre tabIndex={0} aria-label="Context">
        {formatJson(view.context)}
      </pre>
    </section>
  );
}

function StepsTable({ saga }: { readonly saga: SagaView }) {
  return (
    <table class="list">
      <caption>Steps and their last outcome</caption>
      <thead>
        <tr>
          <th scope="col">Step</th>
          <th scope="col">State</th>
          <th scope="col">Attempt</th>
          <th scope="col">Next wake-up</th>
          <th scope="col">Last outcome</th>
        </tr>
      </thead>
      <tbody>
        {saga.steps.map((step) => (
          <tr key={step.stepId}>
            <td>{step.stepId}</td>
            <td>
              <StatusChip status={step.status} />
            </td>
            <td>{step.attempt}</td>
            <td>{formatTime(step.nextWakeupAt)}</td>
            <td>
              <code class="outcome">
                {step.lastOutcome === null ? '–' : JSON.stringify(step.lastOutcome)}
              </code>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
