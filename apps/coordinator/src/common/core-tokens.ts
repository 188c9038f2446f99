// The injection tokens of the coordinator's core (runtime/coordinator-core.module.ts) for the
// values that have no class of their own. The objects that have one (Database, SagaDecisions,
// CommandGate, ...) are provided under their class. Here, below every folder, so that a feature
// module can inject them without importing the runtime that provides them.

/** The validated configuration (CoordinatorConfig). */
export const COORDINATOR_CONFIG = Symbol('CoordinatorConfig');
/** The saga definitions the coordinator runs (SagaRegistry). */
export const SAGA_REGISTRY = Symbol('SagaRegistry');
/** Kafka, or the in-process broker of the embedded mode (MessageTransport). */
export const MESSAGE_TRANSPORT = Symbol('MessageTransport');
/** The names of the coordinator's topics under its prefix (TopicNames). */
export const TOPIC_NAMES = Symbol('TopicNames');
/** Keeps the dead letters of sagas with sensitive fields sealed at rest (DeadLetterSealer). */
export const DEAD_LETTER_SEALER = Symbol('DeadLetterSealer');
