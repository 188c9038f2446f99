import { setTimeout as sleep } from 'node:timers/promises';
import type { Admin } from 'kafkajs';
import type pg from 'pg';
import type { BenchSettings, RateResult, SystemCpu } from './bench-result.js';
import { sagasPerSecond, shortfalls } from './ladder.js';
import { quantile, runLoad } from './load-generator.js';
import { samplePeaks, sumOver, type MemoryProbe } from './peak-memory.js';
import {
  cpuBetween,
  cpuSnapshot,
  postgresServerCpuSeconds,
  postgresServerPids,
  readPssKb,
  readRssKb,
} from './process-stats.js';
import {
  countMessages,
  countRowWrites,
  countTransactions,
  runPostgresPids,
  walPosition,
  type RowWrites,
} from './service-counters.js';
import type { BenchProcess } from './bench-system.js';
import { perStepMs, type TimedSystem } from './timed-system.js';
import { stageMeans, type StageMeans, type StageTotals } from './stage-times.js';

/** The shared services, as the harness reaches them. */
export interface BenchServices {
  /** The harness's own connection, to a database outside the run (its queries are not counted). */
  readonly db: pg.Client;
  readonly admin: Admin;
  readonly kafkaBrokers: readonly string[];
  /** Names the run's databases: their transactions and backends are the ones counted. */
  readonly runId: string;
  /** The Kafka broker's process on this machine; undefined when it is elsewhere. */
  readonly kafkaPid: number | undefined;
  /** A connection to a database of the run, by name (its tables' statistics). */
  readonly dbFor: (database: string) => Promise<pg.Client>;
}

/** How often the set of Postgres processes counted for the run is refreshed, ms. */
const POSTGRES_PIDS_REFRESH_MS = 1_000;

/**
 * Runs one rate of the ladder on `system` and measures it: the load (open loop, `stepSeconds`
 * long, then up to `drainSeconds` for the last sagas), CPU time of every process over that
 * time, peak memory during it, and, after `settleSeconds` for the counters to catch up, the
 * database transactions, rows and Kafka messages it took. WAL is read at the end of the load,
 * not after the pause, so that autovacuum's later work is left out.
 */
