import { pathOf } from './api-client.js';
import type { DefinitionListing, RoutingView, VersionRoute } from './api-views.js';
import {
  requiredText,
  requiredWholeNumber,
  textOption,
  wholeNumberArg,
  wholeNumberOption,
} from './command-options.js';
import type { CommandCall, CommandSpec } from './command-spec.js';
import { EXIT, UsageError } from './exit-codes.js';
import { formatFields, formatTable, oneLine, prettyJson, shortTime } from './output-format.js';

/** `sagactl defs list`: `GET /saga-definitions`. */
const list: CommandSpec = {
  words: ['defs', 'list'],
  synopsis: '',
  summary: 'saga types and versions the coordinator runs: active, retired, steps',
  args: [],
  options: [],
  async run(call) {
    const definitions = await call.api.get<DefinitionListing[]>('/saga-definitions');
    call.io.print(call.output === 'json' ? prettyJson(definitions) : definitionTable(definitions));
    return EXIT.ok;
  },
};

/** `sagactl defs get <name> <version>`: one version, with its document. */
const get: CommandSpec = {
  words: ['defs', 'get'],
  synopsis: '<name> <version>',
  summary: 'one version of a saga definition, with its steps and document',
  args: ['name', 'version'],
  options: [],
  async run(call) {
    const path = versionPath(call.args[0]!, wholeNumberArg(call, 1, 'version'));
    const definition = await call.api.get<DefinitionListing & { document?: unknown }>(path);
    if (call.output === 'json') {
      call.io.print(prettyJson(definition));
      return EXIT.ok;
    }
    const steps = formatTable(
      ['step', 'participant', 'command', 'kind', 'depends on'],
      definition.steps.map((s) => [s.id, s.participant, s.command, s.kind, s.dependsOn.join(',')]),
    );
    call.io.print(`${definitionTable([definition])}\n\n${steps}`);
    return EXIT.ok;
  },
};

/**
 * `sagactl defs apply <file>`: `PUT /saga-definitions/:name/versions/:version` with the file as
 * is (JSON, or YAML); name and version come from the document unless `--name` / `--version`
 * say (the API refuses a document that names others).
 */
const apply: CommandSpec = {
  words: ['defs', 'apply'],
  synopsis: '<file.yaml|file.json> [--name N] [--version V]',
  summary: 'registers a definition document (the same again: no change; another: 409)',
  args: ['file'],
  options: ['name', 'version'],
  async run(call) {
    const file = call.args[0]!;
    const { text, contentType, document } = await readDocument(call, file);
    const name = textOption(call, 'name') ?? stringField(document, 'name');
    const version = wholeNumberOption(call, 'version') ?? numberField(document, 'version');
    if (name === undefined || version === undefined) {
      const missing = name === undefined ? 'name (--name)' : 'version (--version)';
      throw new UsageError(`${file} gives no ${missing}`, call.usage);
    }
    const answer = await call.api.send<DefinitionListing>('PUT', versionPath(name, version), {
      text: { body: text, contentType },
    });
    call.io.print(
      call.output === 'json'
        ? prettyJson(answer.body)
        : answer.status === 201
          ? `registered ${name} version ${version}`
          : `${name} version ${version} is registered already, with this same document`,
    );
    return EXIT.ok;
  },
};

/** `sagactl defs routing <name>`: the route of new starts between versions, and its log. */
const routing: CommandSpec = {
  words: ['defs', 'routing'],
  synopsis: '<name>',
  summary: "which version new starts get, a ramp's share, and the definition log",
  args: ['name'],
  options: [],
  async run(call) {
    const view = await call.api.get<RoutingView>(
      `${pathOf('saga-definitions', call.args[0]!)}/routing`,
    );
    if (call.output === 'json') {
      call.io.print(prettyJson(view));
      return EXIT.ok;
    }
    const log = formatTable(
      ['at', 'version', 'action', 'actor', 'detail'],
      view.log.map((l) => [shortTime(l.at), l.version, l.action, l.actor, l.detail]),
    );
    const route =
      view.route === undefined
        ? 'none: the latest version serves the starts that name no version'
        : routeText(view.route);
    call.io.print(`${formatFields([['Route', route]])}\n\n${log}`);
    return EXIT.ok;
  },
};

/**
 * `sagactl defs ramp <name>`: `PUT /saga-definitions/:name/routing`. With `--revision` (read
 * with `defs routing`) a change made since by someone else is a 409 (exit 5), not lost. Without
 * it the revision is read just before the PUT, which guards only those milliseconds: the change
 * is last-writer-wins, so the route it replaced is printed on stderr (old → new).
 */
