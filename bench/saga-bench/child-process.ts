import { fork, type ChildProcess } from 'node:child_process';

/** A Node.js process the bench started, ready once it sent 'ready' over IPC. */
export interface BenchChild {
  readonly pid: number;
  readonly child: ChildProcess;
  /** The URL it serves at, if it said so (`{ url }` over IPC) before 'ready'. */
  readonly url?: string;
  /** Asks it to stop (SIGTERM), then kills it after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Forks `script` (a built .js file) with `env` on top of this process's environment, and waits
 * until it says 'ready' (and, before that, where it serves, if it does); its output is kept and
 * printed only if it dies before that.
 */
export async function forkReady(
  script: string,
  env: Record<string, string>,
  options: { timeoutMs?: number; execArgv?: string[] } = {},
): Promise<BenchChild> {
  const child = fork(script, [], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    execArgv: options.execArgv ?? [],
  });
  let output = '';
  let url: string | undefined;
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => fail(new Error(`${script} not ready in ${options.timeoutMs ?? 120_000} ms`)),
      options.timeoutMs ?? 120_000,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n--- its output ---\n${output}`));
    };
    child.on('message', (message) => {
      if (isUrlMessage(message)) url = message.url;
      if (message !== 'ready') return;
      clearTimeout(timer);
      resolve();
    });
    child.once('exit', (code) => fail(new Error(`${script} exited (${code}) before ready`)));
  });
  child.removeAllListeners('exit');
  // Once ready, only the last lines matter, if anything goes wrong later.
  child.stdout?.off('data', keep);
  child.stdout?.resume();
  return {
    pid: child.pid!,
    child,
    ...(url === undefined ? {} : { url }),
    stop: (graceMs = 15_000) => stopChild(child, graceMs),
  };
}

async function stopChild(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

function isUrlMessage(message: unknown): message is { url: string } {
  return typeof (message as { url?: unknown } | null)?.url === 'string';
}
