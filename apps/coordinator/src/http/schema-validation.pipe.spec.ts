import type { ArgumentMetadata } from '@nestjs/common';
import { InvalidRequestException, type FieldProblem } from './problem.js';
import {
  operatorActionBodySchema,
  listSagasQuerySchema,
  sagaIdSchema,
  startSagaBodySchema,
} from './request-schemas.js';
import { SchemaValidationPipe } from './schema-validation.pipe.js';

const pipe = new SchemaValidationPipe();
const body = (schema: ArgumentMetadata['schema']): ArgumentMetadata => ({ type: 'body', schema });
const query: ArgumentMetadata = { type: 'query', schema: listSagasQuerySchema };
const idParam: ArgumentMetadata = { type: 'param', data: 'id', schema: sagaIdSchema };
const start = body(startSagaBodySchema);
const valid = { sagaType: 'order-checkout', idempotencyKey: 'k-1', input: { amount: 5 } };

/** The problems the pipe names for a value, or [] when it accepts it. */
async function problemsFor(value: unknown, metadata: ArgumentMetadata): Promise<FieldProblem[]> {
  try {
    await pipe.transform(value, metadata);
    return [];
  } catch (error) {
    if (error instanceof InvalidRequestException) return [...error.problems];
    throw error;
  }
}

/** The fields the pipe names for a value. */
async function fieldsFor(value: unknown, metadata: ArgumentMetadata): Promise<string[]> {
  return (await problemsFor(value, metadata)).map((problem) => problem.field);
}

describe('SchemaValidationPipe with the start body', () => {
  it('passes a valid request through', async () => {
    await expect(pipe.transform(valid, start)).resolves.toEqual(valid);
  });

  it('says which field is missing', async () => {
    const { idempotencyKey: _omitted, ...rest } = valid;
    expect(await problemsFor(rest, start)).toEqual([
      { field: 'idempotencyKey', message: 'required' },
    ]);
    const { input: _input, ...noInput } = valid;
    expect(await problemsFor(noInput, start)).toEqual([{ field: 'input', message: 'required' }]);
  });

  it('names a field of the wrong type and says what it expected', async () => {
    expect(await problemsFor({ ...valid, sagaType: 7 }, start)).toEqual([
      { field: 'sagaType', message: expect.stringMatching(/expected string/) },
    ]);
  });

  it('names an empty key, a version below 1 and an over-long type', async () => {
    expect(
      await fieldsFor(
        { ...valid, idempotencyKey: '', sagaVersion: 0, sagaType: 'x'.repeat(201) },
        start,
      ),
    ).toEqual(expect.arrayContaining(['idempotencyKey', 'sagaVersion', 'sagaType']));
  });

  it('names each unknown field', async () => {
    expect(await problemsFor({ ...valid, extra: 1, status: 'completed' }, start)).toEqual([
      { field: 'extra', message: 'unknown field' },
      { field: 'status', message: 'unknown field' },
    ]);
  });

  it('names the body itself when it is missing or not an object', async () => {
    for (const value of [undefined, [valid], 'text', 42]) {
      expect(await fieldsFor(value, start)).toEqual(['body']);
    }
  });
});

describe('SchemaValidationPipe with a saga id', () => {
  it('accepts a UUID and names id for anything else', async () => {
    await expect(pipe.transform('0b9a5c44-7d8e-4f0e-9a3b-2f3c4d5e6f70', idParam)).resolves.toBe(
      '0b9a5c44-7d8e-4f0e-9a3b-2f3c4d5e6f70',
    );
    expect(await problemsFor('42', idParam)).toEqual([{ field: 'id', message: 'must be a UUID' }]);
  });
});

describe('SchemaValidationPipe with the list query', () => {
  it('defaults the limit to 50 and turns a given one into a number', async () => {
    await expect(pipe.transform({}, query)).resolves.toEqual({ limit: 50 });
    await expect(pipe.transform({ limit: '10', status: 'stuck' }, query)).resolves.toEqual({
      limit: 10,
      status: 'stuck',
    });
  });

  it('names a limit outside 1..200 or not a whole number', async () => {
    for (const limit of ['0', '201', '2.5', 'ten', '']) {
      expect(await fieldsFor({ limit }, query)).toEqual(['limit']);
    }
  });

  it('names a status the engine does not know, or given twice', async () => {
    expect(await fieldsFor({ status: 'lost' }, query)).toEqual(['status']);
    expect(await fieldsFor({ status: ['running', 'stuck'] }, query)).toEqual(['status']);
  });

  it('names a time without a zone or that is no time at all', async () => {
    expect(await fieldsFor({ createdFrom: '2026-10-01T08:00:00' }, query)).toEqual(['createdFrom']);
    expect(await fieldsFor({ createdTo: 'yesterday' }, query)).toEqual(['createdTo']);
  });

  it('names a time Postgres could not hold rather than fail on it', async () => {
    expect(await fieldsFor({ createdFrom: '0000-01-01T00:00:00Z' }, query)).toEqual([
      'createdFrom',
    ]);
    expect(await fieldsFor({ createdTo: '2026-10-01T00:00:00+23:00' }, query)).toEqual([
      'createdTo',
    ]);
  });

  it('accepts times with an offset and names createdTo when it is before createdFrom', async () => {
    const window = { createdFrom: '2026-10-01T10:00:00+02:00', createdTo: '2026-10-01T08:00:00Z' };
    expect(await fieldsFor(window, query)).toEqual([]);
    const reversed = { createdFrom: '2026-10-02T00:00:00Z', createdTo: '2026-10-01T00:00:00Z' };
    expect(await problemsFor(reversed, query)).toEqual([
      { field: 'createdTo', message: 'must not be before createdFrom' },
    ]);
  });

  it('names an over-long cursor and an unknown parameter', async () => {
    expect(await fieldsFor({ cursor: 'a'.repeat(501) }, query)).toEqual(['cursor']);
    expect(await fieldsFor({ state: 'running' }, query)).toEqual(['state']);
  });
});

describe('SchemaValidationPipe with the operator action bodies', () => {
  const cancel = body(operatorActionBodySchema);
  const resume = cancel;

  it('accepts no body, an empty object, or a reason', async () => {
    expect(await fieldsFor(undefined, cancel)).toEqual([]);
    expect(await fieldsFor({}, resume)).toEqual([]);
    expect(await fieldsFor({ reason: 'the refund service is back' }, resume)).toEqual([]);
    await expect(pipe.transform({ reason: ' customer asked ' }, cancel)).resolves.toEqual({
      reason: 'customer asked',
    });
  });

  it('names a blank reason and an unknown field', async () => {
    expect(await fieldsFor({ reason: '  ' }, cancel)).toEqual(['reason']);
    expect(await fieldsFor({ force: true }, cancel)).toEqual(['force']);
    expect(await fieldsFor({ force: true }, resume)).toEqual(['force']);
  });
});

describe('SchemaValidationPipe without a schema', () => {
  it('passes the value through unchanged', async () => {
    const value = { anything: true };
    await expect(pipe.transform(value, { type: 'custom' })).resolves.toBe(value);
  });
});
