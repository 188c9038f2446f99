// `npm run bench` (issue #8): every system of systems.ts, alone and one after the other, on the
// same Kafka broker and Postgres server, driven by the same open-loop load generator up a ladder
// of rates. Prints a table per system, writes bench-results/bench-<time>.json and the tables of
// docs/BENCHMARKS.md (between its markers).
// Env: KAFKA_BROKERS, DATABASE_URL (required; scripts/bench.sh sets them), SYSTEMS (all),
// RATES (100,...,4000), STEP_SECONDS (15), WARMUP_SECONDS (5), DRAIN_SECONDS (30),
// SETTLE_SECONDS (3), IDLE_SECONDS (10), P99_BOUND_MS (1000), KAFKA_PID (found from the
// broker's port).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { logLevel, type Admin } from 'kafkajs';
import pg from 'pg';
import { kafkaClient } from '#messaging';
import type {
  BenchRun,
  BenchSettings,
  IdleResult,
  RateResult,
  SystemResult,
} from './bench-result.js';
import { measureIdle } from './idle-step.js';
import { climbLadder, parseRates } from './ladder.js';
import { runLoad } from './load-generator.js';
import { describeMachine } from './machine-info.js';
import { pidListeningOn } from './process-stats.js';
import { measureRate, type BenchServices } from './rate-step.js';
import { HARNESS_APPLICATION } from './service-counters.js';
import {
  costTable,
  formatNumber,
  idleLine,
  latencyTable,
  renderReport,
  replaceBetweenMarkers,
  summaryTable,
  targetsTable,
} from './report.js';
import { BENCH_SYSTEMS, pickSystems } from './systems.js';
import { TimedSystem } from './timed-system.js';

const repoRoot = new URL('../../../', import.meta.url).pathname;
/** The variables that shape a run, echoed in the command the report shows. */
const RUN_VARIABLES = [
  'SYSTEMS',
  'RATES',
  'STEP_SECONDS',
  'WARMUP_SECONDS',
  'DRAIN_SECONDS',
  'SETTLE_SECONDS',
  'IDLE_SECONDS',
  'P99_BOUND_MS',
  // The coordinator's settings the bench's own measurements set (docs/BENCHMARKS.md).
  'START_CHUNK',
  'PARTICIPANT_OVERRIDES',
  'MAX_COMMANDS_IN_FLIGHT_PER_PARTICIPANT',
];

/** A value as a shell word: quoted when it holds more than letters, digits and `_.,:-`. */
function shellWord(value: string): string {
  return /^[\w.,:-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const value = env[name] === undefined || env[name] === '' ? fallback : Number(env[name]);
  if (!(value >= min)) throw new Error(`${name} must be a number ≥ ${min}, got ${env[name]}`);
  return value;
}

function readSettings(env: NodeJS.ProcessEnv): BenchSettings {
  return {
    rates: parseRates(env.RATES),
    stepSeconds: seconds(env, 'STEP_SECONDS', 15, 1),
    warmupSeconds: seconds(env, 'WARMUP_SECONDS', 5),
    drainSeconds: seconds(env, 'DRAIN_SECONDS', 30, 1),
    settleSeconds: seconds(env, 'SETTLE_SECONDS', 3),
    idleSeconds: seconds(env, 'IDLE_SECONDS', 10),
    maxP99Ms: seconds(env, 'P99_BOUND_MS', 1_000, 1),
    minThroughputShare: 0.95,
  };
}

/** The broker's process when it runs here: KAFKA_PID, or whoever listens on its port. */
function findKafkaPid(broker: string): number | undefined {
  if (process.env.KAFKA_PID) return Number(process.env.KAFKA_PID);
  const { hostname, port } = new URL(`kafka://${broker}`);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(hostname)) return undefined;
  return pidListeningOn(Number(port || 9092));
}

