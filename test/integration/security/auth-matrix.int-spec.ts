// Every endpoint × every kind of caller, against the whole app: no credentials, a wrong key, a
// revoked key, an expired, wrong-audience, wrong-issuer or unsigned token → 401; a caller
// without the route's role → 403; a caller with it gets the route's own answer.
import { randomUUID } from 'node:crypto';
import { UnsecuredJWT } from 'jose';
import { startSecuredApp, type SecuredApp } from '../../support/secured-app.js';
import { oneStepDocument } from '../../support/definition-documents.js';
import { ADMIN_HEADERS, asKey, signTestToken, TEST_JWT } from '../../support/test-credentials.js';

type Caller = () => Promise<Record<string, string>>;
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const now = () => Math.floor(Date.now() / 1000);

const refused: Record<string, Caller> = {
  'no credentials': async () => ({}),
  'a wrong key': async () => ({ 'x-api-key': 'wrong-key-0123456789abcdef0123456789abcdef' }),
  'a revoked key': async () => asKey('revoked'),
  'an expired token': async () =>
    bearer(await signTestToken('eve', ['operate'], { expiresAt: now() - 3600 })),
  'a wrong-audience token': async () =>
    bearer(await signTestToken('eve', ['operate'], { audience: 'another-service' })),
  'a wrong-issuer token': async () =>
    bearer(await signTestToken('eve', ['operate'], { issuer: 'https://evil.test' })),
  'an alg-none token': async () =>
    bearer(
      new UnsecuredJWT({ roles: ['operate'] })
        .setSubject('eve')
        .setIssuer(TEST_JWT.issuer)
        .setAudience(TEST_JWT.audience)
        .setExpirationTime(now() + 60)
        .encode(),
    ),
};

const roles: Record<string, Caller> = {
  'read key': async () => asKey('reader'),
  'read-sensitive key': async () => asKey('sensitiveReader'),
  'start key': async () => asKey('starter'),
  'start key limited to order': async () => asKey('orderStarter'),
  'operate key': async () => asKey('operator'),
  'define key': async () => asKey('definer'),
  'read token': async () => bearer(await signTestToken('rita', ['read'])),
  'start token': async () => bearer(await signTestToken('sam', ['start'])),
  'start token limited to refunds': async () =>
    bearer(await signTestToken('sam', ['start'], { sagaTypes: ['refund'] })),
  'operate token': async () => bearer(await signTestToken('olga', ['operate'])),
  'define token': async () => bearer(await signTestToken('dana', ['define'])),
};

const MATRIX_DEFINITION = oneStepDocument('matrix', 1, 'idle');

const orderInput = (orderId: string) => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'pear', quantity: 1 }],
  amount: 10,
  currency: 'EUR',
});

