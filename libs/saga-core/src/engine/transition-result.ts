import type { SagaState } from '../state/saga-state.js';
import type { Effect } from './effect.js';

/** Why an operator action or a start was refused; the API maps `illegal-in-state` to 409, the others to 400/404. */
export interface Rejection {
  readonly code: 'illegal-in-state' | 'invalid-input' | 'unknown-definition';
  readonly message: string;
}

/** The new state and the effects to carry out; the audit entry is always the last effect. */
export interface TransitionResult {
  readonly state: SagaState;
  readonly effects: readonly Effect[];
  /** Set when an operator action was refused: the state is unchanged. */
  readonly rejection?: Rejection;
}

/** The result of a start: a new saga, or a refusal with no state and no effects. */
export type StartResult =
  | TransitionResult
  | { readonly state: null; readonly effects: readonly []; readonly rejection: Rejection };
