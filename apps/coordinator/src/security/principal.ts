/**
 * What a caller may do. `read`: get and list sagas (sensitive fields redacted); `read-sensitive`:
 * see sensitive fields in clear; `start`: start sagas (of some types only, if so limited);
 * `operate`: cancel, resume, replay dead letters; `define`: register saga definitions and route
 * new starts between their versions.
 */
export const ROLES = ['read', 'read-sensitive', 'start', 'operate', 'define'] as const;
export type Role = (typeof ROLES)[number];

/** An authenticated caller. */
export interface Principal {
  /** Who acts, as recorded in the audit log: `key:<client>`, `jwt:<sub>` or `anonymous`. */
  readonly id: string;
  /** The client whose rate limit the request spends (the API key's client, the JWT subject). */
  readonly client: string;
  readonly roles: ReadonlySet<Role>;
  /** The saga types `start` is limited to; undefined: every type. */
  readonly sagaTypes?: ReadonlySet<string>;
}

/** The caller when authentication is off (embedded mode): every role, recorded as anonymous. */
export const OPEN_PRINCIPAL: Principal = {
  id: 'anonymous',
  client: 'anonymous',
  roles: new Set(ROLES),
};

/** Whether `principal` may start sagas of `sagaType`. */
export function mayStart(principal: Principal, sagaType: string): boolean {
  return (
    principal.roles.has('start') &&
    (principal.sagaTypes === undefined || principal.sagaTypes.has(sagaType))
  );
}

/** Whether `value` names a role. */
export function isRole(value: unknown): value is Role {
  return (ROLES as readonly unknown[]).includes(value);
}
