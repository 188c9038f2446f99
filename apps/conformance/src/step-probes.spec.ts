import { join } from 'node:path';
import { compileDefinition, definitionFile, definitionsFolder, documentOf } from '#definitions';
import type { AnySagaDefinition } from '#saga-core';
import { SAMPLE_INPUTS, SAMPLE_ORDER_INPUT, withBuiltInSamples } from './sample-inputs.js';
import { planProbes } from './step-probes.js';

const ORDER_V1 = definitionFile(join(definitionsFolder(), 'order.v1.yaml'));
const SAMPLE_SAGAS = [ORDER_V1];

/** Order v2: the same steps, and a new required input field `channel`. */
function orderV2(): AnySagaDefinition {
  const v1 = documentOf(ORDER_V1)!;
  const input = v1.input as { required: string[]; properties: Record<string, unknown> };
  const compiled = compileDefinition({
    ...v1,
    version: 2,
    input: {
      ...input,
      required: [...input.required, 'channel'],
      properties: { ...input.properties, channel: { type: 'string' } },
    },
  });
  if (!compiled.ok) throw new Error(JSON.stringify(compiled.problems));
  return compiled.definition;
}

const V2_INPUT = { ...SAMPLE_ORDER_INPUT, channel: 'web' };

/** `<version> <step>` of each probe. */
const planned = (plan: ReturnType<typeof planProbes>) =>
  plan.probes.map((probe) => `v${probe.definition.version} ${probe.step.id}`);

