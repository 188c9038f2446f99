import type { ErrorOutcome, FailureOutcome, JsonObject } from '#contracts';
import type { TimeoutOutcome } from '../state/attempt-outcome.js';

/** A short account of an unsuccessful attempt, for the audit log. */
export function describeOutcome(outcome: FailureOutcome | ErrorOutcome | TimeoutOutcome): string {
  switch (outcome.status) {
    case 'failure':
      return `refused (${outcome.code})`;
    case 'error':
      return `errored (${outcome.code})`;
    case 'timeout':
      return `timed out after ${outcome.afterMs} ms`;
  }
}

/** A refusal or an error as the JSON detail of a saga event. */
export function outcomeDetail(outcome: FailureOutcome | ErrorOutcome): JsonObject {
  switch (outcome.status) {
    case 'failure':
      return {
        status: outcome.status,
        code: outcome.code,
        message: outcome.message,
        ...(outcome.details === undefined ? {} : { details: outcome.details }),
      };
    case 'error':
      return { status: outcome.status, code: outcome.code, message: outcome.message };
  }
}
