import { performance } from 'node:perf_hooks';
import type { SagaEnd, StartLatencies } from './bench-system.js';
import { BENCH_SAGA } from './bench-saga.js';
import { keepAliveAgent, send } from './keep-alive-request.js';
import type { FrontDoor } from './kafka-front-door.js';
import { loadClient, SagaEndsWatcher } from './saga-ends.js';

/**
 * The coordinator's front door as an HTTP client sees it: each start is its own `POST /sagas`
 * (keep-alive connections, as many in flight as the load asks for), timed until its answer;
 * ends are read from `saga.events` as for the Kafka door.
 */
export class HttpFrontDoor implements FrontDoor {
  private readonly ends: SagaEndsWatcher;
  private acceptedMs: number[] = [];
  private refused = 0;
  private firstRefusal: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  /** Keeps the connections it opened, as many as are in flight. */
  private readonly agent = keepAliveAgent();

  constructor(
    brokers: readonly string[],
    topicPrefix: string,
    groupId: string,
    private readonly url: string,
    private readonly apiKey: string,
  ) {
    this.ends = new SagaEndsWatcher(loadClient(brokers), topicPrefix, groupId);
  }

  onEnd(listener: (key: string, end: SagaEnd) => void): void {
    this.ends.onEnd(listener);
  }

  connect(): Promise<void> {
    return this.ends.connect();
  }

  start(key: string, fail: boolean): void {
    const sent = performance.now();
    const body = JSON.stringify({
      sagaType: BENCH_SAGA,
      idempotencyKey: key,
      input: { key, fail },
    });
    const answered = send(
      this.agent,
      `${this.url}/sagas`,
      'POST',
      { 'x-api-key': this.apiKey },
      body,
    )
      .then(({ status, text }) => {
        if (status === 202) this.acceptedMs.push(performance.now() - sent);
        else this.refuse(`${status} ${text.slice(0, 200)}`);
      })
      .catch((error: unknown) => this.refuse(String(error)))
      .finally(() => this.inFlight.delete(answered));
    this.inFlight.add(answered);
  }

  takeStartLatencies(): StartLatencies {
    const taken = { acceptedMs: this.acceptedMs.sort((a, b) => a - b), refused: this.refused };
    if (this.firstRefusal)
      console.warn(`POST /sagas refused ${this.refused}×: ${this.firstRefusal}`);
    this.acceptedMs = [];
    this.refused = 0;
    this.firstRefusal = undefined;
    return taken;
  }

  async close(): Promise<void> {
    await Promise.all(this.inFlight);
    this.agent.destroy();
    await this.ends.close();
  }

  private refuse(reason: string): void {
    this.refused++;
    this.firstRefusal ??= reason;
  }
}
