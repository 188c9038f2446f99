/* global fetch, AbortSignal -- Node 24 globals, in a script outside the TypeScript build */
// The image's HEALTHCHECK: the coordinator is healthy while its HTTP API answers
// /health/live (the process and its event loop; readiness is for orchestrators to read).
// The sample participants serve no HTTP: their container is healthy while its process runs.
if (process.env.APP !== 'coordinator') process.exit(0);
const port = process.env.PORT ?? '3000';
fetch(`http://127.0.0.1:${port}/health/live`, { signal: AbortSignal.timeout(2_500) }).then(
  (response) => process.exit(response.ok ? 0 : 1),
  () => process.exit(1),
);
