import {
  HEADERS,
  JSON_CONTENT_TYPE,
  MESSAGE_TYPES,
  SCHEMA_VERSION,
  type CommandMessage,
  type JsonValue,
  type TopicNames,
} from '#contracts';
import type { AuditEntry, Effect } from '#saga-core';
import type { OutboxRow, TimerRow } from '../persistence/saga-rows.js';

/** How effects become rows: topic names, and how much real time a virtual millisecond takes. */
export interface EffectPlanOptions {
  readonly topics: TopicNames;
  /** Multiplies every timer delay (1 = real time; 0.01 makes a 5 s timeout last 50 ms). */
  readonly timeScale: number;
  /** Outbox lanes: a saga's messages always take the same lane, which keeps them in order. */
  readonly lanes: number;
}

/** The rows one decision writes besides the saga's state. */
export interface DecisionWrites {
  readonly audit: AuditEntry[];
  readonly outbox: OutboxRow[];
  readonly timers: Map<string, TimerRow>;
  readonly cancelledTimers: Set<string>;
}

/** An empty set of writes to collect effects into. */
export function emptyWrites(): DecisionWrites {
  return { audit: [], outbox: [], timers: new Map(), cancelledTimers: new Set() };
}

/** Adds the rows that carry out `effects` of saga `sagaId` (type `sagaType`) decided at `now`. */
export function planEffects(
  writes: DecisionWrites,
  effects: readonly Effect[],
  saga: { sagaId: string; sagaType: string },
  now: number,
  options: EffectPlanOptions,
): void {
  const lane = laneOf(saga.sagaId, options.lanes);
  for (const effect of effects) {
    switch (effect.type) {
      case 'append-audit':
        writes.audit.push(effect.entry);
        break;
      case 'send-command': {
        const message: CommandMessage = {
          ...effect.command,
          replyTo: options.topics.replies,
          sentAt: new Date(now).toISOString(),
        };
        writes.outbox.push({
          sagaId: saga.sagaId,
          lane,
          topic: options.topics.commands(message.participant),
          key: saga.sagaId,
          headers: {
            ...commonHeaders(message.messageId, saga, MESSAGE_TYPES.command),
            [HEADERS.stepId]: message.stepId,
            [HEADERS.attempt]: String(message.attempt),
            [HEADERS.replyTo]: message.replyTo,
          },
          payload: message as unknown as JsonValue,
        });
        break;
      }
      case 'publish-event':
        writes.outbox.push({
          sagaId: saga.sagaId,
          lane,
          topic: options.topics.events,
          key: saga.sagaId,
          headers: commonHeaders(effect.event.eventId, saga, MESSAGE_TYPES.event),
          payload: effect.event as unknown as JsonValue,
        });
        break;
      case 'schedule-wakeup': {
        const delay = Math.max(0, effect.at - now) * options.timeScale;
        writes.timers.set(effect.wakeupId, {
          id: effect.wakeupId,
          sagaId: saga.sagaId,
          dueAt: Math.round(now + delay),
          wakeup: effect.wakeup,
        });
        writes.cancelledTimers.delete(effect.wakeupId);
        break;
      }
      case 'cancel-wakeup':
        writes.timers.delete(effect.wakeupId);
        writes.cancelledTimers.add(effect.wakeupId);
        break;
    }
  }
}

function commonHeaders(
  messageId: string,
  saga: { sagaId: string; sagaType: string },
  messageType: string,
): Record<string, string> {
  return {
    [HEADERS.messageId]: messageId,
    [HEADERS.sagaId]: saga.sagaId,
    [HEADERS.sagaType]: saga.sagaType,
    [HEADERS.messageType]: messageType,
    [HEADERS.contentType]: JSON_CONTENT_TYPE,
    [HEADERS.schemaVersion]: String(SCHEMA_VERSION),
  };
}

/** The outbox lane of a saga: FNV-1a of its id, modulo the lane count. */
export function laneOf(sagaId: string, lanes: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < sagaId.length; i++) {
    hash ^= sagaId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % lanes;
}
