// The operator's credentials: typed once in the login form, kept in this tab's sessionStorage
// (gone when the tab closes), never in the URL, sent on each API call.

/** An API key (sent as `x-api-key`) or a bearer token (sent as `Authorization: Bearer`). */
export interface Credentials {
  readonly kind: 'api-key' | 'bearer';
  readonly secret: string;
}

const STORAGE_KEY = 'saga-console.credentials';

/** The credentials of this tab's session, if any. */
export function loadCredentials(): Credentials | undefined {
  const stored = sessionStorage.getItem(STORAGE_KEY);
  if (stored === null) return undefined;
  try {
    const value = JSON.parse(stored) as Partial<Credentials>;
    const kindOk = value.kind === 'api-key' || value.kind === 'bearer';
    return kindOk && typeof value.secret === 'string' ? (value as Credentials) : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps `credentials` for this tab's session. */
export function saveCredentials(credentials: Credentials): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(credentials));
}

/** Forgets them (sign out, or the API refused them). */
export function clearCredentials(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}

/** The request headers that carry `credentials`; none in an open coordinator. */
export function credentialHeaders(credentials: Credentials | undefined): Record<string, string> {
  if (credentials === undefined) return {};
  return credentials.kind === 'api-key'
    ? { 'x-api-key': credentials.secret }
    : { authorization: `Bearer ${credentials.secret}` };
}
