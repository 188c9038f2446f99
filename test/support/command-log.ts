// The commands really delivered on Kafka, and what they say about duplicates.
import { HEADERS } from '#contracts';
import { readTopics } from './topic-reader.js';

/** One record of a command topic. */
export interface CommandRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** The producer's timestamp (epoch ms): when the coordinator published it. */
  readonly timestamp: number;
  /** The `saga-message-id` header. */
  readonly headerMessageId: string | undefined;
  readonly messageId: string;
  readonly sagaId: string;
  readonly stepId: string;
  readonly action: string;
  readonly attempt: number;
  readonly idempotencyKey: string;
  readonly commandType: string;
}

/** Every command now on `topics`, read from the beginning to the end of each partition. */
export async function readCommandLog(
  topics: readonly string[],
  timeoutMs = 30_000,
): Promise<CommandRecord[]> {
  const records = await readTopics(topics, timeoutMs);
  return records.map((record) => {
    const body = JSON.parse(record.value ?? 'null') as Omit<
      CommandRecord,
      'topic' | 'partition' | 'offset' | 'timestamp' | 'headerMessageId'
    >;
    return {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      timestamp: record.timestamp,
      headerMessageId: record.headers[HEADERS.messageId],
      messageId: body.messageId,
      sagaId: body.sagaId,
      stepId: body.stepId,
      action: body.action,
      attempt: body.attempt,
      idempotencyKey: body.idempotencyKey,
      commandType: body.commandType,
    };
  });
}

/** What the command log says about duplicates, given the times the coordinator was killed. */
export interface DuplicateReport {
  /** Command message ids delivered more than once. */
  readonly duplicatedIds: number;
  /** Records beyond the first of each message id. */
  readonly extraCopies: number;
  /** Message ids delivered more often than `kills + 1`. */
  readonly overTheWindow: string[];
  /**
   * Message ids with two copies published by the same coordinator life: a duplicate the
   * crash cannot explain (each life publishes a row once; only a successor republishes it).
   */
  readonly sameLife: string[];
  /** Records whose header and body message ids differ. */
  readonly headerMismatches: string[];
}

/**
 * Groups the records by message id. `killedAt` holds, in order, the time each coordinator life
 * was seen dead; a record published before the first of them belongs to life 0, and so on (a
 * successor is only spawned after its predecessor is seen dead, so lives do not overlap).
 */
export function duplicateReport(
  records: readonly CommandRecord[],
  killedAt: readonly number[],
): DuplicateReport {
  const byId = new Map<string, CommandRecord[]>();
  for (const record of records) {
    const copies = byId.get(record.messageId) ?? [];
    copies.push(record);
    byId.set(record.messageId, copies);
  }
  const lifeOf = (timestamp: number) => killedAt.filter((at) => at <= timestamp).length;
  const duplicated = [...byId].filter(([, copies]) => copies.length > 1);
  return {
    duplicatedIds: duplicated.length,
    extraCopies: duplicated.reduce((sum, [, copies]) => sum + copies.length - 1, 0),
    overTheWindow: duplicated
      .filter(([, copies]) => copies.length > killedAt.length + 1)
      .map(([id, copies]) => `${id} × ${copies.length}`),
    sameLife: duplicated
      .filter(([, copies]) => new Set(copies.map((c) => lifeOf(c.timestamp))).size < copies.length)
      .map(
        ([id, copies]) =>
          `${id}: published at ${copies.map((c) => `${c.timestamp} (life ${lifeOf(c.timestamp)})`).join(', ')}`,
      ),
    headerMismatches: records
      .filter((record) => record.headerMessageId !== record.messageId)
      .map((record) => `${record.topic}/${record.partition}@${record.offset}`),
  };
}
