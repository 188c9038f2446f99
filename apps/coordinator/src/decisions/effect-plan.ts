import {
  commandHeaders,
  sagaMessageHeaders,
  MESSAGE_TYPES,
  type CommandMessage,
  type JsonValue,
  type TopicNames,
} from '#contracts';
import { commandMessageId, type AuditEntry, type Effect, type Wakeup } from '#saga-core';
import { laneOf } from '../outbox/outbox-lanes.js';
import type { HeldCommandRow } from '../resilience/held-commands.js';
import type { OutboxRow } from '../persistence/saga-rows.js';
import type { TimerRow } from '../persistence/saga-timers.js';

/**
 * What becomes of a command: it goes out now, waits in the database for its participant to
 * take it, or is dropped (the caller answers it itself, e.g. fails it fast).
 */
export type CommandRoute = (command: CommandMessage) => 'send' | 'hold' | 'drop';

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
  /** Commands held back (breaker open, participant at capacity), each with its reply timer. */
  readonly held: HeldCommandRow[];
  readonly timers: Map<string, TimerRow>;
  /** Timers cancelled: their saga's id by timer id. */
  readonly cancelledTimers: Map<string, string>;
}

/** An empty set of writes to collect effects into. */
export function emptyWrites(): DecisionWrites {
  return { audit: [], outbox: [], held: [], timers: new Map(), cancelledTimers: new Map() };
}

/** The saga whose effects are planned: its id and type, and the key it was started with. */
export interface PlannedSaga {
  readonly sagaId: string;
  readonly sagaType: string;
  readonly idempotencyKey: string;
}

/**
 * Adds the rows that carry out `effects` of `saga` decided at `now`. A command that `route`
 * holds goes to `held` instead of the outbox, and its reply timeout goes with it, unarmed:
 * waiting for the participant spends no attempt. Events name the saga's idempotency key, so a
 * starter on `saga.start` (which never learns the saga id) can tell its saga's end.
 */
export function planEffects(
  writes: DecisionWrites,
  effects: readonly Effect[],
  saga: PlannedSaga,
  now: number,
  options: EffectPlanOptions,
  route: CommandRoute = () => 'send',
): void {
  const lane = laneOf(saga.sagaId, options.lanes);
  const heldByAttempt = new Map<string, HeldCommandRow>();
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
        const row: OutboxRow = {
          sagaId: saga.sagaId,
          lane,
          topic: options.topics.commands(message.participant),
          key: saga.sagaId,
          headers: commandHeaders(message),
          payload: message as unknown as JsonValue,
        };
        const way = route(message);
        if (way === 'drop') break;
        if (way === 'send') {
          writes.outbox.push(row);
          break;
        }
        const held: HeldCommandRow = { ...row, sagaId: saga.sagaId, command: message };
        writes.held.push(held);
        heldByAttempt.set(attemptKey(message.stepId, message.attempt, message.action), held);
        break;
      }
      case 'publish-event':
        writes.outbox.push({
          sagaId: saga.sagaId,
          lane,
          topic: options.topics.events,
          key: saga.sagaId,
          headers: sagaMessageHeaders(effect.event.eventId, saga, MESSAGE_TYPES.event),
          payload: { ...effect.event, idempotencyKey: saga.idempotencyKey } as JsonValue,
        });
        break;
      case 'schedule-wakeup': {
        const delay = Math.max(0, effect.at - now) * options.timeScale;
        const awaited = awaitedCommandId(saga.sagaId, effect.wakeup);
        writes.timers.set(effect.wakeupId, {
          id: effect.wakeupId,
          sagaId: saga.sagaId,
          dueAt: Math.round(now + delay),
          wakeup: effect.wakeup,
          ...(awaited === undefined ? {} : { awaits: { messageId: awaited, delayMs: delay } }),
        });
        writes.cancelledTimers.delete(effect.wakeupId);
        break;
      }
      case 'cancel-wakeup':
        writes.timers.delete(effect.wakeupId);
        writes.cancelledTimers.set(effect.wakeupId, saga.sagaId);
        break;
    }
  }
  if (heldByAttempt.size > 0) moveReplyTimers(writes, effects, heldByAttempt, now);
}

/** Takes the reply timeouts of held commands off the timers: they start when the command goes. */
function moveReplyTimers(
  writes: DecisionWrites,
  effects: readonly Effect[],
  heldByAttempt: ReadonlyMap<string, HeldCommandRow>,
  now: number,
): void {
  for (const effect of effects) {
    if (effect.type !== 'schedule-wakeup') continue;
    const held = heldCommandOf(heldByAttempt, effect.wakeup);
    const timer = writes.timers.get(effect.wakeupId);
    if (!held || !timer) continue;
    writes.timers.delete(effect.wakeupId);
    held.replyTimer = { id: timer.id, delayMs: timer.dueAt - now, wakeup: timer.wakeup };
  }
}

/** The message id of the command a reply timeout awaits (undefined for other wake-ups). */
function awaitedCommandId(sagaId: string, wakeup: Wakeup): string | undefined {
  if (wakeup.kind === 'reply-timeout')
    return commandMessageId(sagaId, wakeup.stepId, 'execute', wakeup.attempt);
  if (wakeup.kind === 'compensation-timeout')
    return commandMessageId(sagaId, wakeup.stepId, 'compensate', wakeup.attempt);
  return undefined;
}

function attemptKey(stepId: string, attempt: number, action: string): string {
  return `${action}:${stepId}:${attempt}`;
}

/** The held command a reply timeout belongs to, if its command was held in this decision. */
function heldCommandOf(
  held: ReadonlyMap<string, HeldCommandRow>,
  wakeup: Wakeup,
): HeldCommandRow | undefined {
  if (wakeup.kind === 'reply-timeout')
    return held.get(attemptKey(wakeup.stepId, wakeup.attempt, 'execute'));
  if (wakeup.kind === 'compensation-timeout')
    return held.get(attemptKey(wakeup.stepId, wakeup.attempt, 'compensate'));
  return undefined;
}
