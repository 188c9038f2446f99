// The built coordinator as its own process on the real Kafka and Postgres, driven over HTTP,
// with the sample participants on Kafka in the test's process: a saga started over HTTP runs
// to its end, the API shows its steps and whole history, and wrong requests get clear 4xx.
import { randomUUID } from 'node:crypto';
import {
  createEnvironment,
  startKafkaParticipants,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { listeningUrl, startService, type ServiceProcess } from '../support/service-process.js';
import { ADMIN_HEADERS } from '../support/test-credentials.js';
import { waitFor } from '../support/wait-for.js';

const entry = 'dist/apps/coordinator/src/main.js';

const orderInput = (orderId: string) => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'pear', quantity: 2 }],
  amount: 80,
  currency: 'EUR',
});

interface SagaView {
  sagaId: string;
  sagaType: string;
  status: string;
  idempotencyKey: string;
  context: Record<string, unknown>;
  steps: { stepId: string; status: string; attempt: number }[];
  history: {
    eventType: string;
    fromStatus: string | null;
    toStatus: string;
    stepId: string | null;
    attempt: number | null;
    applied: boolean;
    detail: string;
  }[];
}

interface Problem {
  statusCode: number;
  error: string;
  message: string;
  problems?: { field: string; message: string }[];
}

describe('a coordinator process started over HTTP', () => {
  let environment: CoordinatorEnvironment;
  let service: ServiceProcess | undefined;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>> | undefined;
  let url: string;
  /** A saga started while no participant ran. */
  let waiting: string;

  // JSON even with nothing to say: the API refuses a change without it.
  const post = (path: string, body?: unknown) =>
    fetch(`${url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...ADMIN_HEADERS },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const get = (path: string) => fetch(`${url}${path}`, { headers: ADMIN_HEADERS });
  const startOrder = async (key: string) => {
    const response = await post('/sagas', {
      sagaType: 'order',
      idempotencyKey: key,
      input: orderInput(key),
    });
    expect(response.status).toBe(202);
    const answer = (await response.json()) as { sagaId: string };
    expect(response.headers.get('location')).toBe(`/sagas/${answer.sagaId}`);
    return answer.sagaId;
  };
  const readUntil = (sagaId: string, status: string) =>
    waitFor(
      `saga ${sagaId} to be ${status}`,
      async () => {
        const view = (await (await get(`/sagas/${sagaId}`)).json()) as SagaView;
        return view.status === status ? view : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100 },
    );
  const problemOf = async (response: Response, status: number) => {
    const body = (await response.json()) as Problem;
    expect({ status: response.status, body }).toMatchObject({
      status,
      body: { statusCode: status, message: expect.any(String) },
    });
    return body;
  };

  beforeAll(async () => {
    environment = await createEnvironment('e2e_http');
    // Reply timeouts of 20 s: the saga started before the participants never times out.
    service = startService(entry, { ...environment.env, PORT: '0', TIME_SCALE: '4' });
    url = await listeningUrl(service);
  });

  afterAll(async () => {
    await participants?.stop();
    await service?.stop('SIGTERM');
    await environment?.dispose();
  });

  it('refuses to resume a running saga with 409', async () => {
    waiting = await startOrder('http-waiting');
    const response = await post(`/sagas/${waiting}/resume`);
    const problem = await problemOf(response, 409);
    expect(problem.message).toContain('running');
    expect(((await (await get(`/sagas/${waiting}`)).json()) as SagaView).status).toBe('running');
  });

  describe('with the sample participants on Kafka', () => {
    beforeAll(async () => {
      participants = await startKafkaParticipants(environment);
    });

    it('completes the saga that waited for them', async () => {
      const view = await readUntil(waiting, 'completed');
      expect(view.steps.every((step) => step.status === 'succeeded')).toBe(true);
    });

    it('completes a saga started over HTTP, and shows its steps and whole history', async () => {
      const sagaId = await startOrder('http-order');
      const view = await readUntil(sagaId, 'completed');

      expect(view).toMatchObject({ sagaId, sagaType: 'order', idempotencyKey: 'http-order' });
      expect(view.context).toMatchObject({
        orderId: 'http-order',
        reservationId: expect.any(String),
        authorizationId: expect.any(String),
        captureId: expect.any(String),
        shipmentId: expect.any(String),
        notificationId: expect.any(String),
      });
      expect(view.steps).toEqual([
        expect.objectContaining({ stepId: 'reserve-inventory', status: 'succeeded', attempt: 1 }),
        expect.objectContaining({ stepId: 'authorize-payment', status: 'succeeded', attempt: 1 }),
        expect.objectContaining({ stepId: 'capture-payment', status: 'succeeded', attempt: 1 }),
        expect.objectContaining({ stepId: 'schedule-shipping', status: 'succeeded', attempt: 1 }),
        expect.objectContaining({ stepId: 'notify-customer', status: 'succeeded', attempt: 1 }),
      ]);
      // The whole story: started, one applied reply per step, completed.
      const [first, ...rest] = view.history;
      expect(first).toMatchObject({ eventType: 'start', fromStatus: null, toStatus: 'running' });
      expect(rest.map((entry) => [entry.eventType, entry.stepId, entry.applied]).sort()).toEqual([
        ['reply', 'authorize-payment', true],
        ['reply', 'capture-payment', true],
        ['reply', 'notify-customer', true],
        ['reply', 'reserve-inventory', true],
        ['reply', 'schedule-shipping', true],
      ]);
      expect(view.history.at(-1)).toMatchObject({ toStatus: 'completed' });
      expect(view.history.map((entry) => entry.detail).join('; ')).toContain(
        'sent capture-payment attempt 1',
      );

      const list = (await (await get('/sagas?sagaType=order&status=completed')).json()) as {
        items: { sagaId: string; status: string }[];
      };
      expect(list.items).toEqual(
        expect.arrayContaining([expect.objectContaining({ sagaId, status: 'completed' })]),
      );
      const all = (await (await get('/sagas')).json()) as { items: { sagaId: string }[] };
      expect(all.items[0]?.sagaId).toBe(sagaId); // newest first

      // Cancelling what is completed is illegal in its state.
      const cancel = await problemOf(
        await post(`/sagas/${sagaId}/cancel`, { reason: 'late' }),
        409,
      );
      expect(cancel.message).toContain('completed');
      expect(((await (await get(`/sagas/${sagaId}`)).json()) as SagaView).status).toBe('completed');
    });

    it('answers 400 naming sagaType for an unknown saga type', async () => {
      const response = await post('/sagas', {
        sagaType: 'no-such-saga',
        idempotencyKey: 'http-unknown',
        input: {},
      });
      const problem = await problemOf(response, 400);
      expect(problem.problems).toEqual([
        { field: 'sagaType', message: expect.stringContaining('no-such-saga') },
      ]);
    });

    it('answers 404 for an unknown saga id', async () => {
      const unknown = randomUUID();
      expect((await problemOf(await get(`/sagas/${unknown}`), 404)).message).toContain(unknown);
      await problemOf(await post(`/sagas/${unknown}/cancel`), 404);
      await problemOf(await post(`/sagas/${unknown}/resume`), 404);
    });
  });
});
