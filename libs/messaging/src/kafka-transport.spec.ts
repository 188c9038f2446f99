import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import { KafkaTransport } from './kafka-transport.js';
import { silentTransportLogger } from './transport-logger.js';

const EVENTS = { GROUP_JOIN: 'join', CRASH: 'crash', HEARTBEAT: 'heartbeat' };

/** Makes kafkajs consumers that join at once when run; counts those connected. */
function joiningConsumers() {
  let connected = 0;
  const consumerFactory = () => {
    const listeners = new Map<string, ((event: { payload: object }) => void)[]>();
    return {
      events: EVENTS,
      on: (name: string, listener: (event: { payload: object }) => void) =>
        void listeners.set(name, [...(listeners.get(name) ?? []), listener]),
      connect: async () => void (connected += 1),
      subscribe: async () => undefined,
      run: async (_: ConsumerRunConfig) => {
        const payload = { memberId: 'm', memberAssignment: { t: [0] } };
        listeners.get(EVENTS.GROUP_JOIN)?.forEach((listener) => listener({ payload }));
      },
      disconnect: async () => void (connected -= 1),
    } as unknown as Consumer;
  };
  return { consumerFactory, connected: () => connected };
}

function transportWith(consumerFactory: () => Consumer): KafkaTransport {
  const options = { brokers: ['kafka:9092'], clientId: 'test' };
  return new KafkaTransport(options, { logger: silentTransportLogger, consumerFactory });
}

const start = { groupId: 'g', topics: ['t'], handleBatch: async () => ({ deadLetters: [] }) };

describe('the Kafka transport', () => {
  it('forgets each consumer its owner stopped, and still stops the live ones at close', async () => {
    const { consumerFactory, connected } = joiningConsumers();
    const transport = transportWith(consumerFactory);

    for (let round = 0; round < 50; round++) {
      const consumer = transport.createConsumer();
      await consumer.start(start);
      await consumer.stop();
    }
    const neverStarted = transport.createConsumer();
    await neverStarted.stop();
    expect(transport.liveConsumerCount).toBe(0);

    const live = transport.createConsumer();
    await live.start(start);
    expect(transport.liveConsumerCount).toBe(1);
    await transport.close();
    expect(live.isMember()).toBe(false);
    expect(connected()).toBe(0);
    expect(transport.liveConsumerCount).toBe(0);
  });
});
