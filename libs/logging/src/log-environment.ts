import { z } from 'zod';

/** The levels of the JSON logs, most to least severe; `silent` logs nothing. */
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Whether logs at least as severe as `configured` (LOG_LEVEL) include lines at `level`. */
export function logsAt(configured: LogLevel, level: Exclude<LogLevel, 'silent'>): boolean {
  return configured !== 'silent' && LOG_LEVELS.indexOf(level) <= LOG_LEVELS.indexOf(configured);
}

/** A dotted path of keys, `*` for any key (`password`, `card.*`, `*.token`). */
const REDACT_PATH = /^(\*|[A-Za-z0-9_-]+)(\.(\*|[A-Za-z0-9_-]+))*$/;

/** `LOG_LEVEL` and `LOG_REDACT_PATHS`, read the same way by the coordinator and the participants. */
export const logEnvironment = {
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
  LOG_REDACT_PATHS: z
    .string()
    .default('')
    .transform((value) =>
      value
        .split(',')
        .map((path) => path.trim())
        .filter((path) => path !== ''),
    )
    .pipe(
      z.array(z.string().regex(REDACT_PATH, 'expected dotted paths of keys or *, comma-separated')),
    ),
};
