import { Ajv2020 } from 'ajv/dist/2020.js';
import type {
  AddedKeywordDefinition,
  CodeKeywordDefinition,
  ValidateFunction,
} from 'ajv/dist/types/index.js';
import type { InputIssue, InputSchema } from '#saga-core';
import { re2RegExp } from './re2-reg-exp.js';

/** Most issues one validation reports (the first ones); the rest are counted. */
const MAX_ISSUES = 10;

/**
 * How often one validation may enter the schema's root or one of its `$defs` (what a `$ref`
 * names): BASE_STEPS, plus, per value in the input, twice the number of those (at most
 * MAX_STEPS_PER_VALUE). An honest schema enters each a few times per value at most; a recursive
 * one whose branches overlap (two `anyOf` branches that both recurse into an array) would take
 * time exponential in the input's depth, 2^30 steps for a few dozen bytes. So the work stays
 * within a small multiple of what the input's size calls for.
 */
const BASE_STEPS = 10_000;
/** At most this many steps per value, however many `$defs` (a schema of hundreds of them). */
const MAX_STEPS_PER_VALUE = 32;

/** The keyword that counts a validation's steps, added where a `$ref` may lead. */
const STEP_KEYWORD = 'x-coordinator-step';

/** Ends a validation that took all its steps. */
class TooManySteps extends Error {}

const AJV_OPTIONS = {
  allErrors: true,
  strict: false,
  strictSchema: true,
  strictNumbers: true,
  validateFormats: false,
  code: { regExp: re2RegExp },
} as const;

/** Checks schemas against the draft 2020-12 meta-schema (compiled once, on first use). */
const metaSchemas = new Ajv2020(AJV_OPTIONS);

/**
 * The input schema of a definition from a JSON Schema (draft 2020-12), for the engine's
 * `InputSchema` port: issues name the field (`items.0.sku`) as zod's do. Compiled once, by a
 * validator of its own (an `$id` or `$ref` of one document never meets another's). Throws an
 * Error saying why when the schema is not valid, names an unknown keyword (a typo such as
 * `propertys` would otherwise accept everything), holds a `pattern` RE2 cannot match in linear
 * time (see re2RegExp), or a `uniqueItems` whose check would compare every pair of items.
 * `format` is not checked.
 */
export function jsonSchemaInput(schema: Record<string, unknown>): InputSchema<unknown> {
  const steps = { left: 0 };
  const validate = compiledValidator(schema, steps);
  const stepsPerValue = Math.min(MAX_STEPS_PER_VALUE, 2 * (1 + countDefinitions(schema)));
  return {
    safeParse(value: unknown) {
      const allowed = BASE_STEPS + stepsPerValue * countValues(value);
      steps.left = allowed;
      let valid: boolean;
      try {
        valid = validate(value);
      } catch (error) {
        if (!(error instanceof TooManySteps)) throw error;
        const message = `could not be checked within ${allowed} steps of the schema (its root and $defs entered): a recursive schema whose branches overlap takes time exponential in the input's depth`;
        return { success: false, error: { issues: [{ path: [], message }] } };
      }
      if (valid) return { success: true, data: value };
      const errors = validate.errors ?? [];
      const issues: InputIssue[] = errors.slice(0, MAX_ISSUES).map((error) => ({
        path: pathOf(error.instancePath, error.params as Record<string, unknown>),
        message: error.message ?? 'is not valid',
      }));
      if (errors.length > MAX_ISSUES) {
        issues.push({ path: [], message: `and ${errors.length - MAX_ISSUES} more problems` });
      }
      return { success: false, error: { issues } };
    },
  };
}

/**
 * The Ajv validator of {@link jsonSchemaInput}, checked and compiled (exported for its tests);
 * each entry into the root or a `$defs` entry takes one of `steps.left`, and past the last the
 * validation throws TooManySteps.
 */
export function compiledValidator(
  schema: Record<string, unknown>,
  steps: { left: number } = { left: Number.POSITIVE_INFINITY },
): ValidateFunction {
  const ajv = new Ajv2020({
    ...AJV_OPTIONS,
    // Checked against the draft's meta-schema by metaSchemas; this validator does not hold it,
    // so a `$ref` to it cannot resolve (its own `uniqueItems` compares every pair of `type` items).
    meta: false,
    validateSchema: false,
    // A `$ref` calls the schema it names, compiled once, rather than inlining a copy at each
    // use: 2,000 uses of one 100-property definition took 69 s to compile inlined, 0.3 s not.
    inlineRefs: false,
  });
  const target = counted(schema);
  refuseQuadraticUniqueItems(ajv, target);
  ajv.addKeyword({
    keyword: STEP_KEYWORD,
    schemaType: 'boolean',
    errors: false,
    // First of all the keywords of its schema: counted before any of them recurses.
    before: '$dynamicAnchor',
    validate: () => {
      if (--steps.left < 0) throw new TooManySteps();
      return true;
    },
  });
  try {
    metaSchemas.validateSchema(schema, true);
    return ajv.compile(target);
  } catch (error) {
    throw new Error(error instanceof Error ? error.message : String(error), { cause: error });
  }
}

