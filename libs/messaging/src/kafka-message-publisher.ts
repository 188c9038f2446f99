import type { Kafka, Message, Producer, TopicMessages } from 'kafkajs';
import { toTopicMessages } from './kafka-message-mapping.js';
import { PartitionLedger } from './partition-ledger.js';
import { toKafkaRetry, type ResolvedKafkaTransportOptions } from './kafka-transport-options.js';
import { type TransportLogger } from './transport-logger.js';
import { describeError } from '#errors';
import type { MessagePublisher, OutgoingMessage } from '#saga-core';
import { withoutClientTracing } from '#tracing';

/**
 * Sends raw Kafka records to one topic, acknowledged by all in-sync replicas (for dead letters),
 * headers as given: the Kafka client's instrumentation writes no trace context over theirs.
 */
export interface KafkaRecordSender {
  sendRecords(topic: string, records: readonly Message[]): Promise<void>;
}

/**
 * Publishes through one idempotent kafkajs producer (acks = all), connected on first use.
 * Keys are partitioned with the Java client's murmur2 partitioner, so other clients agree.
 *
 * kafkajs rolls a partition's sequence numbers back when a produce request fails, and if that
 * request was in fact written (a timeout, NOT_ENOUGH_REPLICAS_AFTER_APPEND), the next request
 * to that partition would reuse them and the broker would drop it as a duplicate while
 * acknowledging it: the message is lost, its sender told it went. So a batch waits for the
 * batches before it that share a topic with it (a batch waiting for the broker lock inside
 * kafkajs would take the rolled-back numbers while the failed one is retried); batches of other
 * topics go at once, so a topic that is gone, which kafkajs retries for seconds, holds up only
 * its own. After a failed publish the producer is replaced (a new producer id starts clean),
 * and the old one is disconnected once the batches still on it have settled.
 *
 * kafkajs may resolve a sendBatch with partitions it never wrote (kafkajs #1303: see
 * PartitionLedger), so a batch resolves only once the ledger finds every partition it went to
 * acknowledged; the topics with one missing are sent again at once, on the same producer, up to
 * `producer.retry.retries` times. kafkajs keeps its own retries: its idempotent producer refuses
 * to go without (a retry resends a failed partition's records with the same sequence numbers, so
 * that a copy the broker wrote is dropped as a duplicate), and a resend here does the same: the
 * missing partition's numbers were rolled back, nothing else went to it since, and the keys put
 * the same records on it. An acknowledged partition resent takes new numbers: a second copy,
 * which consumers dedupe.
 */
export class KafkaMessagePublisher implements MessagePublisher, KafkaRecordSender {
  private producer: Promise<Producer> | undefined;
  private closed = false;
  /** Per topic, settles once the batches to it handed in so far are sent or failed. */
  private readonly lastSendTo = new Map<string, Promise<unknown>>();
  /** Per producer, the batches on it not yet settled. */
  private readonly onProducer = new Map<Promise<Producer>, Set<Promise<unknown>>>();
  /** The partitions kafkajs put each topic's batch in flight on, and those it acknowledged. */
  private readonly ledger = new PartitionLedger();

  constructor(
    private readonly kafka: Kafka,
    private readonly options: ResolvedKafkaTransportOptions,
    private readonly logger: TransportLogger,
  ) {}

  async publish(messages: readonly OutgoingMessage[]): Promise<void> {
    if (messages.length === 0) return;
    await this.send(toTopicMessages(messages));
  }

  async sendRecords(topic: string, records: readonly Message[]): Promise<void> {
    if (records.length === 0) return;
    // A dead letter keeps the trace context it came with, byte for byte.
    await withoutClientTracing(() => this.send([{ topic, messages: [...records] }]));
  }

  /** Disconnects the producer; later publishes reject. Idempotent. */
  async close(): Promise<void> {
    this.closed = true;
    const producer = this.producer;
    this.producer = undefined;
    const connected = await producer?.catch(() => undefined);
    await connected?.disconnect();
  }

