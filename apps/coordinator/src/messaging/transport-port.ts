// The transport port's types (libs/saga-core/src/ports/message-transport.port.ts), re-exported
// in one place for the messaging adapters and their tests.
export type {
  BatchHandler,
  BatchOutcome,
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
} from '#saga-core';
