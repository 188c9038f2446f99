import { randomUUID } from 'node:crypto';
import {
  eventHeaders,
  MESSAGE_TYPES,
  type DefinitionEventMessage,
  type TopicNames,
} from '#contracts';
import { laneOf } from '../outbox/outbox-lanes.js';
import type { OutboxRow } from '../persistence/saga-rows.js';

/** What a ramp roll-back says: which type and version, and why. */
export interface RampRollback {
  readonly name: string;
  readonly version: number;
  readonly active: number;
  readonly reason: string;
}

/** The `definition.ramp-rolled-back` event of `rollback` on `saga.events`, as an outbox row. */
export function rampRollbackEvent(
  rollback: RampRollback,
  topics: TopicNames,
  lanes: number,
): OutboxRow {
  const event: DefinitionEventMessage = {
    eventId: randomUUID(),
    sagaType: rollback.name,
    version: rollback.version,
    type: 'definition.ramp-rolled-back',
    at: new Date().toISOString(),
    detail: rollback.reason,
  };
  return {
    sagaId: null,
    lane: laneOf(rollback.name, lanes),
    topic: topics.events,
    key: rollback.name,
    headers: eventHeaders(event.eventId, MESSAGE_TYPES.definitionEvent),
    payload: event as never,
  };
}
