import { z } from 'zod';
import {
  jsonValueProblems,
  LIMITS,
  PARTICIPANT_NAME_PATTERN,
  refuseUnstorableText,
} from '#contracts';
import { SAGA_NAME_PATTERN, SENSITIVE_PATH_PATTERN, STEP_ID_PATTERN } from '#saga-core';
import { MAX_EXPRESSION_LENGTH } from './cel-expression.js';

/** Most steps in one definition. */
export const MAX_STEPS = 100;

const policyName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,99}$/, 'a letter, then letters, digits, "-" or "_"');
// A document is stored as jsonb, which refuses U+0000 and lone surrogates: its free text is held
// to that here, with the field named, before anything is created for it (its topics, its row).
const commandType = z.string().min(1).max(LIMITS.id).superRefine(refuseUnstorableText);
/** The longest duration a document may give (10 years): deadlines of weeks are common. */
export const MAX_DURATION_MS = 10 * 365 * 86_400_000;
const milliseconds = z.int().min(1).max(MAX_DURATION_MS);

const expression = z
  .string()
  .min(1)
  .max(MAX_EXPRESSION_LENGTH)
  .superRefine(refuseUnstorableText)
  .describe(
    'A CEL expression (https://cel.dev) over `context` (the saga input, plus what earlier successes added); it must give JSON.',
  );

const jsonSchema = z
  .record(z.string(), z.unknown())
  .superRefine((schema, ctx) => {
    for (const { path, message } of jsonValueProblems(schema)) {
      ctx.addIssue({ code: 'custom', path: [...path], message, input: schema });
    }
  })
  .describe(
    'A JSON Schema (draft 2020-12); unknown keywords are refused, `format` is not checked.',
  );

/** A retry policy; every field has the engine's default when left out. */
export const retryPolicySchema = z
  .strictObject({
    maxAttempts: z
      .int()
      .min(1)
      .max(1_000)
      .optional()
      .describe(
        'Attempts in all (default 3). Leave it out on a retriable step: it retries without limit.',
      ),
    initialDelayMs: z.int().min(0).max(MAX_DURATION_MS).optional(),
    backoffFactor: z.number().min(1).max(100).optional(),
    maxDelayMs: z.int().min(0).max(MAX_DURATION_MS).optional(),
    jitter: z.enum(['full', 'equal', 'none']).optional(),
    nonRetryableErrorCodes: z.array(commandType).max(100).optional(),
  })
  .describe('How often and how patiently a command is retried after an error or a timeout.');

const retry = z
  .union([policyName, retryPolicySchema])
  .describe('A policy of `retryPolicies`, by name, or one written here.');

const compensationSchema = z.strictObject({
  command: commandType.describe('The command type of the compensation, e.g. `inventory.release`.'),
  payload: expression.describe(
    'CEL over `context`: the compensation command payload (ids a reply never brought are absent: test them with has()).',
  ),
  retry: retry.optional(),
  timeoutMs: milliseconds
    .optional()
    .describe('Reply timeout of the compensation (default: the step’s).'),
});

const stepSchema = z.strictObject({
  id: z.string().regex(STEP_ID_PATTERN, 'a letter, then letters, digits, "-" or "_" (100 at most)'),
  participant: z
    .string()
    .regex(PARTICIPANT_NAME_PATTERN, 'lowercase letters, digits, "-" or "." (100 at most)'),
  command: commandType.describe('The command type, e.g. `inventory.reserve`.'),
  kind: z
    .enum(['compensatable', 'pivot', 'retriable'])
    .optional()
    .describe('Default compensatable (needs a compensation); at most one pivot.'),
  dependsOn: z.array(z.string().superRefine(refuseUnstorableText)).max(MAX_STEPS).optional(),
  payload: expression.describe('CEL over `context`: the command payload.'),
  result: jsonSchema
    .optional()
    .describe('What a success’s `result` must be; otherwise the step counts as failed.'),
  onSuccess: z
    .record(
      z
        .string()
        .regex(/^[A-Za-z_][A-Za-z0-9_]{0,99}$/, 'a field name: letters, digits, "_"')
        .refine((name) => !['__proto__', 'constructor', 'prototype'].includes(name), {
          message: 'a name JavaScript objects reserve',
        }),
      expression,
    )
    .refine((folds) => Object.keys(folds).length <= 50, { message: 'at most 50 fields' })
    .optional()
    .describe('Fields a success adds to the context: name → CEL over `context` and `result`.'),
  retry: retry.optional(),
  timeoutMs: milliseconds.optional().describe('Reply timeout of each attempt (default: none).'),
  whenBreakerOpen: z
    .enum(['wait', 'fail-fast'])
    .optional()
    .describe('Default wait: hold the command while the participant’s breaker is open.'),
  compensation: compensationSchema.optional(),
});

/** A saga definition as a document (JSON or YAML): what a team registers without code. */
export const definitionDocumentSchema = z.strictObject({
  name: z
    .string()
    .regex(SAGA_NAME_PATTERN, 'a letter, then letters, digits, ".", "-" or "_" (200 at most)'),
  version: z.int().min(1).max(LIMITS.counter),
  description: z.string().max(LIMITS.message).superRefine(refuseUnstorableText).optional(),
  input: jsonSchema.describe('The JSON Schema of the saga input; the input must be an object.'),
  sensitive: z
    .array(z.string().regex(SENSITIVE_PATH_PATTERN, 'dotted keys or *, e.g. payment.cardToken'))
    .max(100)
    .optional()
    .describe('Context paths that hold secrets: encrypted at rest, redacted everywhere else.'),
  deadlineMs: milliseconds.optional().describe('Time the whole saga is given (default: none).'),
  events: z.enum(['outcomes', 'every-step']).optional(),
  retryPolicies: z.record(policyName, retryPolicySchema).optional(),
  steps: z.array(stepSchema).min(1).max(MAX_STEPS),
});

/** A definition document that fits the schema (expressions not yet compiled). */
export type DefinitionDocument = z.infer<typeof definitionDocumentSchema>;

/** One step of a document. */
export type DocumentStep = DefinitionDocument['steps'][number];
