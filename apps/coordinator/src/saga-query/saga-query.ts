import { Environment } from '@marcbachmann/cel-js';
import type { SagaRegistry } from '#saga-core';
import { unstorableTextProblem } from '#contracts';
import { InvalidSagaQueryError } from '../application/saga-errors.js';
import { SAGA_STATUSES } from '../application/saga-statuses.js';

/** Most characters in one query. */
export const MAX_QUERY_LENGTH = 2_000;

/** The participant each step of each registered definition calls: `participant` needs it. */
export interface QueryCatalog {
  /** Every (saga type, version, step id) whose step calls this participant. */
  stepsOf(participant: string): readonly {
    readonly sagaType: string;
    readonly version: number;
    readonly stepId: string;
  }[];
}

/** The catalog of the definitions a registry holds now (definitions may be added at run time). */
export function queryCatalog(registry?: Pick<SagaRegistry, 'list'>): QueryCatalog {
  return {
    stepsOf: (participant) =>
      (registry?.list() ?? []).flatMap((definition) =>
        definition.steps
          .filter((step) => step.participant === participant)
          .map((step) => ({
            sagaType: definition.name,
            version: definition.version,
            stepId: step.id,
          })),
      ),
  };
}

/** A query as a SQL condition on the `sagas` table (alias `s`), with its parameters. */
export interface SagaQuerySql {
  readonly where: string;
  readonly params: readonly unknown[];
}

// The language is CEL, as in saga definitions: parsed and type-checked by cel-js, then turned
// into SQL from the parsed tree. Only what maps onto indexed or row-local SQL is accepted: a
// field compared with literals, `in` a list of literals, and the boolean operators.
const FIELDS = {
  sagaType: { type: 'string', column: 's.saga_type' },
  version: { type: 'int', column: 's.saga_version' },
  status: { type: 'string', column: 's.status' },
  idempotencyKey: { type: 'string', column: 's.idempotency_key' },
  createdAt: { type: 'google.protobuf.Timestamp', column: 's.created_at' },
  updatedAt: { type: 'google.protobuf.Timestamp', column: 's.updated_at' },
  step: { type: 'string', column: undefined },
  participant: { type: 'string', column: undefined },
  errorCode: { type: 'string', column: undefined },
} as const;
type Field = keyof typeof FIELDS;

/** A step's statuses while it is in flight or halted: where a saga "is" on that step. */
const CURRENT_STEP = `('running', 'backing-off', 'failed', 'outcome-unknown', 'compensating', 'compensation-backing-off', 'compensation-exhausted')`;

const environment = Object.entries(FIELDS)
  .reduce(
    (env, [name, field]) => env.registerVariable(name, field.type),
    new Environment({
      unlistedVariablesAreDyn: false,
      limits: {
        maxAstNodes: 500,
        maxDepth: 32,
        maxListElements: 200,
        maxMapEntries: 0,
        maxCallArguments: 1,
      },
    }),
  )
  .registerVariable('now', 'google.protobuf.Timestamp');

interface Node {
  readonly op: string;
  readonly args: unknown;
  readonly pos: number;
}

const COMPARISONS: Record<string, string> = {
  '==': '=',
  '!=': '<>',
  '<': '<',
  '<=': '<=',
  '>': '>',
  '>=': '>=',
};
const MIRRORED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/**
 * Turns a query (CEL over `sagaType`, `version`, `status`, `idempotencyKey`, `createdAt`,
 * `updatedAt`, `step`, `participant`, `errorCode` and `now`) into a SQL condition. Parameters
 * are numbered from `firstParam`. Throws InvalidSagaQueryError.
 */
export function sagaQuerySql(source: string, catalog: QueryCatalog, firstParam = 1): SagaQuerySql {
  if (source.length > MAX_QUERY_LENGTH) {
    throw new InvalidSagaQueryError(`a query has at most ${MAX_QUERY_LENGTH} characters`, 0);
  }
  let program: ReturnType<Environment['parse']>;
  try {
    program = environment.parse(source);
    const checked = program.check();
    if (!checked.valid) throw checked.error;
    if (String(checked.type) !== 'bool') {
      throw new InvalidSagaQueryError(
        `a query must be true or false, not ${String(checked.type)}`,
        0,
      );
    }
  } catch (error) {
    if (error instanceof InvalidSagaQueryError) throw error;
    throw celError(error, source);
  }
  const params: unknown[] = [];
  const translator = new Translator(catalog, (value) => {
    params.push(value);
    return `$${firstParam + params.length - 1}`;
  });
  return { where: translator.condition(program.ast as unknown as Node), params };
}

class Translator {
  constructor(
    private readonly catalog: QueryCatalog,
    private readonly param: (value: unknown) => string,
  ) {}

