// What the Bulk actions page sends on Confirm, and when a Confirm no longer stands: the pure
// part of its dry run, then confirm, flow.
import { ApiError } from './api-problem.js';
import type { BulkAction, BulkDryRun } from './api-views.js';

/** What the form asks the API to do, as `POST /bulk-operations` takes it. */
export interface BulkRequest {
  readonly action: BulkAction;
  readonly query: string;
  readonly reason: string;
  readonly stepId?: string;
}

/** A dry run's answer, with the exact request it was the answer to. */
export interface CheckedRequest {
  readonly request: BulkRequest;
  readonly answer: BulkDryRun;
}

/** The real run of a dry run: its request, and the most sagas it may act on. */
export interface ConfirmedRequest extends BulkRequest {
  readonly maxMatched: number;
}

/**
 * What Confirm sends: exactly the request the dry run checked, bounded by the count the button
 * showed, so that the server refuses it (409, nothing done) rather than act on more sagas than
 * the operator confirmed, when others came to match the query since.
 */
export function confirmationOf(checked: CheckedRequest): ConfirmedRequest {
  return { ...checked.request, maxMatched: checked.answer.matched };
}

/**
 * Whether a failed Confirm shows its dry run out of date: a 409, the query matching more sagas
 * by now. Its Confirm is taken away until a new dry run counts them again.
 */
export function outdatesDryRun(failure: unknown): boolean {
  return failure instanceof ApiError && failure.status === 409;
}
