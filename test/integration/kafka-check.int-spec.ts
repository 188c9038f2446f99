// deploy/local/kafka-check.sh, which the test, chaos and bench scripts run on a broker they are
// given (KAFKA_BROKERS set): it passes when a listed broker answers and fails at once, naming
// the brokers, when none does, so a suite never waits out every test's client timeouts.
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { kafkaBrokers } from '../support/services.js';

function check(brokers: string): { status: number | null; stderr: string } {
  const run = spawnSync('bash', ['deploy/local/kafka-check.sh'], {
    env: { ...process.env, KAFKA_BROKERS: brokers },
    encoding: 'utf8',
  });
  return { status: run.status, stderr: run.stderr };
}

describe('kafka-check.sh', () => {
  let silent: Server;
  let silentPort: number;

  beforeAll(async () => {
    // Takes connections and never answers: a port that is open but is no broker.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentPort = (silent.address() as { port: number }).port;
  });

  afterAll(() => new Promise<void>((resolve) => silent.close(() => resolve())));

  it('passes when the broker answers', () => {
    expect(check(kafkaBrokers().join(','))).toMatchObject({ status: 0, stderr: '' });
  });

  it('passes when a broker listed after one that is down answers', () => {
    expect(check(['127.0.0.1:1', ...kafkaBrokers()].join(','))).toMatchObject({ status: 0 });
  });

  it('fails, naming the brokers, when none accepts a connection', () => {
    // Port 1 of the loopback: nothing listens there on a test machine.
    const { status, stderr } = check('127.0.0.1:1');
    expect(status).toBe(1);
    expect(stderr).toContain('no Kafka broker answers at KAFKA_BROKERS=127.0.0.1:1');
    expect(stderr).toContain('127.0.0.1:1: Connection error: connect ECONNREFUSED');
    expect(stderr).not.toContain('Warning'); // kafkajs's harmless Node 24 warning stays out
  });

  it('stops the test scripts before any test when the broker they are given is down', () => {
    // As scripts/test.sh, chaos.sh and bench.sh begin (set -euo pipefail), before they build.
    const run = spawnSync(
      'bash',
      [
        '-c',
        'set -euo pipefail; source scripts/node-env.sh; source scripts/local-services.sh; echo went-on',
      ],
      { env: { ...process.env, KAFKA_BROKERS: '127.0.0.1:1' }, encoding: 'utf8' },
    );
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('no Kafka broker answers at KAFKA_BROKERS=127.0.0.1:1');
    expect(run.stdout).not.toContain('went-on');
  });

  it('fails when a port takes connections but does not speak Kafka (its request times out)', () => {
    const { status, stderr } = check(`127.0.0.1:${silentPort}`);
    expect(status).toBe(1);
    expect(stderr).toContain(`no Kafka broker answers at KAFKA_BROKERS=127.0.0.1:${silentPort}`);
  });
});
