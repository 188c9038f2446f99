// What our coordinator's Kafka traffic costs with kafkajs 2.2.4 (libs/messaging) and with
// @platformatic/kafka (issue 20): for each client, in a process of its own, the Node process's
// CPU (user + system, µs per message), messages/s and peak RSS (of the whole process, during
// that run) of
//  - produce: an idempotent producer (acks = all) sending batches of N messages, each send
//    awaited before the next, as the outbox publishes one batch per commit (after a warm-up);
//  - consume: a consumer group reading a pre-filled topic in batches of ≤ 100 messages decoded
//    to text, with a manual offset commit after each batch (autoCommit off); measured from the
//    group join to the last commit.
// Messages have a uuid key, six string headers and a ~400-byte JSON value. Topics (6 partitions,
// replication 1) and groups get unique names per run and are deleted at the end.
//
// Run: `npm run bench:kafka-clients` (KAFKA_BROKERS, default 127.0.0.1:9092). Settings by env:
//   MESSAGES=100000        pre-filled and consumed; also the most sent in one produce run
//   BATCH_SIZES=1,10,100   producer batch sizes
//   PRODUCE_SECONDS=5      longest measured time of one produce run
//   CLIENTS=kafkajs,platformatic
import { fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { TRANSPORT_DEFAULTS, type BenchClient, type ClientSettings } from './bench-client.js';
import { makeMessages, VALUE_BYTES, type BenchMessage } from './bench-messages.js';
import { startMeter, type Cost } from './meter.js';

/** Loaded on demand: each child process loads one library only, so its RSS is that library's. */
const CLIENTS: Record<string, () => Promise<(settings: ClientSettings) => BenchClient>> = {
  kafkajs: async () => (await import('./kafkajs-client.js')).kafkajsClient,
  platformatic: async () => (await import('./platformatic-client.js')).platformaticClient,
};

const PARTITIONS = 6;
/** Distinct messages generated up front and sent round-robin. */
const POOL_SIZE = 2_000;
/** Unmeasured sends before each produce run: connections, producer id, metadata, JIT. */
const WARM_UP_MS = 500;
/** Batch size of the unmeasured pre-fill of the consume topic. */
const PREFILL_BATCH = 500;
/** A consume run that handles no message for this long fails instead of hanging. */
const STALL_MS = 30_000;

interface Row extends Cost {
  readonly client: string;
  readonly pattern: 'produce' | 'consume';
  readonly batchSize: number;
  readonly messages: number;
}

const env = process.env;
const settings = {
  brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
  messages: positiveInteger('MESSAGES', env.MESSAGES ?? '100000'),
  batchSizes: (env.BATCH_SIZES ?? '1,10,100')
    .split(',')
    .map((n) => positiveInteger('BATCH_SIZES', n, POOL_SIZE)),
  produceSeconds: positiveNumber('PRODUCE_SECONDS', env.PRODUCE_SECONDS ?? '5'),
  clients: (env.CLIENTS ?? 'kafkajs,platformatic').split(',').map((c) => c.trim()),
};

function positiveInteger(name: string, text: string, max = Number.MAX_SAFE_INTEGER): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw new RangeError(`${name}: ${text} is not an integer between 1 and ${max}`);
  }
  return value;
}

function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (!(value > 0)) throw new RangeError(`${name}: ${text} is not a positive number`);
  return value;
}

/** Sends batches of `size` from the pool round-robin until `limit` messages or `ms` elapsed. */
async function sendFor(
  send: (batch: readonly BenchMessage[]) => Promise<void>,
  pool: readonly BenchMessage[],
  size: number,
  limit: number,
  ms: number,
): Promise<number> {
  const until = performance.now() + ms;
  let sent = 0;
  while (sent < limit && performance.now() < until) {
    const start = sent % (pool.length - size + 1);
    await send(pool.slice(start, start + size));
    sent += size;
  }
  return sent;
}

/** One produce run: warm-up, then batches of `size` until MESSAGES or PRODUCE_SECONDS. */
async function produceRun(
  client: BenchClient,
  topic: string,
  pool: readonly BenchMessage[],
  size: number,
) {
  // A new producer per batch size, so each run starts from the same state.
  const producer = await client.openProducer();
  const send = (batch: readonly BenchMessage[]) => producer.send(topic, batch);
  await sendFor(send, pool, size, Number.POSITIVE_INFINITY, WARM_UP_MS);
  const meter = startMeter();
  const sent = await sendFor(send, pool, size, settings.messages, settings.produceSeconds * 1000);
  const cost = meter.stop();
  await producer.close();
  return { pattern: 'produce', batchSize: size, messages: sent, ...cost } as const;
}

