/**
 * A request whose credentials are missing, unknown, revoked, expired or not for us (401). The
 * message is safe to answer with: it never repeats the credential.
 */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}
