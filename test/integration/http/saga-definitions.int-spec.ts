// The saga definitions over HTTP, on the embedded coordinator (the whole AppModule): the list,
// one definition with its document, and the JSON Schema of a document, which validates the
// order saga's own file.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { parse } from 'yaml';
import { startSecuredApp, type SecuredApp } from '../../support/secured-app.js';
import { ADMIN_HEADERS } from '../../support/test-credentials.js';

describe('GET /saga-definitions', () => {
  let app: SecuredApp;

  beforeAll(async () => {
    app = await startSecuredApp('it_definitions_api', {}, { participants: false });
  });

  afterAll(async () => {
    await app?.close();
  });

  const get = (path: string) => fetch(`${app.url}${path}`, { headers: ADMIN_HEADERS });

  it('lists every definition with its steps, participants and source', async () => {
    const response = await get('/saga-definitions');
    expect(response.status).toBe(200);
    const list = (await response.json()) as { name: string; source: string; steps: unknown[] }[];
    expect(list).toEqual([
      expect.objectContaining({
        name: 'order',
        version: 1,
        source: 'document',
        participants: ['inventory', 'notification', 'payment', 'shipping'],
      }),
    ]);
    expect(list[0]!.steps).toHaveLength(5);
  });

  it('shows one definition with the document it was compiled from, and 404 for another', async () => {
    const response = await get('/saga-definitions/order/versions/1');
    expect(response.status).toBe(200);
    const view = (await response.json()) as { document: unknown; steps: { payload: string }[] };
    expect(view.document).toEqual(parse(readFileSync('definitions/order.v1.yaml', 'utf8')));
    expect(view.steps[0]!.payload).toContain('context.orderId');
    expect((await get('/saga-definitions/order/versions/9')).status).toBe(404);
    expect((await get('/saga-definitions/order/versions/one')).status).toBe(400);
  });

  it('serves the JSON Schema of a document without credentials, and it accepts the order saga file', async () => {
    const response = await fetch(`${app.url}/saga-definitions/schema`);
    expect(response.status).toBe(200);
    const schema = (await response.json()) as Record<string, unknown>;
    const validate = new Ajv2020({ strict: false }).compile(schema);
    const order = parse(readFileSync('definitions/order.v1.yaml', 'utf8')) as unknown;
    expect(validate(order)).toBe(true);
    expect(validate({ ...(order as object), colour: 'red' })).toBe(false);
  });
});
