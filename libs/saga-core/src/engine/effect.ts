import type { CommandMessage, SagaEventMessage } from '#contracts';
import type { SagaStatus } from '../state/saga-state.js';
import type { Wakeup } from './engine-event.js';

/** A command as the engine decides it; the transport adds `replyTo` and `sentAt` when it sends it. */
export type CommandToSend = Omit<CommandMessage, 'replyTo' | 'sentAt'>;

/** The kind of input an audit entry records. */
export type AuditEventType =
  | 'start'
  | 'reply'
  | 'wakeup'
  | 'cancel'
  | 'resume'
  | 'retry-step'
  | 'undeliverable'
  | 'command-refused';

/** One line of a saga's history: what came in, whether it was applied, and what it changed. */
export interface AuditEntry {
  readonly at: number;
  readonly sagaId: string;
  readonly eventType: AuditEventType;
  /** Absent on start. */
  readonly fromStatus?: SagaStatus;
  readonly toStatus: SagaStatus;
  /** False when the event was fenced off, stale, or refused: it changed nothing. */
  readonly applied: boolean;
  readonly stepId?: string;
  readonly attempt?: number;
  readonly actor?: string;
  /** A human-readable account of the decision (or of why nothing was done). */
  readonly detail: string;
}

/** Something the adapters must do once the new state is stored: effects are data, never actions. */
export type Effect =
  | { readonly type: 'send-command'; readonly command: CommandToSend }
  | {
      readonly type: 'schedule-wakeup';
      readonly wakeupId: string;
      /** Due time in epoch ms. */
      readonly at: number;
      readonly wakeup: Wakeup;
    }
  | { readonly type: 'cancel-wakeup'; readonly wakeupId: string }
  | { readonly type: 'publish-event'; readonly event: SagaEventMessage }
  | { readonly type: 'append-audit'; readonly entry: AuditEntry };

/** The type of an effect. */
export type EffectType = Effect['type'];
