import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { waitFor } from './wait-for.js';

/** A built app started as its own process, as a user or an orchestrator would start it. */
export interface ServiceProcess {
  child: ChildProcess;
  /** Everything the process printed so far (stdout and stderr). */
  output(): string;
  /**
   * True once the process has ended, by an exit or by a signal (a process killed with a signal
   * has no exit code: `child.exitCode` alone stays null for it).
   */
  hasExited(): boolean;
  /** How it ended: `code N`, `signal SIGKILL`, or `running`. */
  ending(): string;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** Sends `signal` (default SIGTERM) and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Starts `node <entry>` from dist/ with only `env` (plus PATH and HOME) as its environment. */
export function startService(entry: string, env: Record<string, string>): ServiceProcess {
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing: build first (npm test does it through scripts/test.sh).`);
  }
  return startProcess(process.execPath, [entry], env);
}

/** Starts `command args` with only `env` (plus PATH and HOME) as its environment. */
export function startProcess(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
): ServiceProcess {
  const child = spawn(command, args, {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let printed = '';
  child.stdout?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  // A process that could not even be spawned says so (it has no exit code to wait for).
  child.on('error', (error) => (printed += `spawn failed: ${error.message}\n`));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  const hasExited = () => child.exitCode !== null || child.signalCode !== null;
  return {
    child,
    output: () => printed,
    hasExited,
    ending: () =>
      child.signalCode !== null
        ? `signal ${child.signalCode}`
        : child.exitCode !== null
          ? `code ${child.exitCode}`
          : 'running',
    exited,
    async stop(signal = 'SIGTERM') {
      if (!hasExited()) child.kill(signal);
      return exited;
    },
  };
}

/** Waits until the service prints `listening on <url>` and returns that URL. */
export async function listeningUrl(service: ServiceProcess, timeoutMs = 30_000): Promise<string> {
  return waitFor(
    'the service to listen',
    () => {
      if (service.hasExited()) {
        throw new Error(`the service exited early (${service.ending()}):\n${service.output()}`);
      }
      return /listening on (http:\/\/\S+)/.exec(service.output())?.[1];
    },
    { timeoutMs },
  ).catch((error: unknown) => {
    // Say what the service was doing when it did not come up (the last lines it printed).
    const tail = service.output().split('\n').slice(-40).join('\n');
    throw new Error(
      `${error instanceof Error ? error.message : String(error)}; it printed:\n${tail}`,
    );
  });
}

/**
 * Waits until the coordinator service listens and is ready (`/health/ready`: the database and
 * the broker answer, its consumers have joined their groups) and returns its URL. It listens
 * before the joins: a saga started in between waits for them, which a test with scaled-down
 * reply timeouts must not mistake for a silent participant.
 */
export async function readyUrl(service: ServiceProcess, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  const base = await listeningUrl(service, timeoutMs);
  return waitFor(
    'the coordinator to be ready (its consumers joined)',
    async () => {
      if (service.hasExited()) {
        throw new Error(`the service exited (${service.ending()}):\n${service.output()}`);
      }
      const ready = await fetch(`${base}/health/ready`).catch(() => undefined);
      return ready?.status === 200 ? base : undefined;
    },
    { timeoutMs: Math.max(1_000, deadline - Date.now()), intervalMs: 100 },
  );
}
