export {
  defineSaga,
  SAGA_NAME_PATTERN,
  SENSITIVE_PATH_PATTERN,
  type DefineSagaOptions,
  type SagaBuilder,
} from './definition/define-saga.js';
export { DefinitionError } from './definition/definition-error.js';
export type { InputIssue, InputParseResult, InputSchema } from './definition/input-schema.js';
export { STEP_ID_PATTERN } from './definition/resolve-step.js';
export type {
  AnySagaDefinition,
  CompensationDefinition,
  SagaDefinition,
  SagaEventSelection,
  StepDefinition,
} from './definition/saga-definition.js';
export type { StepGraph } from './definition/step-graph.js';
export type { BreakerOpenPolicy, StepKind } from './definition/step-kind.js';
export type { CompensationOptions, StepOptions } from './definition/step-options.js';
export {
  DEFAULT_COMPENSATION_RETRY_POLICY,
  DEFAULT_RETRY_POLICY,
  resolveRetryPolicy,
  retryDelay,
  type Jitter,
  type RetryPolicy,
  type RetryPolicyOptions,
  type RetryPolicyResult,
} from './retry/retry-policy.js';
export { isNonRetryable } from './retry/attempt-budget.js';
export { drawsFrom, mulberry32, type RandomSource } from './retry/random-source.js';
export { createSagaRegistry, type SagaRef, type SagaRegistry } from './registry/saga-registry.js';
export type { AttemptFailure, TimeoutOutcome } from './state/attempt-outcome.js';
export type { SagaCause } from './state/saga-cause.js';
export {
  isTerminal,
  type SagaState,
  type SagaStateBase,
  type SagaStatus,
  type SagaStatusFields,
} from './state/saga-state.js';
export type { StepState, StepStateOf, StepStatus } from './state/step-state.js';
export { createSagaEngine, type SagaEngine } from './engine/create-saga-engine.js';
export {
  failsFastWhenUnavailable,
  PARTICIPANT_UNAVAILABLE,
} from './engine/apply-command-refused.js';
export type {
  CancelEvent,
  CommandRefusedEvent,
  EngineEvent,
  EventBase,
  ReplyEvent,
  ResumeEvent,
  UndeliverableEvent,
  Wakeup,
  WakeupEvent,
  WakeupKind,
} from './engine/engine-event.js';
export type {
  AuditEntry,
  AuditEventType,
  CommandToSend,
  Effect,
  EffectType,
} from './engine/effect.js';
export {
  commandMessageId,
  deadlineWakeupId,
  idempotencyKey,
  stepWakeupId,
  wakeupOfTimerKey,
} from './engine/message-ids.js';
export { SAGA_ID_PATTERN, type StartSagaOptions } from './engine/start-saga.js';
export type { Rejection, StartResult, TransitionResult } from './engine/transition-result.js';
export type { Clock } from './ports/clock.port.js';
export type {
  AccessRefusal,
  BatchHandler,
  BatchOutcome,
  ChunkReport,
  ConsumerBacklogReport,
  ConsumerStartOptions,
  DeadLetter,
  EnsureTopicsReport,
  IncomingMessage,
  MessageConsumer,
  MessagePublisher,
  OutgoingMessage,
  TopicAdministrator,
  TopicSpec,
  UnderPartitionedTopic,
  UnverifiedTopic,
} from './ports/message-transport.port.js';
