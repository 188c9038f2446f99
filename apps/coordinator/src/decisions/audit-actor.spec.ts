import type { AnySagaDefinition, AuditEntry } from '#saga-core';
import { withActor } from './audit-actor.js';

const definition = {
  steps: [{ id: 'pay', participant: 'payment' }],
} as unknown as AnySagaDefinition;
const entry = (fields: Partial<AuditEntry>): AuditEntry =>
  ({ at: 1, sagaId: 's', toStatus: 'running', applied: true, detail: '', ...fields }) as AuditEntry;

describe('the actor of an audit entry', () => {
  it("is the step's participant for a reply, the timer for a wakeup, the client for a start", () => {
    expect(withActor(entry({ eventType: 'reply', stepId: 'pay' }), definition).actor).toBe(
      'participant:payment',
    );
    expect(withActor(entry({ eventType: 'reply', stepId: 'gone' }), definition).actor).toBe(
      'participant',
    );
    expect(withActor(entry({ eventType: 'wakeup' }), definition).actor).toBe('coordinator:timer');
    expect(withActor(entry({ eventType: 'start' }), undefined).actor).toBe('client');
    expect(withActor(entry({ eventType: 'undeliverable' }), definition).actor).toBe(
      'coordinator:outbox',
    );
  });

  it('stays the one the engine named (the operator who cancelled or resumed)', () => {
    const cancel = entry({ eventType: 'cancel', actor: 'alice' });
    expect(withActor(cancel, definition)).toBe(cancel);
  });
});
