import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import type { InputIssue, InputSchema } from '#saga-core';

// One validator instance for every definition: schemas are compiled once, at registration.
// An unknown keyword (a typo such as `propertys`) is an error in the document, not a schema that
// silently accepts everything; ajv's stricter checks of style (a `required` field without its
// `properties` entry, a missing `type`) are left to the author. `format` is not checked.
const ajv = new Ajv2020({
  allErrors: true,
  strict: false,
  strictSchema: true,
  strictNumbers: true,
  validateFormats: false,
});

/**
 * The input schema of a definition from a JSON Schema (draft 2020-12), for the engine's
 * `InputSchema` port: issues name the field (`items.0.sku`) as zod's do. Throws an Error saying
 * why when the schema itself is not valid.
 */
export function jsonSchemaInput(schema: Record<string, unknown>): InputSchema<unknown> {
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (error) {
    throw new Error(error instanceof Error ? error.message : String(error), { cause: error });
  }
  return {
    safeParse(value: unknown) {
      if (validate(value)) return { success: true, data: value };
      const issues: InputIssue[] = (validate.errors ?? []).map((error) => ({
        path: pathOf(error.instancePath, error.params as Record<string, unknown>),
        message: error.message ?? 'is not valid',
      }));
      return { success: false, error: { issues } };
    },
  };
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
