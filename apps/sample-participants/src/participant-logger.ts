// Moved to the participant kit; kept so existing imports keep working.
export {
  jsonLinesParticipantLogger,
  silentParticipantLogger,
  type ParticipantLogger,
  type ParticipantLogLevel,
} from '../../../libs/saga-participant/src/participant-logger.js';
