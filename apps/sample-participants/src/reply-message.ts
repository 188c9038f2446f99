// Moved to the participant kit; kept so existing imports keep working.
export {
  replyEnvelope,
  replyMessage,
  replyMessageId,
} from '../../../libs/saga-participant/src/reply-message.js';
