// The sample participants' public API: what the coordinator's embedded mode and tests import.
export { BusinessRefusal } from '#saga-participant';
export type { CommandHandler, CommandHandlers } from '#saga-participant';
export { parsePayload } from '#saga-participant';
export { EffectLedger, type LedgerEntry } from './effect-ledger.js';
export type { FinalOutcome, IdempotencyStore } from '#saga-participant';
export { InMemoryIdempotencyStore } from '#saga-participant';
export {
  jsonLinesParticipantLogger,
  silentParticipantLogger,
  type ParticipantLogger,
  type ParticipantLogLevel,
} from '#saga-participant';
export {
  startParticipantRuntime,
  type ParticipantRuntime,
  type ParticipantRuntimeOptions,
} from '#saga-participant';
export {
  SAMPLE_PARTICIPANT_NAMES,
  sampleParticipantTopics,
  startSampleParticipants,
  type SampleParticipantName,
  type SampleParticipants,
  type SampleParticipantsOptions,
  type SampleServices,
} from './sample-participants.js';
