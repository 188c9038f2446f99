import { compiledValidator, jsonSchemaInput } from './json-schema-input.js';

const stringWith = (pattern: string) =>
  jsonSchemaInput({ type: 'object', properties: { s: { type: 'string', pattern } } });

describe('jsonSchemaInput', () => {
  it('reports the field at fault, as zod does', () => {
    const schema = jsonSchemaInput({
      type: 'object',
      required: ['id'],
      properties: { items: { type: 'array', items: { type: 'string' } } },
    });
    expect(schema.safeParse({ id: 1, items: ['a'] })).toEqual({
      success: true,
      data: { id: 1, items: ['a'] },
    });
    expect(schema.safeParse({ items: ['a', 2] })).toMatchObject({
      success: false,
      error: { issues: [{ path: ['id'] }, { path: ['items', 1] }] },
    });
  });

  it.each([
    ['^(\\w|\\d)*$', '1'.repeat(40) + '!'],
    ['^(a|aa)+$', 'a'.repeat(80) + 'b'],
    ['^(a+)+$', 'a'.repeat(80) + 'b'],
  ])('answers %s on a string made to backtrack, in time linear in the string', (pattern, text) => {
    // A backtracking engine takes 2^40 steps and more on these: RE2 takes one pass.
    const schema = stringWith(pattern);
    expect(schema.safeParse({ s: text }).success).toBe(false);
    expect(schema.safeParse({ s: text.slice(0, -1) }).success).toBe(true);
  });

  it('reads patterns as ECMAScript writes them: classes, escapes, unanchored search', () => {
    expect(stringWith('^[A-Z]{3}$').safeParse({ s: 'EUR' }).success).toBe(true);
    expect(stringWith('^[A-Z]{3}$').safeParse({ s: 'EURO' }).success).toBe(false);
    expect(stringWith('\\u00e9').safeParse({ s: 'café' }).success).toBe(true);
    expect(stringWith('\\d').safeParse({ s: 'a1b' }).success).toBe(true);
    const keys = jsonSchemaInput({
      type: 'object',
      patternProperties: { '^x-': { type: 'number' } },
    });
    expect(keys.safeParse({ 'x-a': 'no' }).success).toBe(false);
    expect(keys.safeParse({ 'x-a': 1, other: 'yes' }).success).toBe(true);
  });

  it('refuses a pattern that needs backtracking (a backreference, a lookahead)', () => {
    expect(() => stringWith('^(a)\\1$')).toThrow(/\\1/);
    expect(() => stringWith('^(?=a)')).toThrow(/\(\?=/);
  });

  it.each([
    ['object items', { type: 'array', uniqueItems: true, items: { type: 'object' } }],
    ['array items', { type: 'array', uniqueItems: true, items: { type: ['string', 'array'] } }],
    ['items of no type', { type: 'array', uniqueItems: true, items: { $ref: '#/$defs/x' } }],
    ['no items', { type: 'array', uniqueItems: true }],
  ])('refuses uniqueItems over %s (a comparison of every pair), naming where', (_what, tags) => {
    expect(() =>
      jsonSchemaInput({
        type: 'object',
        $defs: { x: { type: 'string' } },
        properties: { order: { type: 'object', properties: { tags } } },
      }),
    ).toThrow(/^uniqueItems at properties\.order\.properties\.tags /);
  });

  it('keeps uniqueItems over items of a scalar type', () => {
    const schema = jsonSchemaInput({
      type: 'object',
      properties: {
        tags: { type: 'array', uniqueItems: true, items: { type: ['string', 'integer'] } },
      },
    });
    expect(schema.safeParse({ tags: ['a', 1, 'b'] }).success).toBe(true);
    expect(schema.safeParse({ tags: ['a', 1, 'a'] }).success).toBe(false);
    expect(jsonSchemaInput({ type: 'array', uniqueItems: false }).safeParse([{}, {}]).success).toBe(
      true,
    );
  });

  it('compiles a schema that reuses a definition many times once per definition, not per use', () => {
    // Inlined at each use, 2,000 uses of this definition took over a minute to compile. Each use
    // is a call to the definition's code, compiled once: a use adds far less code than one copy.
    const properties = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`p${i}`, { type: 'string', maxLength: 10 }]),
    );
    const usedBy = (uses: number) => ({
      type: 'object',
      $defs: { l: { type: 'object', properties } },
      allOf: Array.from({ length: uses }, () => ({ $ref: '#/$defs/l' })),
    });
    const codeOf = (uses: number) => compiledValidator(usedBy(uses)).toString().length;
    const copy = compiledValidator({ type: 'object', properties }).toString().length;
    expect((codeOf(101) - codeOf(1)) / 100).toBeLessThan(copy / 10);

    const compiled = jsonSchemaInput(usedBy(2_000));
    expect(compiled.safeParse({ p1: 'x' }).success).toBe(true);
    expect(compiled.safeParse({ p1: 'x'.repeat(11) }).success).toBe(false);
  });

  it('gives up a recursion whose branches overlap, exponential, within steps bounded by the input', () => {
    // Both branches recurse into the same array: a leaf that fails them both is tried 2^depth times.
    const schema = jsonSchemaInput({
      $defs: {
        n: {
          anyOf: [
            { type: 'array', items: { $ref: '#/$defs/n' } },
            { type: 'array', minItems: 1, items: { $ref: '#/$defs/n' } },
          ],
        },
      },
      $ref: '#/$defs/n',
    });
    const nested = (depth: number, leaf: unknown): unknown =>
      depth === 0 ? leaf : [nested(depth - 1, leaf)];

    expect(schema.safeParse(nested(5, [])).success).toBe(true);
    expect(schema.safeParse(nested(30, 'x'))).toEqual({
      success: false,
      error: {
        issues: [
          {
            path: [],
            // 10,000 and 4 per value of the input (31 of them): twice the root and its one entry.
            message: expect.stringMatching(
              /^could not be checked within 10124 steps of the schema \(its root and \$defs entered\)/,
            ) as unknown,
          },
        ],
      },
    });
    // The budget is per validation: the next one starts afresh.
    expect(schema.safeParse(nested(5, [])).success).toBe(true);
  });

  it('checks a large or deep input against a recursive schema whose branches do not overlap', () => {
    const json = jsonSchemaInput({
      $defs: {
        value: {
          anyOf: [
            { type: 'array', items: { $ref: '#/$defs/value' } },
            { type: 'object', additionalProperties: { $ref: '#/$defs/value' } },
            { type: ['string', 'number', 'boolean', 'null'] },
          ],
        },
      },
      $ref: '#/$defs/value',
    });
    let deep: unknown = 'leaf';
    for (let i = 0; i < 200; i++) deep = i % 2 === 0 ? [deep] : { a: deep };
    const wide = Array.from({ length: 50_000 }, (_, i) => ({ id: i, tags: ['a', 'b'] }));

    expect(json.safeParse(deep).success).toBe(true);
    expect(json.safeParse(wide).success).toBe(true);
    expect(json.safeParse([{ a: [undefined] }]).success).toBe(false);
  });
});
