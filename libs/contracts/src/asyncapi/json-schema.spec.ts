import { z } from 'zod';
import { replyMessageSchema, sagaEventMessageSchema } from '../schemas.js';
import { ANY_JSON_VALUE, JSON_SCHEMA_FORMAT, multiFormat, toJsonSchema } from './json-schema.js';

describe('toJsonSchema', () => {
  it('writes a strict envelope as a closed draft-07 object with its required fields', () => {
    const schema = toJsonSchema(
      z.strictObject({ id: z.string().min(1).max(5), count: z.int().optional() }),
    );

    expect(schema).toEqual({
      type: 'object',
      properties: {
        id: { type: 'string', minLength: 1, maxLength: 5 },
        count: expect.objectContaining({ type: 'integer' }),
      },
      required: ['id'],
      additionalProperties: false,
    });
  });

  it('describes free JSON as any value, with no $ref and no definitions left', () => {
    const reply = toJsonSchema(replyMessageSchema);
    const event = toJsonSchema(sagaEventMessageSchema);

    const text = JSON.stringify([reply, event]);
    expect(text).not.toContain('$ref');
    expect(text).not.toContain('definitions');
    expect(text).not.toContain('$schema');
    const success = (reply.properties!.outcome as { oneOf: z.core.JSONSchema.JSONSchema[] })
      .oneOf[0]!;
    expect(success.properties!.result).toEqual({ description: ANY_JSON_VALUE });
    expect(event.properties!.detail).toMatchObject({
      type: 'object',
      additionalProperties: { description: ANY_JSON_VALUE },
    });
  });

  it('inlines a schema used twice', () => {
    const shared = z.string().regex(/^[a-z]+$/);
    const schema = toJsonSchema(z.object({ a: shared, b: shared }));

    expect(schema.properties).toEqual({
      a: { type: 'string', pattern: '^[a-z]+$' },
      b: { type: 'string', pattern: '^[a-z]+$' },
    });
  });

  it('refuses a recursive schema that is not free JSON: it could not be inlined', () => {
    interface Tree {
      children: Tree[];
    }
    const tree: z.ZodType<Tree> = z.object({ children: z.array(z.lazy(() => tree)) });

    expect(() => toJsonSchema(z.object({ root: z.string(), tree }))).toThrow(
      /only free JSON recurses/,
    );
  });
});

describe('multiFormat', () => {
  it('names JSON Schema draft-07 as the format', () => {
    expect(multiFormat({ type: 'string' })).toEqual({
      schemaFormat: 'application/schema+json;version=draft-07',
      schema: { type: 'string' },
    });
    expect(JSON_SCHEMA_FORMAT).toBe('application/schema+json;version=draft-07');
  });
});
