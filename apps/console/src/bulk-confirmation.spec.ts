import { ApiError } from './api-problem.js';
import type { BulkDryRun } from './api-views.js';
import { confirmationOf, outdatesDryRun } from './bulk-confirmation.js';

const dryRun = (matched: number): BulkDryRun => ({
  dryRun: true,
  action: 'cancel',
  query: 'participant == "ledger"',
  matched,
  byStatus: { running: matched, completed: 2 },
  sample: [],
});

describe('confirmationOf', () => {
  it("sends the dry run's request with its count as the most sagas the real run may act on", () => {
    const request = {
      action: 'cancel',
      query: 'participant == "ledger"',
      reason: 'retired',
    } as const;
    expect(confirmationOf({ request, answer: dryRun(3) })).toEqual({
      action: 'cancel',
      query: 'participant == "ledger"',
      reason: 'retired',
      maxMatched: 3,
    });
  });

  it('keeps the step of a retry, and never asks for a dry run again', () => {
    const request = { action: 'retry', query: 'true', reason: 'r', stepId: 'charge' } as const;
    const sent = confirmationOf({ request, answer: { ...dryRun(250), action: 'retry' } });
    expect(sent).toEqual({ ...request, maxMatched: 250 });
    expect(sent).not.toHaveProperty('dryRun');
  });
});

describe('outdatesDryRun', () => {
  it('takes the Confirm away after a 409, and keeps it after any other failure', () => {
    expect(outdatesDryRun(new ApiError(409, 'Refused in this state: the query matches 7'))).toBe(
      true,
    );
    expect(outdatesDryRun(new ApiError(503, 'Unavailable.'))).toBe(false);
    expect(outdatesDryRun(new TypeError('Failed to fetch'))).toBe(false);
  });
});
