export { deadLetterTopic, InvalidBatchOutcomeError } from './dead-letter.js';
export { KafkaMessageConsumer, type KafkaConsumerFactory } from './kafka-message-consumer.js';
export { KafkaMessagePublisher } from './kafka-message-publisher.js';
export { keyPartitioner } from './key-partitioner.js';
export { kafkaClient } from './kafka-client.js';
export { decodeHeaders } from './kafka-message-mapping.js';
export { KafkaTopicAdministrator } from './kafka-topic-administrator.js';
export {
  KafkaTransport,
  type CreateKafkaConsumerOptions,
  type KafkaTransportDependencies,
} from './kafka-transport.js';
export type {
  KafkaConsumerOptions,
  KafkaLogLevel,
  KafkaProducerOptions,
  KafkaRetryOptions,
  KafkaTransportOptions,
} from './kafka-transport-options.js';
export type { BackoffOptions } from './retry-backoff.js';
export {
  jsonLinesTransportLogger,
  silentTransportLogger,
  type TransportLogger,
  type TransportLogLevel,
} from './transport-logger.js';
export { InMemoryBroker } from './in-memory/in-memory-broker.js';
export {
  InMemoryMessageConsumer,
  type InMemoryConsumerOptions,
} from './in-memory/in-memory-message-consumer.js';
export { InMemoryMessagePublisher } from './in-memory/in-memory-message-publisher.js';
export { InMemoryTopicAdministrator } from './in-memory/in-memory-topic-administrator.js';
export { InMemoryTransport } from './in-memory/in-memory-transport.js';
export type { RecordToAppend } from './in-memory/in-memory-broker.js';
export type { ConsumerTuning, WaitUnderLoad } from './kafka-transport-options.js';
export type { MessageTransport } from './message-transport.js';
export type { Companion, CompanionContext, RunningCompanion } from './companion.js';
export {
  kafkaSecurityEnvironmentSchema,
  kafkaSecurityOf,
  kafkaSecurityOptions,
  loadKafkaSecurity,
  variableFileReader,
  type KafkaClientSecurity,
  type KafkaSecurityConfig,
  type ReadFile,
} from './kafka-security.js';
export { kafkaClusterProbe } from './kafka-cluster-probe.js';
export { neverSendableCode, refusesTopic } from './send-refusal.js';
export { sendInFittingHalves } from './fitting-halves.js';
export { isTopicName } from './topic-specs.js';
export { KafkaLagReader, type PartitionEnds } from './kafka-lag-reader.js';
export { isBrokerUnavailable } from './broker-unavailable.js';
