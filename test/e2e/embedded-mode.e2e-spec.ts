// The newcomer's path: `npm start` with nothing configured runs the coordinator and the sample
// participants in one process (embedded Postgres, in-process broker), and the `curl` commands of
// the README's "Try it" section start sagas that complete or compensate. This test reads those
// commands from README.md and sends the same requests with fetch, so the two cannot drift apart.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { listeningUrl, startService, type ServiceProcess } from '../support/service-process.js';
import { waitFor } from '../support/wait-for.js';

const entry = 'dist/apps/coordinator/src/main.js';
/** Where the README tells the newcomer the API is. */
const README_ORIGIN = 'http://127.0.0.1:3000';

/** One `curl` of the README: method, path, headers and body. */
interface CurlCommand {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
}

/** The `curl` commands of the README's "Try it" section, in order. */
function tryItCommands(): { commands: CurlCommand[]; section: string } {
  const readme = readFileSync('README.md', 'utf8');
  const start = readme.indexOf('\n### Try it\n');
  if (start < 0) throw new Error('README.md has no "### Try it" section');
  const rest = readme.slice(start + '\n### Try it\n'.length);
  const block = /```bash\n([\s\S]*?)```/.exec(rest)?.[1] ?? '';
  // The section's prose: up to the next heading (comments in code blocks start with # too).
  const prose = rest.replace(/```[\s\S]*?```/g, '');
  const end = prose.search(/^#{1,3} /m);
  const section = end < 0 ? prose : prose.slice(0, end);
  const lines = block.replace(/\\\n\s*/g, ' ').split('\n');
  const commands = lines
    .filter((line) => line.startsWith('curl '))
    .map((line): CurlCommand => {
      const url = new RegExp(`${README_ORIGIN}(\\S*)`).exec(line)?.[1];
      if (url === undefined) throw new Error(`a curl without ${README_ORIGIN}: ${line}`);
      const headers = Object.fromEntries(
        [...line.matchAll(/-H '([^:]+): ([^']*)'/g)].map((m) => [m[1]!.toLowerCase(), m[2]!]),
      );
      const body = /-d '([^']*)'/.exec(line)?.[1];
      return {
        method: /-X (\w+)/.exec(line)?.[1] ?? 'GET',
        path: url,
        headers,
        ...(body === undefined ? {} : { body }),
      };
    });
  return { commands, section };
}

interface SagaView {
  sagaId: string;
  status: string;
  steps: { stepId: string; status: string }[];
  history: { eventType: string; toStatus: string }[];
}

