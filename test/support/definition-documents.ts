// Definition documents for the registration tests, built from the repository's example
// (examples/definitions/shipment.v1.yaml: ship, compensatable; charge the payment, the pivot).
import { readFileSync } from 'node:fs';
import { readDefinitionText } from '#definitions';

/** A plain JSON value the tests edit freely. */
export type Document = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The example shipment document as `name` version `version`, a fresh copy each call. */
export function shipmentDocument(name: string, version: number): Document {
  const text = readFileSync('examples/definitions/shipment.v1.yaml', 'utf8');
  const read = readDefinitionText(text);
  if (!read.ok) throw new Error(`the example does not read: ${JSON.stringify(read.problems)}`);
  return { ...(read.value as Document), name, version };
}

/** A one-step document whose command goes to `participant` (nobody need serve it). */
export function oneStepDocument(name: string, version: number, participant: string): Document {
  return {
    name,
    version,
    input: { type: 'object', properties: { n: { type: 'integer' } } },
    steps: [
      {
        id: 'only',
        participant,
        command: `${participant}.do`,
        kind: 'pivot',
        payload: '{"n": has(context.n) ? context.n : 0}',
      },
    ],
  };
}

/**
 * Two steps on a participant nobody serves: `hold` (compensatable, no timeout), then the pivot
 * `finish`. Its sagas wait on `hold` for as long as a test needs: running, cancellable.
 */
export function holdDocument(name: string, participant: string): Document {
  return {
    name,
    version: 1,
    input: { type: 'object' },
    steps: [
      {
        id: 'hold',
        participant,
        command: `${participant}.hold`,
        payload: '{}',
        compensation: { command: `${participant}.release`, payload: '{}' },
      },
      {
        id: 'finish',
        participant,
        command: `${participant}.finish`,
        kind: 'pivot',
        dependsOn: ['hold'],
        payload: '{}',
      },
    ],
  };
}

/** The sample input of the shipment saga; the payment declines an amount above 10,000. */
export const shipmentInput = (orderId: string, amount = 120) => ({
  orderId,
  customerId: 'c-1',
  items: [{ sku: 'apple', quantity: 1 }],
  amount,
  currency: 'EUR',
});
