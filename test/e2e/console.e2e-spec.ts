// The operator console at /ui, in headless Chromium, against the built coordinator on the real
// Kafka and Postgres with the sample participants: sign in with a key, find a compensated saga
// by filter and read its graph and timeline (its card token masked for a reader), cancel a
// running saga with a reason (and see a 403 and a 409 in words), replay a dead letter, ramp a
// definition's new version, run a bulk cancel after its dry run. Each page is saved as a
// screenshot (coverage/console-screenshots/) and checked with axe-core.
import { HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES, topicNames } from '#contracts';
import { KafkaTransport, silentTransportLogger } from '#messaging';
import type { Page } from 'playwright-core';
import {
  createEnvironment,
  startKafkaParticipants,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { launchCoordinator, type CoordinatorProcess } from '../support/coordinator-processes.js';
import {
  launchConsoleBrowser,
  screenshot,
  seriousA11yViolations,
  type ConsoleBrowser,
} from '../support/console-browser.js';
import type { Document } from '../support/definition-documents.js';
import { startOtlpReceiver, type OtlpReceiver } from '../support/otlp-receiver.js';
import { orderInput } from '../support/saga-load.js';
import { kafkaBrokers } from '../support/services.js';
import { ADMIN_HEADERS, signTestToken, TEST_KEYS } from '../support/test-credentials.js';
import { waitFor } from '../support/wait-for.js';

const TRACE_TEMPLATE = 'http://localhost:16686/trace/{traceId}';
/** A card token, sensitive in the order saga: only read-sensitive callers see it. */
const CARD_TOKEN = 'tok_console_secret_4242';

/** A two-step saga whose participant nobody serves: it stays running, cancellable. */
const holdDocument = (name: string): Document => ({
  name,
  version: 1,
  input: { type: 'object' },
  steps: [
    {
      id: 'hold',
      participant: 'console-nobody',
      command: 'console-nobody.hold',
      payload: '{}',
      compensation: { command: 'console-nobody.release', payload: '{}' },
    },
    {
      id: 'finish',
      participant: 'console-nobody',
      command: 'console-nobody.finish',
      kind: 'pivot',
      dependsOn: ['hold'],
      payload: '{}',
    },
  ],
});

/** A pivot sent once to nobody, with a 300 ms reply timeout: its outcome unknown, it gets stuck. */
const stuckDocument = (name: string): Document => ({
  name,
  version: 1,
  input: { type: 'object' },
  steps: [
    {
      id: 'only',
      participant: 'console-void',
      command: 'console-void.do',
      kind: 'pivot',
      payload: '{}',
      timeoutMs: 300,
      retry: { maxAttempts: 1 },
    },
  ],
});

/** A definition registered (201), or registered before by another test (200). */
const REGISTERED = [200, 201];

describe('the operator console against a coordinator on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorProcess | undefined;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>> | undefined;
  let transport: KafkaTransport | undefined;
  let browser: ConsoleBrowser | undefined;
  let receiver: OtlpReceiver | undefined;
  let url: string;
  let page: Page;
  /** What went wrong in the page: uncaught errors, and anything its security policy refused. */
  const pageProblems: string[] = [];

  /** Calls the API as the admin; the parsed answer. */
  const api = async <T>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<T> => {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json', ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok)
      throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  /** Starts a saga as the admin; `headers` may carry the caller's trace context. */
  const startSaga = async (
    sagaType: string,
    idempotencyKey: string,
    input: unknown,
    headers: Record<string, string> = {},
  ) => {
    const body = { sagaType, idempotencyKey, input };
    return (await api<{ sagaId: string }>('POST', '/sagas', body, headers)).sagaId;
  };
  const sagaStatus = async (sagaId: string) =>
    (await api<{ status: string }>('GET', `/sagas/${sagaId}`)).status;
  const register = (document: Document) =>
    fetch(`${url}/saga-definitions/${document.name}/versions/${document.version}`, {
      method: 'PUT',
      headers: { ...ADMIN_HEADERS, 'content-type': 'application/json' },
      body: JSON.stringify(document),
    });

  /** Opens a page of the console, signing in with `key` when it asks. */
  const open = async (hash: string, key: string = TEST_KEYS.admin) => {
    await page.goto(`${url}/ui/${hash}`);
    const form = page.getByRole('button', { name: 'Sign in' });
    const nav = page.getByRole('navigation', { name: 'Pages', exact: true });
    await form.or(nav).first().waitFor();
    if (await form.isVisible()) {
      await page.getByRole('textbox', { name: 'API key' }).fill(key);
      await form.click();
      await nav.waitFor();
    }
  };
  /** Screenshot of the page as it is, and no serious or critical accessibility violation. */
  const checkPage = async (name: string) => {
    await screenshot(page, name);
    expect(await seriousA11yViolations(page)).toEqual([]);
  };
  const signOut = async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
  };

  beforeAll(async () => {
    environment = await createEnvironment('e2e_console');
    // Tracing on (to a receiver of the test's): a saga then has a trace id, and a trace link.
    receiver = await startOtlpReceiver();
    coordinator = launchCoordinator({
      ...environment.env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      STUCK_AFTER_MS: '600000',
      CONSOLE_TRACE_URL: TRACE_TEMPLATE,
    });
    url = await coordinator.url;
    participants = await startKafkaParticipants(environment);
    transport = new KafkaTransport(
      { brokers: kafkaBrokers(), clientId: 'test-console' },
      { logger: silentTransportLogger },
    );
    browser = await launchConsoleBrowser();
    page = browser.page;
    page.on('pageerror', (error) => pageProblems.push(error.message));
    page.on('console', (message) => {
      if (/Content Security Policy|Refused to/.test(message.text())) {
        pageProblems.push(message.text());
      }
    });
  });

  afterEach(() => {
    expect(pageProblems.splice(0)).toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    await transport?.close();
    await participants?.stop();
    await coordinator?.service.stop('SIGTERM');
    await environment?.dispose();
    await receiver?.close();
  });

  it('serves its files and settings to anyone, and prints its address at start', async () => {
    const config = await fetch(`${url}/ui/config.json`);
    expect(await config.json()).toEqual({ authRequired: true, traceUrlTemplate: TRACE_TEMPLATE });
    const index = await fetch(`${url}/ui/`);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await index.text()).toContain('<script type="module" src="console.js"></script>');
    const script = await fetch(`${url}/ui/console.js`);
    expect(script.status).toBe(200);
    expect(await script.text()).toMatch(
      /^\/\*! Third-party licences: third-party-notices\.txt \*\//,
    );
    // A browser revalidates the files (no-cache): the same file again is a 304 without a body.
    // (As a browser's reload does; without a Cache-Control of its own, fetch would send
    // `no-cache` with a conditional request, which asks for the file whatever its ETag.)
    const etag = script.headers.get('etag');
    expect(etag).toMatch(/^"[\w-]{43}"$/);
    const revalidate = { 'if-none-match': etag!, 'cache-control': 'max-age=0' };
    const again = await fetch(`${url}/ui/console.js`, { headers: revalidate });
    expect([again.status, await again.text()]).toEqual([304, '']);
    expect((await fetch(`${url}/ui/`, { headers: revalidate })).status).toBe(200);
    // The licences of the packages bundled into the script ship beside it.
    const notices = await fetch(`${url}/ui/third-party-notices.txt`);
    expect(notices.headers.get('content-type')).toContain('text/plain');
    const noticesText = await notices.text();
    for (const name of ['preact', '@dagrejs/dagre', '@dagrejs/graphlib']) {
      expect(noticesText).toContain(`\n${name} `);
    }
    expect(noticesText).toContain('Permission is hereby granted, free of charge');
    expect((await fetch(`${url}/ui/..%2Fpackage.json`)).status).toBe(404);
    // A 404 does not repeat the name asked for, and carries the page's headers too.
    const missing = await fetch(`${url}/ui/probe-%3Cb%3Ename%3C%2Fb%3E.js`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(await missing.text()).not.toContain('probe');
    expect(coordinator!.service.output()).toContain(`console: ${url}/ui/`);
  });

  it('signs in with an API key kept in the tab only, and refuses a wrong one', async () => {
    await page.goto(`${url}/ui/`);
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await checkPage('login');
    // A key with a character a header cannot carry: refused before anything is sent.
    const checks: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (request.url().includes('/saga-definitions')) checks.push(request.url());
    };
    page.on('request', onRequest);
    await page.getByRole('textbox', { name: 'API key' }).fill('kéy-pasted-from-a-document');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/only printable ASCII/);
    page.off('request', onRequest);
    expect(checks).toEqual([]);
    await page.getByRole('textbox', { name: 'API key' }).fill('not-a-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe(
      'These credentials were refused.',
    );
    await page.getByRole('textbox', { name: 'API key' }).fill(TEST_KEYS.admin);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Sagas', level: 1 }).waitFor();
    expect(page.url()).not.toContain(TEST_KEYS.admin);
    const kept = await page.evaluate(() =>
      (
        globalThis as unknown as { sessionStorage: { getItem(key: string): string | null } }
      ).sessionStorage.getItem('saga-console.credentials'),
    );
    expect(JSON.parse(kept!)).toEqual({ kind: 'api-key', secret: TEST_KEYS.admin });
  });

  it('finds a compensated saga by filter, and shows its step graph, timeline and masked input', async () => {
    const completed = await startSaga('order', 'console-ok-1', orderInput('console-ok-1'));
    // Started within a trace of the caller's: the saga's trace id is that trace's.
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const declined = await startSaga(
      'order',
      'console-declined-1',
      // The order saga's card token is sensitive (definitions/order.v1.yaml).
      { ...orderInput('console-declined-1'), amount: 50_000, payment: { cardToken: CARD_TOKEN } },
      { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
    );
    await waitFor(
      'both orders to end',
      async () =>
        ['completed', 'compensated'].includes(await sagaStatus(completed)) &&
        (await sagaStatus(declined)) === 'compensated',
    );

    await open('#/sagas');
    await page.getByLabel('Saga type').fill('order');
    await page.getByRole('checkbox', { name: 'compensated' }).check();
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await page.getByRole('link', { name: declined }).waitFor();
    expect(page.url()).toContain('#/sagas?type=order&statuses=compensated');
    await expect(
      page.getByText('sagaType == "order" && status == "compensated"').count(),
    ).resolves.toBe(1);
    await expect(page.getByRole('link', { name: completed }).count()).resolves.toBe(0);
    await checkPage('saga-list');
    // The filtered address, loaded again, shows the same filter and list.
    await page.reload();
    await page.getByRole('link', { name: declined }).waitFor();
    await expect(page.getByLabel('Saga type').inputValue()).resolves.toBe('order');
    await expect(page.getByRole('checkbox', { name: 'compensated' }).isChecked()).resolves.toBe(
      true,
    );
    await expect(page.getByRole('link', { name: completed }).count()).resolves.toBe(0);

    await page.getByRole('link', { name: declined }).click();
    await page.getByRole('heading', { name: `Saga ${declined} compensated` }).waitFor();
    // The page change is told as a page load: its title, and the focus on its heading.
    await page.locator('h1:focus').waitFor();
    await expect(page.title()).resolves.toBe(`Saga ${declined} – Saga console`);
    // The admin holds read-sensitive: the card token in clear.
    await expect(page.getByLabel('Input', { exact: true }).textContent()).resolves.toContain(
      CARD_TOKEN,
    );
    const graph = page.getByRole('img', { name: /^Step graph/ });
    await graph.locator('[data-step="authorize-payment"][data-state="failed"]').waitFor();
    await graph.locator('[data-step="reserve-inventory"][data-state="compensated"]').waitFor();
    await graph.locator('[data-step="capture-payment"][data-state="skipped"]').waitFor();
    const timeline = page.getByRole('table', { name: 'Timeline, oldest first' });
    const lastRow = timeline.locator('tbody tr').last();
    await expect(lastRow.locator('td').nth(3).textContent()).resolves.toContain(
      'step reserve-inventory compensated',
    );
    const firstRow = timeline.locator('tbody tr').first();
    await expect(firstRow.locator('td').nth(2).textContent()).resolves.toContain(
      'sent authorize-payment attempt 1',
    );
    await expect(
      page.getByRole('link', { name: `Open trace ${traceId}` }).getAttribute('href'),
    ).resolves.toBe(`http://localhost:16686/trace/${traceId}`);
    await checkPage('saga');

    // A reader without read-sensitive sees the input and context masked by the API.
    await signOut();
    await open(`#/sagas/${declined}`, TEST_KEYS.reader);
    await page.getByRole('heading', { name: `Saga ${declined} compensated` }).waitFor();
    const input = await page.getByLabel('Input', { exact: true }).textContent();
    expect(input).toContain('"cardToken": "[REDACTED]"');
    expect(input).not.toContain(CARD_TOKEN);
    expect(await page.getByLabel('Context', { exact: true }).textContent()).not.toContain(
      CARD_TOKEN,
    );
    await signOut();
  });

  it('says what is wrong with a bad query expression, and where', async () => {
    await open('#/sagas');
    await page.getByLabel('Query expression (added with &&)').fill('status == ');
    await page.getByRole('button', { name: 'Apply filter' }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(
      /^Invalid request: invalid q: .*character \d+/,
    );
    expect(page.url()).toContain('expression=status+%3D%3D+');

    // A malformed address is no page, not a blank one.
    await open('#/sagas/%E0');
    await page.getByRole('heading', { name: 'No such page', level: 1 }).waitFor();
    await expect(page.title()).resolves.toBe('No such page – Saga console');
  });

  it('cancels a running saga with a reason, and says a 409 and a 403 in words', async () => {
    expect(REGISTERED).toContain((await register(holdDocument('console-hold'))).status);
    const sagaId = await startSaga('console-hold', 'console-hold-1', {});
    await open(`#/sagas/${sagaId}`);
    await page.getByRole('heading', { name: `Saga ${sagaId} running` }).waitFor();

    await page.getByRole('button', { name: 'Cancel saga…' }).click();
    const dialog = page.getByRole('dialog', { name: `Cancel saga ${sagaId}` });
    const confirm = dialog.getByRole('button', { name: 'Cancel saga' });
    await expect(confirm.isDisabled()).resolves.toBe(true);
    await dialog.getByLabel('Reason (recorded in the audit log)').fill('customer called to cancel');
    await checkPage('cancel-dialog');
    await confirm.click();
    await page.getByRole('status').getByText('Done: the saga is compensating.').waitFor();
    // The dialog closed as a dialog does: the focus is back on the button that opened it.
    await expect(page.locator('button:focus').textContent()).resolves.toBe('Cancel saga…');
    expect(await sagaStatus(sagaId)).toBe('compensating');
    const history = (
      await api<{ history: { eventType: string; actor: string | null }[] }>(
        'GET',
        `/sagas/${sagaId}`,
      )
    ).history;
    expect(history).toContainEqual(
      expect.objectContaining({
        eventType: 'cancel',
        actor: 'key:admin',
        detail: expect.stringContaining('customer called to cancel'),
      }),
    );

    // Again: the saga is compensating already, a 409 shown in the dialog.
    await page.getByRole('button', { name: 'Cancel saga…' }).click();
    await dialog.getByLabel('Reason (recorded in the audit log)').fill('twice');
    await confirm.click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toMatch(
      /^Refused in this state: /,
    );
    await dialog.getByRole('button', { name: 'Close' }).click();

    // A reader may look but not act: a 403 in words.
    await signOut();
    await open(`#/sagas/${sagaId}`, TEST_KEYS.reader);
    await page.getByRole('button', { name: 'Cancel saga…' }).click();
    await dialog.getByLabel('Reason (recorded in the audit log)').fill('not mine to do');
    await confirm.click();
    await expect(dialog.getByRole('alert').textContent()).resolves.toBe(
      "Not allowed: the 'operate' role is required",
    );
    await dialog.getByRole('button', { name: 'Close' }).click();
    await signOut();
  });

  it('retries a step of a running saga, with a reason', async () => {
    expect(REGISTERED).toContain((await register(holdDocument('console-hold'))).status);
    const sagaId = await startSaga('console-hold', 'console-hold-retry', {});
    await open(`#/sagas/${sagaId}`);
    // Its first step's command is out, and nobody answers it.
    await page.locator('[data-step="hold"][data-state="running"]').waitFor();
    await page.getByRole('button', { name: 'Retry a step…' }).click();
    const dialog = page.getByRole('dialog', { name: `Retry a step of saga ${sagaId}` });
    await expect(dialog.getByLabel('Step').inputValue()).resolves.toBe('hold');
    await dialog.getByLabel('Reason (recorded in the audit log)').fill('participant restarted');
    await checkPage('retry-dialog');
    await dialog.getByRole('button', { name: 'Retry step' }).click();
    await page.getByRole('status').getByText('Done: the saga is running.').waitFor();
    const { history } = await api<{ history: { eventType: string; stepId: string | null }[] }>(
      'GET',
      `/sagas/${sagaId}`,
    );
    expect(history).toContainEqual(
      expect.objectContaining({
        eventType: 'retry-step',
        stepId: 'hold',
        detail: expect.stringContaining('participant restarted'),
      }),
    );
    await page.getByRole('cell', { name: /^step retried by operator hold/ }).waitFor();
  });

  it('signs in with a bearer token, and goes back to the form when the API refuses it', async () => {
    await open('#/participants');
    await signOut();
    await page.getByRole('radio', { name: 'Bearer token (JWT)' }).check();
    const token = await signTestToken('console-viewer', ['read']);
    await page.getByRole('textbox', { name: 'Bearer token' }).fill(token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Participants', level: 1 }).waitFor();

    // The token stops being accepted (here: replaced in the tab's storage): the next call's
    // 401 signs the operator out, and the form says why.
    await page.evaluate(() => {
      const { sessionStorage } = globalThis as unknown as {
        sessionStorage: { setItem(key: string, value: string): void };
      };
      sessionStorage.setItem(
        'saga-console.credentials',
        JSON.stringify({ kind: 'bearer', secret: 'no.longer.valid' }),
      );
    });
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(
      /^Signed out: Not signed in/,
    );
  });

  it('replays a dead letter', async () => {
    const topics = topicNames(environment.topicPrefix);
    const refused = { sagaType: 'console-unknown', idempotencyKey: 'console-dl-1', input: {} };
    await transport!.publisher.publish([
      {
        topic: topics.start,
        key: refused.idempotencyKey,
        headers: {
          [HEADERS.messageType]: MESSAGE_TYPES.start,
          [HEADERS.contentType]: JSON_CONTENT_TYPE,
        },
        value: JSON.stringify(refused),
      },
    ]);
    const deadLetter = await waitFor('the refused start in the dead letters', async () =>
      (
        await api<{ items: { id: string; key: string | null }[] }>(
          'GET',
          `/dead-letters?originalTopic=${encodeURIComponent(topics.start)}`,
        )
      ).items.find((item) => item.key === refused.idempotencyKey),
    );

    await open('#/dead-letters');
    const row = page.locator(`[data-dead-letter="${deadLetter.id}"]`);
    await row.waitFor();
    await checkPage('dead-letters');
    await row.getByRole('button', { name: `Replay dead letter ${deadLetter.id}` }).click();
    await page
      .getByRole('status')
      .getByText(`Replayed dead letter ${deadLetter.id} to ${topics.start} (replays: 1).`)
      .waitFor();
    const replayed = await api<{ replayCount: number }>('GET', `/dead-letters/${deadLetter.id}`);
    expect(replayed.replayCount).toBe(1);
  });

  it('lists a stuck saga, and shows the participants and the definitions with their routing', async () => {
    expect(REGISTERED).toContain((await register(stuckDocument('console-stuck'))).status);
    const sagaId = await startSaga('console-stuck', 'console-stuck-1', {});
    await waitFor('the saga to get stuck', async () => (await sagaStatus(sagaId)) === 'stuck');
    await open('#/stuck');
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: sagaId }) });
    await expect(row.getByRole('cell').nth(2).textContent()).resolves.toBe('stuck');
    await checkPage('stuck');

    await open('#/participants');
    const payment = page.getByRole('row').filter({ hasText: /^payment/ });
    await payment.getByText('closed').waitFor();
    await checkPage('participants');

    await open('#/definitions?name=console-stuck');
    // A registered type's first version is its active one, routed or not.
    await page
      .getByText(/^(version 1 active|no route: starts that name no version get the latest one)/)
      .waitFor();
    await page.getByRole('img', { name: 'Step graph. only' }).waitFor();
    await checkPage('definitions');
  });

  it('ramps a new version of a definition up to a share of the new starts, and says a 409', async () => {
    const name = 'console-ramp';
    for (const version of [1, 2]) {
      expect(REGISTERED).toContain((await register({ ...holdDocument(name), version })).status);
    }
    await open(`#/definitions?name=${name}`);
    const form = page.getByRole('form', { name: `Change the routing of ${name}` });
    await form.getByLabel('Active version').selectOption('1');
    await form.getByLabel('Ramp version').selectOption('2');
    await form.getByLabel('Ramp share (% of new starts)').fill('10');
    await form.getByLabel("Reason (recorded in the definitions' log)").fill('try v2 on a few');
    await checkPage('definitions-ramp');
    await form.getByRole('button', { name: 'Change routing' }).click();
    await page.getByRole('status').getByText(`Routing of ${name} changed.`).waitFor();
    await page.getByText(/^version 2 gets 10% of new starts since/).waitFor();
    type Routing = { route: { active: number; revision: number; ramp?: { version: number } } };
    const routing = await api<Routing>('GET', `/saga-definitions/${name}/routing`);
    expect(routing.route).toMatchObject({ active: 1, ramp: { version: 2, percent: 10 } });

    // Someone else changes the route after the page read it (its reads held back meanwhile, so
    // it keeps the revision it showed): the page's change is refused, in words.
    await page.getByText(`version 1 active (revision ${routing.route.revision})`).waitFor();
    const routingPath = `**/saga-definitions/${name}/routing`;
    await page.route(routingPath, (route) =>
      route.request().method() === 'GET' ? route.abort() : route.continue(),
    );
    await form.getByLabel('Ramp share (% of new starts)').fill('20');
    await form.getByLabel("Reason (recorded in the definitions' log)").fill('a bit more');
    await api('PUT', `/saga-definitions/${name}/routing`, {
      active: 1,
      ramp: { version: 2, percent: 5 },
      reason: 'someone else',
      revision: routing.route.revision,
    });
    await form.getByRole('button', { name: 'Change routing' }).click();
    await expect(form.getByRole('alert').textContent()).resolves.toMatch(
      /^Refused in this state: .*revision.* The routing may have changed since this page read it/,
    );
    await page.unroute(routingPath);
    const after = await api<Routing>('GET', `/saga-definitions/${name}/routing`);
    expect(after.route).toMatchObject({ ramp: { version: 2, percent: 5 } });
  });

  it('runs a bulk cancel on a query: a dry run first, then its progress to the end (no more sagas than it counted)', async () => {
    expect(REGISTERED).toContain((await register(holdDocument('console-bulk'))).status);
    const sagaIds = [
      await startSaga('console-bulk', 'console-bulk-1', {}),
      await startSaga('console-bulk', 'console-bulk-2', {}),
    ];
    const query = 'sagaType == "console-bulk" && status == "running"';
    await open(`#/bulk?q=${encodeURIComponent(query)}`);
    await expect(
      page.getByLabel("Query (the saga list's query language)").inputValue(),
    ).resolves.toBe(query);
    await page.getByLabel('Action', { exact: true }).selectOption('cancel');
    await page.getByLabel("Reason (recorded in each saga's audit log)").fill('bulk test cleanup');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run: 2 saga(s) match' }).waitFor();
    for (const sagaId of sagaIds) await page.getByRole('link', { name: sagaId }).waitFor();
    expect(await Promise.all(sagaIds.map(sagaStatus))).toEqual(['running', 'running']);
    await checkPage('bulk-dry-run');

    // The query edited after the dry run: nothing to confirm until a dry run of the new one.
    const queryField = page.getByLabel("Query (the saga list's query language)");
    await queryField.fill('sagaType == "console-bulk"');
    await expect(page.getByRole('button', { name: /^Confirm:/ }).count()).resolves.toBe(0);
    await expect(page.getByRole('heading', { name: /^Dry run:/ }).count()).resolves.toBe(0);
    await queryField.fill(query);
    await expect(page.getByRole('button', { name: /^Confirm:/ }).count()).resolves.toBe(0);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run: 2 saga(s) match' }).waitFor();

    // A third saga comes to match after the dry run: the Confirm of 2 does nothing, says why,
    // and is gone until a dry run counts them again.
    sagaIds.push(await startSaga('console-bulk', 'console-bulk-3', {}));
    await page.getByRole('button', { name: 'Confirm: cancel 2 saga(s)' }).click();
    await page
      .getByText(
        'Refused in this state: the query matches 3 sagas to cancel now, more than the 2 ' +
          'expected (maxMatched): nothing was done; count them again with a dry run',
      )
      .waitFor();
    await expect(page.getByRole('button', { name: /^Confirm:/ }).count()).resolves.toBe(0);
    expect(await Promise.all(sagaIds.map(sagaStatus))).toEqual(['running', 'running', 'running']);
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByRole('heading', { name: 'Dry run: 3 saga(s) match' }).waitFor();

    await page.getByRole('button', { name: 'Confirm: cancel 3 saga(s)' }).click();
    await page.getByText('3 of 3 handled: 3 applied, 0 refused, 0 remaining').waitFor({
      timeout: 30_000,
    });
    await page.getByRole('heading', { name: /^Operation .* done$/ }).waitFor();
    await checkPage('bulk-progress');
    for (const sagaId of sagaIds) {
      expect(['compensating', 'compensated', 'stuck']).toContain(await sagaStatus(sagaId));
    }
  });
});
