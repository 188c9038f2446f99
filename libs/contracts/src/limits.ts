/** Size limits of the wire contract, in characters; a message over a limit is refused. */
export const LIMITS = {
  /** Ids, keys, codes, saga and command type names. */
  id: 200,
  /** Ids composed of other ids: message ids, idempotency keys, event ids. */
  compositeId: 500,
  /** Human-readable error messages. */
  message: 2_000,
  /** A payload, result, detail or input, measured as serialised JSON. */
  json: 1_000_000,
  /** The most arrays and objects nested in one such free-JSON field (not counted in characters). */
  jsonDepth: 512,
  /** The highest attempt number, saga version or schema version accepted. */
  counter: 1_000_000_000,
} as const;