describe('planProbes', () => {
  it('finds each step of the participant, after the steps of its own it depends on', () => {
    const plan = planProbes(SAMPLE_SAGAS, 'payment', SAMPLE_INPUTS);
    expect(
      plan.probes.map((probe) => [
        probe.step.id,
        probe.before.map(({ step, source }) => `${step.id} (${source})`),
      ]),
    ).toEqual([
      ['authorize-payment', []],
      // capture-payment depends on reserve-inventory too: the built-in sample gives its result.
      ['capture-payment', ['reserve-inventory (given)', 'authorize-payment (participant)']],
    ]);
    expect(plan.probes[0]!.initialContext).toMatchObject({ orderId: 'conformance-order' });
  });

  it('keeps the built-in results of order when --inputs gives its input alone, for every version', () => {
    // Without them, a refusal of a command that reads no result at all would only be skipped.
    const inputs = withBuiltInSamples({
      order: { ...SAMPLE_ORDER_INPUT, orderId: 'mine' },
      'order@2': V2_INPUT,
    });
    const plan = planProbes([ORDER_V1, orderV2()], 'payment', inputs);
    const sources = plan.probes.map((probe) =>
      probe.before.map((b) => `${b.step.id} (${b.source})`),
    );
    expect(sources).toEqual([
      [],
      ['reserve-inventory (given)', 'authorize-payment (participant)'],
      [],
      ['reserve-inventory (given)', 'authorize-payment (participant)'],
    ]);
    expect(plan.probes[0]!.initialContext).toMatchObject({ orderId: 'mine' });
    // Given with results of its own, an entry replaces the built-in one whole.
    const own = withBuiltInSamples({ order: { input: SAMPLE_ORDER_INPUT, results: {} } });
    expect(planProbes(SAMPLE_SAGAS, 'payment', own).probes[1]!.before[0]!.source).toBe('missing');
  });

  it('lists the saga types it cannot probe for want of a sample input', () => {
    expect(planProbes(SAMPLE_SAGAS, 'shipping', {})).toEqual({
      probes: [],
      skipped: [
        {
          saga: 'order v1',
          reason: 'no sample input: give one for order (or order@1) with --inputs',
        },
      ],
    });
  });

  it('finds nothing for a participant no saga names', () => {
    expect(planProbes(SAMPLE_SAGAS, 'billing', SAMPLE_INPUTS).probes).toEqual([]);
  });

  it('skips a version whose schema refuses the sample input, naming the field', () => {
    const plan = planProbes(SAMPLE_SAGAS, 'shipping', { order: { orderId: 1 } });
    expect(plan.probes).toEqual([]);
    expect(plan.skipped).toEqual([
      {
        saga: 'order v1',
        reason: expect.stringMatching(
          /^the sample input of order does not fit its schema: .*orderId: must be string.*: give one for order@1 with --inputs$/,
        ) as string,
      },
    ]);
  });

  it('plans every version of a saga type, each with its own input (type@version wins)', () => {
    const plan = planProbes([ORDER_V1, orderV2()], 'payment', {
      ...SAMPLE_INPUTS,
      'order@2': V2_INPUT,
    });
    expect(planned(plan)).toEqual([
      'v1 authorize-payment',
      'v1 capture-payment',
      'v2 authorize-payment',
      'v2 capture-payment',
    ]);
    expect(plan.probes[2]!.initialContext).toMatchObject({ channel: 'web' });
    expect(plan.skipped).toEqual([]);
  });

  it('skips, with the reason, a version whose schema refuses the one input of its saga type', () => {
    const plan = planProbes([ORDER_V1, orderV2()], 'payment', SAMPLE_INPUTS);
    expect(planned(plan)).toEqual(['v1 authorize-payment', 'v1 capture-payment']);
    expect(plan.skipped).toEqual([
      {
        saga: 'order v2',
        reason: expect.stringMatching(
          /^the sample input of order does not fit its schema: .*channel.*: give one for order@2 with --inputs$/,
        ) as string,
      },
    ]);
    // The other way round: the v2 input has a field v1 does not allow.
    const v2Only = planProbes([ORDER_V1, orderV2()], 'payment', { order: V2_INPUT });
    expect(planned(v2Only)).toEqual(['v2 authorize-payment', 'v2 capture-payment']);
    expect(v2Only.skipped.map(({ saga }) => saga)).toEqual(['order v1']);
  });

  it('refuses sample inputs for a version no definition has', () => {
    expect(() => planProbes(SAMPLE_SAGAS, 'shipping', { 'order@3': V2_INPUT })).toThrow(
      'sample inputs for order@3, which no definition names (give its document with --definitions)',
    );
  });

  it('takes the results --inputs gives for the steps of other participants, or none', () => {
    const given = planProbes(SAMPLE_SAGAS, 'payment', {
      order: {
        input: SAMPLE_ORDER_INPUT,
        results: { 'reserve-inventory': { reservationId: 'r-1' } },
      },
    }).probes[1]!;
    expect(given.before[0]).toMatchObject({
      source: 'given',
      step: { id: 'reserve-inventory' },
      result: { reservationId: 'r-1' },
    });
    expect(given.initialContext).toMatchObject({ orderId: 'conformance-order' });
    // The input itself, as before results could be given.
    const bare = planProbes(SAMPLE_SAGAS, 'payment', { order: SAMPLE_ORDER_INPUT }).probes[1]!;
    expect(bare.before[0]).toMatchObject({ source: 'missing', step: { id: 'reserve-inventory' } });
    expect(bare.initialContext).toEqual(given.initialContext);
  });

  it('refuses results for a step the saga type does not have, and a malformed entry', () => {
    expect(() =>
      planProbes(SAMPLE_SAGAS, 'payment', {
        order: { input: SAMPLE_ORDER_INPUT, results: { reserve: {} } },
      }),
    ).toThrow('--inputs order: results for reserve, which is no step of order');
    expect(() =>
      planProbes(SAMPLE_SAGAS, 'payment', { order: { input: {}, results: [] } }),
    ).toThrow('--inputs order: "results" must be an object of results by step id');
  });

  it('refuses sample inputs for a saga type no definition names', () => {
    expect(() => planProbes(SAMPLE_SAGAS, 'shipping', { refund: {} })).toThrow(
      'sample inputs for refund, which no definition names (give its document with --definitions)',
    );
  });
});
