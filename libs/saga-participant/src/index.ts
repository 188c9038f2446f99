// The participant kit: what a service needs to take part in sagas (see docs/PARTICIPANTS.md).
export { BusinessRefusal } from './business-refusal.js';
export { createCommandBatchHandler, type ReplyInterceptor } from './command-batch-handler.js';
export { runCommandHandler, type CommandHandler, type CommandHandlers } from './command-handler.js';
export { commandHandlersOf } from './command-handlers-of.js';
export { parsePayload } from './command-payload.js';
export { checkCommand, type CommandCheck, type CommandExpectations } from './command-validation.js';
export { quoteIdentifier, type Database } from '#postgres';
export {
  isFinal,
  type ClosedKey,
  type FinalOutcome,
  type HandlerContext,
  type IdempotencyStore,
  type OnceResult,
} from './idempotency-store.js';
export {
  InMemoryIdempotencyStore,
  type InMemoryIdempotencyStoreOptions,
} from './in-memory-idempotency-store.js';
export {
  openParticipantDatabase,
  type ParticipantDatabaseOptions,
} from './participant-database.js';
export { MigrationCancelledError } from '#postgres';
export { ParticipantIdempotency1764633600000 } from './participant-idempotency.migration.js';
export { ParticipantIdempotencyRetention1764900000000 } from './participant-idempotency-retention.migration.js';
export {
  idempotencyPurgeTask,
  idempotencyRetention,
  type IdempotencyRetentionOptions,
} from './idempotency-retention.js';
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
  PostgresIdempotencyStore,
  type PostgresIdempotencyStoreOptions,
} from './postgres-idempotency-store.js';
export { SagaCommand, type SagaCommandOptions } from './saga-command.decorator.js';
export { SagaCommandContext } from './saga-command-context.js';
export { sagaParticipantTransport } from './saga-participant-transport.js';
export {
  SagaParticipantServer,
  type SagaParticipantServerOptions,
} from './saga-participant.server.js';
export { replyEnvelope, replyMessage, replyMessageId } from './reply-message.js';
export type { SqlRunner } from '#postgres';
export { TechnicalError } from './technical-error.js';