describe('who may call which endpoint', () => {
  let app: SecuredApp;
  let sagaId: string;

  interface Endpoint {
    readonly name: string;
    /** The role it requires; undefined: open to all (health, the AsyncAPI document, the definition schema). */
    readonly role?: 'read' | 'start' | 'operate' | 'define';
    /** The answer a caller with the role gets. */
    readonly allowed: number;
    call(headers: Record<string, string>): Promise<Response>;
  }

  const request =
    (method: string, path: string, body?: unknown) => (headers: Record<string, string>) =>
      fetch(`${app.url}${path}`, {
        method,
        headers: {
          ...headers,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });

  async function startOrder(): Promise<string> {
    const response = await request('POST', '/sagas', {
      sagaType: 'order',
      idempotencyKey: randomUUID(),
      input: orderInput(randomUUID()),
    })(ADMIN_HEADERS);
    expect(response.status).toBe(202);
    return ((await response.json()) as { sagaId: string }).sagaId;
  }

  const endpoints: Endpoint[] = [
    { name: 'GET /health/live', allowed: 200, call: (h) => request('GET', '/health/live')(h) },
    { name: 'GET /health/ready', allowed: 200, call: (h) => request('GET', '/health/ready')(h) },
    { name: 'GET /asyncapi.json', allowed: 200, call: (h) => request('GET', '/asyncapi.json')(h) },
    {
      name: 'GET /saga-definitions/schema',
      allowed: 200,
      call: (h) => request('GET', '/saga-definitions/schema')(h),
    },
    {
      name: 'GET /saga-definitions',
      role: 'read',
      allowed: 200,
      call: (h) => request('GET', '/saga-definitions')(h),
    },
    {
      name: 'GET /saga-definitions/:name/versions/:version',
      role: 'read',
      allowed: 200,
      call: (h) => request('GET', '/saga-definitions/order/versions/1')(h),
    },
    {
      name: 'PUT /saga-definitions/:name/versions/:version',
      role: 'define',
      // Registered in beforeAll: the same document again.
      allowed: 200,
      call: (h) => request('PUT', '/saga-definitions/matrix/versions/1', MATRIX_DEFINITION)(h),
    },
    {
      name: 'POST /saga-definitions/:name/versions/:version/retire',
      role: 'define',
      // Version 2 never serves a start: retiring it again is fine.
      allowed: 200,
      call: (h) =>
        request('POST', '/saga-definitions/matrix/versions/2/retire', { reason: 'matrix' })(h),
    },
    {
      name: 'GET /saga-definitions/:name/routing',
      role: 'read',
      allowed: 200,
      call: (h) => request('GET', '/saga-definitions/matrix/routing')(h),
    },
    {
      name: 'PUT /saga-definitions/:name/routing',
      role: 'define',
      allowed: 200,
      call: (h) =>
        request('PUT', '/saga-definitions/matrix/routing', { active: 1, reason: 'matrix' })(h),
    },
    {
      name: 'POST /sagas',
      role: 'start',
      allowed: 202,
      call: (h) =>
        request('POST', '/sagas', {
          sagaType: 'order',
          idempotencyKey: randomUUID(),
          input: orderInput(randomUUID()),
        })(h),
    },
    { name: 'GET /sagas', role: 'read', allowed: 200, call: (h) => request('GET', '/sagas')(h) },
    {
      name: 'GET /sagas/:id',
      role: 'read',
      allowed: 200,
      call: (h) => request('GET', `/sagas/${sagaId}`)(h),
    },
    {
      name: 'POST /sagas/:id/cancel',
      role: 'operate',
      allowed: 200,
      // A saga of its own each time: a second cancel would be a 409.
      call: async (h) => request('POST', `/sagas/${await startOrder()}/cancel`, {})(h),
    },
    {
      name: 'POST /sagas/:id/resume',
      role: 'operate',
      // Only a stuck saga resumes: for a running one the operator gets 409, past the guard.
      allowed: 409,
      call: async (h) => request('POST', `/sagas/${await startOrder()}/resume`, {})(h),
    },
  ];

  beforeAll(async () => {
    // No participant answers: sagas stay running, so each cancel finds its saga still running.
    app = await startSecuredApp('it_auth_matrix', {}, { participants: false });
    sagaId = await startOrder();
    const registered = await request(
      'PUT',
      '/saga-definitions/matrix/versions/1',
      MATRIX_DEFINITION,
    )(ADMIN_HEADERS);
    expect(registered.status).toBe(201);
    const second = await request(
      'PUT',
      '/saga-definitions/matrix/versions/2',
      oneStepDocument('matrix', 2, 'idle'),
    )(ADMIN_HEADERS);
    expect(second.status).toBe(201);
  });

  afterAll(() => app?.close());

  describe.each(endpoints.map((endpoint) => [endpoint.name, endpoint] as const))(
    '%s',
    (_, endpoint) => {
      it.each(Object.entries(refused))('with %s: 401 unless open', async (_caller, headers) => {
        const response = await endpoint.call(await headers());
        expect(response.status).toBe(endpoint.role === undefined ? endpoint.allowed : 401);
        if (response.status === 401) {
          expect(response.headers.get('www-authenticate')).toContain('Bearer');
        }
      });

      it.each(Object.entries(roles))('with a %s', async (caller, headers) => {
        const response = await endpoint.call(await headers());
        const required = endpoint.role;
        const granted =
          required === undefined ||
          (caller.startsWith(required === 'read' ? 'read' : required) &&
            !caller.endsWith('limited to refunds'));
        // A start token limited to other saga types holds the role but may not start an order.
        expect(response.status).toBe(granted ? endpoint.allowed : 403);
      });
    },
  );

  it('records the authenticated caller as the actor of an operator action', async () => {
    const id = await startOrder();
    const response = await request('POST', `/sagas/${id}/cancel`, { reason: 'test' })({
      ...bearer(await signTestToken('olga', ['operate'])),
      'x-actor': 'someone-else',
    });
    expect(response.status).toBe(200);
    const [audit] = await app.environment.db.query<{ actor: string }>(
      `SELECT actor FROM saga_audit WHERE saga_id = $1 AND event_type = 'cancel'`,
      [id],
    );
    expect(audit?.actor).toBe('jwt:olga');
  });
});
