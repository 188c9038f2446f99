import { credentialHeaders } from './credentials.js';

describe('credentialHeaders', () => {
  it('sends an API key as x-api-key and a token as a bearer authorization', () => {
    expect(credentialHeaders({ kind: 'api-key', secret: 'k-1' })).toEqual({ 'x-api-key': 'k-1' });
    expect(credentialHeaders({ kind: 'bearer', secret: 't.o.k' })).toEqual({
      authorization: 'Bearer t.o.k',
    });
  });

  it('sends nothing without credentials (an open coordinator)', () => {
    expect(credentialHeaders(undefined)).toEqual({});
  });
});
