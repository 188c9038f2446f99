import type { Logger } from '@nestjs/common';
import { ConfigError, loadCoordinatorConfig } from '../config/coordinator-config.js';
import { ApiKeyDirectory } from '../security/api-keys.js';
import type { Authenticator } from '../security/authenticator.js';

/**
 * Reads `API_KEYS_FILE` again and makes the authenticator use its keys: how a key is revoked or
 * added without a restart (the coordinator calls it on SIGHUP). A configuration that no longer
 * validates keeps the keys in use and says why (never echoing a value); so do keys set in
 * `API_KEYS`, which a running process cannot see change.
 */
export function reloadApiKeys(
  authenticator: Authenticator,
  environment: Record<string, string | undefined>,
  logger: Pick<Logger, 'log' | 'warn'>,
  readFile?: (path: string) => string,
): void {
  if (authenticator.isOpen) return;
  if (environment.API_KEYS !== undefined && environment.API_KEYS !== '') {
    logger.warn(
      'API keys not reloaded: they come from API_KEYS, which a running process cannot change (set API_KEYS_FILE to reload them)',
    );
    return;
  }
  try {
    const { auth } = loadCoordinatorConfig(environment, readFile).security;
    const keys = auth.mode === 'closed' ? auth.apiKeys : [];
    authenticator.useApiKeys(keys.length > 0 ? new ApiKeyDirectory(keys) : undefined);
    const revoked = keys.filter((key) => key.revoked).length;
    logger.log(`API keys reloaded: ${keys.length - revoked} active, ${revoked} revoked`);
  } catch (error) {
    const reason = error instanceof ConfigError ? error.message : 'unreadable configuration';
    logger.warn(`API keys not reloaded, the previous ones stay in use: ${reason}`);
  }
}
