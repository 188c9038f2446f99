// Hostile HTTP bodies against the whole app (fast-check): malformed JSON, wrong types, unknown
// fields, deep nesting, oversized bodies, wrong content types, on every route that takes a body
// or a query. Every answer is a 4xx naming a problem; no 5xx, no crash, no saga created or changed.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { BODY_LIMIT_BYTES } from '../../../apps/coordinator/src/http/index.js';
import { startSecuredApp, type SecuredApp } from '../../support/secured-app.js';
import { ADMIN_HEADERS } from '../../support/test-credentials.js';

const RUNS = 1_000;

/** A body that is not a valid request for any route: never a JSON object of allowed fields. */
const malformedBody: fc.Arbitrary<string> = fc.oneof(
  // Not JSON at all, or truncated JSON.
  fc.string({ maxLength: 200 }).filter((text) => !isJson(text)),
  fc.json().map((text) => `${text}{`),
  // JSON of the wrong shape: scalars, arrays, objects with unknown or mistyped fields.
  fc
    .oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.string())
    .map((v) => JSON.stringify(v)),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 5 }).map((v) => JSON.stringify(v)),
  fc
    .record({
      sagaType: fc.oneof(fc.integer(), fc.string({ maxLength: 300 }), fc.constant(null)),
      idempotencyKey: fc.oneof(fc.integer(), fc.string({ minLength: 501, maxLength: 600 })),
      input: fc.jsonValue({ maxDepth: 3 }),
      reason: fc.oneof(
        fc.integer(),
        fc.constant(''),
        fc.string({ minLength: 2_001, maxLength: 2_100 }),
      ),
      __proto__: fc.jsonValue({ maxDepth: 1 }),
    })
    .map((v) => JSON.stringify(v)),
  fc
    .dictionary(fc.string({ minLength: 1, maxLength: 20 }), fc.jsonValue({ maxDepth: 2 }), {
      minKeys: 1,
      maxKeys: 6,
    })
    .map((v) => JSON.stringify({ ...v, ['unexpected-' + Object.keys(v).length]: true })),
  // Nested deeper than the limit, closed or not.
  fc.integer({ min: 40, max: 20_000 }).map((depth) => '['.repeat(depth) + ']'.repeat(depth)),
  fc
    .integer({ min: 40, max: 2_000 })
    .map((depth) => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth)),
);

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

