import { redactedError } from './redacted-error.js';
import { TechnicalError } from './technical-error.js';

describe('redactedError', () => {
  it('names each error of the chain by its name and code, and none of its message', () => {
    const wrapped = new TechnicalError('STOCK_DB_DOWN', 'down for sku apple-secret', true);
    const typeorm = Object.assign(new Error('duplicate key (order_id)=(o-secret)'), {
      name: 'QueryFailedError',
      driverError: { code: '23505' },
      cause: wrapped,
    });

    const told = redactedError(typeorm);

    expect(told).toBe('QueryFailedError [23505] <- TechnicalError [STOCK_DB_DOWN]');
    expect(told).not.toContain('secret');
  });

  it('names a thrown value that is not an Error by its type, and a name that is free text as Error', () => {
    expect(redactedError('tok_4111')).toBe('thrown string');
    expect(
      redactedError(Object.assign(new Error('x'), { name: 'bad "tok_4111"', code: 'a b' })),
    ).toBe('Error');
  });
});
