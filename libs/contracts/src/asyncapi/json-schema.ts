import { z } from 'zod';
import { ANY_JSON_VALUE, freeJsonSchemas } from '../schemas.js';

/**
 * The `schemaFormat` of every payload and header schema in the AsyncAPI document: JSON Schema
 * draft-07, what `z.toJSONSchema` writes and what the AsyncAPI parser validates.
 */
export const JSON_SCHEMA_FORMAT = 'application/schema+json;version=draft-07';

/** A JSON Schema (draft-07) as zod writes it. */
export type JsonSchema = z.core.JSONSchema.JSONSchema;

/** An AsyncAPI Multi Format Schema Object: a schema and the format it is written in. */
export interface MultiFormatSchema {
  readonly schemaFormat: typeof JSON_SCHEMA_FORMAT;
  readonly schema: JsonSchema;
}

/** How the document describes a free JSON value: a payload, result, details, input or detail field. */
export { ANY_JSON_VALUE };

const DEFINITION_REF = '#/definitions/';

/**
 * The draft-07 JSON Schema of what `schema` accepts (its output), self-contained: it holds no
 * `$ref`, since one inside a message would resolve against the whole AsyncAPI document. The
 * free JSON values (the contract's free-JSON fields, see freeJsonSchemas, and `z.json()`) become
 * `{}`, which accepts any JSON value (an object of them where the field must be an object);
 * other definitions are inlined. Refinements (storable text, the serialised size, the depth,
 * cross-field rules) have no JSON Schema: the document's descriptions state them. Throws on a
 * recursive schema that is not free JSON.
 */
export function toJsonSchema(schema: z.ZodType): JsonSchema {
  const {
    $schema: _declaredInTheFormat,
    definitions = {},
    ...root
  } = z.toJSONSchema(schema, {
    target: 'draft-07',
    io: 'output',
    reused: 'inline',
    override: ({ zodSchema, jsonSchema }) => {
      const kind = freeJsonSchemas.get(zodSchema) ?? (isFreeJson(zodSchema) ? 'value' : undefined);
      if (kind === undefined) return;
      for (const key of Object.keys(jsonSchema)) delete jsonSchema[key];
      if (kind === 'value') jsonSchema.description = ANY_JSON_VALUE;
      else {
        Object.assign(jsonSchema, {
          type: 'object',
          propertyNames: { type: 'string' },
          additionalProperties: { description: ANY_JSON_VALUE },
        });
      }
    },
  });
  return inlineDefinitions(root, definitions as Record<string, JsonSchema>, []) as JsonSchema;
}

/** `schema` in a Multi Format Schema Object that names its format. */
export function multiFormat(schema: JsonSchema): MultiFormatSchema {
  return { schemaFormat: JSON_SCHEMA_FORMAT, schema };
}

const FREE_JSON_MEMBERS = ['array', 'boolean', 'null', 'number', 'record', 'string'].join();

/** Whether `schema` is `z.json()`: a lazy union of every kind of JSON value, itself nested. */
function isFreeJson(schema: z.core.$ZodType): boolean {
  if (!(schema instanceof z.core.$ZodLazy)) return false;
  const inner = schema._zod.innerType._zod.def;
  if (inner.type !== 'union') return false;
  const members = (inner as z.core.$ZodUnionDef).options.map((option) => option._zod.def.type);
  return members.sort().join() === FREE_JSON_MEMBERS;
}

/** `node` with each `$ref` to a definition replaced by the definition; `inlining` guards cycles. */
function inlineDefinitions(
  node: unknown,
  definitions: Readonly<Record<string, JsonSchema>>,
  inlining: readonly string[],
): unknown {
  if (Array.isArray(node))
    return node.map((item) => inlineDefinitions(item, definitions, inlining));
  if (node === null || typeof node !== 'object') return node;
  const { $ref, ...rest } = node as Record<string, unknown>;
  const entries = Object.entries(rest).map(([key, value]) => [
    key,
    inlineDefinitions(value, definitions, inlining),
  ]);
  if ($ref === undefined) return Object.fromEntries(entries);
  const name =
    typeof $ref === 'string' && $ref.startsWith(DEFINITION_REF)
      ? $ref.slice(DEFINITION_REF.length)
      : '';
  const definition = definitions[name];
  if (definition === undefined || inlining.includes(name)) {
    throw new Error(
      `cannot describe a wire schema holding ${String($ref)}: only free JSON recurses`,
    );
  }
  const inlined = inlineDefinitions(definition, definitions, [...inlining, name]) as object;
  return { ...inlined, ...Object.fromEntries(entries) };
}
