import { runSagactl } from './sagactl.js';

/** An answer of the fake API: JSON, 200 unless said. */
interface FakeAnswer {
  readonly status?: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/**
 * Runs a command line against a fake API that answers `answers` in turn; what it printed, the
 * requests it sent, and its exit code. The clock moves only by the sleeps.
 */
async function run(argv: string[], answers: FakeAnswer[]) {
  const out: string[] = [];
  const err: string[] = [];
  const sent: { method: string; url: string; body?: string }[] = [];
  let clock = 0;
  const fetch = (input: string | URL | Request, init?: RequestInit) => {
    sent.push({
      method: init?.method ?? 'GET',
      url: String(input),
      ...(typeof init?.body === 'string' ? { body: init.body } : {}),
    });
    const answer = answers.shift();
    if (answer === undefined) return Promise.reject(new Error(`no answer left (${String(input)})`));
    return Promise.resolve(
      new Response(JSON.stringify(answer.body), {
        status: answer.status ?? 200,
        headers: { 'content-type': 'application/json', ...answer.headers },
      }),
    );
  };
  const code = await runSagactl(argv, {
    env: {},
    homeDir: '/nowhere',
    isTty: false,
    fetch: fetch as typeof globalThis.fetch,
    io: {
      print: (line) => out.push(line),
      warn: (line) => err.push(line),
      readText: () => {
        throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      },
      readStdin: () => Promise.resolve(''),
      sleep: (ms) => {
        clock += ms;
        return Promise.resolve();
      },
      now: () => clock,
    },
  });
  return { code, stdout: out.join('\n'), stderr: err.join('\n'), sent };
}

const audit = (seq: string, toStatus: string) => ({
  seq,
  sagaId: 's-1',
  at: '2026-12-04T04:00:00.000Z',
  fromStatus: null,
  toStatus,
  cause: 'x',
  actor: 'system',
});
const route = (active: number, revision: number) => ({ active, revision });

describe('sagactl defs ramp', () => {
  it('without --revision, says on stderr which route it replaced: last writer wins', async () => {
    const result = await run(
      ['defs', 'ramp', 'order', '--active', '2', '--reason', 'v2', '-o', 'table'],
      [{ body: { route: route(1, 4), log: [] } }, { body: route(2, 5) }],
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.sent[1]!.body!)).toMatchObject({ active: 2, revision: 4 });
    expect(result.stderr).toBe(
      'replaced (no --revision: last writer wins): active version 1 (revision 4) -> active version 2 (revision 5)',
    );
  });

  it('with --revision, sends it without reading the route first', async () => {
    const result = await run(
      ['defs', 'ramp', 'order', '--active', '2', '--reason', 'v2', '--revision', '3'],
      [{ status: 409, body: { message: 'the route moved' } }],
    );
    expect(result.code).toBe(5);
    expect(result.sent).toHaveLength(1);
    expect(result.stderr).not.toContain('replaced');
  });

  it('says in its help that without --revision the change is last-writer-wins', async () => {
    const { stdout } = await run(['defs', 'ramp', '--help'], []);
    expect(stdout).toContain('Without --revision the change is last-writer-wins');
    expect(stdout).toContain("--revision R, R being the revision 'defs routing' showed");
  });
});

