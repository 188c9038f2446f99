import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdleResult } from './bench-result.js';
import { cpuBetween, cpuSnapshot, postgresServerPids, postmasterPid } from './process-stats.js';
import type { BenchServices } from './rate-step.js';
import { runBackendPids } from './service-counters.js';
import type { TimedSystem } from './timed-system.js';

/**
 * What `system` costs with no saga to run: the CPU its processes, the Kafka broker and Postgres
 * use over `seconds` of quiet, in cores (CPU seconds per second). Postgres is counted as for a
 * rate (the run's backends at the end, one that connected meanwhile from zero, and the
 * postmaster), and is null when its server is not on this machine. Polling loops, fetches and
 * heartbeats: what a deployment pays at night.
 */
export async function measureIdle(
  system: TimedSystem,
  services: Pick<BenchServices, 'db' | 'runId' | 'kafkaPid'>,
  seconds: number,
): Promise<IdleResult> {
  const { db, runId, kafkaPid } = services;
  const own = system.processes();
  const fixedPids = [...own.map((p) => p.pid), ...(kafkaPid ? [kafkaPid] : [])];
  const began = performance.now();
  const before = cpuSnapshot([...fixedPids, ...postgresServerPids()]);
  await sleep(seconds * 1000);
  const serverAfter = postgresServerPids();
  const after = cpuSnapshot([...fixedPids, ...serverAfter]);
  const elapsedSeconds = (performance.now() - began) / 1000;
  const postmaster = postmasterPid(serverAfter);
  const postgresPids = [...(await runBackendPids(db, runId)), ...(postmaster ? [postmaster] : [])];
  const cores = (of: readonly number[]) => cpuBetween(before, after, of) / elapsedSeconds;
  const processes = Object.fromEntries(own.map((p) => [p.role, cores([p.pid])]));
  const kafka = kafkaPid ? cores([kafkaPid]) : null;
  const postgres = serverAfter.length > 0 ? cores(postgresPids) : null;
  const total = [...Object.values(processes), kafka ?? 0, postgres ?? 0].reduce((a, b) => a + b, 0);
  return { seconds, cores: { processes, kafka, postgres, total } };
}