describe('hostile HTTP bodies', () => {
  let app: SecuredApp;
  let existing: string;
  const statuses = new Map<number, number>();

  async function census(): Promise<string> {
    const [row] = await app.environment.db.query<{ sagas: string; versions: string }[]>(
      `SELECT count(*) AS sagas, coalesce(sum(row_version), 0) AS versions FROM sagas`,
    );
    return `${row?.sagas}/${row?.versions}`;
  }

  async function send(method: string, path: string, body: string, contentType: string) {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: { ...ADMIN_HEADERS, 'content-type': contentType },
      body,
    });
    const answer = (await response.json()) as { statusCode: number; message: string };
    statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    expect(response.status).toBeGreaterThanOrEqual(400);
    expect(response.status).toBeLessThan(500);
    expect(answer.statusCode).toBe(response.status);
    expect(answer.message.length).toBeGreaterThan(0);
  }

  beforeAll(async () => {
    app = await startSecuredApp('it_http_fuzz', { MAX_CONTEXT_BYTES: '4096' });
    const started = await fetch(`${app.url}/sagas`, {
      method: 'POST',
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({
        sagaType: 'order',
        idempotencyKey: 'fuzz-existing',
        input: {
          orderId: 'o',
          customerId: 'c',
          items: [{ sku: 's', quantity: 1 }],
          amount: 1,
          currency: 'EUR',
        },
      }),
    });
    existing = ((await started.json()) as { sagaId: string }).sagaId;
    // Let it finish so that its row no longer changes on its own.
    for (let i = 0; i < 200; i++) {
      const view = await fetch(`${app.url}/sagas/${existing}`, { headers: ADMIN_HEADERS });
      if (((await view.json()) as { status: string }).status === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });

  afterAll(async () => {
    await app?.close();
  });

  it(`answers ${RUNS} malformed bodies on every route with a 4xx and changes nothing`, async () => {
    const before = await census();
    const routes = fc.constantFrom(
      ['POST', '/sagas'],
      ['POST', `/sagas/${randomUUID()}/cancel`],
      ['POST', '/sagas/__existing__/cancel'],
      ['POST', '/sagas/__existing__/resume'],
    );
    await fc.assert(
      fc.asyncProperty(routes, malformedBody, async ([method, path], body) => {
        await send(method!, path!.replace('__existing__', existing), body, 'application/json');
      }),
      { numRuns: RUNS, seed: 9 },
    );
    expect(await census()).toBe(before);
  }, 120_000);

  it('answers oversized bodies with 413 and other content types with 415', async () => {
    const before = await census();
    const huge = fc.integer({ min: BODY_LIMIT_BYTES + 1, max: BODY_LIMIT_BYTES + 50_000 });
    await fc.assert(
      fc.asyncProperty(huge, async (size) => {
        const body = JSON.stringify({ sagaType: 'order', input: 'x'.repeat(size) });
        await send('POST', '/sagas', body, 'application/json');
      }),
      { numRuns: 20, seed: 9 },
    );
    const types = fc.constantFrom(
      'text/plain',
      'application/x-www-form-urlencoded',
      'application/xml',
    );
    await fc.assert(
      fc.asyncProperty(types, fc.string({ minLength: 1, maxLength: 100 }), async (type, body) => {
        await send('POST', '/sagas', body, type);
      }),
      { numRuns: 50, seed: 9 },
    );
    expect(statuses.get(413)).toBeGreaterThanOrEqual(20);
    expect(statuses.get(415)).toBeGreaterThanOrEqual(50);
    expect(await census()).toBe(before);
  }, 120_000);

  it('refuses hostile queries on the list and an input over the context cap', async () => {
    const query = fc
      .dictionary(
        fc.constantFrom(
          'limit',
          'status',
          'createdFrom',
          'cursor',
          'sagaType',
          'evil',
          '__proto__',
        ),
        fc.oneof(fc.string({ maxLength: 600 }), fc.constantFrom('0', '-1', '201', '1e9', 'NaN')),
        { minKeys: 1 },
      )
      .filter((q) => !Object.entries(q).every(([key, value]) => isHarmless(key, value)));
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const response = await fetch(`${app.url}/sagas?${new URLSearchParams(q).toString()}`, {
          headers: ADMIN_HEADERS,
        });
        expect(response.status).toBe(400);
      }),
      { numRuns: 200, seed: 9 },
    );
    const big = await fetch(`${app.url}/sagas`, {
      method: 'POST',
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({
        sagaType: 'order',
        idempotencyKey: 'too-big',
        input: {
          orderId: 'o'.repeat(100),
          customerId: 'c',
          items: Array.from({ length: 100 }, () => ({ sku: 's'.repeat(100), quantity: 1 })),
          amount: 1,
          currency: 'EUR',
          payment: { cardToken: 't'.repeat(200) },
        },
      }),
    });
    // 100 items of 100-character SKUs fit the schema, but not the 4 KiB cap on a saga's context.
    expect(big.status).toBe(400);
    expect(await big.json()).toMatchObject({
      problems: [{ field: 'input', message: 'larger than 4096 bytes' }],
    });
  });

  it('still answers afterwards', async () => {
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
  });
});

/** A query value that a list request may legitimately carry (no 400 expected). */
function isHarmless(key: string, value: string): boolean {
  if (key === 'sagaType') return value.length >= 1 && value.length <= 200;
  return false;
}
