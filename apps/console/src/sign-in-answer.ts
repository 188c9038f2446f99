// What the console makes of the answer to its sign-in check (`GET /saga-definitions`).

/**
 * What the check's answer means: a 2xx or a 403 (valid, but without the `read` role) accepts the
 * credentials; anything else is a refusal or a failure, in words.
 */
export function signInRefusal(status: number): string | undefined {
  if ((status >= 200 && status < 300) || status === 403) return undefined;
  if (status === 401) return 'These credentials were refused.';
  if (status === 429) return 'Too many attempts: wait a moment and try again.';
  if (status >= 500) return `The coordinator cannot check the credentials now (error ${status}).`;
  return `The coordinator gave an unexpected answer (${status}): the credentials are not kept.`;
}
