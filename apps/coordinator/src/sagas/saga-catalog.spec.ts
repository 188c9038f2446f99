import { SAMPLE_PARTICIPANTS, SAMPLE_SAGAS, createSampleSagaRegistry } from './saga-catalog.js';

describe('the sample saga catalog', () => {
  it('registers the order saga, version 1, as the latest order saga', () => {
    const registry = createSampleSagaRegistry();

    expect(registry.latest('order')?.version).toBe(1);
    expect(registry.list().map((d) => `${d.name}@${d.version}`)).toEqual(['order@1']);
  });

  it('names every participant the sample sagas send commands to', () => {
    expect(SAMPLE_PARTICIPANTS).toEqual(['inventory', 'notification', 'payment', 'shipping']);
    const used = SAMPLE_SAGAS.flatMap((d) => d.steps.map((s) => s.participant));
    expect(new Set(used)).toEqual(new Set(SAMPLE_PARTICIPANTS));
  });

  it('gives each caller its own registry', () => {
    const first = createSampleSagaRegistry();
    const second = createSampleSagaRegistry();

    expect(first).not.toBe(second);
    expect(() => first.register(SAMPLE_SAGAS[0]!)).toThrow(/already registered/);
  });
});
