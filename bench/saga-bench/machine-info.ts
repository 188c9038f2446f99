import {
  closeSync,
  fsyncSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { availableParallelism, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import kafkajs, { type Admin } from 'kafkajs';
import type pg from 'pg';
import type { MachineInfo } from './bench-result.js';
import { quantile } from './load-generator.js';

const POSTGRES_SETTINGS = ['fsync', 'synchronous_commit', 'wal_sync_method', 'full_page_writes'];
const KAFKA_SETTINGS = [
  'log.flush.interval.messages',
  'log.flush.interval.ms',
  'min.insync.replicas',
];

/** Describes the machine and the services the bench runs on, for the report. */
export async function describeMachine(
  db: pg.Client,
  admin: Admin,
  kafkaPid: number | undefined,
  scratchDir: string,
): Promise<MachineInfo> {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const settings = await db.query<{ name: string; setting: string }>(
    'SELECT name, setting FROM pg_settings WHERE name = ANY($1) ORDER BY name',
    [POSTGRES_SETTINGS],
  );
  const version = await db.query<{ version: string }>('SELECT version()');
  const dataDir = await db.query<{ setting: string }>(
    `SELECT setting FROM pg_settings WHERE name = 'data_directory'`,
  );
  return {
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? 'unknown',
    cores: availableParallelism(),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `Linux ${release()}`,
    node: process.version,
    kafka: kafkaVersion(kafkaPid),
    postgres: version.rows[0]?.version ?? 'unknown',
    postgresSettings: Object.fromEntries(settings.rows.map((row) => [row.name, row.setting])),
    kafkaSettings: await kafkaSettings(admin),
    disk: describeDisk(dataDir.rows[0]?.setting, scratchDir),
  };
}

/** The broker's version, from the kafka jar on its class path (unknown when not local). */
function kafkaVersion(pid: number | undefined): string {
  if (!pid) return 'unknown (broker not on this machine)';
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const classpath = args[args.indexOf('-cp') + 1] ?? '';
    for (const entry of classpath.split(':')) {
      const dir = entry.endsWith('/*') ? entry.slice(0, -2) : undefined;
      const jars = dir ? readdirSync(dir) : [entry.split('/').pop() ?? ''];
      for (const jar of jars) {
        const match = /^kafka_[\d.]+-([\w.-]+)\.jar$/.exec(jar);
        if (match) return `Apache Kafka ${match[1]}`;
      }
    }
  } catch {
    // Not readable: fall through.
  }
  return 'unknown';
}

async function kafkaSettings(admin: Admin): Promise<Record<string, string>> {
  const cluster = await admin.describeCluster();
  const broker = String(cluster.controller ?? cluster.brokers[0]?.nodeId ?? 1);
  const described = await admin.describeConfigs({
    resources: [
      { type: kafkajs.ConfigResourceTypes.BROKER, name: broker, configNames: KAFKA_SETTINGS },
    ],
    includeSynonyms: false,
  });
  const entries = described.resources[0]?.configEntries ?? [];
  // A setting left unset has no value (log.flush.interval.ms by default): it is left out.
  return Object.fromEntries(
    entries
      .filter((entry) => entry.configValue !== null)
      .map((entry) => [entry.configName, entry.configValue]),
  );
}

/** The device holding the Postgres data, and the median time of a 4 KiB write + fsync in `scratchDir`. */
function describeDisk(dataDirectory: string | undefined, scratchDir: string): string {
  const mounts = readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((line) => line.split(' '))
    .filter((cols) => cols.length > 2 && dataDirectory?.startsWith(cols[1]!));
  const mount = mounts.sort((a, b) => b[1]!.length - a[1]!.length)[0];
  const where = mount ? `Postgres data on ${mount[0]} (${mount[2]}, mounted at ${mount[1]})` : '';
  return `${where}${where ? '; ' : ''}4 KiB write + fsync: median ${fsyncMs(scratchDir).toFixed(2)} ms`;
}

function fsyncMs(dir: string): number {
  const file = join(dir, `.fsync-probe-${process.pid}`);
  const fd = openSync(file, 'w');
  const block = Buffer.alloc(4096, 1);
  const times: number[] = [];
  try {
    for (let i = 0; i < 50; i++) {
      const t0 = performance.now();
      writeSync(fd, block);
      fsyncSync(fd);
      times.push(performance.now() - t0);
    }
  } finally {
    closeSync(fd);
    rmSync(file, { force: true });
  }
  return quantile(
    times.sort((a, b) => a - b),
    0.5,
  );
}
