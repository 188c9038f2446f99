import { LIMITS, replyOutcomeSchema, type JsonValue } from '#contracts';
import { runCommandHandler } from './command-handler.js';
import { commandFor } from './command.fixture.js';
import { fitsReplyResult } from './reply-result.js';

/** The reply schema on a success outcome: what the coordinator will read. */
const schemaAccepts = (result: unknown) =>
  replyOutcomeSchema.safeParse({ status: 'success', result }).success;

describe('fitsReplyResult', () => {
  it.each<[string, unknown]>([
    ['an empty object, as the echo participant answers', {}],
    ['a small object', { reservationId: 'rsv-1', items: [{ sku: 'apple', quantity: 2 }] }],
    ['null', null],
    ['a Date', { at: new Date(0) }],
    ['NaN', [NaN]],
    ['a NUL', { note: 'a\u0000' }],
    ['an own __proto__ key', JSON.parse('{"__proto__": {"a": 1}}') as unknown],
  ])('takes what the reply schema takes (jsonValueProblems): %s', (_name, value) => {
    expect(fitsReplyResult(value)).toBe(schemaAccepts(value));
  });

  it('refuses, without throwing, a cycle, nesting past the stack and a getter that throws', () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    let deep: unknown = 'leaf';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get: () => {
        throw new Error('boom');
      },
    });

    expect(fitsReplyResult(cycle)).toBe(false);
    expect(fitsReplyResult([[cycle]])).toBe(false);
    expect(fitsReplyResult(deep)).toBe(false);
    expect(fitsReplyResult(throwing)).toBe(false);
    expect(fitsReplyResult(nested(LIMITS.jsonDepth))).toBe(true);
    expect(fitsReplyResult(nested(LIMITS.jsonDepth + 1))).toBe(false);
  });
});

function nested(depth: number): unknown {
  let value: unknown = 'leaf';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

describe('runCommandHandler', () => {
  const run = (result: unknown, onInvalidResult: (reason: string) => void = () => undefined) =>
    runCommandHandler(
      () => result as JsonValue,
      commandFor(),
      { transaction: undefined, onRollback: () => undefined },
      () => undefined,
      onInvalidResult,
    );
  const invalid = {
    status: 'error',
    code: 'INVALID_RESULT',
    message: 'inventory answered inventory.reserve with a result that is not JSON',
    retryable: false,
  };

  it('answers a JSON result with a success that carries it', async () => {
    const result = { reservationId: 'rsv-1' };

    await expect(run(result)).resolves.toEqual({ status: 'success', result });
  });

  it('answers a Date as its ISO string and a class instance by its own fields, as JSON.stringify writes them', async () => {
    class ShipmentDto {
      constructor(
        readonly shipmentId: string,
        readonly scheduledAt: Date,
        readonly trackingUrl?: string,
      ) {}
      get label(): string {
        return `shipment ${this.shipmentId}`;
      }
    }

    await expect(run(new ShipmentDto('shp-1', new Date(0)))).resolves.toEqual({
      status: 'success',
      result: { shipmentId: 'shp-1', scheduledAt: '1970-01-01T00:00:00.000Z' },
    });
    await expect(run({ amount: { toJSON: () => '12.50' } })).resolves.toEqual({
      status: 'success',
      result: { amount: '12.50' },
    });
  });

  it('answers a handler that returns nothing (a Nest method typed void) with a null result', async () => {
    await expect(run(undefined)).resolves.toEqual({ status: 'success', result: null });
  });

  it('answers a BigInt, a cycle or a result too large with INVALID_RESULT, not retried, telling why once', async () => {
    const cycle: Record<string, unknown> = { orderId: 'o-1' };
    cycle.self = cycle;
    const cases: [unknown, RegExp][] = [
      [{ total: 10n }, /^not a JSON value \(bigint\) at \$\.total$/],
      [cycle, /^a cycle .* at \$\.self$/],
      [{ note: 'x'.repeat(LIMITS.json) }, /^Too big/],
    ];
    for (const [result, reason] of cases) {
      const reasons: string[] = [];

      await expect(run(result, (told) => reasons.push(told))).resolves.toEqual(invalid);

      expect(reasons).toEqual([expect.stringMatching(reason)]);
    }
  });

  it('answers INVALID_RESULT when reading the result throws, telling the error by its name only', async () => {
    const reasons: string[] = [];
    const result = {
      toJSON: () => {
        throw new TypeError('cannot read tok_4111');
      },
    };

    await expect(run(result, (told) => reasons.push(told))).resolves.toEqual(invalid);

    expect(reasons).toEqual(['reading it threw TypeError']);
  });
});
