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
  const validate = compiledValidator(schema);
  return {
    safeParse(value: unknown) {
      if (validate(value)) return { success: true, data: value };
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

/** The Ajv validator of {@link jsonSchemaInput}, checked and compiled (exported for its tests). */
export function compiledValidator(schema: Record<string, unknown>): ValidateFunction {
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
  refuseQuadraticUniqueItems(ajv, schema);
  try {
    metaSchemas.validateSchema(schema, true);
    return ajv.compile(schema);
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
