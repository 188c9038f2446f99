/**
 * `run`, one run at a time, each call answered by a run that begins after the call: the calls
 * made while a run waits for its turn share it, so however many come during a slow run, one more
 * run follows it. A run that fails does not stop the next; its callers get the failure.
 */
export function nextRun(run: () => Promise<void>): () => Promise<void> {
  let last: Promise<unknown> = Promise.resolve();
  let waiting: Promise<void> | undefined;
  return () => {
    if (waiting !== undefined) return waiting;
    const next = last.then(() => {
      waiting = undefined;
      return run();
    });
    waiting = next;
    last = next.catch(() => undefined);
    return next;
  };
}