  /** Sends the batch once those handed in before it to any of its topics have settled. */
  private send(topicMessages: TopicMessages[]): Promise<void> {
    const topics = [...new Set(topicMessages.map((entry) => entry.topic))];
    const before = topics.flatMap((topic) => this.lastSendTo.get(topic) ?? []);
    const sent = Promise.all(before).then(() => this.sendNow(topicMessages, topics));
    const settled = sent.catch(() => undefined);
    for (const topic of topics) this.lastSendTo.set(topic, settled);
    void settled.then(() => {
      for (const topic of topics) {
        if (this.lastSendTo.get(topic) === settled) this.lastSendTo.delete(topic);
      }
    });
    return sent;
  }

  private async sendNow(topicMessages: TopicMessages[], topics: string[]): Promise<void> {
    // A producer replaced (or closed) while this waited for it is not used: its disconnect waits
    // only for the batches on it then, and kafkajs would connect it again for this one, for good.
    // No await between the check and `batches.add`, so a replacement always sees this batch.
    let pending: Promise<Producer>;
    let producer: Producer;
    do {
      pending = this.connected();
      producer = await pending;
    } while (pending !== this.producer);
    const sending = this.sendAcknowledged(producer, topicMessages, topics);
    const batches = this.onProducer.get(pending) ?? new Set<Promise<unknown>>();
    this.onProducer.set(pending, batches);
    batches.add(sending);
    try {
      await sending;
    } catch (error) {
      this.replace(pending, error);
      throw error;
    } finally {
      batches.delete(sending);
    }
  }

  /** Sends the batch, then again each topic with a partition it went to not acknowledged. */
  private async sendAcknowledged(
    producer: Producer,
    topicMessages: TopicMessages[],
    topics: string[],
  ): Promise<void> {
    for (let resends = 0; ; resends++) {
      this.ledger.open(topics);
      const acknowledged = await producer.sendBatch({
        topicMessages,
        acks: -1,
        timeout: this.options.producer.ackTimeoutMs,
      });
      const missing = this.ledger.unacknowledged(topics, acknowledged);
      if (missing === undefined) return;
      if (resends === this.options.producer.retry.retries) {
        throw new Error(`Kafka acknowledged no write to some partitions of ${missing.join(', ')}`);
      }
      this.logger.log('warn', 'kafkajs left partitions unwritten; their topics are sent again', {
        component: 'kafka-publisher',
        topics: missing,
      });
      topics = missing;
      topicMessages = topicMessages.filter((entry) => missing.includes(entry.topic));
    }
  }

  private connected(): Promise<Producer> {
    if (this.closed) return Promise.reject(new Error('the Kafka publisher is closed'));
    if (!this.producer) {
      const producer = this.kafka.producer({
        idempotent: true,
        allowAutoTopicCreation: false,
        createPartitioner: this.ledger.createPartitioner,
        retry: toKafkaRetry(this.options.producer.retry),
      });
      const connecting = producer.connect().then(() => producer);
      this.producer = connecting;
      connecting.catch(() => {
        if (this.producer === connecting) this.producer = undefined;
      });
    }
    return this.producer;
  }

  private replace(failed: Promise<Producer>, error: unknown): void {
    if (this.producer !== failed) return;
    this.producer = undefined;
    this.logger.log('warn', 'Publish failed; the producer is replaced before the next publish', {
      component: 'kafka-publisher',
      error: describeError(error),
    });
    // Batches of other topics may still be on it: disconnected under them, kafkajs would
    // reconnect it to retry them, and nothing would close it.
    const still = [...(this.onProducer.get(failed) ?? [])];
    this.onProducer.delete(failed);
    void Promise.allSettled(still)
      .then(() => failed)
      .then((producer) => producer.disconnect())
      .catch(() => undefined);
  }
}