/** A database of the run for one system, so that its transactions and backends can be told apart. */
async function createDatabase(db: pg.Client, databaseUrl: string, name: string): Promise<string> {
  await db.query(`CREATE DATABASE "${name}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Deletes the run's topics (systems name theirs `bench.<runId>.<system>.…`), so that the next
 * system, or the next run on the same broker, does not share the broker with their partitions.
 */
async function deleteRunTopics(admin: Admin, runId: string): Promise<void> {
  const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(`bench.${runId}.`));
  if (topics.length > 0) await admin.deleteTopics({ topics });
}

/** Sets the system up, warms it up, climbs the ladder and tears it down; an error stops it. */
async function benchSystem(
  name: string,
  services: Omit<BenchServices, 'dbFor'>,
  databaseUrl: string,
  settings: BenchSettings,
): Promise<SystemResult> {
  const system = new TimedSystem(BENCH_SYSTEMS[name]!());
  const database = `bench_${services.runId}_${name.replace(/\W/g, '_').toLowerCase()}`;
  const rates: RateResult[] = [];
  let idle: IdleResult | undefined;
  const connections = new Map<string, Promise<pg.Client>>();
  const dbFor = (runDatabase: string) => {
    let client = connections.get(runDatabase);
    if (!client) {
      const url = new URL(databaseUrl);
      url.pathname = `/${runDatabase}`;
      // Named so that its backend is not counted as the run's (runBackendPids).
      const opened = new pg.Client({
        connectionString: url.toString(),
        application_name: HARNESS_APPLICATION,
      });
      // A connection cut from the server side (a database dropped) must not end the run.
      opened.on('error', (error) => console.warn(`${runDatabase}: ${error.message}`));
      client = opened.connect().then(() => opened);
      connections.set(runDatabase, client);
    }
    return client;
  };
  try {
    const url = await createDatabase(services.db, databaseUrl, database);
    const { kafkaBrokers, runId } = services;
    await system.setup({ kafkaBrokers, databaseUrl: url, runId });
    if (settings.warmupSeconds > 0) {
      const warmup = await runLoad(system, {
        rate: settings.rates[0]!,
        durationMs: settings.warmupSeconds * 1000,
        drainMs: settings.drainSeconds * 1000,
        label: 'warmup',
      });
      const ended = warmup.completed + warmup.compensated;
      console.log(`${name} warm-up at ${warmup.rate}/s: ${ended} of ${warmup.started} sagas ended`);
      await sleep(settings.settleSeconds * 1000);
    }
    if (settings.idleSeconds) {
      // Quiet after the start too, when there was no warm-up to settle after.
      if (settings.warmupSeconds === 0) await sleep(settings.settleSeconds * 1000);
      idle = await measureIdle(system, services, settings.idleSeconds);
      console.log(`${name} idle for ${idle.seconds} s: ${formatNumber(idle.cores.total, 2)} cores`);
    }
    await climbLadder(settings.rates, async (rate) => {
      const result = await measureRate(system, { ...services, dbFor }, rate, settings);
      rates.push(result);
      console.log(
        `${name} at ${rate}/s: ${result.sagasPerSecond.toFixed(0)} sagas/s, ` +
          `p99 ${result.latencyMs.p99.toFixed(0)} ms, ${result.cpuMsPerSaga.total.toFixed(2)} ms CPU/saga` +
          (result.sustained ? '' : `; not sustained: ${result.shortfalls.join('; ')}`),
      );
      return result;
    });
    return { name, rates, ...(idle ? { idle } : {}) };
  } catch (error) {
    console.error(`${name} stopped:`, error);
    const message = error instanceof Error ? error.message : String(error);
    return { name, rates, ...(idle ? { idle } : {}), error: message };
  } finally {
    // Closed before the teardown, which may drop a database of the system with its connections.
    for (const client of connections.values()) await client.then((c) => c.end()).catch(() => {});
    await system.teardown().catch((error: unknown) => console.error(`${name} teardown:`, error));
    await deleteRunTopics(services.admin, services.runId).catch((error: unknown) =>
      console.warn(`${name}: its topics were not deleted:`, error),
    );
    await services.db.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  }
}

async function main(): Promise<void> {
  const settings = readSettings(process.env);
  const names = pickSystems(process.env.SYSTEMS);
  const brokers = (process.env.KAFKA_BROKERS ?? '').split(',').filter(Boolean);
  const databaseUrl = process.env.DATABASE_URL;
  if (brokers.length === 0 || !databaseUrl) {
    throw new Error('KAFKA_BROKERS and DATABASE_URL are required');
  }
  const startedAt = new Date().toISOString();
  const runId = `b${Date.now().toString(36)}`;
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  const admin = kafkaClient({
    brokers,
    clientId: 'bench-harness',
    logLevel: logLevel.ERROR,
  }).admin();
  await admin.connect();
  const kafkaPid = findKafkaPid(brokers[0]!);
  const outputDir = `${repoRoot}bench-results`;
  mkdirSync(outputDir, { recursive: true });
  const machine = await describeMachine(db, admin, kafkaPid, outputDir);
  if (!kafkaPid)
    console.warn('The Kafka broker is not on this machine: its CPU and memory are not counted.');

  const systems: SystemResult[] = [];
  for (const name of names) {
    console.log(
      `\n## ${name}: rates ${settings.rates.join(', ')}/s, ${settings.stepSeconds} s each`,
    );
    const result = await benchSystem(
      name,
      { db, admin, runId, kafkaBrokers: brokers, kafkaPid },
      databaseUrl,
      settings,
    );
    systems.push(result);
    console.log(`\n${latencyTable(result)}\n\n${costTable(result)}\n\n${idleLine(result)}`);
  }
  await admin.disconnect();
  await db.end();

  const command = [
    ...RUN_VARIABLES.filter((name) => process.env[name]).map(
      (name) => `${name}=${shellWord(process.env[name]!)}`,
    ),
    'npm run bench',
  ].join(' ');
  const run: BenchRun = { startedAt, command, settings, machine, systems };
  const jsonFile = `${outputDir}/bench-${startedAt.replace(/[:.]/g, '-')}.json`;
  writeFileSync(jsonFile, `${JSON.stringify(run, null, 2)}\n`);
  const docFile = `${repoRoot}docs/BENCHMARKS.md`;
  writeFileSync(docFile, replaceBetweenMarkers(readFileSync(docFile, 'utf8'), renderReport(run)));
  console.log(`\n${summaryTable(run)}\n\n${targetsTable(run)}\n`);
  console.log(`Results: ${jsonFile}; tables in ${docFile}`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
