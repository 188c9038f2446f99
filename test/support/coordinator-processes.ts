// Built coordinator processes on one environment: launched, killed without warning, replaced.
import { readyUrl, startService, type ServiceProcess } from './service-process.js';

/** The coordinator's entry in dist/ (built by `npm run build`). */
export const COORDINATOR_ENTRY = 'dist/apps/coordinator/src/main.js';

/** One coordinator process. */
export interface CoordinatorProcess {
  readonly service: ServiceProcess;
  /** Resolves with its base URL once it listens and is ready (its consumers joined their groups). */
  readonly url: Promise<string>;
  readonly spawnedAt: number;
}

/**
 * Starts a coordinator process with `env` (plus PORT=0); its `url` resolves once it listens and
 * is ready (`/health/ready`: database, broker, consumers joined). A process started while a killed
 * predecessor still counts as a member of the consumer groups is ready only once the broker
 * has evicted that member (its session timeout), hence the long wait.
 */
export function launchCoordinator(
  env: Record<string, string>,
  listenTimeoutMs = 90_000,
): CoordinatorProcess {
  const spawnedAt = Date.now();
  const service = startService(COORDINATOR_ENTRY, { ...env, PORT: '0' });
  const url = readyUrl(service, listenTimeoutMs);
  url.catch(() => undefined); // awaited by whoever needs it; a failure must not go unhandled
  return { service, url, spawnedAt };
}

/** Kills the process with SIGKILL; resolves with the time it was seen dead (epoch ms). */
export async function killHard(coordinator: CoordinatorProcess): Promise<number> {
  await coordinator.service.stop('SIGKILL');
  return Date.now();
}
