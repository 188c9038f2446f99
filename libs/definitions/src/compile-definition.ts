import { formatPath, LIMITS, type JsonValue } from '#contracts';
import {
  defineSaga,
  DefinitionError,
  type AnySagaDefinition,
  type InputSchema,
  type RetryPolicyOptions,
  type SagaBuilder,
  type StepOptions,
} from '#saga-core';
import {
  compileExpression,
  type CompiledExpression,
  type ExpressionScope,
} from './cel-expression.js';
import {
  definitionDocumentSchema,
  type DefinitionDocument,
  type DocumentStep,
} from './definition-document.js';
import { DefinitionRuntimeError, type DefinitionProblem } from './definition-problem.js';
import { jsonSchemaInput } from './json-schema-input.js';

/** The document each compiled definition came from. */
const documents = new WeakMap<AnySagaDefinition, DefinitionDocument>();

/** The document `definition` was compiled from, or undefined for one built in code. */
export function documentOf(definition: AnySagaDefinition): DefinitionDocument | undefined {
  return documents.get(definition);
}

/** A compiled definition (its document: documentOf), or every problem found in it. */
export type CompileResult =
  | {
      readonly ok: true;
      readonly definition: AnySagaDefinition;
    }
  | { readonly ok: false; readonly problems: readonly DefinitionProblem[] };

/**
 * Checks a definition document and compiles it into the engine's own definition (the same kind
 * a TypeScript `defineSaga` builds: one engine, no second interpreter). Every expression and
 * JSON Schema is compiled here, once; the problems name the field (`steps.2.payload`).
 */
export function compileDefinition(raw: unknown): CompileResult {
  const parsed = definitionDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    return {
      ok: false,
      problems: parsed.error.issues.map((issue) => ({
        // An unknown field is the field's fault, not its parent's.
        path: formatPath(
          issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path,
        ),
        message: issue.message,
      })),
    };
  }
  const document = parsed.data;
  const parts = new Parts();
  const input = parts.schema('input', document.input);
  if (document.input['type'] !== 'object') {
    parts.problem('input.type', 'the saga input must be an object: give "type": "object"');
  }
  const steps = document.steps.map((step, index) => compileStep(parts, document, step, index));
  if (parts.problems.length > 0 || input === undefined)
    return { ok: false, problems: parts.problems };
  try {
    // Steps may name later steps in dependsOn: the engine checks the graph as a whole.
    let builder = defineSaga<unknown, JsonValue>({
      name: document.name,
      version: document.version,
      input,
      initialContext: (value) => ({ ...(value as Record<string, JsonValue>) }),
      ...(document.deadlineMs === undefined ? {} : { deadlineMs: document.deadlineMs }),
      ...(document.sensitive === undefined ? {} : { sensitive: document.sensitive }),
      ...(document.events === undefined ? {} : { events: document.events }),
    }) as SagaBuilder<unknown, JsonValue, string>;
    for (const step of steps) builder = builder.step(step!);
    const definition = builder.build() as AnySagaDefinition;
    documents.set(definition, document);
    return { ok: true, definition };
  } catch (error) {
    if (!(error instanceof DefinitionError)) throw error;
    return { ok: false, problems: [problemOf(error, document)] };
  }
}

/** What a folded context may weigh, serialised: the bound of a free-JSON field of the contract. */
const MAX_CONTEXT_CHARACTERS = LIMITS.json;

function checkedContext(context: JsonValue): JsonValue {
  if (JSON.stringify(context).length > MAX_CONTEXT_CHARACTERS) {
    throw new DefinitionRuntimeError(
      `the context would pass ${MAX_CONTEXT_CHARACTERS} characters with this result`,
    );
  }
  return context;
}

type BuiltStep = StepOptions<JsonValue, string, string>;

