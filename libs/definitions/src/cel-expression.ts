import { Environment } from '@marcbachmann/cel-js';
import { LIMITS, type JsonValue } from '#contracts';
import { DefinitionRuntimeError } from './definition-problem.js';

/** The variables an expression may read: `context` always, `result` in `onSuccess` only. */
export type ExpressionScope = 'payload' | 'fold';

/** Most characters in one expression. */
export const MAX_EXPRESSION_LENGTH = 4_000;

// CEL (Common Expression Language, the language of Kubernetes admission policies and Google's
// IAM conditions) and not JSONata: JSONata 2 evaluates only asynchronously, and the engine that
// calls these expressions is a pure, synchronous function. CEL is not Turing complete (no loops
// beyond macros over the lists it is given), so its cost is bounded by the expression, checked
// here at parse time, and by its input, which the coordinator bounds (MAX_CONTEXT_BYTES).
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

/** Compiles `source` once (parse and type check); resolves a reason instead when it cannot. */
export function compileExpression(
  source: string,
  scope: ExpressionScope,
): { ok: true; evaluate: CompiledExpression } | { ok: false; reason: string } {
  if (source.length > MAX_EXPRESSION_LENGTH) {
    return { ok: false, reason: `longer than ${MAX_EXPRESSION_LENGTH} characters` };
  }
  let program: ReturnType<Environment['parse']>;
  try {
    program = environments[scope].parse(source);
    const checked = program.check();
    if (!checked.valid) return { ok: false, reason: firstLine(checked.error) };
  } catch (error) {
    return { ok: false, reason: firstLine(error) };
  }
  return {
    ok: true,
    evaluate: (variables) => {
      let value: unknown;
      try {
        value = program(variables);
      } catch (error) {
        throw new DefinitionRuntimeError(`the expression failed: ${firstLine(error)}`);
      }
      const json = toJson(value, '');
      if (JSON.stringify(json).length > LIMITS.json) {
        throw new DefinitionRuntimeError(`the expression gave more than ${LIMITS.json} characters`);
      }
      return json;
    },
  };
}

/** CEL values as JSON: integers (BigInt) become numbers; bytes, timestamps and durations are refused. */
function toJson(value: unknown, at: string): JsonValue {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw notJson(at, 'a number that is not finite');
    return value;
  }
  if (typeof value === 'bigint') {
    const number = Number(value);
    if (!Number.isSafeInteger(number)) throw notJson(at, 'an integer beyond 2^53');
    return number;
  }
  if (Array.isArray(value)) return value.map((item, index) => toJson(item, `${at}[${index}]`));
  if (value instanceof Map) {
    return Object.fromEntries(
      [...value].map(([k, v]) => [String(k), toJson(v, `${at}.${String(k)}`)]),
    );
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        toJson(v, `${at}.${k}`),
      ]),
    );
  }
  throw notJson(at, `a ${describeType(value)}`);
}

function entriesOf(map: unknown): Record<string, unknown> {
  return map instanceof Map ? Object.fromEntries(map) : (map as Record<string, unknown>);
}

function notJson(at: string, what: string): DefinitionRuntimeError {
  return new DefinitionRuntimeError(
    `the expression gave ${what}${at ? ` at ${at.slice(at.startsWith('.') ? 1 : 0)}` : ''}, not JSON`,
  );
}

function describeType(value: unknown): string {
  return value instanceof Uint8Array
    ? 'bytes value'
    : value instanceof Date
      ? 'timestamp'
      : typeof value;
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] ?? text;
}
