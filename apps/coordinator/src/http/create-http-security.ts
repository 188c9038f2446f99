import type { SecurityConfig } from '../config/security-config.js';
import type { HttpSecurity } from './auth.guard.js';
import { ApiKeyDirectory } from '../security/api-keys.js';
import { Authenticator } from '../security/authenticator.js';
import { JwtVerifier } from '../security/jwt-verifier.js';
import { RateLimiter } from '../security/rate-limiter.js';

/** The authenticator and rate limiter the configuration describes. */
export function createHttpSecurity(config: SecurityConfig): HttpSecurity {
  const { auth } = config;
  const authenticator =
    auth.mode === 'open'
      ? new Authenticator({ mode: 'open' })
      : new Authenticator({
          mode: 'closed',
          ...(auth.apiKeys.length > 0 ? { apiKeys: new ApiKeyDirectory(auth.apiKeys) } : {}),
          ...(auth.jwt ? { jwt: new JwtVerifier(auth.jwt) } : {}),
        });
  return { authenticator, rateLimiter: new RateLimiter(config.rateLimit) };
}
