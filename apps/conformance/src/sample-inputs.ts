/**
 * A valid input per built-in saga type, from which the kit builds each step's payload as the
 * coordinator would. Teams with their own saga types give theirs with `--inputs`.
 */
export const SAMPLE_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({
  order: {
    orderId: 'conformance-order',
    customerId: 'conformance-customer',
    items: [{ sku: 'apple', quantity: 1 }],
    amount: 9.9,
    currency: 'EUR',
  },
});
