import { z } from 'zod';
import { defineSaga } from '../definition/define-saga.js';
import { createSagaRegistry } from '../registry/saga-registry.js';
import { commandsIn, effectsOf, eventTypesIn } from '../testing/effect-filters.js';
import { createSagaEngine } from './create-saga-engine.js';
import { diamondSaga, orderInputValue, pivotSaga } from './test-sagas.fixture.js';

const engine = createSagaEngine(createSagaRegistry([diamondSaga, pivotSaga]));
const start = (name: string, input: unknown = orderInputValue, sagaId = 'saga-1') =>
  engine.start({ name }, { sagaId, input, at: 1_000, random: 0.5 });

describe('starting a saga', () => {
  it('sends every step without dependencies at once, in parallel', () => {
    const result = start('pivot');
    expect(commandsIn(result.effects).map((command) => command.stepId)).toEqual([
      'reserve',
      'charge',
    ]);
    expect(result.state?.steps).toMatchObject({
      reserve: { status: 'running', attempt: 1, sentAt: 1_000 },
      charge: { status: 'running', attempt: 1 },
      confirm: { status: 'pending' },
    });
  });

  it('publishes saga.started with the input', () => {
    const published = effectsOf(start('diamond').effects, 'publish-event');
    expect(published[0]?.event).toEqual({
      eventId: 'saga-1:1:0',
      sagaId: 'saga-1',
      sagaType: 'diamond',
      sagaVersion: 1,
      type: 'saga.started',
      at: '1970-01-01T00:00:01.000Z',
      detail: { input: orderInputValue },
    });
  });

  it('schedules the deadline wakeup when the definition has a deadline', () => {
    const result = start('pivot');
    expect(result.state?.deadlineAt).toBe(61_000);
    expect(effectsOf(result.effects, 'schedule-wakeup')).toContainEqual({
      type: 'schedule-wakeup',
      wakeupId: 'saga-1:deadline',
      at: 61_000,
      wakeup: { kind: 'deadline' },
    });
  });

  it('sets no deadline when the definition has none', () => {
    const result = start('diamond');
    expect(result.state).not.toHaveProperty('deadlineAt');
    expect(effectsOf(result.effects, 'schedule-wakeup')).toEqual([]);
  });

  it('builds the first context from the validated input', () => {
    expect(start('diamond').state?.context).toEqual(orderInputValue);
  });

  it('ends with one audit entry for the start', () => {
    const effects = start('diamond').effects;
    expect(effectsOf(effects, 'append-audit')).toHaveLength(1);
    expect(effects.at(-1)).toMatchObject({
      type: 'append-audit',
      entry: { eventType: 'start', toStatus: 'running', applied: true, at: 1_000 },
    });
  });

  it('refuses an input its schema rejects and names the field', () => {
    const result = start('diamond', { orderId: 'o-1', amount: -1 });
    expect(result).toEqual({
      state: null,
      effects: [],
      rejection: { code: 'invalid-input', message: expect.stringMatching(/^input amount: /) },
    });
  });

  it('refuses a saga id that could make composed ids ambiguous', () => {
    expect(start('diamond', orderInputValue, 'a:b').rejection?.code).toBe('invalid-input');
  });

  it('refuses an unknown saga type', () => {
    expect(start('nope').rejection).toEqual({
      code: 'unknown-definition',
      message: 'no saga "nope" is registered',
    });
  });

  it('refuses an unknown version of a known saga type', () => {
    const result = engine.start(
      { name: 'diamond', version: 9 },
      { sagaId: 's', input: orderInputValue, at: 0, random: 0 },
    );
    expect(result.rejection?.message).toBe('no saga "diamond" version 9 is registered');
  });

  it('refuses a start whose initial context cannot be built', () => {
    const throwing = defineSaga({
      name: 'throwing',
      version: 1,
      input: z.unknown(),
      initialContext: (): unknown => {
        throw new Error('no context');
      },
    })
      .step({ id: 'a', participant: 'p', command: 'c', kind: 'pivot', buildCommand: () => null })
      .build();
    const result = createSagaEngine(createSagaRegistry([throwing])).start(
      { name: 'throwing' },
      { sagaId: 's', input: 1, at: 0, random: 0 },
    );
    expect(result.rejection).toEqual({
      code: 'invalid-input',
      message: 'initialContext threw: no context',
    });
  });

  it('publishes its events with ids that are unique within the transition', () => {
    const ids = effectsOf(start('pivot').effects, 'publish-event').map((e) => e.event.eventId);
    expect(eventTypesIn(start('pivot').effects)).toEqual(['saga.started']);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
