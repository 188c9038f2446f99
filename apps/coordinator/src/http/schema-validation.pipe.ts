import { Injectable, type ArgumentMetadata, type PipeTransform } from '@nestjs/common';
import { InvalidRequestException, type FieldProblem } from './problem.js';

type StandardSchema = NonNullable<ArgumentMetadata['schema']>;
type ValidationResult = Awaited<ReturnType<StandardSchema['~standard']['validate']>>;
/** One issue a Standard Schema reports. */
export type SchemaIssue = NonNullable<ValidationResult['issues']>[number];

/**
 * Validates a route argument against the schema given to its decorator
 * (`@Body({ schema })`, `@Query({ schema })`, `@Param('id', { schema })`) and answers 400 naming
 * each bad field; arguments without a schema pass unchanged. Returns the schema's output.
 */
@Injectable()
export class SchemaValidationPipe implements PipeTransform {
  async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const schema = metadata.schema;
    if (schema === undefined) return value;
    const result = await schema['~standard'].validate(value);
    if (result.issues === undefined) return result.value;
    const root = typeof metadata.data === 'string' ? [metadata.data] : [];
    throw new InvalidRequestException(
      result.issues.flatMap((issue) => problemsOf(issue, root, value, metadata.type)),
    );
  }
}

/** Turns one schema issue into problems; an unknown-keys issue names each unknown key. */
function problemsOf(
  issue: SchemaIssue,
  root: readonly string[],
  value: unknown,
  argument: string,
): FieldProblem[] {
  const path = (issue.path ?? []).map((segment) =>
    String(typeof segment === 'object' ? segment.key : segment),
  );
  const keys = unknownKeys(issue);
  if (keys !== undefined) {
    return keys.map((key) => ({
      field: fieldName([...root, ...path, key], argument),
      message: 'unknown field',
    }));
  }
  const missing = valueAt(value, path) === undefined;
  return [
    {
      field: fieldName([...root, ...path], argument),
      message: missing ? 'required' : issue.message,
    },
  ];
}

/** The keys of zod's `unrecognized_keys` issue, else undefined. */
function unknownKeys(issue: SchemaIssue): string[] | undefined {
  const { code, keys } = issue as { code?: unknown; keys?: unknown };
  if (code !== 'unrecognized_keys' || !Array.isArray(keys)) return undefined;
  return keys.map(String);
}

function valueAt(value: unknown, path: readonly string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

/** A dotted path, or the argument itself (`body`, `query`) when the problem is at its root. */
function fieldName(path: readonly string[], argument: string): string {
  return path.length > 0 ? path.join('.') : argument;
}
