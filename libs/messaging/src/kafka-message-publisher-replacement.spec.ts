import type { Kafka, Producer, ProducerBatch, RecordMetadata } from 'kafkajs';
import { KafkaMessagePublisher } from './kafka-message-publisher.js';
import { resolveKafkaTransportOptions } from './kafka-transport-options.js';
import { silentTransportLogger } from './transport-logger.js';

interface FakeProducer {
  readonly id: number;
  connected: boolean;
}

/**
 * A Kafka client whose producers connect when the test says and whose batches settle when it
 * says. As kafkajs does, a producer disconnected under a batch connects again to finish it.
 */
function heldKafka() {
  const producers: FakeProducer[] = [];
  const connects: (() => void)[] = [];
  const batches: { producer: number; settle: (error?: Error) => void }[] = [];
  const kafka = {
    producer() {
      const made: FakeProducer = { id: producers.length + 1, connected: false };
      producers.push(made);
      return {
        connect: () =>
          new Promise<void>((resolve) =>
            connects.push(() => resolve(void (made.connected = true))),
          ),
        disconnect: async () => void (made.connected = false),
        sendBatch: (_: ProducerBatch) =>
          new Promise<RecordMetadata[]>((resolve, reject) => {
            made.connected = true;
            batches.push({
              producer: made.id,
              settle: (error) => {
                made.connected = true;
                if (error) reject(error);
                else resolve([]);
              },
            });
          }),
      } as unknown as Producer;
    },
  } as unknown as Kafka;
  const turn = () => new Promise((resolve) => setImmediate(resolve));
  /** Lets every promise settle, and every connect asked for meanwhile finish. */
  const flush = async () => {
    await turn();
    for (const connect of connects.splice(0)) connect();
    await turn();
  };
  const connectedIds = () => producers.filter((p) => p.connected).map((p) => p.id);
  return { kafka, producers, batches, turn, flush, connectedIds };
}

const options = resolveKafkaTransportOptions({ brokers: ['kafka:9092'], clientId: 'test' });
const message = (topic: string, value: string) => ({ topic, key: 'k', headers: {}, value });

describe('the Kafka publisher replacing its producer', () => {
  it('sends a publish started in the same turn as a failure on the new producer, and leaves only that one connected', async () => {
    const { kafka, producers, batches, flush, connectedIds } = heldKafka();
    const publisher = new KafkaMessagePublisher(kafka, options, silentTransportLogger);
    const failing = publisher.publish([message('a', '1')]);
    await flush();

    batches[0]!.settle(new Error('Request timed out'));
    const next = publisher.publish([message('b', '2')]); // the same turn
    await expect(failing).rejects.toThrow('Request timed out');
    await flush();
    batches[1]!.settle();
    await expect(next).resolves.toBeUndefined();
    const last = publisher.publish([message('c', '3')]);
    await flush();
    batches[2]!.settle();
    await expect(last).resolves.toBeUndefined();
    await flush();

    expect(connectedIds()).toEqual([2]);
    expect(producers).toHaveLength(2);
    expect(batches.map((batch) => batch.producer)).toEqual([1, 2, 2]);
  });

  it('sends nothing on a producer closed while the publish waited for it to connect', async () => {
    const { kafka, batches, turn, flush, connectedIds } = heldKafka();
    const publisher = new KafkaMessagePublisher(kafka, options, silentTransportLogger);
    const refused = expect(publisher.publish([message('a', '1')])).rejects.toThrow('closed');
    await turn(); // it waits for the connect

    const closing = publisher.close();
    await flush();
    await closing;

    expect(batches).toHaveLength(0);
    expect(connectedIds()).toEqual([]);
    await refused;
  });
});
