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
  it('orders the history by time and splits each detail between the forward and compensation lanes', () => {
    const history = [
      entry('2026-12-04T07:40:08.898Z', {
        fromStatus: 'compensating',
        toStatus: 'compensated',
        stepId: 'reserve-inventory',
        attempt: 1,
        detail: 'step reserve-inventory compensated; compensated',
      }),
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
});
