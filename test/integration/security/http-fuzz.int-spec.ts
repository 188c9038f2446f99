// Hostile HTTP bodies against the whole app (fast-check): malformed JSON, wrong types, unknown
// fields, deep nesting, oversized bodies, wrong content types, text Postgres cannot store
// (`\u0000`, lone surrogates) anywhere, on every route that takes a body or a query. Every
// answer is a 4xx naming a problem; no 5xx, no crash, no saga created or changed.
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { BODY_LIMIT_BYTES } from '../../../apps/coordinator/src/http/index.js';
import { startSecuredApp, type SecuredApp } from '../../support/secured-app.js';
import { ADMIN_HEADERS } from '../../support/test-credentials.js';

const RUNS = 1_000;

/** Text Postgres refuses in text and jsonb: U+0000 and UTF-16 surrogates without their pair. */
const unstorable = fc.constantFrom('\u0000', '\ud800', '\udfff', '\ud800\ud800', 'a\u0000b');

/** `text` with `poison` put in at `at` (modulo its length). */
const spliced = (text: string, poison: string, at: number) => {
  const index = text.length === 0 ? 0 : at % (text.length + 1);
  return `${text.slice(0, index)}${poison}${text.slice(index)}`;
};

const validInput = {
  orderId: 'o',
  customerId: 'c',
  items: [{ sku: 's', quantity: 1 }],
  amount: 1,
  currency: 'EUR',
};

/** A start request, otherwise valid, with unstorable text in one of its strings or keys. */
const unstorableStart: fc.Arbitrary<string> = fc
  .tuple(
    fc.constantFrom(
      'sagaType',
      'idempotencyKey',
      'orderId',
      'customerId',
      'sku',
      'currency',
      'key',
    ),
    unstorable,
    fc.nat(),
  )
  .map(([field, poison, at]) => {
    const request = { sagaType: 'order', idempotencyKey: 'fuzz-unstorable', input: validInput };
    const poisoned = (text: string) => spliced(text, poison, at);
    switch (field) {
      case 'sagaType':
      case 'idempotencyKey':
        return JSON.stringify({ ...request, [field]: poisoned(request[field]) });
      case 'sku':
        return JSON.stringify({
          ...request,
          input: { ...validInput, items: [{ sku: poisoned('s'), quantity: 1 }] },
        });
      case 'key':
        return JSON.stringify({ ...request, input: { ...validInput, [poisoned('extra')]: 1 } });
      default:
        return JSON.stringify({ ...request, input: { ...validInput, [field]: poisoned('x') } });
    }
  });

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
  // Text Postgres cannot store, in a start request or a cancel reason.
  unstorableStart,
  fc
    .tuple(fc.string({ maxLength: 20 }), unstorable, fc.nat())
    .map(([text, poison, at]) => JSON.stringify({ reason: spliced(`r${text}`, poison, at) })),
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
    const [row] = await app.environment.db.query<{ sagas: string; versions: string }>(
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
        fc.oneof(
          fc.string({ maxLength: 600 }),
          fc.constantFrom('0', '-1', '201', '1e9', 'NaN'),
          fc
            .tuple(fc.string({ maxLength: 20 }), unstorable, fc.nat())
            .map(([text, poison, at]) => spliced(`s${text}`, poison, at)),
        ),
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

  it('answers text Postgres cannot store with a 400 naming the field, on every route', async () => {
    const before = await census();
    const start = await fetch(`${app.url}/sagas`, {
      method: 'POST',
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({
        sagaType: 'order',
        idempotencyKey: 'unstorable',
        input: { ...validInput, orderId: 'o\u0000', items: [{ sku: 's\ud800', quantity: 1 }] },
      }),
    });
    expect(start.status).toBe(400);
    expect(await start.json()).toMatchObject({
      problems: [
        { field: 'input.orderId', message: expect.stringContaining('U+0000') },
        { field: 'input.items.0.sku', message: expect.stringContaining('lone surrogate') },
      ],
    });
    const cancel = await fetch(`${app.url}/sagas/${existing}/cancel`, {
      method: 'POST',
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'because\u0000' }),
    });
    expect(cancel.status).toBe(400);
    expect(await cancel.json()).toMatchObject({ problems: [{ field: 'reason' }] });
    for (const path of [
      '/sagas?sagaType=order%00',
      '/sagas?cursor=%00',
      '/sagas/stuck?cursor=%00',
      '/dead-letters?topic=t%00',
      '/dead-letters?originalTopic=%00',
    ]) {
      const response = await fetch(`${app.url}${path}`, { headers: ADMIN_HEADERS });
      expect({ path, status: response.status }).toEqual({ path, status: 400 });
    }
    const replay = await fetch(`${app.url}/dead-letters/replay`, {
      method: 'POST',
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify({ originalTopic: 't\u0000' }),
    });
    expect(replay.status).toBe(400);
    expect(await census()).toBe(before);
  });

  it('still answers afterwards', async () => {
    expect((await fetch(`${app.url}/health/live`)).status).toBe(200);
  });
});

/** A query value that a list request may legitimately carry (no 400 expected). */
function isHarmless(key: string, value: string): boolean {
  // A URL carries a lone surrogate as U+FFFD (harmless); U+0000 arrives as it is.
  const arriving = value.toWellFormed();
  if (key === 'sagaType') {
    return !arriving.includes('\u0000') && arriving.length >= 1 && arriving.length <= 200;
  }
  return false;
}
