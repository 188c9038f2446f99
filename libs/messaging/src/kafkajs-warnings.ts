const installed = new WeakSet<object>();

/** What the filter wraps: the process (or a stand-in in tests). */
type WarningEmitter = Pick<NodeJS.Process, 'emitWarning'>;

/**
 * kafkajs 2.2.4 schedules its request queue's throttle check `throttledUntil - Date.now()` ms
 * ahead, a negative delay once the throttle has passed (src/network/requestQueue/index.js).
 * Node 24 runs such a timer after 1 ms, which is what kafkajs wants, and prints a
 * `TimeoutNegativeWarning` at every start that no user can act on. This drops that one warning
 * type; every other warning is emitted as before. Installed once per target.
 */
export function dropTimeoutNegativeWarnings(target: WarningEmitter = process): void {
  if (installed.has(target)) return;
  installed.add(target);
  const emit = target.emitWarning.bind(target) as (...args: unknown[]) => void;
  target.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (warningType(warning, rest[0]) === 'TimeoutNegativeWarning') return;
    emit(warning, ...rest);
  }) as typeof process.emitWarning;
}

function warningType(warning: string | Error, options: unknown): string | undefined {
  if (warning instanceof Error) return warning.name;
  if (typeof options === 'string') return options;
  if (typeof options === 'object' && options !== null && 'type' in options) {
    return String((options as { type: unknown }).type);
  }
  return undefined;
}