  condition(node: Node): string {
    const args = node.args as Node[];
    switch (node.op) {
      case '&&':
      case '||':
        return `(${this.condition(args[0]!)} ${node.op === '&&' ? 'AND' : 'OR'} ${this.condition(args[1]!)})`;
      case '!_':
        return `(NOT ${this.condition(node.args as Node)})`;
      case 'value':
        if (typeof node.args === 'boolean') return node.args ? 'TRUE' : 'FALSE';
        break;
      case 'in':
        return this.membership(args[0]!, args[1]!);
    }
    if (node.op in COMPARISONS) return this.comparison(node.op, args[0]!, args[1]!);
    throw unsupported(node);
  }

  private comparison(op: string, left: Node, right: Node): string {
    const [field, literal, sqlOp] = isField(left)
      ? [left.args as Field, right, COMPARISONS[op]!]
      : isField(right)
        ? [right.args as Field, left, COMPARISONS[MIRRORED[op] ?? op]!]
        : [undefined, left, ''];
    if (field === undefined)
      throw new InvalidSagaQueryError('compare a field with a value', left.pos);
    if (field === 'step' || field === 'participant' || field === 'errorCode') {
      if (op !== '==' && op !== '!=') {
        throw new InvalidSagaQueryError(`${field} is compared with == or != only`, literal.pos);
      }
      const matches = this.equals(field, this.text(field, literal));
      return op === '==' ? matches : `(NOT ${matches})`;
    }
    const time = FIELDS[field].type === 'google.protobuf.Timestamp';
    const value = time ? this.time(literal) : this.scalar(field, literal);
    // Strings are ordered by their bytes, whatever the database's collation.
    const bytewise = FIELDS[field].type === 'string' && op !== '==' && op !== '!=';
    return `(${FIELDS[field].column}${bytewise ? ' COLLATE "C"' : ''} ${sqlOp} ${value})`;
  }

  private membership(element: Node, list: Node): string {
    if (!isField(element) || list.op !== 'list') {
      throw new InvalidSagaQueryError('write `field in [values]`', element.pos);
    }
    const field = element.args as Field;
    const items = list.args as Node[];
    if (items.length === 0) return 'FALSE';
    if (FIELDS[field].type === 'google.protobuf.Timestamp') {
      throw new InvalidSagaQueryError(
        `${field} is compared with < or > , not in a list`,
        element.pos,
      );
    }
    if (field === 'step' || field === 'participant' || field === 'errorCode') {
      return `(${items.map((item) => this.equals(field, this.text(field, item))).join(' OR ')})`;
    }
    const values = items.map((item) => this.scalar(field, item));
    return `(${FIELDS[field].column} IN (${values.join(', ')}))`;
  }

  /** The condition that a saga's `step`, `participant` or `errorCode` is `value`. */
  private equals(field: 'step' | 'participant' | 'errorCode', value: string): string {
    if (field === 'errorCode') {
      // The failure that made it compensate, or the last failed outcome of any of its steps.
      const code = this.param(value);
      return `(COALESCE(s.state->'cause'->'outcome'->>'code' = ${code}, FALSE) OR EXISTS (
        SELECT 1 FROM jsonb_each(s.state->'steps') e(id, step)
        WHERE COALESCE(e.step->'lastOutcome'->>'code', e.step->'outcome'->>'code') = ${code}))`;
    }
    if (field === 'step') {
      return `(COALESCE(s.state->'steps'->${this.param(value)}->>'status' IN ${CURRENT_STEP}, FALSE))`;
    }
    const steps = this.catalog.stepsOf(value);
    if (steps.length === 0) return 'FALSE';
    // Three array parameters, however many definitions and versions call the participant.
    const types = this.param(steps.map((step) => step.sagaType));
    const versions = this.param(steps.map((step) => step.version));
    const ids = this.param(steps.map((step) => step.stepId));
    return `EXISTS (SELECT 1 FROM unnest(${types}::text[], ${versions}::int[], ${ids}::text[])
      AS c(saga_type, saga_version, step_id)
      WHERE c.saga_type = s.saga_type AND c.saga_version = s.saga_version
        AND s.state->'steps'->c.step_id->>'status' IN ${CURRENT_STEP})`;
  }

  private text(field: Field, node: Node): string {
    if (node.op !== 'value' || typeof node.args !== 'string') {
      throw new InvalidSagaQueryError(`${field} is compared with a string`, node.pos);
    }
    return storable(node.args, node.pos);
  }

  /** A literal for a string or int column, as a parameter. */
  private scalar(field: Field, node: Node): string {
    if (node.op !== 'value') {
      throw new InvalidSagaQueryError(`${field} is compared with a value`, node.pos);
    }
    const value = node.args;
    if (field === 'status' && !(SAGA_STATUSES as readonly unknown[]).includes(value)) {
      throw new InvalidSagaQueryError(
        `status is one of ${SAGA_STATUSES.join(', ')}, not ${JSON.stringify(value)}`,
        node.pos,
      );
    }
    if (typeof value === 'bigint' || typeof value === 'number') {
      if (typeof value === 'number' || value < 0n || value > 2_147_483_647n) {
        throw new InvalidSagaQueryError(`${field} is an integer from 0 to 2147483647`, node.pos);
      }
      return `${this.param(Number(value))}::int`;
    }
    if (typeof value !== 'string') {
      throw new InvalidSagaQueryError(`${field} is compared with a value of its type`, node.pos);
    }
    return `${this.param(storable(value, node.pos))}::text`;
  }

