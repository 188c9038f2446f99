import { performance } from 'node:perf_hooks';
import type { SagaEnd, StartLatencies } from './bench-system.js';
import { BENCH_SAGA } from './bench-saga.js';
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
    const request = fetch(`${this.url}/sagas`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': this.apiKey },
      body: JSON.stringify({ sagaType: BENCH_SAGA, idempotencyKey: key, input: { key, fail } }),
    })
      .then(async (response) => {
        const text = await response.text();
        if (response.status === 202) this.acceptedMs.push(performance.now() - sent);
        else this.refuse(`${response.status} ${text.slice(0, 200)}`);
      })
      // fetch's own error says only "fetch failed": the socket's error is its cause.
      .catch((error: unknown) =>
        this.refuse(`${String(error)} (${String((error as Error).cause)})`),
      )
      .finally(() => this.inFlight.delete(request));
    this.inFlight.add(request);
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
    await this.ends.close();
  }

  private refuse(reason: string): void {
    this.refused++;
    this.firstRefusal ??= reason;
  }
}
