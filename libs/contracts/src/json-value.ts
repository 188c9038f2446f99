/** A value that survives `JSON.stringify` / `JSON.parse` unchanged: the only kind of data on the wire. */
export type JsonValue =
  null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, the usual shape of a payload, a result or a detail. */
export type JsonObject = { [key: string]: JsonValue };
