import { useMemo, useState } from 'preact/hooks';
import { createApiClient } from './api-client.js';
import { ConsoleContextProvider, type ConsoleSettings } from './app-context.js';
import { BulkPage } from './bulk-page.js';
import {
  clearCredentials,
  loadCredentials,
  saveCredentials,
  type Credentials,
} from './credentials.js';
import { DeadLettersPage } from './dead-letters-page.js';
import { DefinitionsPage } from './definitions-page.js';
import { useHashRoute, type HashRoute } from './hash-route.js';
import { LoginForm } from './login-form.js';
import { ParticipantsPage } from './participants-page.js';
import { SagaPage } from './saga-page.js';
import { SagasPage } from './sagas-page.js';
import { StuckPage } from './stuck-page.js';

/** The pages of the navigation bar, by path. */
const PAGES = [
  ['/sagas', 'Sagas'],
  ['/stuck', 'Stuck'],
  ['/dead-letters', 'Dead letters'],
  ['/participants', 'Participants'],
  ['/definitions', 'Definitions'],
  ['/bulk', 'Bulk actions'],
] as const;

/**
 * The console: the login form while the coordinator asks for credentials and none are kept,
 * else the navigation and the page the address names.
 */
export function App({ settings }: { readonly settings: ConsoleSettings }) {
  const [credentials, setCredentials] = useState(loadCredentials);
  const [signedOut, setSignedOut] = useState<string | undefined>(undefined);
  const route = useHashRoute();
  const signOut = (why?: string) => {
    clearCredentials();
    setCredentials(undefined);
    setSignedOut(why);
  };
  const api = useMemo(
    () =>
      createApiClient({
        credentials: loadCredentials,
        onUnauthorized: (message) => signOut(`Signed out: ${message}`),
      }),
    [],
  );
  if (settings.authRequired && credentials === undefined) {
    return (
      <LoginForm
        notice={signedOut}
        onSignedIn={(signedIn: Credentials) => {
          saveCredentials(signedIn);
          setCredentials(signedIn);
          setSignedOut(undefined);
        }}
      />
    );
  }
  return (
    <ConsoleContextProvider value={{ api, settings }}>
      <a class="skip" href="#main" onClick={skipToMain}>
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Saga coordinator</span>
        <nav aria-label="Pages">
          <ul>
            {PAGES.map(([path, label]) => (
              <li key={path}>
                <a
                  href={`#${path}`}
                  aria-current={currentPage(route) === path ? 'page' : undefined}
                >
                  {label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        {settings.authRequired && (
          <button type="button" class="sign-out" onClick={() => signOut()}>
            Sign out
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        <CurrentPage route={route} />
      </main>
    </ConsoleContextProvider>
  );
}

/** The skip link moves focus without changing the address (the hash is the router's). */
function skipToMain(event: Event): void {
  event.preventDefault();
  document.getElementById('main')?.focus();
}

function currentPage(route: HashRoute): string {
  return (
    PAGES.find(([path]) => route.path === path || route.path.startsWith(`${path}/`))?.[0] ?? ''
  );
}

function CurrentPage({ route }: { readonly route: HashRoute }) {
  const sagaId = /^\/sagas\/([^/]+)$/.exec(route.path)?.[1];
  if (sagaId !== undefined) return <SagaPage key={sagaId} sagaId={decodeURIComponent(sagaId)} />;
  switch (route.path) {
    case '/sagas':
      return <SagasPage params={route.params} />;
    case '/stuck':
      return <StuckPage />;
    case '/dead-letters':
      return <DeadLettersPage />;
    case '/participants':
      return <ParticipantsPage />;
    case '/definitions':
      return <DefinitionsPage params={route.params} />;
    case '/bulk':
      return <BulkPage key={route.params.toString()} params={route.params} />;
    default:
      return (
        <p>
          No such page. <a href="#/sagas">Go to the sagas</a>.
        </p>
      );
  }
}
