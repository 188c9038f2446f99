import type { ApiKeyDirectory } from './api-keys.js';
import { AuthenticationError } from './authentication-error.js';
import type { JwtVerifier } from './jwt-verifier.js';
import { OPEN_PRINCIPAL, type Principal } from './principal.js';

/** The header an API key may come in (else `Authorization: ApiKey <key>`). */
export const API_KEY_HEADER = 'x-api-key';

/** How requests are authenticated: not at all (`open`), or by API key and/or bearer token. */
export type AuthenticatorOptions =
  | { readonly mode: 'open' }
  | {
      readonly mode: 'closed';
      readonly apiKeys?: ApiKeyDirectory;
      readonly jwt?: JwtVerifier;
    };

/** Turns a request's credentials into a principal, or throws AuthenticationError (401). */
export class Authenticator {
  private apiKeys: ApiKeyDirectory | undefined;

  constructor(private readonly options: AuthenticatorOptions) {
    this.apiKeys = options.mode === 'closed' ? options.apiKeys : undefined;
  }

  get isOpen(): boolean {
    return this.options.mode === 'open';
  }

  /** Replaces the API keys (a reload: keys added, revoked or removed take effect at once). */
  useApiKeys(apiKeys: ApiKeyDirectory | undefined): void {
    this.apiKeys = apiKeys;
  }

  async authenticate(headers: Record<string, string | string[] | undefined>): Promise<Principal> {
    if (this.options.mode === 'open') return OPEN_PRINCIPAL;
    const { apiKeys } = this;
    const { jwt } = this.options;
    const credential = credentialOf(headers);
    if (credential === undefined) throw new AuthenticationError('credentials required');
    if (credential.scheme === 'bearer') {
      if (jwt === undefined) throw new AuthenticationError('bearer tokens are not accepted');
      return jwt.authenticate(credential.value);
    }
    if (apiKeys === undefined) throw new AuthenticationError('API keys are not accepted');
    return apiKeys.authenticate(credential.value);
  }
}

/** The one credential a request carries; two different ones are refused. */
function credentialOf(
  headers: Record<string, string | string[] | undefined>,
): { scheme: 'bearer' | 'api-key'; value: string } | undefined {
  const authorization = headers.authorization;
  const apiKey = headers[API_KEY_HEADER];
  if (Array.isArray(authorization) || Array.isArray(apiKey)) {
    throw new AuthenticationError('one credential per request');
  }
  if (authorization !== undefined && apiKey !== undefined) {
    throw new AuthenticationError('one credential per request');
  }
  if (apiKey !== undefined) return { scheme: 'api-key', value: apiKey };
  if (authorization === undefined) return undefined;
  const match = /^(Bearer|ApiKey) +(\S+)$/i.exec(authorization);
  if (!match)
    throw new AuthenticationError('expected Authorization: Bearer <token> or ApiKey <key>');
  return {
    scheme: match[1]!.toLowerCase() === 'bearer' ? 'bearer' : 'api-key',
    value: match[2]!,
  };
}