/**
 * Ajv's own `uniqueItems`, refused where it would compare every pair of items (O(n²) deep
 * comparisons: items that may be objects or arrays, or of no declared type). Over items of a
 * scalar type Ajv indexes them instead, in one pass. Ajv decides by the `type` of `items`, read
 * here the same way; the message names the schema's path in `root`.
 */
function refuseQuadraticUniqueItems(ajv: Ajv2020, root: Record<string, unknown>): void {
  const builtIn = ajv.getKeyword('uniqueItems') as AddedKeywordDefinition & CodeKeywordDefinition;
  ajv.removeKeyword('uniqueItems');
  ajv.addKeyword({
    ...builtIn,
    code(cxt, ruleType) {
      if (cxt.schema === true && !hasScalarItems(cxt.parentSchema)) {
        const at = pathIn(root, cxt.parentSchema) ?? cxt.it.errSchemaPath;
        throw new Error(
          `uniqueItems at ${at} needs "items" of a scalar type ("string", "number", "integer", "boolean" or "null"): over other items every pair would be compared`,
        );
      }
      builtIn.code(cxt, ruleType);
    },
  });
}

/** The schema's `$defs` and `definitions` that are objects, by keyword. */
function definitionGroups(schema: Record<string, unknown>): [string, Record<string, unknown>][] {
  return ['$defs', 'definitions'].flatMap((key) => {
    const entries = schema[key];
    return entries !== null && typeof entries === 'object' && !Array.isArray(entries)
      ? [[key, entries as Record<string, unknown>] as [string, Record<string, unknown>]]
      : [];
  });
}

/** The entries of the schema's `$defs` and `definitions`. */
function countDefinitions(schema: Record<string, unknown>): number {
  return definitionGroups(schema).reduce(
    (sum, [, entries]) => sum + Object.keys(entries).length,
    0,
  );
}

/** The values in `input`, itself included: every array, object, item and field. */
function countValues(input: unknown): number {
  let count = 0;
  const pending: unknown[] = [input];
  while (pending.length > 0) {
    const value = pending.pop();
    count++;
    if (Array.isArray(value)) pending.push(...value);
    else if (value !== null && typeof value === 'object') pending.push(...Object.values(value));
  }
  return count;
}

/** `schema` with the step keyword in its root and in each of its `$defs` (and `definitions`). */
function counted(schema: Record<string, unknown>): Record<string, unknown> {
  const withStep = (entry: unknown) =>
    entry !== null && typeof entry === 'object' && !Array.isArray(entry)
      ? { [STEP_KEYWORD]: true, ...(entry as Record<string, unknown>) }
      : entry;
  const copy: Record<string, unknown> = { [STEP_KEYWORD]: true, ...schema };
  for (const [key, entries] of definitionGroups(schema)) {
    copy[key] = Object.fromEntries(
      Object.entries(entries).map(([name, entry]) => [name, withStep(entry)]),
    );
  }
  return copy;
}

function hasScalarItems(schema: Record<string, unknown>): boolean {
  const items = schema['items'];
  if (items === null || typeof items !== 'object') return false;
  const type = (items as Record<string, unknown>)['type'];
  const types = typeof type === 'string' ? [type] : Array.isArray(type) ? type : [];
  return types.length > 0 && !types.some((t) => t === 'object' || t === 'array');
}

/** Where `target` is in `value` (`properties.tags`, `(root)`), or undefined if it is not. */
function pathIn(value: unknown, target: unknown, at: readonly string[] = []): string | undefined {
  if (value === target) return at.length === 0 ? '(root)' : at.join('.');
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, inner] of Object.entries(value)) {
    const found = pathIn(inner, target, [...at, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** `/items/0/sku` as `['items', 0, 'sku']`, with the missing or extra property named. */
function pathOf(pointer: string, params: Record<string, unknown>): PropertyKey[] {
  const segments: PropertyKey[] = pointer
    .split('/')
    .slice(1)
    .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const named = params['missingProperty'] ?? params['additionalProperty'];
  if (typeof named === 'string') segments.push(named);
  return segments;
}
