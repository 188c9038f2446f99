import type { JsonObject } from '#contracts';
import type { SagaCause } from '../state/saga-cause.js';
import { outcomeDetail } from './describe-outcome.js';

/** A saga's cause as the JSON detail of a saga event. */
export function causeDetail(cause: SagaCause): JsonObject {
  switch (cause.type) {
    case 'step-failed':
      return { cause: cause.type, stepId: cause.stepId, outcome: outcomeDetail(cause.outcome) };
    case 'step-outcome-unknown':
      return { cause: cause.type, stepId: cause.stepId };
    case 'cancelled':
      return {
        cause: cause.type,
        actor: cause.actor,
        ...(cause.reason === undefined ? {} : { reason: cause.reason }),
      };
    case 'deadline':
      return { cause: cause.type, at: cause.at };
  }
}
