import type { CommandMessage } from '#contracts';
import type { RecordStore } from './business-records.js';
import type { EffectLedger } from './effect-ledger.js';

/**
 * A sample participant: a controller whose `@SagaCommand` methods are its handlers
 * (commandHandlersOf lists them), with its name and the ledger of what it did.
 */
export interface SampleService {
  readonly participant: string;
  readonly ledger: EffectLedger;
}

/** Options every sample service takes. */
export interface SampleServiceOptions {
  /** The clock of the ledger (default: the system clock). */
  readonly now?: () => Date;
  /** Where the business records live (default: in memory, see business-records.ts). */
  readonly records?: RecordStore;
}

/**
 * Names what a step did (`<sagaId>:<stepId>`): a step's compensation carries the same saga and
 * step as the step, so it finds what to undo even when the step's reply, and so its ids, were lost.
 */
export function originOf(command: CommandMessage): string {
  return `${command.sagaId}:${command.stepId}`;
}