const ramp: CommandSpec = {
  words: ['defs', 'ramp'],
  synopsis: '<name> --active V [--ramp-version V --percent P] --reason <text> [--revision R]',
  summary: 'activates a version, or ramps another up to a share of new starts',
  details: [
    'Without --revision the change is last-writer-wins: it replaces whatever route is there',
    '(the one it replaced is printed on stderr, old -> new). To make a concurrent change fail',
    "with exit 5 instead, pass --revision R, R being the revision 'defs routing' showed.",
  ],
  args: ['name'],
  options: ['active', 'ramp-version', 'percent', 'reason', 'revision'],
  async run(call) {
    const name = call.args[0]!;
    const active = requiredWholeNumber(call, 'active');
    const rampVersion = wholeNumberOption(call, 'ramp-version');
    const percent = percentOf(call);
    if ((rampVersion === undefined) !== (percent === undefined)) {
      throw new UsageError('--ramp-version and --percent go together', call.usage);
    }
    const reason = requiredText(call, 'reason');
    const path = `${pathOf('saga-definitions', name)}/routing`;
    const given = wholeNumberOption(call, 'revision', 0);
    const replaced =
      given === undefined ? { route: (await call.api.get<RoutingView>(path)).route } : undefined;
    const body = {
      active,
      ...(rampVersion === undefined ? {} : { ramp: { version: rampVersion, percent } }),
      reason,
      revision: given ?? replaced?.route?.revision ?? 0,
    };
    const { body: route } = await call.api.send<VersionRoute>('PUT', path, { json: body });
    if (replaced !== undefined) {
      const old = replaced.route === undefined ? 'no route' : routeText(replaced.route);
      call.io.warn(`replaced (no --revision: last writer wins): ${old} -> ${routeText(route)}`);
    }
    call.io.print(
      call.output === 'json' ? prettyJson(route) : `route of ${name}: ${routeText(route)}`,
    );
    return EXIT.ok;
  },
};

/** `sagactl defs retire <name> <version>`: no new saga may start with it. */
const retire: CommandSpec = {
  words: ['defs', 'retire'],
  synopsis: '<name> <version> --reason <text>',
  summary: 'retires a version (409 while active, ramping, or with sagas not ended)',
  args: ['name', 'version'],
  options: ['reason'],
  async run(call) {
    const name = call.args[0]!;
    const version = wholeNumberArg(call, 1, 'version');
    const reason = requiredText(call, 'reason');
    const path = `${versionPath(name, version)}/retire`;
    const { body } = await call.api.send<DefinitionListing>('POST', path, { json: { reason } });
    call.io.print(call.output === 'json' ? prettyJson(body) : `retired ${name} version ${version}`);
    return EXIT.ok;
  },
};

/** The saga definition commands. */
export const DEFINITION_COMMANDS: readonly CommandSpec[] = [
  list,
  get,
  apply,
  routing,
  ramp,
  retire,
];

function versionPath(name: string, version: number): string {
  return pathOf('saga-definitions', name, 'versions', version);
}

function definitionTable(definitions: readonly DefinitionListing[]): string {
  const headers = ['name', 'version', 'source', 'active', 'retired', 'steps', 'participants'];
  const rows = definitions.map((d) => [
    d.name,
    d.version,
    d.source,
    d.active ? 'yes' : 'no',
    d.retired ? 'yes' : 'no',
    d.steps.length,
    d.participants.join(','),
  ]);
  return formatTable(headers, rows);
}

function routeText(route: VersionRoute): string {
  const ramp =
    route.ramp === undefined
      ? ''
      : `, version ${route.ramp.version} ramped to ${route.ramp.percent}% since ${oneLine(shortTime(route.ramp.since))}`;
  return `active version ${route.active}${ramp} (revision ${route.revision})`;
}

function percentOf(call: CommandCall): number | undefined {
  const text = textOption(call, 'percent');
  if (text === undefined) return undefined;
  const percent = Number(text);
  if (text.trim() === '' || !Number.isFinite(percent) || percent < 0 || percent > 100) {
    throw new UsageError(`--percent must be a number from 0 to 100, not '${text}'`, call.usage);
  }
  return percent;
}

/** The file's text, the media type it goes as (JSON if it reads as JSON, else YAML), its value. */
async function readDocument(
  call: CommandCall,
  file: string,
): Promise<{ text: string; contentType: string; document: unknown }> {
  let text: string;
  try {
    text = call.io.readText(file);
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as Error).message}`, call.usage);
  }
  try {
    return { text, contentType: 'application/json', document: JSON.parse(text) as unknown };
  } catch {
    // Not JSON: YAML, then.
  }
  // Loaded here only: the other commands start faster without it.
  const { parse } = await import('yaml');
  try {
    return { text, contentType: 'application/yaml', document: parse(text) as unknown };
  } catch (error) {
    const first = (error as Error).message.split('\n')[0];
    throw new UsageError(`${file} is neither JSON nor YAML: ${first}`, call.usage);
  }
}

function stringField(document: unknown, field: string): string | undefined {
  const value = (document as Record<string, unknown> | null)?.[field];
  return typeof value === 'string' ? value : undefined;
}

function numberField(document: unknown, field: string): number | undefined {
  const value = (document as Record<string, unknown> | null)?.[field];
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0 ? value : undefined;
}
