// Email behind a circuit breaker, SMS as its fallback: how the notification service reaches customers.
import CircuitBreaker from 'opossum';
import { TechnicalError } from '#saga-participant';
import { DEFAULT_BREAKER_CONFIG, opossumOptions, type BreakerConfig } from './breaker-config.js';
import type {
  MessageChannel,
  NotificationChannel,
  OutgoingMessage,
} from './notification-channels.js';

/** The code of the retryable error `notification.send` answers when no channel could be used. */
export const NOTIFICATION_UNAVAILABLE = 'NOTIFICATION_UNAVAILABLE';

/** Sends a message by some channel and says which; rejects when none could be used. */
export interface MessageDispatcher {
  send(message: OutgoingMessage): Promise<NotificationChannel>;
}

/** The dispatcher, and the email's breaker (to look at or to trip in tests). */
export interface GuardedDispatcher extends MessageDispatcher {
  readonly breaker: CircuitBreaker<[OutgoingMessage], NotificationChannel>;
}

/** Rejected by the SMS fallback; carries why email was not used. Never holds a provider's text. */
class BothChannelsFailed extends Error {
  override readonly name = 'BothChannelsFailed';
}

/**
 * Sends by `email` through an opossum circuit breaker; when email fails, times out or its
 * breaker is open (then email is not called), the breaker's fallback sends by `sms`. When SMS
 * fails too, rejects with a retryable TechnicalError NOTIFICATION_UNAVAILABLE: the reply is a
 * technical `error` the coordinator retries, never a business `failure`.
 *
 * A fallback is right here, unlike for the payment gateway: the business goal (the customer is
 * told) is met by SMS as well, and the reply says so truthfully (`channel`). Delivery is at least
 * once across channels: an email that lands after its timeout and the SMS both reach the
 * customer, which a notice can afford and money could not.
 */
export function emailWithSmsFallback(
  channels: { readonly email: MessageChannel; readonly sms: MessageChannel },
  config: BreakerConfig = DEFAULT_BREAKER_CONFIG,
): GuardedDispatcher {
  const breaker = new CircuitBreaker(
    async (message: OutgoingMessage) => {
      await channels.email.send(message);
      return 'email' as const;
    },
    opossumOptions('notification-email', config),
  );
  breaker.fallback(async (message: OutgoingMessage, emailError: unknown) => {
    try {
      await channels.sms.send(message);
    } catch {
      throw new BothChannelsFailed(`email: ${whyEmailFailed(emailError)}; sms: failed`);
    }
    return 'sms' as const;
  });
  return {
    breaker,
    async send(message) {
      try {
        return await breaker.fire(message);
      } catch (error) {
        const why = error instanceof BothChannelsFailed ? error.message : 'no channel answered';
        throw new TechnicalError(NOTIFICATION_UNAVAILABLE, `notification unavailable (${why})`);
      }
    },
  };
}

/** Says why email was not used, without echoing what it threw (it may hold secrets). */
function whyEmailFailed(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'EOPENBREAKER'
    ? 'the circuit breaker is open'
    : code === 'ETIMEDOUT'
      ? 'timed out'
      : code === 'ESEMLOCKED'
        ? 'too many calls in flight'
        : 'failed';
}
