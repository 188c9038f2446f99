// sagactl, the built binary, against the built coordinator on the real Kafka and Postgres with
// the sample participants: every command once, its JSON and its table output, and each exit
// code provoked for real (2 usage, 3 not found, 4 role missing, 5 conflict, 6 unreachable,
// 7 and 8 from watch).
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HEADERS, JSON_CONTENT_TYPE, MESSAGE_TYPES, topicNames } from '#contracts';
import { KafkaTransport, silentTransportLogger } from '#messaging';
import {
  createEnvironment,
  startKafkaParticipants,
  type CoordinatorEnvironment,
} from '../support/coordinator-fixture.js';
import { launchCoordinator, type CoordinatorProcess } from '../support/coordinator-processes.js';
import {
  holdDocument,
  shipmentDocument,
  shipmentInput,
  type Document,
} from '../support/definition-documents.js';
import { orderInput } from '../support/saga-load.js';
import { kafkaBrokers } from '../support/services.js';
import { TEST_KEYS } from '../support/test-credentials.js';
import { waitFor } from '../support/wait-for.js';

const CLI = 'dist/apps/sagactl/src/main.js';

/** How one run of the CLI ended. */
interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

interface SagaPage {
  items: { sagaId: string; sagaType: string; status: string; idempotencyKey: string }[];
  nextCursor: string | null;
}
interface DeadLetterPage {
  items: { id: string; key: string | null; originalTopic: string; replayCount: number }[];
}

/** A pivot sent once to nobody, with a 300 ms reply timeout: its outcome unknown, it gets stuck. */
const stuckDocument = (name: string): Document => ({
  name,
  version: 1,
  input: { type: 'object' },
  steps: [
    {
      id: 'only',
      participant: 'cli-void',
      command: 'cli-void.do',
      kind: 'pivot',
      payload: '{}',
      timeoutMs: 300,
      retry: { maxAttempts: 1 },
    },
  ],
});

/** The longest one run of the CLI may take before it is killed, in ms: a hang fails clearly. */
const RUN_TIMEOUT_MS = 60_000;

