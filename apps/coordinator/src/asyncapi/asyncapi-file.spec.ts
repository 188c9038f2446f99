import { readFileSync } from 'node:fs';
import { buildAsyncApiDocument, replyMessageSchema } from '#contracts';
import { z } from 'zod';
import { ASYNCAPI_FILE, asyncApiFreshness, asyncApiText } from './asyncapi-file.js';
import { coordinatorAsyncApi, sagaInputsOf } from './coordinator-asyncapi.js';
import { SAMPLE_SAGAS } from '../sagas/saga-catalog.js';

const committed = readFileSync(ASYNCAPI_FILE, 'utf8');

describe('asyncApiFreshness', () => {
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
        '/components/messages/reply/payload/schema/properties/note): run `npm run asyncapi` ' +
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
      reason: expect.stringMatching(/^docs\/asyncapi.json is missing: run `npm run asyncapi`/),
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
