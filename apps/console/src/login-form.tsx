import { useState } from 'preact/hooks';
import { CALL_TIMEOUT_MS, failureText } from './api-client.js';
import { ApiError } from './api-problem.js';
import { credentialHeaders, type Credentials } from './credentials.js';
import { Notice } from './notice.js';
import { signInRefusal } from './sign-in-answer.js';

/** What a header may carry: printable ASCII (a pasted key with anything else is a typo). */
const PRINTABLE_ASCII = /^[\x20-\x7e]+$/;

/**
 * Asks for an API key or a bearer token once, and checks it with the API before keeping it
 * (see {@link signInRefusal}); a secret with characters a header cannot carry is refused before
 * anything is sent.
 */
export function LoginForm({
  notice,
  onSignedIn,
}: {
  /** Why the operator is asked again (e.g. the API refused the credentials). */
  readonly notice?: string | undefined;
  readonly onSignedIn: (credentials: Credentials) => void;
}) {
  const [kind, setKind] = useState<Credentials['kind']>('api-key');
  const [secret, setSecret] = useState('');
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const credentials: Credentials = { kind, secret: secret.trim() };
    if (!PRINTABLE_ASCII.test(credentials.secret)) {
      setError(
        `The ${kind === 'api-key' ? 'API key' : 'token'} holds characters it cannot have ` +
          '(only printable ASCII): check what was pasted.',
      );
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const response = await fetch('/saga-definitions', {
        headers: { accept: 'application/json', ...credentialHeaders(credentials) },
        credentials: 'omit',
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
      const refusal = signInRefusal(response.status);
      if (refusal !== undefined) throw new ApiError(response.status, refusal);
      onSignedIn(credentials);
    } catch (failure) {
      setError(failureText(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="login">
      <h1>Saga coordinator console</h1>
      <form aria-labelledby="login-title" onSubmit={(event) => void submit(event)}>
        <h2 id="login-title">Sign in</h2>
        <p>
          The same credentials as the API. They are kept in this tab only, until it is closed or you
          sign out.
        </p>
        <Notice error={error ?? notice} />
        <fieldset>
          <legend>Credential</legend>
          <label>
            <input
              type="radio"
              name="kind"
              value="api-key"
              checked={kind === 'api-key'}
              onChange={() => setKind('api-key')}
            />
            API key
          </label>
          <label>
            <input
              type="radio"
              name="kind"
              value="bearer"
              checked={kind === 'bearer'}
              onChange={() => setKind('bearer')}
            />
            Bearer token (JWT)
          </label>
        </fieldset>
        <label for="login-secret">{kind === 'api-key' ? 'API key' : 'Bearer token'}</label>
        <input
          id="login-secret"
          type="password"
          autocomplete="off"
          required
          value={secret}
          onInput={(event) => setSecret(event.currentTarget.value)}
        />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || secret.trim() === ''}>
            Sign in
          </button>
        </div>
      </form>
    </main>
  );
}
