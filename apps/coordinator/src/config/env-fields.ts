import { z } from 'zod';

/** An integer environment variable within [min, max], `fallback` when unset. */
export const boundedInt = (min: number, max: number, fallback: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
