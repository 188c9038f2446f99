// A flood of starts well above the cap on sagas in flight, on the built coordinator process:
// HTTP answers 202 or 429 with Retry-After, starts on the topic wait there (the consumer
// pauses), none is lost, and the process's memory stays bounded.
import { readFileSync } from 'node:fs';
import { HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES, topicNames } from '#contracts';
import { KafkaTransport } from '#messaging';
import {
  createEnvironment,
  startKafkaParticipants,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { launchCoordinator, type CoordinatorProcess } from '../support/coordinator-processes.js';
import { orderPlans, sagaProgress } from '../support/saga-load.js';
import { kafkaBrokers } from '../support/services.js';
import { ADMIN_HEADERS } from '../support/test-credentials.js';
import { waitFor } from '../support/wait-for.js';

const CAP = 50;
const TOPIC_STARTS = Number(process.env.FLOOD_TOPIC_STARTS ?? 1_000);
const HTTP_STARTS = Number(process.env.FLOOD_HTTP_STARTS ?? 300);
const HTTP_CONCURRENCY = 40;
/**
 * The starts handed in at once (START_CHUNK, set here so that the bound below does not move
 * with its default); the cap on sagas in flight is passed by at most one such chunk.
 */
const CHUNK = 100;

/** The process's resident memory and its peak so far, in MiB (Linux /proc). */
function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

describe('a start flood above the cap on sagas in flight', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorProcess | undefined;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>> | undefined;
  let producer: KafkaTransport | undefined;

  beforeAll(async () => {
    environment = await createEnvironment('e2e_flood');
  });

  afterAll(async () => {
    await participants?.stop();
    await producer?.close();
    await coordinator?.service.stop('SIGTERM');
    await environment?.dispose();
  });

  it('answers 429 or waits on the topic, loses none, and keeps memory bounded', async () => {
    coordinator = launchCoordinator({
      ...environment.env,
      MAX_SAGAS_IN_FLIGHT: String(CAP),
      START_CHUNK: String(CHUNK),
      CAPACITY_POLL_MS: '50',
    });
    const url = await coordinator.url;
    const pid = coordinator.service.child.pid!;
    // No participant answers until both floods are in: no saga can end meanwhile, so the cap is
    // reached and stays reached whatever the machine's speed, and HTTP starts past it get 429.
    producer = new KafkaTransport({ brokers: kafkaBrokers(), clientId: 'test-flood' });
    const baseline = memoryOf(pid);

    let peakInFlight = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const progress = await sagaProgress(environment.db);
        peakInFlight = Math.max(peakInFlight, progress.active);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();

    // The topic flood: every start at once.
    const topics = topicNames(environment.topicPrefix);
    const topicPlans = orderPlans('topic', TOPIC_STARTS);
    await producer.publisher.publish(
      topicPlans.map((plan) => ({
        topic: topics.start,
        key: plan.idempotencyKey,
        headers: {
          [HEADERS.messageId]: `start-${plan.idempotencyKey}`,
          [HEADERS.messageType]: MESSAGE_TYPES.start,
          [HEADERS.contentType]: JSON_CONTENT_TYPE,
        },
        value: JSON.stringify({
          sagaType: 'order',
          idempotencyKey: plan.idempotencyKey,
          input: plan.input,
        }),
      })),
    );

    // The HTTP flood, at the same time: no retries, every answer recorded.
    const httpPlans = orderPlans('http', HTTP_STARTS);
    const answers: { status: number; retryAfter: string | null }[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: HTTP_CONCURRENCY }, async () => {
        while (next < httpPlans.length) {
          const plan = httpPlans[next++]!;
          const response = await fetch(`${url}/sagas`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...ADMIN_HEADERS },
            body: JSON.stringify({
              sagaType: 'order',
              idempotencyKey: plan.idempotencyKey,
              input: plan.input,
            }),
          });
          await response.arrayBuffer();
          answers.push({
            status: response.status,
            retryAfter: response.headers.get('retry-after'),
          });
        }
      }),
    );

    const accepted = answers.filter((answer) => answer.status === 202).length;
    const refused = answers.filter((answer) => answer.status === 429);
    expect(accepted + refused.length).toBe(HTTP_STARTS);
    // At most the cap, one chunk of the topic and the requests under way get in before it holds.
    expect(accepted).toBeLessThanOrEqual(CAP + CHUNK + HTTP_CONCURRENCY);
    expect(refused.every((answer) => answer.retryAfter === '1')).toBe(true);
    participants = await startKafkaParticipants(environment);

    // Every start that was taken ends; none is lost on the way.
    const expected = TOPIC_STARTS + accepted;
    await waitFor(
      `${expected} sagas to end`,
      async () => {
        const progress = await sagaProgress(environment.db);
        return progress.total === expected && progress.terminal === expected ? progress : undefined;
      },
      { timeoutMs: 180_000, intervalMs: 250 },
    );
    sampling = false;
    await sampler;
    const [fromTopic] = await environment.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM sagas WHERE idempotency_key LIKE 'topic-%'`,
    );
    expect(fromTopic?.n).toBe(TOPIC_STARTS);
    expect(coordinator.service.output()).toContain('pausing the saga.start consumer');
    // The cap is passed by at most one chunk of the topic and the HTTP requests under way.
    expect(peakInFlight).toBeLessThanOrEqual(CAP + CHUNK + HTTP_CONCURRENCY);

    const memory = memoryOf(pid);
    console.log(
      `start flood: ${TOPIC_STARTS} on the topic + ${HTTP_STARTS} over HTTP (${accepted} accepted, ${refused.length} answered 429); ` +
        `cap ${CAP}, peak in flight ${peakInFlight}; coordinator RSS ${baseline.rss.toFixed(0)} MiB before, peak ${memory.peak.toFixed(0)} MiB`,
    );
    expect(memory.peak).toBeLessThan(512);
  });
});
