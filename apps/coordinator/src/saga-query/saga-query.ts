import { Environment } from '@marcbachmann/cel-js';
import type { SagaRegistry } from '#saga-core';
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
  errorCode: { type: 'string', column: `(s.state->'cause'->'outcome'->>'code')` },
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
    throw celError(error);
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
    const value =
      FIELDS[field].type === 'google.protobuf.Timestamp'
        ? this.time(literal)
        : this.scalar(field, literal);
    return `(${FIELDS[field].column} ${sqlOp} ${value})`;
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
    if (field === 'errorCode')
      return `(${FIELDS.errorCode.column} IS NOT DISTINCT FROM ${this.param(value)})`;
    if (field === 'step') {
      return `(COALESCE(s.state->'steps'->${this.param(value)}->>'status' IN ${CURRENT_STEP}, FALSE))`;
    }
    const steps = this.catalog.stepsOf(value);
    if (steps.length === 0) return 'FALSE';
    const alternatives = steps.map(
      (step) =>
        `(s.saga_type = ${this.param(step.sagaType)} AND s.saga_version = ${this.param(step.version)} AND ${this.equals('step', step.stepId)})`,
    );
    return `(${alternatives.join(' OR ')})`;
  }

  private text(field: Field, node: Node): string {
    if (node.op !== 'value' || typeof node.args !== 'string') {
      throw new InvalidSagaQueryError(`${field} is compared with a string`, node.pos);
    }
    return node.args;
  }

  /** A literal for a string or int column, as a parameter. */
  private scalar(field: Field, node: Node): string {
    if (node.op !== 'value')
      throw new InvalidSagaQueryError(`${field} is compared with a value`, node.pos);
    const value = node.args;
    if (field === 'status' && !(SAGA_STATUSES as readonly unknown[]).includes(value)) {
      throw new InvalidSagaQueryError(
        `status is one of ${SAGA_STATUSES.join(', ')}, not ${JSON.stringify(value)}`,
        node.pos,
      );
    }
    if (typeof value === 'bigint') {
      if (value < 0n || value > 2_147_483_647n) {
        throw new InvalidSagaQueryError(`${field} is an integer from 0 to 2147483647`, node.pos);
      }
      return `${this.param(Number(value))}::int`;
    }
    if (typeof value !== 'string')
      throw new InvalidSagaQueryError(`${field} is compared with a value`, node.pos);
    return `${this.param(value)}::text`;
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
  return node.op === 'id' && typeof node.args === 'string' && node.args in FIELDS;
}

function unsupported(node: Node): InvalidSagaQueryError {
  const what =
    node.op === 'call' || node.op === 'rcall' ? `${(node.args as [string])[0]}()` : node.op;
  return new InvalidSagaQueryError(`${what} is not available in a saga query`, node.pos);
}

function isoTime(text: string, position: number): string {
  const time = Date.parse(text);
  if (
    !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) ||
    Number.isNaN(time)
  ) {
    throw new InvalidSagaQueryError('a timestamp is an ISO 8601 time with a zone', position);
  }
  return new Date(time).toISOString();
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

/** cel-js's parse and type errors: the first line, and the caret's column as the position. */
function celError(error: unknown): InvalidSagaQueryError {
  const text = error instanceof Error ? error.message : String(error);
  const lines = text.split('\n');
  const caret = lines.find((line) => /^\s+\^\s*$/.test(line) && line.includes('^'));
  const source = lines.find((line) => /^>\s+\d+ \| /.test(line));
  const position =
    caret === undefined || source === undefined
      ? 0
      : Math.max(0, caret.indexOf('^') - source.indexOf('| ') - 2);
  return new InvalidSagaQueryError(lines[0] ?? 'the query does not parse', position);
}
