/** The largest request body accepted, in bytes (1 MiB); a larger one is answered 413. */
export const BODY_LIMIT_BYTES = 1_048_576;
