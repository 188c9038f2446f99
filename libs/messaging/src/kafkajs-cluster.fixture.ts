import { createRequire } from 'node:module';
import type { Kafka, Producer, ProducerConfig } from 'kafkajs';

/** One partition's part of a produce request a fake broker acknowledged. */
export interface Written {
  readonly broker: number;
  readonly partition: number;
  readonly values: string[];
  readonly firstSequence: number;
}

interface PartitionData {
  partition: number;
  firstSequence: number;
  messages: { value: string }[];
}
interface ProduceRequest {
  topicData: { topic: string; partitions: PartitionData[] }[];
}

const require = createRequire(import.meta.url);
const createProducer = require('kafkajs/src/producer/index.js') as (
  options: Record<string, unknown>,
) => Producer;
/** A kafkajs logger that says nothing, for kafkajs's own producer and admin over a fake. */
export const quiet = {
  namespace: () => quiet,
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

/**
 * A Kafka client whose producers are kafkajs 2.2.4's own (its sendMessages, retrier and
 * sequence numbers: producer/index.js) over a fake cluster of one topic. `leaders[p]` is the
 * broker leading partition p; `refuse(broker, error)` has that broker throw `error` at its next
 * produce; `onRefresh` runs when kafkajs refreshes its metadata (to move leaders).
 */
export function kafkajsOverFakeCluster(topic: string, leaders: number[]) {
  const written: Written[] = [];
  const refusals = new Map<number, Error>();
  let onRefresh = (): void => undefined;
  const broker = (nodeId: number) => ({
    nodeId,
    initProducerId: async () => ({ producerId: 7, producerEpoch: 0 }),
    produce: async ({ topicData }: ProduceRequest) => {
      const refusal = refusals.get(nodeId);
      refusals.delete(nodeId);
      if (refusal) throw refusal;
      const partitions = topicData.flatMap((entry) => entry.partitions);
      for (const { partition, firstSequence, messages } of partitions) {
        const values = messages.map((message) => message.value);
        written.push({ broker: nodeId, partition, values, firstSequence });
      }
      return {
        topics: topicData.map((entry) => ({
          topicName: entry.topic,
          partitions: entry.partitions.map(({ partition }) => ({ partition, errorCode: 0 })),
        })),
      };
    },
  });
  const brokers = new Map([1, 2, 3].map((nodeId) => [nodeId, broker(nodeId)]));
  const metadata = () => leaders.map((leader, partitionId) => ({ partitionId, leader }));
  const cluster = {
    connect: async () => undefined,
    disconnect: async () => undefined,
    isConnected: () => true,
    refreshMetadata: async () => onRefresh(),
    refreshMetadataIfNecessary: async () => undefined,
    addMultipleTargetTopics: async () => undefined,
    removeBroker: () => undefined,
    findControllerBroker: async () => brokers.get(1),
    findBroker: async ({ nodeId }: { nodeId: string }) => brokers.get(Number(nodeId)),
    findTopicPartitionMetadata: (name: string) => (name === topic ? metadata() : []),
    findLeaderForPartitions: (_name: string, partitions: string[]) => {
      const byLeader: Record<number, number[]> = {};
      for (const partition of partitions.map(Number)) {
        (byLeader[leaders[partition]!] ??= []).push(partition);
      }
      return byLeader;
    },
  };
  const kafka = {
    producer: (config: ProducerConfig) => createProducer({ ...config, cluster, logger: quiet }),
  } as unknown as Kafka;
  return {
    kafka,
    written,
    refuse: (nodeId: number, error: Error) => void refusals.set(nodeId, error),
    set onRefresh(run: () => void) {
      onRefresh = run;
    },
  };
}

/** kafkajs's error for a broker error code, e.g. 6: NOT_LEADER_FOR_PARTITION (retriable). */
export function kafkajsProtocolError(code: number): Error {
  const { createErrorFromCode } = require('kafkajs/src/protocol/error.js') as {
    createErrorFromCode: (code: number) => Error;
  };
  return createErrorFromCode(code);
}