describe('the embedded mode, as a newcomer uses it', () => {
  const { commands, section } = tryItCommands();
  let service: ServiceProcess | undefined;
  let url: string;

  /** Sends a README command to the running service, with `$SAGA_ID` replaced. */
  const send = (command: CurlCommand, sagaId = '') =>
    fetch(`${url}${command.path.replace('$SAGA_ID', sagaId)}`, {
      method: command.method,
      headers: command.headers,
      ...(command.body === undefined ? {} : { body: command.body }),
    });

  /** Reads a saga back with the README's command until it reaches `status`. */
  const readUntil = (sagaId: string, status: string) =>
    waitFor(`saga ${sagaId} to be ${status}`, async () => {
      const response = await send(commands[1]!, sagaId);
      expect(response.status).toBe(200);
      const view = (await response.json()) as SagaView;
      return view.status === status ? view : undefined;
    });

  beforeAll(async () => {
    service = startService(entry, { PORT: '0' });
    url = await listeningUrl(service);
  });

  afterAll(async () => {
    await service?.stop('SIGKILL');
  });

  it('has a README that starts a saga, reads it back, shows a compensation and names the docs', () => {
    expect(commands.map((c) => `${c.method} ${c.path}`)).toEqual([
      'POST /sagas',
      'GET /sagas/$SAGA_ID',
      'POST /sagas',
    ]);
    expect(JSON.parse(commands[2]!.body!)).toMatchObject({ input: { amount: 50_000 } });
    expect(section).toContain(`${README_ORIGIN}/docs`);
  });

  it('prints where the API and its docs are, in embedded mode', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(service!.output()).toContain(
      `listening on ${url} (API docs: ${url}/docs, console: ${url}/ui/)`,
    );
    expect(service!.output()).toContain('embedded Postgres (PGlite, in memory)');
    // Open, and loud about it.
    expect(service!.output()).toContain('AUTHENTICATION IS OFF');
  });

  it('runs the README order saga to completion', async () => {
    const started = await send(commands[0]!);
    expect(started.status).toBe(202);
    const answer = (await started.json()) as { sagaId: string };
    expect(answer).toEqual({ sagaId: expect.any(String), created: true, status: 'running' });

    const view = await readUntil(answer.sagaId, 'completed');
    expect(view.steps.map((step) => [step.stepId, step.status])).toEqual([
      ['reserve-inventory', 'succeeded'],
      ['authorize-payment', 'succeeded'],
      ['capture-payment', 'succeeded'],
      ['schedule-shipping', 'succeeded'],
      ['notify-customer', 'succeeded'],
    ]);
    expect(view.history[0]).toMatchObject({ eventType: 'start', toStatus: 'running' });
    expect(view.history.at(-1)).toMatchObject({ toStatus: 'completed' });

    // The same command again answers with the same saga.
    expect(await (await send(commands[0]!)).json()).toEqual({
      sagaId: answer.sagaId,
      created: false,
      status: 'completed',
    });
  });

  it('compensates the README order whose payment is declined', async () => {
    const started = await send(commands[2]!);
    expect(started.status).toBe(202);
    const { sagaId } = (await started.json()) as { sagaId: string };

    const view = await readUntil(sagaId, 'compensated');
    expect(view.steps.map((step) => [step.stepId, step.status])).toEqual([
      ['reserve-inventory', 'compensated'],
      ['authorize-payment', 'failed'],
      ['capture-payment', 'skipped'],
      ['schedule-shipping', 'skipped'],
      ['notify-customer', 'skipped'],
    ]);
  });

  it('registers the README definition with its one curl, and starts a saga of it', async () => {
    const readme = readFileSync('README.md', 'utf8');
    const block = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)]
      .map((match) => match[1]!)
      .find((text) => text.includes('-X PUT http://127.0.0.1:3000/saga-definitions/'));
    expect(block).toBeDefined();
    // The block as the newcomer pastes it, in bash from the repository, against this service.
    const output = execFileSync('bash', ['-c', block!.replaceAll(README_ORIGIN, url)], {
      encoding: 'utf8',
    });
    const [registered, started] = output.split('\n').filter((line) => line.startsWith('{'));
    expect(JSON.parse(registered!)).toMatchObject({ name: 'delivery', version: 1 });
    const { sagaId } = JSON.parse(started!) as { sagaId: string };
    const view = await readUntil(sagaId, 'completed');
    expect(view.steps.map((step) => [step.stepId, step.status])).toEqual([
      ['ship', 'succeeded'],
      ['charge', 'succeeded'],
    ]);
  });

  it('serves the console, open like the API (no sign-in form), and keeps it out of OpenAPI', async () => {
    const index = await fetch(`${url}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toContain('text/html');
    expect(await (await fetch(`${url}/ui/config.json`)).json()).toEqual({
      authRequired: false,
      traceUrlTemplate: null,
    });
    const openapi = (await (await fetch(`${url}/docs-json`)).json()) as {
      paths: Record<string, unknown>;
    };
    expect(Object.keys(openapi.paths).filter((path) => path.startsWith('/ui'))).toEqual([]);
  });

  it('serves the API docs', async () => {
    const page = await fetch(`${url}/docs`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const document = await fetch(`${url}/docs-json`);
    expect(document.status).toBe(200);
    const openapi = (await document.json()) as { openapi: string; paths: Record<string, unknown> };
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining(['/sagas', '/sagas/{id}', '/sagas/{id}/cancel', '/sagas/{id}/resume']),
    );
  });

  it('stops on SIGTERM with exit code 0', async () => {
    expect(await service!.stop('SIGTERM')).toBe(0);
  });
});
