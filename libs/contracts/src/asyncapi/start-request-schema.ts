import type { z } from 'zod';
import { toJsonSchema, type JsonSchema } from './json-schema.js';

/** One saga type and version a coordinator runs, with the schema its start's `input` must pass. */
export interface SagaInputSchema {
  readonly sagaType: string;
  readonly sagaVersion: number;
  /** A zod schema, or a JSON Schema already (a definition document's `input`). */
  readonly schema: z.ZodType | JsonSchema;
  /** Dotted paths of the input's sensitive fields (encrypted at rest, redacted when shown). */
  readonly sensitive?: readonly string[];
}

/**
 * The JSON Schema of a start request: the contract's envelope, whose `input` is free JSON, and
 * one `if`/`then` per saga type and version in `inputs` that holds its `input` to that type's
 * schema. A request without `sagaVersion` runs the type's latest version, so that version's
 * condition also matches when `sagaVersion` is absent.
 */
export function startRequestSchema(
  envelope: z.ZodType,
  inputs: readonly SagaInputSchema[],
): JsonSchema {
  const schema = toJsonSchema(envelope);
  if (inputs.length === 0) return schema;
  const latest = new Map<string, number>();
  for (const { sagaType, sagaVersion } of inputs) {
    latest.set(sagaType, Math.max(sagaVersion, latest.get(sagaType) ?? 0));
  }
  const conditions = inputs.map((input) => ({
    if: {
      properties: {
        sagaType: { const: input.sagaType },
        sagaVersion: { const: input.sagaVersion },
      },
      required:
        latest.get(input.sagaType) === input.sagaVersion
          ? ['sagaType']
          : ['sagaType', 'sagaVersion'],
    },
    then: { properties: { input: inputSchema(input) } },
  }));
  return { ...schema, allOf: [...(schema.allOf ?? []), ...conditions] };
}

function inputSchema({ sagaType, sagaVersion, schema, sensitive = [] }: SagaInputSchema) {
  const { description, ...rest } = isZod(schema) ? toJsonSchema(schema) : schema;
  const said = [
    description,
    `The input of the ${sagaType} saga, version ${sagaVersion}.`,
    sensitive.length === 0
      ? undefined
      : `Sensitive (encrypted at rest, redacted when shown): ${sensitive.join(', ')}.`,
  ];
  return { title: `${sagaType} v${sagaVersion} input`, description: join(said), ...rest };
}

function isZod(schema: z.ZodType | JsonSchema): schema is z.ZodType {
  return '_zod' in schema;
}

function join(sentences: readonly (string | undefined)[]): string {
  return sentences.filter((sentence) => sentence !== undefined).join(' ');
}
