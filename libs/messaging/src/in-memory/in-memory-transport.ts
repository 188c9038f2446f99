import type { ConsumerTuning } from '../kafka-transport-options.js';
import { InMemoryBroker } from './in-memory-broker.js';
import {
  InMemoryMessageConsumer,
  type InMemoryConsumerOptions,
} from './in-memory-message-consumer.js';
import { InMemoryMessagePublisher } from './in-memory-message-publisher.js';
import { InMemoryTopicAdministrator } from './in-memory-topic-administrator.js';

/**
 * The in-process transport (embedded mode and fast tests): one InMemoryBroker behind a
 * publisher, a topic administrator and consumers made on demand.
 */
export class InMemoryTransport {
  readonly broker = new InMemoryBroker();
  readonly publisher = new InMemoryMessagePublisher(this.broker);
  readonly administrator = new InMemoryTopicAdministrator(this.broker);
  private readonly consumers = new Set<InMemoryMessageConsumer>();

  /** @param defaults consumer options used by every `createConsumer` call unless overridden. */
  constructor(private readonly defaults: InMemoryConsumerOptions = {}) {}

  /**
   * A new consumer (not started); `close()` stops it if it is still running. Of the Kafka
   * tuning only `maxBatchSize` applies: the in-process broker hands messages over at once, one
   * partition at a time.
   */
  createConsumer(options: InMemoryConsumerOptions & ConsumerTuning = {}): InMemoryMessageConsumer {
    const {
      minBytes: _minBytes,
      maxWaitTimeMs: _maxWait,
      waitUnderLoad: _waitUnderLoad,
      partitionsConsumedConcurrently: _partitions,
      ...own
    } = options;
    const consumer = new InMemoryMessageConsumer(this.broker, { ...this.defaults, ...own });
    this.consumers.add(consumer);
    return consumer;
  }

  /** Stops every consumer made here; each finishes its batch in hand. */
  async close(): Promise<void> {
    await Promise.all([...this.consumers].map((consumer) => consumer.stop()));
    this.consumers.clear();
  }
}
