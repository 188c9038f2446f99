import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { failureText } from './api-client.js';
import { Notice } from './notice.js';

/** What the dialog asks for and does. */
export interface ReasonDialogProps {
  readonly title: string;
  /** The button that confirms, e.g. `Cancel saga`. */
  readonly confirmLabel: string;
  /** More fields above the reason (e.g. the step to retry). */
  readonly children?: ComponentChildren;
  /** Does the action with the reason typed; its failure is shown in the dialog, in words. */
  readonly onConfirm: (reason: string) => Promise<void>;
  readonly onClose: () => void;
}

/**
 * A modal dialog that asks why before an operator action: the reason is required (it goes to
 * the saga's audit log). It stays open on a refusal (403, 409) and says why.
 */
export function ReasonDialog(props: ReasonDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm(reason.trim());
      props.onClose();
    } catch (failure) {
      setError(failureText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <dialog ref={dialog} aria-labelledby="reason-dialog-title" onClose={props.onClose}>
      <form onSubmit={(event) => void submit(event)}>
        <h2 id="reason-dialog-title">{props.title}</h2>
        {props.children}
        <label for="reason-dialog-reason">Reason (recorded in the audit log)</label>
        <textarea
          id="reason-dialog-reason"
          required
          rows={3}
          value={reason}
          onInput={(event) => setReason(event.currentTarget.value)}
        />
        <Notice error={error} />
        <div class="actions">
          <button type="submit" class="danger" disabled={busy || reason.trim() === ''}>
            {props.confirmLabel}
          </button>
          <button type="button" onClick={() => dialog.current?.close()}>
            Close
          </button>
        </div>
      </form>
    </dialog>
  );
}
