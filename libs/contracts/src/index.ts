export type { JsonObject, JsonValue } from './json-value.js';
export {
  PARTICIPANT_NAME_PATTERN,
  isParticipantName,
  topicNames,
  type TopicNames,
} from './topics.js';
export {
  DEAD_LETTER_HEADERS,
  DEAD_LETTER_HEADER_NAMES,
  HEADERS,
  JSON_CONTENT_TYPE,
  MESSAGE_TYPES,
  type MessageType,
} from './headers.js';
export { LIMITS } from './limits.js';
export { commandHeaders, eventHeaders, sagaMessageHeaders } from './command-headers.js';
export { formatPath, issuesText, type Issue } from './issue-text.js';
export { headerProblem } from './header-problem.js';
export { ALREADY_COMPENSATED, idempotencyKey } from './idempotency-keys.js';
export {
  OUTCOME_EVENT_TYPES,
  SCHEMA_VERSION,
  type CommandAction,
  type CommandMessage,
  type ErrorOutcome,
  type FailureOutcome,
  type DefinitionEventMessage,
  type ParticipantEventMessage,
  type ParticipantEventType,
  type ReplyMessage,
  type ReplyOutcome,
  type SagaEventMessage,
  type SagaEventType,
  type StartSagaMessage,
  type SuccessOutcome,
} from './envelopes.js';
export { cutDownOutcome } from './cut-down-outcome.js';
export {
  commandMessageSchema,
  definitionEventMessageSchema,
  participantEventMessageSchema,
  replyMessageSchema,
  replyOutcomeSchema,
  sagaEventMessageSchema,
  startSagaMessageSchema,
} from './schemas.js';
export {
  decodeMessage,
  parseCommandMessage,
  parseMessage,
  parseReplyMessage,
  parseSagaEventMessage,
  parseStartSagaMessage,
  type ParseResult,
} from './parse-message.js';
export { UNSTORABLE_TEXT, refuseUnstorableText, unstorableTextProblem } from './storable-text.js';
export { TOO_BIG_JSON, jsonValueProblems, type JsonValueProblem } from './json-value-check.js';
export { REDACTED, mapPaths, redactPaths, type PathReplacer } from './redact.js';
export { SPAN_ATTRIBUTES, type TraceCarrier } from './trace-attributes.js';
export {
  buildAsyncApiDocument,
  type AsyncApiDocument,
  type AsyncApiDocumentOptions,
} from './asyncapi/asyncapi-document.js';
export { JSON_SCHEMA_FORMAT, type JsonSchema } from './asyncapi/json-schema.js';
export type { SagaInputSchema } from './asyncapi/start-request-schema.js';
