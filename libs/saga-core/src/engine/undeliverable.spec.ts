import { error, failure, success } from '../testing/outcomes.js';
import { SagaHarness } from '../testing/saga-harness.js';
import { linearSaga, orderInputValue } from './test-sagas.fixture.js';

function undeliverable(saga: SagaHarness, reason = 'the topic does not exist') {
  return saga.apply({
    type: 'undeliverable',
    at: saga.clock.now(),
    random: 0.5,
    topic: 'saga.commands.payment',
    reason,
  });
}

describe('a message that can never be sent', () => {
  it('stops a running saga as stuck with the reason, and says so', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r-1' }));
    const result = undeliverable(saga);
    expect(saga.state).toMatchObject({
      status: 'stuck',
      phase: 'forward',
      reason: 'a message to saga.commands.payment can never be sent: the topic does not exist',
    });
    const published = result.effects.filter((effect) => effect.type === 'publish-event');
    expect(published).toHaveLength(1);
    expect(result.effects.at(-1)).toMatchObject({
      type: 'append-audit',
      entry: { eventType: 'undeliverable', applied: true, toStatus: 'stuck' },
    });
  });

  it('ignores the timers of the step in flight while stuck, and arms them again on resume', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r-1' }));
    undeliverable(saga);
    saga.fire('reply-timeout', 'charge');
    expect(saga.state.status).toBe('stuck');
    expect(saga.step('charge')).toMatchObject({ status: 'running', attempt: 1 });
    saga.resume();
    expect(saga.state.status).toBe('running');
    expect(saga.scheduled().map((s) => s.wakeup.kind)).toContain('reply-timeout');
    saga.reply('charge', success({ id: 'p-1' }));
    saga.reply('ship', success());
    expect(saga.state.status).toBe('completed');
  });

  it('compensates on resume for a step refused while stuck, rather than send it again', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r-1' }));
    undeliverable(saga, 'an event could not be sent');
    saga.reply('charge', failure('declined'));
    expect(saga.state.status).toBe('stuck');

    saga.resume();

    expect(saga.state).toMatchObject({
      status: 'compensating',
      cause: { type: 'step-failed', stepId: 'charge', outcome: { status: 'failure' } },
    });
    const charges = saga.commands().filter((c) => c.stepId === 'charge');
    expect(charges.map((c) => [c.action, c.attempt])).toEqual([['execute', 1]]);
    expect(saga.commands().at(-1)).toMatchObject({ stepId: 'reserve', action: 'compensate' });
  });

  it('compensates on resume for a step whose result could not be folded while stuck', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r-1' }));
    undeliverable(saga, 'an event could not be sent');
    saga.reply('charge', success(null)); // charge's onSuccess cannot read an id of null
    expect(saga.state.status).toBe('stuck');

    saga.resume();

    expect(saga.state).toMatchObject({
      status: 'compensating',
      cause: { type: 'step-outcome-unknown', stepId: 'charge' },
    });
    expect(saga.commands().filter((c) => c.stepId === 'ship')).toEqual([]);
    expect(saga.commands().at(-1)).toMatchObject({ stepId: 'charge', action: 'compensate' });
  });

  it('sends again on resume a step whose error while stuck may pass', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r-1' }));
    undeliverable(saga, 'an event could not be sent');
    saga.reply('charge', error('busy'));

    saga.resume();

    expect(saga.state.status).toBe('running');
    expect(saga.step('charge')).toMatchObject({ status: 'running', attempt: 2 });
  });

  it("keeps a compensating saga's cause when it stops it", () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r-1' }));
    saga.reply('charge', failure('declined'));
    undeliverable(saga, 'MESSAGE_TOO_LARGE');
    expect(saga.state).toMatchObject({
      status: 'stuck',
      phase: 'compensation',
      cause: { type: 'step-failed', stepId: 'charge' },
    });
    saga.resume();
    expect(saga.state.status).toBe('compensating');
  });

  it('changes nothing on a final saga', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    for (const step of ['reserve', 'charge', 'ship']) saga.reply(step, success({ id: 'x' }));
    const before = saga.state;
    undeliverable(saga);
    expect(saga.state).toBe(before);
  });
});
