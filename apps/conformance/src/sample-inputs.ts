import type { JsonValue } from '#contracts';
import type { AnySagaDefinition } from '#saga-core';

/** The sample input of the built-in `order` saga. */
export const SAMPLE_ORDER_INPUT: Readonly<Record<string, unknown>> = Object.freeze({
  orderId: 'conformance-order',
  customerId: 'conformance-customer',
  items: [{ sku: 'apple', quantity: 1 }],
  amount: 9.9,
  currency: 'EUR',
});

/**
 * A valid input per built-in saga type, from which the kit builds each step's payload as the
 * coordinator would, with a result for each step: whichever participant is checked, the steps
 * of the others it depends on have one. Teams with their own saga types give theirs with
 * `--inputs` (see `samplesOf`).
 */
export const SAMPLE_INPUTS: Readonly<Record<string, unknown>> = Object.freeze({
  order: {
    input: SAMPLE_ORDER_INPUT,
    results: {
      'reserve-inventory': { reservationId: 'conformance-reservation' },
      'authorize-payment': { authorizationId: 'conformance-authorization' },
      'capture-payment': { captureId: 'conformance-capture' },
      'schedule-shipping': { shipmentId: 'conformance-shipment' },
      'notify-customer': { notificationId: 'conformance-notification' },
    },
  },
});

/**
 * The inputs of a run: the built-in samples, each replaced by the entry `inputs` has for its key.
 * An entry that is an input alone, for a built-in saga type or one of its versions (`order`,
 * `order@2`), keeps the built-in results of that type: they stand for the steps of other
 * participants, which the kit does not run, and without them a refusal of a command that reads
 * no result at all would only be skipped.
 */
export function withBuiltInSamples(
  inputs: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...SAMPLE_INPUTS };
  for (const [key, entry] of Object.entries(inputs)) {
    const builtIn = SAMPLE_INPUTS[key.split('@')[0]!] as { results?: unknown } | undefined;
    merged[key] =
      builtIn?.results !== undefined && !isWrapped(entry)
        ? { input: entry, results: builtIn.results }
        : entry;
  }
  return merged;
}

/** What the kit starts a saga of one version from. */
export interface Sample {
  /** The key of the inputs it came from: `order`, or `order@2` for that version only. */
  readonly key: string;
  /** The saga's input, to be checked against the version's schema. */
  readonly input: unknown;
  /**
   * Results by step id, for steps of other participants that the checked steps depend on: the
   * kit folds them into the context as the coordinator would after their success.
   */
  readonly results: Readonly<Record<string, JsonValue>>;
}

/** The sample of each definition, or undefined when the inputs have none for it. */
export type SampleLookup = (definition: AnySagaDefinition) => Sample | undefined;

/**
 * Reads the inputs of a run: `{ "<saga type>" | "<saga type>@<version>": entry }`, where an entry
 * is the input itself, or `{ "input": ..., "results": { "<step id>": <result> } }` (an object
 * with an `input` field and at most a `results` field besides). For a definition the
 * `type@version` entry wins over the `type` one, as a whole. Throws naming a key no definition
 * has, malformed results, or results for a step no version of the saga type has.
 */
export function samplesOf(
  inputs: Readonly<Record<string, unknown>>,
  definitions: readonly AnySagaDefinition[],
): SampleLookup {
  const samples = new Map<string, Sample>();
  const unknown: string[] = [];
  for (const [key, entry] of Object.entries(inputs)) {
    const versions = definitions.filter((definition) => keysOf(definition).includes(key));
    if (versions.length === 0) {
      unknown.push(key);
      continue;
    }
    samples.set(key, sampleOf(key, entry, versions));
  }
  if (unknown.length > 0) {
    throw new Error(
      `sample inputs for ${unknown.join(', ')}, which no definition names (give its document with --definitions)`,
    );
  }
  return (definition) => {
    const [exact, any] = keysOf(definition);
    return samples.get(exact!) ?? samples.get(any!);
  };
}

/** `type@version`, then `type`: the keys an entry for `definition` may have, the first winning. */
export function keysOf(definition: AnySagaDefinition): [string, string] {
  return [`${definition.name}@${definition.version}`, definition.name];
}

function sampleOf(key: string, entry: unknown, versions: readonly AnySagaDefinition[]): Sample {
  if (!isWrapped(entry)) return { key, input: entry, results: {} };
  const results = entry['results'] ?? {};
  if (typeof results !== 'object' || results === null || Array.isArray(results)) {
    throw new Error(`--inputs ${key}: "results" must be an object of results by step id`);
  }
  const name = versions[0]!.name;
  for (const stepId of Object.keys(results)) {
    if (!versions.some((definition) => definition.stepById.has(stepId))) {
      throw new Error(`--inputs ${key}: results for ${stepId}, which is no step of ${name}`);
    }
  }
  // Parsed from JSON, so JSON values.
  return { key, input: entry['input'], results: results as Record<string, JsonValue> };
}

/**
 * Whether `entry` is `{ input, results? }` rather than an input itself. An input whose own only
 * fields are `input` (and `results`) must be wrapped: `{ "input": { "input": ... } }`.
 */
function isWrapped(entry: unknown): entry is Record<string, unknown> {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return false;
  const fields = Object.keys(entry);
  return (
    fields.includes('input') && fields.every((field) => field === 'input' || field === 'results')
  );
}
