import { SignJWT, UnsecuredJWT, generateKeyPair, exportSPKI } from 'jose';
import { ApiKeyDirectory, hashApiKey } from './api-keys.js';
import { AuthenticationError } from './authentication-error.js';
import { Authenticator } from './authenticator.js';
import { JwtVerifier } from './jwt-verifier.js';

const shopKey = 'shop-key-0123456789abcdef0123456789abcdef';
const shopKey2 = 'shop-key-2-123456789abcdef0123456789abcdef';
const oldKey = 'shop-key-old-3456789abcdef0123456789abcdef';
const secret = 'jwt-secret-0123456789abcdef0123456789';
const issuer = 'https://idp.test';
const audience = 'saga-coordinator';

const directory = new ApiKeyDirectory([
  {
    id: 's1',
    client: 'shop',
    roles: ['start'],
    sagaTypes: ['order'],
    sha256: hashApiKey(shopKey),
    revoked: false,
  },
  {
    id: 's2',
    client: 'shop',
    roles: ['start', 'read'],
    sha256: hashApiKey(shopKey2),
    revoked: false,
  },
  { id: 's0', client: 'shop', roles: ['operate'], sha256: hashApiKey(oldKey), revoked: true },
]);
const verifier = new JwtVerifier({ issuer, audience, algorithms: ['HS256'], secret });
const closed = new Authenticator({ mode: 'closed', apiKeys: directory, jwt: verifier });

const now = () => Math.floor(Date.now() / 1000);
const token = (claims: { aud?: string; iss?: string; exp?: number; sub?: string } = {}) =>
  new SignJWT({ roles: ['read', 'operate', 'superuser'] })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(claims.sub ?? 'alice')
    .setIssuer(claims.iss ?? issuer)
    .setAudience(claims.aud ?? audience)
    .setExpirationTime(claims.exp ?? now() + 60)
    .sign(new TextEncoder().encode(secret));

async function refusal(headers: Record<string, string | string[]>): Promise<string> {
  const error = await closed.authenticate(headers).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(AuthenticationError);
  return (error as Error).message;
}

describe('Authenticator', () => {
  it('knows every key of a client, each with its own roles and saga types', async () => {
    const first = await closed.authenticate({ 'x-api-key': shopKey });
    expect(first).toMatchObject({ id: 'key:shop', client: 'key:shop' });
    expect([...first.roles]).toEqual(['start']);
    expect([...(first.sagaTypes ?? [])]).toEqual(['order']);
    const second = await closed.authenticate({ authorization: `ApiKey ${shopKey2}` });
    expect([...second.roles]).toEqual(['start', 'read']);
    expect(second.sagaTypes).toBeUndefined();
  });

  it('refuses a missing, unknown, short or revoked key without repeating it', async () => {
    expect(await refusal({})).toBe('credentials required');
    expect(await refusal({ 'x-api-key': `${shopKey}x` })).toBe('invalid API key');
    expect(await refusal({ 'x-api-key': 'short' })).toBe('invalid API key');
    expect(await refusal({ 'x-api-key': oldKey })).toBe('invalid API key');
    expect(await refusal({ authorization: 'Basic dXNlcjpwYXNz' })).toMatch(/expected/);
    expect(await refusal({ authorization: `ApiKey ${shopKey}`, 'x-api-key': shopKey })).toBe(
      'one credential per request',
    );
  });

  it('takes a bearer token’s subject and known roles', async () => {
    const principal = await closed.authenticate({ authorization: `Bearer ${await token()}` });
    expect(principal.id).toBe('jwt:alice');
    expect([...principal.roles]).toEqual(['read', 'operate']);
  });

  it('limits a token’s starts by saga_types whatever its shape, and refuses a subject that is no string', async () => {
    const signed = (claims: Record<string, unknown>) =>
      new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(issuer)
        .setAudience(audience)
        .setExpirationTime(now() + 60)
        .sign(new TextEncoder().encode(secret));
    const typesOf = async (claims: Record<string, unknown>) => {
      const principal = await closed.authenticate({
        authorization: `Bearer ${await signed({ sub: 'alice', roles: 'start', ...claims })}`,
      });
      expect([...principal.roles]).toEqual(['start']);
      return principal.sagaTypes === undefined ? undefined : [...principal.sagaTypes];
    };
    expect(await typesOf({})).toBeUndefined();
    expect(await typesOf({ saga_types: ['order', 7] })).toEqual(['order']);
    // One type as a string, as some identity providers send a single value: that type only.
    expect(await typesOf({ saga_types: 'order' })).toEqual(['order']);
    // Any other shape names no type: it allows none, never all.
    expect(await typesOf({ saga_types: { order: true } })).toEqual([]);
    expect(await typesOf({ saga_types: null })).toEqual([]);

    for (const sub of [{ a: 1 }, 42, '']) {
      expect(await refusal({ authorization: `Bearer ${await signed({ sub })}` })).toBe(
        'invalid bearer token: claim sub refused',
      );
    }
  });

  it('refuses an expired, wrong-audience, wrong-issuer or forged token', async () => {
    expect(await refusal({ authorization: `Bearer ${await token({ exp: now() - 120 })}` })).toBe(
      'invalid bearer token: expired',
    );
    expect(await refusal({ authorization: `Bearer ${await token({ aud: 'other' })}` })).toBe(
      'invalid bearer token: claim aud refused',
    );
    expect(await refusal({ authorization: `Bearer ${await token({ iss: 'https://evil' })}` })).toBe(
      'invalid bearer token: claim iss refused',
    );
    const forged = (await token()).replace(/\.[^.]+$/, '.AAAA');
    expect(await refusal({ authorization: `Bearer ${forged}` })).toMatch(/bad signature|malformed/);
  });

  it('refuses alg none and an algorithm outside the allow-list', async () => {
    const unsecured = new UnsecuredJWT({ roles: ['operate'] })
      .setSubject('mallory')
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime(now() + 60)
      .encode();
    expect(await refusal({ authorization: `Bearer ${unsecured}` })).toMatch(
      /^invalid bearer token/,
    );
    const hs512 = await new SignJWT({ roles: ['operate'] })
      .setProtectedHeader({ alg: 'HS512' })
      .setSubject('mallory')
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime(now() + 60)
      .sign(new TextEncoder().encode(secret));
    expect(await refusal({ authorization: `Bearer ${hs512}` })).toBe(
      'invalid bearer token: algorithm not allowed',
    );
  });

  it('verifies RS256 tokens against a public key', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const rsa = new JwtVerifier({
      issuer,
      audience,
      algorithms: ['RS256'],
      publicKeyPem: await exportSPKI(publicKey),
    });
    const signed = await new SignJWT({ roles: ['read'] })
      .setProtectedHeader({ alg: 'RS256' })
      .setSubject('svc')
      .setIssuer(issuer)
      .setAudience(audience)
      .setExpirationTime(now() + 60)
      .sign(privateKey);
    expect((await rsa.authenticate(signed)).id).toBe('jwt:svc');
  });

  it('lets everyone in as anonymous with every role when open', async () => {
    const open = new Authenticator({ mode: 'open' });
    const principal = await open.authenticate({});
    expect(principal.id).toBe('anonymous');
    expect(principal.roles.size).toBe(5);
  });
});