  /** `timestamp("…")`, `now`, or either plus or minus `duration("…")`, as SQL. */
  private time(node: Node): string {
    if (node.op === 'id' && node.args === 'now') return 'now()';
    if (node.op === 'call') {
      const [name, [argument]] = node.args as [string, Node[]];
      if (name === 'timestamp' && argument?.op === 'value' && typeof argument.args === 'string') {
        return `${this.param(isoTime(argument.args, argument.pos))}::timestamptz`;
      }
    }
    if (node.op === '-' || node.op === '+') {
      const [base, offset] = node.args as [Node, Node];
      const [name, [argument]] = (offset.op === 'call' ? offset.args : ['', []]) as [
        string,
        Node[],
      ];
      if (name === 'duration' && argument?.op === 'value' && typeof argument.args === 'string') {
        const ms = durationMs(argument.args, argument.pos);
        return `(${this.time(base)} ${node.op} make_interval(secs => ${this.param(ms / 1000)}::double precision))`;
      }
    }
    throw new InvalidSagaQueryError(
      'a time is timestamp("<ISO time>"), now, or either ± duration("<e.g. 15m>")',
      node.pos,
    );
  }
}

function isField(node: Node): boolean {
  return node.op === 'id' && typeof node.args === 'string' && Object.hasOwn(FIELDS, node.args);
}

/** A string value Postgres can hold (CEL escapes may make a NUL or a lone surrogate). */
function storable(text: string, position: number): string {
  const problem = unstorableTextProblem(text);
  if (problem !== undefined) throw new InvalidSagaQueryError(`a string ${problem}`, position);
  return text;
}

function unsupported(node: Node): InvalidSagaQueryError {
  const what =
    node.op === 'call' || node.op === 'rcall' ? `${(node.args as [string])[0]}()` : node.op;
  return new InvalidSagaQueryError(`${what} is not available in a saga query`, node.pos);
}

const ISO_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,6})?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/**
 * An ISO 8601 time with a zone that Postgres holds as written (years 1 to 9999, a real date,
 * offsets up to 15:59, microseconds at most): passed on as text, so none is rounded.
 */
function isoTime(text: string, position: number): string {
  const [, year, month, day, hour, minute, second, offsetHours, offsetMinutes] =
    ISO_TIME.exec(text)?.map(Number) ?? [];
  const date = new Date(Date.UTC(year ?? 0, (month ?? 1) - 1, day ?? 1));
  const real =
    year !== undefined &&
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === (month ?? 0) - 1 &&
    date.getUTCDate() === day &&
    (hour ?? 24) < 24 &&
    (minute ?? 60) < 60 &&
    (Number.isNaN(second) ? 0 : (second ?? 0)) < 60 &&
    (Number.isNaN(offsetHours) ? 0 : (offsetHours ?? 0)) <= 15 &&
    (Number.isNaN(offsetMinutes) ? 0 : (offsetMinutes ?? 0)) < 60;
  if (!real) {
    throw new InvalidSagaQueryError(
      'a timestamp is an ISO 8601 time with a zone, e.g. 2026-12-01T08:00:00Z',
      position,
    );
  }
  return text;
}

const DURATION_UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1_000, ms: 1 };

/** CEL's duration text (`90s`, `1h30m`, `1.5h`, `250ms`) in milliseconds. */
function durationMs(text: string, position: number): number {
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(ms|h|m|s)/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join('') !== text) {
    throw new InvalidSagaQueryError('a duration is like 90s, 15m, 1h30m or 250ms', position);
  }
  const ms = parts.reduce(
    (total, [, amount, unit]) => total + Number(amount) * DURATION_UNITS[unit!]!,
    0,
  );
  if (ms > 100 * 365 * 86_400_000)
    throw new InvalidSagaQueryError('a duration is at most 100 years', position);
  return ms;
}

/** cel-js's parse and type errors: the first line, and where its caret points in the source. */
function celError(error: unknown, source: string): InvalidSagaQueryError {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n');
  const index = lines.findIndex((line) => /^>\s+\d+ \| /.test(line));
  const quoted = lines[index];
  const caret = lines[index + 1];
  let position = 0;
  if (quoted !== undefined && caret !== undefined && caret.includes('^')) {
    const lineNumber = Number(/^>\s+(\d+) \| /.exec(quoted)![1]);
    const column = caret.indexOf('^') - quoted.indexOf('| ') - 2;
    const before = source.split('\n').slice(0, lineNumber - 1);
    position = Math.max(0, before.reduce((sum, line) => sum + line.length + 1, 0) + column);
  }
  return new InvalidSagaQueryError(lines[0] ?? 'the query does not parse', position);
}
