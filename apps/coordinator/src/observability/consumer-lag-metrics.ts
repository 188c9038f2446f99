import { Kafka, logLevel, type Admin, type KafkaConfig } from 'kafkajs';
import { Gauge, type Registry } from 'prom-client';

/** A consumer group and the topic it reads. */
export interface ConsumedTopic {
  readonly groupId: string;
  readonly topic: string;
}

const LAG_TIMEOUT_MS = 2_000;

/**
 * Registers `saga_consumer_lag`: per group and topic, the messages on the broker not yet
 * committed by the group (summed over partitions; a partition the group never committed counts
 * from its oldest retained message). Read at each scrape through a Kafka admin client that is
 * connected on first use; a scrape that cannot reach the broker leaves the gauge empty.
 * Returns a function that disconnects the admin client.
 */
export function registerConsumerLagMetrics(
  registry: Registry,
  brokers: readonly string[],
  consumed: () => readonly ConsumedTopic[],
  security: Pick<KafkaConfig, 'ssl' | 'sasl'> = {},
): () => Promise<void> {
  let admin: Promise<Admin> | undefined;
  const connected = () =>
    (admin ??= (async () => {
      const client = new Kafka({
        ...security,
        clientId: 'saga-coordinator-metrics',
        brokers: [...brokers],
        logLevel: logLevel.NOTHING,
      }).admin();
      await client.connect();
      return client;
    })().catch((error: unknown) => {
      admin = undefined;
      throw error;
    }));
  const gauge = new Gauge({
    name: 'saga_consumer_lag',
    help: 'Messages not yet consumed (committed) by a consumer group, by group and topic.',
    labelNames: ['group', 'topic'],
    registers: [registry],
    async collect() {
      gauge.reset();
      const entries = consumed();
      if (entries.length === 0) return;
      try {
        const client = await withTimeout(connected());
        for (const { groupId, topic } of entries) {
          gauge.set({ group: groupId, topic }, await withTimeout(lagOf(client, groupId, topic)));
        }
      } catch {
        // The broker is unreachable or slow: no figure rather than a stale or made-up one.
      }
    },
  });
  return async () => {
    const pending = admin;
    admin = undefined;
    await (await pending?.catch(() => undefined))?.disconnect();
  };
}

async function lagOf(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [ends, [committed]] = await Promise.all([
    admin.fetchTopicOffsets(topic),
    admin.fetchOffsets({ groupId, topics: [topic] }),
  ]);
  const position = new Map(
    (committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]),
  );
  let lag = 0n;
  for (const end of ends) {
    const at = position.get(end.partition) ?? -1n;
    const from = at < 0n ? BigInt(end.low) : at;
    if (BigInt(end.high) > from) lag += BigInt(end.high) - from;
  }
  return Number(lag);
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), LAG_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
