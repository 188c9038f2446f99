import { SetMetadata } from '@nestjs/common';
import type { Role } from '../security/principal.js';

/** Metadata key of a route's access rule, read by the AuthGuard. */
export const ROUTE_ACCESS = 'coordinator:route-access';

/** Who may call a route: anyone (health), or callers holding a role. */
export type RouteAccess =
  { readonly kind: 'public' } | { readonly kind: 'role'; readonly role: Role };

/**
 * The role a route (or every route of a controller) requires. Every route must declare one, or
 * be {@link PublicRoute}: a route that declares nothing is refused to everyone (403).
 */
export const RequireRole = (role: Role) =>
  SetMetadata<string, RouteAccess>(ROUTE_ACCESS, { kind: 'role', role });

/** A route open to unauthenticated callers (health probes and the metrics scrape only). */
export const PublicRoute = () => SetMetadata<string, RouteAccess>(ROUTE_ACCESS, { kind: 'public' });
