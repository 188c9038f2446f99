import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiConsumes } from '@nestjs/swagger';

/** The metadata key of {@link AcceptsBody}. */
export const ACCEPTED_BODY_TYPES = 'http:acceptedBodyTypes';

/** What a route that declares nothing else takes: JSON. */
export const JSON_BODY_TYPES: readonly string[] = ['application/json'];

/**
 * Declares the media types a state-changing route takes (the default: `application/json`
 * only), for CrossSiteRequestGuard and the OpenAPI document alike. Each must be one a browser
 * cannot send cross-site without a CORS preflight: never `text/plain`, a form's or multipart.
 */
export function AcceptsBody(...types: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(ApiConsumes(...types), SetMetadata(ACCEPTED_BODY_TYPES, types));
}
