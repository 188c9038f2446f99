import type { BreakerLogEntry } from './breaker-log.js';
import type { ParticipantStatus } from './command-gate.js';

/** Injection token of {@link ParticipantHealth}. */
export const PARTICIPANT_HEALTH = Symbol('PARTICIPANT_HEALTH');

/** A participant as this instance sees it, with its latest breaker changes (all instances). */
export interface ParticipantView extends ParticipantStatus {
  readonly recentChanges: readonly BreakerLogEntry[];
}

/** What the API tells about participants. */
export interface ParticipantHealth {
  /** Every known participant, by name. */
  list(): Promise<ParticipantView[]>;
  /** One participant, or undefined when no saga commands it. */
  get(participant: string): Promise<ParticipantView | undefined>;
}
