import { setTimeout as sleep } from 'node:timers/promises';
import type { IdleResult } from './bench-result.js';
import { cpuBetween, cpuSnapshot, postgresServerPids, postmasterPid } from './process-stats.js';
import type { BenchServices } from './rate-step.js';
import { runBackendPids } from './service-counters.js';
import type { TimedSystem } from './timed-system.js';

/**
 * What `system` costs with no saga to run: the CPU its processes, the Kafka broker and the
 * run's Postgres backends (and the postmaster) use over `seconds` of quiet, in cores (CPU
 * seconds per second). Polling loops, fetches and heartbeats: what a deployment pays at night.
 */
export async function measureIdle(
  system: TimedSystem,
  services: Pick<BenchServices, 'db' | 'runId' | 'kafkaPid'>,
  seconds: number,
): Promise<IdleResult> {
  const { db, runId, kafkaPid } = services;
  const own = system.processes();
  const postmaster = postmasterPid(postgresServerPids());
  const postgresPids = [...(await runBackendPids(db, runId)), ...(postmaster ? [postmaster] : [])];
  const pids = [...own.map((p) => p.pid), ...(kafkaPid ? [kafkaPid] : []), ...postgresPids];
  const before = cpuSnapshot(pids);
  await sleep(seconds * 1000);
  const after = cpuSnapshot(pids);
  const cores = (of: readonly number[]) => cpuBetween(before, after, of) / seconds;
  const processes = Object.fromEntries(own.map((p) => [p.role, cores([p.pid])]));
  const kafka = kafkaPid ? cores([kafkaPid]) : null;
  const postgres = postgresPids.length > 0 ? cores(postgresPids) : null;
  const total = [...Object.values(processes), kafka ?? 0, postgres ?? 0].reduce((a, b) => a + b, 0);
  return { seconds, cores: { processes, kafka, postgres, total } };
}