function compileStep(
  parts: Parts,
  document: DefinitionDocument,
  step: DocumentStep,
  index: number,
): BuiltStep | undefined {
  const at = `steps.${index}`;
  const payload = parts.expression(`${at}.payload`, step.payload, 'payload');
  const result = step.result === undefined ? undefined : parts.schema(`${at}.result`, step.result);
  const folds = Object.entries(step.onSuccess ?? {}).map(
    ([field, source]) =>
      [field, parts.expression(`${at}.onSuccess.${field}`, source, 'fold')] as const,
  );
  const compensation = step.compensation;
  const undo =
    compensation && parts.expression(`${at}.compensation.payload`, compensation.payload, 'payload');
  const retry = parts.retry(`${at}.retry`, document, step.retry);
  const compensationRetry = parts.retry(`${at}.compensation.retry`, document, compensation?.retry);
  if (payload === undefined) return undefined;
  return {
    id: step.id,
    participant: step.participant,
    command: step.command,
    buildCommand: (context) => payload({ context }),
    ...(result === undefined && folds.length === 0
      ? {}
      : { onSuccess: (context, value) => fold(context, value, result, folds) }),
    ...(step.kind === undefined ? {} : { kind: step.kind }),
    ...(step.dependsOn === undefined ? {} : { dependsOn: step.dependsOn }),
    ...(retry === undefined ? {} : { retry }),
    ...(compensationRetry === undefined ? {} : { compensationRetry }),
    ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
    ...(step.whenBreakerOpen === undefined ? {} : { whenBreakerOpen: step.whenBreakerOpen }),
    ...(compensation === undefined || undo === undefined
      ? {}
      : {
          compensation: {
            command: compensation.command,
            buildCommand: (context: JsonValue) => undo({ context }),
            ...(compensation.timeoutMs === undefined ? {} : { timeoutMs: compensation.timeoutMs }),
          },
        }),
  };
}

/** What a success adds to the context: the result checked, then each field's expression. */
function fold(
  context: JsonValue,
  result: JsonValue,
  schema: InputSchema<unknown> | undefined,
  folds: readonly (readonly [string, CompiledExpression | undefined])[],
): JsonValue {
  if (schema !== undefined) {
    const checked = schema.safeParse(result);
    if (!checked.success) {
      const why = checked.error.issues.map(
        (i) => `${formatPath(['result', ...i.path])}: ${i.message}`,
      );
      throw new DefinitionRuntimeError(`the result does not fit the definition: ${why.join('; ')}`);
    }
  }
  const added: Record<string, JsonValue> = {};
  for (const [field, evaluate] of folds) added[field] = evaluate!({ context, result });
  return checkedContext({ ...(context as Record<string, JsonValue>), ...added });
}

/** Collects what compiles and the problems of what does not. */
class Parts {
  readonly problems: DefinitionProblem[] = [];

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  expression(path: string, source: string, scope: ExpressionScope): CompiledExpression | undefined {
    const compiled = compileExpression(source, scope);
    if (compiled.ok) return compiled.evaluate;
    this.problem(path, compiled.reason);
    return undefined;
  }

  schema(path: string, schema: Record<string, unknown>): InputSchema<unknown> | undefined {
    try {
      return jsonSchemaInput(schema);
    } catch (error) {
      this.problem(path, `not a valid JSON Schema: ${(error as Error).message}`);
      return undefined;
    }
  }

  retry(
    path: string,
    document: DefinitionDocument,
    given: string | RetryPolicyOptions | undefined,
  ): RetryPolicyOptions | undefined {
    if (typeof given !== 'string') return given;
    const policy = document.retryPolicies?.[given];
    if (policy === undefined) this.problem(path, `no retry policy "${given}" in retryPolicies`);
    return policy;
  }
}

/** The engine's complaint about the definition, pointed at the document's field. */
function problemOf(error: DefinitionError, document: DefinitionDocument): DefinitionProblem {
  const reason = error.message.replace(/^[^:]*: /, '');
  if (error.stepId === undefined) return { path: error.field ?? '(root)', message: reason };
  // A duplicate id is the later step's fault; anything else, the only step with that id.
  const matching = document.steps.flatMap((step, i) => (step.id === error.stepId ? [i] : []));
  const index = error.field === 'id' ? matching.at(-1) : matching[0];
  const step = index === undefined ? undefined : document.steps[index];
  return { path: documentPath(`steps.${index}`, step, error.field), message: reason };
}

/**
 * The document's path of an engine field: `compensationRetry` is written `compensation.retry`,
 * and a policy given by name is written under `retryPolicies.<name>`.
 */
function documentPath(
  at: string,
  step: DocumentStep | undefined,
  field: string | undefined,
): string {
  if (field === undefined) return at;
  const [head, ...rest] = field.split('.');
  const inner = rest.length === 0 ? '' : `.${rest.join('.')}`;
  const policy = (given: string | RetryPolicyOptions | undefined, written: string) =>
    typeof given === 'string' ? `retryPolicies.${given}${inner}` : `${at}.${written}${inner}`;
  if (head === 'retry') return policy(step?.retry, 'retry');
  if (head === 'compensationRetry') return policy(step?.compensation?.retry, 'compensation.retry');
  return `${at}.${field}`;
}
