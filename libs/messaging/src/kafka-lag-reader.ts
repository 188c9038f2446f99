import { logLevel, type Admin } from 'kafkajs';
import type { KafkaClientSecurity } from './kafka-security.js';
import { kafkaClient } from './kafka-client.js';

/** A partition's oldest retained offset and the offset its next message gets. */
export interface PartitionEnds {
  readonly low: bigint;
  readonly high: bigint;
}

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
    const [ends, committed] = await Promise.all([
      this.partitionEnds(topic),
      this.committedOffsets(groupId, topic),
    ]);
    let lag = 0n;
    for (const [partition, { low, high }] of ends) {
      const at = committed.get(partition) ?? -1n;
      const from = at < 0n ? low : at;
      if (high > from) lag += high - from;
    }
    return Number(lag);
  }

  /** Per partition of `topic`: its oldest retained offset and the offset its next message gets. */
  async partitionEnds(topic: string): Promise<Map<number, PartitionEnds>> {
    const admin = await this.connected();
    const ends = await admin.fetchTopicOffsets(topic);
    return new Map(
      ends.map((end) => [end.partition, { low: BigInt(end.low), high: BigInt(end.high) }]),
    );
  }

  /** Per partition of `topic`: the offset `groupId` committed, -1 where it never did. */
  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    const admin = await this.connected();
    const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return new Map((committed?.partitions ?? []).map((p) => [p.partition, BigInt(p.offset)]));
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
