import { partitionForKey } from './partition-for-key.js';
import { PartitionLog, type StoredRecord } from './partition-log.js';

export type { StoredRecord } from './partition-log.js';

/** How many records of a topic no group reads are kept by default: the last 10,000. */
export const UNREAD_RECORDS_KEPT = 10_000;

/** What an InMemoryBroker keeps; every field has a default. */
export interface InMemoryBrokerOptions {
  /**
   * How many records of a topic that no group reads now are kept: the last ones, this many
   * spread over its partitions (each keeps this / partitions, rounded up). Default
   * UNREAD_RECORDS_KEPT (10,000); 0 keeps none.
   */
  readonly unreadRecordsKept?: number;
}

/** What can be appended: a record without its offset and time. */
export type RecordToAppend = Omit<StoredRecord, 'offset' | 'appendedAtMs'>;

/** One partition of one topic. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A consumer's membership in a group: its current partitions, and commits fenced by them. */
export interface GroupMembership {
  /** The partitions this member owns now, in a stable order. */
  assigned(): TopicPartition[];
  /** Whether this member owns the partition now. */
  owns(topic: string, partition: number): boolean;
  /** The group's position in the partition: the offset of the next record to handle. */
  committed(topic: string, partition: number): number;
  /** Records `offset` as the group's position; refused (false) when the member no longer owns the partition. */
  commit(topic: string, partition: number, offset: number): boolean;
  /** Leaves the group; its partitions go to the other members at once. Idempotent. */
  leave(): void;
}

interface Member {
  readonly id: number;
  readonly topics: readonly string[];
  /** Called when records arrive on one of its topics or its assignment changes. */
  readonly notify: () => void;
  assigned: TopicPartition[];
}

interface Group {
  members: Member[];
  /** `topic/partition` → next offset to handle. */
  readonly committed: Map<string, number>;
}

const slot = (topic: string, partition: number): string => `${topic}/${partition}`;

/**
 * An in-process stand-in for a Kafka cluster: topics with partitions (records placed by key
 * hash), consumer groups whose members share partitions round-robin, and committed positions.
 * Synchronous and deterministic; consumers are told of changes through callbacks.
 *
 * It keeps what may still be read, not every record for ever (a coordinator left running would
 * run out of memory): a partition of a topic that groups read now keeps the records from the
 * lowest position of those groups on (a group that has not committed there holds all it has);
 * a topic that no group reads now (events, dead letters no one reads) keeps its last
 * `unreadRecordsKept`. Offsets go on growing. A group that joins later, or comes back after
 * its records were let go, starts at the first record kept, as Kafka's `earliest` does after
 * retention; within what is kept it reads as before.
 */
export class InMemoryBroker {
  private readonly topics = new Map<string, PartitionLog[]>();
  private readonly groups = new Map<string, Group>();
  /** Topic → how many members of any group read it now. */
  private readonly readers = new Map<string, number>();
  private readonly unreadRecordsKept: number;
  private nextMemberId = 1;

  constructor(options: InMemoryBrokerOptions = {}) {
    this.unreadRecordsKept = options.unreadRecordsKept ?? UNREAD_RECORDS_KEPT;
    if (!Number.isInteger(this.unreadRecordsKept) || this.unreadRecordsKept < 0) {
      throw new RangeError('unreadRecordsKept must be an integer ≥ 0');
    }
  }

  /** Creates a topic; false when it already exists (left as it is). */
  createTopic(topic: string, partitions: number): boolean {
    if (this.topics.has(topic)) return false;
    this.topics.set(
      topic,
      Array.from({ length: partitions }, () => new PartitionLog()),
    );
    return true;
  }

  /** The topic's partition count, or undefined when it does not exist. */
  partitionCount(topic: string): number | undefined {
    return this.topics.get(topic)?.length;
  }

  /** Throws unless every topic exists (as a broker refuses an unknown topic). */
  assertTopicsExist(topics: Iterable<string>): void {
    for (const topic of topics) {
      if (!this.topics.has(topic)) throw new Error(`unknown topic ${topic}: create it first`);
    }
  }

  /** Appends records to `topic`, each to the partition of its key (null keys go to partition 0). */
  append(topic: string, records: readonly RecordToAppend[]): void {
    this.assertTopicsExist([topic]);
    const partitions = this.topics.get(topic) ?? [];
    const appendedAtMs = Date.now();
    const read = (this.readers.get(topic) ?? 0) > 0;
    for (const record of records) {
      const partition = record.key === null ? 0 : partitionForKey(record.key, partitions.length);
      const log = partitions[partition];
      if (!log) throw new RangeError(`no partition ${partition} in ${topic}`);
      log.append({ ...record, headers: { ...record.headers }, appendedAtMs });
      if (!read) log.dropBefore(log.endOffset - this.unreadKeptPerPartition(partitions.length));
    }
    if (records.length > 0) this.notifyReaders(topic);
  }

