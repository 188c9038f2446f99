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
 * the saga's audit log). It stays open on a refusal (403, 409) and says why. It always closes
 * through the dialog's own `close()`, so that the browser gives the focus back to the button
 * that opened it; an answer that comes after it closed is ignored.
 */
export function ReasonDialog(props: ReasonDialogProps) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const closed = useRef(false);
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await props.onConfirm(reason.trim());
      if (!closed.current) dialog.current?.close();
    } catch (failure) {
      if (!closed.current) setError(failureText(failure));
    } finally {
      if (!closed.current) setBusy(false);
    }
  };
  const onClose = () => {
    closed.current = true;
    props.onClose();
  };
  return (
    <dialog ref={dialog} aria-labelledby="reason-dialog-title" onClose={onClose}>
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
