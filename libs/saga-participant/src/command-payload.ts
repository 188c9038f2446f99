import type { ZodType } from 'zod';
import { parseMessage } from '#contracts';
import { BusinessRefusal } from './business-refusal.js';

/**
 * Validates a command's payload against the handler's schema; a payload that does not fit is
 * refused for good (`INVALID_PAYLOAD`, naming the fields at fault), since a retry cannot fix it.
 */
export function parsePayload<T>(schema: ZodType<T>, payload: unknown): T {
  const parsed = parseMessage(schema, payload);
  if (!parsed.ok) throw new BusinessRefusal('INVALID_PAYLOAD', `invalid payload: ${parsed.reason}`);
  return parsed.value;
}
