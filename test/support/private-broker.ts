// A Kafka broker of one test's own (deploy/local/kafka-start.sh on free ports and a data dir of
// its own), for tests that stop and restart the broker: the shared broker stays untouched.
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { uniqueName } from './services.js';

const run = promisify(execFile);
const repo = process.cwd();

/** A TCP port nobody listens on right now. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A running private broker: its address, and stop/start that keep its topics and offsets. */
export interface PrivateBroker {
  /** `127.0.0.1:<port>`, for KAFKA_BROKERS. */
  readonly address: string;
  /** Stops the broker (SIGTERM, then SIGKILL after the grace); its data is kept. */
  stop(): Promise<void>;
  /** Starts it again on the same ports and data; resolves once it serves clients. */
  restart(): Promise<void>;
  /** Stops it and removes its data. */
  dispose(): Promise<void>;
}

/** Starts a private single-node broker; resolves once it serves clients. */
export async function startPrivateBroker(
  extraEnv: Record<string, string> = {},
): Promise<PrivateBroker> {
  const [port, controller] = [await freePort(), await freePort()];
  const dataDir = join(repo, '.cache', 'kafka', uniqueName('private'));
  const env = {
    ...process.env,
    KAFKA_DATA_DIR: dataDir,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controller),
    ...extraEnv,
  };
  const script = (name: string, more: Record<string, string> = {}) =>
    run('bash', [`deploy/local/${name}`], { env: { ...env, ...more }, cwd: repo });
  await script('kafka-start.sh');
  return {
    address: `127.0.0.1:${port}`,
    stop: async () => void (await script('kafka-stop.sh', { KAFKA_STOP_GRACE: '10' })),
    restart: async () => void (await script('kafka-start.sh', { KAFKA_KEEP_DATA: '1' })),
    async dispose() {
      await script('kafka-stop.sh', { KAFKA_STOP_GRACE: '5' });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
