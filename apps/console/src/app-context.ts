import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { ApiClient } from './api-client.js';

/** What `GET /ui/config.json` says. */
export interface ConsoleSettings {
  readonly authRequired: boolean;
  readonly traceUrlTemplate: string | null;
}

/** What every page uses: the API and the console's settings. */
export interface ConsoleContext {
  readonly api: ApiClient;
  readonly settings: ConsoleSettings;
}

const Context = createContext<ConsoleContext | undefined>(undefined);

/** Provides the context to the pages. */
export const ConsoleContextProvider = Context.Provider;

/** The context; only pages under the provider call it. */
export function useConsole(): ConsoleContext {
  const value = useContext(Context);
  if (value === undefined) throw new Error('useConsole outside ConsoleContextProvider');
  return value;
}
