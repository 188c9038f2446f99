// The sample participants' public API: what the coordinator's embedded mode and tests import.
export { BusinessRefusal } from '../../../libs/saga-participant/src/index.js';
export type { CommandHandler, CommandHandlers } from '../../../libs/saga-participant/src/index.js';
export { parsePayload } from '../../../libs/saga-participant/src/index.js';
export { EffectLedger, type LedgerEntry } from './effect-ledger.js';
export type { FinalOutcome, IdempotencyStore } from '../../../libs/saga-participant/src/index.js';
export { InMemoryIdempotencyStore } from '../../../libs/saga-participant/src/index.js';
export {
  jsonLinesParticipantLogger,
  silentParticipantLogger,
  type ParticipantLogger,
  type ParticipantLogLevel,
} from '../../../libs/saga-participant/src/index.js';
export {
  startParticipantRuntime,
  type ParticipantRuntime,
  type ParticipantRuntimeOptions,
} from '../../../libs/saga-participant/src/index.js';
export {
  SAMPLE_PARTICIPANT_NAMES,
  sampleParticipantTopics,
  startSampleParticipants,
  type SampleParticipantName,
  type SampleParticipants,
  type SampleParticipantsOptions,
  type SampleServices,
} from './sample-participants.js';
