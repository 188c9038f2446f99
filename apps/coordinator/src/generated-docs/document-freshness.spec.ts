import { readFileSync } from 'node:fs';
import { buildAsyncApiDocument, replyMessageSchema } from '#contracts';
import { z } from 'zod';
import { coordinatorAsyncApi, sagaInputsOf } from '../asyncapi/coordinator-asyncapi.js';
import { SAMPLE_SAGAS } from '../sagas/saga-catalog.js';
import { jsonFreshness, jsonText, textFreshness } from './document-freshness.js';
import { generatedDocuments } from './generated-docs.js';

const ASYNCAPI_FILE = 'docs/asyncapi.json';
const committed = readFileSync(ASYNCAPI_FILE, 'utf8');
const asyncApiFreshness = (text: string | undefined, document: unknown) =>
  jsonFreshness(ASYNCAPI_FILE, text, document);
const asyncApiText = jsonText;

describe('the generated documents', () => {
  it.each(generatedDocuments().map((document) => [document.file, document] as const))(
    'finds the committed %s fresh',
    (file, document) => {
      const text = readFileSync(file, 'utf8');
      const freshness =
        document.kind === 'json'
          ? jsonFreshness(file, text, document.content)
          : textFreshness(file, text, document.content);
      expect(freshness).toEqual({ fresh: true });
    },
  );

  it('includes the page of the order saga, and finds a hand edit of a page stale', () => {
    const page = generatedDocuments().find((d) => d.file === 'docs/definitions/order.v1.md');
    expect(page?.kind).toBe('text');
    const text = page!.content as string;
    expect(text).toContain('### `capture-payment`');
    expect(textFreshness(page!.file, text.replace('pivot', 'compensatable'), text)).toMatchObject({
      fresh: false,
      reason: expect.stringMatching(
        /^docs\/definitions\/order.v1.md differs .* \(first at line \d+\): run `npm run docs:generate`/,
      ),
    });
  });
});

describe('jsonFreshness', () => {
  it('finds the committed docs/asyncapi.json fresh', () => {
    expect(asyncApiFreshness(committed, coordinatorAsyncApi())).toEqual({ fresh: true });
  });

  it('finds it stale once a schema changes, naming where and what to run', () => {
    // The reply envelope with one more optional field, as a change to schemas.ts would make it.
    const replyWith = replyMessageSchema as unknown as z.ZodObject;
    const changed = buildAsyncApiDocument({
      sagaInputs: sagaInputsOf(SAMPLE_SAGAS),
      envelopes: { reply: replyWith.extend({ note: z.string().optional() }) },
    });

    const freshness = asyncApiFreshness(committed, changed);

    expect(freshness).toEqual({
      fresh: false,
      reason:
        'docs/asyncapi.json differs from what the schemas give (first at ' +
        '/components/messages/reply/payload/schema/properties/note): run `npm run docs:generate` ' +
        'and commit the result',
    });
  });

  it('finds it stale when the committed text was edited by hand', () => {
    const edited = committed.replace('"Saga coordinator wire contract"', '"Edited"');

    expect(asyncApiFreshness(edited, coordinatorAsyncApi())).toMatchObject({
      fresh: false,
      reason: expect.stringContaining('(first at /info/title)'),
    });
  });

  it('finds it stale when keys were reordered, though the values are the same', () => {
    const { asyncapi, ...rest } = JSON.parse(committed) as Record<string, unknown>;

    expect(
      asyncApiFreshness(JSON.stringify({ ...rest, asyncapi }), coordinatorAsyncApi()),
    ).toMatchObject({ fresh: false, reason: expect.stringContaining('(first at /asyncapi)') });
  });

  it('finds a missing or broken file stale', () => {
    expect(asyncApiFreshness(undefined, coordinatorAsyncApi())).toMatchObject({
      fresh: false,
      reason: expect.stringMatching(/^docs\/asyncapi.json is missing: run `npm run docs:generate`/),
    });
    expect(asyncApiFreshness(committed.slice(0, 100), coordinatorAsyncApi())).toMatchObject({
      fresh: false,
      reason: expect.stringContaining('is not valid JSON'),
    });
  });

  it('ignores formatting: the text written before prettier runs is fresh too', () => {
    expect(asyncApiFreshness(asyncApiText(coordinatorAsyncApi()), coordinatorAsyncApi())).toEqual({
      fresh: true,
    });
  });
});
