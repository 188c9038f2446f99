import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { failureText } from './api-client.js';

/** What a polled load holds: the last data, the last failure (cleared by a success). */
export interface Polled<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  /** Loads again now (after an action). */
  readonly refresh: () => void;
}

/**
 * Runs `load` now and again `intervalMs` after each answer (never two at once), while the
 * component is shown and the tab visible; `keys` changing starts afresh. `intervalMs` 0: loads
 * once.
 */
export function usePolling<T>(
  load: () => Promise<T>,
  intervalMs: number,
  keys: readonly unknown[],
): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [round, setRound] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    let stopped = false;
    let loaded = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      // A hidden tab skips its rounds (no load on the API for nobody), and catches up when shown.
      if (document.hidden && intervalMs > 0 && loaded) {
        timer = setTimeout(() => void run(), intervalMs);
        return;
      }
      try {
        const value = await loadRef.current();
        if (stopped) return;
        loaded = true;
        setData(value);
        setError(undefined);
      } catch (failure) {
        if (stopped) return;
        setError(failureText(failure));
      }
      if (!stopped && intervalMs > 0) timer = setTimeout(() => void run(), intervalMs);
    };
    void run();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
    // The caller's keys say when to start afresh; `load` itself changes on every render.
  }, [...keys, round, intervalMs]);
  const refresh = useCallback(() => setRound((value) => value + 1), []);
  return { data, error, refresh };
}
