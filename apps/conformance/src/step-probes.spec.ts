import { join } from 'node:path';
import { definitionFile, definitionsFolder } from '#definitions';
import { SAMPLE_INPUTS } from './sample-inputs.js';
import { planProbes } from './step-probes.js';

const SAMPLE_SAGAS = [definitionFile(join(definitionsFolder(), 'order.v1.yaml'))];

describe('planProbes', () => {
  it('finds each step of the participant, after the steps of its own it depends on', () => {
    const plan = planProbes(SAMPLE_SAGAS, 'payment', SAMPLE_INPUTS);
    expect(plan.probes.map((probe) => [probe.step.id, probe.before.map((s) => s.id)])).toEqual([
      ['authorize-payment', []],
      ['capture-payment', ['authorize-payment']],
    ]);
    expect(plan.probes[0]!.initialContext).toMatchObject({ orderId: 'conformance-order' });
  });

  it('lists the saga types it cannot probe for want of a sample input', () => {
    expect(planProbes(SAMPLE_SAGAS, 'shipping', {})).toEqual({
      probes: [],
      withoutInput: ['order v1'],
    });
  });

  it('finds nothing for a participant no saga names', () => {
    expect(planProbes(SAMPLE_SAGAS, 'billing', SAMPLE_INPUTS).probes).toEqual([]);
  });

  it('refuses a sample input the saga type refuses, naming the field', () => {
    expect(() => planProbes(SAMPLE_SAGAS, 'shipping', { order: { orderId: 1 } })).toThrow(
      /the sample input of order v1 does not fit its schema: .*orderId: must be string/,
    );
  });

  it('refuses sample inputs for a saga type no definition names', () => {
    expect(() => planProbes(SAMPLE_SAGAS, 'shipping', { refund: {} })).toThrow(
      'sample inputs for refund, which no definition names (give its document with --definitions)',
    );
  });
});
