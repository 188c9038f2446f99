import type { SagaEventType } from '#contracts';
import type { AuditEntry, CommandToSend, Effect } from '../engine/effect.js';

/** The effects of one type, narrowed. */
export type EffectOf<T extends Effect['type']> = Extract<Effect, { type: T }>;

/** The commands among some effects. */
export function commandsIn(effects: readonly Effect[]): CommandToSend[] {
  return effects.flatMap((effect) => (effect.type === 'send-command' ? [effect.command] : []));
}

/** The types of the saga events among some effects, in order. */
export function eventTypesIn(effects: readonly Effect[]): SagaEventType[] {
  return effects.flatMap((effect) => (effect.type === 'publish-event' ? [effect.event.type] : []));
}

/** The audit entries among some effects. */
export function auditIn(effects: readonly Effect[]): AuditEntry[] {
  return effects.flatMap((effect) => (effect.type === 'append-audit' ? [effect.entry] : []));
}

/** The effects of one type. */
export function effectsOf<T extends Effect['type']>(
  effects: readonly Effect[],
  type: T,
): EffectOf<T>[] {
  return effects.filter((effect): effect is EffectOf<T> => effect.type === type);
}
