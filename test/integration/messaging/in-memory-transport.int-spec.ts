// The transport contract on the in-memory adapter (embedded mode): the same tests as on Kafka.
import { InMemoryTransport } from '#messaging';
import { describeTransportContract, type TransportUnderTest } from './transport.contract.js';

async function createInMemoryTransport(): Promise<TransportUnderTest> {
  const transport = new InMemoryTransport({ handlerRetry: { initialDelayMs: 5, maxDelayMs: 20 } });
  return {
    publisher: transport.publisher,
    administrator: transport.administrator,
    createConsumer() {
      const consumer = transport.createConsumer();
      return { consumer, settled: () => consumer.idle() };
    },
    async committedCount(groupId, topic) {
      return transport.broker.committedOffsets(groupId, topic).reduce((sum, n) => sum + n, 0);
    },
    // Membership changes rebalance at once in memory.
    async groupSettled() {},
    close: () => transport.close(),
  };
}

describeTransportContract('in memory', createInMemoryTransport, { testTimeoutMs: 5_000 });
