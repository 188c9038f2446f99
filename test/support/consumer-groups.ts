// Consumer groups on the real broker, seen from outside: who holds which partitions, and
// whether a group has handled everything published so far.
import { AssignerProtocol, Kafka, logLevel, type Admin } from 'kafkajs';
import { kafkaBrokers } from './services.js';
import { waitFor } from './wait-for.js';

async function withAdmin<T>(work: (admin: Admin) => Promise<T>): Promise<T> {
  const kafka = new Kafka({
    clientId: 'test-consumer-groups',
    brokers: kafkaBrokers(),
    logLevel: logLevel.ERROR,
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
}

/** A member of a consumer group and the partitions it was assigned, by topic. */
export interface GroupMember {
  readonly clientId: string;
  readonly memberId: string;
  readonly partitions: Readonly<Record<string, number[]>>;
}

/** The group's state (`Stable` once a rebalance is over) and its members with their assignment. */
export async function describeGroup(
  groupId: string,
): Promise<{ state: string; members: GroupMember[] }> {
  return withAdmin(async (admin) => {
    const { groups } = await admin.describeGroups([groupId]);
    const group = groups[0];
    return {
      state: group?.state ?? 'Unknown',
      members: (group?.members ?? []).map((member) => ({
        clientId: member.clientId,
        memberId: member.memberId,
        partitions:
          member.memberAssignment.length > 0
            ? (AssignerProtocol.MemberAssignment.decode(member.memberAssignment)?.assignment ?? {})
            : {},
      })),
    };
  });
}

/**
 * Waits until each consumer group has committed, on every partition of its topic, the offset
 * that follows the last record there: it has handled everything published so far.
 */
export async function waitForGroupsToCatchUp(
  groups: readonly { groupId: string; topic: string }[],
  timeoutMs = 30_000,
): Promise<void> {
  await withAdmin(async (admin) => {
    await waitFor(
      `consumer groups ${groups.map((g) => g.groupId).join(', ')} to catch up`,
      async () => {
        for (const { groupId, topic } of groups) {
          const ends = await admin.fetchTopicOffsets(topic);
          const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
          for (const { partition, high } of ends) {
            const offset = committed?.partitions.find((p) => p.partition === partition)?.offset;
            const position = offset === undefined || offset === '-1' ? 0n : BigInt(offset);
            if (position < BigInt(high)) return false;
          }
        }
        return true;
      },
      { timeoutMs, intervalMs: 200 },
    );
  });
}

/** The end (high watermark) of each partition of `topic`: how many records it ever got. */
export async function partitionEnds(topic: string): Promise<Record<number, number>> {
  return withAdmin(async (admin) =>
    Object.fromEntries(
      (await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [
        partition,
        Number(high),
      ]),
    ),
  );
}
