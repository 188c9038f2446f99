import type { AnySagaDefinition, RetryPolicy } from '#saga-core';

/** A retry policy as JSON shows it: `maxAttempts` is `"unlimited"` rather than Infinity. */
export type RetrySummary = Omit<RetryPolicy, 'maxAttempts'> & {
  readonly maxAttempts: number | 'unlimited';
};
import { documentOf } from './compile-definition.js';

/** What a definition does, as the API and the generated pages show it, however it was written. */
export interface DefinitionSummary {
  readonly name: string;
  readonly version: number;
  /** `document`: registered as a definition document; `code`: built with defineSaga. */
  readonly source: 'document' | 'code';
  readonly description?: string;
  readonly participants: readonly string[];
  readonly deadlineMs?: number;
  readonly sensitive: readonly string[];
  readonly events: string;
  readonly steps: readonly StepSummary[];
}

/** One step of a DefinitionSummary. */
export interface StepSummary {
  readonly id: string;
  readonly participant: string;
  readonly command: string;
  readonly kind: string;
  readonly dependsOn: readonly string[];
  readonly retry: RetrySummary;
  readonly timeoutMs?: number;
  readonly whenBreakerOpen: string;
  /** The payload expression, for a document's step. */
  readonly payload?: string;
  /** What a success adds to the context (field → expression), for a document's step. */
  readonly onSuccess?: Readonly<Record<string, string>>;
  readonly compensation?: {
    readonly command: string;
    readonly retry: RetrySummary;
    readonly timeoutMs?: number;
    readonly payload?: string;
  };
}

/** Summarises `definition`; a document's expressions are included as written. */
export function summarizeDefinition(definition: AnySagaDefinition): DefinitionSummary {
  const document = documentOf(definition);
  const written = new Map(document?.steps.map((step) => [step.id, step]));
  return {
    name: definition.name,
    version: definition.version,
    source: document === undefined ? 'code' : 'document',
    ...(document?.description === undefined ? {} : { description: document.description }),
    participants: [...new Set(definition.steps.map((step) => step.participant))].sort(),
    ...(definition.deadlineMs === undefined ? {} : { deadlineMs: definition.deadlineMs }),
    sensitive: definition.sensitive,
    events: definition.events,
    steps: definition.steps.map((step) => {
      const source = written.get(step.id);
      return {
        id: step.id,
        participant: step.participant,
        command: step.command,
        kind: step.kind,
        dependsOn: step.dependsOn,
        retry: retrySummary(step.retry),
        ...(step.timeoutMs === undefined ? {} : { timeoutMs: step.timeoutMs }),
        whenBreakerOpen: step.whenBreakerOpen,
        ...(source === undefined ? {} : { payload: source.payload }),
        ...(source?.onSuccess === undefined ? {} : { onSuccess: source.onSuccess }),
        ...(step.compensation === undefined
          ? {}
          : {
              compensation: {
                command: step.compensation.command,
                retry: retrySummary(step.compensation.retry),
                ...(step.compensation.timeoutMs === undefined
                  ? {}
                  : { timeoutMs: step.compensation.timeoutMs }),
                ...(source?.compensation === undefined
                  ? {}
                  : { payload: source.compensation.payload }),
              },
            }),
      };
    }),
  };
}

function retrySummary(policy: RetryPolicy): RetrySummary {
  return {
    ...policy,
    maxAttempts: Number.isFinite(policy.maxAttempts) ? policy.maxAttempts : 'unlimited',
  };
}
