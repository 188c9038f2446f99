import { createRequire } from 'node:module';

/** What this module relies on of kafkajs 2.2.4's per-connection request queue. */
interface RequestQueuePrototype {
  scheduleCheckPendingRequests(this: { pending: readonly unknown[] }): void;
}

const PATCHED = Symbol.for('saga-coordinator.kafkajs-idle-loop');

/**
 * Stops kafkajs's idle loop: in kafkajs 2.2.4 (its last release) every connection's request
 * queue re-arms a timer each time it checks for pending requests, pending or not, and with
 * nothing pending the delay is negative (Node runs it after 1 ms): each connection wakes the
 * event loop about a thousand times a second for ever, idle included (kafkajs issues #1556,
 * #1704). A check is only needed while requests are pending (a push while throttled, or over
 * the in-flight limit, arms one, and every response checks again), so with none it now arms
 * nothing. Idempotent; it changes the shared prototype, so every kafkajs client in the
 * process is fixed, whoever made it.
 */
export function stopKafkajsIdleLoop(): void {
  const require = createRequire(import.meta.url);
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as {
    prototype: RequestQueuePrototype & { [PATCHED]?: true };
  };
  const queue = RequestQueue.prototype;
  if (queue[PATCHED]) return;
  const schedule = queue.scheduleCheckPendingRequests;
  if (typeof schedule !== 'function') {
    throw new Error('kafkajs has no RequestQueue#scheduleCheckPendingRequests: check its version');
  }
  queue.scheduleCheckPendingRequests = function scheduleWhilePending() {
    if (this.pending.length === 0) return;
    schedule.call(this);
  };
  queue[PATCHED] = true;
}
