import { useRef, useState } from 'preact/hooks';
import { failureText } from './api-client.js';
import { useConsole } from './app-context.js';
import type { BulkAction, BulkDryRun, BulkOperation } from './api-views.js';
import {
  confirmationOf,
  outdatesDryRun,
  type BulkRequest,
  type CheckedRequest,
} from './bulk-confirmation.js';
import { OperationProgress, RecentOperations } from './bulk-operation-progress.js';
import { hashOf } from './hash-route.js';
import { Notice } from './notice.js';
import { SagaTable } from './sagas-page.js';
import { StatusChip } from './status-chip.js';

/**
 * Bulk actions on the sagas a query matches (role `operate`): a dry run first shows how many
 * and which; confirmed, the operation runs on the server and its progress is followed here.
 * `?q=` prefills the query, `?operation=` shows an operation.
 */
export function BulkPage({ params }: { readonly params: URLSearchParams }) {
  const { api } = useConsole();
  const [query, setQuery] = useState(params.get('q') ?? '');
  const [action, setAction] = useState<BulkAction>('cancel');
  const [stepId, setStepId] = useState('');
  const [reason, setReason] = useState('');
  const [dryRun, setDryRun] = useState<CheckedRequest | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const operationId = params.get('operation') ?? undefined;
  const request: BulkRequest = {
    action,
    query: query.trim(),
    reason: reason.trim(),
    ...(action === 'retry' ? { stepId: stepId.trim() } : {}),
  };
  // The form as it is now, for answers that come after it changed.
  const current = useRef('');
  current.current = JSON.stringify(request);
  const edited = (apply: () => void) => {
    apply();
    setDryRun(undefined);
  };
  const send = async (
    body: object,
    then: (answer: unknown) => void,
    failed?: (failure: unknown) => void,
  ) => {
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      then(await api.post<unknown>('/bulk-operations', body));
    } catch (failure) {
      setError(failureText(failure));
      failed?.(failure);
    } finally {
      setBusy(false);
    }
  };
  const complete =
    request.query !== '' && request.reason !== '' && (action !== 'retry' || request.stepId !== '');
  return (
    <section aria-labelledby="bulk-title">
      <h1 id="bulk-title">Bulk actions</h1>
      <form
        class="bulk"
        aria-label="Bulk action"
        onSubmit={(event) => {
          event.preventDefault();
          const checked = request;
          void send({ ...checked, dryRun: true }, (answer) => {
            // The form changed while the dry run was on its way: the answer is not for it.
            if (JSON.stringify(checked) !== current.current) return;
            setDryRun({ request: checked, answer: answer as BulkDryRun });
          });
        }}
      >
        <fieldset class="bare" disabled={busy}>
          <legend class="visually-hidden">What to do, on which sagas, and why</legend>
          <div class="field wide">
            <label for="bulk-query">Query (the saga list's query language)</label>
            <textarea
              id="bulk-query"
              rows={2}
              required
              spellcheck={false}
              value={query}
              onInput={(event) => edited(() => setQuery(event.currentTarget.value))}
            />
          </div>
          <div class="fields">
            <div class="field">
              <label for="bulk-action">Action</label>
              <select
                id="bulk-action"
                value={action}
                onChange={(event) =>
                  edited(() => setAction(event.currentTarget.value as BulkAction))
                }
              >
                <option value="cancel">cancel</option>
                <option value="resume">resume</option>
                <option value="retry">retry a step</option>
              </select>
            </div>
            {action === 'retry' && (
              <div class="field">
                <label for="bulk-step">Step to retry</label>
                <input
                  id="bulk-step"
                  required
                  value={stepId}
                  onInput={(event) => edited(() => setStepId(event.currentTarget.value))}
                />
              </div>
            )}
            <div class="field">
              <label for="bulk-reason">Reason (recorded in each saga's audit log)</label>
              <input
                id="bulk-reason"
                required
                value={reason}
                onInput={(event) => edited(() => setReason(event.currentTarget.value))}
              />
            </div>
          </div>
        </fieldset>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || !complete}>
            Dry run
          </button>
        </div>
      </form>
      <Notice error={error} />
      {dryRun !== undefined && JSON.stringify(dryRun.request) === current.current && (
        <DryRunResult
          dryRun={dryRun.answer}
          busy={busy}
          onConfirm={() =>
            // Exactly what the dry run checked, whatever the form says by now, and on no more
            // sagas than it counted: refused (409) when more match by now.
            void send(
              confirmationOf(dryRun),
              (answer) => {
                setDryRun(undefined);
                const started = answer as BulkOperation;
                location.hash = hashOf(
                  '/bulk',
                  new URLSearchParams({ operation: started.operationId }),
                );
              },
              (failure) => {
                if (outdatesDryRun(failure)) setDryRun(undefined);
              },
            )
          }
        />
      )}
      {operationId !== undefined && <OperationProgress operationId={operationId} />}
      <RecentOperations />
    </section>
  );
}

function DryRunResult({
  dryRun,
  busy,
  onConfirm,
}: {
  readonly dryRun: BulkDryRun;
  readonly busy: boolean;
  readonly onConfirm: () => void;
}) {
  const statuses = Object.entries(dryRun.byStatus);
  return (
    <section class="dry-run" aria-labelledby="dry-run-title">
      <h2 id="dry-run-title">Dry run: {dryRun.matched} saga(s) match</h2>
      {statuses.length > 0 && (
        <ul class="plain inline-list" aria-label="Matched sagas by status">
          {statuses.map(([status, count]) => (
            <li key={status}>
              <StatusChip status={status} /> {count}
            </li>
          ))}
        </ul>
      )}
      <SagaTable sagas={dryRun.sample} caption="A sample of the matched sagas" />
      <button
        type="button"
        class="danger"
        disabled={busy || dryRun.matched === 0}
        onClick={onConfirm}
      >
        Confirm: {dryRun.action} {dryRun.matched} saga(s)
      </button>
    </section>
  );
}
