// The notification service's external message channels (simulated): email, and SMS to fall back on.
import { z } from 'zod';
import { breakerConfigSchema, DEFAULT_BREAKER_CONFIG } from './breaker-config.js';
import { simulatedCall, type SimulationOptions } from './simulated-provider.js';

/** The channels a message can go out by. */
export type NotificationChannel = 'email' | 'sms';

/** One message to a customer. A channel sends once per `idempotencyKey`, as real providers do. */
export interface OutgoingMessage {
  /** The command's idempotency key: a retry must not message the customer twice by one channel. */
  readonly idempotencyKey: string;
  readonly customerId: string;
  readonly template: string;
}

/** A message provider of one channel: resolves once the message is sent, rejects when it is not. */
export interface MessageChannel {
  send(message: OutgoingMessage): Promise<void>;
}

/** Thrown by a simulated channel for a failure it was told to simulate. */
export class ChannelFailure extends Error {
  override readonly name = 'ChannelFailure';
}

const channelSchema = z.strictObject({
  /** Up to this many milliseconds per message (uniformly drawn). */
  latencyMs: z.int().min(0).max(60_000).default(0),
  /** The chance (0..1) that a message fails. */
  failureRate: z.number().min(0).max(1).default(0),
});

/** One simulated channel's behaviour, defaults filled in. */
export type ChannelConfig = z.infer<typeof channelSchema>;

const ALWAYS_AVAILABLE: ChannelConfig = channelSchema.parse({});

/** The simulated channels and the email's breaker (the `NOTIFICATION_CHANNELS` variable, JSON). */
export const notificationChannelsConfigSchema = z.strictObject({
  email: channelSchema.default(ALWAYS_AVAILABLE),
  sms: channelSchema.default(ALWAYS_AVAILABLE),
  breaker: breakerConfigSchema.default(DEFAULT_BREAKER_CONFIG),
});

/** The channels' configuration, defaults filled in. */
export type NotificationChannelsConfig = z.infer<typeof notificationChannelsConfigSchema>;

/** Both channels always there, at once. */
export const DEFAULT_NOTIFICATION_CHANNELS_CONFIG: NotificationChannelsConfig =
  notificationChannelsConfigSchema.parse({});

/** A simulated channel, with what it did. */
export interface SimulatedChannel extends MessageChannel {
  /** Messages sent (a repeated key is not counted again). */
  readonly sent: () => number;
  /** Messages that failed as simulated. */
  readonly failed: () => number;
}

/**
 * A simulated message provider: each message waits a drawn share of `latencyMs`, then fails
 * with probability `failureRate` (a ChannelFailure), else is sent once per idempotency key.
 * Deterministic for a seeded `random`.
 */
export function simulatedChannel(
  channel: NotificationChannel,
  config: ChannelConfig,
  options: SimulationOptions = {},
): SimulatedChannel {
  const call = simulatedCall(config, options);
  const done = new Set<string>();
  let failed = 0;
  return {
    sent: () => done.size,
    failed: () => failed,
    async send(message) {
      if (await call()) {
        failed++;
        throw new ChannelFailure(`the ${channel} provider failed`);
      }
      done.add(message.idempotencyKey);
    },
  };
}
