import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { IdleResult } from './bench-result.js';
import { cpuSnapshot, postgresServerPids } from './process-stats.js';
import { systemCpu, type BenchServices } from './rate-step.js';
import { runPostgresPids } from './service-counters.js';
import type { TimedSystem } from './timed-system.js';

/**
 * What `system` costs with no saga to run: the CPU its processes, the Kafka broker and Postgres
 * use over `seconds` of quiet, counted as for a rate (systemCpu), in cores (CPU seconds per
 * second). Polling loops, fetches and heartbeats: what a deployment pays at night.
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
  const postgresPids = await runPostgresPids(db, runId, serverAfter);
  const cores = systemCpu(before, after, {
    own,
    kafkaPid,
    postgresPids: serverAfter.length > 0 ? postgresPids : null,
    scale: (cpuSeconds) => cpuSeconds / elapsedSeconds,
  });
  return { seconds, cores };
}
