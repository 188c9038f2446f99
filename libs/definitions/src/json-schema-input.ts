import { Ajv2020 } from 'ajv/dist/2020.js';
import safeRegex from 'safe-regex2';
import type { InputIssue, InputSchema } from '#saga-core';

/** Most issues one validation reports (the first ones); the rest are counted. */
const MAX_ISSUES = 10;

/**
 * The input schema of a definition from a JSON Schema (draft 2020-12), for the engine's
 * `InputSchema` port: issues name the field (`items.0.sku`) as zod's do. Compiled once, by a
 * validator of its own (an `$id` or `$ref` of one document never meets another's). Throws an
 * Error saying why when the schema is not valid, names an unknown keyword (a typo such as
 * `propertys` would otherwise accept everything), or holds a `pattern` whose matching time could
 * explode on a crafted input (nested quantifiers, judged by safe-regex2). `format` is not checked.
 */
export function jsonSchemaInput(schema: Record<string, unknown>): InputSchema<unknown> {
  const risky = riskyPattern(schema);
  if (risky !== undefined) {
    throw new Error(
      `the pattern ${JSON.stringify(risky)} may take exponential time on some inputs: rewrite it without nested repetition`,
    );
  }
  const ajv = new Ajv2020({
    allErrors: true,
    strict: false,
    strictSchema: true,
    strictNumbers: true,
    validateFormats: false,
  });
  let validate: ReturnType<typeof ajv.compile>;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new Error(error instanceof Error ? error.message : String(error), { cause: error });
  }
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

/** The first `pattern` (or `patternProperties` key) anywhere in `schema` that is not safe. */
function riskyPattern(schema: unknown): string | undefined {
  if (schema === null || typeof schema !== 'object') return undefined;
  if (Array.isArray(schema)) {
    for (const item of schema) {
      const found = riskyPattern(item);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  const record = schema as Record<string, unknown>;
  const patterns = [
    ...(typeof record['pattern'] === 'string' ? [record['pattern']] : []),
    ...Object.keys((record['patternProperties'] as object | undefined) ?? {}),
  ];
  const unsafe = patterns.find((pattern) => !safeRegex(pattern));
  if (unsafe !== undefined) return unsafe;
  for (const value of Object.values(record)) {
    const found = riskyPattern(value);
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
