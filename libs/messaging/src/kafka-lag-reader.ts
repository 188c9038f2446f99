import { logLevel, type Admin } from 'kafkajs';
import type { KafkaClientSecurity } from './kafka-security.js';
import { kafkaClient } from './kafka-client.js';

/**
 * Reads how far consumer groups are behind, through one admin client connected on first use
 * (and again after a failed connection).
 */
export class KafkaLagReader {
  private admin: Promise<Admin> | undefined;

  constructor(
    private readonly brokers: readonly string[],
    private readonly security: KafkaClientSecurity = {},
    private readonly clientId = 'saga-coordinator-metrics',
  ) {}

  /**
   * The messages of `topic` the group has not committed, summed over partitions; a partition
   * the group never committed counts from its oldest retained message.
   */
  async lagOf(groupId: string, topic: string): Promise<number> {
    const admin = await this.connected();
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

  /** Disconnects the admin client, if one was connected. */
  async close(): Promise<void> {
    const pending = this.admin;
    this.admin = undefined;
    await (await pending?.catch(() => undefined))?.disconnect();
  }

  private connected(): Promise<Admin> {
    return (this.admin ??= (async () => {
      const client = kafkaClient({
        ...this.security,
        clientId: this.clientId,
        brokers: [...this.brokers],
        logLevel: logLevel.NOTHING,
      }).admin();
      await client.connect();
      return client;
    })().catch((error: unknown) => {
      this.admin = undefined;
      throw error;
    }));
  }
}
