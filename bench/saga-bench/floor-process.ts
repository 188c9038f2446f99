// The floor of `npm run bench`: the bench saga with no framework, no engine and no validator,
// only kafkajs and pg. It consumes `saga.start` and `saga.replies`, and per batch (gathered across
// partitions) writes in one transaction what the coordinator writes per decision, then publishes
// the commands and events (acks = all, idempotent producer) and commits the offsets.
// Env: KAFKA_BROKERS, TOPIC_PREFIX, TOPIC_PARTITIONS (8), DATABASE_URL, DATABASE_SCHEMA,
//      FLOOR_MAX_IN_FLIGHT (transactions at once, 3), FLOOR_MAX_BATCH (messages per batch, 2000).
// Tells its parent 'ready' over IPC once its consumer has joined its group; SIGTERM stops it.
import { logLevel, type Consumer, type EachBatchPayload, type Kafka } from 'kafkajs';
import pg from 'pg';
import { topicNames } from '../../libs/contracts/src/topics.js';
import { keyPartitioner } from '../../libs/messaging/src/key-partitioner.js';
import { kafkaClient } from '../../libs/messaging/src/kafka-client.js';
import { FloorBatches } from './floor-batch.js';
import { parseReply, parseStart, type FloorItem } from './floor-messages.js';
import { GroupCommitPipeline } from './floor-pipeline.js';
import { FLOOR_SAGA } from './floor-saga.js';
import { createFloorSchema } from './floor-store.js';

const OUTBOX_LANES = 8;

async function main(): Promise<void> {
  const env = process.env;
  const brokers = (env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  if (brokers.length === 0) throw new Error('KAFKA_BROKERS is required');
  const databaseUrl = required('DATABASE_URL');
  const schema = required('DATABASE_SCHEMA');
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  const prefix = env.TOPIC_PREFIX ?? '';
  const partitions = Number(env.TOPIC_PARTITIONS ?? 8);
  const maxInFlight = Number(env.FLOOR_MAX_IN_FLIGHT ?? 3);
  const maxBatch = Number(env.FLOOR_MAX_BATCH ?? 2_000);
  const names = topicNames(prefix);
  const topics = {
    start: names.start,
    replies: names.replies,
    events: names.events,
    commands: names.commands(FLOOR_SAGA.participant),
  };

  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: maxInFlight + 1,
    application_name: 'bench-floor',
    options: `-c search_path=${schema}`,
  });
  const setup = await pool.connect();
  try {
    await createFloorSchema(setup, schema);
  } finally {
    setup.release();
  }

  const kafka = kafkaClient({ clientId: 'bench-floor', brokers, logLevel: logLevel.ERROR });
  await createTopics(kafka, Object.values(topics), partitions);
  const producer = kafka.producer({
    idempotent: true,
    allowAutoTopicCreation: false,
    createPartitioner: keyPartitioner,
  });
  await producer.connect();
  const batches = new FloorBatches(pool, producer, { topics, lanes: OUTBOX_LANES });
  const consumer = kafka.consumer({
    groupId: `${prefix}floor`,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
  });
  const pipeline = new GroupCommitPipeline<FloorItem>({
    maxInFlight,
    maxBatch,
    commitIntervalMs: 50,
    // A batch whose transaction keeps failing stops the floor, loudly: it must not run on half-done.
    process: (items) =>
      batches.process(items).catch((error: unknown) => {
        console.error(`floor: giving up on a batch: ${String(error)}`);
        process.exit(1);
      }),
    commitOffsets: (offsets) => consumer.commitOffsets(offsets),
    onCommitError: (error) => console.error(`floor: offset commit failed: ${String(error)}`),
  });

  await consumer.connect();
  await consumer.subscribe({ topics: [topics.start, topics.replies], fromBeginning: true });
  const joined = new Promise<void>((resolve) =>
    consumer.on(consumer.events.GROUP_JOIN, () => resolve()),
  );
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    console.error(`floor: consumer crashed: ${String(payload.error)}`);
  });
  await consumer.run({
    autoCommit: false,
    partitionsConsumedConcurrently: partitions * 2,
    eachBatch: async (payload) => {
      pipeline.add(itemsOf(payload, topics.start), {
        topic: payload.batch.topic,
        partition: payload.batch.partition,
        offset: (BigInt(payload.batch.lastOffset()) + 1n).toString(),
      });
      await pipeline.whenRoom();
    },
  });
  await joined;
  process.send?.('ready');
  console.log(`floor ready: ${topics.start}, ${topics.replies} -> schema ${schema}`);

  process.once('SIGTERM', () => {
    void stop(consumer, pipeline, batches, [topics.start, topics.replies])
      .then(() => Promise.all([producer.disconnect(), pool.end()]))
      .then(
        () => process.exit(0),
        (error: unknown) => {
          console.error(error);
          process.exit(1);
        },
      );
  });
}

/** Stops fetching, finishes every batch in hand and commits its offsets, then leaves the group. */
async function stop(
  consumer: Consumer,
  pipeline: GroupCommitPipeline<FloorItem>,
  batches: FloorBatches,
  topics: string[],
): Promise<void> {
  consumer.pause(topics.map((topic) => ({ topic })));
  await pipeline.drain();
  await batches.flushSent();
  await consumer.disconnect();
}

function itemsOf(payload: EachBatchPayload, startTopic: string): FloorItem[] {
  const parse = payload.batch.topic === startTopic ? parseStart : parseReply;
  const items: FloorItem[] = [];
  for (const message of payload.batch.messages) {
    const item = parse(message.value);
    if (item) items.push(item);
  }
  return items;
}

async function createTopics(kafka: Kafka, topics: string[], partitions: number): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((topic) => !existing.has(topic));
    if (missing.length === 0) return;
    await admin.createTopics({
      waitForLeaders: true,
      topics: missing.map((topic) => ({ topic, numPartitions: partitions })),
    });
  } finally {
    await admin.disconnect();
  }
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
