import type { ReplyOutcome } from './envelopes.js';

/** The one field of the result that stands in for a result too large to carry. */
const REPLY_TOO_LARGE_FIELD = 'replyTooLarge';

/**
 * A reply's outcome cut down to what always fits, for a reply too large to send or to apply
 * (`why` says which limit): its status kept, since the participant acted as it says. A success
 * keeps its status and its result becomes `{ replyTooLarge: why }`: a saga that reads the result
 * cannot fold that and ends the step as any success it cannot fold (`on-success-failed`), one
 * that reads none goes on. A refusal keeps its code and message and loses its `details`; an
 * error, small by its limits, stays as it is. Not an `error` for a success: that would tell the
 * coordinator nothing was done.
 */
export function cutDownOutcome(outcome: ReplyOutcome, why: string): ReplyOutcome {
  switch (outcome.status) {
    case 'success':
      return { status: 'success', result: { [REPLY_TOO_LARGE_FIELD]: why } };
    case 'failure':
      return { status: 'failure', code: outcome.code, message: outcome.message };
    case 'error':
      return outcome;
  }
}
