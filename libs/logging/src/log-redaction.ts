import { redactPaths } from '#contracts';

/**
 * The pino `formatters.log` hook that hides `paths` (dotted, `*` for any key) in a log line's
 * fields, at the top and up to two levels down (`password` also hides `user.password`).
 */
export function redactLogFields(
  paths: readonly string[],
): (fields: Record<string, unknown>) => Record<string, unknown> {
  const anywhere = paths.flatMap((path) => [path, `*.${path}`, `*.*.${path}`]);
  return (fields) => redactPaths(fields, anywhere);
}