describe('sagactl against a coordinator on the real Kafka and Postgres', () => {
  let environment: CoordinatorEnvironment;
  let coordinator: CoordinatorProcess | undefined;
  let participants: Awaited<ReturnType<typeof startKafkaParticipants>> | undefined;
  let transport: KafkaTransport | undefined;
  let url: string;
  const home = mkdtempSync(join(tmpdir(), 'sagactl-home-'));

  /** Runs the built CLI, as the admin on the test coordinator unless `env` says otherwise. */
  const sagactl = (args: readonly string[], env: Record<string, string> = {}): Promise<Run> =>
    new Promise((resolve) => {
      const environmentOfRun = {
        PATH: process.env.PATH ?? '',
        HOME: home,
        SAGACTL_URL: url,
        SAGACTL_API_KEY: TEST_KEYS.admin,
        ...env,
      };
      execFile(
        process.execPath,
        [CLI, ...args],
        { env: environmentOfRun, timeout: RUN_TIMEOUT_MS },
        (error, out, err) => {
          const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
          // A hang fails clearly: killed at the timeout, said in what it printed.
          const killed = error?.killed === true ? `\n(killed after ${RUN_TIMEOUT_MS} ms)` : '';
          resolve({ code, stdout: out, stderr: `${err}${killed}` });
        },
      );
    });
  /** Runs it and expects exit 0; the output, or a failure that shows what it printed. */
  const ok = async (...args: string[]): Promise<string> => {
    const run = await sagactl(args);
    if (run.code !== 0)
      throw new Error(`sagactl ${args.join(' ')}: exit ${run.code}\n${run.stderr}`);
    return run.stdout;
  };
  const json = async <T>(...args: string[]): Promise<T> =>
    JSON.parse(await ok(...args, '-o', 'json')) as T;
  const file = (name: string, text: string): string => {
    const path = join(home, name);
    writeFileSync(path, text);
    return path;
  };
  /** `defs apply` of `document` as a JSON file; the table output. */
  const apply = (document: Document) =>
    ok('defs', 'apply', file(`${document.name}.json`, JSON.stringify(document)), '-o', 'table');
  /** Sagas of the order type started by the tests, that must end before in-flight counts are 0. */
  const orders: string[] = [];
  /** Resolves when every saga of `sagaIds` has ended (completed, compensated or stuck). */
  const sagasEnded = (sagaIds: readonly string[]) =>
    waitFor(`sagas ${sagaIds.join(', ')} to end`, async () => {
      const views = await Promise.all(
        sagaIds.map((sagaId) => json<{ status: string }>('get', sagaId)),
      );
      return views.every((view) => ['completed', 'compensated', 'stuck'].includes(view.status));
    });
  const start = async (type: string, key: string, input: unknown): Promise<string> =>
    (await json<{ sagaId: string }>('start', type, '--key', key, '--input', JSON.stringify(input)))
      .sagaId;

  beforeAll(async () => {
    environment = await createEnvironment('e2e_sagactl');
    coordinator = launchCoordinator({ ...environment.env, STUCK_AFTER_MS: '600000' });
    url = await coordinator.url;
    participants = await startKafkaParticipants(environment);
    transport = new KafkaTransport(
      { brokers: kafkaBrokers(), clientId: 'test-sagactl' },
      { logger: silentTransportLogger },
    );
  });

  afterAll(async () => {
    await transport?.close();
    await participants?.stop();
    await coordinator?.service.stop('SIGTERM');
    await environment?.dispose();
    rmSync(home, { recursive: true, force: true });
  });

  it('prints its help with the exit codes, and refuses a bad command line with its usage (2)', async () => {
    const help = await ok('--help');
    expect(help).toContain('usage: sagactl <command> [options]');
    expect(help).toMatch(/Exit codes\n {2}0 {2}done/);
    expect(help).toContain('defs ramp <name> --active V');

    const bogus = await sagactl(['list', '--bogus']);
    expect(bogus).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "error: unknown option --bogus\nusage: sagactl <command> [options]  (see 'sagactl --help')\n",
    });
    const badJson = await sagactl(['start', 'order', '--key', 'k', '--input', '{oops']);
    expect(badJson.code).toBe(2);
    expect(badJson.stderr).toContain('error: --input is not valid JSON (line 1, column 2)');
    expect(badJson.stderr).toContain('usage: sagactl start <sagaType> --key <idempotencyKey>');
    expect((await sagactl(['cancel', randomUUID()])).stderr).toContain(
      '--reason <text> is required',
    );
  });

  it('starts a saga, watches it to completion, and shows it, its history and the list', async () => {
    const input = file('order-cli-1.json', JSON.stringify(orderInput('cli-1')));
    const started = JSON.parse(
      await ok('start', 'order', '--key', 'cli-1', '--input', `@${input}`, '-o', 'json'),
    );
    expect(started).toEqual({ sagaId: expect.any(String), created: true, status: 'running' });
    const { sagaId } = started as { sagaId: string };
    expect(
      await ok('start', 'order', '--key', 'cli-1', '--input', `@${input}`, '-o', 'table'),
    ).toMatch(new RegExp(`^saga ${sagaId} was started by this key before: (running|completed)\n$`));

    const watched = await ok('watch', sagaId, '--interval', '100', '-o', 'table');
    expect(watched).toMatch(/start {2}running {2}- {2}client {2}/);
    expect(watched).toContain('reply  running  reserve-inventory#1');
    expect(watched.trimEnd().split('\n').at(-1)).toBe(`saga ${sagaId} is completed`);
    const lines = (await ok('watch', sagaId, '-o', 'json')).trimEnd().split('\n');
    expect(lines.map((line) => (JSON.parse(line) as { toStatus: string }).toStatus).at(-1)).toBe(
      'completed',
    );

    const history = await json<{
      items: { eventType: string; toStatus: string }[];
      nextCursor: null;
    }>('history', sagaId);
    expect(history.items[0]).toMatchObject({ eventType: 'start', toStatus: 'running' });
    expect(history.items.at(-1)).toMatchObject({ toStatus: 'completed' });
    expect(history.nextCursor).toBeNull();
    expect(history.items).toHaveLength(lines.length);
    expect(await ok('history', sagaId, '-o', 'table')).toMatch(
      /^AT +EVENT +STATUS +STEP +ACTOR +DETAIL\n/,
    );

    const view = await json<{ status: string; steps: { status: string }[] }>('get', sagaId);
    expect(view.status).toBe('completed');
    expect(view.steps.map((step) => step.status)).toEqual(Array(5).fill('succeeded'));
    const table = await ok('get', sagaId, '-o', 'table');
    expect(table).toContain(`Saga:     ${sagaId}\nType:     order version 1\nStatus:   completed`);
    expect(table).toMatch(/reserve-inventory +succeeded +1 /);

    const completed = await json<SagaPage>('list', '--type', 'order', '--status', 'completed');
    expect(completed.items.map((saga) => saga.sagaId)).toContain(sagaId);
    const second = await start('order', 'cli-2', orderInput('cli-2'));
    orders.push(second);
    const all = await json<SagaPage>('list', '--limit', '1', '--all');
    const oneRead = await json<SagaPage>('list', '--limit', '200');
    expect(oneRead.nextCursor).toBeNull();
    // Page by page, every saga once: no duplicate, none missing, the two just started among them.
    const ids = all.items.map((saga) => saga.sagaId);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(oneRead.items.map((saga) => saga.sagaId).sort());
    expect(ids).toEqual(expect.arrayContaining([sagaId, second]));
    expect(all.nextCursor).toBeNull();
    const firstPage = await sagactl(['list', '--limit', '1', '-o', 'table']);
    expect(firstPage.stdout).toMatch(
      /^SAGA ID +TYPE +VERSION +STATUS +IDEMPOTENCY KEY +CREATED +UPDATED\n\S+ +order +1 /,
    );
    expect(firstPage.stderr).toMatch(/^more: add --cursor \S+, or --all for every page\n$/);
  });

  it('exits 7 when the watched saga ends compensated', async () => {
    const sagaId = await start('order', 'cli-declined', {
      ...orderInput('cli-declined'),
      amount: 50_000,
    });
    const run = await sagactl(['watch', sagaId, '--interval', '100', '-o', 'table']);
    expect(run.code).toBe(7);
    expect(run.stdout.trimEnd().split('\n').at(-1)).toBe(`saga ${sagaId} is compensated`);
  });

  it('exits 5 for a key that started a saga with another input, naming that saga', async () => {
    const sagaId = await start('order', 'cli-taken', orderInput('cli-taken'));
    orders.push(sagaId);
    const input = JSON.stringify({ ...orderInput('cli-taken'), amount: 99 });
    const run = await sagactl(['start', 'order', '--key', 'cli-taken', '--input', input]);
    expect(run).toEqual({
      code: 5,
      stdout: '',
      stderr: `error: conflict (409 Conflict): idempotency key "cli-taken" already started saga ${sagaId} with another input\n`,
    });
  });

  it('exits 3 for an unknown saga, dead letter, definition or participant', async () => {
    const unknown = randomUUID();
    const run = await sagactl(['get', unknown]);
    expect(run).toEqual({
      code: 3,
      stdout: '',
      stderr: `error: not found (404 Not Found): no saga with id ${unknown}\n`,
    });
    expect((await sagactl(['dlq', 'get', '999999999'])).code).toBe(3);
    expect((await sagactl(['defs', 'get', 'order', '99'])).code).toBe(3);
    expect((await sagactl(['participants', 'no-such-participant'])).code).toBe(3);
  });

  it('exits 4 without the role the route needs, or without a valid key, and never prints the key', async () => {
    const sagaId = await start('order', 'cli-forbidden', orderInput('cli-forbidden'));
    orders.push(sagaId);
    const reader = await sagactl(['cancel', sagaId, '--reason', 'r'], {
      SAGACTL_API_KEY: TEST_KEYS.reader,
    });
    expect(reader).toEqual({
      code: 4,
      stdout: '',
      stderr: "error: not allowed (403 Forbidden): the 'operate' role is required\n",
    });
    const none = await sagactl(['list'], { SAGACTL_API_KEY: '' });
    expect(none.code).toBe(4);
    expect(none.stderr).toContain('not authenticated (401 Unauthorized)');
    expect(none.stderr).toContain('no API key was given');

    const key = 'not-a-key-of-this-coordinator-0000000000';
    const wrong = await sagactl(['list', '--verbose', '--api-key', key]);
    expect(wrong.code).toBe(4);
    expect(wrong.stderr).toContain(`> GET ${url}/sagas\n< 401 Unauthorized`);
    expect(wrong.stderr).toContain('the API key was refused');
    expect(`${wrong.stdout}${wrong.stderr}`).not.toContain(key);
    expect(`${reader.stdout}${reader.stderr}`).not.toContain(TEST_KEYS.reader);
  });

  it('exits 6 when the coordinator is unreachable or does not answer, naming its URL', async () => {
    const closed = await freePort();
    const refused = await sagactl(['list'], { SAGACTL_URL: `http://127.0.0.1:${closed}` });
    expect(refused).toEqual({
      code: 6,
      stdout: '',
      stderr: `error: the coordinator at http://127.0.0.1:${closed} is unreachable: connection refused (ECONNREFUSED)\n`,
    });
    const silent = await silentServer();
    try {
      const port = (silent.server.address() as AddressInfo).port;
      const run = await sagactl(['list', '--timeout', '300', '--url', `http://127.0.0.1:${port}`]);
      expect(run.code).toBe(6);
      expect(run.stderr).toBe(
        `error: the coordinator at http://127.0.0.1:${port} did not answer GET /sagas within 300 ms\n`,
      );
    } finally {
      await silent.close();
    }
  });

  it('reads a profile: flags win over the environment, which wins over the default profile', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const config = file(
      'sagactl.json',
      JSON.stringify({
        profiles: { reader: { url, apiKey: TEST_KEYS.reader }, nowhere: { url: nowhere } },
        default: 'nowhere',
      }),
    );
    const onlyFile = { SAGACTL_CONFIG: config, SAGACTL_URL: '', SAGACTL_API_KEY: '' };
    expect((await sagactl(['list'], onlyFile)).code).toBe(6);
    expect((await sagactl(['list', '--profile', 'reader'], onlyFile)).code).toBe(0);
    // A profile named is taken whole: its reader key, not the admin key of the environment.
    const cancel = await sagactl(['--profile', 'reader', 'cancel', randomUUID(), '--reason', 'r'], {
      SAGACTL_CONFIG: config,
    });
    expect(cancel).toMatchObject({ code: 4, stderr: expect.stringContaining("'operate' role") });
    expect((await sagactl(['list'], { SAGACTL_CONFIG: config })).code).toBe(0);
    const flagged = await sagactl(['list', '--url', nowhere], { SAGACTL_CONFIG: config });
    expect(flagged.code).toBe(6);
    expect(flagged.stderr).toContain(nowhere);
    const unknown = await sagactl(['list', '--profile', 'prod'], { SAGACTL_CONFIG: config });
    expect(unknown).toMatchObject({
      code: 2,
      stderr: "error: no profile named 'prod' (known: reader, nowhere)\n",
    });
  });

  it('cancels a running saga, and exits 5 when its state forbids a resume or another cancel', async () => {
    await apply(holdDocument('cli-hold', 'cli-nobody'));
    const sagaId = await start('cli-hold', 'cli-hold-1', {});
    const cancelled = await json<{ sagaId: string; status: string }>(
      'cancel',
      sagaId,
      '--reason',
      'customer called',
    );
    expect(cancelled).toEqual({ sagaId, status: 'compensating' });
    const view = await json<{ cause: unknown }>('get', sagaId);
    expect(view.cause).toEqual({
      type: 'cancelled',
      actor: 'key:admin',
      reason: 'customer called',
    });

    const resume = await sagactl(['resume', sagaId]);
    expect(resume).toMatchObject({
      code: 5,
      stderr: expect.stringContaining('conflict (409 Conflict): '),
    });
    const again = await sagactl(['cancel', sagaId, '--reason', 'twice', '-o', 'table']);
    expect(again.code).toBe(5);
    expect(again.stderr).toContain('the saga is already compensating');
    const other = await start('cli-hold', 'cli-hold-2', {});
    expect(await ok('cancel', other, '--reason', 'test', '-o', 'table')).toBe(
      `cancelled saga ${other}: compensating\n`,
    );
  });

  it('lists a stuck saga, watch exits 8 on it, and resume tries it again', async () => {
    await apply(stuckDocument('cli-stuck'));
    const sagaId = await start('cli-stuck', 'cli-stuck-1', {});
    const watched = await sagactl(['watch', sagaId, '--interval', '100', '-o', 'table']);
    expect(watched.code).toBe(8);
    expect(watched.stdout.trimEnd().split('\n').at(-1)).toBe(`saga ${sagaId} is stuck`);

    const stuck = await json<{ items: { sagaId: string; kind: string }[]; stuckAfterMs: number }>(
      'stuck',
      '--all',
    );
    expect(stuck.items).toContainEqual(expect.objectContaining({ sagaId, kind: 'stuck' }));
    expect(stuck.stuckAfterMs).toBe(600_000);
    const table = await sagactl(['stuck', '-o', 'table']);
    expect(table.stdout).toMatch(new RegExp(`${sagaId} +cli-stuck +1 +stuck +stuck `));
    expect(table.stderr).toContain('idle: not ended and unchanged for 600000 ms');

    expect(await ok('resume', sagaId, '-o', 'table')).toBe(`resumed saga ${sagaId}: running\n`);
    expect((await sagactl(['watch', sagaId, '--interval', '100'])).code).toBe(8);
    expect(await json('resume', sagaId, '--reason', 'the ledger is back')).toEqual({
      sagaId,
      status: 'running',
    });
    const history = await json<{ items: { eventType: string; detail: string }[] }>(
      'history',
      sagaId,
    );
    expect(history.items).toContainEqual(
      expect.objectContaining({
        eventType: 'resume',
        detail: expect.stringContaining('resumed by key:admin: the ledger is back'),
      }),
    );
  });

  it('retries a step, lists by query, and cancels in bulk with a dry run first', async () => {
    await apply(holdDocument('cli-bulk', 'cli-nobody'));
    const sagaIds = [
      await start('cli-bulk', 'cli-bulk-1', {}),
      await start('cli-bulk', 'cli-bulk-2', {}),
      await start('cli-bulk', 'cli-bulk-3', {}),
    ];
    const query = 'sagaType == "cli-bulk" && step == "hold" && status == "running"';
    const listed = await json<{ items: { sagaId: string }[] }>('list', '--query', query);
    expect(listed.items.map((item) => item.sagaId).sort()).toEqual([...sagaIds].sort());
    const badQuery = await sagactl(['list', '-q', 'status == "lost"']);
    expect(badQuery).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('status is one of'),
    });

    expect(await ok('retry', sagaIds[0]!, 'hold', '--reason', 'lost', '-o', 'table')).toBe(
      `retried step hold of saga ${sagaIds[0]}: running\n`,
    );
    expect((await sagactl(['retry', sagaIds[0]!, 'finish'])).code).toBe(5);

    const dryRun = await ok(
      'cancel',
      '--query',
      query,
      '--reason',
      'r',
      '--dry-run',
      '-o',
      'table',
    );
    expect(dryRun).toContain('dry run: cancel would act on 3 saga(s); nothing was changed');
    expect(dryRun).toContain('the query selects: running 3');
    expect((await json<{ items: unknown[] }>('list', '--query', query)).items).toHaveLength(3);

    const done = await sagactl([
      'cancel',
      '--query',
      query,
      '--reason',
      'ledger retired',
      '--wait',
      '-o',
      'json',
    ]);
    expect(done.code).toBe(0);
    const operation = JSON.parse(done.stdout) as { operationId: string };
    expect(operation).toMatchObject({ status: 'done', matched: 3, applied: 3, refused: 0 });
    const cancelled = await json<{ items: { sagaId: string }[] }>(
      'list',
      '--query',
      'sagaType == "cli-bulk" && status == "compensating"',
    );
    expect(cancelled.items).toHaveLength(3);
    const shown = await ok('bulk', 'get', operation.operationId, '-o', 'table');
    expect(shown).toMatch(/Applied: +3/);
    const operations = await json<{ items: { operationId: string }[] }>('bulk', 'list');
    expect(operations.items[0]?.operationId).toBe(operation.operationId);
    expect((await sagactl(['bulk', 'stop', operation.operationId])).code).toBe(5);

    expect((await sagactl(['cancel', sagaIds[0]!, '--query', query, '--reason', 'r'])).code).toBe(
      2,
    );
    expect((await sagactl(['retry', '--query', query, '--reason', 'r'])).stderr).toContain(
      '--step <stepId> is required',
    );
  });

  it('lists dead letters, replays one once its saga type exists, and replays the pending ones', async () => {
    const topics = topicNames(environment.topicPrefix);
    const late = {
      sagaType: 'cli-late',
      idempotencyKey: 'cli-late-1',
      input: shipmentInput('cli-late-1'),
    };
    const headers = {
      [HEADERS.messageType]: MESSAGE_TYPES.start,
      [HEADERS.contentType]: JSON_CONTENT_TYPE,
    };
    await transport!.publisher.publish([
      { topic: topics.start, key: late.idempotencyKey, headers, value: JSON.stringify(late) },
    ]);
    const deadLetter = await waitFor('the refused start in the dead letters', async () => {
      const page = await json<DeadLetterPage>('dlq', 'list', '--original-topic', topics.start);
      return page.items.find((item) => item.key === 'cli-late-1');
    });
    const details = await json<{ reason: string; value: unknown }>('dlq', 'get', deadLetter.id);
    expect(details).toMatchObject({
      reason: expect.stringMatching(/^refused: .*cli-late/),
      value: late,
    });
    expect(await ok('dlq', 'get', deadLetter.id, '-o', 'table')).toMatch(/Reason: +refused: /);
    expect(await ok('dlq', 'list', '-o', 'table')).toMatch(
      new RegExp(`\n${deadLetter.id} +${topics.start} +cli-late-1 `),
    );

    // The saga type registered now, the replayed start starts its saga.
    const yaml = readFileSync('examples/definitions/shipment.v1.yaml', 'utf8').replace(
      /^name: shipment$/m,
      'name: cli-late',
    );
    expect(await ok('defs', 'apply', file('cli-late.yaml', yaml), '-o', 'table')).toBe(
      'registered cli-late version 1\n',
    );
    const replayed = await json<{ id: string; replayCount: number }>(
      'dlq',
      'replay',
      deadLetter.id,
    );
    expect(replayed).toMatchObject({ id: deadLetter.id, replayCount: 1 });
    const saga = await waitFor('the replayed start to start its saga', async () =>
      (await json<SagaPage>('list', '--type', 'cli-late')).items.find(
        (s) => s.idempotencyKey === 'cli-late-1',
      ),
    );
    expect((await sagactl(['watch', saga.sagaId, '--interval', '100'])).code).toBe(0);

    await transport!.publisher.publish([
      { topic: topics.replies, key: 'x', headers: {}, value: '{"not":"a reply"}' },
    ]);
    const bad = await waitFor('the bad reply in the dead letters', async () => {
      const page = await json<DeadLetterPage>(
        'dlq',
        'list',
        '--original-topic',
        topics.replies,
        '--replayed',
        'false',
      );
      return page.items[0];
    });
    const pending = await json<{ replayed: string[]; more: boolean }>(
      'dlq',
      'replay',
      '--pending',
      '--original-topic',
      topics.replies,
    );
    expect(pending).toEqual({ replayed: [bad.id], more: false, unopenable: [], resumeAfter: null });
    const replayedOnes = await json<DeadLetterPage>(
      'dlq',
      'list',
      '--replayed',
      'true',
      '--limit',
      '1',
      '--all',
    );
    expect(replayedOnes.items.map((item) => item.id).sort()).toEqual(
      [bad.id, deadLetter.id].sort(),
    );
    expect(await ok('dlq', 'replay', bad.id, '-o', 'table')).toBe(
      `replayed dead letter ${bad.id} to ${topics.replies} (replays: 2)\n`,
    );
    expect((await sagactl(['dlq', 'replay', deadLetter.id, '--pending'])).code).toBe(2);
  });

  it('shows the participants and their breakers', async () => {
    // The order sagas other tests started must be over, or their commands are still in flight.
    await sagasEnded(orders);
    const views = await json<{ participant: string; breaker: { state: string } }[]>('participants');
    expect(views).toContainEqual(
      expect.objectContaining({
        participant: 'payment',
        breaker: expect.objectContaining({ state: 'closed' }),
      }),
    );
    expect(await ok('participants', '-o', 'table')).toMatch(
      /^PARTICIPANT +BREAKER +IN FLIGHT +HELD +WINDOW OK\/FAILED +OPENED\n/,
    );
    const one = await ok('participants', 'payment', '-o', 'table');
    expect(one).toMatch(/\npayment +closed +0\/\d+ +0 /);
    expect(one).toContain('Recent breaker changes:');
  });

  it('registers, lists, shows, ramps and retires definition versions, the route read first', async () => {
    const v1 = shipmentDocument('cli-ship', 1);
    expect(await apply(v1)).toBe('registered cli-ship version 1\n');
    expect(await apply(v1)).toBe(
      'cli-ship version 1 is registered already, with this same document\n',
    );
    const other = await sagactl([
      'defs',
      'apply',
      file('other.json', JSON.stringify({ ...v1, description: 'other' })),
    ]);
    expect(other.code).toBe(5);
    expect(other.stderr).toContain('conflict (409 Conflict): ');
    const v2 = file(
      'cli-ship.v2.json',
      JSON.stringify({ ...shipmentDocument('cli-ship', 2), description: 'second' }),
    );
    const misnamed = await sagactl(['defs', 'apply', v2, '--version', '3']);
    expect(misnamed.code).toBe(1);
    expect(misnamed.stderr).toContain('version: must be 3, as in the URL');
    expect(await json<{ name: string; version: number }>('defs', 'apply', v2)).toMatchObject({
      name: 'cli-ship',
      version: 2,
    });

    const listed = await json<
      { name: string; version: number; active: boolean; retired: boolean }[]
    >('defs', 'list');
    expect(listed.filter((d) => d.name === 'cli-ship')).toEqual([
      expect.objectContaining({ version: 1, active: true, retired: false }),
      expect.objectContaining({ version: 2, active: false, retired: false }),
    ]);
    expect(await ok('defs', 'list', '-o', 'table')).toMatch(
      /\ncli-ship +2 +document +no +no +2 +payment,shipping\n/,
    );
    expect(
      await json<{ document: { description: string } }>('defs', 'get', 'cli-ship', '2'),
    ).toMatchObject({ document: { description: 'second' } });
    expect(await ok('defs', 'get', 'cli-ship', '1', '-o', 'table')).toMatch(
      /\nship +shipping +shipping\.schedule /,
    );

    const revisionOf = async () =>
      (await json<{ route?: { revision: number } }>('defs', 'routing', 'cli-ship')).route
        ?.revision ?? 0;
    const before = await revisionOf();
    expect(
      await ok(
        'defs',
        'ramp',
        'cli-ship',
        '--active',
        '1',
        '--ramp-version',
        '2',
        '--percent',
        '25',
        '--reason',
        'try v2',
        '-o',
        'table',
      ),
    ).toMatch(
      new RegExp(
        `^route of cli-ship: active version 1, version 2 ramped to 25% since \\S+ \\(revision ${before + 1}\\)\n$`,
      ),
    );
    const routing = await ok('defs', 'routing', 'cli-ship', '-o', 'table');
    expect(routing).toMatch(/^Route: +active version 1, version 2 ramped to 25%/);
    expect(routing).toMatch(/\n\S+ +2 +ramped +key:admin +try v2\n/);
    const stale = await sagactl([
      'defs',
      'ramp',
      'cli-ship',
      '--active',
      '2',
      '--reason',
      'promote',
      '--revision',
      String(before),
    ]);
    expect(stale).toMatchObject({
      code: 5,
      stderr: expect.stringContaining(`is at revision ${before + 1}, not ${before}`),
    });
    expect(
      await json<{ active: number; revision: number }>(
        'defs',
        'ramp',
        'cli-ship',
        '--active',
        '2',
        '--reason',
        'promote',
      ),
    ).toMatchObject({
      active: 2,
      revision: before + 2,
    });

    expect((await sagactl(['defs', 'retire', 'cli-ship', '2', '--reason', 'no'])).code).toBe(5);
    expect(
      await ok('defs', 'retire', 'cli-ship', '1', '--reason', 'v2 serves all', '-o', 'table'),
    ).toBe('retired cli-ship version 1\n');
    const after = await json<{ name: string; version: number; retired: boolean }[]>('defs', 'list');
    expect(after.find((d) => d.name === 'cli-ship' && d.version === 1)?.retired).toBe(true);
  });
});

/** A port nothing listens on (it was free a moment ago). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A server that accepts connections and never answers. */
async function silentServer(): Promise<{ server: Server; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => sockets.add(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    server,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
