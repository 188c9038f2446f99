import type { OutboxRow } from '../../apps/coordinator/src/persistence/saga-rows.js';

/** An outbox row of `sagaId` to `topic`, keyed `key`, with no headers and an empty payload. */
export function outboxRow(sagaId: string, topic: string, key: string, lane = 0): OutboxRow {
  return { sagaId, lane, topic, key, headers: {}, payload: {} };
}
