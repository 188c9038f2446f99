import { useState } from 'preact/hooks';
import { useConsole } from './app-context.js';
import type { SagaView } from './api-views.js';
import { Notice } from './notice.js';
import { ReasonDialog } from './reason-dialog.js';
import { preferredRetryStep } from './retry-step-choice.js';

type Action = 'cancel' | 'resume' | 'retry';

/**
 * The operator actions on one saga (role `operate`): cancel, resume, retry a step, each after a
 * dialog that asks for the reason. The API decides what the saga's state allows: a 409 or a
 * 403 is shown in the dialog in words.
 */
export function SagaActions({
  saga,
  onDone,
}: {
  readonly saga: SagaView;
  readonly onDone: () => void;
}) {
  const { api } = useConsole();
  const [open, setOpen] = useState<Action | undefined>(undefined);
  const [done, setDone] = useState<string | undefined>(undefined);
  const [stepId, setStepId] = useState<string>('');
  const base = `/sagas/${encodeURIComponent(saga.sagaId)}`;
  const run = async (action: Action, reason: string) => {
    const path =
      action === 'retry'
        ? `${base}/steps/${encodeURIComponent(stepId)}/retry`
        : `${base}/${action}`;
    const answer = await api.post<{ status: string }>(path, { reason });
    setDone(`Done: the saga is ${answer.status}.`);
    onDone();
  };
  return (
    <div class="saga-actions">
      <div class="actions" role="group" aria-label="Operator actions">
        <button type="button" onClick={() => setOpen('cancel')}>
          Cancel saga…
        </button>
        <button type="button" onClick={() => setOpen('resume')}>
          Resume…
        </button>
        <button
          type="button"
          disabled={saga.steps.length === 0}
          onClick={() => {
            setStepId(preferredRetryStep(saga) ?? '');
            setOpen('retry');
          }}
        >
          Retry a step…
        </button>
      </div>
      <Notice success={done} />
      {open === 'cancel' && (
        <ReasonDialog
          title={`Cancel saga ${saga.sagaId}`}
          confirmLabel="Cancel saga"
          onConfirm={(reason) => run('cancel', reason)}
          onClose={() => setOpen(undefined)}
        />
      )}
      {open === 'resume' && (
        <ReasonDialog
          title={`Resume saga ${saga.sagaId}`}
          confirmLabel="Resume saga"
          onConfirm={(reason) => run('resume', reason)}
          onClose={() => setOpen(undefined)}
        />
      )}
      {open === 'retry' && (
        <ReasonDialog
          title={`Retry a step of saga ${saga.sagaId}`}
          confirmLabel="Retry step"
          onConfirm={(reason) => run('retry', reason)}
          onClose={() => setOpen(undefined)}
        >
          <label for="retry-step">Step</label>
          <select
            id="retry-step"
            value={stepId}
            onChange={(event) => setStepId(event.currentTarget.value)}
          >
            {saga.steps.map((step) => (
              <option key={step.stepId} value={step.stepId}>
                {step.stepId} ({step.status})
              </option>
            ))}
          </select>
        </ReasonDialog>
      )}
    </div>
  );
}