export async function measureRate(
  system: TimedSystem,
  services: BenchServices,
  rate: number,
  settings: BenchSettings,
): Promise<RateResult> {
  const { db, admin, runId, kafkaPid } = services;
  const own = system.processes();
  const topics = system.topics();
  const fixedPids = [...own.map((p) => p.pid), process.pid, ...(kafkaPid ? [kafkaPid] : [])];

  // Before the counters: a scrape of the coordinator's /metrics runs queries of its own.
  const stagesBefore = await system.stageTotals();
  const transactionsBefore = await countTransactions(db, runId);
  const rowsBefore = await countRowWrites(db, runId, services.dbFor);
  const walBefore = await walPosition(db);
  const messagesBefore = await countMessages(admin, topics);
  const serverBefore = postgresServerPids();
  let postgresPids = await runPostgresPids(db, runId, serverBefore);
  const serverCpuBefore = postgresServerCpuSeconds(serverBefore);
  const cpuBefore = cpuSnapshot([...fixedPids, ...serverBefore]);

  const probes: Record<string, MemoryProbe> = {
    harness: () => process.memoryUsage.rss() / 1024,
    postgres: sumOver(() => postgresPids, readPssKb),
    ...(kafkaPid ? { kafka: () => readRssKb(kafkaPid) } : {}),
    ...Object.fromEntries(own.map((p) => [`process:${p.role}`, () => readRssKb(p.pid)])),
  };
  const sampler = samplePeaks(probes);
  const refresher = setInterval(() => {
    void runPostgresPids(db, runId, postgresServerPids()).then((pids) => (postgresPids = pids));
  }, POSTGRES_PIDS_REFRESH_MS);

  system.takeEnded();
  system.takeStartLatencies(); // the warm-up's, or the previous step's stragglers
  const load = await runLoad(system, {
    rate,
    durationMs: settings.stepSeconds * 1000,
    drainMs: settings.drainSeconds * 1000,
    label: `r${rate}`,
  });

  const walAfter = await walPosition(db);
  const serverAfter = postgresServerPids();
  const cpuAfter = cpuSnapshot([...fixedPids, ...serverAfter]);
  const serverCpuAfter = postgresServerCpuSeconds(serverAfter);
  clearInterval(refresher);
  postgresPids = await runPostgresPids(db, runId, serverAfter);
  const peaks = sampler.stop();
  const timed = system.takeEnded();
  const starts = system.takeStartLatencies();

  await sleep(settings.settleSeconds * 1000);
  const transactions = (await countTransactions(db, runId)) - transactionsBefore;
  const messages = (await countMessages(admin, topics)) - messagesBefore;
  const rowsAfter = await countRowWrites(db, runId, services.dbFor);
  // After the counters, for the same reason as before them.
  const stagesAfter = await system.stageTotals();

  const ended = load.completed + load.compensated;
  const perSaga = (value: number) => (ended > 0 ? value / ended : Number.NaN);
  const cpuMs = (seconds: number) => perSaga(seconds * 1000);
  const cpu = systemCpu(cpuBefore, cpuAfter, {
    own,
    kafkaPid,
    postgresPids: serverAfter.length > 0 ? postgresPids : null,
    scale: cpuMs,
  });
  const latency = (q: number) => quantile(load.latenciesMs, q);
  const found = shortfalls(load, settings);
  return {
    rate,
    started: load.started,
    completed: load.completed,
    compensated: load.compensated,
    wrongOutcome: load.wrongOutcome,
    sagasPerSecond: sagasPerSecond(load),
    latencyMs: { p50: latency(0.5), p95: latency(0.95), p99: latency(0.99), max: latency(1) },
    ...(starts === undefined
      ? {}
      : {
          startLatencyMs: {
            p50: quantile(starts.acceptedMs, 0.5),
            p99: quantile(starts.acceptedMs, 0.99),
            max: quantile(starts.acceptedMs, 1),
            refused: starts.refused,
          },
        }),
    perStepMs: perStepMs(timed),
    ...stagesOf(stagesBefore, stagesAfter),
    cpuMsPerSaga: {
      ...cpu,
      harness: cpuMs(cpuBetween(cpuBefore, cpuAfter, [process.pid])),
      postgresServer:
        serverAfter.length > 0 ? perSaga((serverCpuAfter - serverCpuBefore) * 1000) : null,
    },
    dbTransactionsPerSaga: perSaga(transactions),
    kafkaMessagesPerSaga: perSaga(messages),
    walKbPerSaga: perSaga(Number(walAfter - walBefore) / 1024),
    rowsPerSaga: rowsPerSaga(rowsBefore, rowsAfter, perSaga),
    peakMemoryMb: {
      processes: Object.fromEntries(own.map((p) => [p.role, peaks[`process:${p.role}`] ?? null])),
      kafka: peaks.kafka ?? null,
      postgresPss: peaks.postgres ?? null,
      harness: peaks.harness ?? null,
    },
    sustained: found.length === 0,
    shortfalls: found,
  };
}

/**
 * The CPU between two snapshots of the system's own processes (by role), the broker (null when
 * not here) and Postgres (null when not here), each in seconds passed through `scale`, and
 * their total.
 */
export function systemCpu(
  before: ReadonlyMap<number, number>,
  after: ReadonlyMap<number, number>,
  parts: {
    readonly own: readonly BenchProcess[];
    readonly kafkaPid: number | undefined;
    readonly postgresPids: readonly number[] | null;
    readonly scale: (cpuSeconds: number) => number;
  },
): SystemCpu {
  const { own, kafkaPid, postgresPids, scale } = parts;
  const of = (pids: readonly number[]) => scale(cpuBetween(before, after, pids));
  const processes = Object.fromEntries(own.map((p) => [p.role, of([p.pid])]));
  const kafka = kafkaPid ? of([kafkaPid]) : null;
  const postgres = postgresPids === null ? null : of(postgresPids);
  const total = [...Object.values(processes), kafka ?? 0, postgres ?? 0].reduce((a, b) => a + b, 0);
  return { processes, kafka, postgres, total };
}

function rowsPerSaga(
  before: RowWrites,
  after: RowWrites,
  perSaga: (value: number) => number,
): RowWrites {
  return {
    inserted: perSaga(after.inserted - before.inserted),
    updated: perSaga(after.updated - before.updated),
    hotUpdated: perSaga(after.hotUpdated - before.hotUpdated),
    deleted: perSaga(after.deleted - before.deleted),
  };
}

/** The stage means of the step, when both readings were made and saw something. */
function stagesOf(
  before: StageTotals | undefined,
  after: StageTotals | undefined,
): { stagesMs?: StageMeans } {
  if (before === undefined || after === undefined) return {};
  const means = stageMeans(before, after);
  return Object.keys(means).length > 0 ? { stagesMs: means } : {};
}
