import { z } from 'zod';

/** An integer environment variable within [min, max], `fallback` when unset. */
export const boundedInt = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);

/** A true/false variable (`true`, `false`, `1`, `0`), `fallback` when unset. */
export const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .optional()
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1'));

/** A text variable checked by `schema`; empty means unset. */
export const optionalText = (schema: z.ZodString) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
