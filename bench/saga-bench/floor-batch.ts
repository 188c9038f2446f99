import { randomUUID } from 'node:crypto';
import type { Message, Producer, TopicMessages } from 'kafkajs';
import type pg from 'pg';
import type { ReplyMessage } from '../../libs/contracts/src/index.js';
import { laneOf, toRecord, type FloorItem, type FloorRecord } from './floor-messages.js';
import {
  hasEnded,
  replyDecision,
  startDecision,
  type FloorDecision,
  type FloorSagaState,
} from './floor-saga.js';
import {
  claim,
  loadSagas,
  removePublished,
  writeBatch,
  type BatchWrites,
  type OutboxEntry,
  type StoredFloorSaga,
} from './floor-store.js';

/** Where the floor publishes, and how its outbox is laid out. */
export interface FloorBatchOptions {
  readonly topics: { readonly commands: string; readonly events: string; readonly replies: string };
  /** Outbox lanes (the coordinator's default: 8). */
  readonly lanes: number;
  /** Attempts at a batch's transaction before the floor gives up (default 5). */
  readonly attempts?: number;
  /** How long published outbox rows may wait for a batch to remove them, in ms (default 200). */
  readonly markSentAfterMs?: number;
}

/** What one batch decided and must publish once it has committed. */
interface Committed {
  readonly records: FloorRecord[];
  readonly outboxIds: string[];
}

/**
 * Runs the floor's batches: one Postgres transaction per batch (claim the keys and reply ids,
 * decide, write every row with multi-row statements, commit), then one publish of its commands
 * and events (acks = all). Saga states stay in memory between decisions (the row version in the
 * UPDATE still fences other writers); a saga not held is read back. Published outbox rows are
 * removed by the next batch's transaction, or on their own when none comes soon.
 */
export class FloorBatches {
  private readonly sagas = new Map<string, StoredFloorSaga>();
  private published: string[] = [];
  private markTimer: NodeJS.Timeout | undefined;
  private marking: Promise<void> | undefined;

  constructor(
    private readonly pool: pg.Pool,
    private readonly producer: Producer,
    private readonly options: FloorBatchOptions,
  ) {}

  /** Decides, stores and publishes one batch; rejects only when its transaction keeps failing. */
  async process(items: readonly FloorItem[]): Promise<void> {
    const attempts = this.options.attempts ?? 5;
    let committed: Committed;
    for (let attempt = 1; ; attempt++) {
      try {
        committed = await this.commit(items);
        break;
      } catch (error) {
        if (attempt >= attempts) throw error;
        // Whatever it held for these sagas may be stale: read them back on the next try.
        for (const item of items) if (item.kind === 'reply') this.sagas.delete(item.reply.sagaId);
        console.error(`floor: batch attempt ${attempt} failed, retrying: ${String(error)}`);
        await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
      }
    }
    await this.publish(committed.records);
    this.published.push(...committed.outboxIds);
    this.markSentSoon();
  }

  /** Marks what was published sent, now (at shutdown). */
  async flushSent(): Promise<void> {
    clearTimeout(this.markTimer);
    this.markTimer = undefined;
    await this.marking;
    await this.markPublished();
  }

