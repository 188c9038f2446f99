import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
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
  // Grows at each sign-in and sign-out: a 401 to a call made with older credentials is ignored.
  const generation = useRef(0);
  const route = useHashRoute();
  const signOut = (why?: string) => {
    generation.current += 1;
    clearCredentials();
    setCredentials(undefined);
    setSignedOut(why);
  };
  const api = useMemo(
    () =>
      createApiClient({
        credentials: () => ({ credentials: loadCredentials(), generation: generation.current }),
        onUnauthorized: (message, calledWith) => {
          if (calledWith === generation.current) signOut(`Signed out: ${message}`);
        },
      }),
    [],
  );
  const signedIn = !settings.authRequired || credentials !== undefined;
  useRouteAnnounced(route, signedIn);
  if (!signedIn) {
    return (
      <LoginForm
        notice={signedOut}
        onSignedIn={(accepted: Credentials) => {
          generation.current += 1;
          saveCredentials(accepted);
          setCredentials(accepted);
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

/**
 * Tells a page change as a browser tells a page load: the document's title names the page, and
 * (after the first page) the focus moves to the page's heading, so a screen reader reads it and
 * the keyboard starts from there. A change of the address's parameters alone (a filter) moves
 * nothing.
 */
function useRouteAnnounced(route: HashRoute, signedIn: boolean): void {
  const first = useRef(true);
  useEffect(() => {
    document.title = signedIn ? `${pageTitle(route)} – Saga console` : 'Sign in – Saga console';
    if (first.current) {
      first.current = false;
      return;
    }
    if (!signedIn) return;
    const heading = document.querySelector<HTMLElement>('main h1');
    const target = heading ?? document.getElementById('main');
    if (heading !== null) heading.tabIndex = -1;
    target?.focus();
  }, [route.path, signedIn]);
}

/** The saga id a `/sagas/<id>` path names, undefined for any other path or a malformed one. */
function sagaIdOf(path: string): string | undefined {
  const encoded = /^\/sagas\/([^/]+)$/.exec(path)?.[1];
  if (encoded === undefined) return undefined;
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined; // e.g. `%E0`: no such page
  }
}

function pageTitle(route: HashRoute): string {
  const sagaId = sagaIdOf(route.path);
  if (sagaId !== undefined) return `Saga ${sagaId}`;
  return PAGES.find(([path]) => route.path === path)?.[1] ?? 'No such page';
}

function currentPage(route: HashRoute): string {
  return (
    PAGES.find(([path]) => route.path === path || route.path.startsWith(`${path}/`))?.[0] ?? ''
  );
}

function CurrentPage({ route }: { readonly route: HashRoute }) {
  const sagaId = sagaIdOf(route.path);
  if (sagaId !== undefined) return <SagaPage key={sagaId} sagaId={sagaId} />;
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
        <section aria-labelledby="no-page-title">
          <h1 id="no-page-title">No such page</h1>
          <p>
            <a href="#/sagas">Go to the sagas</a>.
          </p>
        </section>
      );
  }
}