/** Fills the topic with MESSAGES (unmeasured), then consumes them all, measured. */
async function consumeRun(
  client: BenchClient,
  topic: string,
  groupId: string,
  pool: readonly BenchMessage[],
) {
  const producer = await client.openProducer();
  for (let sent = 0; sent < settings.messages; sent += PREFILL_BATCH) {
    const start = sent % (pool.length - PREFILL_BATCH);
    const size = Math.min(PREFILL_BATCH, settings.messages - sent);
    await producer.send(topic, pool.slice(start, start + size));
  }
  await producer.close();

  // Measured from the group join (before the first fetch) to the commit of the last batch.
  let meter: ReturnType<typeof startMeter> | undefined;
  let consumed = 0;
  let malformed = 0;
  const consuming = client.consume({
    topic,
    groupId,
    expected: settings.messages,
    onJoined: () => (meter ??= startMeter()),
    handleBatch(batch) {
      consumed += batch.length;
      // Reads what was decoded, so that a client cannot decode lazily and look cheaper.
      for (const { key, value, headers } of batch) {
        if (key?.length !== 36 || value?.length !== VALUE_BYTES || headers['saga-id'] !== key) {
          malformed++;
        }
      }
    },
  });
  await untilDoneOrStalled(consuming, () => consumed);
  const cost = meter!.stop();
  if (malformed > 0) {
    throw new Error(`${malformed} of ${consumed} messages were not decoded as sent`);
  }
  return {
    pattern: 'consume',
    batchSize: TRANSPORT_DEFAULTS.maxBatchSize,
    messages: consumed,
    ...cost,
  } as const;
}

/** Awaits `work`, or rejects once `progress()` has not changed for STALL_MS. */
async function untilDoneOrStalled(work: Promise<void>, progress: () => number): Promise<void> {
  let last = -1;
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setInterval(() => {
      if (progress() === last) reject(new Error(`stalled for ${STALL_MS} ms at ${last} messages`));
      last = progress();
    }, STALL_MS);
  });
  try {
    await Promise.race([work, stalled]);
  } finally {
    clearInterval(timer);
  }
}

/**
 * Runs every pattern with one client, in this process. Its topics and group are deleted at the
 * end, and also when the process is interrupted or its parent goes away.
 */
async function runClient(name: string): Promise<Row[]> {
  const load = CLIENTS[name];
  if (!load) throw new Error(`unknown client ${name}; known: ${Object.keys(CLIENTS).join(', ')}`);
  const create = await load();
  const client = create({ brokers: settings.brokers, clientId: `bench-kafka-clients-${name}` });
  const runId = `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const produceTopic = `bench-kc-${name}-${runId}-produce`;
  const consumeTopic = `bench-kc-${name}-${runId}-consume`;
  const groupId = `bench-kc-${name}-${runId}`;
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= client
      .deleteTopicsAndGroups([produceTopic, consumeTopic], [groupId])
      .catch((error: unknown) => console.error(`${name}: clean-up failed: ${String(error)}`)));
  const interrupted = () => void cleanUp().finally(() => process.exit(130));
  for (const event of ['SIGINT', 'SIGTERM', 'disconnect'] as const) {
    process.once(event, interrupted);
  }

  const pool = makeMessages(POOL_SIZE);
  const rows: Row[] = [];
  await client.createTopics([produceTopic, consumeTopic], PARTITIONS);
  try {
    for (const size of settings.batchSizes) {
      rows.push({ client: name, ...(await produceRun(client, produceTopic, pool, size)) });
    }
    rows.push({ client: name, ...(await consumeRun(client, consumeTopic, groupId, pool)) });
  } finally {
    await cleanUp();
  }
  return rows;
}

/** Runs one client in a child process of its own (fresh heap, RSS and JIT), for its rows. */
function runChild(name: string): Promise<Row[]> {
  return new Promise((resolve, reject) => {
    const child = fork(fileURLToPath(import.meta.url), [], {
      env: { ...process.env, KAFKA_CLIENTS_BENCH_CLIENT: name },
    });
    let rows: Row[] | undefined;
    child.on('message', (message) => (rows = message as Row[]));
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      rows && code === 0
        ? resolve(rows)
        : reject(new Error(`${name}: exited with ${signal ?? code}`)),
    );
  });
}

function table(rows: readonly Row[]): string {
  const lines = [
    '| client | pattern | batch size | messages | messages/s | CPU µs/message | peak RSS MB |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const row of rows) {
    lines.push(
      `| ${row.client} | ${row.pattern} | ${row.batchSize} | ${row.messages} | ` +
        `${Math.round(row.messages / row.seconds)} | ${(row.cpuMicros / row.messages).toFixed(1)} | ` +
        `${row.peakRssMb.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const child = env.KAFKA_CLIENTS_BENCH_CLIENT;
  if (child) {
    const rows = await runClient(child);
    await new Promise<void>((resolve) => process.send!(rows, () => resolve()));
    // A client may leave timers or sockets behind; its numbers are in, so end here.
    process.exit(0);
  }
  console.log(
    `Kafka clients at ${settings.brokers.join(',')}: MESSAGES=${settings.messages} ` +
      `BATCH_SIZES=${settings.batchSizes.join(',')} PRODUCE_SECONDS=${settings.produceSeconds}`,
  );
  const rows: Row[] = [];
  let failed = false;
  for (const name of settings.clients) {
    // One client failing (e.g. a protocol it cannot speak) still leaves the other's numbers.
    try {
      rows.push(...(await runChild(name)));
    } catch (error) {
      failed = true;
      console.error(`${name} failed:`, error instanceof Error ? error.message : error);
    }
  }
  console.log(`\n${table(rows)}`);
  if (failed) process.exitCode = 1;
}

await main();
