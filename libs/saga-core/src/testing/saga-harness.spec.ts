import { linearSaga, orderInputValue } from '../engine/test-sagas.fixture.js';
import { auditIn } from './effect-filters.js';
import { success } from './outcomes.js';
import { SagaHarness } from './saga-harness.js';

describe('the saga harness', () => {
  it('refuses to start a saga whose start is refused', () => {
    expect(() => new SagaHarness(linearSaga, { orderId: 3 })).toThrow('start refused');
  });

  it('throws when asked to fire a timer that is not set', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    expect(() => saga.fire('retry', 'reserve')).toThrow('no pending retry wakeup for reserve');
    expect(() => saga.fire('deadline')).toThrow('no pending deadline wakeup');
  });

  it('throws when asked about a step the saga does not have', () => {
    expect(() => new SagaHarness(linearSaga, orderInputValue).step('ghost')).toThrow(
      'no step ghost',
    );
  });

  it('keeps the event log so that it can be replayed', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r' }));
    saga.cancel('ops', 'why not');
    expect(saga.log.map((event) => event.type)).toEqual(['reply', 'cancel']);
    expect(saga.log[1]).toMatchObject({ actor: 'ops', reason: 'why not' });
  });

  it('records one audit entry per call, start included', () => {
    const saga = new SagaHarness(linearSaga, orderInputValue);
    saga.reply('reserve', success({ id: 'r' }));
    saga.reply('reserve', success({ id: 'r' }), { attempt: 1 });
    expect(auditIn(saga.effects).map((entry) => [entry.eventType, entry.applied])).toEqual([
      ['start', true],
      ['reply', true],
      ['reply', false],
    ]);
  });
});
