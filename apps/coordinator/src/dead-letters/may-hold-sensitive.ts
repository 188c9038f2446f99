/** Injection token of the test whether a dead letter may hold sensitive fields (see DeadLettersModule). */
export const MAY_HOLD_SENSITIVE = Symbol('MAY_HOLD_SENSITIVE');