describe('sagactl list --all', () => {
  it('stops on a cursor the API gave before, rather than reading forever', async () => {
    const page = { items: [{ sagaId: 'a' }], nextCursor: 'c-1' };
    const result = await run(['list', '--all'], [{ body: page }, { body: page }, { body: page }]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the API gave the same next cursor twice');
    expect(result.sent).toHaveLength(2);
  });

  it('survives the rate limit: a page answered 429 is asked for again', async () => {
    const result = await run(
      ['list', '--all'],
      [
        { body: { items: [{ sagaId: 'a' }], nextCursor: 'c-1' } },
        { status: 429, body: { message: 'slow down' }, headers: { 'retry-after': '1' } },
        { body: { items: [{ sagaId: 'b' }], nextCursor: null } },
      ],
    );
    expect(result.code).toBe(0);
    expect((JSON.parse(result.stdout) as { items: unknown[] }).items).toEqual([
      { sagaId: 'a' },
      { sagaId: 'b' },
    ]);
  });
});

describe('sagactl watch', () => {
  it('ends with exit 6 when the saga has not ended within --max-wait', async () => {
    const running = { body: { items: [audit('1', 'running')], nextCursor: null } };
    const nothing = { body: { items: [], nextCursor: null } };
    const result = await run(
      ['watch', 's-1', '--interval', '400', '--max-wait', '1000'],
      [running, nothing, nothing, nothing],
    );
    expect(result.code).toBe(6);
    expect(result.stderr).toBe(
      'error: saga s-1 has not ended within --max-wait 1000 ms (it is running)',
    );
    expect(result.sent).toHaveLength(4);
  });

  it('stops when the audit says more lines follow but gives none', async () => {
    const stuckCursor = { body: { items: [], nextCursor: '7' } };
    const result = await run(['watch', 's-1'], [stuckCursor, stuckCursor]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('says more lines follow, yet gave none');
  });

  it('prints audit text on one line, its control characters as escapes, as history does', async () => {
    const forged = 'ok \u001b]52;c;AAAA\u0007\nsaga s-1 is completed';
    const line = {
      ...audit('1', 'running'),
      eventType: 'cancel',
      stepId: null,
      applied: true,
      actor: 'op\u009b2J',
      detail: forged,
    };
    const page = (record: object) => ({ body: { items: [record], nextCursor: null } });
    const result = await run(
      ['watch', 's-1', '-o', 'table'],
      [page(line), page({ ...audit('2', 'completed'), detail: 'done' })],
    );
    expect(result.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(result.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    const lines = result.stdout.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      '2026-12-04T04:00:00Z  cancel  running  -  op\\x9b2J  ok \\x1b]52;c;AAAA\\x07 saga s-1 is completed',
    );
    expect(lines[2]).toBe('saga s-1 is completed');
  });

  it('prints JSON lines with C1 characters escaped, still the same JSON', async () => {
    const line = { ...audit('1', 'completed'), detail: 'a\u009b2Jb\u0085c\u007f' };
    const result = await run(
      ['watch', 's-1', '-o', 'json'],
      [{ body: { items: [line], nextCursor: null } }],
    );
    expect(result.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(result.stdout).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(result.stdout).toContain('a\\u009b2Jb\\u0085c\\u007f');
    expect(JSON.parse(result.stdout)).toEqual(line);
  });

  it('refuses an --interval or a --timeout over an hour (exit 2)', async () => {
    const interval = await run(['watch', 's-1', '--interval', '3600001'], []);
    expect(interval.code).toBe(2);
    expect(interval.stderr).toContain('--interval must be a whole number from 50 to 3600000');
    const timeout = await run(['get', 's-1', '--timeout', '99999999'], []);
    expect(timeout.code).toBe(2);
  });
});

describe('sagactl, secrets', () => {
  it('never echoes a URL with credentials, nor a key that is not printable', async () => {
    const url = await run(['list', '--url', 'http://op:s3cret@h:1'], []);
    expect(url).toMatchObject({ code: 2, sent: [] });
    expect(url.stderr).not.toContain('s3cret');
    const key = await run(['list', '--api-key', 's3cret\n'], []);
    expect(key.code).toBe(2);
    expect(key.stderr).not.toContain('s3cret');
    expect((await run(['list', '--api-key', ''], [])).code).toBe(2);
  });
});

describe('sagactl --help', () => {
  it('says every global option whole, and what exit 1 covers as docs/CLI.md does', async () => {
    const { stdout } = await run(['--help'], []);
    expect(stdout).toContain(
      "-h, --help               this help; after a command, that command's usage and notes",
    );
    expect(stdout).toContain(
      '1  failed otherwise: the API refused (400, 413, 415) or failed (500)',
    );
    expect(stdout).toContain('redirect (3xx) or not as the API; or a fault of the CLI itself');
  });
});

describe('sagactl, bulk forms', () => {
  const operation = (fields: object) => ({
    operationId: 'op-1',
    action: 'cancel',
    query: 'status == "running"',
    reason: 'r',
    stepId: null,
    actor: 'key:ops',
    status: 'running',
    matched: 250,
    applied: 0,
    refused: 0,
    remaining: 250,
    createdAt: '2026-12-04T04:00:00.000Z',
    finishedAt: null,
    refusals: [],
    ...fields,
  });

  it('sends a dry run and prints what it would touch', async () => {
    const preview = {
      dryRun: true,
      action: 'resume',
      query: 'status == "stuck"',
      matched: 2,
      byStatus: { stuck: 2 },
      sample: [],
    };
    const result = await run(
      ['resume', '-q', 'status == "stuck"', '--reason', 'back', '--dry-run', '-o', 'table'],
      [{ body: preview }],
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.sent[0]!.body!)).toEqual({
      action: 'resume',
      query: 'status == "stuck"',
      reason: 'back',
      dryRun: true,
    });
    expect(result.stdout).toContain('dry run: resume would act on 2 saga(s); nothing was changed');
  });

  it('bounds a real run by its dry run: --max-matched, and a 409 when more match by then', async () => {
    const preview = {
      dryRun: true,
      action: 'cancel',
      query: 'participant == "ledger"',
      matched: 3,
      byStatus: { running: 3 },
      sample: [],
    };
    const counted = await run(
      ['cancel', '-q', 'participant == "ledger"', '--reason', 'r', '--dry-run', '-o', 'table'],
      [{ body: preview }],
    );
    expect(counted.stdout).toContain(
      'to act on these only: the same command without --dry-run, with --max-matched 3',
    );
    const started = await run(
      ['cancel', '-q', 'participant == "ledger"', '--reason', 'r', '--max-matched', '3'],
      [{ status: 202, body: operation({ matched: 3 }) }],
    );
    expect(started.code).toBe(0);
    expect(JSON.parse(started.sent[0]!.body!)).toEqual({
      action: 'cancel',
      query: 'participant == "ledger"',
      reason: 'r',
      maxMatched: 3,
    });
    const message =
      'the query matches 7 sagas to cancel now, more than the 3 expected (maxMatched): nothing was done';
    const refused = await run(
      ['cancel', '-q', 'participant == "ledger"', '--reason', 'r', '--max-matched', '3'],
      [{ status: 409, body: { statusCode: 409, message } }],
    );
    expect(refused.code).toBe(5);
    expect(refused.stderr).toContain(message);
  });

  it('refuses --max-matched with --dry-run, without --query, and below 0', async () => {
    const withDryRun = await run(
      ['cancel', '-q', 'true', '--reason', 'r', '--dry-run', '--max-matched', '3'],
      [],
    );
    expect(withDryRun).toMatchObject({ code: 2, sent: [] });
    expect(withDryRun.stderr).toContain('--max-matched bounds a real run, not a --dry-run');
    const lone = await run(['cancel', 's-1', '--reason', 'r', '--max-matched', '3'], []);
    expect(lone).toMatchObject({ code: 2, sent: [] });
    const negative = await run(
      ['cancel', '-q', 'true', '--reason', 'r', '--max-matched', '-1'],
      [],
    );
    expect(negative).toMatchObject({ code: 2, sent: [] });
    expect(
      (
        await run(
          ['cancel', '-q', 'true', '--reason', 'r', '--max-matched', '0'],
          [{ status: 202, body: operation({ matched: 0 }) }],
        )
      ).code,
    ).toBe(0);
  });

  it('follows an operation to its end with --wait, and exits 9 when sagas were refused', async () => {
    const refusals = [{ sagaId: 's-9', reason: 'the saga is completed: it is final' }];
    const result = await run(
      [
        'retry',
        '-q',
        'step == "charge"',
        '--step',
        'charge',
        '--reason',
        'r',
        '--wait',
        '-o',
        'table',
      ],
      [
        { status: 202, body: operation({ action: 'retry', stepId: 'charge' }) },
        { body: operation({ applied: 100 }) },
        { body: operation({ status: 'done', applied: 249, refused: 1, remaining: 0, refusals }) },
      ],
    );
    expect(result.code).toBe(9);
    expect(JSON.parse(result.sent[0]!.body!)).toMatchObject({ action: 'retry', stepId: 'charge' });
    expect(result.sent.slice(1).map((request) => request.url)).toEqual([
      expect.stringMatching(/\/bulk-operations\/op-1$/),
      expect.stringMatching(/\/bulk-operations\/op-1$/),
    ]);
    expect(result.stderr).toContain('0 of 250 done (0 refused)');
    expect(result.stderr).toContain('100 of 250 done (0 refused)');
    expect(result.stdout).toMatch(/Refused: +1/);
    expect(result.stdout).toMatch(/s-9 +the saga is completed: it is final/);
  });

  it('refuses a saga id with --query, and --dry-run without it', async () => {
    expect((await run(['cancel', 's-1', '-q', 'true', '--reason', 'r'], [])).code).toBe(2);
    const lone = await run(['cancel', 's-1', '--reason', 'r', '--dry-run'], []);
    expect(lone).toMatchObject({ code: 2, sent: [] });
    expect(lone.stderr).toContain(
      '--dry-run, --wait, --max-wait and --max-matched go with --query',
    );
  });

  it('exits 10 for a stopped operation, and 6 when --max-wait runs out', async () => {
    const stopped = await run(
      ['cancel', '-q', 'true', '--reason', 'r', '--wait'],
      [{ status: 202, body: operation({}) }, { body: operation({ status: 'stopped' }) }],
    );
    expect(stopped.code).toBe(10);
    const running = { body: operation({ applied: 5 }) };
    const late = await run(
      ['cancel', '-q', 'true', '--reason', 'r', '--wait', '--max-wait', '2500'],
      [{ status: 202, body: operation({}) }, running, running, running, running],
    );
    expect(late.code).toBe(6);
    expect(late.stderr).toContain('has not ended within --max-wait 2500 ms (5 of 250 done)');
  });
});

describe('sagactl, text it did not write', () => {
  it('shows control characters in a table and in an error as escapes, never raw', async () => {
    const spoof = 'o\u001b]52;c;aGk=\u0007\r\u001b[2J\u009b';
    const page = {
      items: [{ sagaId: 'a', sagaType: spoof, status: 'running', idempotencyKey: spoof }],
      nextCursor: null,
    };
    const table = await run(['list', '-o', 'table'], [{ body: page }]);
    expect(table.code).toBe(0);
    // eslint-disable-next-line no-control-regex
    expect(table.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(table.stdout).toContain('o\\x1b]52;c;aGk=\\x07\\r\\x1b[2J\\x9b');
    const refused = await run(
      ['cancel', 'a', '--reason', 'r'],
      [{ status: 409, body: { statusCode: 409, message: `saga ${spoof} cannot` } }],
    );
    expect(refused.stderr).toContain('\\x1b[2J');
    expect(refused.stderr).not.toContain('\u001b');
  });

  it("keeps the API's text on its own line, without control characters, in every line it writes", async () => {
    const spoof = 'x\u001b[2J\u0007\nsaga s-1 is completed';
    // eslint-disable-next-line no-control-regex
    const raw = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;
    const replayed = await run(
      ['dlq', 'replay', 'd-1', '-o', 'table'],
      [{ body: { id: 'd-1', originalTopic: spoof, replayCount: 1 } }],
    );
    expect(replayed.stdout).toBe(
      'replayed dead letter d-1 to x\\x1b[2J\\x07 saga s-1 is completed (replays: 1)',
    );
    const pending = await run(
      ['dlq', 'replay', '--pending', '-o', 'table'],
      [{ body: { replayed: [spoof], more: false, unopenable: [spoof] } }],
    );
    expect(pending.stdout.split('\n')).toHaveLength(2);
    expect(pending.stdout).not.toMatch(raw);
    const cancelled = await run(
      ['cancel', 's-1', '--reason', 'r', '-o', 'table'],
      [{ body: { sagaId: 's-1', status: spoof } }],
    );
    expect(cancelled.stdout.split('\n')).toHaveLength(1);
    expect(cancelled.stdout).not.toMatch(raw);
    const paged = await run(['list', '-o', 'table'], [{ body: { items: [], nextCursor: spoof } }]);
    expect(paged.stderr.split('\n')).toHaveLength(1);
    expect(paged.stderr).not.toMatch(raw);
    const refused = await run(
      ['get', 's-1'],
      [{ status: 404, body: { statusCode: 404, message: spoof } }],
    );
    expect(refused.stderr).toBe('error: not found (404): x\\x1b[2J\\x07 saga s-1 is completed');
  });

  it('says the history it shows is the latest part only when the API cut it', async () => {
    const saga = (lines: number, historyTruncated: boolean) => ({
      sagaId: 's-1',
      sagaType: 'order',
      sagaVersion: 1,
      status: 'running',
      idempotencyKey: 'k',
      createdAt: '2026-12-07T10:00:00.000Z',
      updatedAt: '2026-12-07T10:00:00.000Z',
      reason: null,
      cause: null,
      input: {},
      context: {},
      steps: [],
      history: Array.from({ length: lines }, () => ({})),
      historyTruncated,
    });
    const cut = await run(['get', 's-1', '-o', 'table'], [{ body: saga(500, true) }]);
    expect(cut.stdout).toMatch(
      /History: +the latest 500 entries; all of them: sagactl history s-1\n/,
    );
    const whole = await run(['get', 's-1', '-o', 'table'], [{ body: saga(3, false) }]);
    expect(whole.stdout).toMatch(/History: +3 entries \(sagactl history s-1\)\n/);
  });

  it('escapes the C1 characters JSON.stringify leaves raw, in the JSON output too', async () => {
    const saga = { sagaId: 's-1', reason: 'a\u009b2J\u0085b' };
    const json = await run(['get', 's-1', '-o', 'json'], [{ body: saga }]);
    // eslint-disable-next-line no-control-regex
    expect(json.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/);
    expect(json.stdout).toContain('a\\u009b2J\\u0085b');
    expect(JSON.parse(json.stdout)).toEqual(saga);
  });

  it('says where --input is not JSON without quoting it back', async () => {
    const result = await run(
      ['start', 'order', '--key', 'k', '--input', 'card=4111111111111111'],
      [],
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('error: --input is not valid JSON (line 1, column 1)');
    expect(result.stderr).not.toContain('41111');
  });
});

describe('sagactl stuck', () => {
  it('shows since when a saga made no progress, not its row’s last change', async () => {
    // A step failing every attempt since 02:00 changes the row at each one (04:59 last).
    const saga = {
      sagaId: 's-1',
      sagaType: 'order',
      sagaVersion: 1,
      status: 'running',
      kind: 'idle',
      reason: 'retrying ship since 2026-12-04T02:00:00.000Z (attempt 200)',
      createdAt: '2026-12-04T01:59:00.000Z',
      updatedAt: '2026-12-04T04:59:50.000Z',
      noProgressSince: '2026-12-04T02:00:00.000Z',
    };
    const result = await run(
      ['stuck', '-o', 'table'],
      [{ body: { items: [saga], nextCursor: null, stuckAfterMs: 600_000 } }],
    );
    expect(result.code).toBe(0);
    const [header, row] = result.stdout.split('\n');
    const column = header!.indexOf('NO PROGRESS SINCE');
    expect(row!.slice(column).startsWith('2026-12-04T02:00:00Z')).toBe(true);
    expect(result.stdout).not.toContain('04:59:50');
  });
});

describe('sagactl dlq replay --pending', () => {
  it('goes on after the id given, and says which to give next when more wait', async () => {
    const result = await run(
      ['dlq', 'replay', '--pending', '--after', '7', '-o', 'table'],
      [{ body: { replayed: ['9'], more: true, unopenable: ['8'], resumeAfter: '9' } }],
    );
    expect(result.code).toBe(0);
    expect(JSON.parse(result.sent[0]!.body!)).toEqual({ after: '7' });
    expect(result.stdout).toContain('more wait: run it again with --after 9');
    const single = await run(['dlq', 'replay', '42', '--after', '7'], []);
    expect(single.code).toBe(2);
  });
});