  private async commit(items: readonly FloorItem[]): Promise<Committed> {
    const at = Date.now();
    const replyTo = this.options.topics.replies;
    const starts: { decision: FloorDecision; idempotencyKey: string }[] = [];
    const replies: ReplyMessage[] = [];
    for (const item of items) {
      if (item.kind === 'reply') replies.push(item.reply);
      else {
        const decision = startDecision(randomUUID(), item.input, at, replyTo);
        starts.push({ decision, idempotencyKey: item.idempotencyKey });
      }
    }
    const sent = this.published;
    this.published = [];
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const claimed = await claim(
        client,
        starts.map(({ decision, idempotencyKey }) => ({ state: decision.state, idempotencyKey })),
      );
      const stored = await this.storedSagas(client, replies);
      const inserted = starts
        .filter(({ decision }) => claimed.has(decision.state.sagaId))
        .map(({ decision }) => decision);
      // A copy of a reply, in this batch or later, is fenced by the state its first one left.
      const decided = this.decideReplies(replies, stored, at, replyTo);
      const writes = this.writesOf(inserted, decided, stored, sent);
      const outboxIds = await writeBatch(client, writes.rows);
      await client.query('COMMIT');
      this.remember(inserted, decided.states, stored);
      return { records: writes.records, outboxIds };
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      this.published.unshift(...sent);
      throw error;
    } finally {
      client.release();
    }
  }

  /** The stored sagas the replies name: from memory, the rest read back. */
  private async storedSagas(
    client: pg.ClientBase,
    replies: readonly ReplyMessage[],
  ): Promise<Map<string, StoredFloorSaga>> {
    const stored = new Map<string, StoredFloorSaga>();
    const missing: string[] = [];
    for (const { sagaId } of replies) {
      const saga = this.sagas.get(sagaId);
      if (saga) stored.set(sagaId, saga);
      else missing.push(sagaId);
    }
    if (missing.length > 0) {
      for (const [sagaId, saga] of await loadSagas(client, missing)) stored.set(sagaId, saga);
    }
    return stored;
  }

  /** Applies the replies in order; a saga's later reply in the batch sees its earlier one. */
  private decideReplies(
    replies: readonly ReplyMessage[],
    stored: ReadonlyMap<string, StoredFloorSaga>,
    at: number,
    replyTo: string,
  ): { decisions: FloorDecision[]; states: Map<string, FloorSagaState> } {
    const decisions: FloorDecision[] = [];
    const states = new Map<string, FloorSagaState>();
    for (const reply of replies) {
      const current = states.get(reply.sagaId) ?? stored.get(reply.sagaId)?.state;
      // A reply for a saga unknown here is ignored.
      if (current === undefined) continue;
      const decision = replyDecision(current, reply, at, replyTo);
      decisions.push(decision);
      if (decision.state !== current) states.set(reply.sagaId, decision.state);
    }
    return { decisions, states };
  }

  private writesOf(
    inserted: readonly FloorDecision[],
    decided: { decisions: FloorDecision[]; states: Map<string, FloorSagaState> },
    stored: ReadonlyMap<string, StoredFloorSaga>,
    sent: readonly string[],
  ): { rows: BatchWrites; records: FloorRecord[] } {
    const all = [...inserted, ...decided.decisions];
    const records: FloorRecord[] = [];
    const outbox: OutboxEntry[] = [];
    const { topics, lanes } = this.options;
    for (const decision of all) {
      const sagaId = decision.state.sagaId;
      const lane = laneOf(sagaId, lanes);
      // The bench starts each saga with its input's key as the idempotency key.
      const idempotencyKey = decision.state.input.key;
      for (const outgoing of decision.outgoing) {
        const record = toRecord(outgoing, topics, idempotencyKey);
        records.push(record);
        const { topic, key, value } = record;
        const headersFrom = outgoing.kind === 'command' ? 1 : 2;
        outbox.push({ sagaId, lane, topic, key, headersFrom, value });
      }
    }
    const updated = [...decided.states.values()];
    return {
      records,
      rows: {
        updates: updated.map((state) => ({
          state,
          rowVersion: stored.get(state.sagaId)!.rowVersion,
        })),
        audit: all.map((decision) => ({ ...decision.audit, sagaId: decision.state.sagaId })),
        outbox,
        timers: all.flatMap(({ state: { sagaId }, timersSet, timersCancelled }) => [
          ...timersCancelled.map((id) => ({ id, sagaId, armed: false })),
          ...timersSet.map((id) => ({ id, sagaId, armed: true })),
        ]),
        sent,
      },
    };
  }

  /** Keeps the committed states of sagas still running; forgets the ended ones. */
  private remember(
    inserted: readonly FloorDecision[],
    states: ReadonlyMap<string, FloorSagaState>,
    stored: ReadonlyMap<string, StoredFloorSaga>,
  ): void {
    for (const { state } of inserted) this.sagas.set(state.sagaId, { state, rowVersion: 1 });
    for (const [sagaId, state] of states) {
      if (hasEnded(state)) this.sagas.delete(sagaId);
      else this.sagas.set(sagaId, { state, rowVersion: stored.get(sagaId)!.rowVersion + 1 });
    }
  }

  /**
   * Publishes a committed batch in requests of at most MAX_REQUEST_BYTES (the broker refuses a
   * partition's batch over 1 MB), one after the other so each saga's messages keep their order.
   * kafkajs retries what may pass; so does this, until it goes through. An error no retry can
   * fix (a message too large) rejects: the floor stops rather than lose what it committed.
   */
  private async publish(records: readonly FloorRecord[]): Promise<void> {
    for (const chunk of requestsOf(records)) {
      for (let attempt = 1; ; attempt++) {
        try {
          await this.producer.sendBatch({ topicMessages: chunk, acks: -1 });
          break;
        } catch (error) {
          if ((error as { retriable?: unknown }).retriable === false) throw error;
          console.error(`floor: publish attempt ${attempt} failed, retrying: ${String(error)}`);
          await new Promise((resolve) => setTimeout(resolve, Math.min(100 * attempt, 2_000)));
        }
      }
    }
  }

  private markSentSoon(): void {
    if (this.markTimer !== undefined) return;
    this.markTimer = setTimeout(() => {
      this.markTimer = undefined;
      this.marking = this.markPublished().finally(() => (this.marking = undefined));
    }, this.options.markSentAfterMs ?? 200);
    this.markTimer.unref();
  }

  private async markPublished(): Promise<void> {
    const ids = this.published;
    if (ids.length === 0) return;
    this.published = [];
    try {
      const client = await this.pool.connect();
      try {
        await removePublished(client, ids);
      } finally {
        client.release();
      }
    } catch (error) {
      this.published.unshift(...ids);
      console.error(`floor: marking outbox rows sent failed: ${String(error)}`);
    }
  }
}

/** Bytes of messages per produce request, well under the broker's 1 MB per partition batch. */
const MAX_REQUEST_BYTES = 512 * 1024;

/** The records grouped by topic, cut into requests of at most MAX_REQUEST_BYTES, in order. */
function requestsOf(records: readonly FloorRecord[]): TopicMessages[][] {
  const requests: TopicMessages[][] = [];
  let byTopic = new Map<string, Message[]>();
  let bytes = 0;
  for (const { topic, key, headers, headersJson, value } of records) {
    const size = key.length + headersJson.length + value.length;
    if (bytes > 0 && bytes + size > MAX_REQUEST_BYTES) {
      requests.push(toTopicMessages(byTopic));
      byTopic = new Map();
      bytes = 0;
    }
    let messages = byTopic.get(topic);
    if (!messages) byTopic.set(topic, (messages = []));
    messages.push({ key, headers, value });
    bytes += size;
  }
  if (bytes > 0) requests.push(toTopicMessages(byTopic));
  return requests;
}

function toTopicMessages(byTopic: Map<string, Message[]>): TopicMessages[] {
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
