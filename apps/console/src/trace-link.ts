/**
 * The address of a saga's trace: `template` with `{traceId}` replaced by the id (URL-encoded).
 * Undefined without a template or a trace id (the console then shows no link).
 */
export function traceUrl(
  template: string | null | undefined,
  traceId: string | null | undefined,
): string | undefined {
  if (!template || !traceId) return undefined;
  return template.split('{traceId}').join(encodeURIComponent(traceId));
}
