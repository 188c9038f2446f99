import { parseDocument } from 'yaml';
import type { DefinitionProblem } from './definition-problem.js';

/** Largest definition document accepted, in bytes of UTF-8. */
export const MAX_DEFINITION_BYTES = 256 * 1024;

/**
 * Reads a definition document from text: JSON, or YAML (a superset of JSON, for people).
 * Refuses what is too large, duplicate keys, and YAML's aliases beyond a few (no billion laughs).
 */
export function readDefinitionText(
  text: string,
): { ok: true; value: unknown } | { ok: false; problems: DefinitionProblem[] } {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > MAX_DEFINITION_BYTES) {
    return refuse(`the document has ${bytes} bytes; at most ${MAX_DEFINITION_BYTES} are accepted`);
  }
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: false });
  const [first] = document.errors;
  if (first !== undefined) {
    const offset = first.pos[0];
    const line = text.slice(0, offset).split('\n').length;
    const column = offset - text.lastIndexOf('\n', offset - 1);
    const where = ` (line ${line}, column ${column})`;
    return refuse(`not valid JSON or YAML${where}: ${first.message.split('\n')[0]}`);
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: 10 }) as unknown };
  } catch (error) {
    return refuse(`not valid JSON or YAML: ${(error as Error).message}`);
  }
}

function refuse(message: string): { ok: false; problems: DefinitionProblem[] } {
  return { ok: false, problems: [{ path: '(root)', message }] };
}
