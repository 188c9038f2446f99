import { z } from 'zod';

/** An integer environment variable within [min, max], `fallback` when unset. */
export const boundedInt = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A text variable checked by `schema`; empty means unset. */
export const optionalText = (schema: z.ZodString) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
