import { timelineLanes, type HistoryEntry } from './timeline-lanes.js';

const entry = (at: string, fields: Partial<HistoryEntry>): HistoryEntry => ({
  at,
  eventType: 'reply',
  fromStatus: 'running',
  toStatus: 'running',
  stepId: null,
  attempt: null,
  actor: null,
  applied: true,
  detail: '',
  ...fields,
});

describe('timelineLanes', () => {
  it("keeps the API's order and splits each detail between the forward and compensation lanes", () => {
    const history = [
      entry('2026-12-04T07:40:08.846Z', {
        eventType: 'start',
        fromStatus: null,
        detail: 'started order v1; sent reserve-inventory attempt 1',
      }),
      entry('2026-12-04T07:40:08.874Z', {
        toStatus: 'compensating',
        stepId: 'authorize-payment',
        detail:
          'step authorize-payment failed after 1 attempt(s): refused (X); compensating (step-failed)',
      }),
      // A clock that went back: still after the entries before it in the audit log.
      entry('2026-12-04T07:40:08.100Z', {
        fromStatus: 'compensating',
        toStatus: 'compensated',
        stepId: 'reserve-inventory',
        attempt: 1,
        detail: 'step reserve-inventory compensated; compensated',
      }),
    ];
    const lanes = timelineLanes(history).map(({ label, forward, compensation }) => ({
      label,
      forward,
      compensation,
    }));
    expect(lanes).toEqual([
      {
        label: 'started',
        forward: ['started order v1', 'sent reserve-inventory attempt 1'],
        compensation: [],
      },
      {
        label: 'reply',
        forward: ['step authorize-payment failed after 1 attempt(s): refused (X)'],
        compensation: ['compensating (step-failed)'],
      },
      {
        label: 'reply',
        forward: [],
        compensation: ['step reserve-inventory compensated', 'compensated'],
      },
    ]);
  });

  it('names timers, breaker holds and operator actions, and keeps an unknown type as it is', () => {
    const labels = ['wakeup', 'command-refused', 'cancel', 'retry-step', 'something-new'].map(
      (eventType, index) =>
        timelineLanes([entry(`2026-12-04T07:40:0${index}Z`, { eventType })])[0]!.label,
    );
    expect(labels).toEqual([
      'timer (retry or timeout)',
      'breaker hold',
      'cancelled by operator',
      'step retried by operator',
      'something-new',
    ]);
  });

  it("keeps an operator's reason whole and out of the lanes, whatever it says", () => {
    const reason = 'customer called; compensate now';
    const [cancel] = timelineLanes([
      entry('2026-12-04T07:40:08.846Z', {
        eventType: 'cancel',
        actor: 'key:admin',
        toStatus: 'compensating',
        detail: `cancelled by key:admin: ${reason}; compensating (cancelled)`,
      }),
    ]);
    expect(cancel).toMatchObject({
      forward: [],
      compensation: [],
      operatorNote: `cancelled by key:admin: ${reason}; compensating (cancelled)`,
    });
    const [retry] = timelineLanes([
      entry('2026-12-04T07:40:08.846Z', {
        eventType: 'retry-step',
        detail: 'retry of hold by ops: participant restarted; x; sent hold attempt 2',
      }),
    ]);
    expect(retry!.operatorNote).toBe(
      'retry of hold by ops: participant restarted; x; sent hold attempt 2',
    );
  });
});
