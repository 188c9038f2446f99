import { Environment, Optional } from '@marcbachmann/cel-js';
import { UnsignedInt } from '@marcbachmann/cel-js/evaluator';
import { LIMITS, unstorableTextProblem, type JsonValue } from '#contracts';
import { DefinitionRuntimeError } from './definition-problem.js';
import { costProblem } from './expression-cost.js';

/** The variables an expression may read: `context` always, `result` in `onSuccess` only. */
export type ExpressionScope = 'payload' | 'fold';

/** Most characters in one expression (the document schema holds expressions to it). */
export const MAX_EXPRESSION_LENGTH = 4_000;

// CEL (Common Expression Language, the language of Kubernetes admission policies and Google's
// IAM conditions) and not JSONata: JSONata 2 evaluates only asynchronously, and the engine that
// calls these expressions is a pure, synchronous function. CEL has no loops but macros over the
// lists it is given; what could still cost more than linear time in the context is refused when
// an expression is compiled (see costProblem), and what it gives is bounded as it is built.
const base = new Environment({
  unlistedVariablesAreDyn: false,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
  limits: {
    maxAstNodes: 2_000,
    maxDepth: 32,
    maxListElements: 1_000,
    maxMapEntries: 1_000,
    maxCallArguments: 32,
  },
})
  .registerVariable('context', 'dyn')
  // CEL has no map union, and this implementation no optional map entries: `merge(a, b)` is a
  // with b's fields added (b wins), e.g. to add a field only when the input has it.
  .registerFunction(
    'merge(map<string, dyn>, map<string, dyn>): map<string, dyn>',
    (a: unknown, b: unknown) => ({ ...entriesOf(a), ...entriesOf(b) }),
  );
const environments: Record<ExpressionScope, Environment> = {
  payload: base.clone(),
  fold: base.clone().registerVariable('result', 'dyn'),
};

/** A compiled expression: evaluates to plain JSON, or throws a DefinitionRuntimeError. */
export type CompiledExpression = (variables: {
  readonly context: unknown;
  readonly result?: JsonValue;
}) => JsonValue;

/** Compiles `source` once (parse, type check, cost check); a reason instead when it cannot. */
export function compileExpression(
  source: string,
  scope: ExpressionScope,
): { ok: true; evaluate: CompiledExpression } | { ok: false; reason: string } {
  let program: ReturnType<Environment['parse']>;
  try {
    program = environments[scope].parse(source);
    const checked = program.check();
    if (!checked.valid) return { ok: false, reason: firstLine(checked.error) };
  } catch (error) {
    return { ok: false, reason: firstLine(error) };
  }
  const costly = costProblem(program.ast);
  if (costly !== undefined) return { ok: false, reason: costly };
  return {
    ok: true,
    evaluate: (variables) => {
      let value: unknown;
      try {
        value = program(variables);
      } catch (error) {
        // The kind of failure only: CEL's messages repeat the values at fault, which may be
        // secrets, and this message reaches the saga's state, its events and the API.
        throw new DefinitionRuntimeError(`the expression failed: ${kindOf(error)}`);
      }
      return toJson(value, { left: LIMITS.json });
    },
  };
}

/**
 * CEL values as JSON: integers (BigInt, and the library's UnsignedInt) become numbers; optional
 * values, bytes, timestamps and durations are
 * refused, as are strings Postgres cannot store (U+0000, a lone surrogate) and values beyond
 * `budget.left` characters, counted while they are built.
 */
function toJson(value: unknown, budget: { left: number }, at = ''): JsonValue {
  budget.left -= 8; // what a value costs at least once serialised, with its separators
  if (budget.left < 0) {
    throw new DefinitionRuntimeError(`the expression gave more than ${LIMITS.json} characters`);
  }
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    budget.left -= value.length;
    if (budget.left < 0) {
      throw new DefinitionRuntimeError(`the expression gave more than ${LIMITS.json} characters`);
    }
    if (unstorableTextProblem(value) !== undefined)
      throw notJson(at, 'a string Postgres cannot store');
    return value;
  }
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notJson(at, 'a number that is not finite');
    return value;
  }
  if (typeof value === 'bigint' || value instanceof UnsignedInt) {
    const number = Number(value.valueOf());
    if (!Number.isSafeInteger(number)) throw notJson(at, 'an integer beyond 2^53');
    return number;
  }
  if (Array.isArray(value)) return value.map((item, i) => toJson(item, budget, `${at}[${i}]`));
  if (
    value instanceof Map ||
    (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype)
  ) {
    const entries = value instanceof Map ? [...value] : Object.entries(value as object);
    return Object.fromEntries(
      entries.map(([key, inner]) => {
        const name = String(key);
        budget.left -= name.length;
        if (unstorableTextProblem(name) !== undefined)
          throw notJson(at, 'a key Postgres cannot store');
        return [name, toJson(inner, budget, `${at}.${name}`)];
      }),
    );
  }
  const error = notJson(at, `a${describeType(value)}`);
  if (value instanceof Optional) error.message += ' (orValue() gives its value or a default)';
  throw error;
}

function entriesOf(map: unknown): Record<string, unknown> {
  return map instanceof Map ? Object.fromEntries(map) : (map as Record<string, unknown>);
}

function notJson(at: string, what: string): DefinitionRuntimeError {
  const where = at === '' ? '' : ` at ${at.startsWith('.') ? at.slice(1) : at}`;
  return new DefinitionRuntimeError(`the expression gave ${what}${where}, not JSON`);
}

function describeType(value: unknown): string {
  if (value instanceof Uint8Array) return ' bytes value';
  if (value instanceof Optional) return 'n optional value';
  return value instanceof Date ? ' timestamp' : ` ${typeof value}`;
}

/** What went wrong, without the values: the message up to its first colon or quote. */
function kindOf(error: unknown): string {
  const text = firstLine(error);
  return text.split(/[:"']/)[0]!.trim() || 'an evaluation error';
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
