import { z } from 'zod';
import { optionalText } from './env-fields.js';

/** The operator console's settings (the console itself is served at `/ui`, see docs/CONSOLE.md). */
export interface ConsoleConfig {
  /**
   * Where a saga's trace is shown, `{traceId}` standing for its trace id, e.g.
   * `http://localhost:16686/trace/{traceId}` for Jaeger (`CONSOLE_TRACE_URL`; default none: the
   * console shows the trace id without a link).
   */
  readonly traceUrlTemplate?: string;
}

/** The console's variables of the environment, validated. */
export const consoleEnvironmentSchema = z.object({
  CONSOLE_TRACE_URL: optionalText(
    z
      .string()
      .regex(/^https?:\/\/[^\s]+$/, 'expected an http(s) URL')
      .regex(/\{traceId\}/, 'expected {traceId} where the trace id goes'),
  ),
});

/** Builds the console's configuration from the validated environment. */
export function consoleConfig(env: z.infer<typeof consoleEnvironmentSchema>): ConsoleConfig {
  return env.CONSOLE_TRACE_URL === undefined ? {} : { traceUrlTemplate: env.CONSOLE_TRACE_URL };
}