  /** Up to `max` records of a partition from `offset` on (from the first kept, if that was let go). */
  read(topic: string, partition: number, offset: number, max: number): StoredRecord[] {
    return this.topics.get(topic)?.[partition]?.read(offset, max) ?? [];
  }

  /** The offset the next record of a partition will get (0 for none). */
  endOffset(topic: string, partition: number): number {
    return this.topics.get(topic)?.[partition]?.endOffset ?? 0;
  }

  /** Every record of a topic still kept, partition by partition (for tests and operators). */
  records(topic: string): StoredRecord[][] {
    return (this.topics.get(topic) ?? []).map((log) => log.records());
  }

  /** How many records of a topic sit in memory, over its partitions (for tests and operators). */
  recordsInMemory(topic: string): number {
    return (this.topics.get(topic) ?? []).reduce((sum, log) => sum + log.inMemory, 0);
  }

  /** The group's committed positions in `topic`, one per partition (0 when none). */
  committedOffsets(groupId: string, topic: string): number[] {
    const group = this.groups.get(groupId);
    const count = this.partitionCount(topic) ?? 0;
    return Array.from({ length: count }, (_, p) => group?.committed.get(slot(topic, p)) ?? 0);
  }

  /** Adds a member to a group and rebalances; `notify` is called on every change it should see. */
  join(groupId: string, topics: readonly string[], notify: () => void): GroupMembership {
    this.assertTopicsExist(topics);
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = { members: [], committed: new Map() }));
    const member: Member = {
      id: this.nextMemberId++,
      topics: [...new Set(topics)],
      notify,
      assigned: [],
    };
    group.members.push(member);
    for (const topic of member.topics) this.readers.set(topic, (this.readers.get(topic) ?? 0) + 1);
    this.rebalance(group);
    const joined = group;
    return {
      assigned: () => [...member.assigned],
      owns: (topic, partition) =>
        member.assigned.some((tp) => tp.topic === topic && tp.partition === partition),
      committed: (topic, partition) => this.positionOf(joined, topic, partition),
      commit: (topic, partition, offset) => {
        const owns = member.assigned.some((tp) => tp.topic === topic && tp.partition === partition);
        if (!owns || !joined.members.includes(member)) return false;
        joined.committed.set(slot(topic, partition), offset);
        this.letGo(topic, partition);
        return true;
      },
      leave: () => {
        if (!joined.members.includes(member)) return;
        joined.members = joined.members.filter((m) => m !== member);
        member.assigned = [];
        for (const topic of member.topics)
          this.readers.set(topic, (this.readers.get(topic) ?? 1) - 1);
        this.rebalance(joined);
        for (const topic of member.topics) {
          const count = this.partitionCount(topic) ?? 0;
          for (let partition = 0; partition < count; partition += 1) this.letGo(topic, partition);
        }
      },
    };
  }

  /** The group's next offset to handle: its commit, or the first record kept when that is later. */
  private positionOf(group: Group, topic: string, partition: number): number {
    const start = this.topics.get(topic)?.[partition]?.startOffset ?? 0;
    return Math.max(group.committed.get(slot(topic, partition)) ?? 0, start);
  }

  /**
   * Lets go of the records of a partition that no group reading its topic now may still
   * handle (the lowest position of those groups), or, when none reads it, all but its tail.
   */
  private letGo(topic: string, partition: number): void {
    const partitions = this.topics.get(topic) ?? [];
    const log = partitions[partition];
    if (!log) return;
    let keepFrom = Number.POSITIVE_INFINITY;
    for (const group of this.groups.values()) {
      if (!group.members.some((m) => m.topics.includes(topic))) continue;
      keepFrom = Math.min(keepFrom, this.positionOf(group, topic, partition));
    }
    if (keepFrom === Number.POSITIVE_INFINITY) {
      keepFrom = log.endOffset - this.unreadKeptPerPartition(partitions.length);
    }
    log.dropBefore(keepFrom);
  }

  private unreadKeptPerPartition(partitions: number): number {
    return Math.ceil(this.unreadRecordsKept / Math.max(1, partitions));
  }

  /** Deals each subscribed partition round-robin over the members subscribed to its topic. */
  private rebalance(group: Group): void {
    const before = new Map(
      group.members.map((m) => [
        m,
        m.assigned.map(({ topic, partition }) => slot(topic, partition)).join(),
      ]),
    );
    for (const member of group.members) member.assigned = [];
    const topics = [...new Set(group.members.flatMap((m) => m.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      const readers = group.members.filter((m) => m.topics.includes(topic));
      for (let partition = 0; partition < (this.partitionCount(topic) ?? 0); partition += 1) {
        const member = readers[turn % readers.length];
        turn += 1;
        member?.assigned.push({ topic, partition });
      }
    }
    for (const member of group.members) {
      const after = member.assigned.map(({ topic, partition }) => slot(topic, partition)).join();
      if (before.get(member) !== after) member.notify();
    }
  }

  private notifyReaders(topic: string): void {
    for (const group of this.groups.values()) {
      for (const member of group.members) if (member.topics.includes(topic)) member.notify();
    }
  }
}
