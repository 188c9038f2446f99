import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { failureText, isAborted } from './api-client.js';

/** What a polled load holds: the data and failure of the current keys only. */
export interface Polled<T> {
  /** The last data loaded for the current keys; undefined until it came. */
  readonly data: T | undefined;
  /** The last failure for the current keys, cleared by a success. */
  readonly error: string | undefined;
  /** Loads again now (after an action). */
  readonly refresh: () => void;
}

/** What was loaded, and for which keys. */
interface Loaded<T> {
  readonly keys: string;
  readonly data?: T | undefined;
  readonly error?: string | undefined;
}

/**
 * Runs `load` now and again `intervalMs` after each answer, while the component is shown and the
 * tab visible; never two at once: starting afresh (`keys` changing, `refresh`) or going away
 * aborts the load in flight through its signal. Data and failures belong to the keys they were
 * loaded for: new keys show nothing until their first answer. `intervalMs` 0: loads once.
 */
export function usePolling<T>(
  load: (signal: AbortSignal) => Promise<T>,
  intervalMs: number,
  keys: readonly unknown[],
): Polled<T> {
  const keyText = JSON.stringify(keys);
  const [loaded, setLoaded] = useState<Loaded<T>>({ keys: keyText });
  const [round, setRound] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    const aborter = new AbortController();
    let answered = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = async () => {
      // A hidden tab skips its rounds (no load on the API for nobody), and catches up when shown.
      if (document.hidden && intervalMs > 0 && answered) {
        timer = setTimeout(() => void run(), intervalMs);
        return;
      }
      try {
        const value = await loadRef.current(aborter.signal);
        if (aborter.signal.aborted) return;
        answered = true;
        setLoaded({ keys: keyText, data: value });
      } catch (failure) {
        if (aborter.signal.aborted || isAborted(failure)) return;
        setLoaded((last) => ({
          keys: keyText,
          ...(last.keys === keyText ? { data: last.data } : {}),
          error: failureText(failure),
        }));
      }
      if (!aborter.signal.aborted && intervalMs > 0) {
        timer = setTimeout(() => void run(), intervalMs);
      }
    };
    void run();
    return () => {
      aborter.abort();
      clearTimeout(timer);
    };
    // The caller's keys say when to start afresh; `load` itself changes on every render.
  }, [keyText, round, intervalMs]);
  const refresh = useCallback(() => setRound((value) => value + 1), []);
  const current = loaded.keys === keyText;
  return {
    data: current ? loaded.data : undefined,
    error: current ? loaded.error : undefined,
    refresh,
  };
}
