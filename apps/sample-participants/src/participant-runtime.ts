// Moved to the participant kit; kept so existing imports keep working.
export {
  startParticipantRuntime,
  type ParticipantRuntime,
  type ParticipantRuntimeOptions,
} from '../../../libs/saga-participant/src/participant-runtime.js';
