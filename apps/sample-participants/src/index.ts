// The sample participants' public API: what the coordinator's embedded mode and tests import.
export { BusinessRefusal } from './business-refusal.js';
export type { CommandHandler, CommandHandlers } from './command-handler.js';
export { parsePayload } from './command-payload.js';
export { EffectLedger, type LedgerEntry } from './effect-ledger.js';
export type { FinalOutcome, IdempotencyStore } from './idempotency-store.js';
export { InMemoryIdempotencyStore } from './in-memory-idempotency-store.js';
export {
  jsonLinesParticipantLogger,
  silentParticipantLogger,
  type ParticipantLogger,
  type ParticipantLogLevel,
} from './participant-logger.js';
export {
  startParticipantRuntime,
  type ParticipantRuntime,
  type ParticipantRuntimeOptions,
} from './participant-runtime.js';
export {
  SAMPLE_PARTICIPANT_NAMES,
  sampleParticipantTopics,
  startSampleParticipants,
  type SampleParticipantName,
  type SampleParticipants,
  type SampleParticipantsOptions,
  type SampleServices,
} from './sample-participants.js';
