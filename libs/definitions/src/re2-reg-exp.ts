import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';

/**
 * The regular expressions of JSON Schemas (`pattern`, `patternProperties`), for Ajv's
 * `code.regExp`: RE2, by its pure-JavaScript port re2js, matches in time linear in the string
 * whatever the pattern, where ECMAScript's backtracking engine can take exponential time
 * (`^(\w|\d)*$` on forty digits and a `!`: 2^40 steps). Patterns are read as ECMAScript writes
 * them (translated by re2js; the `u` flag Ajv passes is RE2's own behaviour: code points). What RE2
 * cannot match in linear time, backreferences and lookarounds, is refused when the schema is
 * compiled, with the reason.
 */
export const re2RegExp: RegExpEngine = Object.assign(
  (pattern: string) => {
    try {
      return RE2JS.compile(RE2JS.translateRegExp(pattern));
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(
        `the pattern ${JSON.stringify(pattern)} is refused by RE2, which matches in linear time and so has no backreferences or lookarounds: ${reason}`,
        { cause: error },
      );
    }
  },
  // What Ajv's standalone code would print to make one; this coordinator compiles in process.
  { code: 're2RegExp' },
);
